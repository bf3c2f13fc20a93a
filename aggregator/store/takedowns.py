"""Takedowns and the blocklist: what a rights holder had removed never comes back.

A takedown removes an article with its whole cluster (every outlet's sighting) and remembers,
for good, everything that could bring it back: the links and GUIDs of every sighting, the item
keys, the folded body hash and the near-duplicate fingerprint (kept in the index as
"takedown:N"). New items are checked against all of it, and against the admin's blocklist of
来源 names, domains and URL patterns, before they are stored. Takedown records are never pruned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlite_utils import Database

from ..errors import NotFoundError, RejectedError
from ..model import Article, to_iso, utcnow
from . import clusters
from .articles import delete_articles, row_to_article
from .db import translate_errors, writing
from .gate import BLOCK_FIELDS, blocklist, matches

@dataclass
class Removed:
    """What a takedown (or a new blocklist entry) removed: for the report and the republish."""

    takedowns: list[int]
    articles: list[str]
    categories: set[str]


def find_article_id(db: Database, ref: str) -> str:
    """The article an admin means: its id, its page URL (…/articles/ID[.html]), or any link or
    GUID one of its outlets gave. NotFoundError otherwise."""
    text = ref.strip()
    tail = text.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    for candidate in (text, tail):
        if db.execute("select 1 from articles where id = ?", [candidate]).fetchone():
            return candidate
    row = db.execute("""select id from articles where url = ? or guid = ? or origin_url = ?
                        union select article_id from sightings where url = ? or guid = ? limit 1""",
                     [text] * 5).fetchone()
    if row:
        return row[0]
    gone = db.execute("select id from takedowns where article_id in (?, ?)", [text, tail]).fetchone()
    if gone:
        raise RejectedError(f"{ref} was already taken down (takedown {gone[0]})")
    raise NotFoundError(f"no stored article is {ref}: give its id, its page URL or one of its links")


def _remember(db: Database, takedown_id: int, kind: str, values: set[str]) -> None:
    db.conn.executemany("insert or ignore into blocked (kind, value, takedown_id) values (?, ?, ?)",
                        [(kind, v, takedown_id) for v in sorted(values) if v])


def _take_down(db: Database, article_id: str, reason: str, at: str, removed: Removed) -> None:
    row = db.execute("select id, key, title, url, guid, origin_url, body_hash from articles where id = ?",
                     [article_id]).fetchone()
    if row is None:
        return
    _, key, title, url, guid, origin_url, body_hash = row
    sightings = db.execute("select item_key, url, guid from sightings where article_id = ?", [article_id]).fetchall()
    links = {url, guid} | {s[1] for s in sightings} | {s[2] for s in sightings}
    if origin_url and urlsplit(origin_url).path not in ("", "/"):
        links.add(origin_url)  # the original article, not an outlet's home page every reprint names
    links = {link for link in links if link and "://" in link}
    cursor = db.execute("insert into takedowns (article_id, title, url, reason, at, urls) values (?, ?, ?, ?, ?, ?)",
                        [article_id, title, url, reason, at, json.dumps(sorted(links), ensure_ascii=False)])
    takedown_id = cursor.lastrowid
    _remember(db, takedown_id, "url", links)
    _remember(db, takedown_id, "key", {key} | {s[0] for s in sightings})
    _remember(db, takedown_id, "body", {body_hash or ""})
    # The fingerprint moves to the takedown, so a reworded copy is still recognised.
    signature = clusters.signature_of(db, article_id)
    removed.categories |= {r[0] for r in db.execute(
        "select category from article_categories where article_id = ?", [article_id])}
    delete_articles(db, [article_id])
    clusters.index_signature(db, f"{clusters.TAKEDOWN_PREFIX}{takedown_id}", signature)
    removed.takedowns.append(takedown_id)
    removed.articles.append(article_id)


@translate_errors
def take_down(db: Database, ref: str, reason: str) -> Removed:
    """Remove the article `ref` names, with its cluster, for `reason`; remember it for good."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RejectedError("a takedown needs a reason (--reason), kept with the record")
    removed = Removed([], [], set())
    with writing(db):
        _take_down(db, find_article_id(db, ref), reason, to_iso(utcnow()), removed)
    return removed


def list_takedowns(db: Database) -> list[dict]:
    """Every takedown, newest first, with the links it blocks."""
    rows = list(db.query("select id, article_id, title, url, reason, at, urls from takedowns order by id desc"))
    for row in rows:
        row["urls"] = json.loads(row["urls"] or "[]")
    return rows


def taken_down(db: Database, ids: set[str] | None = None) -> dict[str, str]:
    """Taken-down article ids (all, or those of `ids`) with when each was removed: their pages
    answer 410 Gone."""
    rows = db.execute("select article_id, min(at) from takedowns group by article_id order by article_id").fetchall()
    return {article_id: at for article_id, at in rows if ids is None or article_id in ids}


def _check_block(field: str, pattern: str) -> str:
    pattern = pattern.strip()
    if field not in BLOCK_FIELDS:
        raise RejectedError(f"a blocklist entry is by {', '.join(BLOCK_FIELDS)}, not {field!r}")
    if not pattern:
        raise RejectedError("a blocklist entry needs a pattern")
    if field == "domain":
        pattern = pattern.lower().removeprefix("*.").rstrip(".")
        if "/" in pattern or " " in pattern:
            raise RejectedError(f"{pattern!r} is not a domain: give a host name such as example.com")
    return pattern


@translate_errors
def add_block(db: Database, field: str, pattern: str, reason: str) -> tuple[int, Removed]:
    """Block new items by 来源 (exact name), domain (and its subdomains) or URL pattern (* wildcards),
    and take down the stored articles it matches, each with the same reason."""
    pattern = _check_block(field, pattern)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RejectedError("a blocklist entry needs a reason (--reason)")
    removed = Removed([], [], set())
    with writing(db):
        at = to_iso(utcnow())
        entry = db.execute("insert into blocklist (field, pattern, reason, at) values (?, ?, ?, ?)",
                           [field, pattern, reason, at]).lastrowid
        doomed = [row["id"] for row in db.query("select * from articles order by id")
                  if matches(field, pattern, row_to_article(row))]
        for article_id in doomed:
            _take_down(db, article_id, f"blocklist {entry}: {reason}", at, removed)
    return entry, removed


@translate_errors
def remove_block(db: Database, entry: int) -> None:
    """Lift a blocklist entry (what it took down stays taken down)."""
    with writing(db):
        if not db.execute("delete from blocklist where id = ?", [entry]).rowcount:
            raise NotFoundError(f"no blocklist entry {entry}")
