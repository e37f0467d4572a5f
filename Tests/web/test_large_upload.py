"""Large files go to the relay in slices (docs/API.md "Chunked uploads"), so the page never
holds the whole envelope: what arrives still opens with `seal open`, byte for byte, and a
slice whose connection breaks is resumed from the offset the relay reports."""
import json
import os
import re
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.by import By

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import add_preload_script, requests_made
from helpers import compose, confirm_codename, open_page, submit, wait_done
from relayproxy import solve_relay_pow

# Two full 4 MiB batches and a partial one.
SIZE = 9 * (1 << 20) + 12345


def attachment(opened, message, name):
    found = [r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == message]
    assert len(found) == 1, list(opened.rglob("*"))
    return (found[0] / "attachments" / name).read_bytes()


def upload_requests(driver):
    return [(m, urlparse(u).path) for m, u in requests_made(driver) if "/v1/" in u and m != "GET"]


def test_large_file_is_sent_in_slices_and_opens_with_seal(browser, world, tmp_path):
    data = os.urandom(SIZE)
    video = tmp_path / "clip.mp4"
    video.write_bytes(data)
    driver = browser("en")
    submit(driver, world, "sliced upload", [video], unclean=True)
    sent = upload_requests(driver)
    puts = [p for m, p in sent if m == "PUT"]
    assert ("POST", "/v1/uploads") in sent and ("POST", "/v1/reports") not in sent
    assert len(puts) == 3 and all(re.fullmatch(r"/v1/uploads/[A-Za-z0-9_-]{22}", p) for p in puts), sent
    assert sent[-1][0] == "POST" and sent[-1][1].endswith("/complete")
    assert attachment(world.fetch_and_open("sliced"), "sliced upload", "clip.mp4") == data
    assert not os.listdir(world.root / "relay" / "spool" / "incoming")


# Breaks the first PUT's connection once part of its body is on the wire (XHR abort closes
# the socket mid-body), as a phone losing its signal would.
DROP_FIRST_PUT = """
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  window.__dropped = 0;
  XMLHttpRequest.prototype.open = function (method, ...rest) { this.__method = method; return open.call(this, method, ...rest); };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.__method === 'PUT' && window.__dropped === 0) {
      window.__dropped = 1;
      this.upload.addEventListener('progress', (e) => {
        if (window.__dropped === 1 && e.loaded >= (1 << 20)) { window.__dropped = 2; this.abort(); }
      });
    }
    if (this.__method === 'PUT') {
      this.addEventListener('load', () => window.__answers.push([this.status, this.responseText]));
    }
    return send.call(this, body);
  };
  window.__answers = [];
"""


# Chromium only: it needs DevTools' upload throttling so the cut lands mid-slice, which
# WebDriver BiDi cannot do in Firefox (the resume logic is the page's, not the browser's).
@pytest.mark.parametrize("browser_name", ["chromium"], indirect=True)
def test_a_slice_cut_off_mid_body_is_resumed_and_the_report_arrives_whole(browser, world, tmp_path):
    data = os.urandom(SIZE)
    video = tmp_path / "cut.mp4"
    video.write_bytes(data)
    driver = browser("en")
    add_preload_script(driver, DROP_FIRST_PUT)
    # A 4 MiB/s uplink, so the cut lands while the slice is still on its way.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 4 << 20})
    submit(driver, world, "resumed upload", [video], unclean=True)
    assert driver.execute_script("return window.__dropped") == 2, "the first PUT was cut off mid-body"
    answers = [(status, json.loads(text)) for status, text in driver.execute_script("return window.__answers")]
    # The relay kept the part of the slice that arrived and said where to go on from.
    resumed_at = [a["offset"] for status, a in answers if status == 409]
    assert any(0 < offset < 4 << 20 for offset in resumed_at), answers
    puts = [p for m, p in upload_requests(driver) if m == "PUT"]
    assert len(puts) > 3, "the cut-off slice was sent again"
    assert attachment(world.fetch_and_open("resumed"), "resumed upload", "cut.mp4") == data
    assert not os.listdir(world.root / "relay" / "spool" / "incoming")


def test_a_page_gets_through_while_an_attacker_holds_every_upload_slot(browser, world):
    # Buy every upload slot (max_uploads, 64 by default) at the floor difficulty, as a flood
    # would; a paying newcomer displaces the slowest once it is past its first ten seconds.
    ctx = ssl.create_default_context(cafile=str(world.cert))

    def call(method, path, headers=None):
        request = urllib.request.Request(world.base + path, method=method, headers=headers or {})
        return urllib.request.urlopen(request, context=ctx, timeout=10)

    taken = []
    try:
        for _ in range(64):
            with call("POST", "/v1/uploads", {"Seal-PoW": solve_relay_pow(world.port, ctx)}) as r:
                taken.append(json.load(r)["upload"])
        all_taken = time.monotonic()
        driver = browser("en")
        open_page(driver, world)
        driver.find_element(By.ID, "btn-new").click()
        compose(driver, "past the held slots")
        time.sleep(max(0.0, 11 - (time.monotonic() - all_taken)))
        confirm_codename(driver)
        wait_done(driver)
        opened = world.fetch_and_open("flood")
        assert [r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == "past the held slots"]
    finally:
        for upload in taken:
            try:
                call("DELETE", f"/v1/uploads/{upload}").close()
            except urllib.error.HTTPError as e:
                assert e.code == 404  # the one the page displaced
