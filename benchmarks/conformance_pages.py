"""Conformance of the page extractor: every real article and listing page of the corpora.

Usage (from the project root):

    .venv/bin/python benchmarks/conformance_pages.py --corpora ../shared/corpora [--quiet]

Pages: gne-testpages/tests and gne-testpages/visiable_test (articles), gne-testpages/test_list_page
(listings), and gov-pages (articles and listings, as its README's table says, with each page's
real URL from that table). Every page is handed to extract_article as fetch would hand it over:
the raw bytes with a bare text/html Content-Type (the files are UTF-8 even where a meta tag
says gb2312; decoding must go by the bytes).

A page FAILS when an exception other than ExtractError escapes (a crash), when an article page
raises ExtractError (unless the saved page shows almost no text at all: an empty script shell,
reported as such), or when a listing page is not refused as "a listing page". Each article
prints its title, published time (Beijing), author, origin, editor and body length with its
first 40 characters, so the fields can be checked by hand against what the page states.

The last line reads `conformance-pages: N passed, M failed`; the exit code is 1 on any failure,
and 0 with a "skipped" line when the corpora folder is absent.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from aggregator.errors import ExtractError
from aggregator.model import FetchResult
from aggregator.normalize import plain_text, sanitize_html
from aggregator.parse import decode
from aggregator.parse.page import extract_article
from aggregator.parse.page.dom import clean_text, drop_invisible, load_html

TZ = "Asia/Shanghai"
BEIJING = ZoneInfo(TZ)
EMPTY_SHELL = 400  # a page showing fewer characters than this has no article to find
GOV_LISTINGS = {"www.ccdi.gov.cn/search_results_page1.html", "gd.henan.gov.cn/henan-gov-cn_list_sample.html",
                "scjg.hubei.gov.cn/index.html"}
_ROW = re.compile(r"^\|\s*(?P<file>[^|]+?\.html)\s*\|[^|]*\|\s*(?P<kind>article|listing)\s*\|.*\|\s*(?P<url>\S+)[^|]*\|\s*$")


@dataclass
class Page:
    """One corpus page: where it is, what it is, the URL it was served from."""

    rel: str
    path: Path
    listing: bool
    url: str


def gov_pages(folder: Path) -> list[Page]:
    """The gov-pages files with their kind and page URL from the README's table."""
    readme = folder / "README.md"
    rows = {}
    if readme.exists():
        for line in readme.read_text(encoding="utf-8").splitlines():
            match = _ROW.match(line)
            if match:
                rows[match.group("file")] = (match.group("kind") == "listing", match.group("url"))
    pages = []
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        listing, url = rows.get(rel, (rel in GOV_LISTINGS, f"http://{rel}"))
        pages.append(Page(f"gov-pages/{rel}", path, listing or rel in GOV_LISTINGS, url))
    return pages


def gne_pages(folder: Path) -> list[Page]:
    """The GNE test pages: tests/ and visiable_test/ are articles, test_list_page/ listings."""
    pages = []
    for sub, listing in (("tests", False), ("visiable_test", False), ("test_list_page", True)):
        for path in sorted((folder / sub).rglob("*.html")):
            rel = path.relative_to(folder).as_posix()
            # No page URL is recorded for these: a neutral one, so no date can come from it.
            pages.append(Page(f"gne-testpages/{rel}", path, listing, f"http://gne.test/{rel}"))
    return pages


def visible_chars(body: bytes) -> int:
    """How much text the saved page shows at all (scripts, styles and hidden parts excluded)."""
    root = load_html(decode(body, "text/html").text)
    if root is None:
        return 0
    drop_invisible(root)
    return len(clean_text(root.text_content()))


def _show(value) -> str:
    return "-" if value in (None, "") else str(value)


def check(page: Page, now: datetime, quiet: bool) -> tuple[bool, str]:
    """Run one page; (passed, report lines)."""
    result = FetchResult(url=page.url, final_url=page.url, status=200,
                         headers={"content-type": "text/html"}, body=page.path.read_bytes())
    started = time.perf_counter()
    try:
        extracted = extract_article(result, TZ, now=now)
    except ExtractError as exc:
        ms = (time.perf_counter() - started) * 1000
        if page.listing:
            ok = "a listing page" in str(exc)
            return ok, f"{'ok  ' if ok else 'FAIL'} {page.rel} [listing] refused ({ms:.0f} ms): {exc}"
        visible = visible_chars(page.path.read_bytes())
        if visible < EMPTY_SHELL and "no body text" in str(exc):
            # A page whose article is loaded by script (gov.cn's shells): nothing to extract.
            return True, f"ok   {page.rel} [article] refused, the saved page shows only {visible} chars: {exc}"
        return False, f"FAIL {page.rel} [article] refused: {exc}"
    except Exception:  # a crash is exactly what this script looks for
        return False, f"FAIL {page.rel} crashed:\n{traceback.format_exc()}"
    ms = (time.perf_counter() - started) * 1000
    item = extracted.item
    if page.listing:
        return False, f"FAIL {page.rel} [listing] taken for an article: {item.title!r}"
    published = item.published.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if item.published else None
    if published and item.date_only:
        published = published[:10] + " (date only)"
    text = plain_text(sanitize_html(item.content_html or "", item.base_url))
    lines = [f"ok   {page.rel} ({ms:.0f} ms)"]
    if not quiet:
        lines += [
            f"     title    : {_show(item.title)}",
            f"     published: {_show(published)}   raw: {_show(item.published_raw)}",
            f"     author   : {_show(item.author)}   origin: {_show(item.origin_name)}   editor: {_show(extracted.editor)}",
            f"     link     : {_show(item.link if item.link != page.url else '(page url)')}   encoding: {extracted.encoding}",
            f"     body     : {len(text)} chars: {text[:40]}",
        ]
    return True, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the return value is the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="../shared/corpora", type=Path)
    parser.add_argument("--quiet", action="store_true", help="one line per page")
    args = parser.parse_args(argv)
    gne, gov = args.corpora / "gne-testpages", args.corpora / "gov-pages"
    if not gne.is_dir() and not gov.is_dir():
        print(f"skipped: {args.corpora} not found (gne-testpages, gov-pages)")
        return 0
    pages = (gne_pages(gne) if gne.is_dir() else []) + (gov_pages(gov) if gov.is_dir() else [])
    now = datetime.now(timezone.utc)
    passed = failed = 0
    for page in pages:
        ok, report = check(page, now, args.quiet)
        print(report)
        passed, failed = passed + ok, failed + (not ok)
    print(f"conformance-pages: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
