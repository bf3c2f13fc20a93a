"""HTML page sources end to end: a GBK column page and its articles, through the real CLI, out as feeds and pages."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import feedparser
import lxml.html
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import data_file
from tests.e2e.harness import Aggregator, free_port, http_get, wait_for

pytestmark = pytest.mark.e2e
SEED_TITLE = "向“新”发力 逐“质”而行——阜新市海州区凝心聚力谋发展促振兴纪实"
SEED_ORIGINAL = "https://www.lndj.gov.cn/portaluploads/html/site-5/info/51919.html"


@pytest.fixture
def site(httpserver: HTTPServer) -> dict[str, int]:
    """A column page and three article pages; counts requests per path."""
    hits: dict[str, int] = {}
    pages = {
        "/ffjs/": ("column.html", "text/html"),  # GBK bytes, no charset in the header
        "/ffjs/202411/t20241103_51919.html": ("seed_article.html", "text/html"),
        "/ffjs/202411/t20241102_51877.html": ("article_2.html", "text/html; charset=utf-8"),
        "/ffjs/202411/t20241101_51802.html": ("article_3.html", "text/html; charset=utf-8"),
    }

    def handler(request: Request) -> Response:
        hits[request.path] = hits.get(request.path, 0) + 1
        name, content_type = pages[request.path]
        return Response(data_file("site", name), content_type=content_type)

    for path in pages:
        httpserver.expect_request(path).respond_with_handler(handler)
    return hits


def test_extract_yields_every_field_of_the_seed(tmp_path: Path) -> None:
    agg = Aggregator(tmp_path, free_port())
    page = Path(__file__).parent.parent / "data" / "site" / "seed_article.html"
    done = agg.run("extract", str(page), "--base-url", "http://site.test/ffjs/202411/t20241103_51919.html", "--json")
    fields = json.loads(done.stdout)
    assert fields["title"] == SEED_TITLE
    assert fields["published"] == "2024-11-03T10:55:33+08:00"
    assert fields["published_raw"] == "2024-11-03 10:55:33"
    assert fields["date_only"] is False
    assert fields["author"] == "佚名"
    assert fields["origin"] == "中共辽宁省委组织部"
    assert fields["original_url"] == SEED_ORIGINAL
    assert fields["encoding"] == "gb18030"
    assert fields["body_text"].startswith("霜降过后,天气转凉。阜新市海州区80平方公里的土地上")
    assert "活力海州,攻坚之年加速跑。" in fields["body_text"]
    for unwanted in ("免责声明", "分享到", "相关文章", "版权所有", "evil.test", "发布时间"):
        assert unwanted not in fields["body_text"], unwanted
    assert "<script" not in fields["body_html"]
    assert 'src="http://site.test/images/2024/haizhou.jpg"' in fields["body_html"]


def test_a_column_page_source_ends_in_the_feeds_and_pages(tmp_path: Path, httpserver: HTTPServer, site) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    agg.run("sources", "add", httpserver.url_for("/ffjs/"), "--category", "反腐纪实")  # kind auto
    first = json.loads(agg.run("fetch", "--json").stdout)
    (outcome,) = first["sources"]
    assert (outcome["result"], outcome["new"], outcome["error"]) == ("ok", 3, None)
    (listed,) = json.loads(agg.run("sources", "list", "--json").stdout)
    assert listed["kind"] == "page" and listed["articles"] == 3
    assert listed["name"] == "反腐纪实_反腐倡廉资讯网"  # the column page's own title names the source

    server = agg.popen("serve", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", server)
        for fmt in ("rss", "atom"):
            feed = feedparser.parse(http_get(f"{base}/feeds/fanfujishi.{fmt}"))
            entries = {e.title: e for e in feed.entries}
            assert set(entries) == {SEED_TITLE, "以案为鉴 以案促改 推动全面从严治党向纵深发展",
                                    "持续深化纠治“四风” 驰而不息改进作风建设"}
            seed = entries[SEED_TITLE]
            body = seed.content[0].value if "content" in seed else seed.summary
            assert SEED_ORIGINAL in body and "来源:中共辽宁省委组织部" in body and "[免责声明]" in body
            assert seed.published_parsed[:6] == (2024, 11, 3, 2, 55, 33)
        page = lxml.html.fromstring(http_get(entries[SEED_TITLE].link)).find("body").text_content()
        text = " ".join(page.split())
        for part in ("当前所在:首页 > 反腐纪实", SEED_TITLE, "发布时间:2024-11-03 10:55:33", "作者:佚名",
                     "来源:中共辽宁省委组织部", f"原文链接:{SEED_ORIGINAL}", "[免责声明]"):
            assert part in text, part
        editor_page = " ".join(lxml.html.fromstring(http_get(entries["以案为鉴 以案促改 推动全面从严治党向纵深发展"].link))
                               .find("body").text_content().split())
        assert "作者:李鹃" in editor_page and "王晓" not in editor_page.split("作者:")[1][:5]
        date_only = " ".join(lxml.html.fromstring(http_get(entries["持续深化纠治“四风” 驰而不息改进作风建设"].link))
                             .find("body").text_content().split())
        assert "发布时间:2024-11-01 作者" in date_only  # a day, no invented time
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)

    # A link seen once is not fetched again: only the column page is asked for.
    before = dict(site)
    again = json.loads(agg.run("fetch", "--json").stdout)
    assert again["sources"][0]["new"] == 0
    assert {path: site[path] - before.get(path, 0) for path in site if site[path] != before.get(path, 0)} == \
        {"/ffjs/": 1}

    # Unless asked: after `sources forget`, the articles are read again, and update rather than duplicate.
    assert "forgot 3 links" in agg.run("sources", "forget", "1").stdout
    refetched = json.loads(agg.run("fetch", "--json").stdout)["sources"][0]
    assert (refetched["result"], refetched["new"]) == ("ok", 0)
    assert site["/ffjs/202411/t20241103_51919.html"] == 2
    assert json.loads(agg.run("sources", "list", "--json").stdout)[0]["articles"] == 3


def test_sources_test_shows_links_and_fields_without_storing(tmp_path: Path, httpserver: HTTPServer, site) -> None:
    agg = Aggregator(tmp_path, free_port())
    done = agg.run("sources", "test", httpserver.url_for("/ffjs/"))
    assert "3 article links" in done.stdout
    assert httpserver.url_for("/ffjs/202411/t20241103_51919.html") in done.stdout
    assert "来源: 中共辽宁省委组织部" in done.stdout
    assert "热点推荐" not in done.stdout and "t20241020_50001" not in done.stdout
    assert json.loads(agg.run("sources", "list", "--json").stdout) == []
