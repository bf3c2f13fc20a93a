"""looks_like_listing and the byline readers, on small pages written in the shapes real sites use."""

from __future__ import annotations

import lxml.html
import pytest

from aggregator.parse.page import looks_like_listing
from aggregator.parse.page.byline import closing_credit, credit_author, parse_byline, reporter_in
from aggregator.parse.page.dom import drop_invisible, load_html

from .test_page import PAGE_DATA


def root_of(name: str) -> lxml.html.HtmlElement:
    root = load_html((PAGE_DATA / name).read_text(encoding="utf-8"))
    drop_invisible(root)
    return root


def test_a_column_index_is_a_listing() -> None:
    assert looks_like_listing(root_of("listing.html"))


@pytest.mark.parametrize("name", ["byline_spans.html", "trs_table.html", "one_paragraph.html", "junk_blocks.html",
                                  "og_jsonld.html", "no_date.html"])
def test_articles_are_not_listings(name: str) -> None:
    assert not looks_like_listing(root_of(name))


def test_an_article_with_a_long_dated_related_list_is_still_an_article() -> None:
    related = "".join(f'<li><a href="/n/{i}.html">相关新闻标题第{i}条关于本地发展</a><span>2024-10-{i + 10:02d}</span></li>'
                      for i in range(12))
    html = (f'<html><body><h1>标题</h1><div class="TRS_Editor"><p>{"正文内容。" * 60}</p></div>'
            f'<ul class="list">{related}</ul></body></html>')
    assert not looks_like_listing(load_html(html))


def test_search_results_with_snippets_are_a_listing() -> None:
    results = "".join(
        f'<div class="result"><a href="/r/{i}.html">公开通报第{i}起违反规定典型问题</a>'
        f'<p>近日，中央纪委国家监委公开通报第{i}起典型问题，涉及违规收受礼品礼金……</p><span>2024-11-0{i % 9 + 1}</span></div>'
        for i in range(10))
    assert looks_like_listing(load_html(f"<html><body><div class='search'>{results}</div></body></html>"))


@pytest.mark.parametrize(("text", "field", "value"), [
    ("发布时间:2024-11-03 10:55:33 作者:佚名   来源: 中共辽宁省委组织部", "author", "佚名"),
    ("发布时间:2024-11-03 10:55:33 作者:佚名   来源: 中共辽宁省委组织部", "origin", "中共辽宁省委组织部"),
    ("来  源：新华网 | 作 者：方  敏 | 责任编辑：王五", "author", "方敏"),
    ("来  源：新华网 | 作 者：方  敏 | 责任编辑：王五", "editor", "王五"),
    ("来源：光明网-《光明日报》2024-05-20 03:15", "origin", "光明网-《光明日报》"),
    ("发表日期：2025-12-02信息来源：省局", "origin", "省局"),
    ("2019-09-07 13:43:45　来源: 证券市场红周刊 举报", "origin", "证券市场红周刊"),
    ("(责编：郝帅、杨迪)", "editor", "郝帅、杨迪"),
    ("【责任编辑:王頔】", "editor", "王頔"),
    ("责任编辑：杨倩_NF4425", "editor", "杨倩"),
    ("作者：记者 王芳 来源：海州新闻网", "author", "王芳"),
    ("文/张三", "author", "张三"),
])
def test_byline_labels(text: str, field: str, value: str) -> None:
    assert getattr(parse_byline(text, "Asia/Shanghai"), field) == value


def test_an_update_time_is_not_the_publication_time() -> None:
    assert parse_byline("最后更新: 2019-09-07 15:14:21", "Asia/Shanghai").date is None


@pytest.mark.parametrize(("text", "name"), [
    ("中央纪委国家监委网站\u3000李鹃", "李鹃"),
    ("中央纪委国家监委网站\xa0韩亚栋", "韩亚栋"),
    ("中青报·中青网记者 魏其濛 来源：中国青年报", "魏其濛"),
    ("文/张三", "张三"),
    ("湖北省秭归县纪委监委把防治“四风”隐形变异问题摆在突出位置。", None),
])
def test_credit_lines(text: str, name: str | None) -> None:
    assert credit_author(text) == name


@pytest.mark.parametrize(("text", "name"), [
    ("新华社乌鲁木齐5月9日电（记者邹伟）中共中央政治局常委", "邹伟"),
    ("本报讯（记者叶婉）近日，“心成长”青少年心理健康服务项目", "叶婉"),
    ("新华社北京5月19日电（刘艺、杨吉）中国科学院专家19日", "刘艺、杨吉"),
    ("长江网10月4日讯（记者陈智 整合） 国庆中秋长假过半", "陈智"),
    ("北京青年报记者了解到，项目将以基层社区为重点", None),
])
def test_reporter_credits_in_running_text(text: str, name: str | None) -> None:
    assert reporter_in(text) == name


@pytest.mark.parametrize(("text", "name"), [
    ("让纪律建设成为全面从严治党的有力支撑。（记者 黄玥、孙少龙）", "黄玥、孙少龙"),
    ("养成以德治家的优良习惯。 （中央纪委国家监委网站 斯凌整理）", "斯凌"),
    ("全文完。（新华社）", None),
    ("（完）", None),
])
def test_credits_closing_the_body(text: str, name: str | None) -> None:
    assert closing_credit(text) == name
