"""One RESULT line for wrk runs that loaded several relay nodes at once (scripts/bench-relay.sh).

    python3 merge_results.py RESULT_FILE...

Each RESULT_FILE holds post.lua's RESULT line, and RESULT_FILE.q its latency quantiles (1000
values, 0.1% of that run's requests apart). Counts add up; the duration is the longest run's
(the runs start together, so the rate is not overstated); the percentiles are those of all
requests together, each quantile standing for 0.1% of its own run's requests, so p50 and p99
are exact to that resolution. One file is printed as it is.
"""
import sys

SUMMED = ("requests", "accepted", "other", "err_connect", "err_read", "err_write", "err_timeout")


def parse(path):
    with open(path) as f:
        line = f.read().split("\n")[0]
    if not line.startswith("RESULT "):
        sys.exit(f"merge_results: {path} holds no RESULT line")
    return line, dict(field.split("=", 1) for field in line.split()[1:])


def percentile(points, total, p):
    """The smallest latency at or below which p% of all the requests' weight lies."""
    seen = 0.0
    for value, weight in points:
        seen += weight
        if seen >= total * p / 100 - 1e-9:
            return value
    return points[-1][0]


def main():
    runs = [parse(path) for path in sys.argv[1:]]
    if len(runs) == 1:
        print(runs[0][0])
        return
    merged = {key: sum(int(fields[key]) for _, fields in runs) for key in SUMMED}
    codes = "".join(fields["other_codes"] for _, fields in runs if fields["other_codes"] != "-") or "-"
    merged["other_codes"] = codes
    merged["duration_us"] = max(int(fields["duration_us"]) for _, fields in runs)
    merged["max_us"] = max(int(fields["max_us"]) for _, fields in runs)
    points = []
    for path, (_, fields) in zip(sys.argv[1:], runs):
        with open(path + ".q") as f:
            values = [int(v) for v in f.read().split()]
        weight = int(fields["requests"]) / len(values)
        points += [(v, weight) for v in values]
    points.sort()
    total = sum(w for _, w in points)
    merged["p50_us"] = percentile(points, total, 50)
    merged["p99_us"] = percentile(points, total, 99)
    order = ("requests", "accepted", "other", "other_codes", "duration_us", "p50_us", "p99_us", "max_us",
             "err_connect", "err_read", "err_write", "err_timeout")
    print("RESULT " + " ".join(f"{key}={merged[key]}" for key in order))


if __name__ == "__main__":
    main()
