"""One ingest cycle against every hostile upstream at once, with private networks refused.

Each hostile source must end as a short reason on its own row; the good sources in
other categories must be stored and published as if nothing else had happened.
All upstreams listen on 127.0.0.2, which the guard is told to treat as public, so
the production setting (allow_private_networks off) is the one under test while a
redirect to 127.0.0.1, localhost or 169.254.169.254 is still refused at that hop.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator import store
from aggregator.config import Config
from aggregator.fetch import guard
from aggregator.model import Source
from aggregator.pipeline import run_cycle
from aggregator.pipeline import publish_site
from tests import hostile
from tests.feeds import atom, item, rss
from tests.hostile import RawServer

HOST = "127.0.0.2"
RSS = "application/rss+xml"
ENTITIES = "refused: the document declares XML entities (entity-expansion protection)"


def add(db, url: str, category: str, kind: str = "feed") -> Source:
    # Sources that are meant to be feeds: HTML from one is "not a feed", not a listing page to read.
    cat = store.ensure_category(db, category)
    return store.add_source(db, Source(id=None, url=url, category=cat.slug, kind=kind))


@pytest.fixture
def public_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard treats 127.0.0.2 as a public address; 127.0.0.1 and the rest stay private."""
    real = guard.is_public
    monkeypatch.setattr(guard, "is_public", lambda address: address == HOST or real(address))


