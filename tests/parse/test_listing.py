"""find_article_links: golden listing pages, next-page detection, same-site rules, refusals.

A case is tests/data/listing/<case>.html (the page bytes, GBK where the case says so)
plus <case>.expected.json: the exact links, next page and codec.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aggregator.errors import ParseError
from aggregator.model import FetchResult, ListingPage, Selectors
from aggregator.parse.listing import find_article_links
from aggregator.parse.listing.urls import same_site, site_of

DATA = Path(__file__).parent.parent / "data" / "listing"

# case -> (page URL, Content-Type the server sent, per-source selectors)
GOLDEN = {
    "trs_gbk_column": ("http://www.jw.example.gov.cn/gzdt/", "text/html", None),
    "table_list": ("http://www.example-city.gov.cn/col/col1002/index.html?uid=4321&pageNum=1",
                   "text/html; charset=utf-8", None),
    "dates_first": ("https://news.example.com.cn/gn/index.shtml", "text/html", None),
    "portal_carousel": ("https://www.portal.example.com/scroll-news/news1.html", "text/html", None),
    "selector_override": ("http://www.qu.example.gov.cn/", "text/html",
                          Selectors(links="div.tzgg li > a", encoding="gbk")),
    "url_pattern": ("https://www.example-news.cn/politics/", "text/html",
                    Selectors(url_pattern=r"/content_\d+\.htm$")),
    "other_sites": ("https://www.jw.example.gov.cn/index.php?m=content&c=index&catid=12", "text/html", None),
    "article_page": ("https://www.jw.example.gov.cn/yaowen/202411/t20241103_400120.html", "text/html", None),
}


def fetched(body: bytes, url: str, content_type: str | None = "text/html") -> FetchResult:
    """A FetchResult as fetch hands it over (no network involved)."""
    headers = {"content-type": content_type} if content_type else {}
    return FetchResult(url=url, final_url=url, status=200, headers=headers, body=body)


def case(name: str, **overrides) -> ListingPage:
    url, content_type, selectors = GOLDEN[name]
    body = (DATA / f"{name}.html").read_bytes()
    options = {"selectors": selectors, **overrides}
    return find_article_links(fetched(body, url, content_type), **options)


def as_json(page: ListingPage) -> dict:
    return {"links": page.links, "next_page": page.next_page, "encoding": page.encoding}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_listing(name: str) -> None:
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert as_json(case(name)) == expected


# --- what the golden pages rely on, asserted by name -------------------------------------------

def test_gbk_column_page_is_read_by_its_meta_charset() -> None:
    body = (DATA / "trs_gbk_column.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert case("trs_gbk_column").encoding == "gb18030"


def test_hot_sidebar_nav_and_footer_links_are_left_out() -> None:
    links = case("trs_gbk_column").links
    assert "http://www.jw.example.gov.cn/yaowen/202411/t20241101_355951.html" not in links  # 热点推荐
    assert "http://www.jw.example.gov.cn/gywm/201901/t20190101_100001.html" not in links  # footer 关于我们
    assert not any(link.endswith("/") for link in links)  # navigation columns


def test_a_list_split_into_sibling_blocks_is_taken_whole() -> None:
    links = case("trs_gbk_column").links
    assert links[4].endswith("t20241030_355802.html") and links[5].endswith("t20241029_355766.html")


def test_headline_carousel_and_ranking_are_left_out() -> None:
    links = case("portal_carousel").links
    assert "https://www.portal.example.com/china/2024/11-03/10312001.shtml" not in links  # carousel
    assert "https://www.portal.example.com/china/2024/11-02/10311800.shtml" not in links  # 热门新闻
    assert "https://www.portal.example.com/china/" not in links  # the [国内] tag beside each headline


def test_the_dated_list_beats_a_bigger_undated_picture_block() -> None:
    assert case("dates_first").links[0] == "https://news.example.com.cn/gn/2024-11/03/content_117523841.shtml"


def test_a_flat_list_of_links_and_dates_without_items_is_found() -> None:
    body = ('<html><body><div class="menu"><a href="/">首页</a><a href="/tzgg/">通知公告</a></div>'
            '<div class="con"><a href="/tzgg/2024/1103/12345.html">关于开展冬季消防安全检查的通知</a> (2024-11-03)<br>'
            '<a href="/tzgg/2024/1101/12301.html">关于调整部分公交线路的公告</a> (2024-11-01)<br>'
            '<a href="/tzgg/2024/1030/12277.html">关于征求城市规划意见的公告</a> (2024-10-30)<br></div></body></html>')
    links = find_article_links(fetched(body.encode(), f"{GOV}/tzgg/")).links
    assert links == [f"{GOV}/tzgg/2024/1103/12345.html", f"{GOV}/tzgg/2024/1101/12301.html",
                     f"{GOV}/tzgg/2024/1030/12277.html"]


def test_base_href_resolves_relative_links() -> None:
    assert case("other_sites").links[0] == "https://www.jw.example.gov.cn/yaowen/202411/t20241103_400101.html"


def test_same_site_false_keeps_links_to_other_sites() -> None:
    links = case("other_sites", same_site=False).links
    assert links == [
        "https://www.jw.example.gov.cn/yaowen/202411/t20241103_400101.html",
        "https://zgjjjc.jw.example.gov.cn/bqml/bqxx/202411/t20241103_275589.html",
        "https://www.people.example.com.cn/n1/2024/1103/c1001-40352112.html",
        "https://www.jw.example.gov.cn/yaowen/202411/t20241102_400066.html",
        "http://www.xinhua.example.cn/politics/2024-11/02/c_1130213456.htm",
        "https://www.jw.example.gov.cn/yaowen/202411/t20241101_400031.html",
    ]


def test_url_pattern_narrows_what_is_found_without_it() -> None:
    unfiltered = case("url_pattern", selectors=None).links
    assert "https://www.example-news.cn/photo/2024-11/02/c_1130213377.htm" in unfiltered
    assert len(case("url_pattern").links) == 3 < len(unfiltered)


def test_selector_overrides_the_automatic_choice() -> None:
    automatic = case("selector_override", selectors=Selectors(encoding="gbk")).links
    assert automatic[0] == "http://www.qu.example.gov.cn/gzdt/202411/t20241103_8812301.html"  # bigger list
    chosen = case("selector_override").links
    assert chosen[0] == "http://www.qu.example.gov.cn/tzgg/202411/t20241103_8812322.html"


def test_selector_may_name_containers_instead_of_links() -> None:
    by_container = case("selector_override", selectors=Selectors(links="div.tzgg ul", encoding="gbk"))
    assert by_container.links == case("selector_override").links


def test_encoding_override_beats_the_declaration() -> None:
    page = find_article_links(fetched(_listing(), "https://www.example.gov.cn/list/"),
                              selectors=Selectors(encoding="big5"))
    assert page.encoding == "big5hkscs"


# --- next page ----------------------------------------------------------------------------------

def _listing(extra: str = "", head: str = "") -> bytes:
    """A small column page with three dated headlines, plus `extra` markup after the list."""
    items = "".join(
        f'<li><a href="./202411/t2024110{day}_10{day}.html">第{day}条新闻标题：某某工作会议召开</a>'
        f"<span>2024-11-0{day}</span></li>" for day in (3, 2, 1))
    html = (f'<html><head><meta charset="utf-8">{head}</head>'
            f'<body><ul class="list">{items}</ul>{extra}</body></html>')
    return html.encode("utf-8")


GOV = "http://www.example.gov.cn"


def _next(extra: str, url: str = f"{GOV}/col/", head: str = "") -> str | None:
    return find_article_links(fetched(_listing(extra, head), url)).next_page


@pytest.mark.parametrize(("script", "url", "expected"), [
    ('createPageHTML(10, 0, "index", "html");', "http://www.example.gov.cn/col/index.html",
     "http://www.example.gov.cn/col/index_1.html"),
    ('createPageHTML(10, 2, "index", "shtml");', "http://www.example.gov.cn/col/index_2.shtml",
     "http://www.example.gov.cn/col/index_3.shtml"),
    ("createPageHTML('page_div', 7, 1, 'index', 'html', 130);", "http://www.example.gov.cn/col/index_1.html",
     "http://www.example.gov.cn/col/index_2.html"),
    ('var countPage = 5; var currentPage = 0; createPageHTML(countPage, currentPage, "index", "htm");',
     "http://www.example.gov.cn/col/", "http://www.example.gov.cn/col/index_1.htm"),
])
def test_trs_create_page_html_gives_the_next_page(script: str, url: str, expected: str) -> None:
    definition = "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { }"
    assert _next(f"<script>{definition}\n{script}</script>", url) == expected


def test_trs_last_page_has_no_next_page() -> None:
    script = '<script>createPageHTML(3, 2, "index", "html");</script>'
    assert _next(script, "http://www.example.gov.cn/col/index_2.html") is None


@pytest.mark.parametrize("label", ["下一页", "下页", "下一页&gt;&gt;", "Next", "next page", "&gt;", "›"])
def test_a_link_labelled_next_is_the_next_page(label: str) -> None:
    pager = (f'<div class="page"><a href="?cursor=0">1</a><a href="?cursor=20">2</a>'
             f'<a href="?cursor=20">{label}</a></div>')
    assert _next(pager, f"{GOV}/col/list.jsp") == f"{GOV}/col/list.jsp?cursor=20"


def test_a_bare_arrow_outside_a_pager_is_a_more_link_not_the_next_page() -> None:
    assert _next('<div class="tit">工作动态 <a href="/gzdt/more.jsp">&gt;</a></div>') is None


def test_an_icon_link_classed_next_is_the_next_page() -> None:
    pager = '<div class="page"><a class="next-page" href="search?page=2&amp;q=x">&nbsp;</a></div>'
    assert _next(pager, "https://www.example.gov.cn/was5/web/search?q=x") == \
        "https://www.example.gov.cn/was5/web/search?page=2&q=x"


def test_link_rel_next_is_the_next_page() -> None:
    assert _next("", head='<link rel="next" href="/col/index_1.html">') == f"{GOV}/col/index_1.html"


def test_numbered_page_links_give_the_next_page() -> None:
    pager = ('<div class="pages"><a href="index_5.html">5</a><a href="index_3.html">3</a>'
             '<a href="index_1.html">1</a></div>')
    assert _next(pager, f"{GOV}/col/index_2.html") == f"{GOV}/col/index_3.html"


def test_query_page_numbers_give_the_next_page() -> None:
    pager = '<div class="pages"><span>1</span><a href="list.php?page=2">2</a><a href="?page=3">3</a></div>'
    assert _next(pager, f"{GOV}/list.php") == f"{GOV}/list.php?page=2"


def test_next_article_carousel_arrow_and_script_links_are_no_next_page() -> None:
    markup = ('<p class="next">下一篇：<a href="./t20241104_1.html">压实管党治党政治责任</a></p>'
              '<div class="swiper"><a class="swiper-button-next" href="./pic2.html">&nbsp;</a></div>'
              '<a href="javascript:goPage(2)">下一页</a>')
    assert _next(markup) is None


def test_a_next_link_to_another_site_is_ignored() -> None:
    assert _next('<a href="https://www.other.example.com/col/index_1.html">下一页</a>') is None


# --- sites --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "site"), [
    ("http://www.ccdi.gov.cn/yaowenn/", "ccdi.gov.cn"),
    ("http://zgjjjc.ccdi.gov.cn/bqml/", "ccdi.gov.cn"),
    ("https://gd.henan.gov.cn/sy/tz/", "henan.gov.cn"),
    ("https://news.163.com/", "163.com"),
    ("https://www.bbc.co.uk/news", "bbc.co.uk"),
    ("http://127.0.0.1:8080/list", "127.0.0.1"),
])
def test_site_is_the_registrable_domain(url: str, site: str) -> None:
    assert site_of(url) == site


def test_subdomains_are_the_same_site_and_sibling_registrants_are_not() -> None:
    assert same_site("http://zgjjjc.ccdi.gov.cn/a.html", "https://www.ccdi.gov.cn/")
    assert not same_site("http://www.gov.cn/a.html", "https://www.ccdi.gov.cn/")
    assert not same_site("http://www.henan.gov.cn/a.html", "https://www.ccdi.gov.cn/")


# --- refusals -----------------------------------------------------------------------------------

def test_a_page_without_article_links_is_refused_with_the_reason() -> None:
    body = '<html><body><div class="nav"><a href="/">首页</a><a href="/about/">关于我们</a></div></body></html>'
    with pytest.raises(ParseError, match="no article links found on the page"):
        find_article_links(fetched(body.encode(), "http://www.example.gov.cn/"))


def test_an_empty_body_is_refused() -> None:
    with pytest.raises(ParseError, match="no article links found on the page"):
        find_article_links(fetched(b"  \n", "http://www.example.gov.cn/"))


def test_a_selector_matching_nothing_names_the_selector() -> None:
    with pytest.raises(ParseError, match='"ul.missing a" matched none'):
        find_article_links(fetched(_listing(), "http://www.example.gov.cn/col/"),
                           selectors=Selectors(links="ul.missing a"))


def test_a_broken_selector_or_pattern_is_a_parse_error() -> None:
    page = fetched(_listing(), "http://www.example.gov.cn/col/")
    with pytest.raises(ParseError, match="bad links selector"):
        find_article_links(page, selectors=Selectors(links="ul[[["))
    with pytest.raises(ParseError, match="bad url_pattern"):
        find_article_links(page, selectors=Selectors(url_pattern="t2024(["))


def test_a_document_declaring_entities_is_refused() -> None:
    body = b'<!DOCTYPE html [<!ENTITY a "aaaa">]><html><body><a href="/2024/11/1.html">&a;</a></body></html>'
    with pytest.raises(ParseError, match="refused"):
        find_article_links(fetched(body, "http://www.example.gov.cn/"))


def test_a_huge_listing_is_read_with_capped_links() -> None:
    from aggregator.model import FetchResult
    from aggregator.parse.listing.links import MAX_ANCHORS, MAX_LINKS

    items = "".join(f'<li><a href="/col/2024/t2024110{i % 9 + 1}_{i}.html">第{i}篇新闻标题很长很长</a>'
                    f"<span>2024-11-03</span></li>" for i in range(3 * MAX_ANCHORS))
    body = f"<html><body><ul class='list'>{items}</ul></body></html>".encode("utf-8")
    page = find_article_links(FetchResult(url="http://a.gov.cn/col/", final_url="http://a.gov.cn/col/", status=200,
                                          body=body, headers={"content-type": "text/html; charset=utf-8"}))
    assert len(page.links) == MAX_LINKS
    assert page.links[0] == "http://a.gov.cn/col/2024/t20241101_0.html"
