"""Firefox, driven over its own WebDriver BiDi endpoint (no geckodriver: Debian has none).

Firefox started with `--remote-debugging-port` serves WebDriver BiDi on a WebSocket; this
module speaks just enough of it for the page's tests, behind the few Selenium methods those
tests call (get, find_element(s), execute_script, execute_async_script, element click,
send_keys, clear, text, is_displayed, get_attribute, save_screenshot, quit), so one test
runs unchanged in Chromium (Selenium + chromedriver) and in Firefox. Beyond Selenium it
offers what the Chromium tests get from the DevTools protocol: scripts that run before the
page's own (`add_preload_script`), the requests the page made (`requests_made`) and the
viewport size (`set_viewport`).

Each `Firefox` runs its own process with a fresh profile in a temporary folder, removed by
`quit()`. The relay's self-signed certificate is trusted the way a person would trust it:
imported into the profile's NSS certificate database with `certutil` (libnss3-tools) as a
trusted root, with certificate verification left on.

Protocol: https://w3c.github.io/webdriver-bidi/ (commands are JSON objects
{"id", "method", "params"}; answers carry the same id; events carry "method" and no id).
"""
import base64
import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from selenium.common.exceptions import (ElementClickInterceptedException, JavascriptException,
                                        NoSuchElementException, StaleElementReferenceException,
                                        TimeoutException, WebDriverException)
from websockets.sync.client import connect

# Preferences of a test profile: no first-run pages, no update or telemetry traffic, no
# remembered session. (Firefox's remote agent adds its own recommended automation prefs.)
BASE_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage": "about:blank",
    "browser.startup.page": 0,
    "browser.sessionstore.resume_from_crash": False,
    "app.update.disabledForTesting": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "services.settings.server": "data:,",
    "messaging-system.rsexperimentloader.enabled": False,
    "extensions.update.enabled": False,
    "browser.region.network.url": "",
    "browser.search.geoip.url": "",
}

# Tor Browser's settings that matter to this page (tor-browser.git, browser/app/profile/
# 001-base-profile.js and the "Safer" security level, which is what an https page gets
# there: JavaScript on, but no JIT, no WebAssembly, no MathML, no SVG or Graphite fonts).
TOR_BROWSER_PREFS = {
    "privacy.resistFingerprinting": True,
    "privacy.firstparty.isolate": True,
    "browser.cache.disk.enable": False,
    "browser.cache.offline.enable": False,
    "dom.serviceWorkers.enabled": False,
    "network.http.referer.XOriginPolicy": 2,
    "javascript.options.ion": False,
    "javascript.options.baselinejit": False,
    "javascript.options.native_regexp": False,
    "javascript.options.asmjs": False,
    "javascript.options.wasm": False,
    "mathml.disabled": True,
    "gfx.font_rendering.graphite.enabled": False,
    "gfx.font_rendering.opentype_svg.enabled": False,
}

# Selenium locator strategies -> CSS.
def _css(by: str, value: str) -> str:
    if by == "id":
        return '[id="%s"]' % value.replace("\\", "\\\\").replace('"', '\\"')
    if by in ("css selector", "tag name"):
        return value
    raise ValueError(f"locator strategy {by!r} is not supported by this driver")


class BiDiError(WebDriverException):
    pass


class Connection:
    """One WebSocket to Firefox's remote agent: commands wait for their answer, events are
    kept in order for whoever asks."""

    def __init__(self, url: str):
        # Entered as a context manager (closed by close()), as websockets asks since 17.1.
        self.ws = connect(url, max_size=None, proxy=None, compression=None, open_timeout=30).__enter__()
        self.ids = itertools.count(1)
        self.waiting = {}
        self.lock = threading.Lock()
        self.events = queue.Queue()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            for raw in self.ws:
                message = json.loads(raw)
                if "id" in message and message.get("id") is not None:
                    with self.lock:
                        box = self.waiting.pop(message["id"], None)
                    if box is not None:
                        box.put(message)
                elif message.get("type") == "event":
                    self.events.put(message)
        except Exception:  # the browser went away: wake every waiter
            pass
        self.closed = True
        with self.lock:
            for box in self.waiting.values():
                box.put({"type": "error", "error": "connection closed", "message": "Firefox closed the connection"})
            self.waiting.clear()

    def command(self, method: str, params: dict, timeout: float = 60):
        if self.closed:
            raise BiDiError("Firefox closed the connection")
        box = queue.Queue(maxsize=1)
        number = next(self.ids)
        with self.lock:
            self.waiting[number] = box
        self.ws.send(json.dumps({"id": number, "method": method, "params": params}))
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            with self.lock:
                self.waiting.pop(number, None)
            raise TimeoutException(f"{method}: no answer from Firefox in {timeout} s")
        if answer.get("type") == "error":
            error, message = answer.get("error", ""), answer.get("message", "")
            if error == "no such node":
                raise StaleElementReferenceException(message)
            raise BiDiError(f"{method}: {error}: {message}")
        return answer["result"]

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


