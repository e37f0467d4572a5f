"""Usable with a screen reader and on a 360 px phone (issue 7, deliver 1): every control has
a label, a step change moves focus to the step's heading, errors are announced, and no step
is wider than the screen."""
import pytest
from selenium.webdriver.common.by import By

from helpers import open_page
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import wait_text, wait_visible

UNLABELLED = """
  return Array.from(document.querySelectorAll('input, textarea, select, button'))
    .filter((el) => el.offsetParent !== null || el.classList.contains('file-input'))
    .filter((el) => el.tagName === 'BUTTON' ? !el.textContent.trim() : !(el.labels && el.labels.length && el.labels[0].textContent.trim()))
    .map((el) => el.id || el.outerHTML.slice(0, 60));
"""
WIDTH = "return [document.documentElement.scrollWidth, window.innerWidth];"


def check_step(driver, step):
    assert driver.execute_script(UNLABELLED) == [], step
    scroll, inner = driver.execute_script(WIDTH)
    assert inner == 360 and scroll <= 360, f"{step}: content {scroll} px wide on a 360 px screen"


def test_each_step_has_labels_fits_360_px_and_focuses_its_heading(browser, world):
    driver = browser("ko")
    open_page(driver, world)
    check_step(driver, "start")
    for button, step in (("btn-new", "compose"), ("btn-compose-back", "start"), ("btn-have", "enter")):
        driver.find_element(By.ID, button).click()
        wait_visible(driver, f"step-{step}")
        assert driver.execute_script("return document.activeElement.tagName + '#' + document.activeElement.closest('section').id") \
            == f"H1#step-{step}"
        check_step(driver, step)


def test_errors_are_announced_in_an_assertive_live_region(browser, world):
    driver = browser("en")
    open_page(driver, world)
    alert = driver.find_element(By.ID, "alert")
    assert alert.get_attribute("role") == "alert" and alert.get_attribute("aria-live") == "assertive"
    driver.find_element(By.ID, "btn-have").click()
    wait_visible(driver, "step-enter")
    driver.find_element(By.ID, "btn-open-mailbox").click()
    assert wait_text(driver, "alert", r"12 words")


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_codename_step_fits_360_px(browser, world, lang):
    driver = browser(lang)
    open_page(driver, world)
    driver.find_element(By.ID, "btn-new").click()
    # Under load Firefox can take a moment to show the step; clicking before it is shown
    # fails with "not displayed" (seen once in a full run).
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "message").send_keys("x")
    driver.find_element(By.ID, "btn-continue").click()
    wait_visible(driver, "step-codename")
    check_step(driver, "codename")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#codename-words li")) == 12
