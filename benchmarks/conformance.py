"""Conformance: every feedparser test feed through our real ingest and publish path.

Usage (from the project root; `make conformance` runs exactly this):

    .venv/bin/python benchmarks/conformance.py --corpora ../shared/corpora

Each file under <corpora>/feedparser-tests/tests becomes a FetchResult (raw bytes,
the headers its `Header:` comment lines ask for), goes through
pipeline.parse_and_normalize, and its articles are published with build_feeds
(RSS and Atom) and render_article. A file FAILS when:

- an exception escapes (bad input must become the _Parsed error string, not a crash);
- it takes longer than the per-file wall budget (a hang; caught with a timer signal);
- active content reaches published output: a <script> (or other active) element, an
  on<event>= attribute, or a javascript:/vbscript:/data:text/html URL, found by
  parsing every HTML payload of the produced feeds (RSS <description>,
  content:encoded, Atom content/summary/title of type html or xhtml) and the
  rendered article page;
- a produced feed is not well-formed XML;
- memory: one file raises the peak RSS by more than --max-file-mb, or a MemoryError
  (the address space is capped) ends up as the recorded parse error.

The raw-text patterns (<script, on<event>=, javascript:, ...) are also grepped in every
payload; a hit that the structural check does not confirm is a ruled-out false positive
(the text sits in a visible text node, an inert attribute such as alt/title, or a
plain-text field such as an Atom type="text" title) and is listed, not failed. The
scanning itself lives in leakscan.py.

It also runs feedparser itself on each file and compares: files where feedparser finds
entries against files that produced articles, with the reason for every difference.

The last line reads `conformance: N passed, M failed` (files; M also counts 1 when the
whole run's peak RSS is over --max-rss-mb). The process exits 1 on any failure, 0
otherwise, and 0 with a "skipped" line when the corpora folder is absent.
"""

from __future__ import annotations

import argparse
import html
import re
import resource
import signal
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import feedparser

from aggregator.config import Config
from aggregator.model import Category, FetchResult
from aggregator.normalize import SourceContext
from aggregator.pipeline import parse_and_normalize
from aggregator.publish import build_feeds, render_article
from leakscan import Finding, scan_feed, scan_html  # benchmarks/ is on sys.path when run as a script

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
CATEGORY = Category(slug="conformance", name="一致性")
NAMES = {CATEGORY.slug: CATEGORY.name}
BASE = "http://conformance.test/"

# Exactly feedparser's own harness (tests/helpers.py): `Header: Name: value` lines in the opening comment.
HEADER_RE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)


class Hang(BaseException):
    """Raised by the timer signal; a BaseException so no `except Exception` in the code under test eats it."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise Hang()


@dataclass
class FileResult:
    """What happened to one corpus file."""

    rel: str
    seconds: float = 0.0
    articles: int = 0
    error: str | None = None
    failures: list[str] = field(default_factory=list)
    ruled_out: list[Finding] = field(default_factory=list)
    fp_entries: int | None = None
    fp_error: str | None = None
    fp_showable: int = 0
    fp_only_svg: bool = False
    probe_articles: int | None = None
    rss_delta_kb: int = 0
    trace: str = ""


# ---------------------------------------------------------------------------------------------
# Reading the corpus the way feedparser's harness does


def bom_aware_text(data: bytes) -> str:
    """The file as text, for reading its header comment (BOM and UTF-16/32 signatures honoured)."""
    for prefix, codec, skip in (
        (b"\x00\x00\xfe\xff", "utf-32-be", 4), (b"\xff\xfe\x00\x00", "utf-32-le", 4),
        (b"\x00\x00\x00<", "utf-32-be", 0), (b"<\x00\x00\x00", "utf-32-le", 0),
        (b"\x00<\x00?", "utf-16-be", 0), (b"<\x00?\x00", "utf-16-le", 0),
        (b"\xfe\xff", "utf-16-be", 2), (b"\xff\xfe", "utf-16-le", 2), (b"\xef\xbb\xbf", "utf-8", 3),
    ):
        if data.startswith(prefix):
            return data[skip:].decode(codec, "ignore")
    return data.decode("utf-8", "ignore")


def simulated_headers(text: str, url: str) -> dict[str, str]:
    """HTTP headers from the file's `Header:` lines, lower-cased; text/xml when only other headers are given."""
    headers = {name.strip().lower(): value.strip() for name, value in HEADER_RE.findall(text)}
    if headers:
        headers.setdefault("content-type", "text/xml")  # what feedparser's harness serves by default
    headers.setdefault("content-location", url)
    return headers


