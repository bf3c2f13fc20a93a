"""Retention as the daemon and `aggregator prune` run it: the cutoff from the settings, then the store."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlite_utils import Database

from .. import store
from ..config import Config
from ..model import utcnow
from .media import sweep_media

log = logging.getLogger("aggregator.retention")
PRUNE_EVERY_SECONDS = 6 * 3600  # how often the daemon prunes; cheap when nothing is old


def prune_old(db: Database, config: Config, *, days: int | None = None, dry_run: bool = False,
              now: datetime | None = None) -> store.Pruned:
    """Remove articles older than `days` (default: retention_days; 0 keeps everything) that no
    feed's newest items_per_feed hold."""
    days = config.retention_days if days is None else days
    if days <= 0:
        return store.Pruned()
    now = now or utcnow()
    pruned = store.prune(db, now - timedelta(days=days), config.items_per_feed, now=now, dry_run=dry_run)
    if pruned.article_ids and not dry_run:
        pruned.media = sweep_media(db, config)
        log.info("prune removed=%s seen_links=%s freed_bytes=%s", len(pruned.article_ids), pruned.seen_links,
                 pruned.freed_bytes)
    return pruned
