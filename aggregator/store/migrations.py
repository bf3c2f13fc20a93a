"""Every schema change, in order. Never edit an applied migration: add the next one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("aggregator")


@migrations()
def m001_initial(db: Database) -> None:
    """Categories, sources with their fetch state, articles, and a small key-value table."""
    db["categories"].create({"slug": str, "name": str, "created_at": str}, pk="slug", not_null={"name"})
    db["sources"].create(
        {
            "id": int, "url": str, "name": str, "kind": str, "category": str, "every": int,
            "timezone": str, "enabled": int, "status": str, "last_error": str, "last_error_at": str,
            "last_fetched_at": str, "last_success_at": str, "next_fetch_at": str,
            "retry_after_until": str, "consecutive_failures": int, "etag": str, "last_modified": str,
            "content_hash": str, "site_url": str, "title": str, "created_at": str,
        },
        pk="id",
        not_null={"url", "kind", "category", "every", "enabled", "status", "consecutive_failures"},
        defaults={"kind": "auto", "enabled": 1, "status": "new", "consecutive_failures": 0},
        foreign_keys=[("category", "categories", "slug")],
    )
    db["sources"].create_index(["url"], unique=True)
    db["articles"].create(
        {
            "id": str, "key": str, "source_id": int, "category": str, "title": str, "url": str,
            "guid": str, "author": str, "origin": str, "origin_url": str, "feed_url": str,
            "published": str, "published_raw": str, "date_missing": int, "date_only": int,
            "content_html": str, "summary": str, "content_hash": str, "first_seen": str,
            "updated_at": str, "last_seen": str,
        },
        pk="id",
        not_null={"key", "category", "title", "published", "first_seen"},
    )
    db["articles"].create_index(["key"], unique=True)
    db["articles"].create_index(["url"])
    db["articles"].create_index(["category", "published"])
    db["articles"].create_index(["published"])
    db["articles"].create_index(["source_id"])
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m002_health(db: Database) -> None:
    """Per-source canary warnings and a bounded log of recent fetch attempts."""
    db["sources"].add_column("warning", str)
    db["fetch_log"].create(
        {"id": int, "source_id": int, "at": str, "result": str, "url": str, "bytes": int, "ms": int,
         "new": int, "updated": int, "error": str},
        pk="id",
    )
    db["fetch_log"].create_index(["source_id", "id"])


@migrations()
def m003_pages(db: Database) -> None:
    """HTML page sources: per-source selectors, and the article links already seen on listings."""
    for column in ("sel_links", "sel_title", "sel_body", "sel_date", "sel_author", "sel_origin", "url_pattern",
                   "encoding"):
        db["sources"].add_column(column, str)
    db["seen_links"].create(
        {"source_id": int, "url": str, "first_seen": str, "last_attempt": str, "attempts": int, "done": int,
         "article_id": str, "encoding": str, "replaced": int, "error": str},
        pk=("source_id", "url"),
    )


@migrations()
def m004_article_tags(db: Database) -> None:
    """The upstream's own categories/tags of an article (a JSON array), republished beside ours."""
    db["articles"].add_column("tags", str)


@migrations()
def m005_page_items_name_no_feed(db: Database) -> None:
    """Items of page sources named their HTML listing as the feed they came from (RSS <source url>);
    readers that follow it expect a feed, so such items have none."""
    db.execute("update articles set feed_url = null where source_id in (select id from sources where kind = 'page')")


@migrations()
def m006_clean_category_names(db: Database) -> None:
    """Category names with control characters made every feed unwritable: strip them, as
    add_category now refuses them."""
    for slug, name in db.execute("select slug, name from categories").fetchall():
        cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())[:64]
        if cleaned != name:
            db.execute("update categories set name = ? where slug = ?", [cleaned or slug, slug])


