"""Pipeline: the only package spanning the stages: fetch -> parse -> normalize -> store, then publish.

refresh (one source), pages (a page source's listing and articles), work (the CPU part, in a
pool process), cycle (many sources at once), policy (when to fetch next), publish (store ->
feeds and pages, only what changed), retention (pruning old articles).
"""

from .cycle import CycleReport, run_cycle
from .publish import PublishReport, publish_site, record_served, resolve_base_url
from .media import sweep_media
from .retention import PRUNE_EVERY_SECONDS, prune_old
from .websub import announce, ping_hubs
from .refresh import Refresher, SourceOutcome, make_executor, redact
from .work import canary, parse_and_normalize

__all__ = [
    "CycleReport", "run_cycle", "PublishReport", "publish_site", "record_served", "resolve_base_url",
    "Refresher", "SourceOutcome", "make_executor", "redact", "canary", "parse_and_normalize",
    "PRUNE_EVERY_SECONDS", "prune_old", "sweep_media", "announce", "ping_hubs",
]
