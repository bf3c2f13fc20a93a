"""The admin API under /api/: off without a token, 401/403 around it, JSON in and out with clear 4xx
errors, and the changes it makes visible where the CLI's are."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest

from aggregator import admin, store
from aggregator.model import Article
from aggregator.pipeline import publish_site

TOKEN = "s3cret-token-值"
T0 = datetime(2024, 11, 3, 2, 0, tzinfo=timezone.utc)


def start(live_site, config, db) -> str:
    """The server with the admin API installed (when config has a token)."""
    return live_site(config, db, extend=lambda app: admin.install(app, config, db, threading.Lock()))


def call(base: str, method: str, path: str, body=None, token: str | None = TOKEN, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode("utf-8") if body is not None else None)
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}".encode("utf-8").decode("latin-1"))
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            text = resp.read().decode("utf-8")
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8")
        try:
            return exc.code, json.loads(text)
        except json.JSONDecodeError:
            return exc.code, text


@pytest.fixture
def api(live_site, db, config):
    config = config.with_overrides(admin_token=TOKEN)
    return start(live_site, config, db), config


def test_the_api_is_off_without_a_token(live_site, db, config) -> None:
    base = start(live_site, config, db)
    status, _ = call(base, "GET", "/api/sources")
    assert status == 404


def test_every_call_needs_the_bearer_token(api, caplog) -> None:
    base, _ = api
    caplog.set_level(logging.DEBUG)
    status, body = call(base, "GET", "/api/sources", token=None)
    assert status == 401 and "Bearer" in body["error"]
    assert call(base, "GET", "/api/sources", token="wrong")[0] == 403
    assert call(base, "GET", "/api/sources")[0] == 200
    assert call(base, "GET", "/api/openapi.json", token=None)[0] == 200  # the description is public
    assert TOKEN not in caplog.text


def test_sources_through_the_api(api, db) -> None:
    base, _ = api
    status, source = call(base, "POST", "/api/sources", {"url": "https://news.example.cn/rss.xml",
                                                         "category": "时政要闻", "every": "1h", "full_text": "always"})
    assert status == 201 and source["category"] == "shizhengyaowen" and source["every"] == "1h"
    sid = source["id"]
    assert call(base, "POST", "/api/sources", {"url": "https://news.example.cn/rss.xml", "category": "x"})[0] == 409
    assert call(base, "POST", "/api/sources", {"url": "not a url", "category": "x"})[0] == 422
    assert call(base, "POST", "/api/sources", {"url": "https://a.example/", "category": "x", "color": 1})[0] == 422
    assert call(base, "POST", "/api/sources", {"url": "https://a.example/", "category": "x", "every": "1s"})[0] == 422
    assert call(base, "POST", "/api/sources", raw=b"{not json")[0] == 400
    assert call(base, "POST", "/api/sources", raw=b"[1, 2]")[0] == 400
    assert call(base, "POST", "/api/sources", raw=b'{"url": "' + b"a" * 70_000 + b'"}')[0] == 413
    status, changed = call(base, "PATCH", f"/api/sources/{sid}", {"name": "新名字", "enabled": False})
    assert status == 200 and changed["name"] == "新名字" and changed["status"] == "disabled"
    assert call(base, "POST", f"/api/sources/{sid}/enable")[1]["enabled"] is True
    assert call(base, "POST", f"/api/sources/{sid}/disable")[1]["enabled"] is False
    status, queued = call(base, "POST", f"/api/sources/{sid}/fetch")
    assert status == 202 and queued["queued"] is True
    assert store.get_source(db, sid).next_fetch_at is not None
    assert [s["id"] for s in call(base, "GET", "/api/sources")[1]] == [sid]
    assert call(base, "GET", "/api/categories")[1][0]["slug"] == "shizhengyaowen"
    assert "failing" in call(base, "GET", "/api/failures")[1]
    for path in ("/api/sources/99", "/api/sources/abc", "/api/sources/99999999999999999999999"):
        assert call(base, "GET", path)[0] == 404, path
    assert call(base, "DELETE", f"/api/sources/{sid}")[0] == 204
    assert call(base, "GET", f"/api/sources/{sid}")[0] == 404


def test_a_takedown_through_the_api_answers_410_at_once(api, db) -> None:
    base, config = api
    store.add_category(db, "news", "新闻")
    store.upsert_articles(db, [Article(
        id="00000000000000aa", key="k", source_id=None, category="news", title="标题", url="https://u.test/1",
        guid=None, author=None, origin="新华网", origin_url=None, feed_url=None, published=T0, published_raw=None,
        date_missing=False, date_only=False, content_html="<p>正文</p>", summary="", content_hash="h",
        first_seen=T0, updated_at=T0)])
    publish_site(db, config)
    assert urllib.request.urlopen(f"{base}/articles/00000000000000aa", timeout=10).status == 200
    status, done = call(base, "POST", "/api/takedowns", {"article": "https://u.test/1", "reason": "权利人来函"})
    assert status == 201 and done["article"] == "00000000000000aa"
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(f"{base}/articles/00000000000000aa", timeout=10)
    assert gone.value.code == 410
    assert call(base, "GET", "/api/takedowns")[1][0]["reason"] == "权利人来函"
    assert store.get_meta(db, admin.REPUBLISH_KEY)  # the daemon republishes the feeds
    assert call(base, "POST", "/api/takedowns", {"article": "nope", "reason": "x"})[0] == 404
    assert call(base, "POST", "/api/takedowns", {"article": "00000000000000aa"})[0] == 422


def test_the_openapi_description_names_every_route(api) -> None:
    base, _ = api
    status, spec = call(base, "GET", "/api/openapi.json", token=None)
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/api/sources", "/api/sources/{id}", "/api/sources/{id}/fetch", "/api/categories", "/api/failures",
            "/api/takedowns"} <= set(spec["paths"])