@pytest.fixture
def upstream(public_loopback):
    """A werkzeug server on 127.0.0.2 for the upstreams that need no raw sockets."""
    server = HTTPServer(host=HOST, port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def raw(public_loopback):
    """A raw socket server on 127.0.0.2 for endless, trickling and reset bodies."""
    server = RawServer(HOST)
    yield server
    server.close()


@pytest.fixture
def internal():
    """A service on 127.0.0.1 that redirects aim at; it must never be asked anything."""
    server = RawServer("127.0.0.1")
    hits: list[str] = []

    def answer(conn, stop):
        hits.append("hit")
        conn.sendall(hostile.head(200, {"Content-Length": "6"}) + b"secret")

    server.route("/", answer)
    yield server, hits
    server.close()


@pytest.fixture
def self_signed(tmp_path: Path, public_loopback):
    """A real HTTPS server on 127.0.0.2 whose certificate nobody signed."""
    cert, key = hostile.self_signed_cert(tmp_path, HOST)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host=HOST, port=0, ssl_context=context)
    server.expect_request("/feed").respond_with_data(rss([item(1)]), content_type=RSS)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_one_cycle_with_every_hostile_upstream(db, config: Config, upstream: HTTPServer, raw: RawServer,
                                               internal, self_signed: HTTPServer) -> None:
    secret, secret_hits = internal

    def redirect(to: str) -> Response:
        return Response(status=302, headers={"Location": to})

    def onward(request: Request) -> Response:
        return redirect(f"/loop?n={int(request.args.get('n', '0')) + 1}")

    upstream.expect_request("/loop").respond_with_handler(onward)
    upstream.expect_request("/to-loopback").respond_with_response(redirect(secret.url("/")))
    upstream.expect_request("/to-metadata").respond_with_response(redirect("http://169.254.169.254/latest/meta-data/"))
    upstream.expect_request("/to-localhost").respond_with_response(redirect(f"http://localhost:{secret.port}/"))
    upstream.expect_request("/laughs").respond_with_data(hostile.BILLION_LAUGHS, content_type=RSS)
    upstream.expect_request("/quadratic").respond_with_data(hostile.quadratic_blowup(), content_type=RSS)
    upstream.expect_request("/html").respond_with_data(hostile.HTML_PAGE, content_type="text/html; charset=utf-8")
    upstream.expect_request("/empty").respond_with_data(b"", content_type=RSS)
    upstream.expect_request("/missing").respond_with_data("no such feed", status=404)
    upstream.expect_request("/broken-utf8").respond_with_data(hostile.invalid_utf8_feed(), content_type=RSS)
    upstream.expect_request("/huge").respond_with_data(hostile.many_items(100_000), content_type=RSS)
    tech_items = [item(n, title=f"科技新闻{n}", link=f"http://tech.test/{n}.html", guid=f"http://tech.test/{n}",
                       description=f"<p>科技正文{n}</p>") for n in (1, 2, 3)]
    upstream.expect_request("/tech").respond_with_data(rss(tech_items, title="科技源"), content_type=RSS)
    upstream.expect_request("/sports").respond_with_data(atom([
        {"id": f"urn:s:{n}", "title": f"比赛{n}", "link": f"http://sports.test/{n}",
         "updated": f"2024-11-0{n}T08:00:00Z", "content": f"<p>赛况{n}</p>"} for n in (1, 2)]),
        content_type="application/atom+xml")
    good_titles = {"tech": {"科技新闻1", "科技新闻2", "科技新闻3"}, "sports": {"比赛1", "比赛2"}}
    bomb = hostile.gzip_bomb(1024)

    hostile_sources = {
        # name: (url, the reason its row must carry)
        "endless": (raw.route("/endless", hostile.endless()), "too large: over 10 MB"),
        "gigabyte": (raw.route("/gigabyte", hostile.sized(1024 * hostile.MB)), "too large: over 10 MB"),
        "gzip bomb": (raw.route("/bomb", hostile.respond(200, {"Content-Encoding": "gzip", "Content-Type": RSS},
                                                         [bomb])), "too large: over 10 MB"),
        "trickle": (raw.route("/trickle", hostile.trickle()), "timeout after 2 s"),
        "reset": (raw.route("/reset", hostile.reset_mid_body), "connection closed before the body was complete"),
        "redirect loop": (upstream.url_for("/loop"), "too many redirects (over 5)"),
        "to loopback": (upstream.url_for("/to-loopback"),
                        "refused: private address 127.0.0.1 (set allow_private_networks = true to allow it)"),
        "to metadata": (upstream.url_for("/to-metadata"),
                        "refused: private address 169.254.169.254 (set allow_private_networks = true to allow it)"),
        "to localhost": (upstream.url_for("/to-localhost"),
                         re.compile(r"refused: private address (127\.0\.0\.1|::1) for localhost \(set allow_private_networks.*")),
        "billion laughs": (upstream.url_for("/laughs"), ENTITIES),
        "quadratic blow-up": (upstream.url_for("/quadratic"), ENTITIES),
        "html": (upstream.url_for("/html"), "not a feed: got text/html"),
        "empty 200": (upstream.url_for("/empty"), "not a feed: empty body"),
        "404": (upstream.url_for("/missing"), "HTTP 404"),
        "https to plain port": (upstream.url_for("/tech").replace("http://", "https://"),
                                "TLS error: wrong version number (the server does not speak TLS on this port)"),
        "self-signed": (self_signed.url_for("/feed"), "TLS certificate error: self-signed certificate"),
    }
    assert all(url.startswith(f"http://{HOST}:") or url.startswith(f"https://{HOST}:")
               for url, _ in hostile_sources.values())
    rows = {name: add(db, url, "hostile") for name, (url, _) in hostile_sources.items()}
    broken_utf8 = add(db, upstream.url_for("/broken-utf8"), "survivors")
    huge = add(db, upstream.url_for("/huge"), "survivors")
    tech = add(db, upstream.url_for("/tech"), "科技")
    sports = add(db, upstream.url_for("/sports"), "sports")

    strict = config.with_overrides(allow_private_networks=False, fetch_timeout=2, items_per_fetch=50)
    report = asyncio.run(run_cycle(db, strict, store.list_sources(db, enabled_only=True)))

    # Every hostile source failed with its own short reason, recorded on its row.
    outcomes = {o.source_id: o for o in report.outcomes}
    recorded = {}
    for name, (_, reason) in hostile_sources.items():
        row = store.get_source(db, rows[name].id)
        recorded[name] = (row.status, row.last_error, outcomes[row.id].result)
        matches = reason.fullmatch(row.last_error or "") if isinstance(reason, re.Pattern) else row.last_error == reason
        assert matches and row.status == "failing" and outcomes[row.id].result == "failed", (name, recorded[name])
    assert sorted(o.source_id for o in report.failed) == sorted(r.id for r in rows.values())
    assert store.latest_articles(db, "hostile", 100) == []
    assert secret_hits == []  # no redirect reached the internal service

    # The good sources are stored, in their own categories.
    assert [store.get_source(db, s.id).status for s in (tech, sports, broken_utf8, huge)] == ["ok"] * 4
    assert {a.title for a in store.latest_articles(db, tech.category, 50)} == good_titles["tech"]
    assert {a.title for a in store.latest_articles(db, sports.category, 50)} == good_titles["sports"]

    # Invalid UTF-8 in a feed declared UTF-8: read as UTF-8, each broken spot one replacement mark.
    survivors = {a.url: a for a in store.latest_articles(db, "survivors", 500)}
    assert survivors["http://upstream.test/a/3.html"].title == "第3\ufffd 文章"
    assert "\ufffd正文第4段" in survivors["http://upstream.test/a/4.html"].content_html
    assert survivors["http://upstream.test/a/1.html"].title == "第1篇 文章"  # the rest is untouched

    # 100,000 items: only items_per_fetch of them kept (undated, so the first 50 in document order).
    assert outcomes[huge.id].new == 50
    kept = sorted(link for link in survivors if link.startswith("http://upstream.test/m/"))
    assert kept == sorted(f"http://upstream.test/m/{n}" for n in range(50))

    # Publishing: the good categories' feeds exist and parse.
    publish_site(db, strict, categories=report.categories, article_ids=report.article_ids)
    assert {tech.category, sports.category} <= report.categories
    for slug, titles in ((tech.category, good_titles["tech"]), (sports.category, good_titles["sports"])):
        path = strict.public_dir / "feeds" / f"{slug}.rss"
        assert path.exists(), path
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (slug, parsed.get("bozo_exception"))
        assert {e.title for e in parsed.entries} == titles


