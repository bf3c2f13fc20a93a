"""Articles: insert or update in one transaction per fetch, read newest first for publishing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields

from sqlite_utils import Database

from ..errors import NotFoundError
from ..model import Article, from_iso, to_iso
from . import clusters, search
from .gate import Gate
from .rules import Moves, RuleSet, plan, rule_set
from .sites import site_of
from .db import insert_row, rows as query_rows, translate_errors, update_row, upsert_row, writing

_DERIVED = {"carried_by", "signature", "search_grams"}  # kept in other tables, not columns of articles
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
    blocked: int = 0
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


def row_to_article(row: dict) -> Article:
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
    source) the same body: a reprint under another link, with other spacing or punctuation, else
    (from another source) the same story by its near-duplicate fingerprint."""
    rows = query_rows(db, "select * from articles where id = ?", [article.id])
    if not rows and article.url:
        rows = query_rows(db, "select * from articles where url = ? order by first_seen limit 1", [article.url])
    other = article.source_id if article.source_id is not None else -1
    if not rows and article.body_hash:
        rows = query_rows(db, """select * from articles where body_hash = ? and coalesce(source_id, -1) != ?
                                      order by first_seen, id limit 1""", [article.body_hash, other])
    if not rows and article.signature:
        for article_id, _ in clusters.similar(db, article.signature):
            rows = query_rows(db, "select * from articles where id = ? and coalesce(source_id, -1) != ?",
                                  [article_id, other])
            if rows:
                break
    return rows[0] if rows else None


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
    upsert_row(db, "sightings", {
        "source_id": article.source_id if article.source_id is not None else 0, "item_key": item_key or article.key,
        "article_id": article_id, "url": article.url, "guid": article.guid, "title": article.title,
        "origin": article.origin, "content_hash": article.content_hash,
        "first_seen": to_iso(article.first_seen), "last_seen": to_iso(article.first_seen)}, ("source_id", "item_key"))


def _own_sighting(db: Database, article: Article) -> dict | None:
    rows = query_rows(db, "select * from sightings where source_id = ? and item_key = ?",
                      [article.source_id if article.source_id is not None else 0, article.key])
    return rows[0] if rows else None


def _same_body(db: Database, row: dict, article: Article) -> bool:
    """The same story: the same folded body, or (for bodies long enough to tell) fingerprints that
    agree at least as well as clustering asks."""
    if row.get("body_hash") and article.body_hash and row["body_hash"] == article.body_hash:
        return True
    if article.signature:
        stored = clusters.signature_of(db, row["id"])
        if stored and clusters.similarity(stored, article.signature) >= clusters.THRESHOLD:
            return True
    if row.get("body_hash") and article.body_hash:
        return False
    return row["content_html"] == article.content_html


def _placed(db: Database, article_id: str, published: str) -> None:
    """Keep the article's category memberships in step with its publication time."""
    db.execute("update article_categories set published = ? where article_id = ?", [published, article_id])


def _insert(db: Database, result: UpsertResult, article: Article, rules: RuleSet,
            item_key: str | None = None) -> None:
    insert_row(db, "articles", _to_row(article) | {"last_seen": to_iso(article.first_seen)})
    placed = rules.categories(article)  # its source's category, with what the rules add or keep out
    db.conn.executemany("insert into article_categories (article_id, category, published) values (?, ?, ?)",
                        [(article.id, category, to_iso(article.published)) for category in sorted(placed)])
    clusters.index_signature(db, article.id, article.signature, new=True)
    search.index_article(db, article.id, article.title, article.content_html, new=True, made=article.search_grams)
    _sight(db, article, article.id, item_key)
    result.new += 1
    result.categories |= placed | {article.category}
    result.article_ids.add(article.id)


