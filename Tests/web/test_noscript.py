"""With JavaScript off (Tor Browser's "Safest" level) the page fails closed: it explains in
all three languages (it cannot tell which one the reader wants) how to submit another way
(an offline copy of the page, the seal program, a trusted intermediary) and offers no way to
post anything: there is no form that submits plaintext. Checked against the relay's own
counters and spool, in every browser."""
from selenium.webdriver.common.by import By

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import requests_made, screenshot


# Per language: the heading, then the three other ways: offline copy, CLI, intermediary.
EXPLAINED = {
    "ko": ["자바스크립트가 필요합니다", "오프라인 사본", "seal 명령줄 프로그램", "믿을 수 있는 중개자"],
    "zh-Hans": ["本页面需要 JavaScript", "离线副本", "seal 命令行程序", "可信的中间人"],
    "en": ["This page needs JavaScript", "offline copy of this page", "seal command-line program", "trusted intermediary"],
}


def test_javascript_off_explains_the_other_ways_to_send_in_three_languages(browser, world):
    driver = browser("ko", javascript=False)
    driver.get(world.base + "/")
    for lang, phrases in EXPLAINED.items():
        text = driver.find_element(By.CSS_SELECTOR, f"#noscript section[lang={lang}]").text
        missing = [p for p in phrases if p not in text]
        assert missing == [], f"{lang}: {missing} not in {text!r}"
    assert not driver.find_element(By.ID, "app").is_displayed()
    screenshot(driver, "all", "0-noscript")


def test_javascript_off_page_has_no_form_or_field_that_can_post(browser, world):
    driver = browser("en", javascript=False)
    driver.get(world.base + "/")
    for form in driver.find_elements(By.TAG_NAME, "form"):
        assert form.get_attribute("action") in (None, "", world.base + "/"), "a form names a target"
        assert (form.get_attribute("method") or "get").lower() == "get"
        assert not form.is_displayed()
    controls = driver.find_elements(By.CSS_SELECTOR, "input, textarea, select, button, [contenteditable]")
    assert controls and [c.get_attribute("id") for c in controls if c.is_displayed()] == []


def test_javascript_off_page_makes_no_post(browser, world):
    before, spool = world.metrics(), world.spool_files()
    driver = browser("en", javascript=False)
    driver.get(world.base + "/")
    # data: URLs never leave the device (Firefox loads a built-in font as one).
    requests = [(m, u) for m, u in requests_made(driver) if not u.startswith("data:")]
    assert requests, "the browser's network log was recorded"
    assert all(method == "GET" and url.startswith(world.base + "/") for method, url in requests), requests
    after = world.metrics()
    uploads = [k for k in after if k.startswith("sealrelay_reports_")]
    assert uploads and all(after[k] == before.get(k, 0) for k in uploads)
    assert world.spool_files() == spool

