"""Korean, Simplified Chinese and English: every step of the page, with its error
messages, shows only the chosen language (issue 7, deliver 6). A screenshot of each step at
a 360 px wide viewport goes to .artifacts/screenshots/LANG-STEP.png."""
import json
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import add_preload_script, screenshot, wait_text, wait_visible
from helpers import open_page, wait_sent

# Names that stay as they are in every language: the product, Tor, the CLI program, and
# the metadata standards the page names in brackets after a translated description.
PROPER_NAMES = {"SealRelay", "Tor", "seal", "EXIF", "XMP", "IPTC"}
MESSAGES = {"ko": "삼월부터 임금을 받지 못했습니다.", "zh": "从三月起没有拿到工资。", "en": "No wages since March."}


def visible_text(driver) -> str:
    """What a person sees, minus data that is not language: the fingerprint, the receipt,
    file names, and the language switcher (each language is named in itself)."""
    text = driver.find_element(By.TAG_NAME, "body").text
    for css in ("#fp-hex", "#receipt", "#file-list strong", "#lang-select option"):
        for el in driver.find_elements(By.CSS_SELECTOR, css):
            if el.text:
                text = text.replace(el.text, " ")
    return text


def check_language(driver, lang: str, step: str):
    text = visible_text(driver)
    assert text.strip(), f"{step}: nothing visible"
    leaked_keys = re.findall(r"\b[a-z]+\.[a-z_]+(?:\.[a-zA-Z_]+)?\b", text)
    assert not leaked_keys, f"{step}: untranslated keys {leaked_keys}"
    assert "{" not in text, f"{step}: unfilled placeholder in {text!r}"
    if lang != "en":
        english = [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in PROPER_NAMES]
        assert not english, f"{lang} {step}: English words {english} in {text!r}"
    scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    assert inner == 360 and scroll <= 360, f"{lang} {step}: {scroll} px wide on a 360 px screen"
    screenshot(driver, lang, step)


# Holds the chunked upload's PUTs until the test calls window.__releaseUploads().
HOLD_UPLOADS = """
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  window.__releaseUploads = release;
  window.__held = 0;
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, ...rest) { this.__method = method; return open.call(this, method, ...rest); };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.__method !== 'PUT') return send.call(this, body);
    window.__held += 1;
    gate.then(() => send.call(this, body));
  };
"""


@pytest.mark.parametrize("lang", ["ko", "zh", "en"])
def test_every_step_and_error_is_in_the_browser_language(browser, world, tmp_path, lang):
    photo = tmp_path / "photo.png"
    from PIL import Image
    Image.new("RGB", (8, 8), (10, 20, 30)).save(photo)
    other = tmp_path / "contract.pdf"
    other.write_bytes(b"%PDF-1.4\n% not cleanable in the page\n")

    driver = browser(lang)
    add_preload_script(driver, HOLD_UPLOADS)
    open_page(driver, world)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith(lang)
    check_language(driver, lang, "1-start")

    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "btn-continue").click()
    wait_text(driver, "alert", r".+")
    check_language(driver, lang, "2a-compose-error")
    driver.find_element(By.ID, "message").send_keys(MESSAGES[lang])
    driver.find_element(By.ID, "files").send_keys(f"{photo}\n{other}")
    wait_text(driver, "file-list", r"(?s)photo\.png.*contract\.pdf")
    wait_visible(driver, "unclean-box")
    driver.find_element(By.ID, "btn-continue").click()
    wait_text(driver, "alert", r".+")
    check_language(driver, lang, "2-compose")
    driver.find_element(By.ID, "send-unclean").click()
    driver.find_element(By.ID, "btn-continue").click()

    wait_visible(driver, "step-codename")
    driver.find_element(By.ID, "confirm-a").send_keys("wrong")
    driver.find_element(By.ID, "btn-send").click()
    wait_text(driver, "alert", r".+")
    check_language(driver, lang, "3-codename")
    words = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#codename-words li")]
    for field in ("a", "b"):
        n = int(re.search(r"\d+", driver.find_element(By.ID, f"confirm-{field}-label").text).group())
        box = driver.find_element(By.ID, f"confirm-{field}")
        box.clear()
        box.send_keys(words[n - 1])
    driver.find_element(By.ID, "btn-send").click()
    # The upload is held (HOLD_UPLOADS), so the sending step stays on screen to be checked.
    wait_visible(driver, "step-sending")
    WebDriverWait(driver, 60, poll_frequency=0.05).until(lambda d: d.execute_script("return window.__held") >= 1)
    assert float(driver.find_element(By.ID, "progress-encrypt").get_attribute("value")) == 1
    check_language(driver, lang, "4-sending")
    driver.execute_script("window.__releaseUploads()")
    wait_sent(driver)
    check_language(driver, lang, "5-done")

    driver.find_element(By.ID, "btn-done-mailbox").click()
    wait_visible(driver, "step-mailbox")
    wait_text(driver, "mailbox-status", r"\S+[^…]$")
    check_language(driver, lang, "7-mailbox")

    driver.find_element(By.ID, "btn-mailbox-leave").click()
    wait_visible(driver, "step-start")
    driver.find_element(By.ID, "btn-have").click()
    wait_visible(driver, "step-enter")
    driver.find_element(By.ID, "codename-input").send_keys(" ".join(words[:11]))
    driver.find_element(By.ID, "btn-open-mailbox").click()
    wait_text(driver, "alert", r"11")
    check_language(driver, lang, "6-enter")


