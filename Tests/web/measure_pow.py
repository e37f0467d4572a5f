"""Measures the page's proof-of-work speed in each browser against Python's hashlib.

Not part of `make test` (it measures, it does not judge); run it by hand:

    SEAL_BIN=... SEALRELAYD_BIN=... FIREFOX_140=... .venv/bin/python Tests/web/measure_pow.py [SECONDS]

For each browser configuration it opens the page served by a real relay, runs the page's
own solver (pow.js solve(), the same workers the page uses) on a challenge of 40 bits
(never solved in time) first with one worker, then with one worker per core, and prints the
attempts per second the solver itself reports. Python's figure is hashlib.pbkdf2_hmac with
the same parameters on one core, then on every core (processes). An attempt is one
PBKDF2-HMAC-SHA256 of 1000 iterations (docs/API.md "Proof of work").
"""
import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webtest import BROWSERS, World, load_module, make_driver  # noqa: E402

RATE = """
  const [seconds, workers] = args;
  let last = null;
  const job = P.solve({ challenge: C.randomBytes(38), bits: 40 }, (p) => { last = p; }, { workers });
  job.promise.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  job.cancel();
  return { rate: last.rate, workers: last.workers, cores: navigator.hardwareConcurrency };
"""


def python_rate(seconds: float) -> float:
    salt = b"sealrelay pow v1" + os.urandom(38)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        hashlib.pbkdf2_hmac("sha256", os.urandom(8), salt, 1000, 32)
        n += 1
    return n / (time.perf_counter() - start)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5
    cores = os.cpu_count()
    print(f"attempts per second (PBKDF2-HMAC-SHA256, 1000 iterations), {seconds:g} s each, {cores} cores")
    one = python_rate(seconds)
    with multiprocessing.Pool(cores) as pool:
        every = sum(pool.map(python_rate, [seconds] * cores))
    print(f"{'python hashlib':18} one core {one:8.0f}   all cores {every:8.0f}")
    with tempfile.TemporaryDirectory() as root:
        world = World(Path(root))
        try:
            for name in BROWSERS:
                driver = make_driver(world, browser=name)
                try:
                    single = load_module(driver, world, RATE, seconds, 1)
                    full = load_module(driver, world, RATE, seconds, None)
                    print(f"{name:18} one worker {single['rate']:6.0f} ({single['rate'] / one:4.2f} x python)   "
                          f"{full['workers']} workers {full['rate']:6.0f} ({full['rate'] / every:4.2f} x python)")
                finally:
                    driver.quit()
        finally:
            world.stop()


if __name__ == "__main__":
    main()
