// The submission page: what `seal submit` and `seal check` do, on the source's device.
// Plaintext never leaves this page: the only uploads are envelopes sealed here.

import * as i18n from './i18n.js';
import { say, t } from './i18n.js';
import { hasX25519, b64url, openEnvelope, SealError } from './crypto.js';
import { verifyBundle, digitGroups } from './bundle.js';
import * as relay from './relay.js';
import { relayHost, nextRelay } from './offline.js';
import { fromHex } from './crypto.js';
import { renderFields, readFields, clearFields, FieldError } from './fields.js';

const $ = (id) => document.getElementById(id);
const state = {
  bundle: null,
  codename: null,
  followup: false,
  files: [], // { file, name, type, blob, removed, refused, unscrubbed }
  confirm: [0, 1],
  step: 'start',
  urls: [], // object URLs of reply attachments, revoked when the mailbox is left
};
// The relay's proof of work (if it asks for one) is found while the source writes. Its code
// loads only then: a visit that only reads answers never needs it.
let pow = null;
let powLoading = null;
// Modules load when first needed, not with the page: scrub.js (15 KB) when a file is
// chosen, codename.js with the codename, report.js (with sha256.js) when sending or reading
// replies. Every kilobyte counts on a slow Tor circuit or a cheap phone, and a visit stays
// under 100 KB (README "The submission page").
const later = (load) => { let p = null; return () => (p = p || load().catch((e) => { p = null; throw e; })); };
const codenames = later(() => import('./codename.js'));
const reports = later(() => import('./report.js'));
let scrubbing = null;
let ScrubError = null;
function scrubModule() {
  scrubbing = scrubbing || import('./scrub.js').then((m) => { ScrubError = m.ScrubError; return m; },
    (e) => { scrubbing = null; throw e; });
  return scrubbing;
}

function proofOfWork() {
  powLoading = powLoading || import('./pow.js').then((m) => { pow = new m.ProofOfWork(); return pow; },
    (e) => { powLoading = null; throw e; });
  return powLoading;
}
const stopProofOfWork = () => pow && pow.cancel();

// What says a relay cannot take a report now, so the offline page tries its next relay:
// no answer, busy or full (seal submit moves on after the same).
const RELAY_UNAVAILABLE = new Set(['network', 'busy', 'relayFull']);

/** After `e`, moves the offline page to its next relay, with a new proof of work (a token
 * is good only at the relay that asked for it); false when the error is the relay's answer
 * or there is no other relay. */
function failedOver(e) {
  if (!(e instanceof SealError) || !RELAY_UNAVAILABLE.has(e.code) || !nextRelay()) return false;
  stopProofOfWork();
  pow = null;
  powLoading = null;
  $('sends-host').textContent = relayHost();
  return true;
}

function showStep(name) {
  for (const s of document.querySelectorAll('.step')) s.hidden = s.id !== `step-${name}`;
  state.step = name;
  say($('alert'), '');
  const h = document.querySelector(`#step-${name} h1`);
  if (h) h.focus();
}

function alertError(key, params) {
  say($('alert'), key, params);
}

function errorKey(e, prefix) {
  const code = e instanceof SealError || (ScrubError && e instanceof ScrubError) ? e.code : 'unexpected';
  const key = `${prefix}.${code}`;
  return t(key) === key ? `${prefix}.unexpected` : key;
}

// ---- start: fingerprint and bundle ------------------------------------------------

function organisationFingerprint() {
  const meta = document.querySelector('meta[name="seal-organisation-fingerprint"]');
  const fp = meta ? meta.content : '';
  return /^[0-9a-f]{64}$/.test(fp) ? fp : null;
}

async function loadBundle() {
  const fp = organisationFingerprint();
  if (!fp) {
    say($('bundle-status'), 'bundle.noFingerprint');
    return;
  }
  $('fp-hex').textContent = fp.match(/.{4}/g).join(' ');
  $('fp-digits').textContent = digitGroups(fromHex(fp));
  say($('bundle-status'), 'bundle.checking');
  try {
    state.bundle = await verifyBundle(await relay.fetchBundle(), fp);
    const { reviewers, skipped, notAfter } = state.bundle;
    // An earlier month's epoch key standing in for this month's is said, as the CLI says it
    // (docs/FORMAT.md §7.3); the partial-reach message matters more and wins.
    const stale = reviewers.some((r) => r.stale);
    say($('bundle-status'), skipped ? 'bundle.ok_partial' : stale ? 'bundle.ok_stale' : 'bundle.ok',
      { count: reviewers.length, skipped, date: notAfter });
    $('btn-new').disabled = false;
    scheduleDecoy();
  } catch (e) {
    if (e.code === 'noEd25519') return showUnsupported();
    say($('bundle-status'), errorKey(e, 'bundle'));
    alertError(errorKey(e, 'bundle'));
  }
}

