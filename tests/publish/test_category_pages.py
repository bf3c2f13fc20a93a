"""Category pages for people: paginated at stable URLs with next/previous links, each article with its
summary, date and 来源; and the site's own 404 page."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import lxml.html

from aggregator import store
from aggregator.model import Article
from aggregator.pipeline import publish_site

T0 = datetime(2024, 11, 3, 2, 0, tzinfo=timezone.utc)


def article(n: int) -> Article:
    when = T0 + timedelta(hours=n)
    return Article(id=f"{n:016x}", key=f"k{n}", source_id=None, category="news", title=f"第{n}条新闻",
                   url=f"http://u.test/{n}", guid=None, author=None, origin=f"来源{n}", origin_url=None, feed_url=None,
                   published=when, published_raw=None, date_missing=False, date_only=False,
                   content_html=f"<p>正文{n}</p>", summary=f"摘要{n}", content_hash=f"h{n}", first_seen=when,
                   updated_at=when)


def page(config, *parts: str):
    return lxml.html.fromstring((config.public_dir.joinpath("categories", *parts)).read_bytes())


def test_a_category_is_paginated_at_stable_urls_with_next_and_previous(db, config) -> None:
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [article(n) for n in range(1, 46)])
    publish_site(db, config)
    first, second, third = page(config, "news.html"), page(config, "news", "2.html"), page(config, "news", "3.html")
    base = config.base_url
    assert first.xpath("//a[@rel='next']/@href") == [f"{base}categories/news/2"] and not first.xpath("//a[@rel='prev']")
    assert second.xpath("//a[@rel='prev']/@href") == [f"{base}categories/news"]
    assert second.xpath("//a[@rel='next']/@href") == [f"{base}categories/news/3"]
    assert not third.xpath("//a[@rel='next']") and len(third.xpath("//ul[@class='articles']/li")) == 5
    top = first.xpath("//ul[@class='articles']/li")[0].text_content()
    assert "第45条新闻" in top and "来源45" in top and "摘要45" in top and "2024-11-05" in top
    assert not (config.public_dir / "categories" / "news" / "4.html").exists()
    for n in range(1, 30):  # the category shrinks: its last pages go
        store.take_down(db, f"{n:016x}", "测试")
    publish_site(db, config)
    assert (config.public_dir / "categories" / "news.html").exists()
    assert not (config.public_dir / "categories" / "news" / "2.html").exists()


def test_unknown_pages_answer_404_in_the_sites_chrome(live_site, db, config) -> None:
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [article(n) for n in range(1, 25)])
    publish_site(db, config)
    base = live_site(config, db)
    with urllib.request.urlopen(f"{base}/categories/news/2", timeout=10) as resp:
        assert "第4条新闻" in resp.read().decode("utf-8")
    for missing in ("/nope", "/categories/news/3", "/categories/news/1", "/categories/news/02", "/articles/zz"):
        try:
            urllib.request.urlopen(f"{base}{missing}", timeout=10)
            raise AssertionError(f"{missing} answered")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404, missing
            body = exc.read().decode("utf-8")
            assert "页面不存在" in body and 'name="q"' in body and "<html" in body, missing
