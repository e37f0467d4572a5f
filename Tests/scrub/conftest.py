"""Shared helpers for the metadata-scrubbing tests (images, audio, video).

Every fixture carries metadata written by real tools (ExifTool, heif-enc, ...), never
bytes written by hand, and the oracle is ExifTool and mat2 from Debian (SECURITY.md).

Needs SEAL_BIN pointing at the built `seal` binary. Missing tools are a test failure,
not a skip: a scrubbing suite that silently skips proves nothing.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SEAL = os.environ.get("SEAL_BIN", "")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the scrub tests need it (see .ci/run)")
    return path


def run(*args, cwd=None, check=True, timeout=120) -> subprocess.CompletedProcess:
    """Runs a command with text output; fails the test with its stderr when `check` is set."""
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def run_seal(*args, cwd=None, check=False, timeout=120) -> subprocess.CompletedProcess:
    """Runs `seal` with its own state directory (bundle counters) under `cwd`."""
    if not SEAL or not os.access(SEAL, os.X_OK):
        pytest.fail("SEAL_BIN is not set to the built seal binary")
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    env = dict(os.environ, SEAL_STATE_DIR=str(cwd / ".seal-state"))
    r = subprocess.run([SEAL, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError(f"seal {' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def exiftool_json(path) -> dict:
    """Every tag ExifTool finds, duplicates included, keyed "Group1:Tag"."""
    require_tool("exiftool")
    r = run("exiftool", "-a", "-G1", "-j", "-api", "LargeFileSupport=1", path, check=False)
    assert r.stdout.strip(), f"exiftool printed nothing for {path}: {r.stderr}"
    return json.loads(r.stdout)[0]


def exiftool_value(path, tag: str, numeric: bool = True):
    """One tag's value (numeric form by default, e.g. Orientation 6), or None."""
    require_tool("exiftool")
    args = ["exiftool", "-j", f"-{tag}"]
    if numeric:
        args.insert(1, "-n")
    r = run(*args, path)
    return json.loads(r.stdout)[0].get(tag)


def mat2_show(path) -> str:
    """mat2's view of the metadata it would remove; empty output or "No metadata" when clean."""
    require_tool("mat2")
    r = run("mat2", "--show", path, check=False)
    return r.stdout + r.stderr


def mat2_metadata(path) -> dict:
    """mat2 --show parsed into {key: value}."""
    out = {}
    for line in mat2_show(path).splitlines():
        if line.startswith("    ") and ":" in line:
            key, _, value = line.strip().partition(":")
            out[key.strip()] = value.strip()
    return out


def damaged_copies(data: bytes, seed: str, count: int = 40, max_flips: int = 6):
    """Reproducible damage: every other copy is cut at a random length, the rest have a few
    random bits flipped. Yields (index, bytes)."""
    import random
    rnd = random.Random(seed)
    for i in range(count):
        mutated = bytearray(data)
        if i % 2:
            mutated = mutated[:rnd.randrange(len(mutated))]
        else:
            for _ in range(rnd.randrange(1, max_flips)):
                mutated[rnd.randrange(len(mutated))] ^= 1 << rnd.randrange(8)
        yield i, bytes(mutated)


def warnings_of(result: subprocess.CompletedProcess) -> list:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture
def work(tmp_path) -> Path:
    """A private working folder for one test."""
    d = tmp_path / "work"
    d.mkdir(mode=0o700)
    return d


@pytest.fixture
def world(tmp_path):
    """An organisation, one reviewer ("rev") and a signed bundle, all without passphrases.

    Returns a dict: dir, fingerprint, key (reviewer secret key path), bundle."""
    d = tmp_path / "world"
    d.mkdir()
    run_seal("org", "keygen", "--out", "org", "--no-passphrase", cwd=d, check=True)
    run_seal("keygen", "--name", "rev", "--out", "keys", "--no-passphrase", cwd=d, check=True)
    run_seal("org", "bundle", "--org-key", "org/org.seckey", "--reviewer", "keys/rev.pub",
             "--relay-url", "https://relay.test", "--out", "bundle.json", cwd=d, check=True)
    fp = run_seal("fingerprint", "org/org.pub", cwd=d, check=True).stdout
    hexfp = next(line.split()[1] for line in fp.splitlines() if line.startswith("hex:"))
    return {"dir": d, "fingerprint": hexfp, "key": d / "keys" / "rev.seckey", "bundle": d / "bundle.json"}


def seal_encrypt(world, *args, out="r.seal"):
    return run_seal("encrypt", "--bundle", world["bundle"], "--org-fingerprint", world["fingerprint"],
                    *args, "--out", out, cwd=world["dir"])


def seal_open(world, envelope="r.seal", out="opened"):
    """Opens an envelope; returns (result, report folder)."""
    r = run_seal("open", "--key", world["key"], "--out", out, envelope, cwd=world["dir"], check=True)
    folders = sorted((world["dir"] / out).glob("thread-*/report-*"))
    assert len(folders) == 1, f"expected one report folder, got {folders}\n{r.stderr}"
    return r, folders[0]
