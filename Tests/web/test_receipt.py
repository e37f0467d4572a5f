"""The page checks the relay's receipt (docs/API.md: the first 16 bytes of SHA-256 of the
envelope, base64url) against its own hash of the envelope it sent. To make a relay lie, a
small HTTPS proxy (relayproxy.py) in front of the real relay replaces the receipt in the
answer to the upload's completion; the page itself runs unmodified."""
import hashlib
import json
import os

from selenium.webdriver.common.by import By

from helpers import submit, wait_text
from relayproxy import RelayProxy, b64url
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)


def envelope_ids(world) -> dict:
    """Every envelope the reviewer can fetch now: id from its bytes (hashlib) -> file name."""
    world.fetches = getattr(world, "fetches", 0) + 1
    out = f"inbox-receipt-{world.fetches}"
    world.seal("fetch", "--relay", world.base, "--credential", "rev/alice.fetch.seckey", "--ca", world.cert, "--out", out)
    return {b64url(hashlib.sha256(p.read_bytes()).digest()[:16]): p.name for p in (world.root / out).glob("*.seal")}


def test_receipt_shown_is_the_hash_of_the_envelope_the_reviewer_receives(browser, world):
    driver = browser("en")
    _, receipt = submit(driver, world, "receipt check")
    assert not driver.find_element(By.ID, "receipt-mismatch").is_displayed()
    assert driver.find_element(By.ID, "alert").text == ""
    ids = envelope_ids(world)
    assert ids.get(receipt) == f"{receipt}.seal"


def test_a_relay_answering_another_receipt_is_shown_up(browser, world):
    forged = b64url(os.urandom(16))

    def lie(method, path, status, headers, body):
        if method == "POST" and path.endswith("/complete") and status == 202:
            body = json.dumps(dict(json.loads(body), receipt=forged)).encode()
        return status, headers, body

    relay = RelayProxy(world, rewrite=lie)
    try:
        driver = browser("en")
        _, receipt = submit(driver, world=relay, message="the relay lies about this one")
        assert receipt != forged
        assert driver.find_element(By.ID, "receipt-mismatch").is_displayed()
        assert driver.find_element(By.ID, "receipt-relay").text == forged
        assert "does not match" in wait_text(driver, "alert", r".+")
        # What the page showed as the receipt is the envelope the relay really queued.
        assert envelope_ids(world).get(receipt) == f"{receipt}.seal"
    finally:
        relay.close()


def test_the_day_the_relay_signed_for_is_shown_beside_the_receipt(browser, world):
    import datetime
    driver = browser("en")
    submit(driver, world, "day check")
    assert driver.find_element(By.ID, "receipt-day-line").is_displayed()
    assert driver.find_element(By.ID, "receipt-day").text == datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
