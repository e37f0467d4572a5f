"""Measures what encrypting and uploading a large file through the page costs in memory.

Not part of `make test` (it moves hundreds of megabytes); run it by hand:

    SEAL_BIN=.build/debug/seal SEALRELAYD_BIN=.build/debug/sealrelayd \
        .venv/bin/python Tests/web/measure_memory.py [MEGABYTES]

It starts a relay, opens the page in headless Chromium, attaches a file of random bytes
(sent without cleaning, like a video), and samples the proportional memory (PSS) of every Chromium
process (browser, renderer, GPU, utility) every 100 ms from before the file is chosen until
the receipt shows. It prints the baseline, the peak, and the peak minus the baseline, and
the size of Chromium's on-disk blob store at the end.

The page reads files in 1 MiB slices and sends the envelope in 4 MiB chunked-upload
slices (docs/API.md), so the peak should not grow with the file. Measured on the
development VM for 200 MiB: +305 MiB when the page built the whole envelope as one Blob
for one request; see README.md for the figure since.
"""
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from selenium.webdriver.common.by import By  # noqa: E402

from helpers import open_page  # noqa: E402
from webtest import World, make_driver, wait_visible  # noqa: E402


def process_kind(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    # Chromium rewrites its child processes' argv into one space-separated title.
    args = b" ".join(cmd).split(b" ")
    if not args or b"chrom" not in args[0]:
        return "other"
    for arg in args:
        if arg.startswith(b"--type="):
            return arg[7:].decode()
    return "browser"


def tree_pss_kib(root_pid: int) -> dict:
    """Proportional set size (shared pages divided among their users, so a sum does not
    count them twice) of every process under root_pid, by Chromium process type."""
    children = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    totals, stack = {}, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kind = process_kind(pid)
                    totals[kind] = totals.get(kind, 0) + int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return totals


def measure(megabytes: int) -> dict:
    """Submits a file of `megabytes` MiB through the page; returns the figures in MiB."""
    root = Path(tempfile.mkdtemp(prefix="sealrelay-mem-"))
    world = World(root)
    big = root / "video.mp4"
    with open(big, "wb") as f:
        for _ in range(megabytes):
            f.write(os.urandom(1 << 20))
    # Without the DevTools network log: with it, Chromium keeps a copy of every request
    # body for the inspector, which a source's browser does not.
    driver = make_driver(world, "en", network_log=False)
    chromedriver_pid = driver.service.process.pid
    try:
        open_page(driver, world)
        time.sleep(1)
        base = tree_pss_kib(chromedriver_pid)
        baseline = sum(base.values())
        peak = [baseline, base]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                now = tree_pss_kib(chromedriver_pid)
                if sum(now.values()) > peak[0]:
                    peak[0], peak[1] = sum(now.values()), now
                time.sleep(0.1)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        started = time.time()
        driver.find_element(By.ID, "btn-new").click()
        driver.find_element(By.ID, "message").send_keys("large file")
        driver.find_element(By.ID, "files").send_keys(str(big))
        wait_visible(driver, "unclean-box")
        driver.find_element(By.ID, "send-unclean").click()
        driver.find_element(By.ID, "btn-continue").click()
        wait_visible(driver, "step-codename")
        words = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#codename-words li")]
        for field in ("a", "b"):
            n = int(re.search(r"\d+", driver.find_element(By.ID, f"confirm-{field}-label").text).group())
            driver.find_element(By.ID, f"confirm-{field}").send_keys(words[n - 1])
        driver.find_element(By.ID, "btn-send").click()
        wait_visible(driver, "step-done", timeout=1800)
        elapsed = time.time() - started
        stop.set()
        t.join()
        profile = Path(driver.capabilities["chrome"]["userDataDir"])
        blob_dir = sum(p.stat().st_size for p in profile.rglob("*") if p.is_file() and "blob_storage" in str(p))
        return {"megabytes": megabytes, "seconds": elapsed, "baseline": baseline / 1024, "peak": peak[0] / 1024,
                "extra": (peak[0] - baseline) / 1024, "blob_store": blob_dir / (1 << 20),
                "by_type": {k: (v / 1024, (v - base.get(k, 0)) / 1024) for k, v in sorted(peak[1].items())}}
    finally:
        driver.quit()
        world.stop()
        shutil.rmtree(root, ignore_errors=True)


def main():
    m = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    print(f"file: {m['megabytes']} MiB; encrypt+upload: {m['seconds']:.1f} s")
    print(f"chromium PSS baseline: {m['baseline']:.0f} MiB, peak: {m['peak']:.0f} MiB, "
          f"peak - baseline: {m['extra']:.0f} MiB")
    print("at the peak, by process type (MiB, change from baseline): " + ", ".join(
        f"{k} {v:.0f} ({d:+.0f})" for k, (v, d) in m["by_type"].items()))
    print(f"chromium on-disk blob store at the end: {m['blob_store']:.0f} MiB")


if __name__ == "__main__":
    main()
