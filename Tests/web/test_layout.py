"""On a 360 px phone screen nothing runs off the side, in any step or language, with or
without JavaScript; Korean lines break between words (word-break: keep-all), never inside
one; Chinese uses the strict line-breaking rules (no line begins with closing punctuation)."""
import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from helpers import open_page
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import screenshot, wait_text, wait_visible

# Measured against the width left for content (Firefox draws a 12 px scrollbar inside the
# 360 px viewport; Chromium's phone emulation overlays it).
LAYOUT = """
  const width = document.documentElement.clientWidth;
  const shown = (el) => el.checkVisibility();
  const out = { viewport: window.innerWidth, overflow: [], koBreaks: [], zhLeading: [], zhRule: [] };
  const name = (el) => el.id || el.localName + '.' + el.className;
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) out.overflow.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const hangul = /[\\uAC00-\\uD7A3]/;
  const closing = /[，。、；：？！）」』》〉】〕…,.;:?!)]/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !shown(el) || !node.data.trim()) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && r.right > width + 0.5) out.overflow.push('text "' + node.data.slice(0, 30) + '" to ' + Math.round(r.right));
    }
    const ko = el.closest(':lang(ko)') !== null;
    const zh = el.closest(':lang(zh)') !== null;
    if (zh && getComputedStyle(el).lineBreak !== 'strict') out.zhRule.push(name(el));
    if (!ko && !zh) continue;
    // Where each line starts: a character lower than the one before it.
    let prevTop = null;
    for (let i = 0; i < node.data.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length || rects[0].width === 0) continue;
      const top = rects[0].top;
      if (prevTop !== null && top > prevTop + 2) {
        const before = node.data[i - 1], at = node.data[i];
        const context = node.data.slice(Math.max(0, i - 8), i) + '|' + node.data.slice(i, i + 8);
        if (ko && hangul.test(before) && hangul.test(at)) out.koBreaks.push(context);
        if (zh && closing.test(at)) out.zhLeading.push(context);
      }
      prevTop = top;
    }
  }
  return out;
"""


def check(driver, lang, step):
    result = driver.execute_script(LAYOUT)
    assert result["viewport"] == 360, result
    assert result["overflow"] == [], f"{lang} {step}: {result['overflow']}"
    assert result["koBreaks"] == [], f"{lang} {step}: Korean words broken across lines: {result['koBreaks']}"
    assert result["zhLeading"] == [], f"{lang} {step}: lines starting with closing punctuation: {result['zhLeading']}"
    assert result["zhRule"] == [], f"{lang} {step}: Chinese text without line-break: strict: {result['zhRule']}"
    screenshot(driver, lang, f"layout-{step}")


@pytest.mark.parametrize("lang", ["ko", "zh", "en"])
def test_every_step_fits_360_px_and_breaks_lines_as_the_language_wants(browser, world, tmp_path, lang):
    photo = tmp_path / "IMG_20240314_dormitory_building_three_north_side_overtime_evidence.png"
    Image.new("RGB", (8, 8), (10, 20, 30)).save(photo)
    other = tmp_path / "labour-contract-scan.pdf"
    other.write_bytes(b"%PDF-1.4\n% not cleanable in the page\n")
    driver = browser(lang)
    open_page(driver, world)
    check(driver, lang, "start")
    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "files").send_keys(f"{photo}\n{other}")
    wait_visible(driver, "unclean-box")
    driver.find_element(By.ID, "btn-continue").click()
    wait_text(driver, "alert", r".+")
    check(driver, lang, "compose")
    driver.find_element(By.ID, "message").send_keys("x")
    driver.find_element(By.ID, "send-unclean").click()
    driver.find_element(By.ID, "btn-continue").click()
    wait_visible(driver, "step-codename")
    check(driver, lang, "codename")
    driver.find_element(By.ID, "btn-codename-back").click()
    driver.find_element(By.ID, "btn-compose-back").click()
    driver.find_element(By.ID, "btn-have").click()
    wait_visible(driver, "step-enter")
    driver.find_element(By.ID, "codename-input").send_keys("abandon " * 11 + "zzzzzz")
    driver.find_element(By.ID, "btn-open-mailbox").click()
    wait_text(driver, "alert", r".+")
    check(driver, lang, "enter")


def test_the_no_javascript_page_fits_360_px_in_all_three_languages(browser, world):
    driver = browser("ko", javascript=False)
    driver.get(world.base + "/")
    wait_visible(driver, "noscript")
    check(driver, "all", "noscript")
