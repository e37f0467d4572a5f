"""Shared machinery of the real-browser tests of the submission page: every test runs in
Chromium (Debian's chromium and chromedriver, through Selenium) and in Firefox ESR (driven
over its own WebDriver BiDi endpoint by firefox.py, as Debian has no geckodriver), headless,
against a real `sealrelayd` process on loopback HTTPS.

Browser configurations (the `browser_name` fixture, $SEAL_WEB_BROWSERS; a test module may
narrow it or name one):
  chromium          Debian's chromium
  firefox           Debian's firefox-esr (153)
  firefox-140       Firefox ESR 140, the base of Tor Browser 15, at $FIREFOX_140 (by default
                    only in tests that need its JIT)
  firefox-140-tor   the same with Tor Browser's preferences (fingerprinting resistance,
                    first-party isolation, no disk cache, the "Safer" level: no JIT, no wasm)

The relay's self-signed certificate is trusted, never waved through: Chromium pins its
public key (--ignore-certificate-errors-spki-list), Firefox gets it imported into the
profile's certificate database as a trusted root (certutil). Either way the page runs in a
secure context exactly as it would behind a real certificate.

Needs SEAL_BIN and SEALRELAYD_BIN (set by `make test`) and FIREFOX_140. A missing tool is a
failure, not a skip: a browser suite that silently skips proves nothing. Screenshots of every
step, at a 360 px wide viewport, per browser and language, go to .artifacts/screenshots/
(git-ignored) as BROWSER-LANG-STEP.png.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from firefox import TOR_BROWSER_PREFS, Firefox

REPO = Path(__file__).resolve().parents[2]
SEAL = os.environ.get("SEAL_BIN", "")
SEALRELAYD = os.environ.get("SEALRELAYD_BIN", "")
SCREENSHOTS = REPO / ".artifacts" / "screenshots"
VECTORS = REPO / "Tests" / "SealCoreTests" / "Vectors"


def require_binary(path: str, name: str) -> str:
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{name} is not set to the built binary (make test sets it)")
    return path


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the browser tests need it (see .ci/run)")
    return path


def run(*args, cwd=None, check=True, timeout=120, env=None) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """An organisation, reviewer alice (decryption key and fetch credential), a signed
    bundle, and a running relay serving the page (with `decoys = on` if asked)."""

    def __init__(self, root: Path, pow_bits: int | None = None, decoys: bool = False):
        self.root = root
        self.seal_env = dict(os.environ, SEAL_STATE_DIR=str(root / "seal-state"))
        self.seal("org", "keygen", "--out", "org", "--no-passphrase")
        self.seal("keygen", "--name", "alice", "--out", "rev", "--no-passphrase")
        self.seal("credential", "new", "--name", "alice", "--out", "rev")
        self.seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub",
                  "--relay-url", "https://127.0.0.1", "--out", "bundle.json")
        out = self.seal("fingerprint", "org/org.pub").stdout
        self.fingerprint = next(line.split()[1] for line in out.splitlines() if line.startswith("hex:"))
        run(require_binary(SEALRELAYD, "SEALRELAYD_BIN"), "init", "--dir", root / "relay", "--bundle", root / "bundle.json",
            "--reviewer-credential", root / "rev" / "alice.fetch.pub", "--listen", "127.0.0.1:0", "--hostname", "127.0.0.1")
        conf = root / "relay" / "relay.conf"
        self.admin_port = free_port()
        conf.write_text(re.sub(r"(?m)^admin_listen = .*$", f"admin_listen = 127.0.0.1:{self.admin_port}", conf.read_text()))
        if pow_bits is not None:
            conf.write_text(re.sub(r"(?m)^pow_bits = .*$", f"pow_bits = {pow_bits}", conf.read_text()))
        if decoys:
            conf.write_text(re.sub(r"(?m)^decoys = off$", "decoys = on", conf.read_text()))
        self.config_text = conf.read_text()
        self.cert = root / "relay" / "tls" / "cert.pem"
        self.log = open(root / "relay.log", "w+")
        self.process = subprocess.Popen([SEALRELAYD, "run", "--config", str(conf)], stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            self.log.seek(0)
            m = re.search(r"relay listening port=(\d+)", self.log.read())
            if m:
                self.port = int(m.group(1))
            elif self.process.poll() is not None:
                self.log.seek(0)
                raise AssertionError(f"sealrelayd exited: {self.log.read()}")
            else:
                time.sleep(0.05)
        assert self.port, "sealrelayd did not start"
        self.base = f"https://127.0.0.1:{self.port}"
        cert = x509.load_pem_x509_certificate(self.cert.read_bytes())
        spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.spki_hash = base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def seal(self, *args, check=True, cwd=None):
        return run(require_binary(SEAL, "SEAL_BIN"), *args, cwd=cwd or self.root, check=check, env=self.seal_env)

    def metrics(self) -> dict:
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=10).read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def spool_files(self) -> list:
        return sorted(str(p) for p in (self.root / "relay" / "spool").rglob("*") if p.is_file())

    def fetch_and_open(self, name: str) -> Path:
        """seal fetch + seal open into a new folder (one per call, as a test may run once per
        browser against the same relay); returns it."""
        self.fetches = getattr(self, "fetches", 0) + 1
        name = f"{name}-{self.fetches}"
        self.seal("fetch", "--relay", self.base, "--credential", "rev/alice.fetch.seckey", "--ca", self.cert,
                  "--out", f"inbox-{name}")
        self.seal("open", "--key", "rev/alice.seckey", "--out", f"opened-{name}", f"inbox-{name}")
        return self.root / f"opened-{name}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# Plain ESR 140 runs only where it differs from ESR 140 with Tor Browser's preferences (a test
# that needs a JIT asks for it by name): everything else the Tor configuration covers, with
# more turned off. SEAL_WEB_BROWSERS="chromium firefox firefox-140 firefox-140-tor" runs all four.
BROWSERS = os.environ.get("SEAL_WEB_BROWSERS", "chromium firefox firefox-140-tor").split()
FIREFOX_140 = os.environ.get("FIREFOX_140", "")


def firefox_binary(browser: str) -> str:
    if browser == "firefox":
        return require_tool("firefox-esr")
    if not FIREFOX_140 or not os.access(FIREFOX_140, os.X_OK):
        pytest.fail("FIREFOX_140 must name Firefox ESR 140's executable (the install script unpacks it into "
                    "/opt/firefox-esr-140: FIREFOX_140=/opt/firefox-esr-140/usr/lib/firefox-esr/firefox-esr)")
    return FIREFOX_140


def make_driver(world: World, lang: str = "en", javascript: bool = True, network_log: bool = True,
                browser: str = "chromium"):
    """A headless browser with a 360 x 900 viewport whose preferred language is `lang`.
    network_log records every request for requests_made(); in Chromium it also makes
    DevTools keep request bodies, so memory measurements turn it off."""
    if browser != "chromium":
        return make_firefox(world, lang, javascript, browser)
    options = webdriver.ChromeOptions()
    options.binary_location = require_tool("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--ignore-certificate-errors-spki-list={world.spki_hash}", f"--lang={lang}", "--window-size=360,900"):
        options.add_argument(arg)
    prefs = {"intl.accept_languages": lang}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    # The DevTools network log, so tests can see every request the page made.
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(require_tool("chromedriver")), options=options)
    driver.seal_browser = "chromium"
    # A 360 px phone screen, whatever the smallest window the platform allows.
    set_viewport(driver, 360, 900)
    driver.set_script_timeout(120)
    return driver


def make_firefox(world: World, lang: str, javascript: bool, browser: str) -> Firefox:
    prefs = {"intl.accept_languages": lang}
    if browser == "firefox-140-tor":
        prefs.update(TOR_BROWSER_PREFS)
    elif browser not in ("firefox", "firefox-140"):
        raise ValueError(f"unknown browser {browser}")
    if not javascript:
        prefs["javascript.enabled"] = False  # what Tor Browser's "Safest" level does to every page
    driver = Firefox(firefox_binary(browser), name=browser, prefs=prefs, trust_certificate=world.cert)
    version = driver.capabilities.get("browserVersion", "")
    wanted = "140." if browser.startswith("firefox-140") else ""
    if not version.startswith(wanted):
        driver.quit()
        pytest.fail(f"{browser} runs Firefox {version}, not {wanted}x (check FIREFOX_140)")
    return driver


def is_firefox(driver) -> bool:
    return isinstance(driver, Firefox)


def set_viewport(driver, width: int, height: int):
    if is_firefox(driver):
        driver.set_viewport(width, height)
    else:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})


def add_preload_script(driver, source: str):
    """Runs `source` in every page the browser loads from now on, before the page's own
    scripts, in the page's realm (to stand in for an older browser, or to watch requests)."""
    if is_firefox(driver):
        driver.add_preload_script(source)
    else:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})


