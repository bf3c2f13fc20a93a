"""Ingest benchmark: parse, publish and full fetch cycles on synthetic feeds. Prints figures, asserts nothing.

Usage (from the project root; `make bench` runs exactly this):

    .venv/bin/python benchmarks/ingest.py [--feeds 50] [--items 50] [--repeat 20]

1. parse_and_normalize on in-memory feeds (RSS 2.0, Atom 1.0, RSS in GBK, JSON Feed),
   each with --items entries of about 2 KB of HTML: ms per feed and per entry, next to
   parse_document alone and bare feedparser (sanitizer off) for scale.
2. build_feeds (RSS + Atom) and render_article for one feed's worth of articles.
3. Full cycles with pipeline.run_cycle against a real HTTP upstream on 127.0.0.1
   (http.server in a thread, ETag/Last-Modified honoured) and a real SQLite file in a
   temporary directory: first fetch (all new), second fetch (all 304), third fetch
   with validators ignored by the server (200 with the same bytes: "unchanged" by body
   hash), for parse_workers=1 (one worker thread) and parse_workers=2 (process pool).
   Each setting runs --rounds times on a fresh database and the fastest round is shown
   (with every round's wall time, since the machine may be shared). The upstream listens on several ports, because aiohttp's per-host limit
   (per_host_limit, default 2) is keyed by host and port and real feeds live on many hosts.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import io
import json
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

import feedparser

from report import table  # benchmarks/report.py (scripts run from benchmarks/ on sys.path)
from proctree import DescendantCPU
from aggregator import store
from aggregator.config import Config
from aggregator.model import Category, FetchResult, Source
from aggregator.normalize import SourceContext
from aggregator.parse import parse_document
from aggregator.pipeline import parse_and_normalize, run_cycle
from aggregator.publish import build_feeds, render_article
from aggregator.pipeline import publish_site

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"
CN_WORDS = ("中央纪委国家监委", "网站", "记者", "报道", "近日", "召开", "会议", "强调", "推进", "全面从严治党",
            "高质量发展", "改革", "开放", "经济", "社会", "文化", "生态", "建设", "群众", "基层", "干部", "监督")
EN_WORDS = ("the", "council", "reported", "on", "Tuesday", "that", "new", "rules", "would", "apply", "to",
            "local", "offices", "from", "next", "month", "according", "officials", "said")


# ---------------------------------------------------------------------------------------------
# Synthetic feeds


def _sentence(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return "".join(rng.choice(CN_WORDS) for _ in range(rng.randint(8, 16))) + "。"
    return " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(10, 20))).capitalize() + "."


def item_html(rng: random.Random, n: int, chinese: bool = True, size: int = 2048) -> str:
    """About `size` characters of the HTML real CMS feeds carry: paragraphs, a link, an image, some junk."""
    parts = [f'<p style="text-indent:2em"><strong>{_sentence(rng, chinese)}</strong></p>',
             f'<p><img src="/images/{n}.jpg" alt="图{n}" onerror="x()"></p>']
    while sum(map(len, parts)) < size - 200:
        parts.append(f"<p>{_sentence(rng, chinese)} {_sentence(rng, chinese)}</p>")
    parts.append(f'<p>相关链接:<a href="/article/{n}.html?utm_source=rss">{_sentence(rng, chinese)[:12]}</a></p>')
    parts.append("<script>var tracker = 1;</script>")
    return "".join(parts)


def _entries(seed: int, items: int, chinese: bool = True) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(items):
        out.append({
            "title": _sentence(rng, chinese)[:30].rstrip("。") + f" {seed}-{i}",
            "link": f"http://news.example.com/{seed}/{i}.html",
            "html": item_html(rng, i, chinese),
            "date": NOW - timedelta(minutes=37 * i + seed),
            "author": rng.choice(("张三", "李四", "王五")),
        })
    return out


def rss_feed(seed: int, items: int, encoding: str = "utf-8") -> bytes:
    """RSS 2.0 with HTML descriptions and RFC 822 dates."""
    rows = [f'<?xml version="1.0" encoding="{encoding}"?>',
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
            f"<title>测试频道 {seed}</title><link>http://news.example.com/{seed}/</link>"
            "<description>synthetic</description>"]
    for e in _entries(seed, items):
        rows.append(f"<item><title>{escape(e['title'])}</title><link>{e['link']}</link>"
                    f"<guid>{e['link']}</guid><pubDate>{format_datetime(e['date'])}</pubDate>"
                    f"<dc:creator>{e['author']}</dc:creator>"
                    f"<description>{escape(e['html'])}</description></item>")
    rows.append("</channel></rss>")
    return "\n".join(rows).encode(encoding)


def atom_feed(seed: int, items: int) -> bytes:
    """Atom 1.0 with type="html" content and RFC 3339 dates."""
    rows = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
            f"<title>测试 Atom {seed}</title><id>urn:bench:{seed}</id><updated>{NOW.isoformat()}</updated>"
            f'<link href="http://news.example.com/{seed}/"/>']
    for e in _entries(seed, items):
        rows.append(f"<entry><title>{escape(e['title'])}</title><id>{e['link']}</id>"
                    f'<link rel="alternate" href="{e["link"]}"/><published>{e["date"].isoformat()}</published>'
                    f"<updated>{e['date'].isoformat()}</updated><author><name>{e['author']}</name></author>"
                    f'<content type="html">{escape(e["html"])}</content></entry>')
    rows.append("</feed>")
    return "\n".join(rows).encode("utf-8")


def json_feed(seed: int, items: int) -> bytes:
    """JSON Feed 1.1."""
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": f"测试 JSON {seed}",
           "home_page_url": f"http://news.example.com/{seed}/",
           "items": [{"id": e["link"], "url": e["link"], "title": e["title"], "content_html": e["html"],
                      "date_published": e["date"].isoformat(), "authors": [{"name": e["author"]}]}
                     for e in _entries(seed, items)]}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Timing helpers


def timed(fn, repeat: int) -> float:
    """Median wall seconds of `repeat` calls (one warm-up call first)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def cpu_now() -> float:
    """CPU seconds of this process (threads included)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


# ---------------------------------------------------------------------------------------------
# 1 and 2: in-memory parse and publish


def bench_parse(items: int, repeat: int) -> list:
    """Time parse_document, parse_and_normalize and bare feedparser per format; return the RSS articles."""
    url = "http://news.example.com/feed"
    ctx = SourceContext(source_id=1, category="news", feed_url=url, source_name=None, timezone=TZ)
    feeds = {
        "RSS 2.0 utf-8": (rss_feed(1, items), "application/rss+xml; charset=utf-8"),
        "Atom 1.0": (atom_feed(2, items), "application/atom+xml"),
        "RSS 2.0 GBK": (rss_feed(3, items, "gbk"), "text/xml"),
        "JSON Feed 1.1": (json_feed(4, items), "application/feed+json"),
    }
    rows = []
    rss_articles: list = []
    for name, (body, ctype) in feeds.items():
        result = FetchResult(url=url, final_url=url, status=200, headers={"content-type": ctype}, body=body)
        out = parse_and_normalize(result, ctx, 1000, NOW)
        if out.error:
            print(f"  {name}: parse error {out.error}")
            continue
        if not rss_articles:
            rss_articles = out.articles
        t_parse = timed(lambda: parse_document(result, TZ), repeat)
        t_full = timed(lambda: parse_and_normalize(result, ctx, 1000, NOW), repeat)
        if name.startswith("JSON"):
            t_fp = "n/a"
        else:
            t = timed(lambda: feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False),
                      repeat)
            t_fp = f"{t * 1000:.1f}"
        n = len(out.articles)
        rows.append([name, f"{len(body) / 1024:.0f} KB", n, t_fp, f"{t_parse * 1000:.1f}",
                     f"{(t_full - t_parse) * 1000:.1f}", f"{t_full * 1000:.1f}", f"{t_full * 1000 / max(n, 1):.2f}"])
    print(f"parse_and_normalize, {items} entries of ~2 KB HTML each (median of {repeat}):")
    table(["feed", "size", "entries", "feedparser ms", "parse ms", "normalize ms", "total ms/feed", "ms/entry"],
          rows)
    return rss_articles


def bench_publish(articles: list, repeat: int) -> None:
    """Time build_feeds (RSS + Atom) and render_article for one feed's worth of articles."""
    config = Config(base_url="http://127.0.0.1:8080/")
    category = Category("news", "新闻")
    names = {"news": "新闻"}
    t_feeds = timed(lambda: build_feeds(config, category, articles, names), repeat)
    docs = build_feeds(config, category, articles, names)
    t_pages = timed(lambda: [render_article(config, a, category) for a in articles], repeat)
    print(f"\npublish, {len(articles)} articles (median of {repeat}):")
    table(["step", "ms", "ms/article", "output"],
          [["build_feeds (RSS + Atom)", f"{t_feeds * 1000:.1f}", f"{t_feeds * 1000 / len(articles):.2f}",
            f"RSS {len(docs.rss) / 1024:.0f} KB, Atom {len(docs.atom) / 1024:.0f} KB"],
           ["render_article x N", f"{t_pages * 1000:.1f}", f"{t_pages * 1000 / len(articles):.2f}", "HTML pages"]])


