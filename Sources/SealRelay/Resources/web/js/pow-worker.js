// The proof-of-work search (docs/API.md "Proof of work"): an 8-byte nonce such that PBKDF2-HMAC-SHA256(
// password = nonce, salt = "sealrelay pow v1" || challenge, 1000 iterations, 32 bytes)
// starts with `bits` zero bits. WebCrypto runs PBKDF2 natively, so the page pays per attempt
// what a native attacker pays. pow.js imports this module (to check a solution); run as a
// module worker (a same-origin file, as the CSP wants, never a blob) it searches one lane:
// in { challenge, bits, lane }, out { attempts } now and then and { attempts, nonce } at the end.

const PREFIX = new TextEncoder().encode('sealrelay pow v1');
// Attempts kept in flight: WebCrypto works on its own threads, so one at a time would leave
// the core idle between an answer and the next request.
const DEPTH = 4;

export function leadingZeroBits(bytes) {
  let n = 0;
  for (const b of bytes) {
    if (b) return n + Math.clz32(b) - 24;
    n += 8;
  }
  return n;
}

/** Lane in the first byte, counter in the other seven: lanes never share a nonce. */
export function nonceOf(lane, counter) {
  const nonce = new Uint8Array(8);
  nonce[0] = lane;
  for (let i = 7, v = counter; i >= 1; i--, v = Math.floor(v / 256)) nonce[i] = v % 256;
  return nonce;
}

async function zeroBits(salt, nonce) {
  const key = await crypto.subtle.importKey('raw', nonce, 'PBKDF2', false, ['deriveBits']);
  const out = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 }, key, 256);
  return leadingZeroBits(new Uint8Array(out));
}

const saltOf = (challenge) => new Uint8Array([...PREFIX, ...challenge]);

export async function isSolution(challenge, bits, nonce) {
  return nonce.length === 8 && (await zeroBits(saltOf(challenge), nonce)) >= bits;
}

/** Tries lane's nonces in order; report(attempts) after each. The nonce, or null if stopped(). */
export async function search({ challenge, bits, lane, stopped = () => false, report = () => {} }) {
  const salt = saltOf(challenge);
  let next = 0, attempts = 0, found = null;
  const run = async () => {
    while (found === null && !stopped()) {
      const nonce = nonceOf(lane, next++);
      const ok = (await zeroBits(salt, nonce)) >= bits;
      attempts += 1;
      if (ok && found === null) found = nonce;
      report(attempts);
    }
  };
  await Promise.all(Array.from({ length: DEPTH }, run));
  return found;
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = async ({ data }) => {
    let last = performance.now();
    let attempts = 0;
    const nonce = await search({
      ...data,
      report: (n) => {
        attempts = n;
        if (performance.now() - last >= 200) {
          last = performance.now();
          self.postMessage({ attempts });
        }
      },
    });
    self.postMessage({ attempts, nonce });
  };
}
