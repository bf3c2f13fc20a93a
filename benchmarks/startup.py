"""CLI start-up: `aggregator --help` and `aggregator sources list` beside `sqlite-utils --help` (a peer
CLI on the same interpreter), medians of several runs measured in the same run. Prints figures only.

Run: make bench (or .venv/bin/python benchmarks/startup.py --runs 15)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import table  # noqa: E402

BIN = Path(sys.executable).parent


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")} | {
            "AGGREGATOR_DATA_DIR": str(Path(tmp) / "data")}
        subprocess.run([str(BIN / "aggregator"), "categories", "add", "news", "--name", "新闻"], env=env, check=True,
                       capture_output=True)
        peer = median_seconds([str(BIN / "sqlite-utils"), "--help"], args.runs, env)
        rows = [["peer: sqlite-utils --help", f"{peer * 1000:.0f} ms", "1.00x"]]
        for label, cmd in (("aggregator --help", ["--help"]), ("aggregator sources list", ["sources", "list"]),
                           ("aggregator --version", ["--version"])):
            took = median_seconds([str(BIN / "aggregator"), *cmd], args.runs, env)
            rows.append([label, f"{took * 1000:.0f} ms", f"{took / peer:.2f}x"])
    print(f"CLI start-up, median of {args.runs} runs (target: under 300 ms on an idle 2-core machine)")
    table(["command", "median", "vs peer"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