# ---------------------------------------------------------------------------------------------
# 3: full cycles against a local upstream


class Upstream:
    """Feeds served by http.server threads on several loopback ports, with conditional GET."""

    LAST_MODIFIED = "Sat, 01 Jun 2024 12:00:00 GMT"

    def __init__(self, feeds: int, items: int, ports: int) -> None:
        self.bodies = {f"/feed/{i}.xml": (atom_feed(100 + i, items) if i % 2 else rss_feed(100 + i, items))
                       for i in range(feeds)}
        self.etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in self.bodies.items()}
        self.honour_validators = True
        self.hits = {"200": 0, "304": 0}
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                body = upstream.bodies.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = upstream.etags[self.path]
                if upstream.honour_validators and (self.headers.get("If-None-Match") == etag or
                                                   self.headers.get("If-Modified-Since") == upstream.LAST_MODIFIED):
                    upstream.hits["304"] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                upstream.hits["200"] += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if upstream.honour_validators:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", upstream.LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(ports)]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def urls(self) -> list[str]:
        """One URL per feed, spread over the ports."""
        return [f"http://127.0.0.1:{self.servers[i % len(self.servers)].server_port}{path}"
                for i, path in enumerate(self.bodies)]

    def close(self) -> None:
        """Stop every server."""
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _cycle(db, config: Config) -> tuple[float, float, dict, int]:
    sources = store.list_sources(db)
    cpu0, t0 = cpu_now(), time.perf_counter()
    with DescendantCPU() as workers:
        report = asyncio.run(run_cycle(db, config, sources))
    wall, cpu = time.perf_counter() - t0, cpu_now() - cpu0 + workers.seconds
    results: dict[str, int] = {}
    for o in report.outcomes:
        results[o.result] = results.get(o.result, 0) + 1
    failed = [o for o in report.outcomes if o.result == "failed"]
    if failed:
        print(f"  note: {len(failed)} sources failed, e.g. {failed[0].url}: {failed[0].error}")
    return wall, cpu, results, sum(o.new for o in report.outcomes)


