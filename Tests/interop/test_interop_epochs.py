"""Epoch keys and bundle v2 between the Swift `seal` CLI and sealepochs (pyca/cryptography),
both ways, plus the committed vectors (docs/FORMAT.md, "Epoch keys", "Bundle v2", §6).

Needs SEAL_BIN pointing at the built `seal` binary."""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

import sealepochs
import sealpy
from sealpy import b64url_decode, b64url_encode

SEAL = os.environ.get("SEAL_BIN", "")
VECTORS = Path(__file__).resolve().parent.parent / "SealCoreTests" / "Vectors" / "epochs-v1.json"

pytestmark = pytest.mark.skipif(not SEAL or not os.access(SEAL, os.X_OK), reason="SEAL_BIN not built")


def seal(*args, cwd, check=True):
    env = dict(os.environ, SEAL_STATE_DIR=str(cwd / "state"))
    r = subprocess.run([SEAL, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"seal {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
    return r


def fingerprint(cwd) -> str:
    out = seal("fingerprint", "org/org.pub", cwd=cwd).stdout
    return next(line.split()[1] for line in out.splitlines() if line.startswith("hex:"))


@pytest.fixture
def world(tmp_path):
    """An organisation and reviewer alice made by Swift, with epochs from last month on."""
    seal("org", "keygen", "--out", "org", "--no-passphrase", cwd=tmp_path)
    seal("keygen", "--name", "alice", "--out", "rev", "--no-passphrase", cwd=tmp_path)
    seal("epoch", "new", "--key", "rev/alice.seckey", "--months", "3", "--start", sealepochs.month_from_now(-1),
         "--out", "rev", "--no-passphrase", cwd=tmp_path)
    return tmp_path, fingerprint(tmp_path)


def test_swift_v2_bundle_verifies_in_python_and_python_seals_to_this_months_epoch(world):
    d, fp = world
    seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub", "--epochs", "rev/alice.epochs.pub",
         "--relay-url", "https://relay.test", "--out", "bundle.json", cwd=d)
    body = sealepochs.verify_bundle((d / "bundle.json").read_bytes(), fp)
    months = [m for m, _ in body["epochs_parsed"]["alice"]]
    assert months == [sealepochs.month_from_now(i) for i in (-1, 0, 1)]
    recipients = sealepochs.choose_recipients(body, sealepochs.current_month())
    sealpy.encrypt(recipients, sealpy.SUITE_XWING, body["id"], "sealed in Python", out=str(d / "py.seal"))
    opened = seal("open", "--key", "rev/alice.seckey", "--epochs", "rev/alice.epochs.seckey", "--out", "out", "py.seal", cwd=d)
    assert f"with epoch {sealepochs.current_month()}" in opened.stdout
    [message] = list((d / "out").glob("thread-*/report-*/message.txt"))
    assert message.read_text() == "sealed in Python"


def test_python_v2_bundle_is_accepted_by_swift_and_its_envelope_opens_in_python(world):
    d, fp = world
    org_seed = b64url_decode(json.loads((d / "org" / "org.seckey").read_text())["ed25519"], 32)
    pub, sec = sealepochs.make_epochs("alice", [sealepochs.current_month()])
    reviewer = json.loads((d / "rev" / "alice.pub").read_text())
    (d / "bundle.json").write_bytes(sealepochs.sign_bundle_v2(org_seed, [reviewer], {"alice": pub["epochs"]},
                                                              ["https://relay.test"], counter=7))
    seal("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fp, "--message", "sealed in Swift", "--out", "r.seal", cwd=d)
    secrets = sealepochs.load_epoch_secrets(json.dumps(sec).encode())
    [(month, identity)] = secrets.values()
    assert sealpy.inspect_envelope(str(d / "r.seal"))["kids"] == [b64url_encode(identity.kid)]
    result = sealpy.open_envelope(identity, str(d / "r.seal"), str(d / "py-out"))
    assert result.message == "sealed in Swift"


def test_swift_envelope_to_an_epoch_opens_in_python_with_the_epochs_file(world):
    d, fp = world
    seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub", "--epochs", "rev/alice.epochs.pub",
         "--relay-url", "https://relay.test", "--out", "bundle.json", cwd=d)
    seal("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fp, "--message", "to the epoch", "--out", "r.seal", cwd=d)
    secrets = sealepochs.load_epoch_secrets((d / "rev" / "alice.epochs.seckey").read_bytes())
    env = sealpy.parse_envelope((d / "r.seal").read_bytes())
    [stanza] = env.stanzas
    month, identity = secrets[stanza.kid]
    assert month == sealepochs.current_month()
    assert sealpy.open_envelope(identity, str(d / "r.seal"), str(d / "py-out")).message == "to the epoch"


def test_committed_vectors_verify_and_open_in_python():
    v = json.loads(VECTORS.read_text())
    bundle = v["bundle_v2"]
    body = sealepochs.verify_bundle(b64url_decode(bundle["file"]), bundle["org_fingerprint"])
    assert body["id"] == bundle["id"]
    assert [m for m, _ in body["epochs_parsed"][v["reviewer"]]] == v["epoch_months"]
    secrets = sealepochs.load_epoch_secrets(b64url_decode(v["epochs_seckey"]))
    envelope = b64url_decode(v["envelope"]["bytes"])
    parsed = sealpy.parse_envelope(envelope)
    assert parsed.bundle == bundle["id"]
    [stanza] = parsed.stanzas
    month, identity = secrets[stanza.kid]
    assert month == v["envelope"]["epoch"]
    _, container = sealpy.open_bytes(identity, envelope)
    assert container.manifest["message"] == v["envelope"]["message"]


def test_epochs_fingerprint_is_the_sha256_the_format_defines(world):
    d, _ = world
    pub = json.loads((d / "rev" / "alice.epochs.pub").read_text())
    material = b"".join(e["epoch"].encode() + b64url_decode(e["x25519"], 32) + b64url_decode(e["xwing"], 1216)
                        for e in sorted(pub["epochs"], key=lambda e: e["epoch"]))
    shown = seal("fingerprint", "rev/alice.epochs.pub", cwd=d).stdout
    assert f"hex:         {hashlib.sha256(material).hexdigest()}" in shown
