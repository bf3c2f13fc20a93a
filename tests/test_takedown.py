"""Takedown: an article and its whole cluster leave every feed and page at once, its URL answers
410 Gone, and no source brings it back, by link, GUID, body or a reworded copy. The blocklist keeps
out a 来源, a domain or a URL pattern."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.errors import NotFoundError, RejectedError
from aggregator.pipeline import publish_site
from tests.e2e.harness import Aggregator, free_port
from tests.feeds import item, rss
from tests.test_clusters import add_outlets, html, serve_story
from tests.test_sightings import add, cycle


def story(db):
    (found,) = [a for a in store.latest_articles(db, None, 10) if "周立新" in a.title]
    return found


def take_down_and_publish(db, config, ref: str, reason: str = "权利人来函"):
    removed = store.take_down(db, ref, reason)
    publish_site(db, config, categories=removed.categories, article_ids=set(), dropped=set(removed.articles))
    return removed


def published_text(config) -> str:
    public = config.public_dir
    return "".join(p.read_text(encoding="utf-8") for p in sorted(public.rglob("*.*"))
                   if p.suffix in (".rss", ".atom", ".html") and "gone" not in p.parts)


def test_a_takedown_removes_the_cluster_from_every_feed_and_page_and_blocks_its_return(
        db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add_outlets(db, httpserver)
    cycle(db, config)
    publish_site(db, config)
    target = story(db)
    assert "周立新" in published_text(config)
    removed = take_down_and_publish(db, config, target.id)
    assert removed.articles == [target.id]
    assert "周立新" not in published_text(config)
    assert not (config.public_dir / "articles" / f"{target.id}.html").exists()
    assert "该文章已删除" in (config.public_dir / "gone" / f"{target.id}.html").read_text(encoding="utf-8")
    # Every outlet fetched again, with their bodies forgotten so every item is stored afresh: nothing returns.
    for source in store.list_sources(db):
        store.update_source(db, source.id, content_hash=None, etag=None, last_modified=None)
    report = cycle(db, config)
    assert sum(o.new for o in report.outcomes) == 0
    assert not [a for a in store.latest_articles(db, None, 10) if "周立新" in a.title]
    assert publish_site(db, config).written == []  # and the output is stable


def test_a_reworded_copy_under_a_new_link_from_a_new_source_is_kept_out_by_its_fingerprint(
        db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add(db, httpserver.url_for("/origin.xml"), name="江南省纪委监委网站")
    cycle(db, config)
    take_down_and_publish(db, config, story(db).id)
    # Another outlet's copy: other chrome, another headline, a link and GUID never seen.
    copy = item(1, link="http://copy.test/x/9.html", guid="urn:copy:9", title="周立新被开除党籍",
                description=html("story_reprint_news"))
    httpserver.expect_request("/copy.xml").respond_with_data(rss([copy]), content_type="application/rss+xml")
    add(db, httpserver.url_for("/copy.xml"), name="抄录网")
    report = cycle(db, config, [store.get_source(db, 2)])
    assert report.outcomes[0].new == 0
    assert store.count_articles(db) == 0


def test_a_takedown_by_any_outlets_link_finds_the_article(db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add_outlets(db, httpserver)
    cycle(db, config)
    target = story(db)
    removed = take_down_and_publish(db, config, "http://portal.test/news/1118/1.html")
    assert removed.articles == [target.id]
    (record,) = store.list_takedowns(db)
    assert record["reason"] == "权利人来函" and record["article_id"] == target.id
    assert "http://portal.test/news/1118/1.html" in record["urls"] and "http://news.test/2024-11/18/c_1.htm" in record["urls"]
    with pytest.raises(RejectedError, match="already taken down"):
        store.take_down(db, target.id, "again")
    with pytest.raises(NotFoundError):
        store.take_down(db, "0123456789abcdef", "no such")
    with pytest.raises(RejectedError, match="reason"):
        store.take_down(db, "http://news.test/whatever", "  ")


def test_the_blocklist_keeps_out_an_origin_a_domain_and_a_url_pattern(db, config, httpserver: HTTPServer) -> None:
    items = [item(1, link="http://spam.test/a/1.html", guid="http://spam.test/a/1"),
             item(2, link="http://news.sub.spam.test/2.html", guid="http://news.sub.spam.test/2"),
             item(3, link="http://ok.test/ad/3.html", guid="http://ok.test/ad/3"),
             item(4, link="http://ok.test/news/4.html", guid="http://ok.test/news/4", source=("http://zmt.test/", "某自媒体")),
             item(5, link="http://ok.test/news/5.html", guid="http://ok.test/news/5")]
    httpserver.expect_request("/feed").respond_with_data(rss(items), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"))
    cycle(db, config)
    assert store.count_articles(db) == 5
    _, removed = store.add_block(db, "domain", "spam.test", "抄袭站")
    assert len(removed.articles) == 2  # the domain and its subdomains
    store.add_block(db, "url", "http://ok.test/ad/*", "广告")
    store.add_block(db, "origin", "某自媒体", "未经授权")
    assert [a.url for a in store.latest_articles(db, None, 10)] == ["http://ok.test/news/5.html"]
    store.update_source(db, 1, content_hash=None, etag=None, last_modified=None)
    assert cycle(db, config).outcomes[0].new == 0
    with pytest.raises(RejectedError):
        store.add_block(db, "domain", "http://x.test/a", "bad")
    with pytest.raises(NotFoundError):
        store.remove_block(db, 99)


def test_the_taken_down_url_answers_410_gone_with_a_notice(live_site, db, config, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    add(db, httpserver.url_for("/origin.xml"), name="江南省纪委监委网站")
    cycle(db, config)
    publish_site(db, config)
    target = story(db)
    take_down_and_publish(db, config, target.id)
    server = live_site(config, db)
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(f"{server}/articles/{target.id}", timeout=10)
    assert gone.value.code == 410
    assert "该文章已删除" in gone.value.read().decode("utf-8")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{server}/articles/0123456789abcdef", timeout=10)
    assert missing.value.code == 404


@pytest.mark.e2e
def test_the_takedown_commands(tmp_path, httpserver: HTTPServer) -> None:
    serve_story(httpserver)
    app = Aggregator(tmp_path, free_port())
    app.run("sources", "add", httpserver.url_for("/origin.xml"), "--category", "审查调查")
    app.run("fetch")
    listed = json.loads(app.run("categories", "list", "--json").stdout)
    assert listed[0]["articles"] == 1
    article_id = next((tmp_path / "data" / "public" / "articles").glob("*.html")).stem
    done = app.run("takedown", article_id, "--reason", "权利人来函")
    assert f"took down article {article_id}" in done.stdout
    records = json.loads(app.run("takedown", "list", "--json").stdout)
    assert [(r["article_id"], r["reason"]) for r in records] == [(article_id, "权利人来函")]
    assert "周立新" not in (tmp_path / "data" / "public" / "feeds" / "all.rss").read_text(encoding="utf-8")
    unknown = app.run("takedown", "0123456789abcdef", "--reason", "x", check=False)
    assert unknown.returncode == 2 and "no stored article" in unknown.stderr and "Traceback" not in unknown.stderr
    no_reason = app.run("takedown", article_id, check=False)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    block = app.run("blocklist", "add", "domain", "spam.test", "--reason", "抄袭站")
    assert "blocklist entry 1" in block.stdout
    assert "spam.test" in app.run("blocklist", "list").stdout