# ---------------------------------------------------------------------------------------------
# What feedparser itself would show (for the comparison)


def _visible(markup: str) -> bool:
    """Whether HTML shows anything: text outside tags, or an image."""
    text = html.unescape(re.sub(r"<[^>]*>", "", markup)).strip()
    return bool(text) or "<img" in markup.lower()


def _showable(entry) -> str:
    """What a feedparser entry has that a reader could show: "" for nothing (no title text, no http(s)
    link, no body with visible text or an image), "svg/math" when only an SVG or MathML body shows."""
    title = html.unescape(re.sub(r"<[^>]*>", "", entry.get("title") or "")).strip()  # titles are text
    link = (entry.get("link") or "").lower().startswith(("http://", "https://"))
    bodies = [b for b in [c.get("value") or "" for c in entry.get("content") or []] + [entry.get("summary") or ""]
              if _visible(b)]
    if title or link:
        return "text"
    if bodies and all(re.match(r"\s*<(svg|math)\b", b, re.I) for b in bodies):
        return "svg/math"
    return "body" if bodies else ""


def _where(frames: list) -> str:
    """The innermost frame in our package (else the innermost at all), as file:line in function."""
    ours = [f for f in frames if "/aggregator/" in f.filename] or frames
    last = ours[-1]
    return f"{'/'.join(Path(last.filename).parts[-2:])}:{last.lineno} in {last.name}"


# ---------------------------------------------------------------------------------------------
# Running one file


_ENTRY_OPEN = re.compile(rb"<(entry|item)(\s[^>]*)?>")


