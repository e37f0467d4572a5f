"""`make bench-abuse`: what a flood costs the relay and what proof of work costs a source.

A benchmark, not a test: it prints figures and ratios measured in one run and judges
nothing. Against a real relay (the built sealrelayd, default settings: pow_bits 10):

1. The relay's CPU per request (utime + stime of the sealrelayd process, from /proc) for
   N writes refused without a token, with a forged token (bad MAC), with a genuine but
   unsolved token (wrong nonce), and for N accepted reports, each as a ratio to the
   accepted one.
2. PBKDF2 attempts per second per core in headless Chromium (the page's own Web Worker
   solver) against native code on the same machine (OpenSSL's PBKDF2 through hashlib).
3. The page's mean solve time at the floor difficulty with Chromium's CPU throttled 4x
   (`Emulation.setCPUThrottlingRate`, a cheap-phone proxy).
4. Genuine `seal submit` latency and success with and without a flood of unpaid requests.

    SEAL_BIN=... SEALRELAYD_BIN=... python Tests/web/bench_abuse.py [N]
"""
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from relayproxy import b64url, b64url_decode, solve_relay_pow  # noqa: E402
from measure_phone import SOLVE  # noqa: E402
from measure_pow import RATE, python_rate  # noqa: E402
from webtest import SEAL, World, load_module, make_driver  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def post(world, ctx, body: bytes, token: str | None) -> int:
    conn = http.client.HTTPSConnection("127.0.0.1", world.port, context=ctx, timeout=60)
    try:
        headers = {"Content-Type": "application/octet-stream"}
        if token:
            headers["Seal-PoW"] = token
        conn.request("POST", "/v1/reports", body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def fresh_challenge(world, ctx) -> str:
    conn = http.client.HTTPSConnection("127.0.0.1", world.port, context=ctx, timeout=60)
    try:
        conn.request("GET", "/v1/pow")
        return json.loads(conn.getresponse().read())["challenge"]
    finally:
        conn.close()


def relay_cpu_per_request(world, ctx, envelopes, n):
    """CPU seconds per request for each kind, the challenges and tokens made beforehand."""
    pid = world.process.pid
    kinds = {}
    forged = []
    for _ in range(n):
        c = bytearray(b64url_decode(fresh_challenge(world, ctx)))
        c[-1] ^= 1
        forged.append(f"{b64url(bytes(c))}.{b64url(os.urandom(8))}")
    unsolved = [f"{fresh_challenge(world, ctx)}.{b64url(os.urandom(8))}" for _ in range(n)]
    paid = [solve_relay_pow(world.port, ctx) for _ in envelopes]
    for kind, tokens, bodies in (("no token", [None] * n, [envelopes[0]] * n),
                                 ("forged token", forged, [envelopes[0]] * n),
                                 ("wrong nonce", unsolved, [envelopes[0]] * n),
                                 ("accepted", paid, envelopes)):
        before = cpu_seconds(pid)
        statuses = [post(world, ctx, b, t) for b, t in zip(bodies, tokens)]
        kinds[kind] = ((cpu_seconds(pid) - before) / len(bodies), statuses)
    return kinds


def submit_latencies(world, rounds):
    times, ok = [], 0
    for i in range(rounds):
        start = time.perf_counter()
        r = subprocess.run([SEAL, "submit", "--relay", world.base, "--org-fingerprint", world.fingerprint,
                            "--ca", str(world.cert), "--message", f"bench {i}", "--codename-file", str(world.root / f"c{i}")],
                           capture_output=True, env=world.seal_env)
        times.append(time.perf_counter() - start)
        ok += r.returncode == 0
    return ok, times


def flood(world, ctx, body, stop):
    def one():
        while not stop.is_set():
            try:
                post(world, ctx, body, None)
            except OSError:
                pass
    threads = [threading.Thread(target=one, daemon=True) for _ in range(32)]
    for t in threads:
        t.start()
    return threads


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as root:
        world = World(Path(root))
        ctx = ssl.create_default_context(cafile=str(world.cert))
        try:
            envelopes = []
            for i in range(20):
                out = world.root / f"bench{i}.seal"
                world.seal("encrypt", "--bundle", "bundle.json", "--org-fingerprint", world.fingerprint,
                           "--message", f"benchmark report {i} " + "x" * 60000, "--out", str(out))
                envelopes.append(out.read_bytes())
            print(f"1. relay CPU per request (sealrelayd utime+stime; {n} refused of each kind, {len(envelopes)} accepted, ~64 KiB each)")
            kinds = relay_cpu_per_request(world, ctx, envelopes, n)
            accepted = kinds["accepted"][0]
            for kind, (cpu, statuses) in kinds.items():
                codes = {s: statuses.count(s) for s in set(statuses)}
                print(f"   {kind:13} {cpu * 1e6:9.0f} us  ({cpu / accepted:5.2f} x accepted)  answers {codes}")

            native = python_rate(3.0)
            driver = make_driver(world, browser="chromium")
            try:
                page = load_module(driver, world, RATE, 5, 1)["rate"]
                print("2. PBKDF2 attempts per second, one core")
                print(f"   native (OpenSSL via hashlib) {native:7.0f}   Chromium worker {page:7.0f}   ratio {page / native:4.2f}")
                driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
                times = load_module(driver, world, SOLVE, 10, 10)
                print("3. page solve time at the floor (10 bits), Chromium throttled 4x, 10 challenges")
                print(f"   mean {statistics.mean(times):.2f} s   median {statistics.median(times):.2f} s   max {max(times):.2f} s")
            finally:
                driver.quit()

            rounds = 5
            ok, calm = submit_latencies(world, rounds)
            stop = threading.Event()
            threads = flood(world, ctx, envelopes[0], stop)
            try:
                ok_flood, flooded = submit_latencies(world, rounds)
            finally:
                stop.set()
                for t in threads:
                    t.join()
            print(f"4. seal submit, {rounds} each: calm {ok}/{rounds} ok, median {statistics.median(calm):.2f} s;"
                  f" under a flood of 32 unpaid senders {ok_flood}/{rounds} ok, median {statistics.median(flooded):.2f} s"
                  f" ({statistics.median(flooded) / statistics.median(calm):.2f} x calm)")
        finally:
            world.stop()


if __name__ == "__main__":
    main()
