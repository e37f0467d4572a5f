"""The page seals to epoch keys (docs/FORMAT.md §7.3): given a v2 bundle, it seals each
report to the reviewer's key for the current UTC month, with X25519 like every stanza it
writes, and `seal open --epochs` opens it and names the epoch."""
import base64
import datetime
import json

import pytest

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import load_module, make_driver


@pytest.fixture(scope="module")
def page(world, browser_name):
    driver = make_driver(world, browser=browser_name)
    yield driver
    driver.quit()


SEAL_TO_TEXT_BUNDLE = """
  const [text, fp, message] = args;
  const bundle = await B.verifyBundle(new TextEncoder().encode(text), fp);
  const code = await K.Codename.generate();
  const s = await code.secrets();
  const { blob } = await R.sealReport({ message, files: [], reply: { key: C.b64url(s.replyKey.publicKey), mailbox: s.mailboxId },
    thread: s.thread, recipients: bundle.reviewers, bundleId: bundle.id });
  return { epochs: bundle.reviewers.map((r) => r.epoch), envelope: C.b64url(new Uint8Array(await blob.arrayBuffer())) };
"""


def test_page_seals_to_this_months_epoch_and_seal_open_names_it(page, world, tmp_path):
    month = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")
    world.seal("epoch", "new", "--key", "rev/alice.seckey", "--months", "1", "--start", month,
               "--out", tmp_path, "--no-passphrase")
    world.seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub",
               "--epochs", tmp_path / "alice.epochs.pub", "--relay-url", "https://127.0.0.1", "--out", tmp_path / "v2.json")
    out = load_module(page, world, SEAL_TO_TEXT_BUNDLE, (tmp_path / "v2.json").read_text(), world.fingerprint,
                      "sealed to an epoch in the browser")
    assert out["epochs"] == [month]
    raw = base64.urlsafe_b64decode(out["envelope"] + "=" * (-len(out["envelope"]) % 4))
    header = json.loads(raw[10:10 + int.from_bytes(raw[6:10], "big")])
    epoch_kid = json.loads((tmp_path / "alice.epochs.pub").read_text())["epochs"][0]["kid"]
    assert [s["kid"] for s in header["stanzas"]] == [epoch_kid]
    assert {s["suite"] for s in header["stanzas"]} == {"x25519-hkdf-sha256-aes256gcm"}
    (tmp_path / "js.seal").write_bytes(raw)
    opened = world.seal("open", "--key", "rev/alice.seckey", "--epochs", tmp_path / "alice.epochs.seckey",
                        "--out", tmp_path / "opened", tmp_path / "js.seal")
    assert f"with epoch {month}" in opened.stdout
    [message] = list((tmp_path / "opened").glob("thread-*/report-*/message.txt"))
    assert message.read_text() == "sealed to an epoch in the browser"


def test_page_falls_back_to_the_newest_earlier_epoch_and_marks_it_stale(page, world, tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)
    index = now.year * 12 + now.month - 1
    months = [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in (3, 2)]
    world.seal("epoch", "new", "--key", "rev/alice.seckey", "--months", "2", "--start", months[0],
               "--out", tmp_path, "--no-passphrase")
    world.seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub",
               "--epochs", tmp_path / "alice.epochs.pub", "--relay-url", "https://127.0.0.1", "--out", tmp_path / "v2.json")
    out = load_module(page, world, """
      const [text, fp] = args;
      const b = await B.verifyBundle(new TextEncoder().encode(text), fp);
      return b.reviewers.map((r) => ({ epoch: r.epoch, stale: r.stale, kid: C.b64url(r.kid) }));
    """, (tmp_path / "v2.json").read_text(), world.fingerprint)
    newest = json.loads((tmp_path / "alice.epochs.pub").read_text())["epochs"][1]
    assert out == [{"epoch": months[1], "stale": True, "kid": newest["kid"]}]
