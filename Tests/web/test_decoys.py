"""Cover traffic (docs/ARCHITECTURE.md "Decoys"): a relay with `decoys = on` serves a page
that sends one decoy per visit, shaped like a short report, which the relay answers like one
and keeps nothing of; and on the wire (TLS, captured with tshark on loopback) a decoy and a
real short report are the same size, request for request, in both directions."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import compose, confirm_codename, open_page, wait_done
from webtest import World, add_preload_script, browser, browser_name, make_driver, offline_page, require_tool  # noqa: F401  (fixtures)

# Every XMLHttpRequest the page makes, with the relay's status once it answered: how the
# tests see that the decoy went out and was answered (the relay keeps no trace of it).
WATCH_XHR = """
(() => {
  window.sealXHR = [];
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    const entry = { method, path: new URL(url, location.href).pathname, status: 0 };
    window.sealXHR.push(entry);
    this.addEventListener('loadend', () => { entry.status = this.status; });
    return open.call(this, method, url, ...rest);
  };
})();
"""

# Upload ids and the like, so that two uploads' requests compare.
def shape(path: str) -> str:
    return re.sub(r"^/v1/uploads/[A-Za-z0-9_-]{22}", "/v1/uploads/ID", path)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # Cheap proof of work: the decoy and the report each pay it, the test measures sizes.
    w = World(tmp_path_factory.mktemp("decoys"), pow_bits=6, decoys=True)
    yield w
    w.stop()


def watched(driver):
    add_preload_script(driver, WATCH_XHR)
    return driver


def wait_decoy_answered(driver, timeout=60) -> list:
    """Waits until the page's upload completion was answered (the decoy leaves within 15 s
    of the page verifying its bundle); returns the page's XHRs as (method, path, status)."""
    def answered(d):
        xhrs = d.execute_script("return window.sealXHR || []")
        done = [x for x in xhrs if x["path"].endswith("/complete") and x["status"]]
        return xhrs if done else False

    xhrs = WebDriverWait(driver, timeout, poll_frequency=0.2).until(answered)
    return [(x["method"], shape(x["path"]), x["status"]) for x in xhrs]


def assert_one_decoy_kept_nowhere(world, xhrs, spool_before):
    assert xhrs == [("POST", "/v1/uploads", 201), ("PUT", "/v1/uploads/ID", 200),
                    ("POST", "/v1/uploads/ID/complete", 202)], xhrs
    assert world.spool_files() == spool_before, "the relay kept something of a decoy"


def test_a_visit_sends_one_decoy_that_the_relay_answers_and_keeps_nothing_of(browser, world):
    spool = world.spool_files()
    driver = watched(browser("en"))
    open_page(driver, world)
    assert driver.find_element(By.CSS_SELECTOR, 'meta[name="seal-decoys"]').get_attribute("content") == "on"
    wait_decoy_answered(driver)
    time.sleep(1)  # and nothing follows it
    assert_one_decoy_kept_nowhere(world, wait_decoy_answered(driver), spool)


def test_the_offline_page_sends_its_decoy_to_its_relay(browser, world, offline_page):
    spool = world.spool_files()
    driver = watched(browser("en"))
    driver.get(offline_page.as_uri())
    assert_one_decoy_kept_nowhere(world, wait_decoy_answered(driver), spool)


# ---- on the wire ---------------------------------------------------------------------

def tls_exchanges(capture, keylog, port) -> list:
    """The relay API exchanges in a capture, in order, as (method, path shape, TLS
    application-data bytes client to relay, relay to client). The keys Chromium logged let
    tshark see which HTTP message each TLS record carries; the bytes counted are the
    records' lengths on the wire (ciphertext, tag and inner type), never the plaintext."""
    fields = ["tcp.stream", "tcp.srcport", "tls.record.content_type", "tls.record.length",
              "http.request.method", "http.request.uri", "http.response.code"]
    r = subprocess.run(["tshark", "-r", str(capture), "-o", f"tls.keylog_file:{keylog}",
                        "-d", f"tcp.port=={port},tls", "-d", f"tls.port=={port},http", "-Y", "tls",
                        "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
                        *sum((["-e", f] for f in fields), [])], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    pending = {}   # (stream, from client) -> application-data bytes not yet given to a message
    open_requests = {}  # stream -> [request waiting for its response]
    exchanges = []
    for line in r.stdout.splitlines():
        stream, src, inner, lengths, method, uri, status = line.split("|")
        key = (stream, int(src) != port)
        # Decrypted, a record has its inner content type; 23 is application data.
        types, sizes = inner.split(",") if inner else [], [int(n) for n in lengths.split(",") if n]
        assert len(types) == len(sizes), f"a record tshark could not decrypt: {line}"
        pending[key] = pending.get(key, 0) + sum(n for t, n in zip(types, sizes) if t == "23")
        if method:
            exchange = {"method": method, "path": shape(uri), "sent": pending.pop(key)}
            open_requests.setdefault(stream, []).append(exchange)
            exchanges.append(exchange)
        if status:
            open_requests[stream].pop(0)["received"] = pending.pop(key)
    return [(e["method"], e["path"], e["sent"], e.get("received")) for e in exchanges
            if e["path"].startswith("/v1/") and e["path"] != "/v1/bundle"]


class Capture:
    """tshark on loopback, on the relay's port, writing to `path` until stop()."""

    def __init__(self, port, path):
        self.path = path
        self.process = subprocess.Popen(["tshark", "-i", "lo", "-f", f"tcp port {port}", "-w", str(path)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        said = ""
        while "Capturing on" not in said:
            line = self.process.stderr.readline()
            assert line, f"tshark did not start capturing: {said}"
            said += line

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # tshark then finishes the file
            self.process.wait(timeout=30)


@pytest.fixture
def capture(world, tmp_path):
    require_tool("tshark")
    if os.geteuid() != 0:
        pytest.skip("capturing on lo needs root (or dumpcap with CAP_NET_RAW); CI runs as root, this run does not")
    c = Capture(world.port, tmp_path / "relay.pcapng")
    yield c
    c.stop()


def test_on_the_wire_a_decoy_and_a_short_report_are_the_same_size(world, capture, tmp_path, monkeypatch):
    keylog = tmp_path / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))  # Chromium logs its TLS secrets there
    spool = world.spool_files()
    driver = watched(make_driver(world, browser="chromium"))
    try:
        open_page(driver, world)
        wait_decoy_answered(driver)
        driver.find_element(By.ID, "btn-new").click()
        compose(driver, "the night shift is not paid")
        confirm_codename(driver)
        wait_done(driver)
    finally:
        driver.quit()
    time.sleep(0.5)
    capture.stop()
    exchanges = tls_exchanges(capture.path, keylog, world.port)
    for e in exchanges:
        print("%-4s %-26s client->relay %6d B  relay->client %6d B" % e)
    steps = [("GET", "/v1/pow"), ("POST", "/v1/uploads"), ("PUT", "/v1/uploads/ID"), ("POST", "/v1/uploads/ID/complete")]
    assert [(m, p) for m, p, _, _ in exchanges] == steps * 2, exchanges
    decoy, report = exchanges[:4], exchanges[4:]
    assert [(s, r) for _, _, s, r in decoy] == [(s, r) for _, _, s, r in report], (decoy, report)
    assert all(s > 0 and r > 0 for _, _, s, r in exchanges)
    kept = sorted(set(world.spool_files()) - set(spool))
    assert [Path(p).suffix for p in kept] == [".receipt", ".seal"], "the report and its receipt are kept, the decoy is not"
