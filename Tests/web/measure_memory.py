"""Measures what encrypting and uploading a large file through the page costs in memory.

Not part of `make test` (it moves hundreds of megabytes); run it by hand:

    SEAL_BIN=.build/debug/seal SEALRELAYD_BIN=.build/debug/sealrelayd \
        .venv/bin/python Tests/web/measure_memory.py [MEGABYTES]

It starts a relay, opens the page in headless Chromium, attaches a file of random bytes
(sent without cleaning, like a video), and samples the proportional memory (PSS) of every Chromium
process (browser, renderer, GPU, utility) every 100 ms from before the file is chosen until
the receipt shows. It prints the baseline, the peak, and the peak minus the baseline, and
the size of Chromium's on-disk blob store at the end.
"""
import os
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


def main():
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    root = Path(tempfile.mkdtemp(prefix="sealrelay-mem-"))
    world = World(root)
    big = root / "video.mp4"
    with open(big, "wb") as f:
        for _ in range(megabytes):
            f.write(os.urandom(1 << 20))
    driver = make_driver(world, "en")
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
        import re
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
        print(f"file: {megabytes} MiB; encrypt+upload: {elapsed:.1f} s")
        print(f"chromium PSS baseline: {baseline / 1024:.0f} MiB, peak: {peak[0] / 1024:.0f} MiB, "
              f"peak - baseline: {(peak[0] - baseline) / 1024:.0f} MiB")
        print("at the peak, by process type (MiB, change from baseline): " + ", ".join(
            f"{k} {v / 1024:.0f} ({(v - base.get(k, 0)) / 1024:+.0f})" for k, v in sorted(peak[1].items())))
        print(f"chromium on-disk blob store at the end: {blob_dir / (1 << 20):.0f} MiB")
    finally:
        driver.quit()
        world.stop()


if __name__ == "__main__":
    main()
