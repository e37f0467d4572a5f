// Codenames (docs/FORMAT.md §5): 12 BIP39 words in English, Korean or Simplified
// Chinese, parsed after NFKD and case folding with the same rules as SealCore's
// CodenameText, and the reply key, mailbox secret and thread id derived from the 16 entropy
// bytes with HKDF. The word lists are SealCore's own files, served by the relay.

import { SealError, hkdf, sha256, b64url, importX25519Private, randomBytes, concat } from './crypto.js';
import { OFFLINE } from './offline.js';

export const LANGUAGES = { en: 'english', ko: 'korean', zh: 'chinese_simplified' };
const FILES = ['english', 'korean', 'chinese_simplified', 'chinese_traditional'];
const lists = {};

/** Loads word lists (by file name; all of them by default: parsing detects the language).
 * Showing a new codename needs only the page language's list, which spares a slow Tor
 * circuit the others. */
export async function loadWordlists(files = FILES) {
  await Promise.all(files.filter((f) => !lists[f]).map(async (f) => {
    let text;
    if (OFFLINE) {
      text = OFFLINE.wordlists[f] || '';
    } else {
      const r = await fetch(`/wordlists/${f}.txt`, { credentials: 'omit', cache: 'no-store' });
      if (!r.ok) throw new SealError('wordlistMissing');
      text = await r.text();
    }
    const words = text.split('\n').filter((w) => w.length);
    if (words.length !== 2048) throw new SealError('wordlistMissing');
    lists[f] = words;
  }));
  return lists;
}

const normalise = (t) => t.normalize('NFKD').toLowerCase().normalize('NFKD');

let lookups;
function buildLookups() {
  if (lookups) return lookups;
  lookups = {};
  for (const [lang, file] of Object.entries(LANGUAGES)) {
    const map = new Map();
    lists[file].forEach((w, i) => map.set(normalise(w), i));
    if (lang === 'zh') {
      // Traditional spellings of the same indices, never shadowing a simplified word.
      lists.chinese_traditional.forEach((w, i) => { const k = normalise(w); if (!map.has(k)) map.set(k, i); });
    }
    lookups[lang] = map;
  }
  // English words are unique in their first four letters; people abbreviate to them.
  lookups.enPrefix = new Map(lists.english.filter((w) => w.length >= 4).map((w) => [w.slice(0, 4), lists.english.indexOf(w)]));
  return lookups;
}

function indexOf(lang, word) {
  const l = buildLookups();
  if (l[lang].has(word)) return l[lang].get(word);
  if (lang === 'en' && word.length >= 4) {
    const i = l.enPrefix.get(word.slice(0, 4));
    if (i !== undefined && lists.english[i].startsWith(word)) return i;
  }
  return undefined;
}

function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Up to three list words close to an unknown one, as SealCore's CodenameWordList suggests
 * them: within half the longer word's length, nearest first, then the longest shared start.
 * Single Chinese characters get none (any two are one edit apart). */
function suggestions(lang, word) {
  const typed = Array.from(word);
  const list = lists[LANGUAGES[lang]];
  if (typed.length > 40) return [];
  const scored = [];
  list.forEach((w, index) => {
    const cand = Array.from(normalise(w));
    const bound = Math.floor(Math.max(typed.length, cand.length) / 2);
    if (Math.abs(typed.length - cand.length) > bound) return;
    const d = editDistance(typed, cand);
    if (d > bound) return;
    let shared = 0;
    while (shared < typed.length && typed[shared] === cand[shared]) shared++;
    scored.push([d, -shared, index]);
  });
  scored.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  return scored.slice(0, 3).map(([, , i]) => list[i].normalize('NFC'));
}

/** Splits typed text into words (CodenameText.words): letters make words, each Han
 * ideograph is a word, marks and invisible format characters vanish, the rest separates. */
