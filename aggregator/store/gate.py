"""The gate before the store: is a new item a taken-down story, blocked by the admin's list, or
one that retention already pruned?"""

from __future__ import annotations

import fnmatch
import hashlib

from sqlite_utils import Database

from ..model import Article
from . import clusters
from .sites import host_of, site_of

BLOCK_FIELDS = ("origin", "domain", "url")


def digest(value: str) -> str:
    """The short digest under which a pruned item key or link is remembered (store.retention)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def was_pruned(db: Database, values: list[str | None]) -> bool:
    """True when any of these item keys or links belonged to a pruned article."""
    digests = [digest(v) for v in values if v]
    if not digests:
        return False
    return db.execute(f"select 1 from pruned where digest in ({','.join('?' * len(digests))}) limit 1",
                      digests).fetchone() is not None


def blocklist(db: Database) -> list[dict]:
    """Every blocklist entry, oldest first."""
    return list(db.query("select id, field, pattern, reason, at from blocklist order by id"))


def matches(field: str, pattern: str, article: Article) -> bool:
    """Whether a blocklist entry covers an article: its 来源 exactly, the domain (or a subdomain) of
    its link or original link, or a URL pattern (shell wildcards, whole URL) on either."""
    if field == "origin":
        return (article.origin or "").strip() == pattern
    links = [u for u in (article.url, article.origin_url) if u]
    if field == "domain":
        hosts = [site_of(u) or "" for u in links] + [host_of(u) for u in links]
        return any(h == pattern or h.endswith("." + pattern) for h in hosts)
    return any(fnmatch.fnmatchcase(u, pattern) for u in links)


class Gate:
    """Checks new items against takedowns and the blocklist; built once per stored batch."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rules = [(r["field"], r["pattern"]) for r in blocklist(db)]
        prefix = clusters.TAKEDOWN_PREFIX
        self.near = db.execute("select 1 from fingerprints where article_id >= ? and article_id < ? limit 1",
                               [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]).fetchone() is not None
        # Most databases have never taken anything down nor pruned: then no item needs the look-ups.
        # The gate lives for one stored batch, inside its write transaction, so this cannot go stale.
        self.any_blocked = db.execute("select 1 from blocked limit 1").fetchone() is not None
        self.any_pruned = db.execute("select 1 from pruned limit 1").fetchone() is not None

    def blocks(self, article: Article) -> bool:
        """True when the item is a taken-down story (by link, GUID, key, body or fingerprint),
        matches the blocklist, or was pruned for age."""
        links = [v for v in (article.url, article.guid, article.origin_url) if v]
        checks = [("url", v) for v in links] + [("key", article.key)]
        if article.body_hash:
            checks.append(("body", article.body_hash))
        if self.any_blocked and self.db.execute(
                f"select 1 from blocked where {' or '.join(['(kind = ? and value = ?)'] * len(checks))} limit 1",
                [v for pair in checks for v in pair]).fetchone():
            return True
        if self.any_pruned and was_pruned(self.db, [article.key, article.url, article.guid]):
            return True  # pruned for age: not news again because a feed still lists it
        if self.near and any(found.startswith(clusters.TAKEDOWN_PREFIX)
                             for found, _ in clusters.similar(self.db, article.signature)):
            return True
        return any(matches(field, pattern, article) for field, pattern in self.rules)
