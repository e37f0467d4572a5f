// Proof of work (DESIGN §5 `GET /v1/pow`). The relay does not ask for one yet; when it
// does, this is the one place that fetches a challenge, solves it (SHA-256 hashcash runs at
// about 80 thousand hashes a second in WebCrypto) and returns the headers that carry the
// solution. Every upload calls it, so nothing else in the page changes.

/** Headers to add to an upload. `onProgress(fraction)` is for a future solver. */
export async function proofOfWorkHeaders(_onProgress) {
  return {};
}
