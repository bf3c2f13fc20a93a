"""The daemon: APScheduler 3 polling every enabled source on its own time, plus the HTTP server.

The database is the truth and the schedule follows it: each source is one
DateTrigger job at its stored next_fetch_at; after a refresh the pipeline has
stored the next time (interval with jitter, upstream hints, backoff, Retry-After)
and the job is set again for it. A sync job adds, moves and
removes jobs to match what the CLI changed (sync_interval, 30 s by default). Changed categories are published again
after a short debounce, so a burst of sources gives one rewrite per category.

APScheduler cancels running coroutine jobs on shutdown, so every refresh runs in
a task of our own, shielded, and shutdown waits for those tasks (up to
shutdown_grace seconds) before cancelling what is left.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .. import admin, store
from ..config import Config
from ..errors import AggregatorError, StoreError
from ..fetch import Fetcher
from ..pipeline import PRUNE_EVERY_SECONDS, Refresher, make_executor, prune_old, record_served
from ..serve import bind, start_server
from .debounce import DebouncedPublish
from .lock import DataDirLock

log = logging.getLogger("aggregator.scheduler")
START_SPREAD_SECONDS = 5.0


class Daemon:
    """One process: scheduler, fetcher, parse pool, debounced publishing and HTTP server."""

    def __init__(self, config: Config, host: str, port: int) -> None:
        self.config, self.host, self.port = config, host, port
        self.lock = DataDirLock(config.data_dir)
        self.stop = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._running: set[int] = set()
        self._stopping = False
        self._heartbeat = time.monotonic()

    async def run(self) -> None:
        """Run until SIGTERM or SIGINT, then shut down in order."""
        self.lock.acquire()
        try:
            # The port first: a taken port is one line and exit 1, with nothing fetched or written.
            sock = bind(self.host, self.port)
        except BaseException:
            self.lock.release()
            raise
        self.db = store.open_db(self.config.db_path)
        server_db = store.open_db(self.config.db_path, migrate=False)
        # Links point where we actually listen unless base_url is set (--port 0 included).
        self.config = record_served(self.db, self.config, self.host, sock.getsockname()[1])
        self.publishing = DebouncedPublish(self.config, self.config.publish_delay)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        runner = None
        executor = None
        try:
            # Outputs match the database (and its templates) from the start; on a fresh data dir the
            # feeds are written before the server answers, so subscribers never get a 404 at start-up.
            if not (self.config.public_dir / "feeds" / "all.rss").exists():
                self.publishing.request_full()
                try:
                    await self.publishing.flush()
                except AggregatorError as exc:  # e.g. a full disk: serve and fetch anyway, retry later
                    log.error("first publish failed: %s", exc)
                    self.publishing.request_full()
            else:
                self.publishing.request_full(now=True)
            runner = await start_server(self.config, server_db, sock, health=self.health,
                                        extend=lambda app, lock: admin.install(app, self.config, server_db, lock))
            executor = make_executor(self.config)
            async with Fetcher(self.config) as fetcher:
                self.fetcher = fetcher
                self.refresher = Refresher(self.db, self.config, fetcher, executor)
                self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=timezone.utc, job_defaults={
                    "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
                self.scheduler.add_job(self.sync, IntervalTrigger(seconds=self.config.sync_interval), id="sync",
                                       next_run_time=datetime.now(timezone.utc))
                # Retention: first a few minutes after start (not while the first cycle is busiest).
                self.scheduler.add_job(self.prune, IntervalTrigger(seconds=PRUNE_EVERY_SECONDS), id="prune",
                                       next_run_time=datetime.now(timezone.utc) + timedelta(minutes=5))
                self.scheduler.start()
                log.info("running: %s sources enabled, serving %s",
                         len(store.list_sources(self.db, enabled_only=True)), self.config.base_url)
                await self.stop.wait()
                await self._shutdown()
        finally:
            self.stop.set()
            if runner is not None:
                await runner.cleanup()
            else:
                sock.close()
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
            self.publishing.close()
            server_db.close()
            self.db.close()
            self.lock.release()
        log.info("stopped")

    async def _shutdown(self) -> None:
        """No new fetches; let running ones finish within the grace time; publish what they changed."""
        self._stopping = True
        self.fetcher.stopping = True  # queued requests give up; only those already sent may finish
        log.info("stopping: %s refreshes under way or queued", len(self._tasks))
        self.scheduler.shutdown(wait=False)
        if self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                log.warning("cancelled %s fetches still running after %gs", len(pending), self.config.shutdown_grace)
        try:
            await asyncio.wait_for(self.publishing.flush(), timeout=max(self.config.shutdown_grace, 1))
        except (TimeoutError, AggregatorError) as exc:
            log.error("final publish did not complete: %s", exc)

    def health(self) -> dict:
        """/healthz body; raises (503) when the scheduler stopped or has not synced for a while."""
        scheduler = getattr(self, "scheduler", None)  # None while the first publish runs
        if scheduler is None or not scheduler.running:
            raise RuntimeError("scheduler is not running")
        stale = time.monotonic() - self._heartbeat
        if stale > 3 * self.config.sync_interval + 5:
            raise RuntimeError(f"scheduler has not run for {stale:.0f}s")
        return {"scheduler": "running", "fetches_running": len(self._running)}

    async def sync(self) -> None:
        """Make the jobs match the database: one per enabled source, at its stored next_fetch_at."""
        self._heartbeat = time.monotonic()
        try:
            sources = store.list_sources(self.db, enabled_only=True)
        except StoreError as exc:
            log.error("sync: %s", exc)
            return
        if store.get_meta(self.db, admin.REPUBLISH_KEY):  # a takedown through the admin API
            store.set_meta(self.db, admin.REPUBLISH_KEY, "")
            self.publishing.request_full()
        now = datetime.now(timezone.utc)
        wanted = {f"source:{s.id}": s for s in sources}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("source:") and job.id not in wanted:
                job.remove()
                log.info("source %s removed or disabled: unscheduled", job.id.split(":")[1])
        due = [s for s in sources if not s.next_fetch_at or s.next_fetch_at <= now]
        spread = min(START_SPREAD_SECONDS, 0.05 * len(due))
        for job_id, source in wanted.items():
            if source.id in self._running:
                continue
            job = self.scheduler.get_job(job_id)
            if source.next_fetch_at and source.next_fetch_at > now:
                when = source.next_fetch_at
            elif job is not None and job.next_run_time and job.next_run_time <= now + timedelta(seconds=spread + 1):
                continue  # already queued to run now
            else:
                when = now + timedelta(seconds=random.uniform(0, spread))
            if job is None or abs((job.next_run_time - when).total_seconds()) > 1:
                self._schedule(source.id, when)

    async def prune(self) -> None:
        """The retention job: old articles leave; a full publish then sweeps their pages."""
        try:
            pruned = prune_old(self.db, self.config)
        except StoreError as exc:
            log.error("prune: %s", exc)
            return
        if pruned.article_ids:
            self.publishing.request_full()

    def _schedule(self, source_id: int, when: datetime) -> None:
        self.scheduler.add_job(self._fetch_job, DateTrigger(run_date=when), args=[source_id],
                               id=f"source:{source_id}", replace_existing=True)

    async def _fetch_job(self, source_id: int) -> None:
        """The job APScheduler runs; the work is a task of ours so shutdown can wait for it."""
        if self._stopping or source_id in self._running:
            return
        self._running.add(source_id)  # before the task starts, so a sync in between sees it running
        task = asyncio.create_task(self._refresh(source_id), name=f"refresh-{source_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            pass  # the scheduler is shutting down; _shutdown waits for the task itself

    async def _refresh(self, source_id: int) -> None:
        try:
            try:
                source = store.get_source(self.db, source_id)
            except StoreError:
                return  # removed since it was scheduled
            if not source.enabled:
                return
            outcome = await self.refresher.refresh(source)  # the fetcher queues it politely
            if outcome.categories or outcome.article_ids:
                self.publishing.request(outcome.categories, outcome.article_ids)
            after = store.get_source(self.db, source_id)
            if after.enabled and not self._stopping:
                self._schedule(source_id, after.next_fetch_at or datetime.now(timezone.utc))
        except asyncio.CancelledError:
            raise
        except StoreError as exc:  # e.g. the disk is full: the row keeps its old state, the next sync retries
            log.error("refresh of source %s could not be stored: %s", source_id, exc)
        except Exception:  # a bug must not stop the daemon: log it, the next sync reschedules
            log.exception("refresh of source %s failed", source_id)
        finally:
            self._running.discard(source_id)


def run_daemon(config: Config, host: str, port: int) -> None:
    """Run the daemon in a fresh event loop until it is signalled to stop."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    asyncio.run(Daemon(config, host, port).run())
