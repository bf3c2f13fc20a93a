"""Retention: old articles leave the database, and never come back as new.

An article is pruned when it was published before the cutoff and is not among the newest
items_per_feed of any feed it is in (its categories' and "all"): what subscribers see is never
thinned. Its sightings, memberships, fingerprint and the seen links that pointed at it go with it;
the digests of its item keys and links stay in `pruned`, so a feed that still lists it (or a listing
page that still links it) does not bring it back. Those digests are themselves dropped after
twice the retention age. Freed pages are returned to the file system by incremental vacuum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from ..model import to_iso
from .articles import delete_articles
from .db import translate_errors, writing
from .gate import digest


@dataclass
class Pruned:
    """What a prune removed (or, dry, would remove)."""

    article_ids: list[str] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    seen_links: int = 0
    forgotten_digests: int = 0
    freed_bytes: int = 0
    media: int = 0  # mirrored images no remaining article shows, deleted (pipeline.retention)


def _protected(db: Database, keep: int) -> set[str]:
    """The newest `keep` articles of every category and of "all": always kept."""
    ids = {r[0] for r in db.execute("select id from articles order by published desc, id limit ?", [keep])}
    for (slug,) in db.execute("select slug from categories").fetchall():
        ids |= {r[0] for r in db.execute(
            """select article_id from article_categories where category = ?
               order by published desc, article_id limit ?""", [slug, keep])}
    return ids


def candidates(db: Database, cutoff: datetime, keep: int) -> list[str]:
    """The ids a prune at `cutoff` removes, oldest first."""
    protected = _protected(db, keep)
    return [r[0] for r in db.execute("select id from articles where published < ? order by published, id",
                                     [to_iso(cutoff)]) if r[0] not in protected]


@translate_errors
def prune(db: Database, cutoff: datetime, keep: int, *, now: datetime, dry_run: bool = False,
          batch: int = 500) -> Pruned:
    """Remove the articles published before `cutoff` that no feed's newest `keep` hold."""
    result = Pruned(article_ids=candidates(db, cutoff, keep))
    if dry_run:
        return result
    stamp = to_iso(now)
    for start in range(0, len(result.article_ids), batch):  # short transactions: the daemon keeps writing
        chunk = result.article_ids[start:start + batch]
        marks = ",".join("?" * len(chunk))
        with writing(db):
            remembered = set()
            for key, url, guid in db.execute(f"select key, url, guid from articles where id in ({marks})", chunk):
                remembered |= {key, url, guid}
            for item_key, url, guid in db.execute(
                    f"select item_key, url, guid from sightings where article_id in ({marks})", chunk):
                remembered |= {item_key, url, guid}
            # The listing links that led to them too, so a page source does not fetch them again.
            remembered |= {r[0] for r in db.execute(f"select url from seen_links where article_id in ({marks})", chunk)}
            result.categories |= {r[0] for r in db.execute(
                f"select distinct category from article_categories where article_id in ({marks})", chunk)}
            db.conn.executemany("insert or replace into pruned (digest, at) values (?, ?)",
                                [(digest(v), stamp) for v in sorted(v for v in remembered if v)])
            result.seen_links += db.execute(f"delete from seen_links where article_id in ({marks})", chunk).rowcount
            delete_articles(db, chunk)
    with writing(db):
        # A feed that still lists an item after twice the retention age is rare; past that, its
        # digest is let go so the table stays bounded too.
        forget_before = to_iso(now - 2 * max(now - cutoff, timedelta(days=1)))
        result.forgotten_digests = db.execute("delete from pruned where at < ?", [forget_before]).rowcount
    result.freed_bytes = reclaim(db)
    return result


def reclaim(db: Database) -> int:
    """Give free pages back to the file system (incremental vacuum); returns the bytes freed."""
    page_size = db.execute("pragma page_size").fetchone()[0]
    free = db.execute("pragma freelist_count").fetchone()[0]
    if db.execute("pragma auto_vacuum").fetchone()[0] != 2:
        return 0  # a database made before incremental vacuum was switched on (see db.open_db)
    # It frees one page per step, and the sqlite3 module's execute steps it only once: executescript
    # runs it to the end (outside any transaction, which is where prune calls it).
    db.conn.executescript("pragma incremental_vacuum;")
    return (free - db.execute("pragma freelist_count").fetchone()[0]) * page_size


def enable_incremental_vacuum(db: Database) -> bool:
    """Switch a database made before retention existed to incremental vacuum (one full VACUUM,
    which rewrites the file: run it when nothing else writes). True when it was switched."""
    if db.execute("pragma auto_vacuum").fetchone()[0] == 2:
        return False
    db.execute("pragma auto_vacuum = incremental")
    db.execute("vacuum")
    return True
