"""Which address published links point at: base_url as set, else where a server last listened.

Kept in the store (not the pipeline) because reading it is all `categories list` needs, and the
pipeline would pull the HTTP client into a command that should start at once.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from ..config import WILDCARD_HOSTS, Config, served_url
from .db import get_meta, set_meta

log = logging.getLogger("aggregator.publish")


SERVED_KEY = "served_base_url"


def resolve_base_url(db: Database, config: Config) -> Config:
    """The config to publish with: base_url as set, else the address the last `run`/`serve` on this
    data dir listened on (stored by it), else http://{host}:{port}/ of the settings."""
    if config.base_url:
        return config
    served = get_meta(db, SERVED_KEY) or served_url(config.host, config.port)
    return config.with_overrides(base_url=served)


def record_served(db: Database, config: Config, host: str, port: int) -> Config:
    """A server is listening on host:port: unless base_url is set, links point there from now on."""
    if config.base_url:
        return config
    url = served_url(host, port)
    if host in WILDCARD_HOSTS:
        log.warning("serving on all addresses, links say %s: set base_url to the public address", url)
    set_meta(db, SERVED_KEY, url)
    return config.with_overrides(base_url=url)
