"""extract_article: golden pairs in the shapes real CMS pages have, and the pages it must refuse.

A case is tests/data/page/<case>.html plus <case>.expected.json holding the exact fields:
title, published (UTC ISO 8601 or null), published_raw, date_only, author, origin,
original_url, editor and body_text (the visible text of the body once normalize has
sanitized it). Every expected value was checked by hand against what the page states.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aggregator.errors import ExtractError
from aggregator.model import ExtractedPage, FetchResult, Selectors
from aggregator.normalize import plain_text, sanitize_html
from aggregator.parse.page import extract_article

PAGE_DATA = Path(__file__).parent.parent / "data" / "page"
TZ = "Asia/Shanghai"
# A fixed "now" for relative dates and URL dates: 2024-11-05 12:00 in Shanghai.
NOW = datetime(2024, 11, 5, 4, 0, tzinfo=timezone.utc)

# case -> (URL the page was fetched from, Content-Type the server sent)
GOLDEN = {
    "seed_gbk": ("http://www.fanfu.example.cn/fanfu/2024/1105/8812.html", "text/html"),
    "byline_spans": ("http://www.ccdi.example.cn/toutiaon/202411/t20241103_400001.html", "text/html; charset=utf-8"),
    "trs_table": ("http://www.ln.example.gov.cn/zwgk/zwyw/202411/t20241103_300002.html", "text/html"),
    "one_paragraph": ("http://www.xian.example.gov.cn/tzgg/content_7788.html", "text/html"),
    "no_date": ("http://www.hz.example.gov.cn/zjhz/hzjj/index.html", "text/html"),
    "editor_only": ("http://www.fxrb.example.cn/n1/yw/c1001-77.html", "text/html"),
    "junk_blocks": ("https://www.hzxw.example.cn/ms/20241102/555.html", "text/html"),
    "og_jsonld": ("https://news.example.com/metro/city-opens-riverside-park", "text/html; charset=utf-8"),
    "url_date": ("http://www.hzxw.example.cn/ty/2024-11/03/c_881.html", "text/html"),
    "relative_date": ("http://www.hzxw.example.cn/sh/c_990.html", "text/html"),
}


def fetched(case: str, url: str, content_type: str = "text/html", status: int = 200) -> FetchResult:
    """The case file as fetch hands it over: raw bytes and headers, no network."""
    body = (PAGE_DATA / f"{case}.html").read_bytes()
    return FetchResult(url=url, final_url=url, status=status, headers={"content-type": content_type}, body=body)


def body_text(page: ExtractedPage) -> str:
    """The body's visible text as a subscriber sees it: sanitized by normalize, white space folded."""
    return plain_text(sanitize_html(page.item.content_html or "", page.item.base_url))


def page_fields(page: ExtractedPage) -> dict[str, Any]:
    """The fields the golden files pin down, as plain JSON values."""
    item = page.item
    published = item.published
    if published is not None:
        assert published.utcoffset() is not None, "published must be aware"
        published = published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "title": item.title,
        "published": published,
        "published_raw": item.published_raw,
        "date_only": item.date_only,
        "author": item.author,
        "origin": item.origin_name,
        "original_url": item.link,
        "editor": page.editor,
        "body_text": body_text(page),
    }


def expected(case: str) -> dict[str, Any]:
    return json.loads((PAGE_DATA / f"{case}.expected.json").read_text(encoding="utf-8"))


def extract(case: str, **kwargs) -> ExtractedPage:
    url, content_type = GOLDEN[case]
    return extract_article(fetched(case, url, content_type), TZ, now=NOW, **kwargs)


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_golden_page(case: str) -> None:
    assert page_fields(extract(case)) == expected(case)


# --- the seed page, field by field -----------------------------------------------------------

def test_seed_page_is_gbk_with_a_gb2312_meta_and_reads_as_gb18030() -> None:
    raw = (PAGE_DATA / "seed_gbk.html").read_bytes()
    assert b"charset=gb2312" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    page = extract("seed_gbk")
    assert page.encoding == "gb18030"
    assert page.replaced is False


