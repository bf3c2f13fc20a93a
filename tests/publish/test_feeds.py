"""Published RSS and Atom: attribution and the notice on every item, machine-readable rights, stable ids."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import feedparser
from lxml import etree

from aggregator.config import Config
from aggregator.model import Article, Category
from aggregator.publish import ALL, build_feeds

T0 = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
CAT = Category("fanfu", "反腐纪实")


def article(n: int, **changes) -> Article:
    return Article(id=f"{n:016x}", key=f"k{n}", source_id=1, category="fanfu", title=f"标题{n} <b>&",
                   url=f"https://www.lndj.gov.cn/info/{n}.html", guid=None, author="佚名" if n % 2 else None,
                   origin="中共辽宁省委组织部", origin_url=None, feed_url="https://upstream.test/feed.xml",
                   published=T0 - timedelta(hours=n), published_raw=None, date_missing=False, date_only=False,
                   content_html=f"<p>正文{n}</p>", summary=f"正文{n}", content_hash="h", first_seen=T0,
                   updated_at=T0 - timedelta(hours=n)).replace(**changes)


def docs(config: Config, articles: list[Article], category: Category = CAT):
    return build_feeds(config, category, articles, {"fanfu": "反腐纪实"})


def test_every_rss_item_carries_origin_original_link_and_disclaimer(config: Config) -> None:
    parsed = feedparser.parse(docs(config, [article(1), article(2)]).rss)
    assert parsed.version == "rss20" and not parsed.bozo
    assert len(parsed.entries) == 2
    for entry, n in zip(parsed.entries, (1, 2)):
        body = entry.summary
        assert "来源:中共辽宁省委组织部" in body
        assert f"https://www.lndj.gov.cn/info/{n}.html" in body
        assert config.disclaimer in body
        assert config.disclaimer in entry.rights  # dc:rights
        assert entry.source == {"href": "https://upstream.test/feed.xml", "title": "中共辽宁省委组织部"}
    assert config.disclaimer in parsed.feed.rights  # <copyright>


def test_rss_structure_self_link_guid_and_creator(config: Config) -> None:
    root = etree.fromstring(docs(config, [article(1), article(2)]).rss)
    channel = root.find("channel")
    ns = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
    assert channel.find("atom:link[@rel='self']", ns).get("href") == "http://127.0.0.1:8080/feeds/fanfu.rss"
    first = channel.findall("item")[0]
    guid = first.find("guid")
    assert guid.text == "http://127.0.0.1:8080/articles/0000000000000001"
    assert guid.get("isPermaLink") == "true"  # it is the item's link
    assert first.find("link").text == guid.text
    assert first.find("dc:creator", ns).text == "佚名"
    assert first.find("author") is None  # RSS <author> needs an email; the name goes to dc:creator
    assert first.find("title").text == "标题1 <b>&"


def test_original_link_mode_makes_guid_not_a_permalink(config: Config) -> None:
    cfg = config.with_overrides(item_link="original")
    first = etree.fromstring(docs(cfg, [article(1)]).rss).find("channel/item")
    assert first.find("link").text == "https://www.lndj.gov.cn/info/1.html"
    assert first.find("guid").get("isPermaLink") == "false"


def test_atom_has_feed_author_rights_and_complete_sources(config: Config) -> None:
    atom = docs(config, [article(1), article(2)]).atom
    parsed = feedparser.parse(atom)
    assert parsed.version == "atom10" and not parsed.bozo
    assert parsed.feed.author == config.site_name
    assert any(link.rel == "self" and link.href.endswith("/feeds/fanfu.atom") for link in parsed.feed.links)
    for entry in parsed.entries:
        assert config.disclaimer in entry.content[0].value
        assert config.disclaimer in entry.rights
    root = etree.fromstring(atom)
    a = "{http://www.w3.org/2005/Atom}"
    for source in root.iter(f"{a}source"):
        assert source.find(f"{a}id").text == "https://upstream.test/feed.xml"
        assert source.find(f"{a}updated") is not None


def test_items_are_newest_first_in_the_order_given_and_dates_are_utc(config: Config) -> None:
    parsed = feedparser.parse(docs(config, [article(1), article(2), article(3)]).rss)
    assert [e.title for e in parsed.entries] == ["标题1 <b>&", "标题2 <b>&", "标题3 <b>&"]
    assert parsed.entries[0].published == "Sun, 03 Nov 2024 01:55:33 +0000"


def test_same_articles_give_the_same_bytes(config: Config) -> None:
    first, second = docs(config, [article(1)]), docs(config, [article(1)])
    assert first.rss == second.rss and first.atom == second.atom


def test_all_feed_uses_the_all_slug_and_site_home(config: Config) -> None:
    rss = docs(config, [article(1)], ALL).rss.decode()
    assert 'href="http://127.0.0.1:8080/feeds/all.rss" rel="self"' in rss
    assert "<link>http://127.0.0.1:8080/</link>" in rss


def test_empty_category_is_still_a_valid_feed(config: Config) -> None:
    built = docs(config, [])
    assert feedparser.parse(built.rss).version == "rss20"
    assert re.search(rb"<updated>[^<]+</updated>", built.atom)


def test_atom_updated_values_are_distinct_within_a_feed(config: Config) -> None:
    same_second = [article(1, published=T0, updated_at=T0), article(2, published=T0, updated_at=T0)]
    root = etree.fromstring(docs(config, same_second).atom)
    values = [e.findtext("{http://www.w3.org/2005/Atom}updated") for e in root.iter("{http://www.w3.org/2005/Atom}entry")]
    assert len(set(values)) == 2
    assert values[0] == "2024-11-03T02:55:33+00:00"  # the first keeps its own time; repeats move back by 1 µs


def test_markup_characters_in_titles_are_hex_references(config: Config) -> None:
    built = docs(config, [article(1, title="History of the <blink> tag & more")])
    for document in (built.rss, built.atom):
        assert b"<title>History of the &#x3C;blink&gt; tag &#x26; more</title>" in document
        titles = [e.title for e in feedparser.parse(document).entries]
        assert titles == ["History of the <blink> tag & more"]
