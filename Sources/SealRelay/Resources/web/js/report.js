// The report inside an envelope (docs/FORMAT.md §4): u32 manifest length, manifest, file
// bytes, zeros up to the Padmé length; sealed chunk by chunk without holding the files.
//
// The manifest comes first but carries each file's SHA-256. So the files are read twice,
// in slices, never whole: pass 1 hashes them to write the manifest; pass 2 feeds manifest,
// files and padding through the STREAM in order and hands each sealed chunk to a sink as
// soon as it is sealed. With the chunked upload as the sink (relay.js), the page holds one
// upload batch of ciphertext at a time, whatever the size of the files.

import { EnvelopeSealer, CHUNK, TAG, paddedLength, u32, canonicalJSON, hex, SealError } from './crypto.js';
import { StreamHash } from './sha256.js';

const READ_SLICE = 1 << 20;

/** A pasted text can hold a lone UTF-16 surrogate, which JSON would carry as an escape that
 * strict readers (seal open, sealpy) refuse as not Unicode: the report would be unreadable.
 * Replace it with U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(text) {
  return String(text).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Yields a Blob's bytes in slices of READ_SLICE, so a large file is never read whole. The
 * next slice is already being read while the caller works on this one: the browser reads
 * files on another thread, so reading and hashing or sealing overlap. */
async function* slices(blob) {
  const read = (o) => blob.slice(o, Math.min(o + READ_SLICE, blob.size)).arrayBuffer();
  let next = blob.size > 0 ? read(0) : null;
  for (let o = 0; o < blob.size; o += READ_SLICE) {
    const piece = new Uint8Array(await next);
    next = o + READ_SLICE < blob.size ? read(o + READ_SLICE) : null;
    yield piece;
  }
}

/** How many chunks may be sealing at once. WebCrypto encrypts off the page's thread, so
 * several calls in flight keep the cores busy while the page copies the next chunk; the
 * sink still gets them in order, and memory stays at this many chunks. */
const SEALING = 8;

/**
 * files: [{ name, type, blob, removed: [words], unscrubbed: bool }]
 * options: { kind: 'report', message, fields: { key: value } (checked by fields.js), reply: { key, mailbox },
 *            thread, recipients, bundleId,
 *            onProgress(done, total) over both passes, sink, sealerFor (tests only) }
 * sink: { begin(envelopeBytes), write(bytes) } receives the envelope in order; write may
 * return a promise, which is awaited (back-pressure). Without a sink the envelope is
 * collected into a Blob (tests, and small envelopes).
 * Returns { blob (without a sink), manifest, size }.
 */
export async function sealReport({ kind = 'report', message, fields, files, reply, thread, recipients, bundleId, onProgress, sealerFor, sink }) {
  const fileBytes = files.reduce((n, f) => n + f.blob.size, 0);
  let done = 0;
  let total = fileBytes; // until the padded length is known
  const progress = () => onProgress && onProgress(done, total);

  // Pass 1: each file's hash, for the manifest.
  const hashes = [];
  for (const f of files) {
    const hash = new StreamHash(f.blob.size);
    for await (const piece of slices(f.blob)) {
      hash.update(piece);
      done += piece.length;
      progress();
    }
    hashes.push(hex(await hash.digest()));
  }

  const manifest = {
    client: 'web/1',
    files: files.map((f, i) => ({ name: wellFormed(f.name), sha256: hashes[i], size: f.blob.size, type: f.type })),
    kind,
    message: wellFormed(message),
    scrubbed: files.filter((f) => !f.unscrubbed).map((f) => ({ name: wellFormed(f.name), removed: f.removed })),
    thread,
    v: 1,
  };
  const unscrubbed = files.filter((f) => f.unscrubbed).map((f) => wellFormed(f.name));
  if (unscrubbed.length) manifest.unscrubbed = unscrubbed;
  if (reply) manifest.reply = reply;
  if (fields && Object.keys(fields).length) manifest.fields = fields;
  const manifestBytes = new TextEncoder().encode(canonicalJSON(manifest));
  const length = paddedLength(4 + manifestBytes.length + fileBytes);
  const sealer = sealerFor ? await sealerFor(length) : await EnvelopeSealer.create({ recipients, bundleId, length });
  total = fileBytes + length;

  const parts = [];
  const out = sink || { begin() {}, write(bytes) { parts.push(new Blob([bytes])); } };
  const size = sealer.prefix.length + length + sealer.count * TAG;
  await out.begin(size);
  await out.write(sealer.prefix);

  // Pass 2: the plaintext in order, sealed chunk by chunk.
  const chunk = new Uint8Array(CHUNK);
  let fill = 0;
  let index = 0;
  let position = 0;
  // Chunks being sealed, oldest first. sealChunk copies its input when called (WebCrypto
  // does), so `chunk` is free to refill at once.
  const sealing = [];
  async function drain(keep) {
    while (sealing.length > keep) {
      await out.write(await sealing.shift());
      progress();
    }
  }
  async function append(bytes) {
    let rest = bytes;
    while (rest.length) {
      const [a, b] = sealer.range(index);
      const n = Math.min(b - a - fill, rest.length);
      chunk.set(rest.subarray(0, n), fill);
      fill += n;
      position += n;
      done += n;
      rest = rest.subarray(n);
      if (fill === b - a) {
        const sealed = sealer.sealChunk(index, chunk.subarray(0, fill));
        // Awaited in order by drain; this only keeps a failure from being reported twice.
        sealed.catch(() => {});
        sealing.push(sealed);
        index += 1;
        fill = 0;
        await drain(SEALING - 1);
      }
    }
  }
  await append(u32(manifestBytes.length));
  await append(manifestBytes);
  for (const f of files) {
    let read = 0;
    for await (const piece of slices(f.blob)) {
      read += piece.length;
      await append(piece);
    }
    // A file that changed size since pass 1 would not match its manifest entry.
    if (read !== f.blob.size) throw new SealError('layoutChanged');
  }
  const zeros = new Uint8Array(CHUNK);
  while (position < length) await append(zeros.subarray(0, Math.min(CHUNK, length - position)));
  await drain(0);
  if (index !== sealer.count) throw new SealError('layoutChanged');
  return { blob: sink ? null : new Blob(parts, { type: 'application/octet-stream' }), manifest, size };
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
