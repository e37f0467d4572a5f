// Every string the page shows lives in i18n/LANG.json; HTML carries only keys
// (data-i18n="..."), and code refers to strings by key.

import { OFFLINE } from './offline.js';

export const SUPPORTED = ['ko', 'zh', 'en'];
const HTML_LANG = { ko: 'ko', zh: 'zh-Hans', en: 'en' };
const tables = {};
let current = 'en';

/** The first of the browser's languages the page speaks; English otherwise. */
export function preferredLanguage() {
  const wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en']);
  for (const tag of wanted) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (SUPPORTED.includes(primary)) return primary;
  }
  return 'en';
}

export async function load(lang) {
  if (!tables[lang] && OFFLINE) tables[lang] = OFFLINE.i18n[lang];
  if (!tables[lang]) {
    const r = await fetch(`/i18n/${lang}.json`, { credentials: 'omit', cache: 'no-store' });
    if (!r.ok) throw new Error('i18n');
    tables[lang] = await r.json();
  }
  return tables[lang];
}

export function language() { return current; }

/** The string for `key` in the page language, with {name} placeholders filled. */
export function t(key, params = {}, lang = current) {
  const table = tables[lang] || {};
  let s = table[key];
  // Every file has every key (Tests/web checks it); the fallback only guards a broken install.
  if (typeof s !== 'string') s = (tables.en && tables.en[key]) || key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

export async function setLanguage(lang) {
  await load(lang);
  current = lang;
  document.documentElement.lang = HTML_LANG[lang];
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {});
  }
  document.title = t('brand');
}

/** Puts a translated string into an element and remembers the key, so switching the
 * language later re-translates it. An empty key clears the element. */
export function say(el, key, params) {
  if (!key) {
    delete el.dataset.i18n;
    delete el.dataset.i18nParams;
    el.textContent = '';
    return;
  }
  el.dataset.i18n = key;
  if (params) el.dataset.i18nParams = JSON.stringify(params); else delete el.dataset.i18nParams;
  el.textContent = t(key, params);
}