def test_seed_page_fields_are_exactly_the_seeds() -> None:
    item = extract("seed_gbk").item
    assert item.title == "向“新”发力 逐“质”而行——阜新市海州区凝心聚力谋发展促振兴纪实"
    assert item.published == datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)  # 10:55:33 in Beijing
    assert item.published_raw == "2024-11-03 10:55:33"
    assert item.author == "佚名"
    assert item.origin_name == "中共辽宁省委组织部"
    assert item.link == "https://www.lndj.gov.cn/portaluploads/html/site-5/info/51919.html"
    assert item.guid is None


def test_seed_body_keeps_the_image_and_drops_link_line_disclaimer_and_share() -> None:
    page = extract("seed_gbk")
    html = page.item.content_html
    assert "haizhou.jpg" in html
    for gone in ("原文链接", "免责声明", "分享到", "发布时间", "佚名", "版权所有"):
        assert gone not in html


def test_relative_body_links_resolve_against_the_page_not_the_original_link() -> None:
    page = extract("seed_gbk")
    body = sanitize_html(page.item.content_html, page.item.base_url)
    assert 'src="http://www.fanfu.example.cn/uploadfile/2024/1103/haizhou.jpg"' in body


# --- details the golden files rely on, asserted by name ----------------------------------------

def test_visible_time_beats_a_pubdate_whose_minutes_repeat_the_month() -> None:
    page_html = (PAGE_DATA / "byline_spans.html").read_text(encoding="utf-8")
    assert 'name="PubDate" content="2024-11-03  10:11 "' in page_html
    assert extract("byline_spans").item.published == datetime(2024, 11, 3, 2, 55, tzinfo=timezone.utc)


def test_unlabelled_credit_line_is_the_author_and_leaves_the_body() -> None:
    page = extract("byline_spans")
    assert page.item.author == "李鹃"
    assert "李鹃" not in page.item.content_html


def test_editor_is_never_the_author() -> None:
    page = extract("editor_only")
    assert page.editor == "赵六"
    assert page.item.author is None  # <meta name="author"> names the editor too


def test_a_page_without_a_date_has_none() -> None:
    item = extract("no_date").item
    assert item.published is None and item.published_raw is None and item.date_only is False


def test_date_only_byline_is_midnight_local_and_flagged() -> None:
    item = extract("one_paragraph").item
    assert item.date_only is True
    assert item.published == datetime(2024, 9, 24, 16, 0, tzinfo=timezone.utc)  # 2024-09-25 00:00 Beijing


def test_url_date_is_the_last_resort_and_only_a_day() -> None:
    item = extract("url_date").item
    assert (item.published, item.date_only, item.published_raw) == (
        datetime(2024, 11, 2, 16, 0, tzinfo=timezone.utc), True, "2024-11/03")


def test_relative_byline_time_is_read_against_now() -> None:
    assert extract("relative_date").item.published == datetime(2024, 11, 5, 1, 0, tzinfo=timezone.utc)


def test_json_ld_author_and_publisher_on_an_english_page() -> None:
    item = extract("og_jsonld").item
    assert (item.author, item.origin_name) == ("Jane Doe", "Example News")


def test_share_related_comment_and_copyright_blocks_stay_out_of_the_body() -> None:
    html = extract("junk_blocks").item.content_html
    for gone in ("分享到", "相关阅读", "优化调整5条公交线路", "网友评论", "发表评论", "版权所有", "views", "原文链接"):
        assert gone not in html


# --- active content never survives normalize's sanitizer ---------------------------------------

def test_scripts_iframes_and_event_handlers_are_gone_after_sanitize() -> None:
    page = extract_article(fetched("active_content", "http://www.hzxw.example.cn/fz/1.html"), TZ, now=NOW)
    body = sanitize_html(page.item.content_html, page.item.base_url).lower()
    for active in ("<script", "<iframe", "<object", "onclick", "onerror", "javascript:", "document.write"):
        assert active not in body
    assert "隐藏的广告文字" not in body  # display:none is not part of the article
    assert "活动现场还设置了咨询台" in body
    assert 'src="http://www.hzxw.example.cn/img/fzp.jpg"' in body


