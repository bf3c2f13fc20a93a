"""Store -> publish: rewrite the outputs whose articles changed.

The last step of the pipeline, spanning store and publish the way refresh spans the
ingest stages; the CLI and the daemon call it after a cycle. Files whose bytes are
unchanged are not touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .. import publish, store, telemetry
from ..config import Config
from ..errors import PublishError
from ..model import Category, from_iso, to_iso, utcnow
from ..store.served import record_served, resolve_base_url  # noqa: F401 (part of the pipeline's API)

log = logging.getLogger("aggregator.publish")
INDEX_LATEST = 20
PAGE_BATCH = 500
CATEGORY_PAGE_SIZE = 20  # articles on one page of a category
CATEGORY_PAGES = 50  # pages of a category kept published (1,000 articles)


@dataclass
class PublishReport:
    """Which files a publish wrote (unchanged files are not counted)."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # pages of articles no longer stored
    feeds: int = 0
    pages: int = 0
    failed: list[str] = field(default_factory=list)  # outputs that could not be built, with the reason
    base_url: str = ""  # the address the outputs link to (for WebSub pings)


# Set while a publish writes; found at the start of a publish, it means the last one stopped
# half-way (a crash, a power cut before its files were flushed): that publish becomes a full one,
# which rewrites every file whose bytes differ from the stored state.
UNFINISHED = "publish_unfinished"


def _write(report: PublishReport, path: Path, data: bytes) -> None:
    # Not flushed file by file: publish_site flushes the whole folder once at the end.
    if publish.write_atomic(path, data, durable=False):
        report.written.append(path)


def _isolated(report: PublishReport, what: str, func: Callable[..., None], *args: Any) -> None:
    """Build one output; a failure that is not the disk's (PublishError) is logged and skipped, so one
    bad category or article never stops the others from being published."""
    try:
        func(*args)
    except PublishError:
        raise  # a full disk or a missing folder fails every output alike: the caller retries
    except Exception as exc:  # a bug or a bad stored value: isolate it, say which output it hit
        log.exception("publish: %s could not be built", what)
        report.failed.append(f"{what}: {type(exc).__name__}: {exc}")


def _publish_category(db: Database, config: Config, report: PublishReport, category: Category,
                      names: dict[str, str], since: datetime) -> None:
    slug = None if category.slug == publish.ALL.slug else category.slug
    articles = [publish.with_media_urls(a, config.base_url)
                for a in store.latest_articles(db, slug, config.items_per_feed)]
    docs = publish.build_feeds(config, category, articles, names, empty_since=since)
    out = config.public_dir
    _write(report, out / "feeds" / f"{category.slug}.rss", docs.rss)
    _write(report, out / "feeds" / f"{category.slug}.atom", docs.atom)
    _write(report, out / "feeds" / f"{category.slug}.json", publish.build_json_feed(config, category, articles, names))
    report.feeds += 3
    if slug is not None:
        _publish_category_pages(db, config, report, category)


