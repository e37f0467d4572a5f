// Talking to the relay that served this page: same origin only, no credentials, no cache.

import { SealError } from './crypto.js';
import { proofOfWorkHeaders } from './pow.js';

const opts = { credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };

export async function fetchBundle() {
  let r;
  try { r = await fetch('/v1/bundle', opts); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * Uploads an envelope Blob with XMLHttpRequest, the only browser API that reports upload
 * progress; fetch() cannot stream a request body over HTTP/1.1. Resolves to the receipt.
 */
export async function upload(path, blob, onProgress) {
  const headers = await proofOfWorkHeaders();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = false;
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onerror = () => reject(new SealError('network'));
    xhr.onabort = () => reject(new SealError('network'));
    xhr.onload = () => {
      if (xhr.status === 202) {
        try { resolve(JSON.parse(xhr.responseText).receipt); } catch (_) { reject(new SealError('network')); }
      } else if (xhr.status === 413) reject(new SealError('tooLarge'));
      else if (xhr.status === 507) reject(new SealError('relayFull'));
      else reject(new SealError('refused'));
    };
    xhr.send(blob);
  });
}

export async function listMailbox(secret) {
  let r;
  try { r = await fetch('/v1/mailbox', { ...opts, headers: { 'Mailbox-Secret': secret } }); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  const body = await r.json();
  return Array.isArray(body.replies) ? body.replies : [];
}

export async function fetchReply(secret, id) {
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new SealError('network');
  let r;
  try { r = await fetch(`/v1/mailbox/${id}`, { ...opts, headers: { 'Mailbox-Secret': secret } }); } catch (_) { throw new SealError('network'); }
  if (!r.ok) throw new SealError('network');
  return new Uint8Array(await r.arrayBuffer());
}
