// Epoch keys in a v2 bundle (docs/FORMAT.md §7.3): each reviewer may list monthly keys, and
// the page seals to the key of the current UTC month, else the newest earlier one (and
// says so), else the identity. Only the X25519 half is used here (WebCrypto has no
// ML-KEM), exactly as for identities, so an envelope from the page never mixes suites.

import { SealError, fromB64url, sha256, equalBytes, concat, isLowOrder } from './crypto.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** "YYYY-MM" of `now` in UTC. */
export function utcMonth(now) {
  return now.toISOString().slice(0, 7);
}

/** Checks a reviewer's signed "epochs" list: month format, one key per month, key sizes, kid. */
export async function parseEpochs(list) {
  if (!Array.isArray(list)) throw new SealError('malformedBundle');
  const seen = new Set();
  const epochs = [];
  for (const e of list) {
    let kid, x, w;
    try {
      kid = fromB64url(e.kid, 16);
      x = fromB64url(e.x25519, 32);
      w = fromB64url(e.xwing, 1216);
    } catch (_) {
      throw new SealError('malformedBundle');
    }
    if (typeof e.epoch !== 'string' || !MONTH.test(e.epoch) || seen.has(e.epoch)) throw new SealError('malformedBundle');
    if (isLowOrder(x) || !equalBytes((await sha256(concat(x, w))).subarray(0, 16), kid)) throw new SealError('malformedBundle');
    seen.add(e.epoch);
    epochs.push({ epoch: e.epoch, kid, x25519: x });
  }
  return epochs.sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
}

/**
 * The key to seal to for one reviewer: { kid, x25519, epoch (or null for the identity),
 * stale (true when an earlier month stands in for this one) }.
 */
export function chooseKey(identity, epochs, month) {
  const current = epochs.find((e) => e.epoch === month);
  if (current) return { kid: current.kid, x25519: current.x25519, epoch: current.epoch, stale: false };
  const earlier = epochs.filter((e) => e.epoch < month);
  if (earlier.length > 0) {
    const last = earlier[earlier.length - 1];
    return { kid: last.kid, x25519: last.x25519, epoch: last.epoch, stale: true };
  }
  return { kid: identity.kid, x25519: identity.x25519, epoch: null, stale: false };
}