// ---- cover traffic ----------------------------------------------------------------

/** With decoys on, the decoy leaves at a random moment this soon after the bundle checked
 * out, unless a report leaves first (SECURITY.md "Decoys" says what that hides). */
const DECOY_WINDOW_MS = 15000;
let decoyTimer = null;

function scheduleDecoy() {
  const meta = document.querySelector('meta[name="seal-decoys"]');
  if (!meta || meta.content !== 'on' || decoyTimer !== null) return;
  const delay = crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32 * DECOY_WINDOW_MS;
  decoyTimer = setTimeout(async () => {
    if (!state.bundle) return;
    try {
      const [{ sendDecoy }, { ProofOfWork }] = await Promise.all([import('./decoy.js'), import('./pow.js')]);
      await sendDecoy(state.bundle, ProofOfWork);
    } catch (_) { /* a decoy that fails costs the source nothing */ }
  }, delay);
}

function showUnsupported() {
  showStep('unsupported');
}

// ---- compose ----------------------------------------------------------------------

function startCompose(followup) {
  proofOfWork().then((p) => p.prepare(), () => { /* retried when sending */ });
  state.followup = followup;
  state.files = [];
  $('files').value = '';
  $('message').value = '';
  clearFields();
  $('send-unclean').checked = false;
  renderFiles();
  say($('compose-title'), followup ? 'compose.title_followup' : 'compose.title');
  $('compose-followup').hidden = !followup;
  showStep('compose');
}

async function prepareFile(file) {
  const entry = { file, name: file.name.split(/[/\\]/).pop() || 'file', type: file.type || 'application/octet-stream',
    blob: file, removed: [], refused: null, unscrubbed: false };
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const { scrub, sniff } = await scrubModule();
  if (!sniff(head)) {
    entry.refused = 'notImage';
    return entry;
  }
  try {
    await i18n.load('en'); // the reviewer reads what was removed in English
    const r = scrub(new Uint8Array(await file.arrayBuffer()));
    entry.blob = new Blob(r.parts, { type: r.type });
    entry.type = r.type;
    entry.codes = r.removed;
    entry.removed = r.removed.map((c) => t(`removed.${c}`, {}, 'en'));
  } catch (e) {
    entry.refused = e instanceof ScrubError ? e.code : 'malformed';
  }
  return entry;
}

async function onFilesChosen() {
  const chosen = Array.from($('files').files);
  say($('alert'), '');
  state.files = [];
  renderFiles();
  for (const f of chosen) state.files.push(await prepareFile(f));
  renderFiles();
}

function renderFiles() {
  const list = $('file-list');
  list.textContent = '';
  for (const f of state.files) {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = f.name;
    const note = document.createElement('span');
    if (f.refused) {
      li.className = 'refused';
      say(note, `file.refused.${f.refused === 'notImage' ? 'notImage' : 'damaged'}`);
    } else if (f.codes && f.codes.length) {
      say(note, 'file.cleaned', { items: f.codes.map((c) => t(`removed.${c}`)).join(', ') });
    } else {
      say(note, 'file.clean');
    }
    li.append(name, ' ', note);
    list.append(li);
  }
  $('unclean-box').hidden = !state.files.some((f) => f.refused);
}

function onCompose(ev) {
  ev.preventDefault();
  const message = $('message').value;
  if (!message.trim() && state.files.length === 0) return alertError('compose.error.empty');
  // Checked here, where the source can fix them; read again when sending, from the same inputs.
  try {
    readFields();
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    alertError(`fields.error.${e.code}`, { field: t(`fields.${e.key}`) });
    return $(`field-${e.key}`).focus();
  }
  if (state.files.some((f) => f.refused) && !$('send-unclean').checked) return alertError('compose.error.unclean');
  for (const f of state.files) f.unscrubbed = Boolean(f.refused);
  if (state.followup) return send();
  return showCodename();
}

// ---- codename ---------------------------------------------------------------------

async function showCodename() {
  try {
    const { loadWordlists, LANGUAGES } = await codenames();
    await loadWordlists([LANGUAGES[i18n.language()]]);
  } catch (_) {
    return alertError('codename.error.wordlists');
  }
  if (!state.codename) state.codename = await (await codenames()).Codename.generate();
  const a = Math.floor(crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32 * 12);
  let b = Math.floor(crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32 * 11);
  if (b >= a) b += 1;
  state.confirm = [Math.min(a, b), Math.max(a, b)];
  $('confirm-a').value = '';
  $('confirm-b').value = '';
  renderCodename();
  showStep('codename');
}