def requests_made(driver) -> list:
    """(method, url) of every request the page sent since the last call."""
    if is_firefox(driver):
        return driver.requests_made()
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            request = message["params"]["request"]
            out.append((request["method"], request["url"]))
    return out


def wait_visible(driver, element_id, timeout=60):
    return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.ID, element_id)))


def wait_text(driver, element_id, pattern, timeout=60):
    """Waits until the element's text matches the regular expression; returns the text."""
    rx = re.compile(pattern)

    def check(d):
        el = d.find_element(By.ID, element_id)
        return el.text if rx.search(el.text) else False

    return WebDriverWait(driver, timeout).until(check)


def screenshot(driver, lang: str, step: str):
    """The whole page (not just the first screen) at 360 px, as BROWSER-LANG-STEP.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{driver.seal_browser}-{lang}-{step}.png"
    if is_firefox(driver):
        driver.save_screenshot(str(path))  # Firefox captures the whole document itself
        return
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    set_viewport(driver, 360, int(height))
    driver.save_screenshot(str(path))
    set_viewport(driver, 360, 900)


def load_module(driver, world, script: str, *args):
    """Runs `script` (an async function body with the page's modules imported as C, R, K,
    S, B, H, P (pow.js) and PW (pow-worker.js)) in the page's origin; returns what it
    returns. Exceptions come back as {"error": code}."""
    driver.get(world.base + "/")
    wait_visible(driver, "step-start")
    wrapper = """
    const done = arguments[arguments.length - 1];
    const args = Array.from(arguments).slice(0, -1);
    (async () => {
      const C = await import('/js/crypto.js');
      const R = await import('/js/report.js');
      const K = await import('/js/codename.js');
      const S = await import('/js/scrub.js');
      const B = await import('/js/bundle.js');
      const H = await import('/js/sha256.js');
      const P = await import('/js/pow.js');
      const PW = await import('/js/pow-worker.js');
      %s
    })().then(done, (e) => done({ error: e && (e.code || String(e)) }));
    """ % script
    return driver.execute_async_script(wrapper, *args)


# Fixtures. Tests/web has no conftest.py: pytest keeps one module named "conftest" at a
# time, and Tests/scrub's test modules import theirs by that name in the same run. Each test
# module imports these instead, and so gets its own relay (module scope).

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("web"))
    yield w
    w.stop()


@pytest.fixture(scope="module")
def offline_page(world):
    """`sealrelayd page` for the module's relay, sending there first; its printed SHA-256
    is the file's."""
    out = world.root / "sealrelay.html"
    r = subprocess.run([SEALRELAYD, "page", "--config", str(world.root / "relay" / "relay.conf"), "--out", str(out),
                        "--relay", world.base], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    printed = re.search(r"sha256: ([0-9a-f]{64})", r.stdout).group(1)
    assert printed == hashlib.sha256(out.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module", params=BROWSERS)
def browser_name(request):
    """Which browser a test runs in; module scope, so pytest runs a module's tests browser by
    browser and module-scoped fixtures (a submitted report, a page) exist once per browser."""
    return request.param


@pytest.fixture
def browser(world, browser_name):
    drivers = []

    def open_browser(lang="en", javascript=True):
        d = make_driver(world, lang, javascript, browser=browser_name)
        drivers.append(d)
        return d

    yield open_browser
    for d in drivers:
        d.quit()
