"""The page's main promise, end to end: what a source submits in the browser is what the
reviewer's `seal open` recovers, with photo metadata gone; replies come back to the
codename; follow-ups join the same thread. Real chromium, real sealrelayd, real seal."""
import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from PIL import Image
from selenium.webdriver.common.by import By

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import require_tool, run, screenshot, wait_text, wait_visible
from helpers import open_mailbox, submit, wait_sent

MESSAGE = "Wages withheld since March at the Dandong plant.\n임금을 못 받았습니다. 工资被扣。"
REPLY = "Thank you. Which building do you work in?\n어느 건물에서 일합니까?"


def gps_jpeg(path: Path) -> Path:
    """A photo carrying camera and GPS EXIF and a comment, written by Pillow; ExifTool
    confirms what it holds."""
    im = Image.new("RGB", (96, 64))
    im.putdata([(x * 2 % 256, y * 4 % 256, (x + y) % 256) for y in range(64) for x in range(96)])
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Corp"
    exif[0x0110] = "Model X9"
    exif[0x0131] = "Firmware 1.2"
    exif[0x8825] = {1: "N", 2: (40.0, 7.0, 30.0), 3: "E", 4: (124.0, 23.0, 10.0)}
    im.save(path, quality=95, exif=exif.tobytes(), comment=b"taken near dormitory 3")
    tags = exiftool(path)
    assert "GPS:GPSLatitude" in tags and "IFD0:Make" in tags, tags
    return path


def find_report(opened: Path, message: str) -> Path:
    """The one report folder `seal open` wrote whose message is `message` (other tests may
    have queued reports of their own on the shared relay)."""
    found = [r for r in opened.glob("thread-*/report-*") if (r / "message.txt").read_text() == message]
    assert len(found) == 1, list(opened.rglob("*"))
    return found[0]


def exiftool(path) -> dict:
    require_tool("exiftool")
    return json.loads(run("exiftool", "-a", "-G1", "-j", path).stdout)[0]


@pytest.fixture(scope="module")
def submitted(world, browser_name, tmp_path_factory):
    """One report with a GPS-tagged photo, submitted through the page in English, then
    fetched and opened by alice. Yields (codename, opened report folder, original photo)."""
    from webtest import make_driver
    d = tmp_path_factory.mktemp("photos")
    photo = gps_jpeg(d / "IMG_2041.jpg")
    driver = make_driver(world, "en", browser=browser_name)
    try:
        codename, _ = submit(driver, world, MESSAGE, [photo], lang="en")
    finally:
        driver.quit()
    opened = world.fetch_and_open("first")
    return codename, find_report(opened, MESSAGE), photo


def test_seal_open_recovers_the_message_typed_in_the_page(submitted):
    _, report, _ = submitted
    assert (report / "message.txt").read_text() == MESSAGE


def test_photo_arrives_without_exif_gps_or_comment(submitted):
    _, report, _ = submitted
    photo = report / "attachments" / "IMG_2041.jpg"
    tags = exiftool(photo)
    leaked = [k for k in tags if k.split(":")[0] in ("IFD0", "ExifIFD", "GPS", "IFD1", "XMP-x", "IPTC", "ICC_Profile")
              or k.endswith(":Comment")]
    assert leaked == [], leaked
    assert "EXIF" not in run("exiftool", "-a", "-G0", photo).stdout


def test_photo_pixels_are_untouched_by_cleaning(submitted):
    _, report, original = submitted
    a, b = Image.open(original), Image.open(report / "attachments" / "IMG_2041.jpg")
    assert a.size == b.size and a.tobytes() == b.tobytes()


def test_manifest_says_web_client_and_lists_what_was_removed(submitted):
    codename, report, _ = submitted
    manifest = json.loads((report / "manifest.json").read_text())
    assert manifest["client"] == "web/1"
    assert manifest["kind"] == "report" and "unscrubbed" not in manifest
    removed = manifest["scrubbed"][0]["removed"]
    assert "GPS position" in removed and "camera make and model" in removed and "comment" in removed


def codename_secrets(words: str) -> dict:
    """docs/FORMAT.md §5 derivation from English words, written here independently of the page:
    BIP39 indices -> 16 entropy bytes -> HKDF-SHA256."""
    from webtest import REPO
    wordlist = (REPO / "Sources/SealCore/Codename/Wordlists/english.txt").read_text().split()
    bits = "".join(format(wordlist.index(w), "011b") for w in words.split())
    entropy = int(bits[:128], 2).to_bytes(16, "big")

    def derive(label, n=32):
        return HKDF(algorithm=hashes.SHA256(), length=n, salt=b"seal1 codename", info=label.encode()).derive(entropy)

    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    reply = X25519PrivateKey.from_private_bytes(derive("reply key")).public_key().public_bytes_raw()
    return {"key": b64(reply), "mailbox": b64(hashlib.sha256(derive("mailbox")).digest()[:16]), "thread": b64(derive("thread", 16))}


