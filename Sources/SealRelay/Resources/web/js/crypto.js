// SealRelay envelope format v1 in WebCrypto (docs/FORMAT.md §3): HPKE base mode
// DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM for the file key, the header MAC,
// the 64 KiB STREAM payload, and Padmé. No user-visible strings: failures are SealError
// with a code the page translates.

const subtle = globalThis.crypto && globalThis.crypto.subtle;
const enc = new TextEncoder();

export const MAGIC = enc.encode('SEAL1\n');
export const CHUNK = 65536;
export const TAG = 16;
export const WIRE_CHUNK = CHUNK + TAG;
export const MAX_HEADER = 262144;
export const MIN_PADDED = 16384;
export const SUITE_X25519 = 'x25519-hkdf-sha256-aes256gcm';
export const SUITE_XWING = 'xwing-hkdf-sha256-aes256gcm';
const ENC_LEN = { [SUITE_X25519]: 32, [SUITE_XWING]: 1120 };

/** A failure with a stable code (the same names the Swift reader uses where they overlap). */
export class SealError extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

// ---- bytes -------------------------------------------------------------------------

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function u32(n) {
  return new Uint8Array([n >>> 24 & 255, n >>> 16 & 255, n >>> 8 & 255, n & 255]);
}

export function readU32(b, o) {
  return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new SealError('malformed', 'hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

export function b64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict unpadded base64url: no padding, no foreign characters, canonical last character. */
export function fromB64url(text, length) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new SealError('malformed', 'base64url');
  }
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (b64url(out) !== text) throw new SealError('malformed', 'non-canonical base64url');
  if (length !== undefined && out.length !== length) throw new SealError('malformed', `expected ${length} bytes`);
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** JSON with sorted keys and no whitespace, as the format's writers emit it. */
export function canonicalJSON(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJSON(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

/** Padmé (Nikitin et al., PETS 2019); identity below 2. */
export function padme(n) {
  if (n < 2) return n;
  const e = floorLog2(n);
  const s = floorLog2(e) + 1;
  const m = 2 ** Math.max(e - s, 0);
  // (n + m - 1) & ~(m - 1), in arithmetic that stays exact beyond 32 bits.
  return Math.ceil(n / m) * m;
}

// Exact for every integer a Number holds (Math.log2 can round up just below a power of 2).
function floorLog2(n) {
  let e = 0;
  while (2 ** (e + 1) <= n) e++;
  return e;
}

export function paddedLength(unpadded) {
  return padme(Math.max(unpadded, MIN_PADDED));
}

// ---- HMAC / HKDF (RFC 5869) --------------------------------------------------------

async function hmacKey(key) {
  // WebCrypto refuses an empty HMAC key; HMAC pads keys with zeros, so 32 zeros is the same key.
  return subtle.importKey('raw', key.length ? key : new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function hmac(key, data) {
  return new Uint8Array(await subtle.sign('HMAC', await hmacKey(key), data));
}

export async function hmacVerify(key, mac, data) {
  return subtle.verify('HMAC', await hmacKey(key), mac, data);
}

export async function hkdfExtract(salt, ikm) {
  return hmac(salt, ikm);
}

export async function hkdfExpand(prk, info, length) {
  const key = await hmacKey(prk);
  const out = new Uint8Array(length);
  let block = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++) {
    block = new Uint8Array(await subtle.sign('HMAC', key, concat(block, info, new Uint8Array([i]))));
    out.set(block.subarray(0, Math.min(32, length - o)), o);
    o += 32;
  }
  return out;
}

export async function hkdf(ikm, salt, info, length = 32) {
  return hkdfExpand(await hkdfExtract(salt, ikm), info, length);
}

// ---- X25519 ------------------------------------------------------------------------

/** Whether this browser's WebCrypto has X25519 (Chromium 133+, Firefox 130+, Safari 17+). */
export async function hasX25519() {
  try {
    if (!subtle) return false;
    const k = await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
    await subtle.deriveBits({ name: 'X25519', public: k.publicKey }, k.privateKey, 256);
    return true;
  } catch (_) {
    return false;
  }
}

// The points of small order on Curve25519 (with their non-canonical encodings p-1, p, p+1),
// as libsodium lists them; compared with the top bit cleared, as X25519 ignores it.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

export function isLowOrder(pub) {
  if (pub.length !== 32) return true;
  const p = Uint8Array.from(pub);
  p[31] &= 0x7f;
  return LOW_ORDER.some((q) => equalBytes(p, q));
}

function requirePublic(pub) {
  if (isLowOrder(pub)) throw new SealError('lowOrderKey');
}

const PKCS8_X25519 = fromHex('302e020100300506032b656e04220420');
const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

/** An X25519 private key from its 32 raw bytes (WebCrypto imports only PKCS#8 or JWK), and
 * its public key, X25519(private, 9), computed with deriveBits. Not through a JWK export:
 * Firefox ESR 140, the base of Tor Browser 15, cannot export a key imported from PKCS#8
 * (OperationError; 153 can), and this way the private key is never extractable at all. */
export async function importX25519Private(raw) {
  if (raw.length !== 32) throw new SealError('malformed', 'X25519 private key');
  const priv = await subtle.importKey('pkcs8', concat(PKCS8_X25519, raw), { name: 'X25519' }, false, ['deriveBits']);
  const base = await subtle.importKey('raw', BASE_POINT, { name: 'X25519' }, false, []);
  const pub = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: base }, priv, 256));
  return { privateKey: priv, publicKey: pub };
}

async function x25519(privateKey, pub) {
  requirePublic(pub);
  const pubKey = await subtle.importKey('raw', pub, { name: 'X25519' }, false, []);
  const shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pubKey }, privateKey, 256));
  // RFC 9180 §7.1.4; browsers should refuse this themselves, but do not rely on it.
  if (shared.every((b) => b === 0)) throw new SealError('lowOrderKey');
  return shared;
}

