"""The store as it grows: insert rate, database size, publishing one category, a near-duplicate
look-up and the newest-50 query, measured at each size on one growing SQLite file. Asserts nothing.

Run (about 5 minutes to 100,000 and, the rate falling as the file grows, the best part of an hour
to 1,000,000 on a 2-core machine; `make bench-scale` runs it with the ingest at K = 2,000 and 10,000):

    .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000]

Articles are made as the parse worker makes them (our MinHash signature, the search index's form)
by two worker processes, and stored by store.upsert_articles in sources' batches of 20 inside group
commits of 1,000, as a cycle stores them. The insert rate is over the last step before each size.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from report import table  # noqa: E402
import upstream as synthetic  # noqa: E402

from aggregator import store  # noqa: E402
from aggregator.config import Config  # noqa: E402
from aggregator.model import Article, Source  # noqa: E402
from aggregator.normalize import plain_text  # noqa: E402
from aggregator.normalize.similarity import signature  # noqa: E402
from aggregator.pipeline import publish_site  # noqa: E402
from aggregator.store import clusters  # noqa: E402
from aggregator.store.articles import article_id_of  # noqa: E402

SOURCES = 500
CATEGORIES = 10
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make(n: int) -> Article:
    """Article n, as normalize would give it (source n % SOURCES)."""
    feed = n % SOURCES
    title, body = synthetic.entry_text(feed, n)
    key = f"http://127.0.0.1/site/{feed}/{n}.html"
    text = plain_text(body)
    when = BASE + timedelta(seconds=n * 7)
    return Article(
        id=article_id_of(key), key=key, source_id=feed + 1, category=f"c{feed % CATEGORIES}", title=title, url=key,
        guid=key, author=None, origin=f"来源{feed}", origin_url=None, feed_url=f"http://127.0.0.1/f/{feed}.xml",
        published=when, published_raw=None, date_missing=False, date_only=False, content_html=body,
        summary=text[:120], content_hash=hashlib.sha256(body.encode()).hexdigest(),
        first_seen=when, updated_at=when, body_hash=hashlib.sha256(text.encode()).hexdigest()[:32],
        signature=signature(text), search_grams=store.search_index_form(title, body))


def batch(start: int) -> list[Article]:
    return [make(n) for n in range(start, start + 1000)]


def measure(db, config: Config, probes: list[Article]) -> tuple[float, float, float]:
    """(publish one category ms, near-duplicate look-up median ms, newest 50 of a category ms)."""
    start = time.perf_counter()
    publish_site(db, config, categories={"c0"}, article_ids=set())
    publish_ms = (time.perf_counter() - start) * 1000
    lookups = []
    for article in probes:
        t0 = time.perf_counter()
        clusters.similar(db, article.signature)
        lookups.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    store.latest_articles(db, "c3", 50)
    return publish_ms, statistics.median(lookups), (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    args = ap.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="aggregator-scale-") as tmp:
        config = Config(data_dir=Path(tmp) / "data", base_url="http://127.0.0.1:8080/")
        db = store.open_db(config.db_path)
        for c in range(CATEGORIES):
            store.ensure_category(db, f"c{c}")
        for s in range(SOURCES):
            store.add_source(db, Source(id=None, url=f"http://127.0.0.1/f/{s}.xml", category=f"c{s % CATEGORIES}",
                                        kind="feed"))
        probes = [make(n) for n in range(0, 200 * 37, 37)]  # stored copies: every look-up finds one
        done = 0
        step_start, step_wall, step_cpu = 0, time.perf_counter(), 0.0  # since the last size measured
        started = time.perf_counter()
        with multiprocessing.get_context("forkserver").Pool(2) as pool:
            for articles in pool.imap(batch, range(0, sizes[-1], 1000), chunksize=4):
                t0 = time.process_time()
                with store.db.writing(db):  # a group commit of 1,000, as a cycle's WriteGroup makes
                    for i in range(0, len(articles), 20):
                        store.upsert_articles(db, articles[i:i + 20])
                step_cpu += time.process_time() - t0
                done += len(articles)
                if done in sizes:
                    count, wall = done - step_start, time.perf_counter() - step_wall
                    size_mb = sum(p.stat().st_size for p in config.data_dir.glob("aggregator.db*")) / 2**20
                    publish_ms, lookup_ms, latest_ms = measure(db, config, probes)
                    rows.append([f"{done:,}", f"{count / step_cpu:,.0f}", f"{count / wall:,.0f}", f"{size_mb:,.0f}",
                                 f"{size_mb * 2**20 / done / 1024:.1f}", f"{publish_ms:.0f}", f"{lookup_ms:.3f}",
                                 f"{latest_ms:.2f}"])
                    print(f"  {done:,} stored after {time.perf_counter() - started:.0f} s: {rows[-1]}", flush=True)
                    step_start, step_wall, step_cpu = done, time.perf_counter(), 0.0
        db.close()
    print(f"\nthe store as it grows ({os.cpu_count()} cores; articles made by 2 worker processes, stored by this one):")
    table(["articles", "stored/s (store CPU)", "stored/s (wall)", "DB MB", "kB/article", "publish 1 category ms",
           "near-dup look-up ms", "newest 50 ms"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