def _one_round(upstream: Upstream, workers: int, publish: bool) -> list[tuple[str, str, int, float, float]]:
    """One fresh database: the three cycles (and a full publish); (label, results, new, wall, cpu) each."""
    out = []
    with tempfile.TemporaryDirectory(prefix="aggregator-bench-") as tmp:
        # host_delay 0: this measures throughput; the upstream's ports all share one host name,
        # which politeness would otherwise pace one request a second (benchmarks/soak.py measures that).
        config = Config(data_dir=Path(tmp) / "data", allow_private_networks=True, parse_workers=workers,
                        host_delay=0)
        db = store.open_db(config.db_path)
        category = store.ensure_category(db, "新闻")
        for url in upstream.urls():
            store.add_source(db, Source(id=None, url=url, category=category.slug, kind="feed"))
        for label, honour in (("1st: all new", True), ("2nd: all 304", True), ("3rd: 200, same bytes", False)):
            upstream.honour_validators = honour
            wall, cpu, results, new = _cycle(db, config)
            out.append((label, ", ".join(f"{k} {v}" for k, v in sorted(results.items())), new, wall, cpu))
        if publish:
            cpu0, t0 = cpu_now(), time.perf_counter()
            report = publish_site(db, config)
            out.append(("full publish", f"{report.feeds} feeds, {report.pages} pages", 0,
                        time.perf_counter() - t0, cpu_now() - cpu0))
        db.close()
    return out


