"""Article pages in the seed's shape, the index with autodiscovery, and atomic, change-only writes."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import lxml.html

from aggregator import store
from aggregator.config import Config
from aggregator.model import Article, Category
from aggregator.publish import render_article, render_index, write_atomic
from aggregator.pipeline import publish_site

T0 = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
SEED_TITLE = "向“新”发力 逐“质”而行——阜新市海州区凝心聚力谋发展促振兴纪实"


def seed_article(**changes) -> Article:
    return Article(id="00000000000000aa", key="k", source_id=None, category="fanfu", title=SEED_TITLE,
                   url="https://www.lndj.gov.cn/portaluploads/html/site-5/info/51919.html", guid=None,
                   author="佚名", origin="中共辽宁省委组织部", origin_url=None, feed_url="https://u.test/f",
                   published=T0, published_raw="2024-11-03 10:55:33", date_missing=False, date_only=False,
                   content_html="<p>霜降过后,天气转凉。</p>", summary="霜降过后", content_hash="h", first_seen=T0,
                   updated_at=T0).replace(**changes)


def text_of(html: bytes) -> str:
    return " ".join(lxml.html.fromstring(html).find("body").text_content().split())


def test_article_page_has_every_field_of_the_seed_in_order(config: Config) -> None:
    cfg = config.with_overrides(site_name="反腐倡廉资讯网", timezone="Asia/Shanghai")
    text = text_of(render_article(cfg, seed_article(), Category("fanfu", "反腐纪实")))
    expected = ["欢迎来到 反腐倡廉资讯网", "当前所在:首页 > 反腐纪实", SEED_TITLE, "发布时间:2024-11-03 10:55:33",
                "作者:佚名", "来源:中共辽宁省委组织部", "霜降过后,天气转凉。",
                "原文链接:https://www.lndj.gov.cn/portaluploads/html/site-5/info/51919.html", cfg.disclaimer]
    positions = [text.find(part) for part in expected]
    assert -1 not in positions, [p for p, i in zip(expected, positions) if i == -1]
    assert positions == sorted(positions)


def test_date_only_and_missing_dates_are_shown_without_invented_times(config: Config) -> None:
    cat = Category("fanfu", "反腐纪实")
    date_only = seed_article(published=datetime(2024, 11, 2, 16, 0, tzinfo=timezone.utc), date_only=True)
    assert "发布时间:2024-11-03 作者" in text_of(render_article(config, date_only, cat))
    assert "发布时间:未注明" in text_of(render_article(config, seed_article(date_missing=True), cat))


def test_titles_are_escaped_not_injected(config: Config) -> None:
    html = render_article(config, seed_article(title="<script>alert(1)</script>"), Category("fanfu", "反腐纪实"))
    assert b"<script>alert(1)" not in html
    assert b"&lt;script&gt;" in html


def test_index_links_every_category_feed_with_autodiscovery(config: Config) -> None:
    html = render_index(config, [{"slug": "fanfu", "name": "反腐纪实", "articles": 3, "sources": 1}], [], 3)
    doc = lxml.html.fromstring(html)
    alternates = {(l.get("type"), l.get("href")) for l in doc.iter("link") if l.get("rel") == "alternate"}
    assert ("application/rss+xml", "http://127.0.0.1:8080/feeds/fanfu.rss") in alternates
    assert ("application/atom+xml", "http://127.0.0.1:8080/feeds/fanfu.atom") in alternates
    assert ("application/rss+xml", "http://127.0.0.1:8080/feeds/all.rss") in alternates


def test_write_atomic_skips_identical_bytes_and_leaves_no_temp_files(tmp_path) -> None:
    path = tmp_path / "feeds" / "a.rss"
    assert write_atomic(path, b"one") is True
    os.utime(path, (1, 1))
    assert write_atomic(path, b"one") is False
    assert path.stat().st_mtime == 1
    assert write_atomic(path, b"two") is True and path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.rss"]


def test_publish_rewrites_only_changed_categories(db, config: Config) -> None:
    store.add_category(db, "fanfu", "反腐纪实")
    store.add_category(db, "other", "其他")
    store.upsert_articles(db, [seed_article(), seed_article(id="00000000000000bb", key="k2", url=None,
                                                            category="other", content_hash="h2")])
    full = publish_site(db, config)
    public = config.public_dir
    assert {p.name for p in (public / "feeds").iterdir()} == {
        f"{slug}.{ext}" for slug in ("fanfu", "other", "all") for ext in ("rss", "atom", "json")}
    assert (public / "articles" / "00000000000000aa.html").exists()
    assert full.pages == 2
    other = public / "feeds" / "other.rss"
    os.utime(other, (1, 1))
    store.upsert_articles(db, [seed_article(title="改过的标题", content_hash="h3")])
    partial = publish_site(db, config, categories={"fanfu"}, article_ids={"00000000000000aa"})
    written = {p.name for p in partial.written}
    assert {"fanfu.rss", "fanfu.atom", "all.rss", "all.atom", "00000000000000aa.html"} <= written
    assert "other.rss" not in written and other.stat().st_mtime == 1
    assert "改过的标题" in (public / "feeds" / "fanfu.rss").read_text("utf-8")


def test_a_new_empty_category_gets_its_feeds_on_the_next_partial_publish(db, config: Config) -> None:
    store.add_category(db, "fanfu", "反腐纪实")
    publish_site(db, config)
    store.add_category(db, "lilun", "理论")
    publish_site(db, config, categories=set(), article_ids=set())
    assert (config.public_dir / "feeds" / "lilun.rss").exists()
    assert (config.public_dir / "feeds" / "lilun.atom").exists()