# ---- values between Python and JavaScript (BiDi LocalValue / RemoteValue) -------------

def to_local(value):
    if isinstance(value, FirefoxElement):
        return {"sharedId": value.id}
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, (int, float)):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, (list, tuple)):
        return {"type": "array", "value": [to_local(v) for v in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(k), to_local(v)] for k, v in value.items()]}
    raise TypeError(f"cannot pass {type(value).__name__} to the page")


def from_remote(remote, driver):
    kind = remote.get("type")
    value = remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return value
    if kind == "number":
        return {"NaN": float("nan"), "-0": -0.0, "Infinity": float("inf"), "-Infinity": float("-inf")}.get(value, value) \
            if isinstance(value, str) else value
    if kind == "bigint":
        return int(value)
    if kind in ("array", "set", "nodelist", "htmlcollection"):
        return [from_remote(v, driver) for v in value or []]
    if kind in ("object", "map"):
        return {(k if isinstance(k, str) else str(from_remote(k, driver))): from_remote(v, driver) for k, v in value or []}
    if kind == "node":
        return FirefoxElement(driver, remote["sharedId"])
    return {"type": kind}


SERIALIZE = {"maxObjectDepth": 64, "maxDomDepth": 0}
# The driver's own helpers run in a sandbox: the page cannot change what they see (a page
# that replaces Array.from cannot fool a test), and they work with the page's JavaScript off.
SANDBOX = "webtest"
# Waits until the page has drawn two frames: what a scroll or a key set in motion has happened.
TWO_FRAMES = "await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));"


class FirefoxElement:
    """A DOM element by its BiDi shared id; the Selenium WebElement methods the tests use."""

    def __init__(self, driver, shared_id: str):
        self.driver = driver
        self.id = shared_id

    def __eq__(self, other):
        return isinstance(other, FirefoxElement) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def _call(self, function: str, *args):
        return self.driver._call(function, self, *args, sandbox=True)

    @property
    def tag_name(self) -> str:
        return self._call("(el) => el.localName")

    @property
    def text(self) -> str:
        # As Selenium: the rendered text (what a person sees), "" for an element not shown.
        return self._call("(el) => el.checkVisibility() ? el.innerText.replace(/^[ \\n\\t]+|[ \\n\\t]+$/g, '') : ''")

    def is_displayed(self) -> bool:
        return self._call("""(el) => {
          if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        }""")

    def is_enabled(self) -> bool:
        return self._call("(el) => !el.disabled")

    def is_selected(self) -> bool:
        return self._call("(el) => Boolean(el.checked || el.selected)")

    def get_attribute(self, name: str):
        # As Selenium: the property when there is one (a resolved URL, a current value), else
        # the attribute; booleans as "true" or None.
        return self._call("""(el, name) => {
          const p = el[name];
          if (typeof p === 'boolean') return p ? 'true' : null;
          if (p !== undefined && p !== null && typeof p !== 'object' && typeof p !== 'function') return String(p);
          return el.getAttribute(name);
        }""", name)

    def get_dom_attribute(self, name: str):
        return self._call("(el, name) => el.getAttribute(name)", name)

    def value_of_css_property(self, name: str) -> str:
        return self._call("(el, name) => getComputedStyle(el).getPropertyValue(name)", name)

    def find_element(self, by="id", value=None):
        return self.driver._find(by, value, root=self, one=True)

    def find_elements(self, by="id", value=None):
        return self.driver._find(by, value, root=self, one=False)

    def click(self):
        # As WebDriver's element click: scrolled into view, then refused when another element
        # would take the pointer at the element's centre (or it is out of view). Two animation
        # frames pass first, so the pointer arrives where the element is once the page has
        # settled, not where it was (a Continue button's click once never arrived in CI).
        deadline = time.monotonic() + 5
        while True:
            kind = self._call("""async (el) => {
              el.scrollIntoView({ block: 'center', inline: 'center' });
              %s
              if (el.localName === 'option') return 'option';
              const box = el.getBoundingClientRect();
              const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
              if (hit && el.contains(hit)) return 'here';
              if (!hit) return 'nothing (out of view)';
              return `${hit.localName}${hit.id ? '#' + hit.id : ''}${hit.className ? '.' + hit.className : ''}`;
            }""" % TWO_FRAMES)
            if kind in ("here", "option"):
                break
            if time.monotonic() > deadline:
                raise ElementClickInterceptedException(f"the click would land on {kind}, not on the element")
            time.sleep(0.1)
        if kind == "option":
            # WebDriver's element click selects an <option> rather than pointing at it (a
            # drop-down list is drawn outside the page).
            self._call("""(el) => {
              const select = el.closest('select');
              if (el.selected) return;
              el.selected = true;
              (select || el).dispatchEvent(new Event('input', { bubbles: true }));
              (select || el).dispatchEvent(new Event('change', { bubbles: true }));
            }""")
            return
        self.driver._actions([{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [
                {"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": {"sharedId": self.id}}},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerUp", "button": 0},
            ],
        }])

    def send_keys(self, *values):
        text = "".join(str(v) for v in values)
        if self._call("(el) => el.localName === 'input' && el.type === 'file'"):
            # As Selenium: one path per line; the files are set, and input and change fire.
            self.driver.conn.command("input.setFiles", {
                "context": self.driver.context, "element": {"sharedId": self.id},
                "files": [p for p in text.split("\n") if p]})
            return
        # Focus with the caret at the end, as WebDriver's element send keys does, then type.
        self._call("""(el) => {
          el.scrollIntoView({ block: 'center' });
          el.focus();
          if (typeof el.value === 'string' && el.setSelectionRange) {
            try { el.setSelectionRange(el.value.length, el.value.length); } catch (_) { /* not a text field */ }
          }
        }""")
        keys = []
        for ch in text:
            key = "\ue007" if ch == "\n" else ch
            keys += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.driver._actions([{"type": "key", "id": "keyboard", "actions": keys}])
        # Firefox scrolls a text field's caret into view at its next frame after a key. Left
        # pending, that scroll lands after the next click's scroll into view and moves the
        # target away from the pointer (it did after 12 of 16 clicks that followed typing, here);
        # two frames here let it happen now, while the caret is where the person's eyes are.
        self._call("async () => { %s }" % TWO_FRAMES)

    def clear(self):
        self._call("""(el) => {
          el.focus();
          el.value = '';
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
        }""")


