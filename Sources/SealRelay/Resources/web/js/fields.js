// The optional structured fields of a report (docs/FORMAT.md §4, "fields"): what lets an
// organisation match testimony to contracts and shipping records. The rules are seal's
// (ReportFields): these keys, at most 2,048 bytes of UTF-8 each, no control or invisible
// formatting character. A value is refused whole, never cut: testimony silently shortened
// is worse than testimony the source can fix.

export const FIELD_KEYS = ['workplace', 'location', 'employer', 'buyer', 'product', 'label', 'dates', 'shipment'];
export const MAX_FIELD_BYTES = 2048;
// What seal's UntrustedText.isVisible refuses: controls, line and paragraph separators,
// private use, unassigned and surrogate code points, and every format character except the
// joiners Korean and other scripts need (a bidi override would mislead a reader of the index).
const INVISIBLE = /[\p{Cc}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]|(?![\u200C\u200D])\p{Cf}/u;

export class FieldError extends Error {
  constructor(key, code) {
    super(code);
    this.key = key;
    this.code = code;
  }
}

const input = (key) => document.getElementById(`field-${key}`);

/** One labelled input per field, with its example as a hint, into `container`. */
export function renderFields(container) {
  for (const key of FIELD_KEYS) {
    const label = document.createElement('label');
    label.htmlFor = `field-${key}`;
    label.dataset.i18n = `fields.${key}`;
    const field = document.createElement('input');
    field.type = 'text';
    field.id = `field-${key}`;
    for (const [name, value] of [['autocomplete', 'off'], ['autocorrect', 'off'], ['autocapitalize', 'off'],
      ['spellcheck', 'false'], ['aria-describedby', `field-${key}-hint`]]) field.setAttribute(name, value);
    const hint = document.createElement('p');
    hint.id = `field-${key}-hint`;
    hint.className = 'hint';
    hint.dataset.i18n = `fields.${key}.example`;
    container.append(label, field, hint);
  }
}

/** The fields the source filled in, checked. A blank input is a field not given. */
export function readFields() {
  const fields = {};
  for (const key of FIELD_KEYS) {
    const value = input(key).value;
    if (!value.trim()) continue;
    if (INVISIBLE.test(value)) throw new FieldError(key, 'invisible');
    if (new TextEncoder().encode(value).length > MAX_FIELD_BYTES) throw new FieldError(key, 'long');
    fields[key] = value;
  }
  return fields;
}

export function clearFields() {
  for (const key of FIELD_KEYS) input(key).value = '';
}
