"""Article pages beyond government columns: old news portals, comment pieces, forum threads.
Every fixture is written for this project in the shapes those sites use."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from aggregator.errors import ExtractError
from aggregator.model import FetchResult
from aggregator.parse.page import extract_article

BODY = ("<p>" + "这是一段足够长的新闻正文，用来测试抽取器能否正确识别正文内容与各个字段。" * 3 + "</p><p>"
        + "第二段正文继续补充说明有关情况，让文章看起来更加完整可信。" * 2 + "</p>")


def page(url: str, html: str):
    return extract_article(FetchResult(url=url, final_url=url, status=200, headers={}, body=html.encode("utf-8")),
                           "Asia/Shanghai").item


def doc(title: str, head: str, info: str, body: str = BODY, extra_head: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{head}</title>{extra_head}</head><body>"
            f"<div class='nav'>首页 新闻 体育 财经</div><h1>{title}</h1><div class='info'>{info}</div>"
            f"<div class='content'>{body}</div><div class='footer'>版权所有</div></body></html>")


def test_a_byline_time_to_the_second_beats_the_date_in_the_url() -> None:
    item = page("http://news.example.com.cn/2005-07/18/content_3234567.htm",
                doc("某地召开防汛工作会议", "某地召开防汛工作会议_新闻中心", "2005-07-18 13:03:17　来源：新华网"))
    assert item.published == datetime(2005, 7, 18, 5, 3, 17, tzinfo=timezone.utc) and not item.date_only


def test_a_single_digit_byline_time_beats_a_date_only_meta() -> None:
    item = page("http://www.example.cn/news/2004/0716/123.html",
                doc("标题测试新闻一则", "标题测试新闻一则 - 某网", "2004-7-16 08:19 某某日报",
                    extra_head="<meta name='PubDate' content='2004-07-16'>"))
    assert item.published == datetime(2004, 7, 16, 0, 19, tzinfo=timezone.utc) and not item.date_only


def test_a_short_forum_post_is_an_article_with_its_poster_as_author() -> None:
    html = ("<html><head><meta charset='utf-8'><title>请问社区医院周末开门吗 - 生活论坛 - 某某社区</title></head><body>"
            "<div class='nav'>论坛首页 &gt; 生活论坛</div><h1>请问社区医院周末开门吗</h1>"
            "<div class='postinfo'>发帖人：小王同学 发表于 2010-3-5 21:17</div>"
            "<div class='t_msgfont'>想带孩子去打疫苗，不知道周末开不开门，有知道的朋友说一下吗？谢谢！</div>"
            "<div class='reply'>回复 | 引用</div></body></html>")
    item = page("http://bbs.example.cn/thread-123-1-1.html", html)
    assert item.title == "请问社区医院周末开门吗"
    assert item.author == "小王同学"
    assert "想带孩子去打疫苗" in item.content_html
    assert item.published == datetime(2010, 3, 5, 13, 17, tzinfo=timezone.utc)


def test_a_thread_opened_by_its_louzhu() -> None:
    html = doc("小区停车难怎么解决", "小区停车难怎么解决_业主论坛", "楼主：老张 2011-08-02 09:15",
               body="<p>我们小区车位太少，晚上回来经常没地方停车，大家有什么好办法吗？</p>")
    item = page("http://bbs.example.cn/read.php?tid=88", html)
    assert item.author == "老张" and "车位太少" in item.content_html


@pytest.mark.parametrize("info,body,author,origin", [
    ("2024-05-06 10:20 来源：光明日报", "<p>文/张三</p>" + BODY, "张三", "光明日报"),
    ("2024-05-06 10:20 来源：某某日报 记者 李四 王五", BODY, "李四 王五", "某某日报"),
    ("来源：人民日报 作者：赵六 发布时间：2024-05-06 10:20", BODY, "赵六", "人民日报"),
    ("<span class='time'>2024-05-06 10:20</span> <span class='author'>孙七</span> <span class='source'>某某网</span>",
     BODY, "孙七", "某某网"),
    ("2024-05-06 10:20 作者：钱八", BODY, "钱八", None),
])
def test_authors_in_the_forms_news_pages_write_them(info: str, body: str, author: str, origin: str | None) -> None:
    item = page("http://www.example.cn/a/1.html", doc("一篇署名测试文章的标题", "一篇署名测试文章的标题 - 某网", info, body))
    assert item.author == author
    assert item.origin_name == origin or (origin is None and item.origin_name in (None, "某网"))


def test_a_share_widget_is_never_the_title() -> None:
    html = ("<html><head><meta charset='utf-8'><title>微信扫一扫：分享</title></head><body>"
            "<div class='share'><h2>微信扫一扫：分享</h2></div><h1>真正的文章标题在这里</h1>"
            f"<div class='info'>2024-05-06 10:20 来源：某网</div><div class='content'>{BODY}</div></body></html>")
    assert page("http://www.example.cn/a/5.html", html).title == "真正的文章标题在这里"


def test_a_byline_printed_in_the_title_goes_to_the_author() -> None:
    item = page("http://www.example.cn/a/6.html",
                doc("以改革激发发展活力 本刊记者 周八", "以改革激发发展活力 本刊记者 周八 - 某刊", "2024-05-06 10:20"))
    assert item.title == "以改革激发发展活力" and item.author == "周八"


def test_a_real_listing_page_is_still_refused() -> None:
    links = "".join(f"<li><a href='/a/{i}.html'>第{i}条新闻的标题比较长一些</a><span>2024-05-0{i % 9 + 1}</span></li>"
                    for i in range(30))
    html = f"<html><head><meta charset='utf-8'><title>新闻列表</title></head><body><ul>{links}</ul></body></html>"
    with pytest.raises(ExtractError, match="listing"):
        page("http://www.example.cn/list/", html)