class Firefox:
    """A headless Firefox with a fresh profile, controlled over WebDriver BiDi."""

    def __init__(self, binary: str, *, name: str = "firefox", prefs: dict | None = None,
                 trust_certificate: Path | None = None, width: int = 360, height: int = 900,
                 script_timeout: float = 120):
        self.name = name
        self.seal_browser = name
        self.binary = binary
        self.script_timeout = script_timeout
        self.process = None
        self.conn = None
        self.profile = Path(tempfile.mkdtemp(prefix="webtest-firefox-"))
        self.requests = []
        self.viewport = (width, height)
        try:
            self._make_profile(dict(BASE_PREFS, **(prefs or {})), trust_certificate)
            self._start()
        except BaseException:
            self.quit()
            raise

    # ---- start and stop ---------------------------------------------------------------

    def _make_profile(self, prefs: dict, certificate: Path | None):
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
        (self.profile / "user.js").write_text("\n".join(lines) + "\n")
        if certificate is not None:
            certutil = shutil.which("certutil")
            if certutil is None:
                raise WebDriverException("certutil is not installed (Debian package libnss3-tools)")
            db = f"sql:{self.profile}"
            for args in (["-N", "-d", db, "--empty-password"],
                         ["-A", "-d", db, "-n", "sealrelay test relay", "-t", "C,,", "-i", str(certificate)]):
                r = subprocess.run([certutil, *args], capture_output=True, text=True, timeout=60)
                if r.returncode != 0:
                    raise WebDriverException(f"certutil {' '.join(args)}: {r.stderr.strip()}")

    def _start(self):
        self.log = open(self.profile / "firefox.log", "w+")
        env = dict(os.environ, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1")
        self.process = subprocess.Popen(
            [self.binary, "--headless", "--no-remote", "--profile", str(self.profile), "--remote-debugging-port=0",
             "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.time() + 60
        url = None
        while url is None:
            self.log.seek(0)
            m = re.search(r"WebDriver BiDi listening on (ws://\S+)", self.log.read())
            if m:
                url = m.group(1)
            elif self.process.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise WebDriverException(f"{self.binary} did not start its WebDriver BiDi endpoint:\n{self.log.read()[-3000:]}")
            else:
                time.sleep(0.05)
        self.conn = Connection(url + "/session")
        session = self.conn.command("session.new", {"capabilities": {"alwaysMatch": {
            "acceptInsecureCerts": False, "unhandledPromptBehavior": {"default": "dismiss"}}}})
        self.capabilities = session["capabilities"]
        tree = self.conn.command("browsingContext.getTree", {"maxDepth": 0})
        self.context = tree["contexts"][0]["context"]
        self.conn.command("session.subscribe", {"events": ["network.beforeRequestSent"]})
        self.set_viewport(*self.viewport)

    def quit(self):
        if self.conn is not None:
            try:
                self.conn.command("browser.close", {}, timeout=10)
            except Exception:
                pass
            self.conn.close()
            self.conn = None
        if self.process is not None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # The process group this driver started (Firefox and its content processes).
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
            self.process = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---- Selenium's driver methods ----------------------------------------------------

    @property
    def session_id(self) -> str:  # Selenium's waits print it
        return f"{self.name} pid {self.process.pid if self.process else '-'}"

    def get(self, url: str):
        self.conn.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"},
                          timeout=120)

    @property
    def current_url(self) -> str:
        return self.execute_script("return location.href")

    def execute_script(self, script: str, *args):
        return self._call("function () { %s\n}" % script, *args, this_page=True)

    def execute_async_script(self, script: str, *args):
        wrapper = """function () {
          const args = Array.from(arguments);
          return new Promise((resolve) => { args.push(resolve); (function () { %s
          }).apply(this, args); });
        }""" % script
        return self._call(wrapper, *args, this_page=True)

    def set_script_timeout(self, seconds: float):
        self.script_timeout = seconds

    def find_element(self, by="id", value=None):
        return self._find(by, value, root=None, one=True)

    def find_elements(self, by="id", value=None):
        return self._find(by, value, root=None, one=False)

    def save_screenshot(self, path) -> bool:
        """The whole document, not only the viewport."""
        shot = self.conn.command("browsingContext.captureScreenshot", {"context": self.context, "origin": "document"})
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return True

    get_screenshot_as_file = save_screenshot

    # ---- what Chromium tests take from DevTools ----------------------------------------

    def set_viewport(self, width: int, height: int):
        self.viewport = (width, height)
        self.conn.command("browsingContext.setViewport", {
            "context": self.context, "viewport": {"width": width, "height": height}})

    def add_preload_script(self, source: str) -> str:
        """Runs `source` in every document this browser loads from now on, before the
        document's own scripts, in the document's own realm."""
        return self.conn.command("script.addPreloadScript", {"functionDeclaration": "() => {\n%s\n}" % source})["script"]

    def requests_made(self) -> list:
        """(method, url) of every request sent since the last call, in order."""
        while True:
            try:
                event = self.conn.events.get_nowait()
            except queue.Empty:
                break
            if event["method"] == "network.beforeRequestSent":
                request = event["params"]["request"]
                # A redirect or an authentication retry is the same request again.
                if event["params"].get("redirectCount", 0) == 0:
                    self.requests.append((request["method"], request["url"]))
        out, self.requests = self.requests, []
        return out

    # ---- machinery --------------------------------------------------------------------

    def _call(self, function: str, *args, sandbox: bool = False, this_page: bool = False):
        target = {"context": self.context}
        if sandbox:
            target["sandbox"] = SANDBOX
        params = {
            "functionDeclaration": function, "target": target, "awaitPromise": True,
            "arguments": [to_local(a) for a in args], "resultOwnership": "none", "serializationOptions": SERIALIZE,
        }
        result = self.conn.command("script.callFunction", params,
                                   timeout=self.script_timeout + 10 if this_page else 60)
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise JavascriptException(f"{details.get('text', 'script error')}\n{self._stack(details)}")
        return from_remote(result["result"], self)

    @staticmethod
    def _stack(details) -> str:
        frames = details.get("stackTrace", {}).get("callFrames", [])
        return "\n".join(f"  at {f.get('functionName') or '?'} ({f.get('url')}:{f.get('lineNumber')})" for f in frames[:8])

    def _find(self, by, value, root, one):
        css = _css(by, value)
        found = self._call("(root, css) => Array.from((root || document).querySelectorAll(css))",
                           root, css, sandbox=True)
        if one:
            if not found:
                raise NoSuchElementException(f"no element matches {css}")
            return found[0]
        return found

    def _actions(self, actions):
        self.conn.command("input.performActions", {"context": self.context, "actions": actions})
        self.conn.command("input.releaseActions", {"context": self.context})