def test_manifest_reply_key_mailbox_and_thread_derive_from_the_codename_shown(submitted):
    codename, report, _ = submitted
    manifest = json.loads((report / "manifest.json").read_text())
    expected = codename_secrets(codename)
    assert manifest["reply"] == {"key": expected["key"], "mailbox": expected["mailbox"]}
    assert manifest["thread"] == expected["thread"]


@pytest.fixture(scope="module")
def replied(world, browser_name, submitted):
    codename, report, _ = submitted
    (world.root / "reply.txt").write_text(REPLY)
    outgoing = f"outgoing-{browser_name}"
    world.seal("reply", "--key", "rev/alice.seckey", "--report", report, "--message-file", "reply.txt", "--out", outgoing)
    world.seal("push-replies", "--relay", world.base, "--credential", "rev/alice.fetch.seckey", "--ca", world.cert, outgoing)
    return codename


def test_reply_is_read_in_the_page_with_the_codename(browser, world, replied):
    driver = browser("en")
    open_mailbox(driver, world, replied, lang="en")
    texts = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#reply-list .reply-text")]
    screenshot(driver, "en", "7-mailbox")
    assert texts == [REPLY]


def checksum_holds(words: list) -> bool:
    """BIP39's 4-bit checksum of 12 English words, computed here independently of the page."""
    from webtest import REPO
    wordlist = (REPO / "Sources/SealCore/Codename/Wordlists/english.txt").read_text().split()
    bits = "".join(format(wordlist.index(w), "011b") for w in words)
    return format(hashlib.sha256(int(bits[:128], 2).to_bytes(16, "big")).digest()[0] >> 4, "04b") == bits[128:]


def test_mistyped_codename_is_refused_before_any_request(browser, world, replied):
    driver = browser("en")
    # Two words swapped. One swap in 16 happens to make another valid codename: take the
    # first one that does not, so the test never depends on luck.
    words = replied.split()
    for i in range(11):
        swapped = words[:i] + [words[i + 1], words[i]] + words[i + 2:]
        if swapped != words and not checksum_holds(swapped):
            words = swapped
            break
    assert not checksum_holds(words)
    before = world.metrics()
    open_page_and_enter(driver, world, " ".join(words))
    wait_text(driver, "alert", r"do not belong together")
    assert driver.find_element(By.ID, "step-enter").is_displayed()
    assert world.metrics() == before


def open_page_and_enter(driver, world, text):
    from helpers import open_page
    open_page(driver, world)
    driver.find_element(By.ID, "btn-have").click()
    wait_visible(driver, "step-enter")
    driver.find_element(By.ID, "codename-input").send_keys(text)
    driver.find_element(By.ID, "btn-open-mailbox").click()


def test_followup_lands_in_the_same_thread(browser, world, replied, submitted):
    _, first_report, _ = submitted
    driver = browser("en")
    open_mailbox(driver, world, replied)
    driver.find_element(By.ID, "btn-followup").click()
    wait_visible(driver, "step-compose")
    driver.find_element(By.ID, "message").send_keys("It is building 4, the freezer hall.")
    driver.find_element(By.ID, "btn-continue").click()
    wait_sent(driver)
    opened = world.fetch_and_open("followup")
    followup = find_report(opened, "It is building 4, the freezer hall.")
    assert followup.parent.name == first_report.parent.name


def test_page_leaves_no_cookie_or_storage_behind(browser, world):
    driver = browser("en")
    codename, _ = submit(driver, world, "nothing stays on the phone")
    open_mailbox(driver, world, codename)
    left = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      (async () => ({
        // First: the probes below may create empty stores of their own (Firefox's caches).
        estimate: (await navigator.storage.estimate()).usage,
        cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
        idb: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
      }))().then(done);
    """)
    assert left == {"cookie": "", "local": 0, "session": 0, "idb": 0, "caches": 0, "estimate": 0}


def test_start_page_shows_the_fingerprint_exactly_as_seal_prints_it(browser, world):
    out = world.seal("fingerprint", "org/org.pub").stdout
    digits = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("fingerprint:"))
    driver = browser("ko")
    from helpers import open_page
    open_page(driver, world)
    assert driver.find_element(By.ID, "fp-digits").text == digits
    assert driver.find_element(By.ID, "fp-hex").text.replace(" ", "") == world.fingerprint
