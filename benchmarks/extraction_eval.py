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

Then the fields of the Chinese pages: for gov-pages, against benchmarks/labels/gov-pages.json
(what each page visibly states, read by hand for this project: headline, publish time, author,
来源, the body's first and last 20 characters), the share of pages whose title, time (to the
minute, or the day when the page shows only a day), author, origin and body (both ends present)
come out right, and how many were refused; for gne-testpages (no labels), how many pages were
refused and how many gave a title, a time to the minute and an author.
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

LABELS = Path(__file__).parent / "labels" / "gov-pages.json"
_NAME_SPLIT = re.compile(r"[、，,\s]+")

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


def _fields(body: bytes, url: str):
    result = FetchResult(url=url, final_url=url, status=200, headers={"content-type": "text/html"}, body=body)
    try:
        return extract_article(result, "Asia/Shanghai").item
    except ExtractError:
        return None


def _local(item, precision: str) -> str | None:
    if item.published is None:
        return None
    from zoneinfo import ZoneInfo

    local = item.published.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{local:%Y-%m-%d}" if precision == "day" else f"{local:%Y-%m-%d %H:%M}"


def _names(value: str | None) -> set[str]:
    return {n for n in _NAME_SPLIT.split(value or "") if n}


def _fold(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def labelled_fields(corpora: Path) -> None:
    """Field accuracy on gov-pages against the hand-read labels."""
    folder = corpora / "gov-pages"
    if not folder.exists() or not LABELS.exists():
        print(f"skipped: {folder} or {LABELS} not found")
        return
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    right = Counter()
    refused, wrong = 0, []
    for name, want in sorted(labels.items()):
        body = (folder / name).read_bytes()
        url = re.search(r'<meta[^>]+name="?url"?[^>]+content="([^"]+)"', body.decode("utf-8", "replace"), re.I)
        item = _fields(body, url.group(1) if url else f"http://{name}")
        if item is None:
            refused += 1
            continue
        published = want.get("published")
        precision = "day" if published and len(published) == 10 else "minute"
        checks = {
            "title": _fold(item.title) == _fold(want["title"]),
            "time": (published is None and item.published is None)
                    or (published is not None and _local(item, precision) == published[:16]),
            "author": _names(item.author) == _names(want.get("author")),
            "origin": _fold(item.origin_name) == _fold(want.get("origin")),
        }
        if want.get("body_start") and want.get("body_end"):
            text = _fold(plain_text(sanitize_html(item.content_html or "", item.base_url)))
            checks["body"] = _fold(want["body_start"]) in text and _fold(want["body_end"]) in text
        else:
            checks["body"] = True
        for field, ok in checks.items():
            right[field] += ok
            if not ok:
                wrong.append(f"{field}: {name}")
    total = len(labels)
    print(f"gov-pages fields ({total} labelled articles): " + "  ".join(
        f"{field} {right[field]}/{total}" for field in ("title", "time", "author", "origin", "body"))
        + f"  refused {refused}")
    for line in wrong:
        print(f"  wrong {line}")


def gne_pages(corpora: Path) -> None:
    """gne-testpages (no labels): refusals, and how many pages gave each field."""
    folder = corpora / "gne-testpages"
    if not folder.exists():
        print(f"skipped: {folder} not found")
        return
    pages = sorted((folder / "tests").rglob("*.html"))
    found = Counter()
    refused = []
    for path in pages:
        item = _fields(path.read_bytes(), f"http://gne.test/{path.relative_to(folder).as_posix()}")
        if item is None:
            refused.append(path.relative_to(folder).as_posix())
            continue
        found["title"] += bool(item.title)
        found["time to the minute"] += bool(item.published and not item.date_only)
        found["author"] += bool(item.author)
        found["origin"] += bool(item.origin_name)
    print(f"gne-testpages ({len(pages)} article pages, no labels): refused {len(refused)}  " + "  ".join(
        f"{k} {v}/{len(pages)}" for k, v in found.items()))
    for name in refused:
        print(f"  refused {name}")


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
    labelled_fields(args.corpora)
    gne_pages(args.corpora)
    return 0


if __name__ == "__main__":
    sys.exit(main())
