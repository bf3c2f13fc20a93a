"""Full text behind teaser feeds: the article page is fetched once per item and read by the page
extractor; its body replaces the teaser when it continues it; the page's 作者/来源/发布时间 fill only
what the feed left empty; a page that cannot be read keeps the teaser, visibly, and never fails the
source."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator import store
from aggregator.normalize import plain_text
from aggregator.pipeline.fulltext import continues, is_teaser
from tests.e2e.harness import Aggregator, free_port
from tests.feeds import item, rss
from tests.test_sightings import add, cycle

PARAS = ["近日，江南省纪委监委召开全省纪检监察干部队伍建设推进会，部署下一阶段重点任务。",
         "会议强调，要坚持严管和厚爱结合、激励和约束并重，锻造忠诚干净担当、敢于善于斗争的纪检监察铁军。",
         "会议要求，各级纪检监察机关要以更高标准、更严要求加强自身建设，自觉接受党内监督和社会监督。",
         "会议还通报了近期查处的纪检监察干部违纪违法典型案例，要求引以为戒、举一反三。"]


def article_page(n: int, *, author: str = "记者 李明", origin: str = "江南日报") -> str:
    body = "".join(f"<p>{p}（第{n}篇）</p>" for p in PARAS)
    return (f"<html><head><meta charset='utf-8'><title>第{n}篇 全文标题 - 江南新闻网</title>"
            f"<meta name='ArticleTitle' content='第{n}篇 全文标题'></head><body>"
            f"<div class='nav'>江南新闻网 首页 时政 社会</div><h1>第{n}篇 全文标题</h1>"
            f"<div class='info'>2024-11-0{n} 09:1{n}:00 来源：{origin} 作者：{author}</div>"
            f"<div class='article-content'>{body}</div><div class='footer'>版权所有 江南新闻网</div></body></html>")


def teaser(n: int) -> str:
    return f"<p>{PARAS[0][:-1]}（第{n}篇）……</p>"


@pytest.fixture
def upstream(httpserver: HTTPServer) -> dict[str, int]:
    hits: dict[str, int] = {}

    def page(request: Request) -> Response:
        hits[request.path] = hits.get(request.path, 0) + 1
        n = int(request.path.rsplit("/", 1)[-1].split(".")[0])
        if n == 3:
            return Response("not here", status=404)
        if n == 4:  # another site's page in GBK, to show encodings are the extractor's business
            return Response(article_page(4, author="王芳").encode("gb18030"), content_type="text/html; charset=gbk")
        return Response(article_page(n), content_type="text/html; charset=utf-8")

    httpserver.expect_request(__import__("re").compile(r"^/news/\d+\.html$")).respond_with_handler(page)
    return hits


def feed_items(httpserver: HTTPServer, over: dict | None = None) -> list[dict]:
    over = over or {}
    items = []
    for n in (1, 2, 3, 4):
        entry = item(n, link=httpserver.url_for(f"/news/{n}.html"), guid=httpserver.url_for(f"/news/{n}.html"),
                     description=teaser(n))
        if n == 2:
            entry["author"] = "通讯员 赵强"  # the feed states its author: the page's never overrides it
        if n == 4:
            entry.pop("pubDate")  # the feed gives no date: the page's fills it
        entry.update(over.get(n, {}))
        items.append(entry)
    return items


def test_teasers_and_truncation_marks() -> None:
    assert is_teaser("近日，江南省纪委监委召开推进会……")
    assert is_teaser("一句话摘要。")
    assert is_teaser("很长的摘要" * 60 + "阅读全文>>")
    assert not is_teaser("完整的正文。" * 60)
    assert continues("近日，江南省纪委监委召开推进会……", "近日, 江南省纪委监委召开推进会，部署任务。" * 5)
    assert not continues("近日，江南省纪委监委召开推进会……", "请登录后查看。" * 20)


def test_summary_only_items_get_their_articles_full_text(db, config, httpserver: HTTPServer, upstream) -> None:
    config = config.with_overrides(full_text="auto")
    httpserver.expect_request("/feed.xml").respond_with_data(rss(feed_items(httpserver), title="江南新闻"),
                                                             content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed.xml"))
    report = cycle(db, config)
    assert report.outcomes[0].result == "ok" and report.outcomes[0].new == 4
    by_title = {a.title: a for a in store.latest_articles(db, None, 10)}
    one = by_title["第1篇 文章"]
    text = plain_text(one.content_html)
    assert all(p[:-1] in text for p in PARAS) and "版权所有" not in text and "首页" not in text
    assert (one.author, one.origin) == ("李明", "江南日报")  # the feed named neither
    two = by_title["第2篇 文章"]
    assert two.author == "通讯员 赵强" and "会议还通报了" in plain_text(two.content_html)
    three = by_title["第3篇 文章"]  # its page is gone: the teaser stays
    assert plain_text(three.content_html).endswith("……")
    four = by_title["第4篇 文章"]
    assert "会议还通报了" in plain_text(four.content_html) and four.author == "王芳"
    assert not four.date_missing and four.published.isoformat().startswith("2024-11-04T01:14")
    health = store.health_summary(db)
    assert health["full_text_failed"] == 1
    assert "full text of 1 of 4" in store.get_source(db, 1).warning
    log = store.fetch_log(db, 1, 10)
    assert any(e["result"] == "full_text_failed" and e["url"].endswith("/news/3.html") for e in log)


def test_a_re_poll_fetches_no_page_again_unless_its_item_changed(db, config, httpserver: HTTPServer,
                                                                 upstream) -> None:
    config = config.with_overrides(full_text="auto")
    feed = {"doc": rss(feed_items(httpserver))}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda request: Response(feed["doc"], content_type="application/rss+xml"))
    add(db, httpserver.url_for("/feed.xml"))
    cycle(db, config)
    store.update_source(db, 1, content_hash=None)  # parse the same feed again
    report = cycle(db, config)
    assert (report.outcomes[0].new, report.outcomes[0].updated) == (0, 0)
    assert upstream["/news/1.html"] == 1 and upstream["/news/2.html"] == 1
    assert upstream["/news/3.html"] == 2  # the failed one is tried again (a few times in all)
    feed["doc"] = rss(feed_items(httpserver, {1: {"description": teaser(1).replace("近日", "日前")}}))
    report = cycle(db, config)
    assert report.outcomes[0].updated == 1 and upstream["/news/1.html"] == 2
    for _ in range(3):
        store.update_source(db, 1, content_hash=None)
        cycle(db, config)
    assert upstream["/news/3.html"] == store.FULL_TEXT_ATTEMPTS


def test_never_fetches_nothing_and_always_fetches_full_items_too(db, config, httpserver: HTTPServer,
                                                                 upstream) -> None:
    full = "".join(f"<p>{p}</p>" for p in PARAS * 3)
    items = feed_items(httpserver, {1: {"description": full}})
    httpserver.expect_request("/feed.xml").respond_with_data(rss(items), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed.xml"), full_text="never")
    cycle(db, config.with_overrides(full_text="always"))  # the source's own mode wins
    assert upstream == {}
    store.remove_source(db, 1, purge=True)
    add(db, httpserver.url_for("/feed.xml") + "?again", full_text="always")
    cycle(db, config)
    assert upstream.get("/news/1.html") == 1  # a full item's page is read too


@pytest.mark.e2e
def test_full_text_from_the_catalog_and_the_cli(tmp_path, httpserver: HTTPServer, upstream) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(rss(feed_items(httpserver)),
                                                             content_type="application/rss+xml")
    app = Aggregator(tmp_path, free_port())
    app.run("sources", "add", httpserver.url_for("/feed.xml"), "--category", "时政", "--full-text", "never")
    exported = app.run("sources", "export", "--format", "toml").stdout
    assert 'full_text = "never"' in exported
    bad = app.run("sources", "add", httpserver.url_for("/x.xml"), "--category", "时政", "--full-text", "sometimes",
                  check=False)
    assert bad.returncode == 2
    catalog = tmp_path / "c.toml"
    catalog.write_text(exported.replace('full_text = "never"', 'full_text = "auto"'), encoding="utf-8")
    app.run("sources", "import", str(catalog))
    assert json.loads(app.run("sources", "list", "--json").stdout)[0]["full_text"] == "auto"
    app.run("fetch")
    assert upstream.get("/news/1.html") == 1
    health = json.loads(app.run("health", "--json").stdout)
    assert health["full_text_failed"] == 1
