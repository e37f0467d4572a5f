"""The page's proof of work (docs/API.md "Proof of work"): against the real relay, and judged
by a second, independent implementation of the relay's side in Python (relayproxy.PowGate:
hashlib's PBKDF2, the challenge MAC, expiry and the spent set) placed in front of it, which
can also play an older relay that answers 404 to GET /v1/pow (the page then sends no header)."""
import os
import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import compose, confirm_codename, open_page, submit, wait_sent
from relayproxy import PowGate, RelayProxy, b64url, b64url_decode, leading_zero_bits, pow_digest, pow_relay
from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import World, load_module, make_driver, wait_text, wait_visible


@pytest.fixture(scope="module")
def page(world, browser_name):
    driver = make_driver(world, browser=browser_name)
    yield driver
    driver.quit()


SOLVE = """
  const [challenges, bits] = args;
  const violations = [];
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
  const out = [];
  for (const c of challenges) {
    let last = null;
    const job = P.solve({ challenge: C.fromB64url(c), bits }, (p) => { last = p; });
    out.push({ nonce: C.b64url(await job.promise), workers: last.workers });
  }
  return { out, violations, cores: navigator.hardwareConcurrency };
"""


def challenge_bytes() -> bytes:
    return b"\x01" + os.urandom(37)


@pytest.mark.parametrize("bits", [4, 8, 12])
def test_solutions_found_in_the_page_pass_pythons_pbkdf2(page, world, bits):
    challenges = [challenge_bytes() for _ in range(3)]
    result = load_module(page, world, SOLVE, [b64url(c) for c in challenges], bits)
    assert "error" not in result, result
    for c, found in zip(challenges, result["out"]):
        nonce = b64url_decode(found["nonce"])
        assert len(nonce) == 8
        assert leading_zero_bits(pow_digest(c, nonce)) >= bits


def test_search_runs_in_one_worker_per_core_under_the_pages_csp(page, world):
    result = load_module(page, world, SOLVE, [b64url(challenge_bytes())], 6)
    assert result["violations"] == []
    assert result["out"][0]["workers"] == min(result["cores"], 16) >= 1


def test_leading_zero_bits_counts_as_python_does(page, world):
    samples = [bytes(32), b"\x80" + bytes(31), b"\x01" + bytes(31), b"\x00\x00\x10" + bytes(29), os.urandom(32),
               b"\x00" * 31 + b"\x01"]
    out = load_module(page, world, "return args[0].map((s) => PW.leadingZeroBits(C.fromB64url(s)));",
                      [b64url(s) for s in samples])
    assert out == [leading_zero_bits(s) for s in samples]


def test_workers_search_disjoint_nonces(page, world):
    out = load_module(page, world, """
      const seen = new Set();
      for (let lane = 0; lane < 4; lane++) for (let n = 0; n < 300; n++) seen.add(C.b64url(PW.nonceOf(lane, n)));
      return [seen.size, C.b64url(PW.nonceOf(3, 2 ** 40 + 5))];
    """)
    assert out[0] == 1200
    assert b64url_decode(out[1]) == bytes([3]) + (2 ** 40 + 5).to_bytes(7, "big")


# ---- against a relay that asks for proof of work ----------------------------------------

@pytest.fixture
def proxies():
    made = []
    yield made
    for p in made:
        p.close()


def start_report(driver, relay, message):
    open_page(driver, relay)
    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "message").send_keys(message)


def older_relay(method, path, headers, body):
    """A relay from before proof of work: no /v1/pow (the proxy pays the real one)."""
    if method == "GET" and path == "/v1/pow":
        return 404, {"Content-Type": "application/json"}, b'{"code":"not_found","error":"no such route"}'
    return None


def test_a_relay_that_answers_404_to_pow_gets_no_header_and_takes_the_report(browser, world, proxies):
    relay = RelayProxy(world, intercept=older_relay, pays_upstream=True)
    proxies.append(relay)
    submit(browser("en"), relay, "no proof of work asked")
    assert relay.requests("GET", "/v1/pow"), "the page asked for a challenge"
    creates = relay.requests("POST", "/v1/uploads")
    assert len(creates) == 1 and "seal-pow" not in creates[0][2]


def test_the_pages_token_passes_the_relays_check_and_the_report_arrives(browser, world, proxies):
    gate = PowGate(bits=10)
    relay = pow_relay(world, gate)
    proxies.append(relay)
    submit(browser("en"), relay, "sent with proof of work")
    assert [v for _, v in gate.verdicts] == ["ok"]
    opened = world.fetch_and_open("pow")
    assert any((r / "message.txt").read_text() == "sent with proof of work" for r in opened.glob("thread-*/report-*"))


