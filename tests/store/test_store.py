"""The SQLite store: migrations, categories with derived slugs, sources, and upserting articles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from aggregator import store
from aggregator.errors import NotFoundError, StoreError
from aggregator.model import Article, Source

T0 = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)


def article(n: int = 1, **changes) -> Article:
    base = Article(id=f"{n:016x}", key=f"url:http://u.test/{n}", source_id=None, category="news",
                   title=f"标题{n}", url=f"http://u.test/{n}", guid=None, author="张三", origin="新华网",
                   origin_url=None, feed_url="http://u.test/feed", published=T0 + timedelta(hours=n),
                   published_raw="raw", date_missing=False, date_only=False, content_html="<p>x</p>",
                   summary="x", content_hash=f"h{n}", first_seen=T0, updated_at=T0)
    return base.replace(**changes)


def test_migrations_create_tables_and_wal(db) -> None:
    assert {"categories", "sources", "articles", "meta", "_sqlite_migrations"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_ok(db)


def test_reopening_applies_no_migration_twice(config, db) -> None:
    applied = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    again = store.open_db(config.db_path)
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == applied


def test_unknown_category_name_gets_a_pinyin_slug(db) -> None:
    created = store.ensure_category(db, "反腐纪实")
    assert (created.slug, created.name) == ("fanfujishi", "反腐纪实")
    assert store.ensure_category(db, "反腐纪实") == created  # found by name
    assert store.ensure_category(db, "fanfujishi") == created  # found by slug


def test_slug_collisions_get_a_suffix_and_all_is_reserved(db) -> None:
    store.add_category(db, "shizheng", "时政")
    assert store.ensure_category(db, "时政 ").slug == "shizheng"
    assert store.ensure_category(db, "时正").slug == "shizheng-2"
    with pytest.raises(StoreError, match="reserved"):
        store.add_category(db, "all", "全部")
    with pytest.raises(StoreError, match="not a slug"):
        store.add_category(db, "反腐", "反腐")


def test_sources_add_get_and_duplicate_url(db) -> None:
    store.add_category(db, "news", "新闻")
    src = store.add_source(db, Source(id=None, url="http://u.test/feed", category="news"))
    assert store.get_source(db, src.id).url == "http://u.test/feed"
    assert src.status == "new" and src.enabled
    with pytest.raises(StoreError, match="already source"):
        store.add_source(db, Source(id=None, url="http://u.test/feed", category="news"))
    with pytest.raises(NotFoundError):
        store.get_source(db, 999)


def test_failure_is_recorded_without_touching_articles(db) -> None:
    store.add_category(db, "news", "新闻")
    src = store.add_source(db, Source(id=None, url="http://u.test/feed", category="news"))
    store.upsert_articles(db, [article(1, source_id=src.id)])
    store.record_failure(db, src.id, "HTTP 500", fetched_at=T0, next_fetch_at=T0, status="failing", failures=1)
    store.record_failure(db, src.id, "HTTP 500", fetched_at=T0, next_fetch_at=T0, status="backoff", failures=2)
    failed = store.get_source(db, src.id)
    assert (failed.status, failed.last_error, failed.consecutive_failures) == ("backoff", "HTTP 500", 2)
    assert store.count_articles(db) == 1
    store.record_success(db, src.id, fetched_at=T0, next_fetch_at=T0)
    ok = store.get_source(db, src.id)
    assert (ok.status, ok.last_error, ok.consecutive_failures) == ("ok", None, 0)


def test_same_article_again_updates_instead_of_adding(db) -> None:
    store.add_category(db, "news", "新闻")
    first = store.upsert_articles(db, [article(1)])
    assert (first.new, first.updated) == (1, 0)
    later = T0 + timedelta(days=1)
    again = store.upsert_articles(db, [article(1, title="新标题", content_hash="h-new", first_seen=later)])
    assert (again.new, again.updated) == (0, 1)
    stored = store.get_article(db, f"{1:016x}")
    assert stored.title == "新标题"
    assert stored.first_seen == T0  # never changes
    same = store.upsert_articles(db, [article(1, title="新标题", content_hash="h-new", first_seen=later)])
    assert (same.new, same.updated, same.unchanged) == (0, 0, 1)
    assert store.count_articles(db) == 1


def test_same_canonical_url_under_another_id_updates_the_first_row(db) -> None:
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [article(1)])
    result = store.upsert_articles(db, [article(1, id="f" * 16, key="guid:other", content_hash="changed")])
    assert (result.new, result.updated) == (0, 1)
    assert store.count_articles(db) == 1
    assert store.get_article(db, f"{1:016x}").content_hash == "changed"


def test_dateless_sighting_keeps_the_stored_date(db) -> None:
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [article(1)])
    store.upsert_articles(db, [article(1, content_hash="h2", date_missing=True, published=T0 + timedelta(days=9))])
    assert store.get_article(db, f"{1:016x}").published == T0 + timedelta(hours=1)


def test_latest_articles_newest_first_per_category(db) -> None:
    store.add_category(db, "news", "新闻")
    store.add_category(db, "other", "其他")
    store.upsert_articles(db, [article(1), article(3), article(2, category="other")])
    assert [a.title for a in store.latest_articles(db, "news", 10)] == ["标题3", "标题1"]
    assert [a.title for a in store.latest_articles(db, None, 2)] == ["标题3", "标题2"]


def test_remove_source_keeps_articles_unless_purged(db) -> None:
    store.add_category(db, "news", "新闻")
    a = store.add_source(db, Source(id=None, url="http://u.test/a", category="news"))
    b = store.add_source(db, Source(id=None, url="http://u.test/b", category="news"))
    store.upsert_articles(db, [article(1, source_id=a.id), article(2, source_id=b.id)])
    store.remove_source(db, a.id)
    assert store.get_article(db, f"{1:016x}").source_id is None
    assert store.remove_source(db, b.id, purge=True) == 1
    assert store.count_articles(db) == 1


def test_two_categories_may_not_share_a_display_name(db) -> None:
    from aggregator.errors import RejectedError

    made = store.ensure_category(db, "反腐纪实")  # as `sources add --category 反腐纪实` makes it
    with pytest.raises(RejectedError, match=f"already category '{made.slug}'"):
        store.add_category(db, "fanfu", "反腐纪实")
    assert [r["slug"] for r in store.list_categories(db)] == [made.slug]
    assert store.add_category(db, made.slug, "反腐纪实").slug == made.slug  # renaming to its own name is fine