function renderCodename() {
  if (!state.codename) return;
  const ol = $('codename-words');
  ol.textContent = '';
  ol.setAttribute('aria-label', t('codename.list_label'));
  ol.lang = document.documentElement.lang;
  for (const w of state.codename.words(i18n.language())) {
    const li = document.createElement('li');
    li.textContent = w;
    ol.append(li);
  }
  say($('confirm-a-label'), 'codename.word_n', { n: state.confirm[0] + 1 });
  say($('confirm-b-label'), 'codename.word_n', { n: state.confirm[1] + 1 });
}

const norm = (s) => s.normalize('NFKD').toLowerCase().replace(/\s+/g, '');

function onConfirm(ev) {
  ev.preventDefault();
  const words = state.codename.words(i18n.language());
  const ok = [['confirm-a', 0], ['confirm-b', 1]].every(([id, k]) => norm($(id).value) === norm(words[state.confirm[k]]));
  if (!ok) return alertError('codename.error.mismatch');
  return send();
}

// ---- sending ----------------------------------------------------------------------

function formatTime(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return '…';
  return seconds < 90 ? t('time.seconds', { n: Math.max(1, Math.round(seconds)) }) : t('time.minutes', { n: Math.round(seconds / 60) });
}

/** Progress of the proof of work, while the upload waits for it: the bar shows the chance
 * that a solution would have been found by now (the search has no fixed length), the text
 * the expected time at the speed measured on this device. */
function showPowProgress(p) {
  $('pow-box').hidden = false;
  $('progress-pow').value = 1 - Math.exp(-p.attempts / p.expected);
  say($('pow-status'), 'sending.pow_status', {
    time: formatTime(p.seconds), rate: Math.round(p.rate), expected: p.expected, attempts: p.attempts,
  });
  say($('sending-status'), 'sending.pow_waiting');
}

async function send() {
  let upload = null;
  clearTimeout(decoyTimer);
  showStep('sending');
  $('btn-retry').hidden = true;
  $('pow-box').hidden = true;
  $('progress-encrypt').value = 0;
  $('progress-upload').value = 0;
  say($('sending-status'), 'sending.encrypting_status');
  try {
    if (!state.bundle) throw new SealError('noBundle');
    const secrets = await state.codename.secrets();
    // The relay is asked for an upload (and any proof of work is done) before encrypting,
    // so a busy or full relay is known before the files are read.
    let work;
    try { work = await proofOfWork(); } catch (_) { throw new SealError('network'); }
    work.onProgress(showPowProgress);
    upload = await relay.ChunkedUpload.open((done, total) => { $('progress-upload').value = total ? done / total : 0; }, work);
    work.onProgress(null);
    $('pow-box').hidden = true;
    say($('sending-status'), 'sending.encrypting_status');
    const { sealReport } = await reports();
    await sealReport({
      message: $('message').value,
      fields: readFields(),
      files: state.files,
      reply: { key: b64url(secrets.replyKey.publicKey), mailbox: secrets.mailboxId },
      thread: secrets.thread,
      recipients: state.bundle.reviewers,
      bundleId: state.bundle.id,
      onProgress: (done, total) => { $('progress-encrypt').value = done / total; },
      sink: {
        begin: (size) => { say($('sending-status'), 'sending.uploading_status'); upload.begin(size); },
        write: (bytes) => upload.write(bytes),
      },
    });
    const { receipt, expected, day } = await upload.complete();
    upload = null;
    stopProofOfWork();
    $('progress-upload').value = 1;
    // The receipt shown is this page's own hash of what it sent; a relay that answers
    // another one is shown up (it may have kept something else, or nothing).
    $('receipt').textContent = expected;
    $('receipt-relay').textContent = receipt === expected ? '' : receipt;
    $('receipt-mismatch').hidden = receipt === expected;
    // The day the relay signed for, for the source to note with the receipt.
    $('receipt-day').textContent = day;
    $('receipt-day-line').hidden = !day;
    // Sent: nothing of the report needs to stay in this tab.
    $('message').value = '';
    clearFields();
    $('files').value = '';
    state.files = [];
    renderFiles();
    showStep('done');
    if (receipt !== expected) alertError('done.mismatch_title');
  } catch (e) {
    if (pow) pow.onProgress(null);
    if (upload) upload.cancel();
    if (failedOver(e)) return send();
    say($('sending-status'), errorKey(e, 'sending.error'));
    alertError(errorKey(e, 'sending.error'));
    $('btn-retry').hidden = false;
  }
}

// ---- returning source: mailbox ----------------------------------------------------

async function onEnter(ev) {
  ev.preventDefault();
  try {
    state.codename = await (await codenames()).Codename.parse($('codename-input').value);
  } catch (e) {
    const params = { count: e.count, position: e.position };
    if (e.code === 'unknownWord' && e.suggestions && e.suggestions.length) {
      return alertError('codename.error.unknownWord_suggest', { ...params, words: e.suggestions.join(', ') });
    }
    return alertError(errorKey(e, 'codename.error'), params);
  }
  $('codename-input').value = '';
  return openMailbox();
}

