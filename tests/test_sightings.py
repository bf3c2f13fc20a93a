"""One story, many sources: every (article, source) pair is a sighting, the article follows one primary
sighting chosen by a rule that fetch order cannot change, and no source edits what another said."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from pytest_httpserver import HTTPServer

from aggregator import store
from aggregator.config import Config
from aggregator.fetch import Fetcher
from aggregator.model import Source, utcnow
from aggregator.pipeline import Refresher, publish_site, run_cycle
from tests.feeds import item, rss


def add(db, url: str, category: str = "news", **kw) -> Source:
    cat = store.ensure_category(db, category)
    return store.add_source(db, Source(id=None, url=url, category=cat.slug, **kw))


def cycle(db, config, sources=None):
    return asyncio.run(run_cycle(db, config, sources or store.list_sources(db, enabled_only=True)))


def in_order(db, config, ids: list[int]) -> None:
    """One cycle (one time for all) whose sources are refreshed one after another in this order."""
    async def go() -> None:
        now = utcnow()
        async with Fetcher(config) as fetcher:
            refresher = Refresher(db, config, fetcher, None)
            for source_id in ids:
                # Forget the body hash, so every item is parsed and stored again, not skipped as unchanged.
                store.update_source(db, source_id, content_hash=None)
                outcome = await refresher.refresh(store.get_source(db, source_id), now=now)
                assert outcome.result == "ok", outcome.error
    asyncio.run(go())


def snapshot(public: Path) -> dict[str, str]:
    return {str(p.relative_to(public)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(public.rglob("*")) if p.is_file()}


def test_a_second_source_reusing_a_guid_never_rewrites_the_first_sources_article(db, config,
                                                                                    httpserver: HTTPServer) -> None:
    trusted = item(1, guid="tag:xinhua.test,2024:1", title="真实标题", link="http://xinhua.test/a/1.html")
    forged = item(1, guid="tag:xinhua.test,2024:1", title="伪造标题", link="http://xinhua.test/a/1.html",
                  description="<p>钓鱼正文，请点击 http://evil.test/</p>", source=("http://evil.test/", "新华社"))
    httpserver.expect_request("/trusted").respond_with_data(rss([trusted], title="新华网"),
                                                             content_type="application/rss+xml")
    httpserver.expect_request("/forged").respond_with_data(rss([forged], title="某站"),
                                                            content_type="application/rss+xml")
    add(db, httpserver.url_for("/trusted"))
    add(db, httpserver.url_for("/forged"))
    cycle(db, config, [store.get_source(db, 1)])
    (original,) = store.latest_articles(db, None, 10)
    report = cycle(db, config, [store.get_source(db, 2)])
    assert report.outcomes[0].updated == 0
    kept = store.get_article(db, original.id)
    assert (kept.title, kept.content_html, kept.url, kept.origin, kept.source_id) == (
        original.title, original.content_html, original.url, original.origin, 1)
    # The colliding item with another body is that source's own article, attributed to it.
    others = [a for a in store.latest_articles(db, None, 10) if a.id != original.id]
    assert [(a.title, a.source_id) for a in others] == [("伪造标题", 2)]


def test_the_same_feed_added_twice_adds_a_sighting_and_flips_nothing(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1), item(2), item(3)]),
                                                         content_type="application/rss+xml")
    httpserver.expect_request("/copy").respond_with_data(rss([item(1), item(2), item(3)]),
                                                         content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"), name="人民网")
    add(db, httpserver.url_for("/copy"), name="转载网")
    cycle(db, config, [store.get_source(db, 1)])
    publish_site(db, config)
    second = cycle(db, config, [store.get_source(db, 2)])
    assert (second.outcomes[0].new, second.outcomes[0].updated) == (0, 0)
    assert {a.origin for a in store.latest_articles(db, None, 10)} == {"人民网"}
    # The only change is the line naming the other outlet, published once.
    publish_site(db, config, categories=second.categories, article_ids=second.article_ids)
    page = (config.public_dir / "articles" / f"{store.latest_articles(db, None, 1)[0].id}.html").read_text()
    assert "同时刊载于:<a href=\"http://upstream.test/a/" in page and ">转载网</a>" in page
    assert "来源:人民网" in page
    after = snapshot(config.public_dir)
    for source_id in (2, 1, 2):
        store.update_source(db, source_id, content_hash=None)  # parse and store the items again
        again = cycle(db, config, [store.get_source(db, source_id)])
        assert (again.outcomes[0].result, again.outcomes[0].unchanged) == ("ok", 3)
        assert publish_site(db, config, categories=again.categories, article_ids=again.article_ids).written == []
    assert snapshot(config.public_dir) == after
    rows = list(db.query("select source_id, count(*) as n from sightings group by source_id order by source_id"))
    assert rows == [{"source_id": 1, "n": 3}, {"source_id": 2, "n": 3}]
    # Removing the second source leaves the first's attribution as it was, and its line goes.
    store.remove_source(db, 2)
    assert {a.origin for a in store.latest_articles(db, None, 10)} == {"人民网"}
    assert all(a.carried_by == [] for a in store.latest_articles(db, None, 10))


def test_fetch_order_never_changes_a_published_byte(tmp_path, httpserver: HTTPServer) -> None:
    shared = [item(1), item(2)]
    for path, extra in (("/a", [item(3)]), ("/b", [item(4)]), ("/c", [])):
        httpserver.expect_request(path).respond_with_data(rss(shared + extra, title=f"源{path}"),
                                                         content_type="application/rss+xml")
    results = []
    for order in ([1, 2, 3], [3, 2, 1]):
        config = Config(data_dir=tmp_path / "x".join(map(str, order)), allow_private_networks=True,
                        parse_workers=1, host_delay=0, site_name="测试资讯网", base_url="http://127.0.0.1:8080/",
                        full_text="never", mirror_images=False)
        db = store.open_db(config.db_path)
        for path in ("/a", "/b", "/c"):
            add(db, httpserver.url_for(path))
        in_order(db, config, order)
        publish_site(db, config)
        first = snapshot(config.public_dir)
        for again in (list(reversed(order)), [2, 1, 3], order):
            in_order(db, config, again)
            assert publish_site(db, config).written == []
        assert snapshot(config.public_dir) == first
        results.append(first)
        db.close()
    assert results[0] == results[1]


def test_the_origins_own_copy_arriving_later_becomes_the_primary(db, config, httpserver: HTTPServer) -> None:
    # The origin's feed lives on the story's own site (localhost); the reprint's elsewhere (127.0.0.1).
    link = httpserver.url_for("/n1/2024/1103/c1001-1.html")
    story = item(1, link=link, guid=link)
    httpserver.expect_request("/reprint").respond_with_data(rss([story], title="转载网"),
                                                             content_type="application/rss+xml")
    httpserver.expect_request("/origin").respond_with_data(rss([story | {"author": "记者 王五"}], title="人民网"),
                                                            content_type="application/rss+xml")
    add(db, httpserver.url_for("/reprint").replace("localhost", "127.0.0.1"))
    add(db, httpserver.url_for("/origin"))
    cycle(db, config, [store.get_source(db, 1)])
    (reprinted,) = store.latest_articles(db, None, 10)
    assert (reprinted.source_id, reprinted.origin) == (1, "转载网")
    report = cycle(db, config, [store.get_source(db, 2)])
    assert report.outcomes[0].updated == 1
    primary = store.get_article(db, reprinted.id)
    assert (primary.source_id, primary.origin, primary.author) == (2, "人民网", "记者 王五")
    # The reprint's next fetch only refreshes its own sighting.
    assert cycle(db, config, [store.get_source(db, 1)]).outcomes[0].updated == 0
    assert store.get_article(db, reprinted.id).source_id == 2


def test_a_removed_source_leaves_nothing_a_new_one_could_inherit(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1, guid="1"), item(2, guid="2")]),
                                                         content_type="application/rss+xml")
    first = add(db, httpserver.url_for("/feed"))
    cycle(db, config)
    store.remove_source(db, first.id, purge=True)
    for table in ("sightings", "fetch_log", "seen_links", "articles"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    again = add(db, httpserver.url_for("/feed"))
    assert again.id != first.id  # ids are never reused
    report = cycle(db, config)
    assert report.outcomes[0].new == 2


STORY = ("中央纪委国家监委网站讯 据某某省纪委监委消息：日前，某某省纪委监委通报了三起违反中央八项规定精神的典型问题。"
         "通报指出，这些问题严重损害党群干群关系，必须坚决纠治。各级党组织要切实扛起主体责任，"
         "以钉钉子精神纠治“四风”，推动作风建设常态化长效化，为高质量发展提供坚强作风保障。")


def test_one_story_under_three_links_is_one_article_with_the_origin_as_primary(db, config,
                                                                               httpserver: HTTPServer) -> None:
    origin_link = httpserver.url_for("/ccdi/202411/t20241103_1.html")
    # The same text as three outlets print it: half-width punctuation, other spacing, a 【转载】 title.
    variants = {
        "/ccdi.xml": (origin_link, "某某省纪委监委通报三起典型问题", f"<p>{STORY}</p>"),
        "/reprint1.xml": ("http://reprint1.test/a/1.html", "【转载】某某省纪委监委通报三起典型问题",
                          "<p>" + STORY.replace("，", ", ").replace("：", ": ") + "</p>"),
        "/reprint2.xml": ("http://reprint2.test/b/2.html", "原标题：某某省通报三起违反八项规定问题",
                          "<div>\n" + STORY.replace("。", "。\n\n") + "</div>"),
    }
    for path, (link, title, body) in variants.items():
        httpserver.expect_request(path).respond_with_data(
            rss([item(1, link=link, guid=link, title=title, description=body)], title=path.strip("/.xml")),
            content_type="application/rss+xml")
    # The reprints are added (and fetched) first; the origin's own feed is on the story's site.
    add(db, httpserver.url_for("/reprint1.xml").replace("localhost", "127.0.0.1"), name="转载一")
    add(db, httpserver.url_for("/reprint2.xml").replace("localhost", "127.0.0.1"), name="转载二")
    add(db, httpserver.url_for("/ccdi.xml"), name="中央纪委国家监委网站")
    cycle(db, config, [store.get_source(db, 1), store.get_source(db, 2)])
    cycle(db, config, [store.get_source(db, 3)])
    (story,) = store.latest_articles(db, None, 10)
    assert (story.source_id, story.origin, story.url) == (3, "中央纪委国家监委网站", origin_link)
    assert story.title == "某某省纪委监委通报三起典型问题"
    assert [name for name, _ in story.carried_by] == ["转载一", "转载二"]
    publish_site(db, config)
    rss_items = (config.public_dir / "feeds" / "all.rss").read_text().count("<item>")
    assert rss_items == 1
    assert "同时刊载于" in (config.public_dir / "feeds" / "all.rss").read_text()


def test_two_stories_on_one_template_and_short_notices_with_boilerplate_stay_apart(
        db, config, httpserver: HTTPServer) -> None:
    boiler = "本网讯。欢迎转载，转载请注明出处。"
    other = STORY.replace("三起", "五起").replace("八项规定精神", "廉洁纪律").replace("钉钉子", "抓铁有痕")
    one = [item(1, link="http://a.test/1.html", guid="http://a.test/1", description=f"<p>{STORY}</p>"),
           item(2, link="http://a.test/2.html", guid="http://a.test/2", description=f"<p>{boiler}详见附件。</p>")]
    two = [item(1, link="http://b.test/1.html", guid="http://b.test/1", description=f"<p>{other}</p>"),
           item(2, link="http://b.test/2.html", guid="http://b.test/2", description=f"<p>{boiler}名单如下。</p>"),
           item(3, link="http://b.test/3.html", guid="http://b.test/3", description=f"<p>{boiler}详见附件。</p>")]
    httpserver.expect_request("/a.xml").respond_with_data(rss(one), content_type="application/rss+xml")
    httpserver.expect_request("/b.xml").respond_with_data(rss(two), content_type="application/rss+xml")
    add(db, httpserver.url_for("/a.xml"))
    add(db, httpserver.url_for("/b.xml"))
    cycle(db, config)
    assert store.count_articles(db) == 5  # nothing merged: different stories, and notices too short to tell
