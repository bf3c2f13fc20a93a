"""One ingest cycle over many sources, and what it reports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from .. import store
from ..config import Config
from ..fetch import Fetcher
from ..model import Source, utcnow
from .refresh import Refresher, SourceOutcome, make_executor

log = logging.getLogger("aggregator.pipeline")


@dataclass
class CycleReport:
    """All outcomes of one cycle, and what changed for publish."""

    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def categories(self) -> set[str]:
        """Categories whose articles changed in this cycle."""
        return set().union(*(o.categories for o in self.outcomes)) if self.outcomes else set()

    @property
    def article_ids(self) -> set[str]:
        """Articles added or changed in this cycle."""
        return set().union(*(o.article_ids for o in self.outcomes)) if self.outcomes else set()

    @property
    def failed(self) -> list[SourceOutcome]:
        """The outcomes that failed."""
        return [o for o in self.outcomes if o.result == "failed"]


def _lost(outcomes: list[SourceOutcome], error: str) -> None:
    """The group these sources' writes were in could not be committed (a full disk): nothing of
    theirs was stored, their validators neither, so the next cycle fetches them again."""
    for outcome in outcomes:
        log.error("source %s: %s", outcome.source_id, error)
        outcome.result, outcome.error = "failed", error
        outcome.new = outcome.updated = outcome.unchanged = 0
        outcome.categories, outcome.article_ids = set(), set()


async def run_cycle(db: Database, config: Config, sources: list[Source], *, force: bool = False,
                    on_done: Callable[[SourceOutcome], None] | None = None) -> CycleReport:
    """Refresh `sources` concurrently (the fetcher bounds the requests) and report every outcome."""
    report = CycleReport()
    started = utcnow()
    executor = make_executor(config) if len(sources) > 1 else None
    # Sources finishing close together commit together (store.WriteGroup); everything is committed
    # before run_cycle returns, so the publish that follows sees it all.
    group = store.WriteGroup(db, _lost) if len(sources) > 1 else None
    try:
        async with Fetcher(config) as fetcher:
            refresher = Refresher(db, config, fetcher, executor)

            async def one(source: Source) -> None:
                # Concurrency (max_concurrency, per host, host_delay) is the fetcher's business.
                outcome = await refresher.refresh(source, force=force, now=started)
                report.outcomes.append(outcome)
                if group is not None:
                    group.wrote(outcome)
                if on_done:
                    on_done(outcome)

            await asyncio.gather(*(one(s) for s in sources))
    finally:
        if group is not None:
            group.close()  # each source's writes are whole savepoints: what finished is kept
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    report.outcomes.sort(key=lambda o: o.source_id)
    return report
