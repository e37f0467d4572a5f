""""Clear page": a source who must hide what they were doing can drop everything at once.
Nothing typed, chosen or shown stays: the page wipes its fields, forgets the codename, the
files and the keys, and loads afresh in place of itself (no new history entry), so none of
the old document's memory stays reachable and the browser restores nothing into the new one."""
import json

from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import open_mailbox, open_page
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import VECTORS, wait_visible

LEFT = """
  return {
    old: window.__before_clear === true,
    history: history.length,
    step: Array.from(document.querySelectorAll('.step')).filter((s) => !s.hidden).map((s) => s.id),
    fields: Array.from(document.querySelectorAll('input, textarea'))
      .filter((el) => el.type === 'file' ? el.files.length : el.type === 'checkbox' ? el.checked : el.value)
      .map((el) => el.id),
    words: document.querySelectorAll('#codename-words li').length,
    files: document.querySelectorAll('#file-list li').length,
    replies: document.querySelectorAll('#reply-list li').length,
    receipt: document.getElementById('receipt').textContent,
  };
"""
EMPTY = {"old": False, "step": ["step-start"], "fields": [], "words": 0, "files": 0, "replies": 0, "receipt": ""}


def clear_and_read(driver):
    driver.execute_script("window.__before_clear = true")
    history = driver.execute_script("return history.length")
    driver.find_element(By.ID, "btn-clear").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.__before_clear !== true"))
    wait_visible(driver, "step-start")
    left = driver.execute_script(LEFT)
    assert left.pop("history") == history, "clearing added a history entry to go back to"
    return left


def test_clear_page_while_writing_leaves_no_text_file_or_codename(browser, world, tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (8, 8), (200, 20, 30)).save(photo)
    driver = browser("en")
    open_page(driver, world)
    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "message").send_keys("the supervisor's name is")
    driver.find_element(By.ID, "files").send_keys(str(photo))
    WebDriverWait(driver, 20).until(lambda d: "photo.png" in d.find_element(By.ID, "file-list").text)
    driver.find_element(By.ID, "btn-continue").click()
    wait_visible(driver, "step-codename")
    driver.find_element(By.ID, "confirm-a").send_keys("half")
    assert clear_and_read(driver) == EMPTY


def test_clear_page_in_the_mailbox_leaves_no_codename(browser, world):
    codename = json.loads((VECTORS / "codename-crosscheck.json").read_text())["entries"][1]["english"]
    driver = browser("en")
    open_mailbox(driver, world, codename)
    assert clear_and_read(driver) == EMPTY
