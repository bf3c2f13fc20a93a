"""What readers and their tools expect beside RSS and Atom: JSON Feed 1.1, an OPML of every feed,
WebSub hub links and pings, and autodiscovery links on every page."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from urllib.parse import parse_qs

import lxml.etree
import lxml.html
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator.config import load_config
from aggregator.errors import ConfigError
from aggregator.pipeline import announce, publish_site
from tests.feeds import item, rss
from tests.test_sightings import add, cycle

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def published(db, config, httpserver: HTTPServer):
    items = [item(1, author="记者 王五", source=("http://xinhua.test/", "新华社")), item(2), item(3)]
    httpserver.expect_request("/feed").respond_with_data(rss(items, title="人民网"), content_type="application/rss+xml")
    add(db, httpserver.url_for("/feed"), category="时政")
    cycle(db, config)
    publish_site(db, config)
    return config


def check_json_feed(document: dict) -> None:
    """The JSON Feed 1.1 rules a reader relies on (https://www.jsonfeed.org/version/1.1/)."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert document[key].startswith("http")
    for entry in document["items"]:
        assert isinstance(entry["id"], str) and entry["id"]
        assert "content_html" in entry or "content_text" in entry
        for key in ("date_published", "date_modified"):
            if key in entry:
                assert RFC3339.match(entry[key]), entry[key]
                datetime.fromisoformat(entry[key].replace("Z", "+00:00"))
        for author in entry.get("authors", []):
            assert author.get("name") or author.get("url")
        assert all(not k.startswith("_") or isinstance(entry[k], dict) for k in entry)


def test_every_category_has_a_json_feed_with_the_attribution_and_notice(published) -> None:
    config = published
    for slug in ("all", "shizheng"):
        document = json.loads((config.public_dir / "feeds" / f"{slug}.json").read_text(encoding="utf-8"))
        check_json_feed(document)
        assert document["feed_url"] == f"{config.base_url}feeds/{slug}.json"
        assert len(document["items"]) == 3
        first = next(e for e in document["items"] if e["title"] == "第1篇 文章")
        assert "本文来源于网络转载" in first["content_html"] and "原文链接" in first["content_html"]
        assert first["authors"] == [{"name": "记者 王五"}]
        assert first["_aggregator"]["origin"] == "新华社"
        assert first["external_url"] == "http://upstream.test/a/1.html"
        assert "hubs" not in document


def test_the_opml_lists_every_published_feed(published) -> None:
    config = published
    root = lxml.etree.fromstring((config.public_dir / "feeds.opml").read_bytes())
    urls = [o.get("xmlUrl") for o in root.iter("outline")]
    assert urls == [f"{config.base_url}feeds/all.rss", f"{config.base_url}feeds/shizheng.rss"]
    assert all(o.get("type") == "rss" and o.get("htmlUrl") for o in root.iter("outline"))


def test_every_html_page_carries_autodiscovery_links(published) -> None:
    config = published
    pages = [config.public_dir / "index.html", config.public_dir / "categories" / "shizheng.html",
             *sorted((config.public_dir / "articles").glob("*.html"))[:1]]
    for path in pages:
        head = lxml.html.fromstring(path.read_bytes())
        types = {link.get("type") for link in head.iter("link") if link.get("rel") == "alternate"}
        assert {"application/rss+xml", "application/atom+xml", "application/feed+json"} <= types, path


def test_hub_links_and_pings_after_a_publish_that_changed_feeds(db, config, httpserver: HTTPServer) -> None:
    pings: list[dict] = []

    def hub(request: Request) -> Response:
        pings.append({k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()})
        return Response(status=204)

    httpserver.expect_request("/hub", method="POST").respond_with_handler(hub)
    httpserver.expect_request("/broken-hub", method="POST").respond_with_data("down", status=500)
    httpserver.expect_request("/feed").respond_with_data(rss([item(1)]), content_type="application/rss+xml")
    config = config.with_overrides(websub_hubs=(httpserver.url_for("/hub"), httpserver.url_for("/broken-hub")))
    add(db, httpserver.url_for("/feed"), category="时政")
    cycle(db, config)
    report = publish_site(db, config)
    accepted = asyncio.run(announce(config, report))  # the broken hub is logged, not raised
    feeds = {f"{config.base_url}feeds/{slug}.{ext}" for slug in ("all", "shizheng") for ext in ("rss", "atom", "json")}
    assert {p["hub.url"] for p in pings} == feeds and {p["hub.mode"] for p in pings} == {"publish"}
    assert accepted == len(feeds)
    rss_doc = (config.public_dir / "feeds" / "all.rss").read_text(encoding="utf-8")
    atom_doc = (config.public_dir / "feeds" / "all.atom").read_text(encoding="utf-8")
    json_doc = json.loads((config.public_dir / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert f'<atom:link href="{httpserver.url_for("/hub")}" rel="hub"/>' in rss_doc
    assert 'rel="hub"' in atom_doc
    assert json_doc["hubs"][0] == {"type": "WebSub", "url": httpserver.url_for("/hub")}
    lxml.etree.fromstring(rss_doc.encode("utf-8"))  # still well-formed
    pings.clear()
    again = publish_site(db, config)
    assert asyncio.run(announce(config, again)) == 0 and pings == []  # nothing changed: nobody is told


def test_hubs_come_from_the_environment_as_a_comma_separated_list(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AGGREGATOR_WEBSUB_HUBS", "https://hub.example/, https://pubsubhubbub.example/hub")
    config = load_config(None, data_dir=tmp_path)
    assert config.websub_hubs == ("https://hub.example/", "https://pubsubhubbub.example/hub")
    monkeypatch.setenv("AGGREGATOR_WEBSUB_HUBS", "ftp://nope")
    with pytest.raises(ConfigError, match="websub_hubs"):
        load_config(None, data_dir=tmp_path)


def test_the_server_answers_json_feeds_and_the_opml_with_their_types(live_site, db, published) -> None:
    import urllib.request

    config = published
    base = live_site(config, db)
    with urllib.request.urlopen(f"{base}/feeds/shizheng.json", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("application/feed+json")
        check_json_feed(json.loads(resp.read()))
    with urllib.request.urlopen(f"{base}/opml", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/x-opml")
        assert b"feeds/shizheng.rss" in resp.read()
