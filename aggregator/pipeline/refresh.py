"""Refresh one source: fetch -> parse -> normalize -> store, every outcome recorded on its row.

A failure is that source's recorded error and never stops the cycle. Parsing and
normalizing are CPU work and run off the event loop (a process pool sized to the
cores, or one worker thread), so fetches keep flowing while documents are parsed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlite_utils import Database

from .. import store, telemetry
from ..config import Config
from ..errors import AggregatorError, FetchError, NotAFeedError, ParseError, StoreError
from ..fetch import Fetcher
from ..model import FetchResult, Source, utcnow
from ..normalize import SIGNATURE_VERSION, SourceContext
from . import policy
from .fulltext import FullTextIngest
from .media import MediaIngest
from .pages import PageIngest
from . import work
from .work import Parsed, bounded, parse_and_normalize

log = logging.getLogger("aggregator.pipeline")


@dataclass
class SourceOutcome:
    """What one refresh did, for the summary table and the logs."""

    source_id: int
    url: str
    name: str
    result: str = "ok"  # ok | not_modified | unchanged | failed | skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    categories: set[str] = field(default_factory=set)
    article_ids: set[str] = field(default_factory=set)
    elapsed_ms: int = 0
    bytes: int = 0

    def record(self, upserted: store.UpsertResult) -> None:
        """Take the counts and changed categories/articles of a store write."""
        self.new, self.updated, self.unchanged = upserted.new, upserted.updated, upserted.unchanged
        self.categories, self.article_ids = upserted.categories, upserted.article_ids


def redact(url: str) -> str:
    """The URL without a user name or password, for logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def make_executor(config: Config) -> Executor | None:
    """A process pool sized by parse_workers (0: one per core); None means one worker thread."""
    workers = config.parse_workers or os.cpu_count() or 1
    if workers <= 1:
        return None
    # forkserver: the parent runs threads (DNS, sqlite), which fork() would copy mid-flight.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))


