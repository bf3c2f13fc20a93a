"""What each teaser item's article page gave (or why it gave nothing), remembered per item."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlite_utils import Database

from ..model import to_iso, utcnow
from .db import translate_errors, writing

MAX_ATTEMPTS = 3  # a page that failed is tried again on later polls, this many times in all


@dataclass
class FullText:
    """One item's full-text outcome: status ok (the page's body and fields) or failed (why)."""

    item_hash: str
    status: str  # ok | failed
    attempts: int = 1
    error: str | None = None
    body_html: str | None = None
    author: str | None = None
    origin: str | None = None
    published: str | None = None
    published_raw: str | None = None
    date_only: bool = False
    body_hash: str | None = None
    signature: bytes | None = None
    pages: int | None = None


_COLUMNS = [f.name for f in fields(FullText)]


def recall(db: Database, source_id: int, keys: list[str]) -> dict[str, FullText]:
    """The remembered outcomes of these items of a source, by item key."""
    found: dict[str, FullText] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in db.query(f"""select item_key, {', '.join(_COLUMNS)} from fulltext
                                where source_id = ? and item_key in ({','.join('?' * len(chunk))})""",
                            [source_id, *chunk]):
            key = row.pop("item_key")
            row["date_only"] = bool(row["date_only"])
            found[key] = FullText(**row)
    return found


@translate_errors
def remember(db: Database, source_id: int, outcomes: dict[str, FullText]) -> None:
    """Store these items' outcomes (replacing what was remembered for them)."""
    if not outcomes:
        return
    now = to_iso(utcnow())
    with writing(db):
        db.conn.executemany(
            f"""insert or replace into fulltext (source_id, item_key, fetched_at, {', '.join(_COLUMNS)})
                values (?, ?, ?, {', '.join('?' * len(_COLUMNS))})""",
            [(source_id, key, now, *(int(v) if isinstance(v, bool) else v for v in
                                     (getattr(o, c) for c in _COLUMNS))) for key, o in outcomes.items()])


def failures(db: Database) -> int:
    """How many items currently show their teaser because their page could not be read."""
    return db.execute("select count(*) from fulltext where status = 'failed'").fetchone()[0]
