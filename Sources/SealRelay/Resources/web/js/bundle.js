// Verifies the organisation-signed recipient bundle (docs/FORMAT.md §2) against the
// fingerprint the relay's operator configured, which the page shows so the source can
// compare it with the one the organisation publishes elsewhere.
//
// Step 7 of the format (refusing a counter lower than one seen before) needs memory across
// visits, and this page keeps none on purpose (no cookies, no storage: a searched phone must
// hold nothing). A relay could therefore serve an older bundle the same organisation
// signed, within its validity window; it cannot serve keys the organisation did not sign.

import { SealError, fromB64url, sha256, equalBytes, hex, concat, isLowOrder } from './crypto.js';
import { parseEpochs, chooseKey, utcMonth } from './epochs.js';

/** The signature prefix of a bundle of version v (docs/FORMAT.md §2, §7.3). */
const context = (v) => new TextEncoder().encode(`sealrelay bundle v${v}\n`);

function utcToday(now) {
  return now.toISOString().slice(0, 10);
}

/** Digit groups for reading a fingerprint aloud (docs/FORMAT.md §1.5). */
export function digitGroups(fp) {
  const groups = [];
  for (let g = 0; g < 6; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + fp[5 * g + i];
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * Returns { id, counter, notAfter, reviewers: [{ name, kid, x25519, epoch, stale }], skipped
 * (X-Wing-only reviewers this page cannot encrypt to) } or throws SealError. A reviewer's
 * kid and x25519 are the key to seal to now: their epoch key for this UTC month when the
 * bundle (v2) has one (docs/FORMAT.md §7.3), else their identity.
 * with code unsupportedVersion, malformedBundle, wrongOrganisation, badSignature,
 * notYetValid, expired, noEd25519 or noReviewers.
 */
export async function verifyBundle(fileBytes, pinnedHex, now = new Date()) {
  let file;
  try {
    file = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fileBytes));
  } catch (_) {
    throw new SealError('malformedBundle');
  }
  if (!file || file.type !== 'sealrelay-bundle') throw new SealError('malformedBundle');
  if (file.v !== 1 && file.v !== 2) throw new SealError('unsupportedVersion');
  let body, sig, bodyBytes, org;
  try {
    bodyBytes = fromB64url(file.body);
    sig = fromB64url(file.sig, 64);
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bodyBytes));
    org = fromB64url(body.org, 32);
  } catch (_) {
    throw new SealError('malformedBundle');
  }
  const pinned = pinnedHex.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(pinned) || hex(await sha256(org)) !== pinned) throw new SealError('wrongOrganisation');
  let key;
  try {
    key = await crypto.subtle.importKey('raw', org, { name: 'Ed25519' }, false, ['verify']);
  } catch (_) {
    throw new SealError('noEd25519');
  }
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, concat(context(file.v), bodyBytes)))) {
    throw new SealError('badSignature');
  }
  // Only now, with the signature checked, is the content worth interpreting.
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(body.not_before) || !day.test(body.not_after) || !Number.isInteger(body.counter)) {
    throw new SealError('malformedBundle');
  }
  const today = utcToday(now);
  if (today < body.not_before) throw new SealError('notYetValid');
  if (today > body.not_after) throw new SealError('expired');
  if (!Array.isArray(body.reviewers) || body.reviewers.length === 0) throw new SealError('noReviewers');
  const reviewers = [];
  let skipped = 0;
  for (const r of body.reviewers) {
    // The browser encrypts with X25519 only (WebCrypto has no ML-KEM). A reviewer who
    // publishes only an X-Wing key cannot be reached from here; the others still can.
    if (r && (r.x25519 === undefined || r.x25519 === null)) { skipped += 1; continue; }
    let kid, x, w;
    try {
      kid = fromB64url(r.kid, 16);
      x = fromB64url(r.x25519, 32);
      w = fromB64url(r.xwing, 1216);
    } catch (_) {
      throw new SealError('malformedBundle');
    }
    if (typeof r.name !== 'string' || isLowOrder(x) || !equalBytes((await sha256(concat(x, w))).subarray(0, 16), kid)) {
      throw new SealError('malformedBundle');
    }
    if (r.epochs !== undefined && file.v < 2) throw new SealError('malformedBundle');
    const epochs = r.epochs === undefined ? [] : await parseEpochs(r.epochs);
    reviewers.push({ name: r.name, ...chooseKey({ kid, x25519: x }, epochs, utcMonth(now)) });
  }
  if (reviewers.length === 0) throw new SealError('noReviewers');
  return { id: hex(await sha256(bodyBytes)), counter: body.counter, notAfter: body.not_after, reviewers, skipped };
}