class Refresher(PageIngest, FullTextIngest, MediaIngest):
    """Refreshes sources against one database, one fetcher and one executor."""

    def __init__(self, db: Database | None, config: Config, fetcher: Fetcher, executor: Executor | None) -> None:
        """`db` may be None for a refresher that only reads pages (`aggregator extract`)."""
        self.db = db
        self.config = config
        self.fetcher = fetcher
        self.executor = executor
        if db is not None and store.check_fingerprint_format(db, SIGNATURE_VERSION):
            log.warning("near-duplicate fingerprints were made another way: dropped, rebuilt as articles are seen")

    async def _run(self, func, *args):
        """Run CPU work off the event loop: in the process pool, or a worker thread.

        Bounded: a document that takes longer than PARSE_SECONDS fails its source with a
        ParseError and the cycle goes on. A pool worker stops itself at the same deadline
        (work.bounded); a thread cannot be stopped and finishes in the background.
        """
        if self.executor is None:
            job = asyncio.to_thread(func, *args)
        else:
            job = asyncio.get_running_loop().run_in_executor(self.executor, bounded, func, *args)
        try:
            return await asyncio.wait_for(job, timeout=work.PARSE_SECONDS + work.PARSE_GRACE)
        except TimeoutError:
            raise ParseError(work.too_slow()) from None

    async def _parse(self, result: FetchResult, ctx: SourceContext, now: datetime,
                     encoding: str | None = None) -> Parsed:
        return await self._run(parse_and_normalize, result, ctx, self.config.items_per_fetch, now, encoding)

    def _context(self, source: Source, url: str) -> SourceContext:
        # A feed names itself (its title fills in later); a page source falls back to its site's host.
        fallback = urlsplit(url).hostname if source.kind == "page" else None
        return SourceContext(source_id=source.id, category=source.category, feed_url=url,
                             source_name=source.name or source.title or fallback,
                             timezone=source.timezone or self.config.timezone, from_feed=source.kind != "page")

    async def refresh(self, source: Source, *, force: bool = False, now: datetime | None = None) -> SourceOutcome:
        """Refresh one source and record the outcome on its row; never raises for upstream trouble."""
        outcome = SourceOutcome(source.id, source.url, source.display_name)
        # One cycle passes one time to all its sources: which sighting of a shared story counts as
        # first seen must not depend on which fetch of the cycle happened to finish first.
        now = now or utcnow()
        if not force and source.retry_after_until and source.retry_after_until > now:
            outcome.result = "skipped"
            outcome.error = f"upstream asked to wait until {source.retry_after_until:%Y-%m-%d %H:%M:%S} UTC"
            return outcome
        try:
            await self._refresh(source, outcome, now)
        except FetchError as exc:
            self._fail(source, outcome, exc.message, now, retry_after=exc.retry_after,
                       disable=exc.status == 410)
        except AggregatorError as exc:
            self._fail(source, outcome, exc.message, now)
        except Exception as exc:  # a bug: record it on the source and keep the cycle going
            log.exception("internal error refreshing source %s", source.id)
            self._fail(source, outcome, f"internal error: {type(exc).__name__}: {exc}", now)
        log.info("fetch source=%s url=%s result=%s bytes=%s ms=%s new=%s updated=%s%s", source.id,
                 redact(outcome.url),
                 outcome.result, outcome.bytes, outcome.elapsed_ms, outcome.new, outcome.updated,
                 f" error={outcome.error!r}" if outcome.error else "")
        telemetry.FETCHES.labels(outcome.result).inc()
        if outcome.elapsed_ms:
            telemetry.FETCH_SECONDS.observe(outcome.elapsed_ms / 1000)
        telemetry.ARTICLES.labels("new").inc(outcome.new)
        telemetry.ARTICLES.labels("updated").inc(outcome.updated)
        try:
            store.log_fetch(self.db, source.id, result=outcome.result, url=outcome.url, nbytes=outcome.bytes,
                            ms=outcome.elapsed_ms, new=outcome.new, updated=outcome.updated, error=outcome.error)
        except StoreError as exc:
            log.error("could not log the fetch of source %s: %s", source.id, exc)
        return outcome

    def _fail(self, source: Source, outcome: SourceOutcome, message: str, now: datetime, *,
              retry_after: float | None = None, disable: bool = False) -> None:
        outcome.result, outcome.error = "failed", message
        until = now + timedelta(seconds=retry_after) if retry_after else None
        if disable:
            message = f"{message}: gone, source disabled"
        failures = source.consecutive_failures + 1
        next_at, status = policy.after_failure(source.every, failures, self.config, now, until)
        try:
            store.record_failure(self.db, source.id, message, fetched_at=now, retry_after_until=until,
                                 next_fetch_at=next_at, status="disabled" if disable else status,
                                 failures=failures, disable=disable)
        except StoreError as exc:
            log.error("could not record failure of source %s: %s", source.id, exc)

    async def _refresh(self, source: Source, outcome: SourceOutcome, now: datetime) -> None:
        result = await self.fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        outcome.elapsed_ms, outcome.bytes = result.elapsed_ms, len(result.body)
        changes: dict = {}
        if result.permanent_redirect and store.find_source_by_url(self.db, result.final_url) is None:
            changes["url"] = result.final_url
        validators = {"etag": result.headers.get("etag"), "last_modified": result.headers.get("last-modified")}
        next_at = policy.after_success(source.every, self.config, now, policy.upstream_interval(result.headers, None))
        if result.not_modified:
            outcome.result = "not_modified"
            store.record_success(self.db, source.id, fetched_at=now, next_fetch_at=next_at, **changes)
            return
        body_hash = hashlib.sha256(result.body).hexdigest()
        if body_hash == source.content_hash:
            outcome.result = "unchanged"  # a 200 with the very same bytes: nothing to parse
            store.record_success(self.db, source.id, fetched_at=now, next_fetch_at=next_at, **validators, **changes)
            return
        if source.kind == "page":
            await self._refresh_listing(source, result, outcome, now, validators | changes | {"content_hash": body_hash})
            return
        parsed = await self._parse(result, self._context(source, result.final_url), now, source.selectors.encoding)
        if parsed.feed_links and source.kind == "auto":
            await self._switch_to_discovered(source, parsed.feed_links, outcome, now)
            return
        if parsed.html_page and source.kind == "auto":
            # Neither a feed nor a page advertising one: an `auto` source takes it as a listing page.
            store.update_source(self.db, source.id, kind="page")
            log.info("source %s: no feed at %s; reading it as a listing page", source.id, source.url)
            source = store.get_source(self.db, source.id)
            await self._refresh_listing(source, result, outcome, now, validators | changes | {"content_hash": body_hash})
            return
        if parsed.error:
            raise ParseError(parsed.error)
        ctx = self._context(source, result.final_url)
        ctx = dataclasses.replace(ctx, source_name=ctx.source_name or parsed.title)
        parsed.articles, full_text_warning, left_over = await self.complete_full_text(source, parsed.articles, ctx,
                                                                                       now)
        if left_over:
            # Teasers are left for the next poll: the same feed bytes must not look "unchanged" then.
            body_hash, validators = None, {"etag": None, "last_modified": None}
        parsed.articles = await self.mirror_images(parsed.articles)
        self._store(source, parsed, outcome)
        hint = policy.upstream_interval(result.headers, parsed.ttl_minutes)
        next_at = policy.after_success(source.every, self.config, now, hint)
        warning = "; ".join(filter(None, (parsed.warning, full_text_warning))) or None
        if warning:
            log.warning("source %s: %s", source.id, warning)
        store.record_success(self.db, source.id, fetched_at=now, next_fetch_at=next_at, content_hash=body_hash,
                             title=parsed.title or source.title, site_url=parsed.site_url or source.site_url,
                             warning=warning, **validators, **changes)

    async def _refresh_listing(self, source: Source, result: FetchResult, outcome: SourceOutcome, now: datetime,
                               changes: dict) -> None:
        run = await self.ingest_listing(source, result, now)
        run.articles = await self.mirror_images(run.articles)
        outcome.record(self.store_listing(source, run))
        if run.remaining:
            # Links are left for the next cycle: the same listing bytes must not look "unchanged" then.
            changes |= {"content_hash": None, "etag": None, "last_modified": None}
        if run.warning:
            log.warning("source %s: %s", source.id, run.warning)
        next_at = policy.after_success(source.every, self.config, now, policy.upstream_interval(result.headers, None))
        store.record_success(self.db, source.id, fetched_at=now, next_fetch_at=next_at, warning=run.warning,
                             site_url=source.site_url or source.url, title=run.title or source.title, **changes)

    def _store(self, source: Source, parsed: Parsed, outcome: SourceOutcome) -> None:
        outcome.record(store.upsert_articles(self.db, parsed.articles))

    async def _switch_to_discovered(self, source: Source, links: list[str], outcome: SourceOutcome,
                                    now: datetime) -> None:
        """Autodiscovery: point an `auto` source at the feed its page advertises, then fetch that."""
        feed_url = links[0]
        other = store.find_source_by_url(self.db, feed_url)
        if other is not None and other.id != source.id:
            raise NotAFeedError(f"not a feed: the page's feed {feed_url} is already source {other.id}")
        store.update_source(self.db, source.id, url=feed_url, kind="feed", site_url=source.url,
                            etag=None, last_modified=None, content_hash=None)
        log.info("source %s: discovered feed %s on %s", source.id, feed_url, source.url)
        switched = store.get_source(self.db, source.id)
        outcome.url = feed_url
        await self._refresh(switched, outcome, now)


