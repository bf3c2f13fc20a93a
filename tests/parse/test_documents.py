"""parse_document: golden pairs per input format, and the documents it must refuse."""

from __future__ import annotations

import json

import pytest

from aggregator.errors import NotAFeedError, ParseError
from aggregator.model import ParsedFeed
from aggregator.normalize import author_name
from aggregator.parse import DiscoveredFeeds, parse_document

from .golden import case_bytes, expected, feed_to_json, fetched

TZ = "Asia/Shanghai"

# case file -> (Content-Type the server sent, URL it was fetched from)
GOLDEN = {
    "rss20.xml": ("application/rss+xml; charset=utf-8", "https://news.example.cn/rss/tech.xml"),
    "rss10.rdf": ("application/rdf+xml", "https://blog.example.jp/index.rdf"),
    "atom10.xml": ("application/atom+xml", "https://example.org/feed.atom"),
    "jsonfeed10.json": ("application/json", "https://daring.example.com/feeds/json"),
    "jsonfeed11.json": ("application/feed+json", "https://sspai.example.com/feed.json"),
    "gbk_undeclared.xml": ("text/xml", "http://news.example.cn/gd/rss.xml"),
    "relative_links.xml": ("application/rss+xml", "https://www.city.example.gov/feeds/news.xml"),
    "zoneless_dates.xml": ("text/xml; charset=utf-8", "http://www.gov.example.cn/rss.xml"),
    "origin_and_authors.xml": ("application/rss+xml", "https://agg.example.com/world/rss.xml"),
}


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_golden_feed(case: str) -> None:
    content_type, url = GOLDEN[case]
    parsed = parse_document(fetched(case_bytes(case), content_type, url), TZ)
    assert feed_to_json(parsed) == expected(case)


def test_golden_output_is_plain_json() -> None:
    parsed = parse_document(fetched(case_bytes("rss20.xml"), "application/rss+xml", "https://news.example.cn/rss"), TZ)
    rendered = feed_to_json(parsed)
    assert json.loads(json.dumps(rendered, ensure_ascii=False)) == rendered


# --- format details the golden files rely on, asserted by name ---------------------------------

def _parse(case: str) -> ParsedFeed:
    content_type, url = GOLDEN[case]
    return parse_document(fetched(case_bytes(case), content_type, url), TZ)


def test_gbk_feed_without_any_declaration_decodes_as_gb18030() -> None:
    body = case_bytes("gbk_undeclared.xml")
    assert b"encoding" not in body and b"charset" not in body
    parsed = _parse("gbk_undeclared.xml")
    assert parsed.encoding == "gb18030"
    assert parsed.title == "南方日报·广东新闻"
    assert parsed.items[0].title == "广东省召开全省经济工作会议 部署明年重点任务"


def test_relative_item_links_are_made_absolute_against_the_feed_url() -> None:
    parsed = _parse("relative_links.xml")
    assert [item.link for item in parsed.items] == [
        "https://www.city.example.gov/news/2024/budget-hearing.html",
        "https://www.city.example.gov/feeds/library-hours.html",
        "https://cdn.city.example.gov/notices/42.html",
    ]
    assert parsed.site_url == "https://www.city.example.gov/news/"


def test_relative_json_feed_urls_are_made_absolute() -> None:
    parsed = _parse("jsonfeed11.json")
    assert parsed.items[0].link == "https://sspai.example.com/post/88231"


def test_zoneless_dates_are_read_in_the_source_zone() -> None:
    items = _parse("zoneless_dates.xml").items
    # 10:55:33 in Shanghai is 02:55:33 UTC, not 10:55:33 UTC as feedparser would say.
    assert items[0].published.isoformat() == "2024-11-03T02:55:33+00:00"
    assert items[1].published.isoformat() == "2024-11-03T02:55:33+00:00"


def test_chinese_date_in_a_feed_is_the_third_not_the_first() -> None:
    item = _parse("zoneless_dates.xml").items[2]
    assert item.published.isoformat() == "2024-11-02T16:00:00+00:00"  # 3 Nov 00:00 Shanghai
    assert item.date_only is True


