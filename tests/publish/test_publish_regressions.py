"""Publishing regressions: empty feeds keep their bytes, one notion of 佚名, rights said once, page items
name no feed, upstream tags republished, hostile category names and titles contained."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import feedparser
import lxml.html
import pytest
from lxml import etree

from aggregator import store
from aggregator.config import Config
from aggregator.errors import StoreError
from aggregator.model import Article, Category, RawItem
from aggregator.normalize import SourceContext, normalize_item
from aggregator.normalize.article import MAX_NAME, MAX_TITLE
from aggregator.pipeline import publish_site
from aggregator.publish import build_feeds, item_rights, render_article

T0 = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
NS = {"dc": "http://purl.org/dc/elements/1.1/", "atom": "http://www.w3.org/2005/Atom"}


def article(n: int = 1, **changes) -> Article:
    return Article(id=f"{n:016x}", key=f"k{n}", source_id=1, category="fanfu", title=f"标题{n}",
                   url=f"https://www.lndj.gov.cn/info/{n}.html", guid=None, author=None,
                   origin="中共辽宁省委组织部", origin_url=None, feed_url="https://upstream.test/feed.xml",
                   published=T0 - timedelta(hours=n), published_raw=None, date_missing=False, date_only=False,
                   content_html=f"<p>正文{n}</p>", summary=f"正文{n}", content_hash=f"h{n}", first_seen=T0,
                   updated_at=T0 - timedelta(hours=n)).replace(**changes)


def ctx(**changes) -> SourceContext:
    values = {"source_id": 1, "category": "fanfu", "feed_url": "https://upstream.test/feed.xml",
              "source_name": "上游", "timezone": "Asia/Shanghai"} | changes
    return SourceContext(**values)


def test_publishing_an_empty_category_twice_writes_no_file(db, config: Config) -> None:
    store.add_category(db, "fanfu", "反腐纪实")
    first = publish_site(db, config)
    assert any(p.name == "fanfu.rss" for p in first.written)
    stamp = (config.public_dir / "feeds" / "fanfu.rss").stat().st_mtime_ns
    time.sleep(1.1)  # a build date taken from the clock would differ by now (not a timing assertion)
    second = publish_site(db, config)
    assert second.written == []
    assert (config.public_dir / "feeds" / "fanfu.rss").stat().st_mtime_ns == stamp


def test_an_empty_feeds_build_date_is_the_categorys_creation_time(config: Config) -> None:
    created = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    docs = build_feeds(config, Category("fanfu", "反腐纪实"), [], {}, empty_since=created)
    channel = etree.fromstring(docs.rss).find("channel")
    assert channel.findtext("lastBuildDate") == "Thu, 02 Jan 2025 03:04:05 +0000"
    assert etree.fromstring(docs.atom).findtext("atom:updated", namespaces=NS).startswith("2025-01-02T03:04:05")


def test_feeds_say_佚名_for_a_missing_author_as_pages_do(config: Config) -> None:
    docs = build_feeds(config, Category("fanfu", "反腐纪实"), [article(author=None)], {"fanfu": "反腐纪实"})
    item = etree.fromstring(docs.rss).find("channel/item")
    assert item.findtext("dc:creator", namespaces=NS) == "佚名"
    entry = etree.fromstring(docs.atom).find("atom:entry", NS)
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "佚名"
    page = lxml.html.fromstring(render_article(config, article(author=None), Category("fanfu", "反腐纪实")))
    assert "作者:佚名" in page.text_content()


def test_item_rights_say_版权归原作者所有_once(config: Config) -> None:
    assert "版权归原作者所有" in config.disclaimer
    rights = item_rights(article(), config.disclaimer)
    assert rights.count("版权归原作者所有") == 1 and "来源:中共辽宁省委组织部" in rights
    own = item_rights(article(), "[免责声明] 仅供学习交流。")
    assert own.count("版权归原作者所有") == 1
    parsed = feedparser.parse(build_feeds(config, Category("fanfu", "反腐纪实"), [article()], {}).rss)
    assert parsed.feed.rights.count("版权归原作者所有") == 1
    assert parsed.entries[0].rights.count("版权归原作者所有") == 1


def test_items_of_page_sources_carry_no_source_url_but_feed_items_do(config: Config) -> None:
    now = T0
    raw = RawItem(guid=None, link="https://www.example.gov.cn/col/t20241103_1.html", title="标题",
                  content_html="<p>正文正文</p>")
    from_page = normalize_item(raw, ctx(feed_url="https://www.example.gov.cn/col/", from_feed=False), now)
    from_feed = normalize_item(raw, ctx(), now)
    assert from_page.feed_url is None and from_feed.feed_url == "https://upstream.test/feed.xml"
    docs = build_feeds(config, Category("fanfu", "反腐纪实"), [from_page, from_feed.replace(id="f" * 16)], {})
    items = etree.fromstring(docs.rss).findall("channel/item")
    assert items[0].find("source") is None
    assert items[1].find("source").get("url") == "https://upstream.test/feed.xml"
    entries = etree.fromstring(docs.atom).findall("atom:entry", NS)
    assert entries[0].find("atom:source", NS) is None
    assert entries[1].find("atom:source", NS) is not None


def test_upstream_tags_are_republished_beside_our_category(config: Config) -> None:
    raw = RawItem(guid="urn:x:1", link="https://u.test/a", title="标题", content_html="<p>正文</p>",
                  tags=[" 反腐 ", "巡视", "反腐", "", "x" * 500])
    art = normalize_item(raw, ctx(), T0)
    assert art.tags == ["反腐", "巡视", "x" * 99 + "…"]
    docs = build_feeds(config, Category("fanfu", "反腐纪实"), [art], {"fanfu": "反腐纪实"})
    rss_item = feedparser.parse(docs.rss).entries[0]
    assert [t.term for t in rss_item.tags] == ["反腐纪实", "反腐", "巡视", "x" * 99 + "…"]
    atom_item = feedparser.parse(docs.atom).entries[0]
    assert [t.term for t in atom_item.tags][:3] == ["fanfu", "反腐", "巡视"]
    assert atom_item.tags[0].label == "反腐纪实"


def test_tags_survive_the_store_and_a_change_of_tags_updates_the_article(db) -> None:
    store.add_category(db, "fanfu", "反腐纪实")
    raw = RawItem(guid="urn:x:1", link="https://u.test/a", title="标题", content_html="<p>正文</p>", tags=["反腐"])
    store.upsert_articles(db, [normalize_item(raw, ctx(), T0)])
    assert store.get_article(db, normalize_item(raw, ctx(), T0).id).tags == ["反腐"]
    again = store.upsert_articles(db, [normalize_item(raw, ctx(), T0)])
    assert again.unchanged == 1
    raw.tags = ["反腐", "巡视"]
    changed = store.upsert_articles(db, [normalize_item(raw, ctx(), T0)])
    assert changed.updated == 1
    assert store.get_article(db, normalize_item(raw, ctx(), T0).id).tags == ["反腐", "巡视"]


def test_a_category_name_with_a_control_character_is_refused(db) -> None:
    for bad in ("bad\x01name", "tab\there", "x" * 65, "   "):
        with pytest.raises(StoreError, match="category"):
            store.add_category(db, "ctl", bad)
    assert store.get_category(db, "ctl") is None


def test_a_stored_bad_category_name_is_cleaned_by_the_migration(tmp_path) -> None:
    import sqlite3

    from aggregator.store.migrations import migrations

    path = tmp_path / "old.db"
    db = store.open_db(path, migrate=False)
    # The database as an older version left it: the first three migrations, then a bad name.
    migrations.apply(db, stop_before="m004_article_tags")
    db.execute("insert into categories (slug, name, created_at) values ('ctl', 'bad\x01name', '2024-01-01T00:00:00Z')")
    db.conn.commit()
    db.close()
    db = store.open_db(path)
    assert store.get_category(db, "ctl").name == "bad name"
    db.close()
    assert sqlite3.connect(path).execute("select count(*) from categories").fetchone()[0] == 1


def test_one_unbuildable_category_does_not_stop_the_others(db, config: Config) -> None:
    store.add_category(db, "good", "好栏目")
    store.add_category(db, "ctl", "坏栏目")
    # As another version (or a hand edit) could have left it: a name XML cannot carry.
    db.execute("update categories set name = 'bad\x01name' where slug = 'ctl'")
    db.conn.commit()
    store.upsert_articles(db, [article(1, category="good"), article(2, category="ctl")])
    report = publish_site(db, config)
    feeds = config.public_dir / "feeds"
    assert (feeds / "good.rss").exists() and (feeds / "all.rss").exists() and (feeds / "all.atom").exists()
    assert len(feedparser.parse((feeds / "all.rss").read_bytes()).entries) == 2
    assert (config.public_dir / "articles" / f"{1:016x}.html").exists()
    # The bad name is stripped of its control character at publish time, so even it publishes.
    assert (feeds / "ctl.rss").exists()
    assert report.failed == []


def test_the_category_name_is_escaped_in_the_rss_channel_description(config: Config) -> None:
    docs = build_feeds(config, Category("x", "<script>alert(1)</script>"), [], {})
    description = etree.fromstring(docs.rss).find("channel").findtext("description")
    # The element's text, as a reader gets it after XML parsing, is HTML with the markup escaped.
    assert "<script>" not in description and "&lt;script&gt;" in description
    assert "<script>" not in feedparser.parse(docs.rss).feed.subtitle


def test_titles_and_names_are_capped(config: Config) -> None:
    raw = RawItem(guid=None, link="https://u.test/a", title="长" * 5_000_000, content_html="<p>正文</p>",
                  author="作" * 1000, origin_name="源" * 1000)
    art = normalize_item(raw, ctx(), T0)
    assert len(art.title) == MAX_TITLE and art.title.endswith("…")
    assert len(art.author) == MAX_NAME and len(art.origin) == MAX_NAME
    raw_long_link = RawItem(guid=None, link="https://u.test/" + "a" * 5000, title="t", content_html="<p>x</p>")
    assert normalize_item(raw_long_link, ctx(), T0).url is None


def test_a_category_whose_feed_cannot_be_built_is_skipped_and_named(db, config: Config, monkeypatch) -> None:
    from aggregator.pipeline import publish as publishing

    real = publishing.publish.build_feeds

    def failing_for_ctl(cfg, category, *args, **kwargs):
        if category.slug == "ctl":
            raise ValueError("All strings must be XML compatible")
        return real(cfg, category, *args, **kwargs)

    monkeypatch.setattr(publishing.publish, "build_feeds", failing_for_ctl)
    store.add_category(db, "good", "好栏目")
    store.add_category(db, "ctl", "坏栏目")
    store.upsert_articles(db, [article(1, category="good"), article(2, category="ctl")])
    report = publish_site(db, config)
    feeds = config.public_dir / "feeds"
    assert (feeds / "good.rss").exists() and (feeds / "all.rss").exists()
    assert not (feeds / "ctl.rss").exists()
    assert (config.public_dir / "index.html").exists()
    assert report.failed == ["feeds of ctl: ValueError: All strings must be XML compatible"]


def test_an_undated_page_takes_its_url_date_as_a_day_in_page_and_feeds(config: Config) -> None:
    from aggregator.model import FetchResult
    from aggregator.parse.page import extract_article

    html = ("<html><head><title>某某纪委监委召开会议</title></head><body><h1>某某纪委监委召开会议</h1>"
            "<div class='TRS_Editor'><p>" + "会议强调，要持续深化作风建设，推动全面从严治党向纵深发展。" * 6
            + "</p></div></body></html>").encode("utf-8")
    cat = Category("fanfu", "反腐纪实")
    for url, shown, pub in (
            ("https://www.example.gov.cn/col/202411/t20241101_51919.html", "发布时间:2024-11-01 作者",
             "Fri, 01 Nov 2024 00:00:00 +0800"),
            ("https://www.example.gov.cn/col/article/51919.html", "发布时间:未注明(收录于 2024-11-03 10:55)",
             "Sun, 03 Nov 2024 10:55:33 +0800")):
        page = extract_article(FetchResult(url=url, final_url=url, status=200, body=html,
                                           headers={"content-type": "text/html; charset=utf-8"}),
                               "Asia/Shanghai", now=T0)
        art = normalize_item(page.item, ctx(feed_url=url, from_feed=False), T0)
        text = " ".join(lxml.html.fromstring(render_article(config, art, cat)).text_content().split())
        assert shown in text
        rss = etree.fromstring(build_feeds(config, cat, [art], {}).rss)
        assert rss.find("channel/item").findtext("pubDate") == _in_utc(pub)


def _in_utc(rfc822: str) -> str:
    from email.utils import format_datetime, parsedate_to_datetime
    return format_datetime(parsedate_to_datetime(rfc822).astimezone(timezone.utc))
