// Talking to the relay that served this page (or, for the offline page, the relay it names):
// no credentials, no cache.

import { SealError, b64url, fromB64url } from './crypto.js';
import { OFFLINE, api } from './offline.js';

const opts = { credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };

export async function fetchBundle() {
  if (OFFLINE) return fromB64url(OFFLINE.bundle);
  let r;
  try { r = await fetch('/v1/bundle', opts); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  return new Uint8Array(await r.arrayBuffer());
}

/** Ciphertext gathered before one PUT: small enough for a phone, large enough that the
 * round trips do not dominate over Tor. The relay takes up to 8 MiB (docs/API.md). */
export const UPLOAD_BATCH = 4 << 20;
const ATTEMPTS = 6;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** What the source is told about a refusal, chosen by the relay's error code
 * (docs/API.md "Errors"), never by its message; an answer without a code (a proxy's
 * page, say) is a plain refusal. */
const REFUSALS = {
  too_large: 'tooLarge',
  spool_full: 'relayFull',
  storage_failed: 'relayFull',
  too_many_uploads: 'busy',
  not_found: 'interrupted',
};

function refusal(answer) {
  const code = answer.body && typeof answer.body.code === 'string' ? answer.body.code : '';
  return new SealError(Object.prototype.hasOwnProperty.call(REFUSALS, code) ? REFUSALS[code] : 'refused');
}

/** One XMLHttpRequest (the only browser API that reports upload progress); resolves to
 * { status, body } or rejects with 'network' when no answer came. */
function xhr(method, path, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, api(path));
    x.withCredentials = false;
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    if (onProgress) x.upload.onprogress = (e) => onProgress(e.loaded);
    x.onerror = () => reject(new SealError('network'));
    x.onabort = () => reject(new SealError('network'));
    x.ontimeout = () => reject(new SealError('network'));
    x.onload = () => {
      let parsed = {};
      try { parsed = JSON.parse(x.responseText); } catch (_) { /* not JSON: only the status counts */ }
      resolve({ status: x.status, body: parsed });
    };
    x.send(body);
  });
}

/**
 * A chunked upload of one report envelope (docs/API.md "Chunked uploads"): browsers cannot
 * stream a request body over HTTP/1.1, so the envelope goes as PUTs of UPLOAD_BATCH bytes,
 * each sent only when the previous one was stored, then a completion that returns the
 * receipt. A PUT that fails is retried from the offset the relay reports, so a dropped
 * connection resumes instead of starting over. Used as the sink of sealReport().
 *
 * Every byte written is also hashed, so complete() can check the relay's receipt (the
 * first 16 bytes of SHA-256 of the envelope, docs/API.md) against what was really sent.
 */
export class ChunkedUpload {
  /** Asks the relay for an upload, with a proof of work when `pow` (a ProofOfWork) holds or
   * finds one; a 403 pow_required that names a fresh challenge is solved and retried once. */
  static async open(onProgress, pow) {
    const create = async (headers) => {
      try {
        return await xhr('POST', '/v1/uploads', null, headers);
      } catch (_) {
        throw new SealError('network');
      }
    };
    let r = await create(pow ? await pow.headers() : {});
    if (r.status === 403 && r.body.code === 'pow_required' && pow) {
      let headers;
      try {
        headers = await pow.headersFor(r.body.pow);
      } catch (e) {
        throw e.code === 'powMalformed' ? new SealError('powRefused') : e;
      }
      r = await create(headers);
      if (r.status === 403) throw new SealError('powRefused');
    }
    if (r.status !== 201 || typeof r.body.upload !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(r.body.upload)) {
      throw refusal(r);
    }
    // sha256.js loads with the first upload, not with the page (app.js explains why).
    const { StreamHash } = await import('./sha256.js');
    return new ChunkedUpload(r.body.upload, onProgress, StreamHash);
  }

