"""With JavaScript off the page explains itself in all three languages (it cannot tell
which one the reader wants) and offers no way to post anything: there is no form that
submits plaintext. Checked against the relay's own counters and spool."""
from selenium.webdriver.common.by import By

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import requests_made, screenshot


def test_javascript_off_shows_the_explanation_in_three_languages(browser, world):
    driver = browser("ko", javascript=False)
    driver.get(world.base + "/")
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "자바스크립트가 필요합니다" in text
    assert "本页面需要 JavaScript" in text
    assert "This page needs JavaScript" in text
    assert "seal" in text and "Tor Browser" in text
    assert not driver.find_element(By.ID, "app").is_displayed()
    screenshot(driver, "all", "0-noscript")


def test_javascript_off_page_has_no_form_that_can_post(browser, world):
    driver = browser("en", javascript=False)
    driver.get(world.base + "/")
    for form in driver.find_elements(By.TAG_NAME, "form"):
        assert form.get_attribute("action") in (None, "", world.base + "/"), "a form names a target"
        assert (form.get_attribute("method") or "get").lower() == "get"
        assert not form.is_displayed()
    assert [b for b in driver.find_elements(By.TAG_NAME, "button") if b.is_displayed()] == []


def test_javascript_off_page_makes_no_post(browser, world):
    before, spool = world.metrics(), world.spool_files()
    driver = browser("en", javascript=False)
    driver.get(world.base + "/")
    requests = requests_made(driver)
    assert requests, "the browser's network log was recorded"
    assert all(method == "GET" and url.startswith(world.base + "/") for method, url in requests), requests
    after = world.metrics()
    uploads = [k for k in after if k.startswith("sealrelay_reports_")]
    assert uploads and all(after[k] == before.get(k, 0) for k in uploads)
    assert world.spool_files() == spool