def test_item_without_any_date_has_none() -> None:
    item = _parse("zoneless_dates.xml").items[-1]
    assert item.published is None and item.published_raw is None


def test_rss_source_element_gives_origin_name_and_url() -> None:
    item = _parse("origin_and_authors.xml").items[0]
    assert (item.origin_name, item.origin_url) == ("新华社", "https://wire.example.org/rss/world.xml")


def test_dc_source_gives_origin_name() -> None:
    assert _parse("origin_and_authors.xml").items[1].origin_name == "中国新闻网"


def test_rss_author_email_with_name_gives_the_name() -> None:
    assert author_name(_parse("origin_and_authors.xml").items[0].author) == "张伟"


@pytest.mark.parametrize("raw, name", [
    ("editor@lianzheng.example (李华)", "李华"),
    ("news@daily.online (王五)", "王五"),
    ("jw@ccdi.gov.cn (张三)", "张三"),
    ("李华 <editor@lianzheng.example>", "李华"),
    ("editor@lianzheng.example", None),
])
def test_rss_authors_with_long_top_level_domains_keep_the_whole_name(raw: str, name: str | None) -> None:
    from html import escape
    doc = (f'<rss version="2.0"><channel><title>t</title><item><title>a</title><link>http://a.test/1</link>'
           f"<author>{escape(raw)}</author></item></channel></rss>").encode("utf-8")
    item = parse_document(fetched(doc, "application/rss+xml"), "Asia/Shanghai").items[0]
    assert author_name(item.author) == name


def test_item_categories_and_dc_subject_become_tags() -> None:
    doc = ('<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title><item>'
           '<title>a</title><link>http://a.test/1</link><category>反腐</category><category domain="x">巡视</category>'
           "<dc:subject>反腐</dc:subject><dc:subject>作风建设</dc:subject></item></channel></rss>").encode("utf-8")
    assert parse_document(fetched(doc, "application/rss+xml"), "Asia/Shanghai").items[0].tags == [
        "反腐", "巡视", "作风建设"]
    atom = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id><updated>2024-11-03T00:00:00Z</updated>'
            '<entry><id>urn:t:1</id><title>a</title><updated>2024-11-03T00:00:00Z</updated>'
            '<category term="xunshi" label="巡视"/><category term="fanfu"/></entry></feed>').encode("utf-8")
    assert parse_document(fetched(atom, "application/atom+xml"), "Asia/Shanghai").items[0].tags == ["巡视", "fanfu"]


@pytest.mark.parametrize("version", ["1", "1.0", "1.1", "https://jsonfeed.org/version/1.1"])
def test_json_feeds_with_a_bare_version_number_are_read(version: str) -> None:
    doc = json.dumps({"version": version, "title": "JSON 源", "items": [
        {"id": "1", "url": "http://a.test/1", "title": "一", "content_text": "正文", "tags": ["反腐", " ", 3]}]},
        ensure_ascii=False).encode("utf-8")
    parsed = parse_document(fetched(doc, "application/json"), "Asia/Shanghai")
    assert [(i.title, i.tags) for i in parsed.items] == [("一", ["反腐"])]


def test_json_without_a_json_feed_version_is_still_not_a_feed() -> None:
    doc = json.dumps({"version": "2.0", "items": []}).encode("utf-8")
    with pytest.raises(NotAFeedError):
        parse_document(fetched(doc, "application/json"), "Asia/Shanghai")


def test_an_atom_feed_inside_an_xhtml_document_is_read() -> None:
    doc = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>'
           '</head><body><feed xmlns="http://www.w3.org/2005/Atom"><title>内嵌</title><id>urn:x</id>'
           "<updated>2024-11-03T02:55:33Z</updated><entry><id>urn:x:1</id><title>一</title>"
           '<link href="http://a.test/1"/><updated>2024-11-03T02:55:33Z</updated></entry></feed></body></html>')
    parsed = parse_document(fetched(doc.encode("utf-8"), "application/xhtml+xml"), "Asia/Shanghai")
    assert parsed.format == "atom10" and [i.title for i in parsed.items] == ["一"]