def _update_primary(db: Database, result: UpsertResult, row: dict, article: Article) -> None:
    """The primary sighting's source changed its item: the article follows it."""
    seen = {"last_seen": to_iso(article.first_seen)}
    if not row.get("body_hash") and article.body_hash:
        seen["body_hash"] = article.body_hash  # a row stored before bodies were hashed: reprints find it now
    if row["content_hash"] == article.content_hash and (article.date_missing or
                                                       row["published"] == to_iso(article.published)):
        update_row(db, "articles", {"id": row["id"]}, seen)
        if article.signature and clusters.signature_of(db, row["id"]) is None:
            clusters.index_signature(db, row["id"], article.signature)  # stored before fingerprints were kept
        result.unchanged += 1
        return
    fresh = _to_row(article)
    changes = {k: fresh[k] for k in _MUTABLE} | seen | {"body_hash": article.body_hash}
    if not article.date_missing:
        # A real date replaces a stored one, or the first-seen stand-in of a dateless item.
        changes |= {"published": fresh["published"], "date_missing": 0, "date_only": fresh["date_only"]}
        _placed(db, row["id"], fresh["published"])
    update_row(db, "articles", {"id": row["id"]}, changes)
    clusters.index_signature(db, row["id"], article.signature)
    search.index_article(db, row["id"], article.title, article.content_html, made=article.search_grams)
    result.updated += 1
    result.categories.add(row["category"])
    result.article_ids.add(row["id"])


def _rekey(db: Database, old_id: str, key: str) -> str:
    """Give an article the key (and id) of the sighting that now speaks for it, with everything that
    refers to it. Only for an article no publish has seen (first seen after the last publish began,
    within this cycle), so never a GUID a subscriber has."""
    new_id = article_id_of(key)
    if new_id == old_id or db.execute("select 1 from articles where id = ?", [new_id]).fetchone():
        return old_id
    signature = clusters.signature_of(db, old_id)
    clusters.drop_signature(db, old_id)
    db.execute("update search_ids set article_id = ? where article_id = ?", [new_id, old_id])
    db.execute("update articles set id = ?, key = ? where id = ?", [new_id, key, old_id])
    for table in ("sightings", "article_categories", "seen_links"):
        db.execute(f"update {table} set article_id = ? where article_id = ?", [new_id, old_id])
    clusters.index_signature(db, new_id, signature)
    return new_id


def _take_over(db: Database, result: UpsertResult, row: dict, article: Article) -> None:
    """A better-ranked sighting (the origin's own copy, or within one cycle the lowest source id)
    now speaks for the article: its fields replace the article's; category and first-seen time stay.

    The id stays too, so subscribers never see a GUID change, unless the article was first seen in
    this same cycle and no publish has run since: then it takes the primary's id, and which source
    of the cycle was fetched first changes nothing."""
    fresh = _to_row(article)
    keep = {"id", "key", "category", "first_seen"}
    update_row(db, "articles", {"id": row["id"]}, {k: v for k, v in fresh.items() if k not in keep}
               | {"last_seen": to_iso(article.first_seen)})
    _placed(db, row["id"], fresh["published"])
    clusters.index_signature(db, row["id"], article.signature)
    search.index_article(db, row["id"], article.title, article.content_html, made=article.search_grams)
    article_id = row["id"]
    last_publish = db.execute("select value from meta where key = 'last_publish_at'").fetchone()
    if row["first_seen"] == fresh["first_seen"] and (last_publish is None or last_publish[0] < row["first_seen"]):
        article_id = _rekey(db, row["id"], article.key)
    result.updated += 1
    result.categories.add(row["category"])
    result.article_ids.discard(row["id"])
    result.article_ids.add(article_id)


@translate_errors
def upsert_articles(db: Database, articles: list[Article]) -> UpsertResult:
    """Store one source's fetched articles in one transaction, as that source's sightings.

    A source only ever edits its own sightings, and an article only follows its primary sighting
    (see _rank). An item whose GUID or link another source already brought is a further sighting
    of that article when the bodies agree, else an article of its own: no source can rewrite what
    another source said.
    """
    result = UpsertResult()
    gate: Gate | None = None
    rules: RuleSet | None = None
    with writing(db):
        for article in articles:
            mine = _own_sighting(db, article)
            if mine is not None:
                row = next(iter(query_rows(db, "select * from articles where id = ?", [mine["article_id"]])), None)
                if row is not None:
                    if row["source_id"] == article.source_id:
                        _update_primary(db, result, row, article)
                    else:
                        result.unchanged += 1
                    update_row(db, "sightings", {"source_id": mine["source_id"], "item_key": mine["item_key"]}, {
                        "url": article.url, "guid": article.guid, "title": article.title, "origin": article.origin,
                        "content_hash": article.content_hash, "last_seen": to_iso(article.first_seen)})
                    continue
            gate = gate or Gate(db)
            if gate.blocks(article):
                result.blocked += 1  # taken down or on the blocklist: never stored again
                continue
            row = _existing(db, article)
            rules = rules if rules is not None else rule_set(db)
            if row is None:
                _insert(db, result, article, rules)
            elif row["source_id"] == article.source_id:
                # Stored before sightings were kept, or the source's item changed its key.
                _sight(db, article, row["id"])
                _update_primary(db, result, row, article)
            elif _same_body(db, row, article):
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
                _insert(db, result, article.replace(key=key, id=article_id_of(key)), rules, item_key=article.key)
    return result


