"""The fast paths added for speed behave exactly like the slow ones they replaced: group commit,
one flush per publish (and the full publish after an interrupted one), the search index's form made
in the parse worker, plain text by regex, and the store's own SQL."""

from __future__ import annotations

import asyncio
import sqlite3

import lxml.html
import pytest
from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.model import Source
from aggregator.normalize import plain_text, sanitize_html
from aggregator.pipeline import publish_site, run_cycle
from aggregator.pipeline.publish import UNFINISHED
from aggregator.store.db import WriteGroup, insert_row, rows, update_row, upsert_row, writing
from tests.feeds import item, rss


def add(db, url: str, category: str = "news") -> Source:
    cat = store.ensure_category(db, category)
    return store.add_source(db, Source(id=None, url=url, category=cat.slug))


def test_a_cycle_of_many_sources_stores_every_one_of_them_with_group_commit(db, config,
                                                                            httpserver: HTTPServer) -> None:
    for n in range(12):
        httpserver.expect_request(f"/f{n}").respond_with_data(rss([item(100 * n + 1), item(100 * n + 2)]),
                                                               content_type="application/rss+xml")
        add(db, httpserver.url_for(f"/f{n}"), category=f"c{n % 3}")
    report = asyncio.run(run_cycle(db, config, store.list_sources(db)))
    assert [o.result for o in report.outcomes] == ["ok"] * 12
    assert not db.conn.in_transaction  # everything committed before run_cycle returned
    # Another connection (the publisher's, the server's) sees every article and every validator.
    other = sqlite3.connect(config.db_path)
    assert other.execute("select count(*) from articles").fetchone()[0] == 24
    assert other.execute("select count(*) from sources where last_success_at is not null").fetchone()[0] == 12


def test_members_of_a_group_that_cannot_be_committed_are_told_and_nothing_half_stored_remains(db) -> None:
    lost: list = []
    group = WriteGroup(db, lambda members, error: lost.append((members, error)), seconds=3600)
    store.ensure_category(db, "news")
    group.wrote("first")  # committed on its own; this opens the group
    db.execute("PRAGMA defer_foreign_keys = ON")  # the violation below surfaces at COMMIT, as a full disk would
    with writing(db):
        db.execute("insert into sources (url, kind, category, every, enabled, status, consecutive_failures) "
                   "values ('http://a.test/f', 'feed', 'no-such-category', 1800, 1, 'new', 0)")
    group.wrote("second")
    group.close()
    assert lost == [(["second"], "could not be stored: FOREIGN KEY constraint failed")]
    assert not db.conn.in_transaction
    assert db.execute("select count(*) from sources").fetchone()[0] == 0


def test_a_group_commits_once_it_is_old_enough(db) -> None:
    group = WriteGroup(db, lambda *a: None, seconds=0)
    group.wrote("a")
    assert db.conn.in_transaction
    group.wrote("b")  # older than 0 s: committed
    assert not db.conn.in_transaction


def test_an_open_group_is_committed_on_time_even_when_no_source_finishes(db) -> None:
    async def scenario() -> bool:
        group = WriteGroup(db, lambda *a: None, seconds=0.05)
        group.wrote("a")
        assert db.conn.in_transaction  # the write lock is held ...
        await asyncio.sleep(0.3)  # ... while the next fetch takes its time
        return db.conn.in_transaction

    assert asyncio.run(scenario()) is False  # ... but only for `seconds`


def test_an_interrupted_publish_makes_the_next_one_rewrite_everything(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(rss([item(1), item(2)]), content_type="application/rss+xml")
    add(db, httpserver.url_for("/f"))
    asyncio.run(run_cycle(db, config, store.list_sources(db)))
    publish_site(db, config)
    assert store.get_meta(db, UNFINISHED) is None
    pages = sorted((config.public_dir / "articles").glob("*.html"))
    good = pages[0].read_bytes()
    pages[0].write_bytes(good[:100])  # what a power cut can leave of a file not yet flushed
    assert not publish_site(db, config, categories=set(), article_ids=set()).written  # nothing new: no file
    store.set_meta(db, UNFINISHED, "2026-01-01T00:00:00Z")  # as a publish that never finished leaves it
    report = publish_site(db, config, categories=set(), article_ids=set())
    assert pages[0] in report.written and pages[0].read_bytes() == good
    assert store.get_meta(db, UNFINISHED) is None


def test_the_search_form_made_in_the_worker_is_used_only_for_the_body_it_was_made_from(db) -> None:
    import importlib

    search_module = importlib.import_module("aggregator.store.search")

    made = search_module.index_form("旧标题", "<p>巡视组进驻</p>")
    with writing(db):
        search_module.index_article(db, "a" * 16, "新标题", "<p>纪委通报</p>", new=True, made=made)
    body = db.execute("select body, title from article_search").fetchone()
    assert body == (search_module.grams("纪委通报"), search_module.grams("新标题"))


@pytest.mark.parametrize("fragment", [
    '<p>一段<strong>加粗</strong>文字</p><p>第二段</p>',
    '<p><img src="/a.jpg" alt="a>b">图注 &amp; 说明&nbsp;&lt;x&gt;</p>',
    '<ul><li>甲</li><li>乙</li></ul><table><tr><td>1</td><td>2</td></tr></table>',
    '<p>Hello<br>world &#20013;&#x6587; &quot;quoted&quot;</p>',
    '<div><blockquote>引文</blockquote><pre>  code  </pre></div>',
])
def test_plain_text_of_sanitized_markup_reads_what_lxml_reads(fragment: str) -> None:
    from aggregator.normalize.sanitize import _BLOCK_EDGE, _SPACE

    clean = sanitize_html(fragment, "http://example.test/")
    spaced = _BLOCK_EDGE.sub(lambda m: m.group(0) + " ", clean)
    expected = _SPACE.sub(" ", lxml.html.fragment_fromstring(spaced, create_parent="div").text_content()).strip()
    assert plain_text(clean) == expected


def test_the_stores_own_statements_insert_upsert_update_and_read(db) -> None:
    with writing(db):
        insert_row(db, "meta", {"key": "k", "value": "1"})
        upsert_row(db, "meta", {"key": "k", "value": "2"}, ("key",))
        upsert_row(db, "meta", {"key": "j", "value": "3"}, ("key",))
        update_row(db, "meta", {"key": "j"}, {"value": "4"})
    assert rows(db, "select key, value from meta where key in ('j', 'k') order by key") == [
        {"key": "j", "value": "4"}, {"key": "k", "value": "2"}]
