// The offline page (README "The offline page"): `sealrelayd page` writes one HTML file that
// carries this code, the word lists, the translations, the signed bundle and the relays to
// send to, in a JSON script element. Opened from a file, the page takes everything from
// there and talks only to those relays, so no relay can change the code a source runs.
// Served by a relay, OFFLINE is null and the page talks to its own origin.

const node = typeof document === 'undefined' ? null : document.getElementById('sealrelay-offline');

export const OFFLINE = node ? JSON.parse(node.textContent) : null;

// The offline page's relays, in the order the organisation signed them (the one named with
// `--relay` first); it moves to the next when one cannot be reached, is busy or full, as
// `seal submit` does. A served page talks only to the relay that served it.
const relays = OFFLINE ? (OFFLINE.relays && OFFLINE.relays.length ? OFFLINE.relays : [OFFLINE.relay]) : [];
let current = 0;

/** Where a relay API path goes: this origin, or the offline page's current relay. */
export function api(path) {
  return OFFLINE ? relays[current] + path : path;
}

/** The host the page sends to now, for "what this page sends and to whom". */
export function relayHost() {
  return OFFLINE ? new URL(relays[current]).host : location.host;
}

/** Moves the offline page on to its next relay; false when there is none. */
export function nextRelay() {
  if (current + 1 >= relays.length) return false;
  current += 1;
  return true;
}

let workerURL = null;

/** The proof-of-work worker's script: the served file, or the offline page's copy. */
export function powWorkerURL() {
  if (!OFFLINE) return '/js/pow-worker.js';
  if (!workerURL) workerURL = URL.createObjectURL(new Blob([OFFLINE.powWorker], { type: 'text/javascript' }));
  return workerURL;
}
