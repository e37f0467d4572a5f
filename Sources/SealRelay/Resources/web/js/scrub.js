// Structural metadata removal for JPEG, PNG and WebP, with the rules of SealCore's
// JPEGScrubber, PNGScrubber and WebPScrubber (SECURITY.md): keep what a decoder needs,
// drop EXIF/GPS/XMP/IPTC/comments/ICC/thumbnails/trailing data, keep a turning orientation
// as a fresh EXIF block that holds nothing else (JPEG, PNG). Never through a canvas: Tor
// Browser blocks canvas read-back and re-encoding would degrade the evidence.
//
// Findings are codes ("gps", "camera", ...); the page shows them in the source's language
// and writes the English words into the manifest for the reviewer.

export class ScrubError extends Error {
  constructor(code) { super(code); this.code = code; }
}

/** The kind of file by its first bytes, never by its name. */
export function sniff(b) {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return null;
}

export const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

function ascii(b, o, n) {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

function startsWith(b, text, at = 0) {
  return ascii(b, at, text.length) === text;
}

class Findings {
  constructor() { this.list = []; }
  add(code) { if (!this.list.includes(code)) this.list.push(code); }
}

const malformed = () => new ScrubError('malformed');

// ---- EXIF (TIFF) summary: what it names, and the orientation -------------------------

const TAG_WORDS = {
  0x010f: 'camera', 0x0110: 'camera', 0x0131: 'software', 0x0132: 'datetime', 0x9003: 'datetime', 0x9004: 'datetime',
  0x013b: 'owner', 0xa430: 'owner', 0xa431: 'serial', 0xa435: 'serial', 0x927c: 'makernotes', 0x9286: 'comment',
  0x010e: 'description', 0xa420: 'uniqueid',
};

function exifSummary(t, findings) {
  findings.add('exif');
  const out = { orientation: null };
  if (t.length < 8) return out;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return out;
  const u16 = (o) => (o + 2 <= t.length ? (le ? t[o] | t[o + 1] << 8 : t[o] << 8 | t[o + 1]) : null);
  const u32 = (o) => (o + 4 <= t.length ? (le ? (t[o] | t[o + 1] << 8 | t[o + 2] << 16) + t[o + 3] * 2 ** 24
    : t[o] * 2 ** 24 + (t[o + 1] << 16 | t[o + 2] << 8 | t[o + 3])) : null);
  if (u16(2) !== 42) return out;
  const queue = [[u32(4), 'ifd0']];
  const visited = new Set();
  while (queue.length && visited.size < 32) {
    const [off, kind] = queue.shift();
    const count = off === null ? null : u16(off);
    if (off === null || off < 8 || visited.has(off) || count === null || count > 1000) continue;
    visited.add(off);
    for (let i = 0; i < count; i++) {
      const e = off + 2 + 12 * i;
      const tag = u16(e), type = u16(e + 2), n = u32(e + 4);
      if (tag === null || type === null || n === null) break;
      if (kind === 'gps') { findings.add('gps'); continue; }
      if (tag === 0x8769) { queue.push([u32(e + 8), 'exif']); continue; }
      if (tag === 0x8825) { queue.push([u32(e + 8), 'gps']); continue; }
      if (kind === 'ifd0' && tag === 0x0112 && type === 3 && n === 1) {
        const v = u16(e + 8);
        if (v >= 1 && v <= 8) out.orientation = v;
        continue;
      }
      if (kind === 'ifd1' && [0x0201, 0x0202, 0x0111, 0x0117].includes(tag)) { findings.add('thumbnail'); continue; }
      if (TAG_WORDS[tag]) findings.add(TAG_WORDS[tag]);
    }
    if (kind === 'ifd0' || kind === 'ifd1') {
      const next = u32(off + 2 + 12 * count);
      if (next) queue.push([next, 'ifd1']);
    }
  }
  return out;
}

/** A minimal EXIF block holding only the orientation: big-endian TIFF, one IFD, one entry
 * (ImageMetadata.orientationOnlyTIFF). */
function orientationOnlyTIFF(o) {
  return new Uint8Array([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0]);
}

function xmpFindings(p, findings) {
  findings.add('xmp');
  const s = ascii(p, 0, Math.min(p.length, 1 << 20));
  if (/GPSLatitude|GPSLongitude|LocationShown|LocationCreated/.test(s)) findings.add('gps');
  if (/dc:creator|OwnerName|tiff:Artist/.test(s)) findings.add('owner');
  if (/tiff:Make|tiff:Model/.test(s)) findings.add('camera');
  if (/SerialNumber/.test(s)) findings.add('serial');
  if (/DateTimeOriginal|CreateDate|ModifyDate|DateCreated/.test(s)) findings.add('datetime');
}

// ---- JPEG ------------------------------------------------------------------------

function jpegWellFormed(m, p) {
  if ((m >= 0xc0 && m <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(m)) || m === 0xde) return p.length >= 6 && p[5] >= 1 && p.length === 6 + 3 * p[5];
  if (m === 0xda) return p.length >= 1 && p[0] >= 1 && p.length === 1 + 2 * p[0] + 3;
  if (m === 0xc4) {
    let at = 0;
    while (at < p.length) {
      if (at + 17 > p.length) return false;
      let n = 0;
      for (let i = 1; i < 17; i++) n += p[at + i];
      at += 17 + n;
    }
    return at === p.length && p.length > 0;
  }
  if (m === 0xdb) {
    let at = 0;
    while (at < p.length) at += 1 + (p[at] >> 4 === 0 ? 64 : 128);
    return at === p.length && p.length > 0;
  }
  if (m === 0xcc) return p.length > 0 && p.length % 2 === 0;
  if (m === 0xdd || m === 0xdc) return p.length === 2;
  if (m === 0xdf) return p.length === 1;
  return true;
}

function seg(marker, payload) {
  const out = new Uint8Array(4 + payload.length);
  out[0] = 0xff; out[1] = marker; out[2] = (payload.length + 2) >> 8; out[3] = (payload.length + 2) & 255;
  out.set(payload, 4);
  return out;
}

export function scrubJPEG(b) {
  const f = new Findings();
  const head = []; // kept segments before the first scan, written after the new JFIF/EXIF
  const body = []; // from the first scan on
  let jfif = null, adobe = false, orientation = null, orientationSeen = false, frame = false, scan = false;
  let pos = 2;
  if (b[0] !== 0xff || b[1] !== 0xd8) throw malformed();
  const emit = (bytes) => (scan ? body : head).push(bytes);
  // Between segments only 0xFF fill bytes may stand before a marker.
  const nextMarker = () => {
    if (pos >= b.length || b[pos] !== 0xff) throw malformed();
    while (pos < b.length && b[pos] === 0xff) pos++;
    if (pos >= b.length || b[pos] === 0) throw malformed();
    return b[pos++];
  };
  // Copies entropy-coded data (stuffed FF00 and restart markers stay in it) and returns the
  // code of the marker that ends it.
  const copyEntropy = () => {
    for (;;) {
      const start = pos;
      while (pos < b.length && b[pos] !== 0xff) pos++;
      if (pos >= b.length) throw malformed();
      if (pos > start) body.push(b.subarray(start, pos));
      let q = pos + 1;
      while (q < b.length && b[q] === 0xff) q++;
      if (q >= b.length) throw malformed();
      const code = b[q];
      pos = q + 1;
      if (code === 0x00 || (code >= 0xd0 && code <= 0xd7)) { body.push(new Uint8Array([0xff, code])); continue; }
      return code;
    }
  };
  let pending = null;
  for (;;) {
    const marker = pending !== null ? pending : nextMarker();
    pending = null;
    if (marker === 0xd9) {
      if (!scan) throw malformed();
      body.push(new Uint8Array([0xff, 0xd9]));
      if (pos < b.length) f.add('trailing');
      break;
    }
    if (marker === 0xd8) throw malformed();
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { emit(new Uint8Array([0xff, marker])); continue; }
    if (pos + 2 > b.length) throw malformed();
    const len = (b[pos] << 8 | b[pos + 1]) - 2;
    if (len < 0 || pos + 2 + len > b.length) throw malformed();
    const p = b.subarray(pos + 2, pos + 2 + len);
    pos += 2 + len;
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      if (marker === 0xfe) f.add('comment');
      else if (marker === 0xe0 && startsWith(p, 'JFIF\0') && p.length >= 14) {
        if (!jfif) jfif = Uint8Array.from([...p.subarray(0, 12), 0, 0]);
        if (p[12] !== 0 && p[13] !== 0) f.add('thumbnail');
      } else if (marker === 0xe0 && startsWith(p, 'JFXX\0')) f.add('thumbnail');
      else if (marker === 0xe1 && startsWith(p, 'Exif\0')) {
        const s = exifSummary(p.subarray(6), f);
        // The first EXIF block before the image data decides the orientation.
        if (!orientationSeen && !scan && s.orientation !== null) {
          orientationSeen = true;
          if (s.orientation >= 2) orientation = s.orientation;
        }
      } else if (marker === 0xe1 && startsWith(p, 'http://ns.adobe.com/')) xmpFindings(p, f);
      else if (marker === 0xe2 && startsWith(p, 'ICC_PROFILE\0')) f.add('icc');
      else if (marker === 0xe2 && startsWith(p, 'MPF\0')) f.add('thumbnail');
      else if (marker === 0xed) f.add('iptc');
      else if (marker === 0xee && startsWith(p, 'Adobe') && p.length >= 12) {
        // Version, flags and the colour transform a decoder needs; nothing more.
        if (!adobe) { adobe = true; emit(seg(0xee, p.subarray(0, 12))); }
      } else f.add('other');
      continue;
    }
    if (marker === 0xda) {
      if (!frame || !jpegWellFormed(marker, p)) throw malformed();
      scan = true;
      body.push(seg(0xda, p));
      pending = copyEntropy();
      continue;
    }
    if ((marker >= 0xc0 && marker <= 0xcf) || (marker >= 0xdb && marker <= 0xdf) || marker === 0xf7 || marker === 0xf8) {
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) frame = true;
      // Kept segments must parse exactly, so a damaged marker cannot smuggle EXIF through.
      if (!jpegWellFormed(marker, p)) throw malformed();
      emit(seg(marker, p));
      continue;
    }
    throw malformed();
  }
  const parts = [new Uint8Array([0xff, 0xd8])];
  if (jfif) parts.push(seg(0xe0, jfif));
  if (orientation) parts.push(seg(0xe1, Uint8Array.from([0x45, 0x78, 0x69, 0x66, 0, 0, ...orientationOnlyTIFF(orientation)])));
  return { parts: parts.concat(head, body), removed: f.list };
}

