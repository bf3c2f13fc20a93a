"""The HTTP server: published feeds and pages with validators, gzip, and a health check."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import threading
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlite_utils import Database

from .. import publish, store, telemetry
from ..config import Config
from .files import Entry, FileCache

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
_FEED = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.(rss|atom|json)$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ARTICLE = re.compile(r"^[0-9a-f]{16}$")

_FEED_TYPES = {"rss": RSS, "atom": ATOM, "json": JSON_FEED}

CONFIG_KEY = web.AppKey("config", Config)
FEEDS_DIR_KEY = web.AppKey("feeds_dir", str)
CACHE_KEY = web.AppKey("cache", FileCache)
DB_KEY = web.AppKey("db", Database)
DB_LOCK_KEY = web.AppKey("db_lock", threading.Lock)
HEALTH_KEY = web.AppKey("health", object)


def _not_modified(request: web.Request, entry: Entry, etag: str) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags or entry.etag in tags
    ims = request.headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(entry.mtime) <= since
    return False


@functools.lru_cache(maxsize=256)
def _accepts_gzip(accept_encoding: str) -> bool:
    # Cached by the header's text: feed readers send the same few values again and again.
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return not re.search(r"q\s*=\s*0(?:\.0*)?\s*$", params.strip())
    return False


def _wants_gzip(request: web.Request) -> bool:
    return _accepts_gzip(request.headers.get("Accept-Encoding", ""))


def _respond(request: web.Request, path: Path | str, content_type: str, max_age: int) -> web.StreamResponse:
    entry = request.app[CACHE_KEY].get(path)
    if entry is None:
        raise web.HTTPNotFound(text="404: not found\n")
    gz = len(entry.body) > 256 and _wants_gzip(request)
    # The header sets are built once per version of the file (Entry.headers), not per request.
    validators, full = entry.headers(gz, content_type, max_age)
    if _not_modified(request, entry, validators["ETag"]):
        return web.Response(status=304, headers=validators)
    return web.Response(body=entry.gzipped if gz else entry.body, headers=full)


def _public(request: web.Request) -> Path:
    return request.app[CONFIG_KEY].public_dir


async def index(request: web.Request) -> web.StreamResponse:
    """GET / : the home page."""
    return _respond(request, _public(request) / "index.html", HTML, 60)


async def stylesheet(request: web.Request) -> web.StreamResponse:
    """GET /style.css"""
    return _respond(request, _public(request) / "style.css", CSS, 3600)


async def feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/{slug}.rss|.atom|.json, including /feeds/all.rss|.atom|.json."""
    match = _FEED.match(request.match_info["name"])
    if not match:
        raise web.HTTPNotFound(text="404: no such feed\n")
    slug, kind = match.groups()
    try:
        # A plain string path: three pathlib joins were a seventh of a 304's cost.
        response = _respond(request, f"{request.app[FEEDS_DIR_KEY]}/{slug}.{kind}", _FEED_TYPES[kind], 300)
    except web.HTTPException as exc:
        telemetry.FEED_REQUESTS.labels(kind, str(exc.status)).inc()
        raise
    telemetry.FEED_REQUESTS.labels(kind, str(response.status)).inc()
    return response


def _sources_by_status(db: Database, lock: threading.Lock) -> bytes:
    """The sources-by-status gauge, read from the database at each scrape."""
    with lock:
        counts = store.health_summary(db)["sources"]
    registry = CollectorRegistry()
    gauge = Gauge("aggregator_sources", "Sources by status (new, ok, failing, backoff, disabled).", ["status"],
                  registry=registry)
    for status, count in counts.items():
        gauge.labels(status).set(count)
    return generate_latest(registry)


SEARCH_PER_PAGE = 20


def _search_page(config: Config, db: Database, lock: threading.Lock, query: str, page: int) -> bytes:
    with lock:
        total, hits = store.search(db, query, limit=SEARCH_PER_PAGE, offset=(page - 1) * SEARCH_PER_PAGE) \
            if query else (0, [])
    return publish.render_search(config, query, total, hits, page, SEARCH_PER_PAGE)


async def search(request: web.Request) -> web.StreamResponse:
    """GET /search?q=纪委&page=2: titles and bodies, newest first, matches marked."""
    query = " ".join(request.query.get("q", "").split())[:200]
    page_text = request.query.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) <= 100_000 else 1
    body = await asyncio.to_thread(_search_page, request.app[CONFIG_KEY], request.app[DB_KEY],
                                   request.app[DB_LOCK_KEY], query, page)
    return web.Response(body=body, headers={"Content-Type": HTML, "Cache-Control": "no-cache"})


