// Cover traffic (docs/ARCHITECTURE.md "Decoys"; what it hides and what not: SECURITY.md).
// When the relay serves the page with `seal-decoys` "on", each visit sends one decoy at a
// random moment: an envelope of exactly a short report's size, sent exactly as a report is
// (proof of work, chunked upload, completion), which the relay answers with a receipt like a
// report's and then forgets. Its one difference, a stanza for the kid `sealrelay/decoy1`
// that no key has, is inside TLS, where only the relay sees it.

import { EnvelopeSealer, MIN_PADDED } from './crypto.js';
import { ChunkedUpload } from './relay.js';

/** The kid both the page and the relay know for decoys (Sources/SealRelay/Intake/Decoy.swift). */
export const DECOY_KID = new TextEncoder().encode('sealrelay/decoy1');

/**
 * Sends the decoy for `bundle` (as verifyBundle returns it): one stanza per reviewer, as a
 * report has, the first named DECOY_KID, and one padded chunk, the payload of every report
 * whose contents fit in 16 KiB. `ProofOfWork` is pow.js's class; the decoy pays its own.
 */
export async function sendDecoy(bundle, ProofOfWork) {
  const upload = await ChunkedUpload.open(null, new ProofOfWork());
  const recipients = bundle.reviewers.map((r, i) => (i === 0 ? { ...r, kid: DECOY_KID } : r));
  const sealer = await EnvelopeSealer.create({ recipients, bundleId: bundle.id, length: MIN_PADDED });
  const chunk = await sealer.sealChunk(0, new Uint8Array(MIN_PADDED));
  upload.begin(sealer.prefix.length + chunk.length);
  await upload.write(sealer.prefix);
  await upload.write(chunk);
  await upload.complete();
}
