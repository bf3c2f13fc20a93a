"""normalize.normalize_item: RawItem -> Article, one shape whatever the feed format."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from aggregator.model import RawItem
from aggregator.normalize import SourceContext, author_name, clean_title, normalize_item

NOW = datetime(2024, 11, 5, 4, 0, tzinfo=timezone.utc)
PUBLISHED = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
CTX = SourceContext(source_id=7, category="tech", feed_url="https://news.example.cn/rss/tech.xml",
                    source_name="示例新闻网", timezone="Asia/Shanghai")


def raw(**fields) -> RawItem:
    """A typical item; tests override the fields they are about."""
    base = dict(guid=None, link="https://news.example.cn/tech/1001.html", title="量子卫星完成新一轮测试",
                content_html="<p>记者从中国科学院获悉。</p>", published=PUBLISHED,
                published_raw="Sun, 03 Nov 2024 10:55:33 +0800")
    base.update(fields)
    return RawItem(**base)


def norm(item: RawItem, ctx: SourceContext = CTX):
    article = normalize_item(item, ctx, NOW)
    assert article is not None
    return article


# --- titles --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "expected"), [
    ("AT&amp;T 发布财报", "AT&T 发布财报"),
    ("AT&amp;amp;T 发布财报", "AT&T 发布财报"),
    ("AT&amp;amp;amp;T", "AT&T"),
    ("&#8220;双十一&#8221;前夕", "\u201c双十一\u201d前夕"),
    ("&quot;Quoted&quot; &lt;b&gt;", '"Quoted" <b>'),
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("AT&T", "AT&T"),
])
def test_title_entities_are_decoded(title: str, expected: str) -> None:
    assert norm(raw(title=title)).title == expected


def test_title_whitespace_is_folded() -> None:
    assert norm(raw(title="  国务院\n\t常务会议   部署 \u3000 工作 ")).title == "国务院 常务会议 部署 工作"


def test_clean_title_of_nothing_is_empty() -> None:
    assert clean_title(None) == "" and clean_title("  ") == ""


def test_missing_title_comes_from_the_body() -> None:
    article = norm(raw(title=None, content_html="<p>这是一条没有标题的快讯。</p>"))
    assert article.title == "这是一条没有标题的快讯。"


# --- identity ------------------------------------------------------------------------------------

def test_key_is_the_guid_when_there_is_one() -> None:
    article = norm(raw(guid="tag:news.example.cn,2024:1001"))
    assert article.key == "guid:tag:news.example.cn,2024:1001"
    assert article.guid == "tag:news.example.cn,2024:1001"


def test_url_guid_is_global() -> None:
    assert norm(raw(guid="https://news.example.cn/tech/1001.html")).key == "guid:https://news.example.cn/tech/1001.html"


def test_bare_numeric_guid_is_scoped_to_its_source() -> None:
    here = norm(raw(guid="1001"))
    there = norm(raw(guid="1001"), dataclasses.replace(CTX, source_id=8))
    assert here.key == "guid:7:1001"
    assert there.key == "guid:8:1001"
    assert here.id != there.id


def test_key_is_the_canonical_link_without_a_guid() -> None:
    article = norm(raw(link="https://News.Example.cn:443/tech/1001.html?utm_source=rss#top"))
    assert article.key == "url:https://news.example.cn/tech/1001.html"
    assert article.url == "https://news.example.cn/tech/1001.html"


def test_blank_guid_counts_as_none() -> None:
    article = norm(raw(guid="   "))
    assert article.guid is None
    assert article.key.startswith("url:")


def test_key_is_a_hash_of_title_and_content_without_guid_or_link() -> None:
    first = norm(raw(link=None, title="快讯", content_html="<p>内容甲</p>"))
    same = norm(raw(link=None, title="快讯", content_html="<p>内容甲</p>"))
    other = norm(raw(link=None, title="快讯", content_html="<p>内容乙</p>"))
    assert first.key.startswith("hash:")
    assert first.key == same.key
    assert first.key != other.key


def test_id_is_stable_and_short() -> None:
    first, second = norm(raw(guid="tag:x,2024:1")), norm(raw(guid="tag:x,2024:1", title="改了标题"))
    assert first.id == second.id
    assert len(first.id) == 16 and int(first.id, 16) >= 0


def test_relative_link_is_resolved_against_the_feed() -> None:
    assert norm(raw(link="/tech/1002.html")).url == "https://news.example.cn/tech/1002.html"


# --- dates ---------------------------------------------------------------------------------------

def test_published_is_kept() -> None:
    article = norm(raw())
    assert article.published == PUBLISHED
    assert article.date_missing is False
    assert article.published_raw == "Sun, 03 Nov 2024 10:55:33 +0800"


def test_missing_date_is_now_and_flagged() -> None:
    article = norm(raw(published=None, published_raw=None))
    assert article.published == NOW
    assert article.date_missing is True
    assert article.first_seen == NOW


def test_date_only_flag_is_carried() -> None:
    assert norm(raw(date_only=True)).date_only is True


def test_updated_defaults_to_published() -> None:
    assert norm(raw()).updated_at == PUBLISHED
    later = datetime(2024, 11, 4, tzinfo=timezone.utc)
    assert norm(raw(updated=later)).updated_at == later


# --- people and origin ---------------------------------------------------------------------------

@pytest.mark.parametrize(("author", "expected"), [
    ("joe@example.com (Joe)", "Joe"),
    ("joe@example.com (Joe Smith)", "Joe Smith"),
    ("Joe Smith (joe@example.com)", "Joe Smith"),
    ("Joe Smith <joe@example.com>", "Joe Smith"),
    ("joe@example.com", None),
    ("王立", "王立"),
    ("  本报记者  张三 ", "本报记者 张三"),
    ("", None),
    (None, None),
])
def test_author_name(author: str | None, expected: str | None) -> None:
    assert author_name(author) == expected
    assert norm(raw(author=author)).author == expected


def test_origin_is_the_upstream_when_named() -> None:
    article = norm(raw(origin_name="新华社", origin_url="https://www.news.example.org/rss?utm_source=x"))
    assert article.origin == "新华社"
    assert article.origin_url == "https://www.news.example.org/rss"


def test_origin_is_the_source_name_otherwise() -> None:
    article = norm(raw())
    assert article.origin == "示例新闻网"
    assert article.origin_url is None


def test_origin_name_entities_are_decoded() -> None:
    assert norm(raw(origin_name="Reuters &amp;amp; AP")).origin == "Reuters & AP"


# --- body and summary ----------------------------------------------------------------------------

def test_body_is_sanitized_and_absolute() -> None:
    article = norm(raw(content_html='<p onclick="x()">正文<script>bad()</script><img src="img/1.jpg"></p>'))
    assert article.content_html == '<p>正文<img src="https://news.example.cn/tech/img/1.jpg"></p>'


def test_summary_is_plain_text() -> None:
    article = norm(raw(content_html="<p>Full <b>body</b>.</p>",
                       summary_html="<p>Short &amp; <em>sweet</em>.</p><p>Second.</p>"))
    assert article.summary == "Short & sweet. Second."


def test_summary_falls_back_to_the_body() -> None:
    article = norm(raw(content_html="<p>第一段。</p><p>第二段。</p>", summary_html=None))
    assert article.summary == "第一段。 第二段。"


def test_summary_that_sanitizes_to_nothing_falls_back_to_the_body() -> None:
    article = norm(raw(content_html="<p>正文内容</p>", summary_html="<script>track()</script>"))
    assert article.summary == "正文内容"


def test_summary_is_cut_to_200_characters() -> None:
    article = norm(raw(content_html="<p>" + "字" * 500 + "</p>"))
    assert len(article.summary) == 200 and article.summary.endswith("…")


def test_summary_used_as_body_when_there_is_no_content() -> None:
    article = norm(raw(content_html=None, summary_html="<p>只有摘要。</p>"))
    assert article.content_html == "<p>只有摘要。</p>"


def test_article_carries_source_context() -> None:
    article = norm(raw())
    assert (article.source_id, article.category, article.feed_url) == (7, "tech", CTX.feed_url)


def test_content_hash_changes_with_the_body() -> None:
    assert norm(raw()).content_hash != norm(raw(content_html="<p>改过的正文</p>")).content_hash


# --- nothing to show -----------------------------------------------------------------------------

def test_item_with_no_title_no_body_no_link_is_dropped() -> None:
    assert normalize_item(raw(title=None, content_html=None, link=None), CTX, NOW) is None


def test_item_with_only_whitespace_and_a_guid_is_dropped() -> None:
    assert normalize_item(raw(guid="42", title="  ", content_html=" \n ", link=""), CTX, NOW) is None


def test_item_whose_body_is_only_script_is_dropped() -> None:
    item = raw(title=None, link=None, content_html="<script>document.write('ad')</script>")
    assert normalize_item(item, CTX, NOW) is None


def test_item_with_only_a_link_is_kept() -> None:
    article = norm(raw(title=None, content_html=None, link="https://news.example.cn/tech/1003.html"))
    assert article.url == "https://news.example.cn/tech/1003.html"
    assert article.title == "(无标题)"


def test_item_with_only_an_image_is_kept() -> None:
    article = norm(raw(title=None, link=None, content_html='<img src="/p/1.jpg">'))
    assert article.content_html == '<img src="https://news.example.cn/p/1.jpg">'