def _publish_category_pages(db: Database, config: Config, report: PublishReport, category: Category) -> None:
    """The category's pages for people: /categories/{slug}, then /categories/{slug}/2 ... (at most
    CATEGORY_PAGES; older articles stay reachable through search and their own URLs)."""
    slug, out = category.slug, config.public_dir / "categories"
    total = store.count_articles(db, slug)
    pages = max(1, min(-(-total // CATEGORY_PAGE_SIZE), CATEGORY_PAGES))
    for page in range(1, pages + 1):
        articles = [publish.with_media_urls(a, config.base_url) for a in
                    store.latest_articles(db, slug, CATEGORY_PAGE_SIZE, (page - 1) * CATEGORY_PAGE_SIZE)]
        path = out / f"{slug}.html" if page == 1 else out / slug / f"{page}.html"
        _write(report, path, publish.render_category(config, category, articles, page, pages))
    if (out / slug).is_dir():  # pages past the end, after articles left the category
        for stale in sorted((out / slug).glob("*.html")):
            if not stale.stem.isdigit() or int(stale.stem) > pages:
                if publish.remove_file(stale):
                    report.removed.append(stale)


def _retire_pages(db: Database, config: Config, report: PublishReport, full: bool, dropped: set[str],
                  stored: set[str]) -> None:
    """Pages of articles that are gone: a taken-down one becomes its 410 notice (under gone/, which
    the server answers with status 410), a pruned or purged one is deleted. A full publish sweeps
    every page and feed no stored article (`stored`, the ids it published) or category stands
    behind; otherwise only the `dropped` ids are looked at."""
    out = config.public_dir
    gone = store.taken_down(db, None if full else dropped)
    for article_id, at in gone.items():
        _write(report, out / "gone" / f"{article_id}.html", publish.render_gone(config, from_iso(at)))
    doomed = set(dropped)
    if full and (out / "articles").is_dir():
        doomed |= {p.stem for p in (out / "articles").glob("*.html") if p.stem not in stored}
    paths = [out / "articles" / f"{article_id}.html" for article_id in sorted(doomed | set(gone))]
    if full:  # the feeds and page of a category that was removed or merged away
        slugs = {r["slug"] for r in store.list_categories(db)} | {publish.ALL.slug}
        paths += [p for p in sorted((out / "feeds").glob("*.*"))
                  if p.suffix in (".rss", ".atom", ".json") and p.stem not in slugs]
        paths += [p for p in sorted((out / "categories").glob("*.html")) if p.stem not in slugs]
        paths += [p for p in sorted((out / "categories").glob("*/*.html")) if p.parent.name not in slugs]
    for path in paths:
        if publish.remove_file(path):
            report.removed.append(path)


def publish_site(db: Database, config: Config, *, categories: set[str] | None = None,
                 article_ids: set[str] | None = None, dropped: set[str] | None = None) -> PublishReport:
    """Rewrite feeds and pages; None for both means everything, else only what changed. `dropped`:
    ids of articles just removed (takedown, prune), whose pages go."""
    with telemetry.PUBLISH_SECONDS.time():
        if store.get_meta(db, UNFINISHED) is not None:
            log.warning("the last publish did not finish: publishing everything")
            categories = article_ids = None
        store.set_meta(db, UNFINISHED, to_iso(utcnow()))
        report = _publish_site(db, config, categories, article_ids, dropped)
        if report.written:
            publish.flush(config.public_dir)
        store.delete_meta(db, UNFINISHED)
        return report


def _publish_site(db: Database, config: Config, categories: set[str] | None, article_ids: set[str] | None,
                  dropped: set[str] | None) -> PublishReport:
    config = resolve_base_url(db, config)
    full = categories is None and article_ids is None
    out = config.public_dir
    report = PublishReport(base_url=config.base_url)
    rows = store.list_categories(db)
    names = {r["slug"]: r["name"] for r in rows}
    # A category that has never been written (new, still empty) gets its feeds too, so its
    # subscription URL answers from the start instead of 404 until its first article.
    wanted = categories or set()
    targets = [Category(r["slug"], r["name"]) for r in rows
               if full or r["slug"] in wanted or not (out / "feeds" / f"{r['slug']}.rss").exists()]
    if full or categories or not (out / "feeds" / "all.rss").exists():
        targets.append(publish.ALL)
    created = {r["slug"]: from_iso(r["created_at"]) for r in rows if r.get("created_at")}
    for category in targets:
        if category.slug == publish.ALL.slug:
            since = min(created.values(), default=publish.EPOCH)
        else:
            since = created.get(category.slug) or publish.EPOCH
        _isolated(report, f"feeds of {category.slug}", _publish_category, db, config, report, category, names, since)
    ids = store.all_article_ids(db) if full else sorted(article_ids or ())
    for start in range(0, len(ids), PAGE_BATCH):  # batches keep memory flat on a full publish
        for article in store.articles_by_ids(db, set(ids[start:start + PAGE_BATCH])):
            article = publish.with_media_urls(article, config.base_url)
            # An article whose home category was removed is still reachable through "all".
            category = (Category(article.category, names[article.category]) if article.category in names
                        else publish.ALL)
            _isolated(report, f"article {article.id}", lambda a=article, c=category: _write(
                report, out / "articles" / f"{a.id}.html", publish.render_article(config, a, c)))
            report.pages += 1
    _isolated(report, "pages of removed articles", _retire_pages, db, config, report, full, dropped or set(),
              set(ids) if full else set())
    _isolated(report, "the OPML of all feeds", lambda: _write(report, out / "feeds.opml", publish.build_opml(
        config, [Category(r["slug"], r["name"]) for r in rows])))
    _write(report, out / "index.html", publish.render_index(
        config, rows, store.latest_articles(db, None, INDEX_LATEST), store.count_articles(db)))
    _write(report, out / "style.css", publish.stylesheet())
    _write(report, out / "404.html", publish.render_not_found(config))
    store.set_meta(db, "last_publish_at", to_iso(utcnow()))
    log.info("publish feeds=%s pages=%s files_written=%s files_removed=%s", report.feeds, report.pages,
             len(report.written), len(report.removed))
    return report