def bench_cycles(upstream: Upstream, workers_list: list[int], publish: bool, rounds: int) -> None:
    """First (all new), second (all 304) and third (200, same bytes) cycles per parse_workers setting,
    each the fastest of `rounds` rounds on a fresh database (the machine may be shared)."""
    rows = []
    n = len(upstream.bodies)
    for workers in workers_list:
        runs = [_one_round(upstream, workers, publish) for _ in range(rounds)]
        for i, (label, results, new, _, _) in enumerate(runs[0]):
            best = min((run[i] for run in runs), key=lambda row: row[3])
            spread = ", ".join(f"{run[i][3]:.2f}" for run in runs)
            rows.append([workers, label, results, new if new else "", f"{best[3]:.2f}", f"{best[4]:.2f}",
                         f"{best[3] * 1000 / n:.1f}" if label != "full publish" else "", spread])
    print(f"\nrun_cycle over {n} feeds x {len(next(iter(upstream.bodies.values()))) // 1024} KB "
          f"({len(upstream.servers)} loopback ports), real SQLite file, parse_workers 1 = thread, 2 = process pool; "
          f"best of {rounds}:")
    table(["workers", "cycle", "results", "new", "wall s", "CPU s", "ms/source", "all rounds wall s"], rows)
    print(f"  (CPU s: this process plus its pool workers, sampled from /proc; upstream answered "
          f"{upstream.hits['200']} x 200, {upstream.hits['304']} x 304 in all)")


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=50, help="feeds served upstream for the cycle runs (default 50)")
    ap.add_argument("--items", type=int, default=50, help="entries per feed (default 50)")
    ap.add_argument("--repeat", type=int, default=20, help="timed repetitions of the in-memory steps (default 20)")
    ap.add_argument("--ports", type=int, default=8, help="loopback ports the upstream listens on (default 8)")
    ap.add_argument("--workers", default="1,2", help="parse_workers settings to compare (default 1,2)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds per cycle setting, best kept (default 2)")
    ap.add_argument("--no-publish", action="store_true", help="skip the full publish after the cycles")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # the pipeline logs one INFO line per fetch

    started = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, feedparser {feedparser.__version__}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f} at start (figures are noisy when other work shares the machine)\n")
    articles = bench_parse(args.items, args.repeat)
    bench_publish(articles, args.repeat)
    upstream = Upstream(args.feeds, args.items, args.ports)
    try:
        bench_cycles(upstream, [int(w) for w in args.workers.split(",")], not args.no_publish, args.rounds)
    finally:
        upstream.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\ntotal {time.perf_counter() - started:.1f} s, peak RSS {peak:.0f} MB (this process), "
          f"load average {load:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