function dropReplies() {
  for (const url of state.urls) URL.revokeObjectURL(url);
  state.urls = [];
  $('reply-list').textContent = '';
}

async function openMailbox() {
  showStep('mailbox');
  const list = $('reply-list');
  dropReplies();
  say($('mailbox-status'), 'mailbox.loading');
  try {
    const secrets = await state.codename.secrets();
    const replies = await relay.listMailbox(secrets.mailboxSecret);
    let shown = 0, failed = 0;
    for (const r of replies) {
      try {
        const data = await relay.fetchReply(secrets.mailboxSecret, r.id);
        const { plaintext } = await openEnvelope(secrets.replyKey, data);
        const { manifest, files } = await (await reports()).parseReport(plaintext);
        if (manifest.kind !== 'reply') throw new SealError('malformedReport');
        list.append(renderReply(manifest, files));
        shown += 1;
      } catch (_) {
        failed += 1;
      }
    }
    say($('mailbox-status'), shown ? 'mailbox.count' : 'mailbox.empty', { count: shown });
    if (failed) alertError('mailbox.error.unreadable', { count: failed });
  } catch (e) {
    if (failedOver(e)) return openMailbox();
    say($('mailbox-status'), 'mailbox.error.network');
    alertError('mailbox.error.network');
  }
}

function renderReply(manifest, files) {
  const li = document.createElement('li');
  const text = document.createElement('p');
  text.className = 'reply-text';
  text.textContent = manifest.message;
  li.append(text);
  for (const f of files) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([f.bytes], { type: 'application/octet-stream' }));
    state.urls.push(a.href);
    a.download = f.name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').replace(/^\.+/, '') || 'file';
    a.textContent = a.download;
    const p = document.createElement('p');
    p.append(a);
    li.append(p);
  }
  return li;
}

function leave() {
  stopProofOfWork();
  state.codename = null;
  state.files = [];
  $('message').value = '';
  clearFields();
  dropReplies();
  showStep('start');
}

/** "Clear page": everything the source typed, chose or was shown goes, then the page loads
 * afresh in place of this one (no new history entry), so nothing of this document's memory
 * (codename, keys, file contents) stays reachable. */
function clearPage() {
  stopProofOfWork();
  state.codename = null;
  state.files = [];
  state.bundle = null;
  for (const el of document.querySelectorAll('input, textarea')) {
    if (el.type === 'checkbox') el.checked = false; else el.value = '';
  }
  dropReplies();
  for (const id of ['codename-words', 'file-list', 'receipt', 'receipt-relay', 'receipt-day']) $(id).textContent = '';
  location.replace(location.pathname);
}

// ---- start-up ---------------------------------------------------------------------

async function main() {
  renderFields($('fields'));
  const lang = i18n.preferredLanguage();
  await i18n.setLanguage(lang);
  $('lang-select').value = lang;
  $('app').hidden = false;
  $('btn-clear').addEventListener('click', clearPage);
  $('sends-host').textContent = relayHost();
  $('lang-select').addEventListener('change', async (e) => {
    await i18n.setLanguage(e.target.value);
    if (state.step === 'codename') {
      try {
        const { loadWordlists, LANGUAGES } = await codenames();
        await loadWordlists([LANGUAGES[e.target.value]]);
      } catch (_) {
        alertError('codename.error.wordlists');
      }
      renderCodename();
    }
    renderFiles();
  });
  if (!window.isSecureContext || !(await hasX25519())) return showUnsupported();
  $('btn-new').addEventListener('click', () => { state.codename = null; startCompose(false); });
  $('btn-have').addEventListener('click', () => showStep('enter'));
  $('files').addEventListener('change', onFilesChosen);
  $('compose-form').addEventListener('submit', onCompose);
  $('btn-compose-back').addEventListener('click', () => {
    if (state.followup) return showStep('mailbox');
    stopProofOfWork();
    return showStep('start');
  });
  $('confirm-form').addEventListener('submit', onConfirm);
  $('btn-codename-back').addEventListener('click', () => showStep('compose'));
  $('btn-retry').addEventListener('click', send);
  $('btn-done-mailbox').addEventListener('click', openMailbox);
  $('enter-form').addEventListener('submit', onEnter);
  $('btn-enter-back').addEventListener('click', () => showStep('start'));
  $('btn-followup').addEventListener('click', () => startCompose(true));
  $('btn-mailbox-refresh').addEventListener('click', openMailbox);
  $('btn-mailbox-leave').addEventListener('click', leave);
  showStep('start');
  await loadBundle();
}

main();
