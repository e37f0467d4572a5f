"""What a source types stays on the device: some browsers send the text they spell-check to
a cloud service (Chromium's enhanced spell check), browsers keep form history, and phone
keyboards learn from what is autocorrected. Every field that takes text turns spell-checking,
autocomplete, autocorrect and autocapitalisation off."""
from helpers import open_page
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)

TEXT_FIELDS = """
  const fields = Array.from(document.querySelectorAll(
    'textarea, input:not([type]), input[type=text], input[type=search], input[type=email], input[type=url], ' +
    'input[type=tel], input[type=password], input[type=number], [contenteditable]:not([contenteditable=false])'));
  return fields.map((el) => ({
    id: el.id,
    spellcheck: el.spellcheck,
    // autocapitalize as the browser understands it: "off" and "none" are the same state, and
    // Firefox 140 rewrites the attribute to "none".
    autocapitalize: el.autocapitalize,
    attributes: ['spellcheck', 'autocomplete', 'autocorrect'].map((a) => el.getAttribute(a)),
  }));
"""


def test_every_text_field_has_spellcheck_autocomplete_autocorrect_and_autocapitalize_off(browser, world):
    driver = browser("en")
    open_page(driver, world)
    fields = driver.execute_script(TEXT_FIELDS)
    assert {f["id"] for f in fields} >= {"message", "confirm-a", "confirm-b", "codename-input", "field-workplace", "field-shipment"}, fields
    wrong = [f for f in fields
             if f["spellcheck"] is not False or f["autocapitalize"] != "none" or f["attributes"] != ["false", "off", "off"]]
    assert wrong == []


def test_every_form_turns_autocomplete_off(browser, world):
    driver = browser("en")
    open_page(driver, world)
    forms = driver.execute_script("return Array.from(document.forms).map((f) => [f.id, f.getAttribute('autocomplete')]);")
    assert len(forms) >= 3 and all(value == "off" for _, value in forms), forms