def test_an_ordinary_xhtml_page_is_still_not_a_feed() -> None:
    doc = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>'
           "</head><body><p>只是一个页面</p></body></html>").encode("utf-8")
    with pytest.raises(NotAFeedError):
        parse_document(fetched(doc, "application/xhtml+xml"), "Asia/Shanghai")


def test_dc_creator_is_the_author() -> None:
    assert _parse("origin_and_authors.xml").items[1].author == "李娜"


def test_rss_managing_editor_is_not_every_items_author() -> None:
    assert _parse("origin_and_authors.xml").items[1].author != "Night Desk"


def test_atom_author_name_and_feed_author_inherited() -> None:
    items = _parse("atom10.xml").items
    assert items[0].author == "Ada Writer"
    assert items[1].author == "Mark Example"  # RFC 4287: the feed's author applies


def test_json_feed_authors_and_feed_level_author() -> None:
    v11 = _parse("jsonfeed11.json").items
    assert v11[0].author == "李华"  # the first author that has a name
    assert v11[1].author == "少数派编辑部"
    v10 = _parse("jsonfeed10.json").items
    assert [item.author for item in v10] == ["John Example", "Guest Writer"]


def test_atom_text_content_is_escaped_not_taken_as_html() -> None:
    item = _parse("atom10.xml").items[1]
    assert "&lt;script&gt;" in item.content_html and "<script>" not in item.content_html
    assert "<script>" not in (item.summary_html or "")


def test_json_feed_versions_are_named() -> None:
    assert _parse("jsonfeed10.json").format == "json1"
    assert _parse("jsonfeed11.json").format == "json11"


def test_per_source_encoding_override_wins() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>朱镕基</title></channel></rss>'
    result = fetched(body.encode("gb18030"), "application/rss+xml; charset=utf-8")
    parsed = parse_document(result, TZ, encoding="gbk")
    assert parsed.title == "朱镕基"
    assert parsed.encoding == "gb18030"


# --- documents that are not feeds ---------------------------------------------------------------

def test_html_page_with_alternate_links_raises_discovered_feeds() -> None:
    result = fetched(case_bytes("discover.html"), "text/html; charset=utf-8", "https://news.example.cn/tech/index.html")
    with pytest.raises(DiscoveredFeeds) as caught:
        parse_document(result, TZ)
    # RSS before Atom, relative hrefs absolute, the duplicate listed once, hreflang alternates ignored.
    assert caught.value.links == ["https://news.example.cn/tech/rss.xml", "https://news.example.cn/tech/atom.xml"]
    assert caught.value.message.startswith("not a feed: got text/html")


def test_discovered_links_honour_base_href() -> None:
    page = ('<!DOCTYPE html><html><head><base href="https://static.example.cn/feeds/">'
            '<link rel="alternate" type="application/rss+xml" href="all.xml"></head><body></body></html>')
    with pytest.raises(DiscoveredFeeds) as caught:
        parse_document(fetched(page.encode(), "text/html", "https://www.example.cn/"), TZ)
    assert caught.value.links == ["https://static.example.cn/feeds/all.xml"]


def test_discovered_links_of_a_gbk_page_keep_their_chinese_path() -> None:
    page = ('<html><head><meta charset="gbk"><title>新闻</title>'
            '<link rel="alternate" type="application/rss+xml" href="/订阅/新闻.xml"></head><body>新闻</body></html>')
    with pytest.raises(DiscoveredFeeds) as caught:
        parse_document(fetched(page.encode("gbk"), "text/html", "http://www.example.cn/"), TZ)
    assert caught.value.links == ["http://www.example.cn/订阅/新闻.xml"]


def test_page_that_does_not_open_with_html_tag_still_discovers_feeds() -> None:
    page = '<meta charset="utf-8"><title>x</title><link rel="alternate" type="application/atom+xml" href="/a.xml">'
    with pytest.raises(DiscoveredFeeds) as caught:
        parse_document(fetched(page.encode(), "text/html", "https://example.org/"), TZ)
    assert caught.value.links == ["https://example.org/a.xml"]