def test_a_short_feed_declared_utf8_with_many_broken_bytes_is_not_read_as_another_script(
        db, config: Config, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(hostile.short_broken_utf8_feed(), content_type=RSS)
    src = add(db, httpserver.url_for("/feed"), "news")
    report = asyncio.run(run_cycle(db, config, [src]))
    # Sensible outcomes: UTF-8 with replacement marks, or a recorded error. Not another script.
    if report.outcomes[0].result == "ok":
        (article,) = store.latest_articles(db, "news", 5)
        assert article.title.startswith("坏字节"), article.title
    else:
        assert store.get_source(db, src.id).last_error


def test_a_document_over_the_parse_deadline_fails_its_source_and_the_cycle_goes_on(
        db, config, httpserver, monkeypatch) -> None:
    from aggregator.pipeline import work
    from tests.feeds import item, rss

    # Reading a 100,000-link listing takes most of a second, a one-item feed milliseconds: a
    # quarter-second deadline stands in for the minutes a hostile document would take.
    monkeypatch.setattr(work, "PARSE_SECONDS", 0.25)
    monkeypatch.setattr(work, "PARSE_GRACE", 0.0)
    links = "".join(f'<li><a href="/col/t2024110{i % 9 + 1}_{i}.html">第{i}篇新闻标题很长很长</a></li>'
                    for i in range(100_000))
    httpserver.expect_request("/col/").respond_with_data(f"<html><body><ul>{links}</ul></body></html>",
                                                         content_type="text/html; charset=utf-8")
    httpserver.expect_request("/feed").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    cat = store.ensure_category(db, "news")
    slow = store.add_source(db, Source(id=None, url=httpserver.url_for("/col/"), category=cat.slug, kind="page"))
    healthy = store.add_source(db, Source(id=None, url=httpserver.url_for("/feed"), category=cat.slug))
    report = asyncio.run(run_cycle(db, config, [slow, healthy]))
    by_id = {o.source_id: o for o in report.outcomes}
    assert by_id[slow.id].result == "failed"
    assert by_id[slow.id].error.startswith("took longer than 0.25 s to parse")
    assert (by_id[healthy.id].result, by_id[healthy.id].new) == ("ok", 1)
    publish_site(db, config, categories=report.categories, article_ids=report.article_ids)
    assert b"<item>" in (config.public_dir / "feeds" / "news.rss").read_bytes()