export function splitWords(text) {
  const words = [];
  let cur = '';
  for (const ch of normalise(text)) {
    if (/\p{Ideographic}/u.test(ch)) {
      if (cur) words.push(cur);
      cur = '';
      words.push(ch);
    } else if (/\p{L}/u.test(ch)) {
      cur += ch;
    } else if (/\p{M}/u.test(ch) || (/\p{Cf}/u.test(ch) && ch !== '\u200b')) {
      continue;
    } else {
      if (cur) words.push(cur);
      cur = '';
    }
  }
  if (cur) words.push(cur);
  return words;
}

async function checksumNibble(entropy) {
  return (await sha256(entropy))[0] >> 4;
}

async function indicesOf(entropy) {
  const bits = [];
  for (const b of entropy) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  const c = await checksumNibble(entropy);
  for (let i = 3; i >= 0; i--) bits.push((c >> i) & 1);
  const out = [];
  for (let w = 0; w < 12; w++) out.push(bits.slice(11 * w, 11 * w + 11).reduce((a, b) => a * 2 + b, 0));
  return out;
}

export class Codename {
  constructor(entropy, indices) {
    this.entropy = entropy;
    this.indices = indices;
  }

  static async generate() {
    const entropy = randomBytes(16);
    return new Codename(entropy, await indicesOf(entropy));
  }

  static async fromEntropy(entropy) {
    return new Codename(entropy, await indicesOf(entropy));
  }

  /** Throws SealError: empty, wrongWordCount {count}, unknownWord {position},
   * mixedLanguages or checksumMismatch; never echoes the codename. */
  static async parse(text) {
    await loadWordlists();
    const typed = splitWords(text);
    if (typed.length === 0) throw new SealError('empty');
    if (typed.length !== 12) { const e = new SealError('wrongWordCount'); e.count = typed.length; throw e; }
    let lang = null, best = 0;
    for (const l of ['en', 'ko', 'zh']) {
      const hits = typed.filter((w) => indexOf(l, w) !== undefined).length;
      if (hits > best) { best = hits; lang = l; }
    }
    if (!lang) { const e = new SealError('unknownWord'); e.position = 1; throw e; }
    const indices = [];
    for (let p = 0; p < typed.length; p++) {
      const i = indexOf(lang, typed[p]);
      if (i === undefined) {
        if (['en', 'ko', 'zh'].some((l) => l !== lang && indexOf(l, typed[p]) !== undefined)) throw new SealError('mixedLanguages');
        const e = new SealError('unknownWord'); e.position = p + 1; e.suggestions = suggestions(lang, typed[p]); throw e;
      }
      indices.push(i);
    }
    const bits = [];
    for (const i of indices) for (let b = 10; b >= 0; b--) bits.push((i >> b) & 1);
    const entropy = new Uint8Array(16);
    for (let i = 0; i < 128; i++) entropy[i >> 3] |= bits[i] << (7 - (i & 7));
    const checksum = bits.slice(128).reduce((a, b) => a * 2 + b, 0);
    if (checksum !== await checksumNibble(entropy)) throw new SealError('checksumMismatch');
    return new Codename(entropy, indices);
  }

  /** The words in a page language (NFC, as keyboards type them). */
  words(lang) {
    const list = lists[LANGUAGES[lang]];
    return this.indices.map((i) => list[i].normalize('NFC'));
  }

  /** Reply key pair, mailbox secret, mailbox id, thread id (docs/FORMAT.md §5). */
  async secrets() {
    const salt = new TextEncoder().encode('seal1 codename');
    const label = (s) => new TextEncoder().encode(s);
    const replyKey = await importX25519Private(await hkdf(this.entropy, salt, label('reply key'), 32));
    const mailboxSecret = await hkdf(this.entropy, salt, label('mailbox'), 32);
    const thread = await hkdf(this.entropy, salt, label('thread'), 16);
    const kid = (await sha256(replyKey.publicKey)).subarray(0, 16);
    return {
      replyKey: { ...replyKey, kid },
      mailboxSecret: b64url(mailboxSecret),
      mailboxId: b64url((await sha256(mailboxSecret)).subarray(0, 16)),
      thread: b64url(thread),
    };
  }
}

