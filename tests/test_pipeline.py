"""One ingest cycle against a real upstream on 127.0.0.1: every outcome lands on the source row."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator import store
from aggregator.model import Source
from aggregator.pipeline import run_cycle
from tests.feeds import item, rss


def add(db, url: str, category: str = "news", **kw) -> Source:
    cat = store.ensure_category(db, category)
    return store.add_source(db, Source(id=None, url=url, category=cat.slug, **kw))


def cycle(db, config, sources=None, **kw):
    return asyncio.run(run_cycle(db, config, sources or store.list_sources(db, enabled_only=True), **kw))


def test_new_feed_is_stored_and_reported(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss([item(1), item(2)]), content_type="application/rss+xml")
    src = add(db, httpserver.url_for("/feed"))
    report = cycle(db, config)
    (outcome,) = report.outcomes
    assert (outcome.result, outcome.new) == ("ok", 2)
    assert report.categories == {"news"}
    assert store.count_articles(db) == 2
    stored = store.get_source(db, src.id)
    assert stored.status == "ok" and stored.title == "测试源" and stored.last_success_at is not None


def test_304_and_identical_bytes_do_no_parsing(db, config, httpserver: HTTPServer) -> None:
    body = rss([item(1)])

    def with_etag(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/etag").respond_with_handler(with_etag)
    httpserver.expect_request("/plain").respond_with_data(body, content_type="application/rss+xml")
    add(db, httpserver.url_for("/etag"))
    add(db, httpserver.url_for("/plain"), category="other")
    cycle(db, config)
    second = cycle(db, config)
    assert [o.result for o in second.outcomes] == ["not_modified", "unchanged"]
    assert second.categories == set()
    assert store.get_source(db, 1).etag == '"v1"'


def test_a_failing_source_does_not_stop_the_others_or_lose_articles(db, config, httpserver: HTTPServer) -> None:
    state = {"broken": False}

    def flaky(request: Request) -> Response:
        if state["broken"]:
            return Response("oops", status=500)
        return Response(rss([item(1)]), content_type="application/rss+xml")

    httpserver.expect_request("/flaky").respond_with_handler(flaky)
    httpserver.expect_request("/good").respond_with_data(rss([item(5)]), content_type="application/rss+xml")
    httpserver.expect_request("/html").respond_with_data("<!DOCTYPE html><html><body>hi</body></html>",
                                                         content_type="text/html")
    flaky_src = add(db, httpserver.url_for("/flaky"))
    add(db, httpserver.url_for("/good"), category="good")
    html_src = add(db, httpserver.url_for("/html"), category="html", kind="feed")
    cycle(db, config)
    state["broken"] = True
    report = cycle(db, config)
    results = {o.source_id: (o.result, o.error) for o in report.outcomes}
    assert results[flaky_src.id] == ("failed", "HTTP 500")
    assert results[html_src.id] == ("failed", "not a feed: got text/html")  # a feed source that sent a page
    assert results[2][0] == "unchanged"
    failed = store.get_source(db, flaky_src.id)
    assert (failed.status, failed.last_error, failed.consecutive_failures) == ("failing", "HTTP 500", 1)
    assert store.get_source(db, html_src.id).consecutive_failures == 2
    assert store.count_articles(db) == 2  # what the flaky source brought earlier is still there


def test_auto_source_follows_the_feed_its_page_advertises(db, config, httpserver: HTTPServer) -> None:
    page = ('<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
            "</head><body>首页</body></html>")
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/rss.xml").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    src = add(db, httpserver.url_for("/"), kind="auto")
    (outcome,) = cycle(db, config).outcomes
    assert (outcome.result, outcome.new) == ("ok", 1)
    switched = store.get_source(db, src.id)
    assert (switched.url, switched.kind) == (httpserver.url_for("/rss.xml"), "feed")
    assert switched.site_url == "http://upstream.test/"  # the feed's own <link> names its site


def test_auto_source_on_a_page_without_feeds_reads_it_as_a_listing(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/col").respond_with_data("<!DOCTYPE html><html><body><p>首页</p></body></html>",
                                                        content_type="text/html")
    src = add(db, httpserver.url_for("/col"), kind="auto")
    (outcome,) = cycle(db, config).outcomes
    assert (outcome.result, outcome.error) == ("failed", "no article links found on the page")
    assert store.get_source(db, src.id).kind == "page"


def test_feed_kind_does_not_autodiscover(db, config, httpserver: HTTPServer) -> None:
    page = '<html><head><link rel="alternate" type="application/atom+xml" href="/a.xml"></head></html>'
    httpserver.expect_request("/p").respond_with_data(page, content_type="text/html")
    add(db, httpserver.url_for("/p"), kind="feed")
    (outcome,) = cycle(db, config).outcomes
    assert outcome.result == "failed" and outcome.error.startswith("not a feed: got text/html")


def test_permanent_redirect_updates_the_stored_url(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    src = add(db, httpserver.url_for("/old"))
    cycle(db, config)
    assert store.get_source(db, src.id).url == httpserver.url_for("/new")


def test_gone_disables_the_source_with_the_reason(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    src = add(db, httpserver.url_for("/gone"))
    cycle(db, config)
    gone = store.get_source(db, src.id)
    assert gone.enabled is False and gone.status == "disabled" and gone.last_error.startswith("HTTP 410")
    assert store.list_sources(db, enabled_only=True) == []


def test_retry_after_skips_until_due_unless_forced(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/busy").respond_with_data("later", status=429, headers={"Retry-After": "3600"})
    src = add(db, httpserver.url_for("/busy"))
    cycle(db, config)
    assert store.get_source(db, src.id).retry_after_until is not None
    assert cycle(db, config).outcomes[0].result == "skipped"
    assert cycle(db, config, force=True).outcomes[0].result == "failed"


def test_zone_less_dates_are_read_in_the_source_timezone(db, config, httpserver: HTTPServer) -> None:
    feed = rss([item(1, pubDate="Sun, 03 Nov 2024 10:55:33")])
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"), timezone="Asia/Shanghai")
    cycle(db, config)
    (stored,) = store.latest_articles(db, None, 5)
    assert stored.published == datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)
    assert stored.published_raw == "Sun, 03 Nov 2024 10:55:33"


def test_items_per_fetch_keeps_the_newest(db, config, httpserver: HTTPServer) -> None:
    items = [item(n, pubDate=f"Sun, {n:02d} Nov 2024 10:00:00 +0800") for n in range(1, 11)]
    httpserver.expect_request("/feed").respond_with_data(rss(items), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"))
    cycle(db, config.with_overrides(items_per_fetch=3))
    assert sorted(a.title for a in store.latest_articles(db, None, 50)) == ["第10篇 文章", "第8篇 文章", "第9篇 文章"]


def test_cycle_with_a_process_pool_gives_the_same_articles(db, config, httpserver: HTTPServer) -> None:
    for n in range(3):
        httpserver.expect_request(f"/f{n}").respond_with_data(rss([item(n + 1)]), content_type="application/rss+xml")
        add(db, httpserver.url_for(f"/f{n}"), category=f"c{n}")
    report = cycle(db, config.with_overrides(parse_workers=2))
    assert [o.result for o in report.outcomes] == ["ok", "ok", "ok"]
    assert store.count_articles(db) == 3


def test_characters_xml_forbids_never_reach_the_store_or_break_publishing(db, config, httpserver: HTTPServer) -> None:
    from aggregator.pipeline import publish_site

    feed = rss([item(1, title="bad \x01 title\ufffe", description="<p>body\x0b text</p>", author="张\x02三")])
    feed = feed.replace("\x01", "&#x1;")  # as an upstream would send it
    httpserver.expect_request("/feed").respond_with_data(feed.encode("utf-8"), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"))
    (outcome,) = cycle(db, config).outcomes
    assert outcome.result == "ok"
    (stored,) = store.latest_articles(db, None, 5)
    assert stored.title == "bad title" and "\x0b" not in stored.content_html and stored.author == "张三"
    publish_site(db, config)
    assert "bad title" in (config.public_dir / "feeds" / "news.rss").read_text("utf-8")


def test_canary_flags_empty_feeds_and_items_without_titles_or_dates(db, config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/empty").respond_with_data(rss([]), content_type="application/rss+xml")
    odd = rss([item(1), {"link": "http://upstream.test/x", "description": "<p>无题无日期</p>"}])
    httpserver.expect_request("/odd").respond_with_data(odd, content_type="application/rss+xml")
    httpserver.expect_request("/fine").respond_with_data(rss([item(2)]), content_type="application/rss+xml")
    empty, odd_src, fine = (add(db, httpserver.url_for(p), category=p.strip("/")) for p in ("/empty", "/odd", "/fine"))
    cycle(db, config)
    assert store.get_source(db, empty.id).warning == "suspicious: the feed has no items"
    assert store.get_source(db, odd_src.id).warning == \
        "suspicious: 1 of 2 items have no title; 1 of 2 items have no date"
    assert store.get_source(db, fine.id).warning is None
    assert store.get_source(db, empty.id).status == "ok"  # suspicious, not failed
    summary = store.health_summary(db)
    assert {s["id"] for s in summary["suspicious"]} == {empty.id, odd_src.id}


def test_failures_back_off_and_a_success_resets(db, config, httpserver: HTTPServer) -> None:
    state = {"ok": False}

    def flaky(request: Request) -> Response:
        return Response(rss([item(1)]), content_type="application/rss+xml") if state["ok"] else Response(status=502)

    httpserver.expect_request("/f").respond_with_handler(flaky)
    src = add(db, httpserver.url_for("/f"), every=600)
    cycle(db, config)
    first = store.get_source(db, src.id)
    assert (first.status, first.consecutive_failures) == ("failing", 1)
    cycle(db, config)
    second = store.get_source(db, src.id)
    assert (second.status, second.consecutive_failures) == ("backoff", 2)
    assert 1150 <= (second.next_fetch_at - second.last_fetched_at).total_seconds() <= 1250  # 2x the interval
    state["ok"] = True
    cycle(db, config)
    healed = store.get_source(db, src.id)
    assert (healed.status, healed.consecutive_failures, healed.last_error) == ("ok", 0, None)
    assert (healed.next_fetch_at - healed.last_fetched_at).total_seconds() <= 660


def test_every_attempt_is_in_the_bounded_fetch_log(db, config, httpserver: HTTPServer, monkeypatch) -> None:
    from aggregator.store import health

    monkeypatch.setattr(health, "FETCH_LOG_KEEP", 3)
    httpserver.expect_request("/f").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    httpserver.expect_request("/bad").respond_with_data("no", status=404)
    src, bad = add(db, httpserver.url_for("/f")), add(db, httpserver.url_for("/bad"), category="b")
    for _ in range(5):
        cycle(db, config, force=True)
    log = store.fetch_log(db, src.id)
    assert [e["result"] for e in log] == ["unchanged", "unchanged", "unchanged"]
    assert len(store.fetch_log(db, bad.id)) == 3 and store.fetch_log(db, bad.id)[0]["error"] == "HTTP 404"
    assert db.execute("select count(*) from fetch_log").fetchone()[0] == 6


def test_credentials_in_source_urls_stay_out_of_the_logs() -> None:
    from aggregator.pipeline import redact

    assert redact("https://user:secret@feeds.example.cn/rss?x=1") == "https://***@feeds.example.cn/rss?x=1"
    assert redact("https://feeds.example.cn/rss") == "https://feeds.example.cn/rss"


def test_a_busy_host_waiting_on_its_delay_does_not_hold_up_other_hosts(db, config, httpserver: HTTPServer) -> None:
    order: list[str] = []

    def record(name):
        def handler(request: Request) -> Response:
            order.append(name)
            return Response(rss([item(1)]), content_type="application/rss+xml")
        return handler

    for n in range(5):
        httpserver.expect_request(f"/busy{n}").respond_with_handler(record("busy"))
        add(db, httpserver.url_for(f"/busy{n}"), category=f"b{n}")  # host "localhost"
    httpserver.expect_request("/other").respond_with_handler(record("other"))
    add(db, f"http://127.0.0.1:{httpserver.port}/other", category="other")  # another host, listed last
    cycle(db, config.with_overrides(host_delay=0.5, max_concurrency=2))
    assert order.index("other") <= 2, order  # fetched while the busy host still waits its turn


def test_a_source_encoding_override_wins_over_a_wrong_declaration(db, config, httpserver: HTTPServer) -> None:
    from aggregator.model import Selectors

    # Big5 bytes declared as GBK decode without an error, into nonsense: only the override reads them.
    body = rss([item(1, title="中央紀委國家監委通報", description="<p>紀檢監察機關正文。</p>")],
               title="測試源", encoding=None).encode("big5")
    httpserver.expect_request("/big5").respond_with_data(body, content_type="application/rss+xml; charset=gbk")
    add(db, httpserver.url_for("/big5"), selectors=Selectors(encoding="big5"))
    cycle(db, config)
    (stored,) = store.latest_articles(db, None, 5)
    assert stored.title == "中央紀委國家監委通報"
