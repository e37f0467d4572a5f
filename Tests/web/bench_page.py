"""How fast the page seals a large file in the browser, against what the browser's own parts
do with the same bytes in the same run. Prints figures; never fails because something is slow.
Not part of `make test`; `make bench-page` runs it:

    SEAL_BIN=.build/release/seal SEALRELAYD_BIN=.build/release/sealrelayd \
        .venv/bin/python Tests/web/bench_page.py [MEGABYTES] [RUNS]

In headless Chromium, on the relay's origin, with a File of MEGABYTES (200) random MiB made
in the page, each run measures:
  read     reading the file in the page's 1 MiB slices, nothing else (the second of two
           reads: the first moves the new Blob into Chromium's blob store),
  aes      WebCrypto AES-256-GCM over as many bytes in 64 KiB calls, one at a time, from
           memory (what sealing costs with nothing overlapped),
  sha256   the page's streaming SHA-256 (sha256.js) over as many bytes, from memory,
  seal     `sealReport` (report.js), as the page calls it, into a sink that drops the
           envelope: pass 1 (hashing) and pass 2 (sealing) apart,
and prints MB/s for each and seal's time as a ratio of read + sha256 + aes (what the
page would take doing each in turn). Chromium's memory for the same file through the
whole page, upload included, is `measure_memory.py`'s.
"""
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webtest import World, load_module, make_driver  # noqa: E402

MEASURE = """
  const [mib] = args;
  const size = mib * (1 << 20);
  const SLICE = 1 << 20;
  const parts = [];
  for (let o = 0; o < size; o += 65536) {
    const b = new Uint8Array(65536);
    crypto.getRandomValues(b);
    parts.push(b);
  }
  const file = new File(parts, 'video.mp4', { type: 'video/mp4' });
  parts.length = 0;
  const now = () => performance.now();
  const figures = {};
  const readAll = async () => {
    const t = now();
    for (let o = 0; o < size; o += SLICE) await file.slice(o, o + SLICE).arrayBuffer();
    return now() - t;
  };
  // The first read also moves the new Blob into Chromium's blob store; the second is what
  // a file the source picked costs.
  await readAll();
  figures.read = await readAll();

  // The parts alone, on bytes already in memory.
  const piece = new Uint8Array(SLICE);
  crypto.getRandomValues(piece.subarray(0, 65536));
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  const iv = new Uint8Array(12);
  let t = now();
  for (let o = 0; o < size; o += SLICE) {
    for (let c = 0; c < SLICE; c += C.CHUNK) {
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, piece.subarray(c, c + C.CHUNK));
    }
  }
  figures.aes = now() - t;
  t = now();
  const hash = new H.SHA256();
  for (let o = 0; o < size; o += SLICE) hash.update(piece);
  hash.digest();
  figures.sha256 = now() - t;

  let sealStart = null;
  let sent = 0;
  t = now();
  await R.sealReport({
    message: 'benchmark',
    files: [{ name: file.name, type: file.type, blob: file, removed: [], unscrubbed: true }],
    thread: C.hex(C.randomBytes(16)),
    sealerFor: async (length) => {
      sealStart = now();
      return C.EnvelopeSealer.withKeys({ fileKey: C.randomBytes(32), salt: C.randomBytes(16), stanzas: [],
                                         bundleId: '0'.repeat(64), length });
    },
    sink: { begin() {}, write(bytes) { sent += bytes.length; } },
  });
  const end = now();
  figures.pass1 = sealStart - t;
  figures.pass2 = end - sealStart;
  figures.seal = end - t;
  figures.sent = sent;
  return figures;
"""


def main():
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = Path(__import__("tempfile").mkdtemp(prefix="sealrelay-bench-page-"))
    world = World(root)
    driver = make_driver(world, "en", network_log=False)
    driver.set_script_timeout(1800)
    try:
        results = []
        for _ in range(runs):
            r = load_module(driver, world, MEASURE, megabytes)
            if "error" in r:
                raise SystemExit(f"bench-page: the page failed: {r['error']}")
            results.append(r)
    finally:
        driver.quit()
        world.stop()
        __import__("shutil").rmtree(root, ignore_errors=True)

    mb = megabytes * (1 << 20) / 1e6
    print(f"file: {megabytes} MiB in headless Chromium ({driver.capabilities.get('browserVersion', '?')}), "
          f"{runs} runs; median [min-max]")

    def row(label, key, volume=mb):
        values = [r[key] / 1000 for r in results]
        rates = [volume / v for v in values if v > 0]
        print(f"  {label:<34} {statistics.median(values):7.2f} s [{min(values):.2f}-{max(values):.2f}]"
              f"  {statistics.median(rates):7.0f} MB/s")

    row("read, 1 MiB slices", "read")
    row("AES-GCM, 64 KiB calls in turn", "aes")
    row("SHA-256 (sha256.js)", "sha256")
    row("sealReport pass 1 (hash)", "pass1")
    row("sealReport pass 2 (seal)", "pass2")
    row("sealReport, whole", "seal")
    ratios = [r["seal"] / (2 * r["read"] + r["sha256"] + r["aes"]) for r in results]
    print(f"  sealReport / (2 reads + SHA-256 + AES-GCM in turn): {statistics.median(ratios):.2f} "
          f"[{min(ratios):.2f}-{max(ratios):.2f}] (below 1: passes overlap)")


if __name__ == "__main__":
    main()
