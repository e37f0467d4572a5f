"""Steps of the page a test drives, shared by the test modules."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from webtest import screenshot, wait_text, wait_visible


def open_page(driver, world, lang=None):
    driver.get(world.base + "/")
    wait_visible(driver, "step-start")
    wait_text(driver, "bundle-status", r".+")
    if lang:
        screenshot(driver, lang, "1-start")


def compose(driver, message, attachments=(), lang=None, unclean=False):
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "message").send_keys(message)
    if attachments:
        driver.find_element(By.ID, "files").send_keys("\n".join(str(a) for a in attachments))
        wait_text(driver, "file-list", r"(?s)" + ".*".join(re.escape(a.name) for a in attachments))
    if unclean:
        driver.find_element(By.ID, "send-unclean").click()
    if lang:
        screenshot(driver, lang, "2-compose")
    driver.find_element(By.ID, "btn-continue").click()


def confirm_codename(driver, lang=None) -> str:
    """Reads the codename off the page, types back the two words asked for; returns it."""
    wait_visible(driver, "step-codename")
    words = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#codename-words li")]
    assert len(words) == 12, words
    if lang:
        screenshot(driver, lang, "3-codename")
    for field in ("a", "b"):
        n = int(re.search(r"\d+", driver.find_element(By.ID, f"confirm-{field}-label").text).group())
        driver.find_element(By.ID, f"confirm-{field}").send_keys(words[n - 1])
    driver.find_element(By.ID, "btn-send").click()
    return " ".join(words)


def wait_sent(driver, timeout=120):
    """Waits until the page says the report was sent; fails at once, with the page's own
    words, if it says sending failed instead."""
    def outcome(d):
        if d.find_element(By.ID, "step-done").is_displayed():
            return "done"
        if d.find_element(By.ID, "btn-retry").is_displayed():
            return "failed: " + d.find_element(By.ID, "alert").text
        return False

    result = WebDriverWait(driver, timeout, poll_frequency=0.1).until(outcome)
    assert result == "done", result


def wait_done(driver, lang=None) -> str:
    wait_sent(driver)
    receipt = driver.find_element(By.ID, "receipt").text
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", receipt), receipt
    if lang:
        screenshot(driver, lang, "5-done")
    return receipt


def submit(driver, world, message, attachments=(), lang=None, unclean=False):
    """A new report through the page; returns (codename, receipt)."""
    open_page(driver, world, lang)
    driver.find_element(By.ID, "btn-new").click()
    compose(driver, message, attachments, lang, unclean)
    codename = confirm_codename(driver, lang)
    return codename, wait_done(driver, lang)


def open_mailbox(driver, world, codename, lang=None):
    open_page(driver, world)
    driver.find_element(By.ID, "btn-have").click()
    wait_visible(driver, "step-enter")
    driver.find_element(By.ID, "codename-input").send_keys(codename)
    if lang:
        screenshot(driver, lang, "6-enter")
    driver.find_element(By.ID, "btn-open-mailbox").click()
    wait_visible(driver, "step-mailbox")
    wait_text(driver, "mailbox-status", r"\S+[^…]$")
