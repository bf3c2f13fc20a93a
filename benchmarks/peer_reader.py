"""The peer's side of benchmarks/compare.py: the `reader` library doing what `aggregator fetch` does.

Runs under the benchmark's own environment (.venv-bench, where `reader` is installed; the project
never depends on it):

    .venv-bench/bin/python benchmarks/peer_reader.py add DB URLS_FILE
    .venv-bench/bin/python benchmarks/peer_reader.py update DB WORKERS

`update` refreshes every feed (scheduled=False: reader would otherwise wait an hour before the
re-poll) and prints one JSON line: {"new": N, "modified": N, "not_modified": N, "errors": N}.
"""

from __future__ import annotations

import json
import sys

from reader import make_reader


def main(argv: list[str]) -> int:
    action, db = argv[0], argv[1]
    reader = make_reader(db)
    if action == "add":
        with open(argv[2], encoding="utf-8") as fh:
            for url in fh.read().split():
                reader.add_feed(url, exist_ok=True)
        return 0
    counts = {"new": 0, "modified": 0, "not_modified": 0, "errors": 0}
    for result in reader.update_feeds_iter(scheduled=False, workers=int(argv[2])):
        value = result.value
        if isinstance(value, Exception):
            counts["errors"] += 1
        elif value is None:
            counts["not_modified"] += 1
        else:
            counts["new"] += value.new
            counts["modified"] += 1
    print(json.dumps(counts))
    reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