// ---- HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (RFC 9180) -------

const HPKE_V1 = enc.encode('HPKE-v1');
const KEM_SUITE = concat(enc.encode('KEM'), new Uint8Array([0x00, 0x20]));
const HPKE_SUITE = concat(enc.encode('HPKE'), new Uint8Array([0x00, 0x20, 0x00, 0x01, 0x00, 0x02]));

function labeledExtract(suite, salt, label, ikm) {
  return hkdfExtract(salt, concat(HPKE_V1, suite, enc.encode(label), ikm));
}

function labeledExpand(suite, prk, label, info, length) {
  return hkdfExpand(prk, concat(new Uint8Array([length >> 8, length & 255]), HPKE_V1, suite, enc.encode(label), info), length);
}

async function kemSharedSecret(dh, kemContext) {
  const prk = await labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, 32);
}

async function keySchedule(sharedSecret, info) {
  const empty = new Uint8Array(0);
  const pskIdHash = await labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty);
  const infoHash = await labeledExtract(HPKE_SUITE, empty, 'info_hash', info);
  const context = concat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, sharedSecret, 'secret', empty);
  const key = await labeledExpand(HPKE_SUITE, secret, 'key', context, 32);
  const nonce = await labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, 12);
  return { key: await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']), nonce };
}

/** Single-shot HPKE seal to an X25519 public key; returns { enc, ct }. */
export async function hpkeSeal(recipientPub, info, plaintext) {
  requirePublic(recipientPub);
  const eph = await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const encapsulated = new Uint8Array(await subtle.exportKey('raw', eph.publicKey));
  const dh = await x25519(eph.privateKey, recipientPub);
  const shared = await kemSharedSecret(dh, concat(encapsulated, recipientPub));
  const { key, nonce } = await keySchedule(shared, info);
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, plaintext));
  return { enc: encapsulated, ct };
}

