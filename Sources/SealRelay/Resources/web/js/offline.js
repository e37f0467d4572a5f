// The offline page (README "The offline page"): `sealrelayd page` writes one HTML file that
// carries this code, the word lists, the translations, the signed bundle and the relays to
// send to, in a JSON script element. Opened from a file, the page takes everything from
// there and talks only to those relays, so no relay can change the code a source runs.
// Served by a relay, OFFLINE is null and the page talks to its own origin.

const node = typeof document === 'undefined' ? null : document.getElementById('sealrelay-offline');

export const OFFLINE = node ? JSON.parse(node.textContent) : null;

/** Where a relay API path goes: this origin, or the offline page's relay. */
export function api(path) {
  return OFFLINE ? OFFLINE.relay + path : path;
}

let workerURL = null;

/** The proof-of-work worker's script: the served file, or the offline page's copy. */
export function powWorkerURL() {
  if (!OFFLINE) return '/js/pow-worker.js';
  if (!workerURL) workerURL = URL.createObjectURL(new Blob([OFFLINE.powWorker], { type: 'text/javascript' }));
  return workerURL;
}
