"""The optional structured fields (docs/FORMAT.md §4 "fields"): what a source types into them
in the page reaches the reviewer's case index exactly as typed; a field over 2 KiB or with an
invisible character is refused with a clear message, never cut, and nothing is sent."""
import csv
import json

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import requests_made, screenshot, wait_text, wait_visible
from helpers import compose, confirm_codename, open_page, wait_done

FIELDS = {
    "workplace": "제2가공공장 3호 기숙사",
    "location": "辽宁东港",
    "shipment": "MSCU1234567, MSCU7654321",
}


def start_report(driver, world, lang="en"):
    open_page(driver, world, lang)
    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "fields-box").click()  # the <summary>: opens the details


def type_fields(driver, fields):
    for key, value in fields.items():
        driver.find_element(By.ID, f"field-{key}").send_keys(value)


@pytest.fixture(scope="module")
def opened(world, browser_name):
    """One report with three fields, typed into the page in Korean, then fetched and opened."""
    from webtest import make_driver
    driver = make_driver(world, "ko", browser=browser_name)
    message = f"Fields from {browser_name}."
    try:
        start_report(driver, world, "ko")
        type_fields(driver, FIELDS)
        screenshot(driver, "ko", "2-compose-fields")
        # Folded again: what is typed stays, and Continue is where every other test finds it.
        driver.find_element(By.ID, "fields-box").click()
        compose(driver, message)
        try:
            confirm_codename(driver)
        except TimeoutException:
            pytest.fail("no codename step after Continue; the page said: " + driver.find_element(By.ID, "alert").text)
        wait_done(driver)
    finally:
        driver.quit()
    folder = world.fetch_and_open("fields")
    index = json.loads((folder / "index.json").read_text())
    return folder, [r for r in index if r["fields"] == FIELDS]


def test_fields_typed_in_the_page_reach_the_case_index_as_typed(opened):
    _, rows = opened
    assert len(rows) == 1, rows


def test_fields_left_empty_are_not_sent(opened):
    folder, _ = opened
    manifests = [json.loads(p.read_text()) for p in folder.glob("thread-*/report-*/manifest.json")]
    ours = [m for m in manifests if m.get("fields") == FIELDS]
    assert len(ours) == 1 and set(ours[0]["fields"]) == set(FIELDS), manifests


def test_fields_reach_the_spreadsheet_index_in_their_columns(opened):
    folder, _ = opened
    with open(folder / "index.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    ours = [r for r in rows if r.get("shipment") == FIELDS["shipment"]]
    assert len(ours) == 1 and ours[0]["workplace"] == FIELDS["workplace"] and ours[0]["location"] == FIELDS["location"], rows


def refused(driver, world, field, value):
    """Sets a field (through script: some values cannot be typed) and continues; returns the
    page's alert and whether anything was sent."""
    start_report(driver, world)
    driver.find_element(By.ID, "message").send_keys("A report whose field is refused.")
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1];", f"field-{field}", value)
    requests_made(driver)  # forget what loading the page sent
    driver.find_element(By.ID, "btn-continue").click()
    wait_text(driver, "alert", r"\S")
    assert driver.find_element(By.ID, "step-compose").is_displayed()
    sent = [(m, u) for m, u in requests_made(driver) if m == "POST"]
    return driver.find_element(By.ID, "alert").text, sent


def test_a_field_over_2048_bytes_is_refused_whole_and_nothing_is_sent(browser, world):
    driver = browser("en")
    alert, sent = refused(driver, world, "workplace", "공" * 683)  # 2,049 bytes of UTF-8
    assert "2,048" in alert and "Workplace" in alert, alert
    assert sent == []
    assert driver.execute_script("return document.getElementById('field-workplace').value.length") == 683


def test_a_field_with_an_invisible_character_is_refused_and_nothing_is_sent(browser, world):
    driver = browser("en")
    alert, sent = refused(driver, world, "buyer", "ACME\u202eSEAFOOD")
    assert "invisible" in alert and "Buyer" in alert, alert
    assert sent == []
