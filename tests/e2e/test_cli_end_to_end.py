"""The real `aggregator` command in subprocesses against a real upstream, read back over HTTP like a subscriber."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import data_file
from tests.e2e.harness import Aggregator, free_port, http_get, wait_for
from tests.feeds import item, rss

pytestmark = pytest.mark.e2e
DISCLAIMER_LABEL = "[免责声明]"


@pytest.fixture
def upstream(httpserver: HTTPServer) -> HTTPServer:
    main = rss([
        item(1, link="/news/1.html?utm_source=rss#comments",
             description='<p onclick="evil()">第一篇正文<img src="pic/1.jpg"></p><script>alert("x")</script>'
                         '<a href="javascript:steal()">链接</a>',
             source=("http://www.ccdi.gov.cn/", "中央纪委国家监委网站"), author="editor@upstream.test (张三)"),
        item(2, link="news/2.html", description="<p>第二篇</p>"),
    ], link=httpserver.url_for("/"))
    gbk = rss([item(3, title="阜新市海州区凝心聚力谋发展促振兴纪实", description="<p>霜降过后,天气转凉。厂矿车间里,新质生产力项目频频上新。</p>",
                    pubDate="Sun, 03 Nov 2024 10:55:33")], title="辽宁党建", encoding=None).encode("gbk")

    def with_etag(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"main-v1"':
            return Response(status=304)
        return Response(main, content_type="application/rss+xml", headers={"ETag": '"main-v1"'})

    httpserver.expect_request("/main.xml").respond_with_handler(with_etag)
    httpserver.expect_request("/gbk.xml").respond_with_data(gbk, content_type="application/xml")
    httpserver.expect_request("/rss10.rdf").respond_with_data(data_file("upstream", "rss10.rdf"),
                                                              content_type="application/rdf+xml")
    httpserver.expect_request("/atom.xml").respond_with_data(data_file("upstream", "atom.xml"),
                                                             content_type="application/atom+xml")
    httpserver.expect_request("/feed.json").respond_with_data(data_file("upstream", "jsonfeed.json"),
                                                              content_type="application/feed+json")
    httpserver.expect_request("/moved").respond_with_response(Response(status=301, headers={"Location": "/gbk2.xml"}))
    moved = rss([item(4, title="时政快讯")], title="时政", encoding="gb2312").encode("gbk")
    httpserver.expect_request("/gbk2.xml").respond_with_data(moved, content_type="application/xml")
    httpserver.expect_request("/broken.xml").respond_with_data("boom", status=500)
    httpserver.expect_request("/page.html").respond_with_data("<!DOCTYPE html><html><body>首页</body></html>",
                                                              content_type="text/html; charset=utf-8")
    return httpserver


def test_feeds_in_attributed_feeds_out(tmp_path: Path, upstream: HTTPServer) -> None:
    port = free_port()
    agg = Aggregator(tmp_path, port)
    adds = [("/main.xml", "反腐纪实"), ("/gbk.xml", "反腐纪实"), ("/rss10.rdf", "理论"), ("/atom.xml", "社会"),
            ("/feed.json", "国际"), ("/moved", "时政"), ("/broken.xml", "时政"), ("/page.html", "时政")]
    for path, category in adds:
        agg.run("sources", "add", upstream.url_for(path), "--category", category)

    first = json.loads(agg.run("fetch", "--json").stdout)
    results = {s["url"].rsplit("/", 1)[-1]: (s["result"], s["error"]) for s in first["sources"]}
    assert results["broken.xml"] == ("failed", "HTTP 500")
    assert results["page.html"] == ("failed", "no article links found on the page")  # read as a listing
    assert all(r == ("ok", None) for name, r in results.items() if name not in ("broken.xml", "page.html"))

    listed = {s["url"].rsplit("/", 1)[-1]: s for s in json.loads(agg.run("sources", "list", "--json").stdout)}
    assert listed["broken.xml"]["status"] == "failing" and listed["broken.xml"]["last_error"] == "HTTP 500"
    assert "gbk2.xml" in listed  # the permanent redirect moved the stored URL
    assert listed["main.xml"]["articles"] == 2

    server = agg.popen("serve", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", server)
        rss_feed = feedparser.parse(http_get(base + "/feeds/all.rss"))
        atom_feed = feedparser.parse(http_get(base + "/feeds/all.atom"))
        assert rss_feed.version == "rss20" and atom_feed.version == "atom10"
        titles = {e.title for e in rss_feed.entries}
        assert titles == {"第1篇 文章", "第2篇 文章", "阜新市海州区凝心聚力谋发展促振兴纪实", "深入学习贯彻党的二十届三中全会精神",
                          "社区幸福食堂开张", "国际观察:多边合作&共同发展", "时政快讯"}
        assert {e.title for e in atom_feed.entries} == titles
        for entry in rss_feed.entries + atom_feed.entries:
            body = entry.content[0].value if "content" in entry else entry.summary
            assert DISCLAIMER_LABEL in body and DISCLAIMER_LABEL in entry.rights
            assert "原文链接" in body and "来源:" in body
            assert entry.id.startswith(f"http://127.0.0.1:{port}/articles/")
            assert entry.published_parsed is not None
            assert "<script" not in body and "javascript:" not in body and "onclick" not in body
            assert "<iframe" not in body and "onmouseover" not in body
        by_title = {e.title: e for e in rss_feed.entries}
        first_item = by_title["第1篇 文章"]
        assert f"{upstream.url_for('/news/1.html')}" in first_item.summary  # absolute, no utm, no fragment
        assert "utm_source" not in first_item.summary
        assert upstream.url_for("/news/pic/1.jpg") in first_item.summary  # relative image made absolute
        assert "来源:中央纪委国家监委网站" in first_item.summary
        assert first_item.author_detail.get("name") == "张三" or first_item.get("author") == "张三"
        gbk_item = by_title["阜新市海州区凝心聚力谋发展促振兴纪实"]
        assert "霜降过后" in gbk_item.summary
        # Zone-less 10:55:33 is Beijing time: 02:55:33 UTC, and published as UTC.
        assert gbk_item.published == "Sun, 03 Nov 2024 02:55:33 +0000"
        assert datetime(*gbk_item.published_parsed[:6], tzinfo=timezone.utc) == \
            datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
        json_item = by_title["国际观察:多边合作&共同发展"]
        assert "http://json.test/world/1.html?id=1" in json_item.summary
        assert "http://json.test/img/1.jpg" in json_item.summary

        per_category = feedparser.parse(http_get(base + "/feeds/fanfujishi.rss"))
        assert {e.title for e in per_category.entries} == {"第1篇 文章", "第2篇 文章", "阜新市海州区凝心聚力谋发展促振兴纪实"}
        page = http_get(first_item.link).decode("utf-8")
        assert "当前所在" in page and "反腐纪实" in page and "原文链接" in page and DISCLAIMER_LABEL in page
        index = http_get(base + "/").decode("utf-8")
        assert f'href="http://127.0.0.1:{port}/feeds/fanfujishi.rss"' in index

        guids_before = sorted(e.id for e in rss_feed.entries)
        second = json.loads(agg.run("fetch", "--json").stdout)
        second_results = {s["url"].rsplit("/", 1)[-1]: s["result"] for s in second["sources"]}
        assert second_results["main.xml"] == "not_modified"
        assert sum(s["new"] for s in second["sources"]) == 0
        again = feedparser.parse(http_get(base + "/feeds/all.rss"))
        assert sorted(e.id for e in again.entries) == guids_before  # no duplicates, same GUIDs
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    assert server.returncode == 0


def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    agg = Aggregator(tmp_path, free_port())
    cases = [
        ("sources", "add", "not-a-url", "--category", "x"),
        ("sources", "add", "ftp://example.org/feed", "--category", "x"),
        ("sources", "add", "https://example.org/feed", "--category", "x", "--every", "10s"),
        ("sources", "add", "https://example.org/feed", "--category", "x", "--timezone", "Mars/Base"),
        ("sources", "add", "https://example.org/feed", "--category", "x", "--kind", "carrier-pigeon"),
        ("sources", "list", "--no-such-option"),
        ("categories", "add", "反腐", "--name", "反腐"),
        ("fetch", "42"),
    ]
    for args in cases:
        done = agg.run(*args, check=False)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_unknown_ids_and_bad_settings_are_bad_input_one_line_exit_2(tmp_path: Path) -> None:
    agg = Aggregator(tmp_path, free_port())
    done = agg.run("sources", "remove", "7", check=False)
    assert (done.returncode, done.stderr) == (2, "error: store: no source with id 7\n")
    agg.env["AGGREGATOR_ITEMS_PER_FEED"] = "lots"
    bad = agg.run("sources", "list", check=False)
    assert bad.returncode == 2
    assert bad.stderr == ("error: config: items_per_feed must be a whole number, got 'lots' "
                          "(from AGGREGATOR_ITEMS_PER_FEED)\n")


def test_strict_fetch_exits_1_when_a_source_failed(tmp_path: Path, upstream: HTTPServer) -> None:
    agg = Aggregator(tmp_path, free_port())
    agg.run("sources", "add", upstream.url_for("/broken.xml"), "--category", "时政")
    assert agg.run("fetch", check=False).returncode == 0
    strict = agg.run("fetch", "--strict", check=False)
    assert strict.returncode == 1 and "HTTP 500" in strict.stdout


def test_health_summarises_failing_sources(tmp_path: Path, upstream: HTTPServer) -> None:
    agg = Aggregator(tmp_path, free_port())
    agg.run("sources", "add", upstream.url_for("/broken.xml"), "--category", "时政")
    agg.run("sources", "add", upstream.url_for("/main.xml"), "--category", "反腐纪实")
    agg.run("fetch")
    summary = json.loads(agg.run("health", "--json").stdout)
    assert summary["sources"]["ok"] == 1 and summary["sources"]["failing"] == 1
    (failing,) = summary["failing"]
    assert (failing["error"], failing["consecutive_failures"]) == ("HTTP 500", 1)
    assert summary["last_publish_at"]
    text = agg.run("health").stdout
    assert "1 failing" in text and "HTTP 500" in text


def test_sources_log_shows_recent_attempts(tmp_path: Path, upstream: HTTPServer) -> None:
    agg = Aggregator(tmp_path, free_port())
    agg.run("sources", "add", upstream.url_for("/broken.xml"), "--category", "时政")
    agg.run("fetch")
    agg.run("fetch")
    entries = json.loads(agg.run("sources", "log", "1", "--json").stdout)
    assert [(e["result"], e["error"]) for e in entries] == [("failed", "HTTP 500"), ("failed", "HTTP 500")]
    assert "HTTP 500" in agg.run("sources", "log", "1").stdout
