"""Debounced publishing for the daemon: many ingests in a burst, one rewrite per category.

Publishing renders templates and writes files, so it runs in a worker thread with
a database connection of its own (WAL lets it read while the loop ingests).
"""

from __future__ import annotations

import asyncio
import logging

from .. import store
from ..config import Config
from ..errors import AggregatorError
from ..pipeline import announce, publish_site

log = logging.getLogger("aggregator.publish")
RETRY_PAUSE = 30.0


class DebouncedPublish:
    """Collects changed categories and articles; publishes them `delay` seconds after the first change."""

    def __init__(self, config: Config, delay: float) -> None:
        self.config = config
        self.delay = delay
        self._db = store.open_db(config.db_path, migrate=False)
        self._categories: set[str] = set()
        self._ids: set[str] = set()
        self._full = False
        self._timer: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._pings: set[asyncio.Task] = set()  # WebSub pings in flight (kept referenced)

    def request(self, categories: set[str], article_ids: set[str]) -> None:
        """Ask for these outputs to be rewritten soon."""
        self._categories |= categories
        self._ids |= article_ids
        self._arm()

    def request_full(self, *, now: bool = False) -> None:
        """Ask for every output to be rewritten (start-up); `now` skips the debounce delay."""
        self._full = True
        self._arm(0.0 if now else None)

    def _arm(self, first_delay: float | None = None) -> None:
        if self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(self._after_delay(first_delay))

    @property
    def pending(self) -> bool:
        """True while some requested output has not been published yet."""
        return bool(self._full or self._categories or self._ids)

    async def _after_delay(self, first_delay: float | None = None) -> None:
        # Changes that arrive while a publish runs are picked up by the next round of this loop.
        delay = self.delay if first_delay is None else first_delay
        while self.pending:
            await asyncio.sleep(delay)
            delay = self.delay
            try:
                await self.flush()
            except AggregatorError as exc:  # e.g. disk full: keep the daemon up, retry after a pause
                log.error("publish failed: %s", exc)
                await asyncio.sleep(max(self.delay, RETRY_PAUSE))

    async def flush(self) -> None:
        """Publish everything requested so far, now."""
        async with self._lock:
            if not self.pending:
                return
            full, categories, ids = self._full, self._categories, self._ids
            self._full, self._categories, self._ids = False, set(), set()
            try:
                if full:
                    report = await asyncio.to_thread(publish_site, self._db, self.config)
                else:
                    report = await asyncio.to_thread(publish_site, self._db, self.config, categories=categories,
                                                     article_ids=ids)
            except AggregatorError:
                # Put the work back so the next flush retries it.
                self._full |= full
                self._categories |= categories
                self._ids |= ids
                raise
        # In the background: a slow or dead hub never holds up the next publish.
        task = asyncio.create_task(announce(self.config, report), name="websub")
        self._pings.add(task)
        task.add_done_callback(self._pings.discard)

    def close(self) -> None:
        """Release the connection."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._db.close()
