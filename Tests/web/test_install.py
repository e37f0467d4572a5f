"""Deployment: the page's files are SwiftPM resource folders beside the executable
(Deploy/install.sh copies them). A relay installed without them must keep serving the API."""
from webtest import world  # noqa: F401  (fixtures)
def test_relay_copied_without_its_page_files_still_takes_reports(world, tmp_path):
    """A relay binary installed without its resource folders serves the API, answers 404 at
    / and says why at start-up, instead of stopping (Bundle.module would abort)."""
    import shutil
    import subprocess
    import time
    import urllib.error
    import urllib.request
    import ssl
    from webtest import SEALRELAYD, free_port
    lone = tmp_path / "sealrelayd"
    shutil.copy2(SEALRELAYD, lone)
    # A copy of the running relay's state directory (a state directory serves one relay at a
    # time: sealrelayd holds its lock), with its own spool and admin port.
    state = tmp_path / "relay"
    shutil.copytree(world.root / "relay", state, ignore=shutil.ignore_patterns("spool", "sealrelayd.lock"))
    conf = state / "lone.conf"
    conf.write_text(world.config_text
                    .replace(f"admin_listen = 127.0.0.1:{world.admin_port}", f"admin_listen = 127.0.0.1:{free_port()}"))
    log = tmp_path / "log"
    with open(log, "w") as out:
        p = subprocess.Popen([str(lone), "run", "--config", str(conf)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while "relay listening port=" not in log.read_text():
            assert p.poll() is None and time.time() < deadline, log.read_text()
            time.sleep(0.05)
        port = int(log.read_text().split("relay listening port=")[1].split()[0])
        assert "submission page not installed" in log.read_text()
        ctx = ssl.create_default_context(cafile=str(world.cert))
        assert urllib.request.urlopen(f"https://127.0.0.1:{port}/v1/bundle", context=ctx, timeout=10).status == 200
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=ctx, timeout=10)
            raise AssertionError("the page was served without its files")
        except urllib.error.HTTPError as e:
            assert e.code == 404
    finally:
        p.terminate()
        p.wait(timeout=20)
