"""The Swift `seal` CLI and the independent Python implementation (sealpy, built only on
pyca/cryptography) must read each other's envelopes, keys and test vectors.

Needs SEAL_BIN (set by `make test`) pointing at the built `seal` binary."""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

import sealpy

SEAL = os.environ.get("SEAL_BIN", "")
VECTORS = Path(__file__).resolve().parent.parent / "SealCoreTests" / "Vectors" / "envelope-v1.json"

pytestmark = pytest.mark.skipif(not SEAL or not os.access(SEAL, os.X_OK), reason="SEAL_BIN not built")


def seal(*args, cwd, check=True):
    env = dict(os.environ, SEAL_STATE_DIR=str(cwd / "state"))
    r = subprocess.run([SEAL, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"seal {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
    return r


@pytest.fixture
def org(tmp_path):
    """An organisation, a reviewer made by Swift and one made by Python, and a bundle of both."""
    seal("org", "keygen", "--out", "org", "--no-passphrase", cwd=tmp_path)
    seal("keygen", "--name", "swifty", "--out", "rev", "--no-passphrase", cwd=tmp_path)
    sealpy.keygen("pythia", str(tmp_path / "rev"))
    seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/swifty.pub", "--reviewer", "rev/pythia.pub",
         "--relay-url", "https://relay.test", "--out", "bundle.json", cwd=tmp_path)
    fp = seal("fingerprint", "org/org.pub", cwd=tmp_path).stdout
    hexfp = next(line.split()[1] for line in fp.splitlines() if line.startswith("hex:"))
    return tmp_path, hexfp


def test_swift_envelope_opens_in_python(org):
    d, fp = org
    (d / "note.txt").write_text("평양에서 온 편지\n")
    seal("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fp, "--message", "no pay since March",
         "--attach", "note.txt", "--out", "r.seal", cwd=d)
    for who in ("swifty", "pythia"):
        res = sealpy.open_envelope(str(d / "rev" / f"{who}.seckey"), str(d / "r.seal"), str(d / f"py-{who}"))
        assert res.suite == sealpy.SUITE_XWING
        assert res.message == "no pay since March"
        assert Path(res.files["note.txt"]).read_text() == "평양에서 온 편지\n"
        assert res.manifest["client"] == "seal-cli/1" and "reply" in res.manifest


@pytest.mark.parametrize("suite", ["x25519", "xwing"])
def test_python_envelope_opens_in_swift(org, suite):
    d, _ = org
    payload = os.urandom(70_000)
    (d / "blob.bin").write_bytes(payload)
    bundle_id = sealpy.bundle_id_of(str(d / "bundle.json"))
    sealpy.encrypt([str(d / "rev" / "swifty.pub"), str(d / "rev" / "pythia.pub")], suite, bundle_id,
                   "from python", [str(d / "blob.bin")], out=str(d / "p.seal"))
    r = seal("open", "--key", "rev/swifty.seckey", "--out", "opened", "p.seal", cwd=d)
    folders = list((d / "opened").glob("thread-*/report-*"))
    assert len(folders) == 1, r.stdout
    assert (folders[0] / "message.txt").read_text() == "from python"
    assert (folders[0] / "attachments" / "blob.bin").read_bytes() == payload
    # sealpy cannot scrub, so it declares the file unscrubbed and seal warns about it.
    assert "WITHOUT metadata removal" in r.stderr


def test_python_key_is_accepted_by_swift_tools(org):
    d, _ = org
    out = seal("fingerprint", "rev/pythia.pub", cwd=d).stdout
    kid = json.loads((d / "rev" / "pythia.pub").read_text())["kid"]
    assert f"kid:         {kid}" in out


def test_swift_tampered_envelope_is_refused_by_python(org):
    d, fp = org
    seal("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fp, "--message", "x", "--out", "r.seal", cwd=d)
    data = bytearray((d / "r.seal").read_bytes())
    data[-1] ^= 1
    with pytest.raises(sealpy.SealError):
        sealpy.open_bytes(sealpy.load_secret(str(d / "rev" / "pythia.seckey")), bytes(data))


def vector_identity(v):
    return sealpy.parse_secret({"type": "sealrelay-reviewer-secret", "v": 1, "name": "vector", "kid": v["kid"],
                                "x25519": sealpy.b64url_encode(bytes.fromhex(v["reviewer_x25519_secret"])),
                                "xwing": sealpy.b64url_encode(bytes.fromhex(v["reviewer_xwing_seed"]))})


def test_python_opens_the_swift_test_vectors():
    doc = json.loads(VECTORS.read_text())
    assert len(doc["vectors"]) == 2
    for v in doc["vectors"]:
        _, plain = sealpy.open_plaintext(vector_identity(v), sealpy.b64url_decode(v["envelope"]))
        assert len(plain) == v["plaintext_length"]
        assert plain == bytes(i % 251 for i in range(v["plaintext_length"]))
        assert hashlib.sha256(plain).hexdigest() == v["plaintext_sha256"]


def test_python_refuses_every_negative_vector():
    doc = json.loads(VECTORS.read_text())
    base = {v["name"]: v for v in doc["vectors"]}
    assert len(doc["negative"]) >= 7
    for n in doc["negative"]:
        with pytest.raises(sealpy.SealError):
            sealpy.open_plaintext(vector_identity(base[n["from"]]), sealpy.b64url_decode(n["envelope"]))


def test_python_reproduces_the_vector_bytes_from_the_same_inputs():
    """Given the same file key, salt and stanzas, both implementations write identical bytes."""
    doc = json.loads(VECTORS.read_text())
    for v in doc["vectors"]:
        plain = bytes(i % 251 for i in range(v["plaintext_length"]))
        env = sealpy.seal_plaintext(plain, [vector_identity(v).recipient()], v["suite"], v["bundle"],
                                    file_key=bytes.fromhex(v["file_key"]), salt=bytes.fromhex(v["salt"]),
                                    header_hook=lambda h, s=v["stanzas"]: h.__setitem__("stanzas", s))
        assert sealpy.b64url_encode(env) == v["envelope"], v["name"]


def _python_report(d, files, message="m"):
    """A report sealed by sealpy to both reviewers, its manifest listing FILES as is."""
    m = sealpy.make_manifest(message, [], unscrubbed=[])
    m["files"] = [{"name": n, "type": "text/plain", "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                  for n, b in files]
    pt = sealpy.build_container(m, [b for _, b in files])
    env = sealpy.seal_plaintext(pt, [sealpy.load_public(str(d / "rev" / f"{who}.pub")) for who in ("swifty", "pythia")],
                                "x25519",
                                sealpy.bundle_id_of(str(d / "bundle.json")))
    (d / "p.seal").write_bytes(env)


def test_both_refuse_a_report_of_more_than_10000_files(org):
    d, _ = org
    _python_report(d, [("", b"")] * (sealpy.MAX_FILES + 1))
    r = seal("open", "--key", "rev/swifty.seckey", "--out", "opened", "p.seal", cwd=d, check=False)
    assert r.returncode == 1, r.stderr
    assert "at most 10000 files" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not list((d / "opened").glob("thread-*"))
    with pytest.raises(sealpy.SealError, match="at most 10000 files"):
        sealpy.open_bytes(sealpy.load_secret(str(d / "rev" / "pythia.seckey")), (d / "p.seal").read_bytes())


def test_hostile_names_and_message_from_python_open_safely_in_swift(org):
    d, _ = org
    names = ["../../x\u202etxt.exe", "cafe\u0301.txt", "caf\u00e9.txt", "-rf", "nul.txt", "\x1b[2J.txt"]
    message = "line\x1b]0;owned\x07\r\nnext\u0085\u009b31m"
    _python_report(d, [(n, n.encode()) for n in names], message)
    seal("open", "--key", "rev/swifty.seckey", "--out", "opened", "p.seal", cwd=d)
    folder = next((d / "opened").glob("thread-*/report-*"))
    saved = sorted(n for n in os.listdir(folder / "attachments") if not n.endswith(".WARNING.txt"))
    assert saved == sorted(["xtxt.exe", "caf\u00e9.txt", "caf\u00e9 (2).txt", "rf", "_nul.txt", "[2J.txt"])
    assert (folder / "message.txt").read_bytes().decode() == "line\ufffd]0;owned\ufffd\nnext\n\ufffd31m"
    raw = (folder / "manifest.json").read_bytes().decode()
    assert not any(c in raw for c in "\x1b\x07\r\u0085\u009b\u202e")
    assert json.loads(raw)["message"] == message
