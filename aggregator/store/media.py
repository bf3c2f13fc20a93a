"""Mirrored images: which image URL became which stored file, and which could not be fetched."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlite_utils import Database

from ..model import to_iso, utcnow
from .db import translate_errors, writing

MAX_ATTEMPTS = 3  # an image that failed is tried again when its article is seen again, this many times
MEDIA_REF = re.compile(r"media:([0-9a-f]{32}\.[a-z]{3,4})")  # how a stored body points at a mirrored file


@dataclass
class MediaUrl:
    """One image URL: mirrored as `name` (hash.ext), or failed with `error`."""

    url: str
    status: str  # ok | failed
    name: str | None = None
    error: str | None = None
    attempts: int = 1


def lookup(db: Database, urls: list[str]) -> dict[str, MediaUrl]:
    """What is known of these image URLs."""
    found: dict[str, MediaUrl] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        for row in db.query(f"select url, status, name, error, attempts from media_urls where url in "
                            f"({','.join('?' * len(chunk))})", chunk):
            found[row["url"]] = MediaUrl(**row)
    return found


@translate_errors
def record(db: Database, outcomes: list[MediaUrl]) -> None:
    """Remember what fetching these image URLs gave."""
    if not outcomes:
        return
    now = to_iso(utcnow())
    with writing(db):
        db.conn.executemany(
            "insert or replace into media_urls (url, status, name, error, attempts, at) values (?, ?, ?, ?, ?, ?)",
            [(o.url, o.status, o.name, o.error, o.attempts, now) for o in outcomes])


def failures(db: Database) -> int:
    """Image URLs that could not be mirrored (their articles keep the original address)."""
    return db.execute("select count(*) from media_urls where status = 'failed'").fetchone()[0]


def referenced(db: Database, batch: int = 500) -> set[str]:
    """Every mirrored file name a stored article's body points at."""
    names: set[str] = set()
    last = ""
    while True:
        rows = db.execute("select id, content_html from articles where id > ? order by id limit ?",
                          [last, batch]).fetchall()
        if not rows:
            return names
        for _, body in rows:
            if body and "media:" in body:
                names.update(MEDIA_REF.findall(body))
        last = rows[-1][0]


@translate_errors
def forget(db: Database, names: set[str]) -> None:
    """Forget the URLs mirrored as these files (their files are being deleted); a later article
    that shows the same image fetches it again."""
    if not names:
        return
    with writing(db):
        db.conn.executemany("delete from media_urls where name = ?", [(n,) for n in sorted(names)])
