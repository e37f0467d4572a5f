// The report inside an envelope (docs/FORMAT.md §4): u32 manifest length, manifest, file
// bytes, zeros up to the Padmé length; sealed chunk by chunk without holding the files.
//
// The manifest comes first but carries each file's SHA-256, known only after the file was
// read. As in SealCore's ReportWriter, the manifest is laid out with placeholder hashes of
// the final length, every chunk after the manifest's last chunk is sealed as soon as it is
// full, and the chunks holding the manifest are sealed last (STREAM nonces are indices, so
// the order of sealing is free). Each sealed chunk becomes a small Blob; the envelope is a
// Blob of those parts, which the browser may keep on disk rather than in memory.

import { EnvelopeSealer, CHUNK, paddedLength, u32, canonicalJSON, hex, SealError } from './crypto.js';
import { SHA256 } from './sha256.js';

const READ_SLICE = 1 << 20;

/** A pasted text can hold a lone UTF-16 surrogate, which JSON would carry as an escape that
 * strict readers (seal open, sealpy) refuse as not Unicode: the report would be unreadable.
 * Replace it with U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(text) {
  return String(text).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
const PLACEHOLDER = '0'.repeat(64);

/**
 * files: [{ name, type, blob, removed: [words], unscrubbed: bool }]
 * options: { kind: 'report', message, reply: { key, mailbox }, thread, recipients, bundleId,
 *            onProgress(done, total), sealer (tests only) }
 * Returns { blob, manifest }.
 */
export async function sealReport({ kind = 'report', message, files, reply, thread, recipients, bundleId, onProgress, sealerFor }) {
  const manifest = {
    client: 'web/1',
    files: files.map((f) => ({ name: wellFormed(f.name), sha256: PLACEHOLDER, size: f.blob.size, type: f.type })),
    kind,
    message: wellFormed(message),
    scrubbed: files.filter((f) => !f.unscrubbed).map((f) => ({ name: wellFormed(f.name), removed: f.removed })),
    thread,
    v: 1,
  };
  const unscrubbed = files.filter((f) => f.unscrubbed).map((f) => wellFormed(f.name));
  if (unscrubbed.length) manifest.unscrubbed = unscrubbed;
  if (reply) manifest.reply = reply;
  const enc = new TextEncoder();
  const prefixLength = 4 + enc.encode(canonicalJSON(manifest)).length;
  const length = paddedLength(prefixLength + files.reduce((n, f) => n + f.blob.size, 0));
  const sealer = sealerFor ? await sealerFor(length) : await EnvelopeSealer.create({ recipients, bundleId, length });

  const count = sealer.count;
  const headChunks = Math.min(count, Math.ceil(prefixLength / CHUNK));
  const headEnd = sealer.range(headChunks - 1)[1];
  const sealed = new Array(count);
  const held = new Uint8Array(headEnd - prefixLength);
  let heldFill = 0;
  let chunk = new Uint8Array(CHUNK);
  let chunkFill = 0;
  let next = headChunks;
  let position = prefixLength;
  const progress = () => onProgress && onProgress(position, length);

  async function append(bytes) {
    let rest = bytes;
    if (position < headEnd) {
      const n = Math.min(headEnd - position, rest.length);
      held.set(rest.subarray(0, n), heldFill);
      heldFill += n;
      position += n;
      rest = rest.subarray(n);
    }
    while (rest.length) {
      const [a, b] = sealer.range(next);
      const n = Math.min(b - a - chunkFill, rest.length);
      chunk.set(rest.subarray(0, n), chunkFill);
      chunkFill += n;
      position += n;
      rest = rest.subarray(n);
      if (chunkFill === b - a) {
        sealed[next] = new Blob([await sealer.sealChunk(next, chunk.subarray(0, chunkFill))]);
        next += 1;
        chunkFill = 0;
        progress();
      }
    }
  }

  for (let i = 0; i < files.length; i++) {
    const blob = files[i].blob;
    const hash = new SHA256();
    for (let o = 0; o < blob.size; o += READ_SLICE) {
      const piece = new Uint8Array(await blob.slice(o, Math.min(o + READ_SLICE, blob.size)).arrayBuffer());
      hash.update(piece);
      await append(piece);
    }
    manifest.files[i].sha256 = hex(hash.digest());
  }
  const zeros = new Uint8Array(CHUNK);
  while (position < length) await append(zeros.subarray(0, Math.min(CHUNK, length - position)));

  const manifestBytes = enc.encode(canonicalJSON(manifest));
  // Hex digests have the placeholder's length, so every offset computed above holds.
  if (4 + manifestBytes.length !== prefixLength) throw new SealError('layoutChanged');
  const head = new Uint8Array(headEnd);
  head.set(u32(manifestBytes.length), 0);
  head.set(manifestBytes, 4);
  head.set(held, prefixLength);
  for (let i = 0; i < headChunks; i++) {
    const [a, b] = sealer.range(i);
    sealed[i] = new Blob([await sealer.sealChunk(i, head.subarray(a, b))]);
  }
  position = length;
  progress();
  return { blob: new Blob([sealer.prefix, ...sealed], { type: 'application/octet-stream' }), manifest };
}

/** Checks and splits a decrypted report or reply (the reader's side of §4). */
export async function parseReport(plaintext) {
  if (plaintext.length < 4) throw new SealError('malformedReport');
  const m = ((plaintext[0] << 24) >>> 0) + (plaintext[1] << 16) + (plaintext[2] << 8) + plaintext[3];
  if (m < 1 || m > 16 << 20 || 4 + m > plaintext.length) throw new SealError('malformedReport');
  let manifest;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext.subarray(4, 4 + m)));
  } catch (_) {
    throw new SealError('malformedReport');
  }
  if (!manifest || manifest.v !== 1 || typeof manifest.message !== 'string' || !Array.isArray(manifest.files)) {
    throw new SealError('malformedReport');
  }
  let pos = 4 + m;
  const files = [];
  for (const f of manifest.files) {
    if (!Number.isSafeInteger(f.size) || f.size < 0 || pos + f.size > plaintext.length) throw new SealError('malformedReport');
    const bytes = plaintext.subarray(pos, pos + f.size);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    if (hex(digest) !== f.sha256) throw new SealError('malformedReport');
    files.push({ name: String(f.name), type: String(f.type), bytes });
    pos += f.size;
  }
  if (plaintext.length !== paddedLength(pos)) throw new SealError('malformedReport');
  for (let i = pos; i < plaintext.length; i++) if (plaintext[i] !== 0) throw new SealError('malformedReport');
  return { manifest, files };
}
