"""The spool's durability bound: how many times a second this disk can do what the relay does
for each accepted report (write 64 KiB to a new file, fsync it, rename it into place, fsync
the directory). Usage: fsync_rate.py DIR SECONDS WRITERS [MAX_OPS]. Prints one RESULT line."""
import multiprocessing
import os
import sys
import time


def writer(directory, seconds, max_ops, index, out):
    data = os.urandom(64 * 1024)
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    deadline = time.monotonic() + seconds
    n = 0
    while n < max_ops and time.monotonic() < deadline:
        tmp = os.path.join(directory, f"w{index}.partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(directory, f"w{index}-{n % 8}.seal"))
        os.fsync(dfd)
        n += 1
    os.close(dfd)
    out.put(n)


def main():
    directory, seconds, writers = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    max_ops = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
    out = multiprocessing.Queue()
    start = time.monotonic()
    procs = [multiprocessing.Process(target=writer, args=(directory, seconds, max_ops, i, out)) for i in range(writers)]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    print(f"RESULT ops={total} seconds={elapsed:.3f} rate={total / elapsed:.1f}")


if __name__ == "__main__":
    main()
