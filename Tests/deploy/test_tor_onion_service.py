"""The Tor onion-service snippet in Deploy/ is accepted by Debian's tor as it ships: the proof
of work defence and its queue, the introduction-point limits, the port mapping to the relay's
loopback listener. There is no network here, so tor checks the configuration
(`--verify-config`) without starting a service."""
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SNIPPET = REPO / "Deploy" / "tor-onion-service.torrc"


def tor() -> str:
    path = shutil.which("tor")
    if path is None:
        pytest.fail("tor is not installed (scripts/install-deps.sh test installs it)")
    return path


def verify(torrc: Path, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tor(), "--verify-config", "-f", str(torrc), "--DataDirectory", str(data)],
                          capture_output=True, text=True, timeout=60)


def snippet_in(tmp_path: Path, text: str) -> Path:
    """The snippet as an operator would use it, with its service directory moved to a
    private folder of the test (tor insists on owning it, mode 0700)."""
    service = tmp_path / "sealrelay"
    service.mkdir(mode=0o700)
    torrc = tmp_path / "torrc"
    torrc.write_text(text.replace("/var/lib/tor/sealrelay/", f"{service}/"))
    return torrc


def test_tor_accepts_the_onion_service_snippet_with_proof_of_work(tmp_path):
    text = SNIPPET.read_text()
    assert "HiddenServicePoWDefensesEnabled 1" in text
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    result = verify(snippet_in(tmp_path, text), data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout


def test_tor_refuses_a_snippet_with_a_bad_value(tmp_path):
    """The check can fail: a mistake in the snippet is caught, not ignored."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    broken = SNIPPET.read_text().replace("HiddenServicePoWDefensesEnabled 1", "HiddenServicePoWDefensesEnabled maybe")
    result = verify(snippet_in(tmp_path, broken), data)
    assert result.returncode != 0