@migrations()
def m007_sightings(db: Database) -> None:
    """Every (article, source) pair with what that source said, so no source edits another's article.

    An article's fields come from its primary sighting (articles.source_id); the others only add
    themselves. Existing articles get the sighting of the source that brought them."""
    db["articles"].add_column("body_hash", str)
    db["articles"].create_index(["body_hash"])
    db["sightings"].create(
        {"source_id": int, "item_key": str, "article_id": str, "url": str, "guid": str, "title": str,
         "origin": str, "content_hash": str, "first_seen": str, "last_seen": str},
        pk=("source_id", "item_key"),
    )
    db["sightings"].create_index(["article_id"])
    db.execute(
        """insert into sightings (source_id, item_key, article_id, url, guid, title, origin, content_hash,
                                  first_seen, last_seen)
           select source_id, key, id, url, guid, title, origin, content_hash, first_seen,
                  coalesce(last_seen, first_seen)
           from articles where source_id is not null""")


@migrations()
def m008_clusters_and_memberships(db: Database) -> None:
    """Near-duplicate fingerprints with their LSH bands, and the categories each article is in.

    Bands are (band hash, article) pairs in a table without rowids, so checking a new article
    against every stored one is BANDS index lookups. An article's categories start as its source's;
    rules add and remove others. `published` is copied into the membership so a category's newest
    articles are read from one index."""
    db.execute("create table fingerprints (article_id text primary key, signature blob not null)")
    db.execute("""create table lsh_bands (band integer not null, article_id text not null,
                                          primary key (band, article_id)) without rowid""")
    db.execute("""create table article_categories (article_id text not null, category text not null,
                                                   published text not null, primary key (article_id, category))
                  without rowid""")
    db.execute("create index article_categories_newest on article_categories (category, published desc, article_id)")
    db.execute("""insert into article_categories (article_id, category, published)
                  select id, category, published from articles""")


@migrations()
def m009_rules_takedowns_retention(db: Database) -> None:
    """Category rules, takedowns with what they remember, the 来源/domain/URL blocklist, and the
    digests of pruned items (so a feed that still lists one does not bring it back as new)."""
    db.execute("""create table rules (id integer primary key, category text not null, pattern text not null,
                                      field text not null, regex integer not null default 0,
                                      exclude integer not null default 0, origin text not null default 'cli',
                                      created_at text not null)""")
    db.execute("""create table takedowns (id integer primary key, article_id text not null, title text,
                                          url text, reason text not null, at text not null, urls text)""")
    # What a takedown remembers so the story never returns: its links, item keys and body hash.
    db.execute("""create table blocked (kind text not null, value text not null, takedown_id integer not null,
                                        primary key (kind, value)) without rowid""")
    db.execute("""create table blocklist (id integer primary key, field text not null, pattern text not null,
                                          reason text not null, at text not null)""")
    db.execute("create table pruned (digest text primary key, at text not null) without rowid")


@migrations()
def m010_full_text(db: Database) -> None:
    """Full text for summary-only feeds: a per-source mode, and each item's article page as read
    (remembered per item, so a re-poll does not fetch it again unless the item changed)."""
    db["sources"].add_column("full_text", str)
    db.execute("""create table fulltext (source_id integer not null, item_key text not null, item_hash text not null,
                                         status text not null, attempts integer not null default 1,
                                         fetched_at text not null, error text, body_html text, author text,
                                         origin text, published text, published_raw text, date_only integer,
                                         body_hash text, signature blob, pages integer,
                                         primary key (source_id, item_key))""")


@migrations()
def m011_media(db: Database) -> None:
    """Mirrored images: each image URL with the content-addressed file it became, or why not."""
    db.execute("""create table media_urls (url text primary key, status text not null, name text, error text,
                                           attempts integer not null default 1, at text not null)""")
    db.execute("create index media_urls_name on media_urls (name)")


@migrations()
def m012_search(db: Database) -> None:
    """Full-text search: titles and bodies indexed as Chinese character pairs and words (FTS5), with
    a stable integer id per article (the articles table's own rowid may change on VACUUM)."""
    from .search import grams, plain  # the indexed form, written by store.search from now on

    db.execute("create table search_ids (rowid integer primary key, article_id text not null unique)")
    db.execute("create virtual table article_search using fts5(title, body, tokenize = 'unicode61')")
    for article_id, title, body in db.execute("select id, title, content_html from articles order by id").fetchall():
        rowid = db.execute("insert into search_ids (article_id) values (?)", [article_id]).lastrowid
        db.execute("insert into article_search (rowid, title, body) values (?, ?, ?)",
                   [rowid, grams(title or ""), grams(plain(body or ""))])