// ---- PNG -------------------------------------------------------------------------

const PNG_KEPT = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'bKGD',
  'cICP', 'mDCv', 'cLLi', 'acTL', 'fcTL', 'fdAT']);

let crcTable;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const x of bytes) c = crcTable[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const be32 = (n) => new Uint8Array([n >>> 24 & 255, n >>> 16 & 255, n >>> 8 & 255, n & 255]);

export function scrubPNG(b) {
  const f = new Findings();
  const parts = [b.subarray(0, 8)];
  let pos = 8, first = true, idat = false;
  for (;;) {
    if (pos + 8 > b.length) throw malformed();
    const len = b[pos] * 2 ** 24 + (b[pos + 1] << 16 | b[pos + 2] << 8 | b[pos + 3]);
    const type = ascii(b, pos + 4, 4);
    if (len > 0x7fffffff || pos + 12 + len > b.length || !/^[A-Za-z]{4}$/.test(type)) throw malformed();
    if (first && type !== 'IHDR') throw malformed();
    first = false;
    const whole = b.subarray(pos, pos + 12 + len);
    const data = b.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IDAT') idat = true;
    if (PNG_KEPT.has(type)) {
      parts.push(whole);
      if (type === 'IEND') {
        if (!idat) throw malformed();
        if (pos < b.length) f.add('trailing');
        return { parts, removed: f.list };
      }
      continue;
    }
    // An unknown critical chunk (uppercase first letter) cannot be judged: refuse.
    if ((b[pos - 12 - len + 4] & 0x20) === 0) throw new ScrubError('unknownCritical');
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') f.add('text');
    else if (type === 'eXIf' || type === 'exIf' || type === 'zxIf') {
      const tiff = startsWith(data, 'Exif\0\0') ? data.subarray(6) : data;
      const s = exifSummary(tiff, f);
      if (type === 'eXIf' && s.orientation >= 2) {
        const td = Uint8Array.from([0x65, 0x58, 0x49, 0x66, ...orientationOnlyTIFF(s.orientation)]);
        parts.push(be32(td.length - 4), td, be32(crc32(td)));
      }
    } else if (type === 'tIME') f.add('datetime');
    else if (type === 'iCCP') f.add('icc');
    else f.add('other');
  }
}

// ---- WebP ------------------------------------------------------------------------

const WEBP_IMAGE = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF']);

export function scrubWebP(b) {
  const f = new Findings();
  const le32 = (o) => b[o] + (b[o + 1] << 8) + (b[o + 2] << 16) + b[o + 3] * 2 ** 24;
  const declared = le32(4);
  if (declared < 4 || declared % 2 !== 0 || declared + 8 > b.length) throw malformed();
  const end = declared + 8;
  const kept = [];
  let pos = 12, first = true, image = false, clear = 0;
  while (pos < end) {
    if (pos + 8 > end) throw malformed();
    const type = ascii(b, pos, 4);
    const size = le32(pos + 4);
    const padded = size + (size & 1);
    if (pos + 8 + padded > end) throw malformed();
    if (first && !['VP8 ', 'VP8L', 'VP8X'].includes(type)) throw malformed();
    first = false;
    if (['VP8 ', 'VP8L', 'ANMF'].includes(type)) image = true;
    const whole = b.subarray(pos, pos + 8 + padded);
    if (type === 'EXIF') { exifSummary(startsWith(b, 'Exif\0\0', pos + 8) ? b.subarray(pos + 14, pos + 8 + size) : b.subarray(pos + 8, pos + 8 + size), f); clear |= 0x08; }
    else if (type === 'XMP ') { xmpFindings(b.subarray(pos + 8, pos + 8 + size), f); clear |= 0x04; }
    else if (type === 'ICCP') { f.add('icc'); clear |= 0x20; }
    else if (WEBP_IMAGE.has(type)) {
      if (type === 'VP8X' && size < 10) throw malformed();
      kept.push(type === 'VP8X' ? Uint8Array.from(whole) : whole);
    } else f.add('other');
    pos += 8 + padded;
  }
  if (!image) throw malformed();
  if (b.length > end) f.add('trailing');
  for (const k of kept) if (ascii(k, 0, 4) === 'VP8X') k[8] &= ~clear;
  const riff = 4 + kept.reduce((n, k) => n + k.length, 0);
  const header = Uint8Array.from([0x52, 0x49, 0x46, 0x46, riff & 255, riff >> 8 & 255, riff >> 16 & 255, riff >>> 24 & 255, 0x57, 0x45, 0x42, 0x50]);
  return { parts: [header, ...kept], removed: f.list };
}

/** Scrubs an image file's bytes: { type, parts (Uint8Arrays), removed (codes) }, or null if
 * the format is not one the page can clean. Throws ScrubError for a damaged image. */
export function scrub(bytes) {
  const kind = sniff(bytes);
  if (!kind) return null;
  const r = kind === 'jpeg' ? scrubJPEG(bytes) : kind === 'png' ? scrubPNG(bytes) : scrubWebP(bytes);
  return { type: MIME[kind], ...r };
}
