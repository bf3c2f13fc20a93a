"""Page extraction speed, in process and warm: our extractor beside trafilatura.extract on the same
decoded pages (shared/corpora: gne-testpages and gov-pages), median and p90 per page.

Run: make bench (or .venv/bin/python benchmarks/extraction_speed.py --corpora ../shared/corpora)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import table  # noqa: E402

from aggregator.errors import ExtractError  # noqa: E402
from aggregator.model import FetchResult  # noqa: E402
from aggregator.parse import decode  # noqa: E402
from aggregator.parse.page import extract_article  # noqa: E402


def pages(corpora: Path) -> list[bytes]:
    found = sorted((corpora / "gne-testpages" / "tests").rglob("*.html")) + sorted((corpora / "gov-pages").rglob("*.html"))
    return [p.read_bytes() for p in found]


def ours(body: bytes) -> None:
    result = FetchResult(url="http://x.test/a/1.html", final_url="http://x.test/a/1.html", status=200,
                         headers={"content-type": "text/html"}, body=body)
    try:
        extract_article(result, "Asia/Shanghai")
    except ExtractError:
        pass


def timings(func, inputs: list) -> list[float]:
    for item in inputs:  # warm: imports, caches, the regexes compiled
        func(item)
    out = []
    for item in inputs:
        start = time.perf_counter()
        func(item)
        out.append(time.perf_counter() - start)
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", default="../shared/corpora", type=Path)
    args = ap.parse_args(argv)
    bodies = pages(args.corpora)
    if not bodies:
        print(f"skipped: no pages under {args.corpora}")
        return 0
    import trafilatura

    texts = [decode(b, "text/html").text for b in bodies]
    mine = timings(ours, bodies)
    theirs = timings(lambda t: trafilatura.extract(t, url="http://x.test/a/1.html"), texts)

    def row(name: str, values: list[float], ratio: str) -> list:
        return [name, f"{statistics.median(values) * 1000:.1f} ms", f"{values[int(len(values) * 0.9)] * 1000:.1f} ms",
                ratio]

    print(f"page extraction, in process, warm ({len(bodies)} pages of gne-testpages and gov-pages; "
          "target: median 20 ms, p90 60 ms)")
    table(["extractor", "median", "p90", "median vs peer"],
          [row("ours (decode, extract, clean)", mine, f"{statistics.median(mine) / statistics.median(theirs):.2f}x"),
           row("peer: trafilatura.extract (decoded text)", theirs, "1.00x")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