def test_solving_starts_as_soon_as_the_source_starts_writing(browser, world, proxies):
    gate = PowGate(bits=8)
    relay = pow_relay(world, gate)
    proxies.append(relay)
    driver = browser("en")
    open_page(driver, relay)
    assert relay.requests("GET", "/v1/pow") == []
    driver.find_element(By.ID, "btn-new").click()
    wait_visible(driver, "step-compose")
    WebDriverWait(driver, 10).until(lambda d: relay.requests("GET", "/v1/pow"))


def test_a_challenge_that_expired_while_writing_is_replaced_before_sending(browser, world, proxies):
    gate = PowGate(bits=6, lifetime=6)
    relay = pow_relay(world, gate)
    proxies.append(relay)
    driver = browser("en")
    start_report(driver, relay, "written slowly")
    WebDriverWait(driver, 10).until(lambda d: relay.requests("GET", "/v1/pow"))
    time.sleep(7)  # the first challenge is now expired
    driver.find_element(By.ID, "btn-continue").click()
    confirm_codename(driver)
    wait_sent(driver)
    assert [v for _, v in gate.verdicts] == ["ok"], "the page sent a live challenge the first time"
    assert len(relay.requests("GET", "/v1/pow")) >= 2


def test_a_refusal_with_a_fresh_challenge_is_solved_and_retried_once(browser, world, proxies):
    gate = PowGate(bits=8)
    relay = pow_relay(world, gate)
    proxies.append(relay)
    driver = browser("en")
    start_report(driver, relay, "retried after a refusal")
    WebDriverWait(driver, 10).until(lambda d: relay.requests("GET", "/v1/pow"))
    gate.rotate_key()  # the challenge the page holds no longer verifies
    driver.find_element(By.ID, "btn-continue").click()
    confirm_codename(driver)
    wait_sent(driver)
    assert [v for _, v in gate.verdicts] == ["forged", "ok"]


def test_a_second_refusal_ends_the_attempt_and_nothing_is_uploaded(browser, world, proxies):
    gate = PowGate(bits=6)
    relay = pow_relay(world, gate, refuse_all=True)
    proxies.append(relay)
    driver = browser("en")
    start_report(driver, relay, "refused twice")
    driver.find_element(By.ID, "btn-continue").click()
    confirm_codename(driver)
    wait_visible(driver, "btn-retry")
    assert "did not accept the proof of work" in wait_text(driver, "alert", r".+")
    assert len(relay.requests("POST", "/v1/uploads")) == 2
    assert relay.requests("PUT") == []
    assert [v for _, v in gate.verdicts] == ["ok", "ok"], "both tokens were good work; the relay said no"


def test_while_the_page_waits_it_shows_progress_and_an_honest_estimate(browser, world, proxies):
    # No challenge until the upload is refused, then one of 22 bits (about 4 million
    # attempts: minutes), so the page has to wait in front of the source.
    bits = 22
    gate = PowGate(bits=bits)
    relay = pow_relay(world, gate, serve_challenges=False)
    proxies.append(relay)
    driver = browser("en")
    start_report(driver, relay, "hard work")
    driver.find_element(By.ID, "btn-continue").click()
    confirm_codename(driver)
    wait_visible(driver, "pow-box")
    text = wait_text(driver, "pow-status", r"Attempts so far: [1-9]")
    m = re.search(r"about (\d+) (s|min) \((\d+) attempts per second; (\d+) attempts are needed on average", text)
    assert m, text
    shown, unit, rate, expected = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
    assert expected == 2 ** bits and rate > 0
    seconds = expected / rate  # the rate shown is rounded, hence the one unit of slack
    assert abs(shown - (seconds / 60 if unit == "min" else seconds)) <= 1, (text, seconds)
    assert 0 < float(driver.find_element(By.ID, "progress-pow").get_attribute("value")) < 1
    # Clearing the page stops the work.
    driver.find_element(By.ID, "btn-clear").click()
    wait_visible(driver, "step-start")


@pytest.fixture(scope="module")
def hard_world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("pow14"), pow_bits=14)
    yield w
    w.stop()


def test_the_page_submits_to_a_relay_that_asks_for_14_bits(browser_name, hard_world):
    driver = make_driver(hard_world, browser=browser_name)
    try:
        submit(driver, hard_world, "fourteen bits")
    finally:
        driver.quit()
    opened = hard_world.fetch_and_open("pow14")
    assert [r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == "fourteen bits"]