async def metrics(request: web.Request) -> web.StreamResponse:
    """GET /metrics: Prometheus text format. The share of 304s is
    sum(rate(aggregator_feed_requests_total{status="304"}[5m])) / sum(rate(aggregator_feed_requests_total[5m]))."""
    sources = await asyncio.to_thread(_sources_by_status, request.app[DB_KEY], request.app[DB_LOCK_KEY])
    return web.Response(body=generate_latest(telemetry.REGISTRY) + sources,
                        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


async def opml(request: web.Request) -> web.StreamResponse:
    """GET /opml: every published feed in one OPML file, to subscribe to all at once."""
    return _respond(request, _public(request) / "feeds.opml", OPML, 300)


async def category(request: web.Request) -> web.StreamResponse:
    """GET /categories/{slug} (page 1) and /categories/{slug}/{n} (later pages)."""
    slug, page = request.match_info["slug"], request.match_info.get("page")
    if not _SLUG.match(slug) or (page is not None and not (page.isdigit() and page[0] != "0" and int(page) >= 2)):
        raise web.HTTPNotFound(text="404: no such category\n")
    path = _public(request) / "categories" / (f"{slug}.html" if page is None else f"{slug}/{page}.html")
    return _respond(request, path, HTML, 60)


@web.middleware
async def not_found_page(request: web.Request, handler) -> web.StreamResponse:
    """Any 404 answers with the site's own page (its chrome, its language, the search box)."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        entry = request.app[CACHE_KEY].get(_public(request) / "404.html")
        if entry is None:
            raise
        return web.Response(status=404, body=entry.body, headers={"Content-Type": HTML, "Cache-Control": "no-cache"})


async def article(request: web.Request) -> web.StreamResponse:
    """GET /articles/{id}: an article's page."""
    article_id = request.match_info["id"].removesuffix(".html")
    if not _ARTICLE.match(article_id):
        raise web.HTTPNotFound(text="404: no such article\n")
    public = _public(request)
    cache = request.app[CACHE_KEY]
    if cache.get(public / "articles" / f"{article_id}.html") is None:
        notice = cache.get(public / "gone" / f"{article_id}.html")
        if notice is not None:  # taken down: gone for good, and feed readers should drop it
            return web.Response(status=410, body=notice.body, headers={
                "Content-Type": HTML, "Cache-Control": "public, max-age=3600"})
    return _respond(request, public / "articles" / f"{article_id}.html", HTML, 300)


_MEDIA = re.compile(r"^[0-9a-f]{32}\.(jpg|png|gif|webp|avif|bmp)$")
_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                "avif": "image/avif", "bmp": "image/bmp"}


async def media(request: web.Request) -> web.StreamResponse:
    """GET /media/{hash}.{ext}: a mirrored image. Its name is the hash of its bytes, so it never
    changes: cached for a year. Streamed from disk (images are not held in memory)."""
    name = request.match_info["name"]
    match = _MEDIA.match(name)
    path = _public(request) / "media" / name
    if not match or not path.is_file() or path.is_symlink():
        raise web.HTTPNotFound(text="404: no such image\n")
    return web.FileResponse(path, headers={"Content-Type": _MEDIA_TYPES[match.group(1)],
                                           "Cache-Control": "public, max-age=31536000, immutable",
                                           "X-Content-Type-Options": "nosniff"})


def _health(db: Database, lock: threading.Lock, extra: Callable[[], dict] | None) -> dict:
    with lock:
        body = store.health_summary(db)
    if extra is not None:
        body |= extra()  # the daemon's liveness: raises when its scheduler is not alive
    return body


async def healthz(request: web.Request) -> web.StreamResponse:
    """GET /healthz: 200 with the health summary while the database (and scheduler) answer, else 503."""
    try:
        body = await asyncio.to_thread(_health, request.app[DB_KEY], request.app[DB_LOCK_KEY],
                                       request.app[HEALTH_KEY])
        status = 200
    except Exception as exc:  # any failure to answer (database, scheduler) means unhealthy, not a crash
        body, status = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}, 503
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False),
                             headers={"Cache-Control": "no-store"})


def make_app(config: Config, db: Database, health: Callable[[], dict] | None = None) -> web.Application:
    """The aiohttp application serving DATA_DIR/public and /healthz (`health` adds the daemon's state)."""
    app = web.Application(middlewares=[not_found_page])
    app[HEALTH_KEY] = health
    app[CONFIG_KEY] = config
    app[CACHE_KEY] = FileCache(config.public_dir)
    app[FEEDS_DIR_KEY] = str(config.public_dir / "feeds")
    app[DB_KEY] = db
    app[DB_LOCK_KEY] = threading.Lock()
    app.router.add_get("/feeds/{name}", feed)  # first: the route feed readers poll, matched first
    app.router.add_get("/", index)
    app.router.add_get("/index.html", index)
    app.router.add_get("/style.css", stylesheet)
    app.router.add_get("/opml", opml)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/search", search)
    app.router.add_get("/categories/{slug}", category)
    app.router.add_get("/categories/{slug}/{page}", category)
    app.router.add_get("/articles/{id}", article)
    app.router.add_get("/media/{name}", media)
    app.router.add_get("/healthz", healthz)
    return app


def bind(host: str, port: int) -> socket.socket:
    """Bind and listen on host:port now, before anything else starts (a taken port raises OSError
    at once); connections wait in the backlog until start_server answers them."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def start_server(config: Config, db: Database, sock: socket.socket,
                       health: Callable[[], dict] | None = None,
                       extend: Callable[[web.Application, threading.Lock], object] | None = None) -> web.AppRunner:
    """Start answering on a socket from bind(); returns the runner, for cleanup. `extend` may add
    routes (the admin API) before the application starts; it gets the lock guarding `db`."""
    app = make_app(config, db, health)
    if extend is not None:
        extend(app, app[DB_LOCK_KEY])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def serve_forever(config: Config, db: Database, host: str, port: int,
                        ready: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                        health: Callable[[], dict] | None = None) -> None:
    """Run the server until `stop` is set (or forever)."""
    runner = await start_server(config, db, bind(host, port), health)
    if ready is not None:
        ready.set()
    try:
        await (stop.wait() if stop is not None else asyncio.Event().wait())
    finally:
        await runner.cleanup()