def delete_articles(db: Database, ids: list[str]) -> int:
    """Remove articles with everything that hangs off them (memberships, sightings, fingerprints);
    the caller holds the write transaction. Returns how many article rows went."""
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for article_id in chunk:
            clusters.drop_signature(db, article_id)
            search.unindex_article(db, article_id)
        # What full text remembered for the items behind them (before their sightings go).
        db.execute(f"""delete from fulltext where exists (select 1 from sightings s where s.article_id in ({marks})
                       and s.source_id = fulltext.source_id and s.item_key = fulltext.item_key)""", chunk)
        for table, column in (("article_categories", "article_id"), ("sightings", "article_id")):
            db.execute(f"delete from {table} where {column} in ({marks})", chunk)
        removed += db.execute(f"delete from articles where id in ({marks})", chunk).rowcount
    return removed


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


def iter_articles(db: Database, batch: int = 500):
    """Every stored article, in batches of `batch`, by id (memory stays flat however many there are)."""
    last = ""
    while True:
        rows = list(db.query("select * from articles where id > ? order by id limit ?", [last, batch]))
        if not rows:
            return
        yield [row_to_article(r) for r in rows]
        last = rows[-1]["id"]


@translate_errors
def apply_rules(db: Database, batch: int = 500) -> Moves:
    """Bring every stored article's categories in line with the rules; returns what moved."""
    rules = rule_set(db)
    total = Moves([], [])
    for articles in iter_articles(db, batch):
        moves = plan(db, rules, articles)
        if moves.added or moves.removed:
            published = {a.id: to_iso(a.published) for a in articles}
            with writing(db):
                db.conn.executemany(
                    "insert or ignore into article_categories (article_id, category, published) values (?, ?, ?)",
                    [(a, c, published[a]) for a, c in moves.added])
                db.conn.executemany("delete from article_categories where article_id = ? and category = ?",
                                    moves.removed)
        total.added += moves.added
        total.removed += moves.removed
    return total


def recent_articles(db: Database, limit: int) -> list[Article]:
    """The newest `limit` articles by first-seen time (what `rules test` looks at)."""
    return [row_to_article(r) for r in db.query("select * from articles order by first_seen desc, id limit ?",
                                                 [limit])]


def get_article(db: Database, article_id: str) -> Article:
    """One article by id, or NotFoundError."""
    rows = list(db.query("select * from articles where id = ?", [article_id]))
    if not rows:
        raise NotFoundError(f"no article with id {article_id}")
    return _with_outlets(db, [row_to_article(rows[0])])[0]


def latest_articles(db: Database, category: str | None, limit: int, offset: int = 0) -> list[Article]:
    """The newest `limit` articles of a category (None: all), newest first, ties by id, after
    skipping `offset` (for the pages of a category)."""
    if category is None:
        rows = db.query("select * from articles order by published desc, id limit ? offset ?", [limit, offset])
    else:
        rows = db.query("""select a.* from article_categories m join articles a on a.id = m.article_id
                           where m.category = ? order by m.published desc, m.article_id limit ? offset ?""",
                        [category, limit, offset])
    return _with_outlets(db, [row_to_article(r) for r in rows])


def articles_by_ids(db: Database, ids: set[str]) -> list[Article]:
    """The articles with these ids (unknown ids are skipped)."""
    found: list[Article] = []
    id_list = sorted(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        found.extend(row_to_article(r) for r in db.query(
            f"select * from articles where id in ({','.join('?' * len(chunk))})", chunk))
    return _with_outlets(db, found)


def all_article_ids(db: Database) -> list[str]:
    """Every article id (for a full republish)."""
    return [r[0] for r in db.execute("select id from articles order by id").fetchall()]


def count_articles(db: Database, category: str | None = None) -> int:
    """How many articles are stored (in one category)."""
    if category is None:
        return db.execute("select count(*) from articles").fetchone()[0]
    return db.execute("select count(*) from article_categories where category = ?", [category]).fetchone()[0]
