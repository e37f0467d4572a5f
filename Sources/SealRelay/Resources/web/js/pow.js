// Proof of work for the relay (docs/API.md "Proof of work"). `GET /v1/pow` answers {"v":1,"challenge":B64URL,
// "bits":N,"expires_in":S}; the request that creates an upload carries `Seal-PoW:
// B64URL(challenge).B64URL(nonce)`. Only a well-formed 200 answer is a challenge: a relay
// that answers 404 asks for none (no header is sent), and after any other answer the page
// sends without one and lets the relay's refusal, which carries a fresh challenge, decide.
// The search (pow-worker.js) runs in one worker per core, each on its own lane of nonces,
// from the moment the source starts writing.

import { SealError, fromB64url, b64url } from './crypto.js';
import { isSolution, search } from './pow-worker.js';
import { api, powWorkerURL } from './offline.js';

/** Beyond this the expected work is hours on a phone: a relay asking for it is refused. */
export const MAX_BITS = 30;

/** A challenge answer as { challenge, bits, useBy }: after useBy (performance.now() time,
 * 30 s or a quarter of the lifetime before expiry) a solution is too late to send. */
export function parseChallenge(a, now = performance.now()) {
  let challenge;
  try {
    if (a.v !== 1 || !Number.isInteger(a.bits) || a.bits < 0 || !(a.expires_in > 0)) throw new Error();
    challenge = fromB64url(a.challenge);
  } catch (_) {
    throw new SealError('powMalformed');
  }
  if (challenge.length < 16 || challenge.length > 256) throw new SealError('powMalformed');
  if (a.bits > MAX_BITS) throw new SealError('powTooHard');
  const life = a.expires_in * 1000;
  return { challenge, bits: a.bits, useBy: now + life - Math.min(30000, life / 4) };
}

async function fetchChallenge() {
  let answer;
  try {
    const r = await fetch(api('/v1/pow'), { credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' });
    if (r.status !== 200) return null;
    answer = await r.json();
  } catch (_) {
    return null;
  }
  try {
    return parseChallenge(answer);
  } catch (e) {
    if (e.code === 'powTooHard') throw e;
    return null;
  }
}

/**
 * Searches in `workers` Web Workers (default: one per core, at most 16). onProgress gets
 * { attempts, rate (per second, measured), expected (2^bits), seconds (expected time at that
 * rate), workers (0 when they could not start and the page searches itself) }.
 * Returns { promise (the nonce), cancel() }.
 */
export function solve({ challenge, bits }, onProgress = () => {}, { workers: wanted } = {}) {
  const count = wanted || Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 16));
  const workers = [];
  const counts = new Array(count).fill(0);
  const started = performance.now();
  let stopped = false, inWorkers = true, fail;
  const progress = () => {
    const attempts = counts.reduce((a, b) => a + b, 0);
    const rate = attempts / Math.max(1e-3, (performance.now() - started) / 1000);
    onProgress({ attempts, rate, expected: 2 ** bits, seconds: rate ? 2 ** bits / rate : null, workers: inWorkers ? count : 0 });
  };
  const stopAll = () => workers.forEach((w) => w.terminate());
  const promise = new Promise((resolve, reject) => {
    fail = reject;
    const inPage = () => {
      stopAll();
      inWorkers = false;
      search({ challenge, bits, lane: 0, stopped: () => stopped, report: (n) => { counts[0] = n; if (n % 64 === 0) progress(); } })
        .then((nonce) => (nonce ? resolve(nonce) : reject(new SealError('cancelled'))), reject);
    };
    try {
      for (let lane = 0; lane < count; lane++) {
        const w = new Worker(powWorkerURL(), { type: 'module' });
        workers.push(w);
        w.onmessage = ({ data }) => {
          counts[lane] = data.attempts;
          progress();
          if (data.nonce) { stopAll(); resolve(data.nonce); }
        };
        w.onerror = (event) => {
          event.preventDefault();
          if (stopped || !inWorkers) return;
          if (counts.every((c) => c === 0)) { inPage(); return; }
          stopAll();
          reject(new SealError('powFailed'));
        };
        w.postMessage({ challenge, bits, lane });
      }
    } catch (_) {
      inPage();
    }
  });
  return { promise, cancel: () => { stopped = true; stopAll(); fail(new SealError('cancelled')); } };
}

/** The proof of work for one report: prepare() while the source writes, headers() when the
 * upload starts, headersFor(answer) when the relay refused with a fresh challenge. */
export class ProofOfWork {
  constructor() {
    this.ready = null; // a promise of { challenge, bits, useBy, nonce }, or of null: none asked
    this.listener = () => {};
  }

  /** Where progress goes while someone waits (null: nowhere). */
  onProgress(listener) {
    this.listener = listener || (() => {});
  }

  prepare() {
    if (!this.ready) {
      this.ready = fetchChallenge().then((c) => c && this.work(c));
      this.ready.catch(() => {}); // a failure shows when headers() asks; never unhandled
    }
    return this.ready;
  }

  async work(c) {
    this.stop();
    this.job = solve(c, (p) => this.listener(p));
    const nonce = await this.job.promise;
    if (!(await isSolution(c.challenge, c.bits, nonce))) throw new SealError('powFailed');
    const solved = { ...c, nonce };
    // Still writing when the challenge runs out: get a fresh one ready.
    this.timer = setTimeout(() => {
      if (this.solved === solved) { this.ready = null; this.prepare(); }
    }, Math.max(0, c.useBy - performance.now()));
    this.solved = solved;
    return solved;
  }

  /** Headers for the request that creates an upload ({} if the relay asks for no proof of
   * work); each solution is used once, one that failed or ran out is worked out afresh. */
  async headers() {
    for (let failed = 0, late = 0; ;) {
      let solved;
      try {
        solved = await this.prepare();
      } catch (e) {
        if (++failed > 1 || e.code === 'powTooHard' || e.code === 'cancelled') throw e;
        continue;
      } finally {
        this.ready = null;
      }
      if (!solved) return {};
      if (solved.useBy > performance.now()) return this.spend(solved);
      if (++late >= 3) throw new SealError('powTooHard');
    }
  }

  async headersFor(answer) {
    this.ready = null;
    return this.spend(await this.work(parseChallenge(answer)));
  }

  spend(solved) {
    this.stop();
    return { 'Seal-PoW': `${b64url(solved.challenge)}.${b64url(solved.nonce)}` };
  }

  stop() {
    if (this.job) this.job.cancel();
    clearTimeout(this.timer);
    this.job = null;
    this.solved = null;
  }

  /** Stops any search and forgets every challenge and solution. */
  cancel() {
    this.stop();
    this.ready = null;
  }
}
