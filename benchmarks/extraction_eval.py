"""Body-text quality of the page extractor against a public article-extraction benchmark.

Usage (from the project root):

    .venv/bin/python benchmarks/extraction_eval.py --corpora ../shared/corpora [--worst 10]

Reads <corpora>/article-extraction-benchmark: html/<sha256>.html.gz (181 pages, mostly English)
and ground-truth.json ({sha256: {url, articleBody}}). Each page goes through extract_article as
fetch would hand it over (raw bytes, a bare text/html Content-Type, its real URL); the body is
turned into visible text the way the published page shows it (normalize's sanitize_html, then
plain_text). For comparison, plain trafilatura.extract runs on the same decoded text.

Metric: character 4-grams as multisets, after folding white space to single spaces; per page
precision = |pred ∩ truth| / |pred|, recall = |pred ∩ truth| / |truth|, F1 their harmonic mean
(0 when either side is empty); the figures are the means over all pages. Character n-grams
rather than word shingles, so the same number works for Chinese text, which has no spaces.

Prints one summary line per extractor:
    ours        F1 0.xxx  precision 0.xxx  recall 0.xxx  (N pages, K refused, T s)
    trafilatura F1 ...
and "skipped: ... not found" (exit 0) when the benchmark folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from aggregator.errors import ExtractError
from aggregator.model import FetchResult
from aggregator.normalize import plain_text, sanitize_html
from aggregator.parse import decode
from aggregator.parse.page import extract_article

N = 4
_SPACE = re.compile(r"\s+")


def ngrams(text: str, n: int = N) -> Counter:
    """The multiset of character n-grams of `text` with white space folded."""
    text = _SPACE.sub(" ", text).strip()
    return Counter(text[i:i + n] for i in range(max(len(text) - n + 1, 0)))


def score(predicted: str, truth: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of character n-gram multisets."""
    pred, gold = ngrams(predicted), ngrams(truth)
    if not pred or not gold:
        return 0.0, 0.0, 0.0
    common = sum((pred & gold).values())
    precision = common / sum(pred.values())
    recall = common / sum(gold.values())
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


@dataclass
class Tally:
    """Running means for one extractor."""

    name: str
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    pages: int = 0
    refused: int = 0
    seconds: float = 0.0

    def add(self, triple: tuple[float, float, float]) -> None:
        self.precision += triple[0]
        self.recall += triple[1]
        self.f1 += triple[2]
        self.pages += 1

    def line(self) -> str:
        n = max(self.pages, 1)
        return (f"{self.name:<11} F1 {self.f1 / n:.3f}  precision {self.precision / n:.3f}  "
                f"recall {self.recall / n:.3f}  ({self.pages} pages, {self.refused} refused, {self.seconds:.1f} s)")


def ours(body: bytes, url: str) -> str | None:
    """Our body as visible text, or None when the page was refused."""
    result = FetchResult(url=url, final_url=url, status=200, headers={"content-type": "text/html"}, body=body)
    try:
        item = extract_article(result, "UTC").item
    except ExtractError:
        return None
    return plain_text(sanitize_html(item.content_html or "", item.base_url))


def plain_trafilatura(body: bytes, url: str) -> str | None:
    """trafilatura's own text output on the same decoded page."""
    import trafilatura

    text = decode(body, "text/html").text
    return trafilatura.extract(text, url=url)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the return value is the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="../shared/corpora", type=Path)
    parser.add_argument("--worst", type=int, default=0, help="list the N pages where we trail trafilatura most")
    args = parser.parse_args(argv)
    folder = args.corpora / "article-extraction-benchmark"
    truth_file = folder / "ground-truth.json"
    if not truth_file.exists():
        print(f"skipped: {folder} not found")
        return 0
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    tallies = {"ours": Tally("ours"), "trafilatura": Tally("trafilatura")}
    gaps = []
    for sha, entry in sorted(truth.items()):
        path = folder / "html" / f"{sha}.html.gz"
        if not path.exists():
            continue
        body = gzip.decompress(path.read_bytes())
        scores = {}
        for name, run in (("ours", ours), ("trafilatura", plain_trafilatura)):
            started = time.perf_counter()
            text = run(body, entry["url"])
            tallies[name].seconds += time.perf_counter() - started
            if text is None:
                tallies[name].refused += 1
            scores[name] = score(text or "", entry.get("articleBody") or "")
            tallies[name].add(scores[name])
        gaps.append((scores["ours"][2] - scores["trafilatura"][2], sha, entry["url"], scores))
    if args.worst:
        for gap, sha, url, scores in sorted(gaps)[:args.worst]:
            print(f"  {gap:+.3f} ours {scores['ours'][2]:.3f} trafilatura {scores['trafilatura'][2]:.3f} {sha[:12]} {url}")
    print(f"metric: character {N}-gram multiset precision/recall/F1, mean over pages")
    for tally in tallies.values():
        print(tally.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