# --- overrides ---------------------------------------------------------------------------------

def test_selectors_encoding_overrides_a_wrong_declaration() -> None:
    # The page says gb2312 and its bytes are GBK; an override saying so must not change the text.
    result = fetched("seed_gbk", GOLDEN["seed_gbk"][0], "text/html; charset=utf-8")
    page = extract_article(result, TZ, selectors=Selectors(encoding="gbk"), now=NOW)
    assert page.encoding == "gb18030"
    assert page.item.title.startswith("向“新”发力")


def test_selectors_title_and_body_override_the_evidence() -> None:
    url, content_type = GOLDEN["trs_table"]
    page = extract_article(fetched("trs_table", url, content_type), TZ, now=NOW,
                           selectors=Selectors(title="td.nav", body="div.TRS_Editor tr:nth-child(2)"))
    assert page.item.title == "首页 政务公开 互动交流"
    assert body_text(page) == ("措施提出，持续破除市场准入壁垒，各地区各部门不得以备案、注册、年检、认定、认证、指定等"
                               "形式设定或变相设定准入障碍。")


# --- pages with no article ---------------------------------------------------------------------

@pytest.mark.parametrize(("case", "reason"), [
    ("login_wall", "a login wall"),
    ("error_page", "an error page"),
    ("listing", "a listing page"),
])
def test_non_articles_are_refused_with_a_one_line_reason(case: str, reason: str) -> None:
    with pytest.raises(ExtractError) as caught:
        extract_article(fetched(case, f"http://www.example.cn/{case}.html"), TZ, now=NOW)
    message = str(caught.value)
    assert message.startswith("extract: no article: ")
    assert reason in message
    assert "\n" not in message


def test_http_error_status_is_refused() -> None:
    result = fetched("seed_gbk", "http://www.example.cn/gone.html", status=404)
    with pytest.raises(ExtractError, match=r"HTTP 404"):
        extract_article(result, TZ, now=NOW)


@pytest.mark.parametrize("body", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_body_is_refused(body: bytes) -> None:
    result = FetchResult(url="http://www.example.cn/a.html", final_url="http://www.example.cn/a.html",
                         status=200, headers={"content-type": "text/html"}, body=body)
    with pytest.raises(ExtractError, match="empty body|no body text"):
        extract_article(result, TZ, now=NOW)


def test_a_page_of_navigation_only_is_refused() -> None:
    html = ('<html><head><title>首页</title></head><body><div class="nav">'
            '<a href="/">首页</a> | <a href="/a">新闻</a> | <a href="/b">政务</a></div></body></html>')
    result = FetchResult(url="http://www.example.cn/", final_url="http://www.example.cn/", status=200,
                         headers={"content-type": "text/html"}, body=html.encode("utf-8"))
    with pytest.raises(ExtractError, match="no body text"):
        extract_article(result, TZ, now=NOW)


def test_selectors_for_date_author_and_origin_win_over_the_byline() -> None:
    url, content_type = GOLDEN["trs_table"]
    page = extract_article(fetched("trs_table", url, content_type), TZ, now=NOW,
                           selectors=Selectors(date="div.related li:nth-child(1)", author="td.nav a:nth-child(2)",
                                               origin="td.footer"))
    item = page.item
    assert (item.published_raw, item.date_only) == ("2024-10-28", True)
    assert item.author == "政务公开"
    assert item.origin_name.startswith("主办单位")


def test_an_invalid_css_selector_is_a_one_line_extract_error() -> None:
    url, content_type = GOLDEN["trs_table"]
    with pytest.raises(ExtractError, match=r"invalid CSS selector for body: 'div\[\['"):
        extract_article(fetched("trs_table", url, content_type), TZ, now=NOW, selectors=Selectors(body="div[["))
