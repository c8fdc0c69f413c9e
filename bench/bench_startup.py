"""Benchmark: how fast `influencer --help` starts (target: under 0.5 s).

    .venv/bin/python bench/bench_startup.py [--runs 15]

Compares with a bare `python -c pass` in the same run, so the ratio shows what our imports
cost on top of the interpreter itself.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    bare = median_seconds([sys.executable, "-c", "pass"], runs)
    help_ = median_seconds([sys.executable, "-m", "influencer", "--help"], runs)
    version = median_seconds([sys.executable, "-m", "influencer", "--version"], runs)
    print(f"python -c pass          {bare * 1000:7.0f} ms (baseline)")
    print(f"influencer --help       {help_ * 1000:7.0f} ms  {help_ / bare:4.1f}× baseline  "
          f"target < 500 ms {'ok' if help_ < 0.5 else 'MISSED'}")
    print(f"influencer --version    {version * 1000:7.0f} ms  {version / bare:4.1f}× baseline")


if __name__ == "__main__":
    main()
