"""The page on a cheap phone, approximated: headless Chromium with its CPU throttled 4x
(`Emulation.setCPUThrottlingRate`) and a 360 x 640 viewport, against the same work
unthrottled, in one run. Not part of `make test` (it measures, it does not judge):

    SEAL_BIN=... SEALRELAYD_BIN=... .venv/bin/python Tests/web/measure_phone.py [MEGABYTES]

For each setting: time to interactive (from navigation until the start step shows the
verified bundle and its button), encrypt-and-upload throughput for a video of MEGABYTES
MiB (default 50) sent to a relay on loopback, so the figure is bound by the page's own
work, the peak memory (PSS) of all Chromium processes meanwhile, and the proof-of-work solve
time at the default difficulty (10 bits, five challenges). A caveat it prints: Chromium's
throttling slows the page's main thread; whether it slows its workers and WebCrypto's
threads the same way is not documented, so worker-bound figures may flatter the phone.
"""
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from helpers import compose, confirm_codename  # noqa: E402
from measure_memory import tree_pss_kib  # noqa: E402
from webtest import World, load_module, make_driver, set_viewport, wait_visible  # noqa: E402

SOLVE = """
  const [bits, rounds] = args;
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await P.solve({ challenge: C.randomBytes(38), bits }, () => {}).promise;
    times.push((performance.now() - start) / 1000);
  }
  return times;
"""


def phone(driver, throttled: bool):
    if throttled:
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
        set_viewport(driver, 360, 640)


def interactive_seconds(driver, world) -> float:
    start = time.perf_counter()
    driver.get(world.base + "/")
    WebDriverWait(driver, 120, poll_frequency=0.02).until(
        lambda d: d.find_element(By.ID, "btn-new").is_displayed() and d.find_element(By.ID, "bundle-status").text)
    return time.perf_counter() - start


def send_video(driver, video: Path) -> tuple:
    pid = driver.service.process.pid
    peak = [sum(tree_pss_kib(pid).values())]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], sum(tree_pss_kib(pid).values()))
            time.sleep(0.1)

    driver.find_element(By.ID, "btn-new").click()
    compose(driver, "a video", [video], unclean=True)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.perf_counter()
    confirm_codename(driver)  # types two words back and sends
    wait_visible(driver, "step-done", timeout=1800)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    return elapsed, peak[0] / 1024


def main():
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as root:
        world = World(Path(root))
        video = Path(root) / "video.mp4"
        with open(video, "wb") as f:
            for _ in range(megabytes):
                f.write(os.urandom(1 << 20))
        figures = {}
        try:
            for throttled in (False, True):
                driver = make_driver(world, "en", network_log=False)
                try:
                    phone(driver, throttled)
                    tti = interactive_seconds(driver, world)
                    pow_times = load_module(driver, world, SOLVE, 10, 5)
                    driver.get(world.base + "/")
                    wait_visible(driver, "btn-new")
                    seconds, peak = send_video(driver, video)
                finally:
                    driver.quit()
                figures[throttled] = (tti, megabytes / seconds, peak, statistics.mean(pow_times))
        finally:
            world.stop()
    print(f"headless Chromium, {os.cpu_count()} cores; video {megabytes} MiB; relay on loopback")
    print(f"{'':22}{'unthrottled':>14}{'4x, 360x640':>14}{'ratio':>8}")
    names = ["time to interactive (s)", "encrypt+upload (MB/s)", "peak PSS (MiB)", "PoW 10 bits, mean (s)"]
    for i, name in enumerate(names):
        a, b = figures[False][i], figures[True][i]
        print(f"{name:22}{a:14.2f}{b:14.2f}{b / a:8.2f}")
    print("caveat: CPU throttling slows the main thread; workers and WebCrypto threads may not be slowed as much")


if __name__ == "__main__":
    main()
