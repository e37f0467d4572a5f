"""Writes Tests/SealCoreTests/Vectors/epochs-v1.json (docs/FORMAT.md §7.4) with the `seal`
CLI: an organisation, reviewer alice with three unprotected epochs from this month, a v2
bundle, and an envelope `seal encrypt` sealed to this month's epoch. Run once; the output is
committed and checked by EpochVectorTests (Swift) and test_interop_epochs.py (Python).

    SEAL_BIN=.build/debug/seal python Tests/interop/make_epoch_vectors.py"""
import datetime
import json
import os
import subprocess
import tempfile
from pathlib import Path

from sealpy import b64url_encode

SEAL = os.environ["SEAL_BIN"]
OUT = Path(__file__).resolve().parent.parent / "SealCoreTests" / "Vectors" / "epochs-v1.json"
MESSAGE = "Vector: sealed to an epoch key."


def run(*args, cwd):
    env = dict(os.environ, SEAL_STATE_DIR=str(Path(cwd) / "state"))
    return subprocess.run([SEAL, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def main():
    month = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")
    with tempfile.TemporaryDirectory() as d:
        run("org", "keygen", "--out", "org", "--no-passphrase", cwd=d)
        run("keygen", "--name", "alice", "--out", "rev", "--no-passphrase", cwd=d)
        run("epoch", "new", "--key", "rev/alice.seckey", "--months", "3", "--start", month, "--out", "rev",
            "--no-passphrase", cwd=d)
        run("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "rev/alice.pub", "--epochs",
            "rev/alice.epochs.pub", "--relay-url", "https://relay.example", "--valid-days", "30", "--counter", "1",
            "--out", "bundle.json", cwd=d)
        fp = next(l.split()[1] for l in run("fingerprint", "org/org.pub", cwd=d).splitlines() if l.startswith("hex:"))
        run("encrypt", "--bundle", "bundle.json", "--org-fingerprint", fp, "--message", MESSAGE, "--out", "r.seal", cwd=d)
        bundle = (Path(d) / "bundle.json").read_bytes()
        body = json.loads(bundle)["body"]
        import hashlib
        from sealpy import b64url_decode
        pub = json.loads((Path(d) / "rev" / "alice.epochs.pub").read_text())
        vectors = {
            "bundle_v2": {"file": b64url_encode(bundle), "id": hashlib.sha256(b64url_decode(body)).hexdigest(),
                          "org_fingerprint": fp,
                          "valid_on": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")},
            "reviewer": "alice",
            "epoch_months": [e["epoch"] for e in pub["epochs"]],
            "epochs_seckey": b64url_encode((Path(d) / "rev" / "alice.epochs.seckey").read_bytes()),
            "envelope": {"bytes": b64url_encode((Path(d) / "r.seal").read_bytes()), "epoch": month, "message": MESSAGE},
        }
    OUT.write_text(json.dumps(vectors, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