def with_probe_links(raw: bytes) -> bytes | None:
    """The document with an http link added to every entry, or None when it has no entries (or is not ASCII-
    compatible). normalize drops an item with no title, link or visible body, so a sanitize case whose
    payload is all markup publishes nothing; with a link it is published and its body is checked."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00")):
        return None

    def add(match: re.Match) -> bytes:
        link = (b'<link rel="alternate" href="http://conformance.test/probe"/>' if match.group(1) == b"entry"
                else b"<link>http://conformance.test/probe</link>")
        return match.group(0) + link

    probed, count = _ENTRY_OPEN.subn(add, raw)
    return probed if count else None


def ingest(raw: bytes, rel: str, headers: dict[str, str], config: Config, budget: float,
           max_file_mb: float) -> FileResult:
    """Run bytes through parse_and_normalize, build_feeds and render_article, and scan what comes out."""
    res = FileResult(rel)
    url = BASE + rel
    fetched = FetchResult(url=url, final_url=url, status=200, headers=dict(headers), body=raw)
    ctx = SourceContext(source_id=1, category=CATEGORY.slug, feed_url=url, source_name=None,
                        timezone=config.timezone)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        parsed = parse_and_normalize(fetched, ctx, config.items_per_fetch, NOW)
        res.error = parsed.error
        res.articles = len(parsed.articles)
        docs = build_feeds(config, CATEGORY, parsed.articles, NAMES)
        pages = [(a.id, render_article(config, a, CATEGORY)) for a in parsed.articles]
        signal.setitimer(signal.ITIMER_REAL, 0)
    except Hang as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.name != "_on_alarm"]
        res.failures.append(f"hang: over the {budget:g} s budget, interrupted in {_where(frames)}")
        res.trace = "".join(traceback.format_list(frames[-6:]))
        return res
    except Exception as exc:  # the bug this script exists to find
        signal.setitimer(signal.ITIMER_REAL, 0)
        frames = traceback.extract_tb(exc.__traceback__)
        res.failures.append(f"crash: {type(exc).__name__}: {exc} (raised in {_where(frames)})")
        res.trace = "".join(traceback.format_exception(exc))
        return res
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        res.seconds = time.perf_counter() - started
        res.rss_delta_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

    if res.error and "MemoryError" in res.error:
        res.failures.append(f"memory: the parse ran out of memory and was recorded as {res.error!r}")
    if res.rss_delta_kb > max_file_mb * 1024:
        res.failures.append(f"memory: peak RSS grew by {res.rss_delta_kb / 1024:.0f} MB on this file "
                            f"(limit {max_file_mb:g} MB)")
    for kind, data in (("rss", docs.rss), ("atom", docs.atom)):
        problems, ruled_out = scan_feed(data, kind)
        res.failures += problems
        res.ruled_out += ruled_out
    for article_id, page in pages:
        problems, ruled_out = scan_html(page.decode("utf-8"), f"page {article_id}", document=True)
        res.failures += problems
        res.ruled_out += ruled_out
    return res


def compare_with_feedparser(res: FileResult, raw: bytes, headers: dict[str, str], budget: float) -> None:
    """Record how many entries feedparser itself finds, and how many it could show."""
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        fp = feedparser.parse(raw, **({"response_headers": headers} if len(headers) > 1 else {}))
        shows = [_showable(e) for e in fp.entries]
        res.fp_entries = len(fp.entries)
        res.fp_showable = sum(1 for x in shows if x)
        res.fp_only_svg = "svg/math" in shows and all(x in ("", "svg/math") for x in shows)
    except Hang:
        res.fp_error = "feedparser hang"
    except Exception as exc:
        res.fp_error = f"feedparser raised {type(exc).__name__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_file(path: Path, rel: str, config: Config, budget: float, compare: bool,
             max_file_mb: float = 256.0) -> FileResult:
    """One corpus file: its own run, a link-probe run for sanitize cases, the feedparser comparison."""
    raw = path.read_bytes()
    headers = simulated_headers(bom_aware_text(raw), BASE + rel)
    res = ingest(raw, rel, headers, config, budget, max_file_mb)
    probed = with_probe_links(raw) if rel.startswith("wellformed/sanitize/") else None
    if probed is not None:
        probe = ingest(probed, rel, headers, config, budget, max_file_mb)
        res.probe_articles = probe.articles
        res.failures += [f"[with probe link] {why}" for why in probe.failures]
        res.ruled_out += [Finding(f.where, f.pattern, f.detail) for f in probe.ruled_out]
        res.trace = res.trace or probe.trace
        res.seconds += probe.seconds
    if compare:
        compare_with_feedparser(res, raw, headers, budget)
    return res


def _cap_address_space(max_rss_mb: float) -> None:
    """Turn runaway allocation into a MemoryError (a reported failure) instead of swapping the machine."""
    try:
        status = Path("/proc/self/status").read_text()
        vm_kb = int(re.search(r"VmSize:\s+(\d+)", status).group(1))
    except (OSError, AttributeError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = vm_kb * 1024 + int(max_rss_mb * 4 * 1024 * 1024)
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def error_prefix(message: str) -> str:
    """A parse error message with its variable parts folded, for counting."""
    head = ":".join(message.split(":")[:2]).strip()
    head = re.sub(r"line \d+, column \d+", "line N, column N", head)
    head = re.sub(r"\d+", "N", head)
    return head[:90]


# ---------------------------------------------------------------------------------------------


def _print_errors(results: list[FileResult]) -> None:
    errors = Counter(error_prefix(r.error) for r in results if r.error)
    print(f"files recorded as parse errors: {sum(errors.values())}  (top 10 by message prefix)")
    for prefix, count in errors.most_common(10):
        print(f"  {count:5d}  {prefix}")


def _print_ruled_out(results: list[FileResult], verbose: bool) -> None:
    hits = [(r.rel, f) for r in results for f in r.ruled_out]
    print(f"ruled-out textual hits (inert, not failures): {len(hits)} in {sum(1 for r in results if r.ruled_out)} "
          "files")
    groups: dict[tuple, list[str]] = {}
    for rel, f in hits:
        output = "page" if f.where.startswith("page") else " ".join(f.where.split(" ")[:2])
        groups.setdefault((f.pattern, output, f.detail), []).append(rel)
    for (pattern, output, detail), files in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:12]:
        print(f"  {len(files):5d}  {pattern:<15} {output:<14} {detail}  e.g. {files[0]}")
    if verbose:
        for rel, f in hits:
            print(f"    {rel}: {f.where}: {f.pattern}: {f.detail}")


def _miss_reason(r: FileResult) -> str:
    if r.error:
        return f"recorded error: {error_prefix(r.error)}"
    if not r.fp_showable:
        return "entries have no title text, http(s) link or visible body (dropped by design)"
    if r.fp_only_svg:
        return "body is only SVG/MathML, which our allowlist drops with its content"
    return "REVIEW: feedparser shows a title, link or body, we publish nothing"


def _print_comparison(results: list[FileResult], verbose: bool) -> None:
    fp_yes = {r.rel for r in results if r.fp_entries}
    ours_yes = {r.rel for r in results if r.articles}
    print(f"feedparser finds entries in {len(fp_yes)} files ({sum(r.fp_entries or 0 for r in results)} entries); "
          f"we produced articles from {len(ours_yes)} files ({sum(r.articles for r in results)} articles); "
          f"both {len(fp_yes & ours_yes)}")
    missing = [r for r in results if r.rel in fp_yes - ours_yes]
    print(f"  entries in feedparser but no article here: {len(missing)} files")
    for text, count in Counter(_miss_reason(r) for r in missing).most_common(8):
        examples = [r.rel for r in missing if _miss_reason(r) == text][:3 if count > 5 else 5]
        print(f"    {count:5d}  {text}  e.g. {', '.join(examples)}")
    short = [r for r in results if r.articles and r.fp_showable > r.articles]
    print(f"  files with fewer articles than showable feedparser entries: {len(short)}"
          + (f" e.g. {', '.join(r.rel for r in short[:4])}" if short else ""))
    extra = sorted(ours_yes - fp_yes)
    print(f"  articles here but no feedparser entries: {len(extra)} files"
          + (f" e.g. {', '.join(extra[:4])}" if extra else ""))
    if verbose:
        for r in missing:
            print(f"    missing: {r.rel}: feedparser entries={r.fp_entries} error={r.error}")
    fp_fail = [r for r in results if r.fp_error]
    if fp_fail:
        print(f"  feedparser itself failed on {len(fp_fail)} files: {', '.join(r.rel for r in fp_fail[:5])}")


def _print_failures(failed: list[FileResult]) -> None:
    print(f"failures ({len(failed)} files):")
    shown: set[str] = set()
    for r in failed:
        for why in r.failures[:5]:
            print(f"  FAIL {r.rel}: {why}")
        if len(r.failures) > 5:
            print(f"  FAIL {r.rel}: ... and {len(r.failures) - 5} more")
        if r.trace and r.failures[0] not in shown:  # one traceback per distinct crash or hang
            shown.add(r.failures[0])
            print("    " + r.trace.rstrip().replace("\n", "\n    "))


def main(argv: list[str] | None = None) -> int:
    """Run the corpus, print the summary, return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", default="../shared/corpora", help="folder holding feedparser-tests/")
    ap.add_argument("--budget", type=float, default=10.0, help="wall seconds allowed per file (default 10)")
    ap.add_argument("--max-rss-mb", type=float, default=1024.0,
                    help="fail when the process's peak RSS exceeds this (default 1024)")
    ap.add_argument("--max-file-mb", type=float, default=256.0,
                    help="fail a file whose run raises the peak RSS by more than this (default 256)")
    ap.add_argument("--only", default="", help="run only files whose relative path contains this text")
    ap.add_argument("--no-compare", action="store_true", help="skip the feedparser entry-count comparison")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every ruled-out hit and mismatch")
    args = ap.parse_args(argv)

    root = Path(args.corpora) / "feedparser-tests" / "tests"
    if not Path(args.corpora).is_dir():
        print(f"skipped: {args.corpora} not found")
        return 0
    if not root.is_dir():
        print(f"skipped: {root} not found")
        return 0

    _cap_address_space(args.max_rss_mb)
    config = Config(base_url="http://127.0.0.1:8080/", site_name="一致性测试", data_dir=Path("/nonexistent"))
    signal.signal(signal.SIGALRM, _on_alarm)
    files = sorted(p for p in root.rglob("*") if p.is_file() and args.only in str(p.relative_to(root)))
    started, cpu0 = time.perf_counter(), time.process_time()
    results = [run_file(p, str(p.relative_to(root)), config, args.budget, not args.no_compare, args.max_file_mb)
               for p in files]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    groups = Counter("/".join(r.rel.split("/")[:2]) if r.rel.startswith("wellformed/") else r.rel.split("/")[0]
                     for r in results)
    print(f"corpus: {root}")
    print(f"files run: {len(results)}  ({', '.join(f'{k} {v}' for k, v in groups.most_common(6))}, ...)")
    print(f"articles produced: {sum(r.articles for r in results)} from {sum(1 for r in results if r.articles)} files")
    _print_errors(results)
    sanitize = [r for r in results if r.rel.startswith("wellformed/sanitize/")]
    probed = [r for r in sanitize if r.probe_articles is not None]
    print(f"sanitize/ cases: {len(sanitize)} run, {sum(r.articles for r in sanitize)} articles published, "
          f"{sum(1 for r in sanitize if r.failures)} leaking or failing; re-run with a link added to every entry "
          f"(so all-markup bodies are published too): {len(probed)} files, "
          f"{sum(r.probe_articles for r in probed)} articles published")
    _print_ruled_out(results, args.verbose)
    if not args.no_compare:
        _print_comparison(results, args.verbose)

    slowest = sorted(results, key=lambda r: r.seconds, reverse=True)[:3]
    print("slowest files: " + ", ".join(f"{r.rel} {r.seconds * 1000:.0f} ms" for r in slowest))
    grew = sorted(results, key=lambda r: r.rss_delta_kb, reverse=True)[:3]
    print("largest peak-RSS growth: " + ", ".join(f"{r.rel} +{r.rss_delta_kb / 1024:.1f} MB" for r in grew))
    print(f"time: {elapsed:.1f} s wall, {cpu:.1f} s CPU, {elapsed / max(len(results), 1) * 1000:.1f} ms per file"
          + ("" if args.no_compare else " (including the feedparser comparison)"))
    print(f"peak RSS: {peak_mb:.0f} MB (limit {args.max_rss_mb:.0f} MB)")

    failed = [r for r in results if r.failures]
    if failed:
        _print_failures(failed)
    over = peak_mb > args.max_rss_mb
    if over:
        print(f"FAIL: peak RSS {peak_mb:.0f} MB is over the {args.max_rss_mb:.0f} MB limit")
    print(f"conformance: {len(results) - len(failed)} passed, {len(failed) + int(over)} failed")
    return 1 if failed or over else 0


if __name__ == "__main__":
    sys.exit(main())
