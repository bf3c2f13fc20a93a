"""Articles: insert or update in one transaction per fetch, read newest first for publishing."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlite_utils import Database

from ..errors import NotFoundError
from ..model import Article, from_iso, to_iso
from .db import translate_errors, writing

_FIELDS = [f.name for f in fields(Article)]
_TIMES = {"published", "first_seen", "updated_at"}
_BOOLS = {"date_missing", "date_only"}
# Fields a later sighting may change; identity, first-seen time and placement never change.
_MUTABLE = ("title", "url", "author", "origin", "origin_url", "content_html", "summary", "content_hash",
            "updated_at", "guid", "published_raw")


@dataclass
class UpsertResult:
    """What one batch did to the table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    categories: set[str] = field(default_factory=set)
    article_ids: set[str] = field(default_factory=set)


def _to_row(article: Article) -> dict:
    row = {}
    for name in _FIELDS:
        value = getattr(article, name)
        if name in _TIMES:
            value = to_iso(value)
        elif name in _BOOLS:
            value = int(value)
        row[name] = value
    return row


def _from_row(row: dict) -> Article:
    values = {k: row[k] for k in _FIELDS}
    for name in _TIMES:
        values[name] = from_iso(values[name])
    for name in _BOOLS:
        values[name] = bool(values[name])
    return Article(**values)


def _existing(db: Database, article: Article) -> dict | None:
    """The stored row that is this article: same id, else same canonical URL."""
    rows = list(db.query("select * from articles where id = ?", [article.id]))
    if not rows and article.url:
        rows = list(db.query("select * from articles where url = ? order by first_seen limit 1", [article.url]))
    return rows[0] if rows else None


@translate_errors
def upsert_articles(db: Database, articles: list[Article]) -> UpsertResult:
    """Store a fetch's articles in one transaction; a known article is updated, never duplicated."""
    result = UpsertResult()
    with writing(db):
        for article in articles:
            row = _existing(db, article)
            if row is None:
                db["articles"].insert(_to_row(article) | {"last_seen": to_iso(article.first_seen)})
                result.new += 1
                result.categories.add(article.category)
                result.article_ids.add(article.id)
                continue
            seen = {"last_seen": to_iso(article.first_seen)}
            if row["content_hash"] == article.content_hash and (article.date_missing or
                                                               row["published"] == to_iso(article.published)):
                db["articles"].update(row["id"], seen)
                result.unchanged += 1
                continue
            fresh = _to_row(article)
            changes = {k: fresh[k] for k in _MUTABLE} | seen
            if not article.date_missing:
                # A real date replaces a stored one, or the first-seen stand-in of a dateless item.
                changes |= {"published": fresh["published"], "date_missing": 0, "date_only": fresh["date_only"]}
            db["articles"].update(row["id"], changes)
            result.updated += 1
            result.categories.add(row["category"])
            result.article_ids.add(row["id"])
    return result


def get_article(db: Database, article_id: str) -> Article:
    """One article by id, or NotFoundError."""
    rows = list(db.query("select * from articles where id = ?", [article_id]))
    if not rows:
        raise NotFoundError(f"no article with id {article_id}")
    return _from_row(rows[0])


def latest_articles(db: Database, category: str | None, limit: int) -> list[Article]:
    """The newest `limit` articles of a category (None: all), newest first, ties by id."""
    if category is None:
        rows = db.query("select * from articles order by published desc, id limit ?", [limit])
    else:
        rows = db.query("select * from articles where category = ? order by published desc, id limit ?",
                        [category, limit])
    return [_from_row(r) for r in rows]


def articles_by_ids(db: Database, ids: set[str]) -> list[Article]:
    """The articles with these ids (unknown ids are skipped)."""
    found: list[Article] = []
    id_list = sorted(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        found.extend(_from_row(r) for r in db.query(
            f"select * from articles where id in ({','.join('?' * len(chunk))})", chunk))
    return found


def all_article_ids(db: Database) -> list[str]:
    """Every article id (for a full republish)."""
    return [r[0] for r in db.execute("select id from articles order by id").fetchall()]


def count_articles(db: Database) -> int:
    """How many articles are stored."""
    return db.execute("select count(*) from articles").fetchone()[0]
