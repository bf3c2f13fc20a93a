"""Articles: insert or update in one transaction per fetch, read newest first for publishing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

from sqlite_utils import Database

from ..errors import NotFoundError
from ..model import Article, from_iso, to_iso
from .db import translate_errors, writing

_DERIVED = {"carried_by"}  # read from other tables, not columns of articles
_FIELDS = [f.name for f in fields(Article) if f.name not in _DERIVED]
_TIMES = {"published", "first_seen", "updated_at"}
_BOOLS = {"date_missing", "date_only"}
_LISTS = {"tags"}  # JSON arrays in a text column
# Fields a later sighting may change; identity, first-seen time and placement never change.
_MUTABLE = ("title", "url", "author", "origin", "origin_url", "content_html", "summary", "content_hash",
            "updated_at", "guid", "published_raw", "tags")


def article_id_of(key: str) -> str:
    """The id of an article key (as normalize's article_id: 16 hex digits of its sha256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


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
        elif name in _LISTS:
            value = json.dumps(value, ensure_ascii=False) if value else None
        row[name] = value
    return row


def _from_row(row: dict) -> Article:
    values = {k: row[k] for k in _FIELDS}
    for name in _TIMES:
        values[name] = from_iso(values[name])
    for name in _BOOLS:
        values[name] = bool(values[name])
    for name in _LISTS:
        values[name] = json.loads(values[name]) if values[name] else []
    return Article(**values)


def _existing(db: Database, article: Article) -> dict | None:
    """The stored row that is this article: same id, else same canonical URL, else (from another
    source) the same body: a reprint under another link, with other spacing or punctuation."""
    rows = list(db.query("select * from articles where id = ?", [article.id]))
    if not rows and article.url:
        rows = list(db.query("select * from articles where url = ? order by first_seen limit 1", [article.url]))
    if not rows and article.body_hash:
        rows = list(db.query("""select * from articles where body_hash = ? and coalesce(source_id, -1) != ?
                                order by first_seen, id limit 1""",
                             [article.body_hash, article.source_id if article.source_id is not None else -1]))
    return rows[0] if rows else None


# Second-level domains under which the registrant's name is the third label (www.people.com.cn).
_CN_SLDS = {"com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "mil.cn", "com.hk", "org.hk", "gov.hk"}


def site_of(url: str | None) -> str | None:
    """The registered site of a URL: politics.people.com.cn -> people.com.cn, www.ccdi.gov.cn -> ccdi.gov.cn."""
    try:
        host = (urlsplit(url or "").hostname or "").rstrip(".")
    except ValueError:
        return None
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return host or None  # an IP address is its own site
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in _CN_SLDS else 2
    return ".".join(labels[-keep:])


def _is_origin(db: Database, source_id: int | None, link: str | None) -> bool:
    """True when the source is the story's own site: the item's link is on the site of the source's URL.

    Only the URL an admin gave counts (not the site a feed names, learnt on its first fetch), so
    the answer is the same whichever source of a cycle is fetched first."""
    if source_id is None or not link:
        return False
    row = db.execute("select url from sources where id = ?", [source_id]).fetchone()
    return row is not None and site_of(link) == site_of(row[0])


def _rank(db: Database, source_id: int | None, link: str | None, first_seen: str) -> tuple:
    """Which sighting speaks for an article (lowest first): the origin's own site, then the earliest
    first seen, then the lowest source id, so neither fetch order within a cycle nor repetition matters."""
    return (0 if _is_origin(db, source_id, link) else 1, first_seen, source_id if source_id is not None else -1)


def _sight(db: Database, article: Article, article_id: str, item_key: str | None = None) -> None:
    """Record (or refresh) what this source said about the article (under the item's own key)."""
    db["sightings"].upsert(
        {"source_id": article.source_id if article.source_id is not None else 0, "item_key": item_key or article.key,
         "article_id": article_id, "url": article.url, "guid": article.guid, "title": article.title,
         "origin": article.origin, "content_hash": article.content_hash,
         "first_seen": to_iso(article.first_seen), "last_seen": to_iso(article.first_seen)},
        pk=("source_id", "item_key"), alter=False)


def _own_sighting(db: Database, article: Article) -> dict | None:
    rows = list(db.query("select * from sightings where source_id = ? and item_key = ?",
                         [article.source_id if article.source_id is not None else 0, article.key]))
    return rows[0] if rows else None


def _same_body(row: dict, article: Article) -> bool:
    if row.get("body_hash") and article.body_hash:
        return row["body_hash"] == article.body_hash
    return row["content_html"] == article.content_html


def _insert(db: Database, result: UpsertResult, article: Article, item_key: str | None = None) -> None:
    db["articles"].insert(_to_row(article) | {"last_seen": to_iso(article.first_seen)})
    _sight(db, article, article.id, item_key)
    result.new += 1
    result.categories.add(article.category)
    result.article_ids.add(article.id)


def _update_primary(db: Database, result: UpsertResult, row: dict, article: Article) -> None:
    """The primary sighting's source changed its item: the article follows it."""
    seen = {"last_seen": to_iso(article.first_seen)}
    if not row.get("body_hash") and article.body_hash:
        seen["body_hash"] = article.body_hash  # a row stored before bodies were hashed: reprints find it now
    if row["content_hash"] == article.content_hash and (article.date_missing or
                                                       row["published"] == to_iso(article.published)):
        db["articles"].update(row["id"], seen)
        result.unchanged += 1
        return
    fresh = _to_row(article)
    changes = {k: fresh[k] for k in _MUTABLE} | seen | {"body_hash": article.body_hash}
    if not article.date_missing:
        # A real date replaces a stored one, or the first-seen stand-in of a dateless item.
        changes |= {"published": fresh["published"], "date_missing": 0, "date_only": fresh["date_only"]}
    db["articles"].update(row["id"], changes)
    result.updated += 1
    result.categories.add(row["category"])
    result.article_ids.add(row["id"])


def _take_over(db: Database, result: UpsertResult, row: dict, article: Article) -> None:
    """A better-ranked sighting (the origin's own copy) now speaks for the article: its fields replace
    the article's; identity, category and first-seen time stay."""
    fresh = _to_row(article)
    keep = {"id", "key", "category", "first_seen"}
    db["articles"].update(row["id"], {k: v for k, v in fresh.items() if k not in keep}
                          | {"last_seen": to_iso(article.first_seen)})
    result.updated += 1
    result.categories.add(row["category"])
    result.article_ids.add(row["id"])


@translate_errors
def upsert_articles(db: Database, articles: list[Article]) -> UpsertResult:
    """Store one source's fetched articles in one transaction, as that source's sightings.

    A source only ever edits its own sightings, and an article only follows its primary sighting
    (see _rank). An item whose GUID or link another source already brought is a further sighting
    of that article when the bodies agree, else an article of its own: no source can rewrite what
    another source said.
    """
    result = UpsertResult()
    with writing(db):
        for article in articles:
            mine = _own_sighting(db, article)
            if mine is not None:
                row = next(iter(db.query("select * from articles where id = ?", [mine["article_id"]])), None)
                if row is not None:
                    if row["source_id"] == article.source_id:
                        _update_primary(db, result, row, article)
                    else:
                        result.unchanged += 1
                    db["sightings"].update((mine["source_id"], mine["item_key"]), {
                        "url": article.url, "guid": article.guid, "title": article.title, "origin": article.origin,
                        "content_hash": article.content_hash, "last_seen": to_iso(article.first_seen)})
                    continue
            row = _existing(db, article)
            if row is None:
                _insert(db, result, article)
            elif row["source_id"] == article.source_id:
                # Stored before sightings were kept, or the source's item changed its key.
                _sight(db, article, row["id"])
                _update_primary(db, result, row, article)
            elif _same_body(row, article):
                _sight(db, article, row["id"])
                primary = _rank(db, row["source_id"], row["url"], row["first_seen"])
                if _rank(db, article.source_id, article.url, to_iso(article.first_seen)) < primary:
                    _take_over(db, result, row, article)
                else:
                    # Nothing of the article changes but its list of outlets (同时刊载于): its
                    # page and feeds are published again, once.
                    result.unchanged += 1
                    result.categories.add(row["category"])
                    result.article_ids.add(row["id"])
            else:
                # The same GUID or link with another body: this source's own article, never an edit of
                # the other's (a reused GUID must not rewrite a trusted outlet's copy).
                key = f"{article.key}#source:{article.source_id}"
                _insert(db, result, article.replace(key=key, id=article_id_of(key)), item_key=article.key)
    return result


def _with_outlets(db: Database, articles: list[Article]) -> list[Article]:
    """Fill each article's carried_by from the sightings of sources other than its primary."""
    by_id = {a.id: a for a in articles}
    ids = sorted(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in db.query(
                f"""select s.article_id, s.source_id, s.url,
                           coalesce(nullif(src.name, ''), nullif(src.title, ''), src.url) as name
                    from sightings s join sources src on src.id = s.source_id
                    where s.article_id in ({','.join('?' * len(chunk))})
                    order by s.first_seen, s.source_id""", chunk):
            article = by_id[row["article_id"]]
            if row["source_id"] != article.source_id and all(name != row["name"] for name, _ in article.carried_by):
                article.carried_by.append((row["name"], row["url"]))
    return articles


def get_article(db: Database, article_id: str) -> Article:
    """One article by id, or NotFoundError."""
    rows = list(db.query("select * from articles where id = ?", [article_id]))
    if not rows:
        raise NotFoundError(f"no article with id {article_id}")
    return _with_outlets(db, [_from_row(rows[0])])[0]


def latest_articles(db: Database, category: str | None, limit: int) -> list[Article]:
    """The newest `limit` articles of a category (None: all), newest first, ties by id."""
    if category is None:
        rows = db.query("select * from articles order by published desc, id limit ?", [limit])
    else:
        rows = db.query("select * from articles where category = ? order by published desc, id limit ?",
                        [category, limit])
    return _with_outlets(db, [_from_row(r) for r in rows])


def articles_by_ids(db: Database, ids: set[str]) -> list[Article]:
    """The articles with these ids (unknown ids are skipped)."""
    found: list[Article] = []
    id_list = sorted(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        found.extend(_from_row(r) for r in db.query(
            f"select * from articles where id in ({','.join('?' * len(chunk))})", chunk))
    return _with_outlets(db, found)


def all_article_ids(db: Database) -> list[str]:
    """Every article id (for a full republish)."""
    return [r[0] for r in db.execute("select id from articles order by id").fetchall()]


def count_articles(db: Database) -> int:
    """How many articles are stored."""
    return db.execute("select count(*) from articles").fetchone()[0]