/** Single-shot HPKE open with our X25519 key pair { privateKey, publicKey }. */
export async function hpkeOpen(keyPair, encapsulated, info, ct) {
  const dh = await x25519(keyPair.privateKey, encapsulated);
  const shared = await kemSharedSecret(dh, concat(encapsulated, keyPair.publicKey));
  const { key, nonce } = await keySchedule(shared, info);
  return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce }, key, ct));
}

// ---- envelope keys -----------------------------------------------------------------

const INFO_FILE_KEY = enc.encode('seal1 file key');

export function headerKey(fileKey) {
  return hkdf(fileKey, new Uint8Array(0), enc.encode('seal1 header'));
}

export async function payloadKey(fileKey, salt) {
  const raw = await hkdf(fileKey, salt, enc.encode('seal1 payload'));
  return subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export function chunkNonce(index, last) {
  const n = new Uint8Array(12);
  let v = index;
  for (let i = 10; i >= 0 && v > 0; i--) { n[i] = v % 256; v = Math.floor(v / 256); }
  n[11] = last ? 1 : 0;
  return n;
}

export function chunkCount(length) {
  return Math.max(1, Math.ceil(length / CHUNK));
}

/** One X25519 stanza wrapping the file key for a recipient { kid (16 bytes), x25519 (32 bytes) }. */
export async function wrapFileKey(fileKey, recipient) {
  const { enc: e, ct } = await hpkeSeal(recipient.x25519, concat(INFO_FILE_KEY, recipient.kid), fileKey);
  return { ct: b64url(ct), enc: b64url(e), kid: b64url(recipient.kid), suite: SUITE_X25519 };
}

/**
 * Writes an envelope of a plaintext whose length is known in advance. Chunks may be sealed
 * in any order (the nonce is the index), so a caller can seal the report's head last.
 * `fileKey`, `salt` and `stanzas` are parameters only so the test vectors can be
 * reproduced; the page always lets `create` draw them.
 */
export class EnvelopeSealer {
  static async create({ recipients, bundleId, length }) {
    if (!recipients.length || recipients.length > 64) throw new SealError('recipients');
    const fileKey = randomBytes(32);
    const stanzas = [];
    for (const r of recipients) stanzas.push(await wrapFileKey(fileKey, r));
    return EnvelopeSealer.withKeys({ fileKey, salt: randomBytes(16), stanzas, bundleId, length });
  }

  static async withKeys({ fileKey, salt, stanzas, bundleId, length }) {
    const s = new EnvelopeSealer();
    const header = enc.encode(canonicalJSON({ bundle: bundleId, chunk: CHUNK, salt: b64url(salt), stanzas, v: 1 }));
    const head = concat(MAGIC, u32(header.length), header);
    s.prefix = concat(head, await hmac(await headerKey(fileKey), head));
    s.key = await payloadKey(fileKey, salt);
    s.length = length;
    s.count = chunkCount(length);
    return s;
  }

  /** Plaintext byte range of chunk i. */
  range(i) {
    return [i * CHUNK, Math.min((i + 1) * CHUNK, this.length)];
  }

  async sealChunk(i, plaintext) {
    const [a, b] = this.range(i);
    if (plaintext.length !== b - a) throw new SealError('chunkLength');
    return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: chunkNonce(i, i === this.count - 1) }, this.key, plaintext));
  }
}

// ---- reading -----------------------------------------------------------------------

const HEADER_KEYS = ['bundle', 'chunk', 'salt', 'stanzas', 'v'];
const STANZA_KEYS = ['ct', 'enc', 'kid', 'suite'];

function exactKeys(obj, keys) {
  return obj && typeof obj === 'object' && !Array.isArray(obj) && Object.keys(obj).sort().join() === keys.join();
}

