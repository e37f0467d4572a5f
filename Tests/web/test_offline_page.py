"""The offline page (README "The offline page"): `sealrelayd page` writes one self-contained
HTML file; opened from file:// it loads nothing from anywhere, encrypts in the browser and
uploads to the bundle's relays (the next when one cannot be reached), which answer the opaque
`null` origin on source routes only."""
import re
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from helpers import compose, confirm_codename, wait_done
from webtest import SEALRELAYD, browser, browser_name, free_port, offline_page, requests_made, wait_text, wait_visible, world  # noqa: F401  (fixtures)
from selenium.webdriver.common.by import By


def test_the_offline_page_carries_everything_and_names_only_its_relays(offline_page, world):
    html = offline_page.read_text()
    assert world.fingerprint in html
    assert not re.search(r"""(?:src|href)=["']/""", html), "the page still loads something by path"
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    connect = re.search(r"connect-src ([^;]+)", policy).group(1).split()
    assert f"https://127.0.0.1:{world.port}" in connect and all(c.startswith("https://") for c in connect), policy


def test_a_report_sent_from_the_offline_page_arrives(browser, world, offline_page):
    driver = browser("en")
    driver.get(offline_page.as_uri())
    wait_visible(driver, "step-start")
    wait_text(driver, "bundle-status", r".+")
    driver.find_element(By.ID, "btn-new").click()
    compose(driver, "sent from a file")
    confirm_codename(driver)
    wait_done(driver)
    sent = [u for _, u in requests_made(driver)]
    assert sent and all(u.startswith(world.base + "/v1/") or u.startswith(("data:", "blob:", "file:")) for u in sent), sent
    opened = world.fetch_and_open("offline")
    assert [r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == "sent from a file"]


def preflight(world, path, origin, method="PUT"):
    ctx = ssl.create_default_context(cafile=str(world.cert))
    request = urllib.request.Request(world.base + path, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, upload-offset"})
    try:
        with urllib.request.urlopen(request, context=ctx, timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def test_the_relay_answers_the_null_origin_on_source_routes_only(world):
    status, headers = preflight(world, "/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA", "null")
    assert status == 204 and headers.get("Access-Control-Allow-Origin") == "null", headers
    assert "Upload-Offset" in headers.get("Access-Control-Allow-Headers", "")
    assert "Access-Control-Allow-Credentials" not in headers
    _, other = preflight(world, "/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA", "https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in other
    _, reviewer = preflight(world, "/v1/inbox", "null", method="GET")
    assert "Access-Control-Allow-Origin" not in reviewer


@pytest.fixture(scope="module")
def failover_page(world):
    """A page whose first relay is dead (nothing listens on its port), then the live one."""
    dead = f"https://127.0.0.1:{free_port()}"
    out = world.root / "sealrelay-failover.html"
    r = subprocess.run([SEALRELAYD, "page", "--config", str(world.root / "relay" / "relay.conf"), "--out", str(out),
                        "--relay", dead, "--relay", world.base], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return out, dead


def test_the_offline_page_moves_on_to_the_next_relay_when_the_first_cannot_be_reached(browser, browser_name, world,
                                                                                      failover_page):
    page, dead = failover_page
    message = f"sent past a dead relay from {browser_name}"
    driver = browser("en")
    driver.get(page.as_uri())
    wait_visible(driver, "step-start")
    wait_text(driver, "bundle-status", r".+")
    assert driver.find_element(By.ID, "sends-host").get_attribute("textContent") == dead.removeprefix("https://")
    driver.find_element(By.ID, "btn-new").click()
    compose(driver, message)
    confirm_codename(driver)
    wait_done(driver)
    assert driver.find_element(By.ID, "sends-host").get_attribute("textContent") == f"127.0.0.1:{world.port}"
    tried = {u.split("/v1/")[0] for _, u in requests_made(driver) if "/v1/" in u}
    assert tried == {dead, world.base}, tried
    opened = world.fetch_and_open("offline-failover")
    assert len([r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == message]) == 1
