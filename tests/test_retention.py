"""Retention: articles past the age that no feed still shows leave the database with everything
hanging off them, the file gives the space back, and a feed that still lists them brings none back."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.pipeline import prune_old, publish_site
from tests.e2e.harness import Aggregator, free_port
from tests.feeds import item, rss
from tests.test_sightings import add, cycle

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def body(n: int) -> str:
    rng = random.Random(n)
    words = ("纪检", "监察", "巡视", "整改", "干部", "群众", "基层", "作风", "廉洁", "制度", "监督", "问责", "调查")
    return "<p>" + "".join(rng.choice(words) for _ in range(400)) + "</p>"


def aged_items(days: list[int], prefix: str) -> list[dict]:
    return [item(n, title=f"{prefix}{n}", link=f"http://{prefix}.test/{n}.html", guid=f"http://{prefix}.test/{n}",
                 description=body(hash(prefix) % 1000 * 100 + n), pubDate=format_datetime(NOW - timedelta(days=age)))
            for n, age in enumerate(days)]


@pytest.fixture
def aged(db, config, httpserver: HTTPServer):
    """Two categories: 10 articles of 1..400 days in one, 3 old ones in the other."""
    httpserver.expect_request("/a.xml").respond_with_data(
        rss(aged_items([1, 2, 3, 200, 201, 202, 300, 301, 400, 170], "a")), content_type="application/rss+xml")
    httpserver.expect_request("/b.xml").respond_with_data(
        rss(aged_items([500, 501, 502], "b")), content_type="application/rss+xml")
    add(db, httpserver.url_for("/a.xml"), category="aa")
    add(db, httpserver.url_for("/b.xml"), category="bb")
    cycle(db, config)
    return db


def titles(db) -> set[str]:
    return {a.title for a in store.latest_articles(db, None, 100)}


def test_prune_removes_old_articles_no_feed_shows_and_everything_of_theirs(aged, config) -> None:
    db = aged
    config = config.with_overrides(items_per_feed=4)
    pruned = prune_old(db, config, now=NOW)
    # Category aa keeps its 4 newest (1, 2, 3 days and 170 days: under 180 anyway); bb's 3 are
    # the newest of bb, so its feed keeps them however old. all.rss's newest 4 are among aa's.
    assert titles(db) == {"a0", "a1", "a2", "a9", "b0", "b1", "b2"}
    assert len(pruned.article_ids) == 6
    gone = set(pruned.article_ids)
    for table, column in (("sightings", "article_id"), ("article_categories", "article_id"),
                          ("fingerprints", "article_id")):
        left = {r[0] for r in db.execute(f"select {column} from {table}")}
        assert not gone & left, table
    assert prune_old(db, config, now=NOW).article_ids == []  # nothing more to do


def test_a_feed_that_still_lists_pruned_items_brings_none_back(aged, config) -> None:
    db = aged
    config = config.with_overrides(items_per_feed=4)
    prune_old(db, config, now=NOW)
    before = titles(db)
    for source in store.list_sources(db):
        store.update_source(db, source.id, content_hash=None, etag=None, last_modified=None)
    report = cycle(db, config)
    assert sum(o.new for o in report.outcomes) == 0
    assert titles(db) == before


def test_dry_run_and_zero_retention_remove_nothing(aged, config) -> None:
    db = aged
    config = config.with_overrides(items_per_feed=4)
    assert len(prune_old(db, config, now=NOW, dry_run=True).article_ids) == 6
    assert len(titles(db)) == 13
    assert prune_old(db, config.with_overrides(retention_days=0), now=NOW).article_ids == []
    assert len(titles(db)) == 13


def test_a_pruned_listing_link_is_not_fetched_again(aged, config) -> None:
    db = aged
    old = next(a for a in store.latest_articles(db, None, 100) if a.title == "a8")
    store.mark_link(db, 1, "http://a.test/list-link-8.html", article_id=old.id)
    prune_old(db, config.with_overrides(items_per_feed=4), now=NOW)
    assert db.execute("select count(*) from seen_links").fetchone()[0] == 0
    assert store.unseen_links(db, 1, ["http://a.test/list-link-8.html", "http://a.test/new.html"]) == [
        "http://a.test/new.html"]


def test_the_database_file_gives_the_space_back(db, config, httpserver: HTTPServer) -> None:
    big = [item(n, title=f"旧闻{n}", link=f"http://old.test/{n}.html", guid=f"http://old.test/{n}",
                description=body(10_000 + n) * 30, pubDate=format_datetime(NOW - timedelta(days=365)))
           for n in range(60)]
    httpserver.expect_request("/old.xml").respond_with_data(rss(big), content_type="application/rss+xml")
    add(db, httpserver.url_for("/old.xml"))
    cycle(db, config.with_overrides(items_per_fetch=1000))
    db.execute("pragma wal_checkpoint(truncate)")
    before = config.db_path.stat().st_size
    pruned = prune_old(db, config.with_overrides(items_per_feed=5), now=NOW)
    db.execute("pragma wal_checkpoint(truncate)")
    assert len(pruned.article_ids) == 55
    assert pruned.freed_bytes > 0
    assert config.db_path.stat().st_size < before * 0.5


@pytest.mark.e2e
def test_the_prune_command(tmp_path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a.xml").respond_with_data(
        rss(aged_items([1, 2, 3, 4, 5, 6, 700, 701], "a")), content_type="application/rss+xml")
    app = Aggregator(tmp_path, free_port())
    app.env["AGGREGATOR_ITEMS_PER_FEED"] = "6"
    app.run("sources", "add", httpserver.url_for("/a.xml"), "--category", "时政")
    app.run("fetch")
    pages = tmp_path / "data" / "public" / "articles"
    assert len(list(pages.glob("*.html"))) == 8
    dry = app.run("prune", "--dry-run")
    assert "would remove 2 articles" in dry.stdout
    done = app.run("prune")
    assert done.returncode == 0 and "removed 2 articles" in done.stdout
    assert len(list(pages.glob("*.html"))) == 6
    again = json.loads(app.run("prune", "--json").stdout)
    assert again["articles"] == 0
    bad = app.run("prune", "--older-than", "0", check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