/** Everything checkable without a key (what a relay checks). */
export function parseEnvelope(data) {
  if (data.length < 6 || !equalBytes(data.subarray(0, 4), MAGIC.subarray(0, 4))) throw new SealError('notAnEnvelope');
  if (!equalBytes(data.subarray(0, 6), MAGIC)) throw new SealError('unsupportedVersion');
  if (data.length < 10) throw new SealError('truncated');
  const hlen = readU32(data, 6);
  if (hlen < 1 || hlen > MAX_HEADER) throw new SealError('headerLength');
  if (data.length < 10 + hlen + 32) throw new SealError('truncated');
  const headerBytes = data.subarray(10, 10 + hlen);
  let header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (_) {
    throw new SealError('malformedHeader');
  }
  if (header && typeof header === 'object' && 'v' in header && header.v !== 1) throw new SealError('unsupportedVersion');
  if (!exactKeys(header, HEADER_KEYS) || header.chunk !== CHUNK || !/^[0-9a-f]{64}$/.test(header.bundle)) {
    throw new SealError('malformedHeader');
  }
  const salt = fromB64url(header.salt, 16);
  if (!Array.isArray(header.stanzas) || header.stanzas.length < 1 || header.stanzas.length > 64) throw new SealError('malformedHeader');
  const seen = new Set();
  const stanzas = header.stanzas.map((s) => {
    if (!exactKeys(s, STANZA_KEYS) || !(s.suite in ENC_LEN) || seen.has(s.kid)) throw new SealError('malformedHeader');
    seen.add(s.kid);
    return { kid: fromB64url(s.kid, 16), suite: s.suite, enc: fromB64url(s.enc, ENC_LEN[s.suite]), ct: fromB64url(s.ct, 48) };
  });
  if (new Set(stanzas.map((s) => s.suite)).size !== 1) throw new SealError('malformedHeader');
  const macStart = 10 + hlen;
  return {
    header, salt, stanzas,
    macInput: data.subarray(0, macStart),
    mac: data.subarray(macStart, macStart + 32),
    payload: data.subarray(macStart + 32),
  };
}

/**
 * Opens an envelope addressed to `identity` { kid, privateKey, publicKey } (an X25519 key):
 * stanza, header MAC (before any payload byte), then every chunk. Returns the plaintext only
 * when all of it authenticated.
 */
export async function openEnvelope(identity, data) {
  const env = parseEnvelope(data);
  const mine = env.stanzas.find((s) => equalBytes(s.kid, identity.kid));
  if (!mine) throw new SealError('notAddressedToYou');
  if (mine.suite !== SUITE_X25519) throw new SealError('unsupportedSuite');
  let fileKey;
  try {
    if (isLowOrder(mine.enc)) throw new SealError('lowOrderKey');
    fileKey = await hpkeOpen(identity, mine.enc, concat(INFO_FILE_KEY, identity.kid), mine.ct);
  } catch (_) {
    throw new SealError('stanzaDoesNotOpen');
  }
  if (fileKey.length !== 32) throw new SealError('stanzaDoesNotOpen');
  if (!(await hmacVerify(await headerKey(fileKey), env.mac, env.macInput))) throw new SealError('badHeaderMAC');
  const key = await payloadKey(fileKey, env.salt);
  const payload = env.payload;
  if (payload.length === 0) throw new SealError('missingLastChunk');
  const count = Math.ceil(payload.length / WIRE_CHUNK);
  const parts = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const wire = payload.subarray(i * WIRE_CHUNK, (i + 1) * WIRE_CHUNK);
    const last = i === count - 1;
    if (wire.length < TAG) throw new SealError('badChunk');
    let pt;
    try {
      pt = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: chunkNonce(i, last) }, key, wire));
    } catch (_) {
      // Does it open with the other last-flag? Then the stream was cut or extended.
      let flipped = true;
      try { await subtle.decrypt({ name: 'AES-GCM', iv: chunkNonce(i, !last) }, key, wire); } catch (__) { flipped = false; }
      if (flipped && last) throw new SealError('missingLastChunk');
      if (flipped && !last) throw new SealError('trailingData');
      throw new SealError('badChunk');
    }
    if (last && pt.length === 0 && i > 0) throw new SealError('badChunk');
    parts.push(pt);
    total += pt.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return { header: env.header, plaintext: out };
}