WEB = Path(__file__).resolve().parents[2] / "Sources" / "SealRelay" / "Resources" / "web"


def test_language_files_have_the_same_keys_and_no_empty_strings():
    tables = {lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text()) for lang in ("en", "ko", "zh")}
    assert set(tables["ko"]) == set(tables["en"]) == set(tables["zh"])
    assert all(isinstance(v, str) and v.strip() for t in tables.values() for v in t.values())
    for key, value in tables["en"].items():
        for lang in ("ko", "zh"):
            assert set(re.findall(r"\{\w+\}", tables[lang][key])) == set(re.findall(r"\{\w+\}", value)), (lang, key)


def test_every_key_the_page_names_is_translated():
    keys = set(json.loads((WEB / "i18n" / "en.json").read_text()))
    html = (WEB / "index.html").read_text()
    named = set(re.findall(r'data-i18n="([^"]+)"', html))
    for js in (WEB / "js").glob("*.js"):
        named |= set(re.findall(r"(?:say\([^,]+,|alertError\(|\bt\()\s*'([a-z_]+\.[A-Za-z_.]+)'", js.read_text()))
    assert len(named) > 40 and named - keys == set()


def test_html_has_no_user_visible_text_outside_noscript():
    html = (WEB / "index.html").read_text()
    body = re.sub(r"(?s)<noscript>.*?</noscript>", "", html.split("<body>", 1)[1])
    text = re.sub(r"<[^>]+>", " ", body)
    # Only the language switcher's names (each language named in itself) remain.
    assert text.split() == ["한국어", "简体中文", "English"]


@pytest.mark.parametrize("lang", ["ko", "zh", "en"])
def test_language_switcher_changes_the_page_language(browser, world, lang):
    driver = browser("en")
    open_page(driver, world)
    before = driver.find_element(By.CSS_SELECTOR, "#step-start h1").text
    driver.find_element(By.CSS_SELECTOR, f"#lang-select option[value={lang}]").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith(lang))
    after = driver.find_element(By.CSS_SELECTOR, "#step-start h1").text
    assert (after == before) == (lang == "en")
    check_language(driver, lang, "1-start-switched")


@pytest.mark.parametrize("lang", ["ko", "zh", "en"])
def test_browser_without_x25519_is_told_plainly_and_nothing_is_sent(browser, world, lang):
    driver = browser(lang)
    # An older browser: WebCrypto without X25519, as Tor Browser before version 15.
    add_preload_script(driver, """
      const gen = crypto.subtle.generateKey.bind(crypto.subtle);
      crypto.subtle.generateKey = (alg, ...rest) =>
        (alg && (alg === 'X25519' || alg.name === 'X25519')) ? Promise.reject(new DOMException('nope', 'NotSupportedError')) : gen(alg, ...rest);
    """)
    before = world.metrics()
    driver.get(world.base + "/")
    wait_visible(driver, "step-unsupported")
    assert not driver.find_element(By.ID, "step-start").is_displayed()
    check_language(driver, lang, "0-unsupported")
    assert world.metrics() == before