def test_discovery_ignores_non_web_links() -> None:
    page = ('<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="javascript:void(0)">'
            '</head><body></body></html>')
    with pytest.raises(NotAFeedError) as caught:
        parse_document(fetched(page.encode(), "text/html", "https://example.org/"), TZ)
    assert not isinstance(caught.value, DiscoveredFeeds)


def test_html_page_without_feed_links_is_not_a_feed() -> None:
    result = fetched(case_bytes("plain_page.html"), "text/html; charset=utf-8", "https://news.example.cn/missing")
    with pytest.raises(NotAFeedError) as caught:
        parse_document(result, TZ)
    assert not isinstance(caught.value, DiscoveredFeeds)
    assert caught.value.message.startswith("not a feed: got text/html")


@pytest.mark.parametrize("body", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_empty_body_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeedError) as caught:
        parse_document(fetched(body, "application/rss+xml"), TZ)
    assert caught.value.message == "not a feed: empty body"


def test_xml_that_is_not_a_feed_is_not_a_feed() -> None:
    with pytest.raises(NotAFeedError) as caught:
        parse_document(fetched(b'<?xml version="1.0"?><config><a/></config>', "application/xml"), TZ)
    assert caught.value.message == "not a feed: got application/xml"


def test_json_without_jsonfeed_version_is_not_a_feed() -> None:
    with pytest.raises(NotAFeedError):
        parse_document(fetched(b'{"status": "ok", "data": []}', "application/feed+json"), TZ)


def test_invalid_json_feed_is_a_parse_error() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "1",}]}'
    with pytest.raises(ParseError) as caught:
        parse_document(fetched(body, "application/feed+json"), TZ)
    assert not isinstance(caught.value, NotAFeedError)
    assert caught.value.message.startswith("invalid JSON Feed")


def test_json_feed_whose_items_is_not_a_list_is_a_parse_error() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1", "items": {"id": "1"}}'
    with pytest.raises(ParseError, match="'items' is not a list"):
        parse_document(fetched(body, "application/json"), TZ)


def test_deeply_nested_json_feed_is_a_parse_error_not_a_crash() -> None:
    body = '{"version": "https://jsonfeed.org/version/1.1", "items": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_document(fetched(body.encode(), "application/feed+json"), TZ)


def test_html_error_page_sent_as_feed_json_is_not_a_feed() -> None:
    with pytest.raises(NotAFeedError) as caught:
        parse_document(fetched(b"<!DOCTYPE html><html><body>502</body></html>", "application/feed+json"), TZ)
    assert caught.value.message.startswith("not a feed: got application/feed+json")


# --- hostile documents -------------------------------------------------------------------------

def test_billion_laughs_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        parse_document(fetched(case_bytes("billion_laughs.xml"), "application/rss+xml"), TZ)
    assert "entity" in caught.value.message


def _quadratic_blowup(size: int = 50_000, refs: int = 50_000) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"A" * size}">]>'
            f'<rss version="2.0"><channel><title>q</title><item><title>t</title>'
            f'<description>{"&big;" * refs}</description></item></channel></rss>').encode()


def test_quadratic_blowup_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        parse_document(fetched(_quadratic_blowup(), "application/rss+xml"), TZ)
    assert "entity" in caught.value.message


def test_entity_declaration_behind_a_comment_is_still_refused() -> None:
    # A "<a" in a comment ahead of the DOCTYPE once ended the scanned prolog early.
    body = case_bytes("billion_laughs.xml").replace(b"<!DOCTYPE", b"<!-- <a href='x'> --><!DOCTYPE", 1)
    with pytest.raises(ParseError, match="entity"):
        parse_document(fetched(body, "application/rss+xml"), TZ)


def test_entity_declaration_behind_a_processing_instruction_is_still_refused() -> None:
    body = case_bytes("billion_laughs.xml").replace(b"<!DOCTYPE", b'<?xml-stylesheet href="<a"?><!DOCTYPE', 1)
    with pytest.raises(ParseError, match="entity"):
        parse_document(fetched(body, "application/rss+xml"), TZ)