  constructor(id, onProgress, StreamHash) {
    this.StreamHash = StreamHash;
    this.path = `/v1/uploads/${id}`;
    this.onProgress = onProgress || (() => {});
    // One buffer, reused for every batch. Not a Blob: a Blob's bytes go to the browser
    // process's blob store and stay there until the page's garbage collector happens to
    // drop the Blob, which for 50 small Blob objects may be never (measured: +190 MiB in
    // Chromium's browser process for a 200 MiB file). XHR copies an array's bytes when
    // send() is called, so the buffer can be refilled as soon as the PUT is answered.
    this.batch = new Uint8Array(UPLOAD_BATCH);
    this.pending = 0;
    this.offset = 0; // bytes the relay has confirmed
    this.size = 0;
    this.hash = null;
  }

  begin(size) {
    this.size = size;
    this.hash = new this.StreamHash(size);
  }

  async write(bytes) {
    this.hash.update(bytes);
    let rest = bytes;
    while (rest.length) {
      const n = Math.min(UPLOAD_BATCH - this.pending, rest.length);
      this.batch.set(rest.subarray(0, n), this.pending);
      this.pending += n;
      rest = rest.subarray(n);
      if (this.pending === UPLOAD_BATCH) await this.flush();
    }
  }

  async flush() {
    if (!this.pending) return;
    const start = this.offset;
    const end = start + this.pending;
    let failures = 0;
    while (this.offset < end) {
      let r;
      try {
        r = await xhr('PUT', this.path, this.batch.subarray(this.offset - start, end - start), {
          'Content-Type': 'application/octet-stream', 'Upload-Offset': String(this.offset),
        }, (loaded) => this.onProgress(this.offset + loaded, this.size));
      } catch (e) {
        failures += 1;
        if (failures >= ATTEMPTS) throw e;
        await sleep(500 * 2 ** failures);
        r = null;
      }
      if (!r) continue;
      if (r.status === 200 && r.body.offset === end) {
        this.offset = end;
      } else if (r.status === 409 && Number.isSafeInteger(r.body.offset) && r.body.offset >= start && r.body.offset <= end) {
        // A dropped PUT left part of the batch (or all of it) at the relay: go on from there.
        // The same offset again means the relay still holds the broken request: wait for it.
        if (r.body.offset === this.offset) {
          failures += 1;
          if (failures >= ATTEMPTS) throw new SealError('network');
          await sleep(500 * 2 ** failures);
        }
        this.offset = r.body.offset;
      } else {
        throw refusal(r);
      }
      this.onProgress(this.offset, this.size);
    }
    this.pending = 0;
  }

  /** Sends what is left and asks the relay to check and queue the envelope. Returns
   * { receipt: what the relay answered, expected: the id of the bytes this page sent,
   *   day: the UTC day the relay signed for it (docs/API.md "Receipts"), or '' }. */
  async complete() {
    await this.flush();
    const expected = b64url((await this.hash.digest()).subarray(0, 16));
    this.hash = null;
    let r;
    try {
      r = await xhr('POST', `${this.path}/complete`, null, {});
    } catch (_) {
      throw new SealError('network');
    }
    if (r.status !== 202 || typeof r.body.receipt !== 'string') throw refusal(r);
    this.onProgress(this.size, this.size);
    const day = typeof r.body.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r.body.day) ? r.body.day : '';
    return { receipt: r.body.receipt, expected, day };
  }

  /** Gives up: the relay deletes the partial upload now rather than at its idle timeout. */
  async cancel() {
    this.pending = 0;
    try { await xhr('DELETE', this.path, null, {}); } catch (_) { /* it expires anyway */ }
  }
}

export async function listMailbox(secret) {
  let r;
  try { r = await fetch(api('/v1/mailbox'), { ...opts, headers: { 'Mailbox-Secret': secret } }); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  const body = await r.json();
  return Array.isArray(body.replies) ? body.replies : [];
}

export async function fetchReply(secret, id) {
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new SealError('network');
  let r;
  try { r = await fetch(api(`/v1/mailbox/${id}`), { ...opts, headers: { 'Mailbox-Secret': secret } }); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  return new Uint8Array(await r.arrayBuffer());
}
