"""The HTTP server on a real 127.0.0.1 port: types, validators, 304s, gzip, 404s, /healthz."""

from __future__ import annotations

import asyncio
import os
import gzip
import json
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from aiohttp import web

from aggregator import store
from aggregator.model import Article
from aggregator.pipeline import publish_site
from aggregator.serve import make_app

T0 = datetime(2024, 11, 3, 2, 55, 33, tzinfo=timezone.utc)


@pytest.fixture
def server(config, db):
    """Publish one article, then serve DATA_DIR/public from a thread; yields the base URL."""
    store.add_category(db, "fanfu", "反腐纪实")
    store.upsert_articles(db, [Article(
        id="00000000000000aa", key="k", source_id=None, category="fanfu", title="标题", url="https://u.test/1",
        guid=None, author=None, origin="新华网", origin_url=None, feed_url="https://u.test/f", published=T0,
        published_raw=None, date_missing=False, date_only=False, content_html="<p>正文</p>" * 50,
        summary="正文", content_hash="h", first_seen=T0, updated_at=T0)])
    publish_site(db, config)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state = {}

    async def start():
        runner = web.AppRunner(make_app(config, db))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["runner"], state["port"] = runner, runner.addresses[0][1]
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{state['port']}"
    asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize("path, content_type", [
    ("/feeds/fanfu.rss", "application/rss+xml; charset=utf-8"),
    ("/feeds/fanfu.atom", "application/atom+xml; charset=utf-8"),
    ("/feeds/all.rss", "application/rss+xml; charset=utf-8"),
    ("/feeds/all.atom", "application/atom+xml; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
    ("/articles/00000000000000aa", "text/html; charset=utf-8"),
    ("/categories/fanfu", "text/html; charset=utf-8"),
])
def test_published_files_are_served_with_type_etag_and_last_modified(server, path, content_type) -> None:
    status, headers, body = get(server + path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert headers["Last-Modified"].endswith("GMT")
    assert body


def test_if_none_match_and_if_modified_since_give_304(server) -> None:
    _, headers, _ = get(server + "/feeds/fanfu.rss")
    status, _, body = get(server + "/feeds/fanfu.rss", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, _ = get(server + "/feeds/fanfu.rss", {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    status, _, _ = get(server + "/feeds/fanfu.rss", {"If-None-Match": '"stale"'})
    assert status == 200


def test_gzip_when_asked_with_its_own_etag(server) -> None:
    _, plain_headers, plain = get(server + "/feeds/fanfu.rss")
    status, headers, body = get(server + "/feeds/fanfu.rss", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert headers["ETag"] != plain_headers["ETag"]
    assert get(server + "/feeds/fanfu.rss", {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})[0] == 304


def test_a_republished_file_is_served_fresh(server, config) -> None:
    _, before, _ = get(server + "/feeds/fanfu.rss")
    path = config.public_dir / "feeds" / "fanfu.rss"
    path.write_bytes(path.read_bytes().replace("标题".encode(), "新标题".encode()))
    _, after, body = get(server + "/feeds/fanfu.rss")
    assert "新标题".encode() in body and after["ETag"] != before["ETag"]


@pytest.mark.parametrize("path", ["/feeds/nope.rss", "/feeds/fanfu.xml", "/feeds/../aggregator.db",
                                  "/articles/zzz", "/articles/ffffffffffffffff", "/categories/nope", "/x"])
def test_unknown_paths_are_404_not_a_traceback(server, path) -> None:
    status, _, body = get(server + path)
    assert status == 404
    assert b"Traceback" not in body


def test_healthz_reports_the_database(server) -> None:
    status, headers, body = get(server + "/healthz")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    health = json.loads(body)
    assert health["status"] == "ok" and health["articles"] == 1 and health["last_publish_at"]


def test_healthz_is_503_when_the_database_is_gone(server, db) -> None:
    db.close()
    status, _, body = get(server + "/healthz")
    assert status == 503 and json.loads(body)["status"] == "error"


def test_symlinks_in_the_published_folder_are_not_followed(server, config, tmp_path) -> None:
    public = config.public_dir
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (public / "articles" / "0123456789abcdef.html").symlink_to(config.db_path)
    (public / "articles" / "fedcba9876543210.html").symlink_to(secret)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.rss").write_text("<rss/>")
    (public / "categories" / "leak.html").symlink_to(secret)
    os.symlink(outside, public / "feeds-link")
    for path in ("/articles/0123456789abcdef", "/articles/fedcba9876543210", "/categories/leak"):
        status, _, body = get(server + path)
        assert status == 404 and b"root:x" not in body and b"SQLite" not in body, path
    # A whole feeds folder swapped for a link to another directory is refused too.
    real_feeds = public / "feeds"
    real_feeds.rename(public / "feeds-real")
    os.symlink(outside, real_feeds)
    assert get(server + "/feeds/leak.rss")[0] == 404
    # Ordinary files are still served.
    real_feeds.unlink()
    (public / "feeds-real").rename(real_feeds)
    assert get(server + "/feeds/fanfu.rss")[0] == 200
    assert get(server + "/articles/00000000000000aa")[0] == 200