def test_entity_text_inside_cdata_is_not_refused() -> None:
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>XML security</title><item>'
            '<title>On XXE</title><description><![CDATA[<pre>&lt;!ENTITY x "y"&gt;</pre> and <!ENTITY raw>]]>'
            '</description></item></channel></rss>').encode()
    parsed = parse_document(fetched(body, "application/rss+xml"), TZ)
    assert parsed.items[0].title == "On XXE"


def test_html_page_declaring_entities_is_refused() -> None:
    page = ('<!DOCTYPE html [<!ENTITY a "' + "x" * 1000 + '">]><html><head>'
            '<link rel="alternate" type="application/rss+xml" href="/r"></head>'
            "<body>" + "&a;" * 1000 + "</body></html>")
    with pytest.raises(ParseError, match="entity"):
        parse_document(fetched(page.encode(), "text/html"), TZ)


def test_rss_item_is_updated_only_when_the_feed_says_so() -> None:
    body = ('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
            '<item><title>a</title><pubDate>Sun, 03 Nov 2024 10:55:33 +0800</pubDate></item>'
            '<item><title>b</title><pubDate>Sun, 03 Nov 2024 10:55:33 +0800</pubDate>'
            '<atom:updated>2024-11-04T10:00:00+08:00</atom:updated></item></channel></rss>').encode()
    first, second = parse_document(fetched(body, "application/rss+xml"), TZ).items
    assert first.updated is None
    assert second.updated.isoformat() == "2024-11-04T02:00:00+00:00"
    assert second.published.isoformat() == "2024-11-03T02:55:33+00:00"


def test_entity_declaration_after_an_unterminated_comment_is_refused() -> None:
    body = b'<?xml version="1.0"?><!-- never closed <!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"></rss>'
    with pytest.raises(ParseError, match="entity"):
        parse_document(fetched(body, "application/rss+xml"), TZ)


def test_atom_xml_base_is_carried_for_relative_links_in_content() -> None:
    from aggregator.model import FetchResult
    from aggregator.normalize import SourceContext, normalize_item
    from aggregator.parse import parse_document

    doc = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
           "<title>t</title><id>urn:x</id><updated>2024-11-03T00:00:00Z</updated>"
           '<entry xml:base="http://cdn.test/posts/"><id>urn:1</id><title>a</title>'
           '<link href="http://site.test/a/1.html"/><updated>2024-11-03T00:00:00Z</updated>'
           '<content type="html">&lt;img src="img/1.png"&gt;</content></entry></feed>')
    result = FetchResult(url="http://feed.test/atom.xml", final_url="http://feed.test/atom.xml", status=200,
                         headers={"content-type": "application/atom+xml"}, body=doc.encode())
    (raw,) = parse_document(result, "UTC").items
    assert raw.base_url == "http://cdn.test/posts/"
    ctx = SourceContext(1, "c", "http://feed.test/atom.xml", "s", "UTC")
    from datetime import datetime, timezone
    article = normalize_item(raw, ctx, datetime(2024, 11, 3, tzinfo=timezone.utc))
    assert 'src="http://cdn.test/posts/img/1.png"' in article.content_html


def test_huge_feeds_are_cut_to_their_first_and_last_items_before_parsing() -> None:
    from aggregator.model import FetchResult
    from aggregator.parse import parse_document
    from aggregator.parse.feed import bound_items

    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid></item>" for i in range(1000))
    doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    result = FetchResult(url="http://x.test/", final_url="http://x.test/", status=200,
                         headers={"content-type": "application/rss+xml"}, body=doc.encode())
    parsed = parse_document(result, "UTC", max_items=50)
    titles = [item.title for item in parsed.items]
    assert titles == [f"t{i}" for i in range(100)] + [f"t{i}" for i in range(900, 1000)]
    assert len(parse_document(result, "UTC", max_items=250).items) == 1000  # under 4 x: untouched
    assert bound_items(doc, None) == doc
