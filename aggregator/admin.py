"""The admin HTTP API under /api/: sources, categories, failures and takedowns, for tools.

Off unless `admin_token` (AGGREGATOR_ADMIN_TOKEN) is set. Every call needs
`Authorization: Bearer TOKEN`: 401 without one, 403 with a wrong one (compared in constant time;
the token is never logged). JSON in and out; bad input is a 4xx with {"error": "..."}, never a 500.
/api/openapi.json describes it all (no token needed to read the description).

Its own module beside serve, because adding a source validates the URL with the catalog's rules,
which the server (reading only the store and the published files) must not import. The daemon and
`aggregator serve` add these routes to the server's application.

Changes reach the daemon through the database, as the CLI's do: a source asked to fetch now gets
its next fetch time set to now (the daemon's sync picks it up within sync_interval); a takedown
answers 410 at once and asks the daemon for a republish through the `meta` table.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from typing import Any, Callable

from aiohttp import web
from sqlite_utils import Database

from . import publish, store
from .catalog import check_url
from .config import Config, check_timezone, parse_duration
from .errors import AggregatorError, NotFoundError, RejectedError
from .model import FULL_TEXT_MODES, SOURCE_KINDS, Source, to_iso, utcnow

REPUBLISH_KEY = "republish_requested"  # set by the API; the daemon's sync publishes everything and clears it
MAX_BODY = 64 * 1024


class ApiError(Exception):
    """A 4xx answer with its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _text(body: dict, key: str, *, required: bool = False, limit: int = 2048) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ApiError(422, f"'{key}' is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise ApiError(422, f"'{key}' must be a non-empty string of at most {limit} characters")
    return value.strip()


def _choice(body: dict, key: str, options: tuple[str, ...]) -> str | None:
    value = body.get(key)
    if value is not None and value not in options:
        raise ApiError(422, f"'{key}' must be one of {', '.join(options)}")
    return value


def _parsed(body: dict, key: str, parse: Callable[[str], Any], limit: int) -> Any:
    """An optional string field through the settings' own parser (a duration, a time zone)."""
    text = _text(body, key, limit=limit)
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise ApiError(422, f"'{key}': {exc}") from None


def _every(body: dict) -> int | None:
    return _parsed(body, "every", parse_duration, 20)


def _timezone(body: dict) -> str | None:
    return _parsed(body, "timezone", check_timezone, 64)


def _only(body: dict, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(422, f"unknown fields: {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


class Api:
    """The handlers; database work runs in a worker thread under the server's lock."""

    def __init__(self, config: Config, db: Database, lock: threading.Lock) -> None:
        self.config, self.db, self.lock = config, db, lock

    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        def locked() -> Any:
            with self.lock:
                return func(*args)
        return await asyncio.to_thread(locked)

    async def _body(self, request: web.Request) -> dict:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise ApiError(413, f"the body is over {MAX_BODY} bytes")
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise ApiError(413, f"the body is over {MAX_BODY} bytes")
        try:
            body = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, f"the body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ApiError(400, "the body must be a JSON object")
        return body

    @staticmethod
    def _id(request: web.Request) -> int:
        text = request.match_info["id"]
        if not text.isdigit() or len(text) > 18:
            raise ApiError(404, f"no source with id {text}")
        return int(text)

    async def list_sources(self, request: web.Request) -> web.Response:
        sources = await self._run(store.list_sources, self.db)
        return web.json_response([store.source_json(s) for s in sources], dumps=_dumps)

    async def get_source(self, request: web.Request) -> web.Response:
        source = await self._run(store.get_source, self.db, self._id(request))
        return web.json_response(store.source_json(source), dumps=_dumps)

    async def add_source(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        _only(body, {"url", "category", "name", "kind", "every", "timezone", "full_text"})
        try:
            url = check_url(_text(body, "url", required=True))
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        category = _text(body, "category", required=True, limit=64)
        name = _text(body, "name", limit=200)
        kind = _choice(body, "kind", SOURCE_KINDS) or "auto"
        full_text = _choice(body, "full_text", FULL_TEXT_MODES)
        every, tz = _every(body), _timezone(body)

        def add() -> Source:
            slug = store.ensure_category(self.db, category).slug
            return store.add_source(self.db, Source(id=None, url=url, category=slug, name=name, kind=kind,
                                                    every=every or self.config.default_every_seconds, timezone=tz,
                                                    full_text=full_text))
        source = await self._run(add)
        return web.json_response(store.source_json(source), status=201, dumps=_dumps)

    async def update_source(self, request: web.Request) -> web.Response:
        source_id = self._id(request)
        body = await self._body(request)
        _only(body, {"name", "category", "every", "timezone", "full_text", "enabled"})
        changes: dict[str, Any] = {}
        if "name" in body:
            changes["name"] = _text(body, "name", limit=200)
        if "every" in body:
            changes["every"] = _every(body)
        if "timezone" in body:
            changes["timezone"] = _timezone(body)
        if "full_text" in body:
            changes["full_text"] = _choice(body, "full_text", FULL_TEXT_MODES)
        if "enabled" in body:
            if not isinstance(body["enabled"], bool):
                raise ApiError(422, "'enabled' must be true or false")
            changes["enabled"] = body["enabled"]
        category = _text(body, "category", limit=64) if "category" in body else None
        changes = {k: v for k, v in changes.items() if v is not None or k in ("name", "timezone", "full_text")}

        def update() -> Source:
            current = store.get_source(self.db, source_id)
            if category is not None:
                changes["category"] = store.ensure_category(self.db, category).slug
            if "enabled" in changes:
                changes["status"] = "disabled" if not changes["enabled"] else (
                    "ok" if current.last_success_at else "new")
            if changes:
                store.update_source(self.db, source_id, **changes)
            return store.get_source(self.db, source_id)
        return web.json_response(store.source_json(await self._run(update)), dumps=_dumps)

    async def set_enabled(self, request: web.Request, enabled: bool) -> web.Response:
        source_id = self._id(request)

        def flip() -> Source:
            current = store.get_source(self.db, source_id)
            status = "disabled" if not enabled else ("ok" if current.last_success_at else "new")
            store.update_source(self.db, source_id, enabled=enabled, status=status)
            return store.get_source(self.db, source_id)
        return web.json_response(store.source_json(await self._run(flip)), dumps=_dumps)

    async def enable(self, request: web.Request) -> web.Response:
        return await self.set_enabled(request, True)

    async def disable(self, request: web.Request) -> web.Response:
        return await self.set_enabled(request, False)

    async def remove_source(self, request: web.Request) -> web.Response:
        source_id = self._id(request)
        purge = request.query.get("purge", "false").lower() in ("1", "true", "yes")
        await self._run(lambda: store.remove_source(self.db, source_id, purge=purge))
        return web.Response(status=204)

    async def fetch_source(self, request: web.Request) -> web.Response:
        source_id = self._id(request)

        def queue() -> Source:
            store.get_source(self.db, source_id)
            store.update_source(self.db, source_id, next_fetch_at=utcnow(), retry_after_until=None)
            return store.get_source(self.db, source_id)
        source = await self._run(queue)
        return web.json_response({"queued": True, "source": store.source_json(source),
                                  "note": f"the daemon fetches it within {self.config.sync_interval:g} s"},
                                 status=202, dumps=_dumps)

    async def categories(self, request: web.Request) -> web.Response:
        rows = await self._run(store.list_categories, self.db)
        return web.json_response(rows, dumps=_dumps)

    async def failures(self, request: web.Request) -> web.Response:
        summary = await self._run(store.health_summary, self.db)
        return web.json_response({"failing": summary["failing"], "suspicious": summary["suspicious"],
                                  "full_text_failed": summary["full_text_failed"],
                                  "images_failed": summary["images_failed"]}, dumps=_dumps)

    async def list_takedowns(self, request: web.Request) -> web.Response:
        return web.json_response(await self._run(store.list_takedowns, self.db), dumps=_dumps)

    async def takedown(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        _only(body, {"article", "reason"})
        ref = _text(body, "article", required=True)
        reason = _text(body, "reason", required=True, limit=1000)

        def take() -> store.Removed:
            removed = store.take_down(self.db, ref, reason)
            store.set_meta(self.db, REPUBLISH_KEY, to_iso(utcnow()))
            # Its page answers 410 at once; the feeds follow with the daemon's republish.
            public = self.config.public_dir
            for article_id in removed.articles:
                publish.remove_file(public / "articles" / f"{article_id}.html")
                publish.write_atomic(public / "gone" / f"{article_id}.html",
                                     publish.render_gone(store.resolve_base_url(self.db, self.config), utcnow()))
            return removed
        removed = await self._run(take)
        return web.json_response({"takedown": removed.takedowns[0], "article": removed.articles[0],
                                  "note": "the article answers 410 now; feeds are republished by the daemon "
                                          f"within {self.config.sync_interval:g} s"}, status=201, dumps=_dumps)

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(OPENAPI, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _middleware(token: str):
    expected = token.encode("utf-8")

    @web.middleware
    async def guard(request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        try:
            if request.path != "/api/openapi.json":
                header = request.headers.get("Authorization", "")
                scheme, _, given = header.partition(" ")
                if scheme.lower() != "bearer" or not given.strip():
                    return web.json_response({"error": "an Authorization: Bearer token is required"}, status=401,
                                             headers={"WWW-Authenticate": 'Bearer realm="aggregator"'})
                if not hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), expected):
                    return web.json_response({"error": "this token is not the admin token"}, status=403)
            return await handler(request)
        except ApiError as exc:
            return web.json_response({"error": exc.message}, status=exc.status, dumps=_dumps)
        except NotFoundError as exc:
            return web.json_response({"error": exc.message}, status=404, dumps=_dumps)
        except (RejectedError, ValueError) as exc:
            return web.json_response({"error": getattr(exc, "message", str(exc))}, status=409, dumps=_dumps)
        except AggregatorError as exc:  # the database is busy or the disk full: try again later
            return web.json_response({"error": exc.message}, status=503, dumps=_dumps)
    return guard


def install(app: web.Application, config: Config, db: Database, lock: threading.Lock) -> bool:
    """Add /api/ to the server's application when an admin token is configured; True when added."""
    if not config.admin_token:
        return False
    api = Api(config, db, lock)
    app.middlewares.append(_middleware(config.admin_token))
    router = app.router
    router.add_get("/api/openapi.json", api.openapi)
    router.add_get("/api/sources", api.list_sources)
    router.add_post("/api/sources", api.add_source)
    router.add_get("/api/sources/{id}", api.get_source)
    router.add_patch("/api/sources/{id}", api.update_source)
    router.add_delete("/api/sources/{id}", api.remove_source)
    router.add_post("/api/sources/{id}/enable", api.enable)
    router.add_post("/api/sources/{id}/disable", api.disable)
    router.add_post("/api/sources/{id}/fetch", api.fetch_source)
    router.add_get("/api/categories", api.categories)
    router.add_get("/api/failures", api.failures)
    router.add_get("/api/takedowns", api.list_takedowns)
    router.add_post("/api/takedowns", api.takedown)
    return True


_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_SOURCE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"}, "name": {"type": "string"},
    "kind": {"type": "string", "enum": list(SOURCE_KINDS)}, "category": {"type": "string"},
    "status": {"type": "string"}, "enabled": {"type": "boolean"}, "every": {"type": "string"},
    "timezone": {"type": ["string", "null"]}, "full_text": {"type": ["string", "null"]},
    "last_error": {"type": ["string", "null"]}, "last_fetched_at": {"type": ["string", "null"]},
    "next_fetch_at": {"type": ["string", "null"]}, "consecutive_failures": {"type": "integer"},
    "warning": {"type": ["string", "null"]}}, "required": ["id", "url", "category", "enabled"]}
_NEW_SOURCE = {"type": "object", "additionalProperties": False, "required": ["url", "category"], "properties": {
    "url": {"type": "string", "format": "uri"}, "category": {"type": "string", "minLength": 1, "maxLength": 64},
    "name": {"type": "string", "minLength": 1}, "kind": {"type": "string", "enum": list(SOURCE_KINDS)},
    "every": {"type": "string", "example": "30m"}, "timezone": {"type": "string", "example": "Asia/Shanghai"},
    "full_text": {"type": "string", "enum": list(FULL_TEXT_MODES)}}}
_SOURCE_CHANGES = {"type": "object", "additionalProperties": False, "properties": {
    "name": {"type": "string", "minLength": 1}, "category": {"type": "string", "minLength": 1},
    "every": {"type": "string"}, "timezone": {"type": "string"}, "enabled": {"type": "boolean"},
    "full_text": {"type": "string", "enum": list(FULL_TEXT_MODES)}}}


def _responses(ok: str, schema: dict | None, *extra: str) -> dict:
    out = {ok: {"description": "done", **({"content": {"application/json": {"schema": schema}}} if schema else {})},
           "401": {"description": "no token", "content": {"application/json": {"schema": _ERROR}}},
           "403": {"description": "wrong token", "content": {"application/json": {"schema": _ERROR}}}}
    for status in extra:
        out[status] = {"description": "refused", "content": {"application/json": {"schema": _ERROR}}}
    return out


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "aggregator admin API", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/sources": {
            "get": {"summary": "Every source", "responses": _responses("200", {"type": "array", "items": _SOURCE})},
            "post": {"summary": "Add a source",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _NEW_SOURCE}}},
                     "responses": _responses("201", _SOURCE, "400", "409", "413", "422")}},
        "/api/sources/{id}": {
            "parameters": _ID,
            "get": {"summary": "One source", "responses": _responses("200", _SOURCE, "404")},
            "patch": {"summary": "Change a source",
                      "requestBody": {"required": True, "content": {"application/json": {"schema": _SOURCE_CHANGES}}},
                      "responses": _responses("200", _SOURCE, "400", "404", "409", "413", "422")},
            "delete": {"summary": "Remove a source (its articles stay unless purge=true)",
                       "parameters": [{"name": "purge", "in": "query", "schema": {"type": "boolean"}}],
                       "responses": _responses("204", None, "404")}},
        "/api/sources/{id}/enable": {"parameters": _ID, "post": {
            "summary": "Resume polling", "responses": _responses("200", _SOURCE, "404")}},
        "/api/sources/{id}/disable": {"parameters": _ID, "post": {
            "summary": "Stop polling", "responses": _responses("200", _SOURCE, "404")}},
        "/api/sources/{id}/fetch": {"parameters": _ID, "post": {
            "summary": "Fetch it now (the daemon picks it up within sync_interval)",
            "responses": _responses("202", {"type": "object"}, "404")}},
        "/api/categories": {"get": {"summary": "Every category with counts",
                                    "responses": _responses("200", {"type": "array", "items": {"type": "object"}})}},
        "/api/failures": {"get": {"summary": "Failing and suspicious sources, full-text and image failures",
                                  "responses": _responses("200", {"type": "object"})}},
        "/api/takedowns": {
            "get": {"summary": "Every takedown", "responses": _responses("200", {"type": "array",
                                                                                 "items": {"type": "object"}})},
            "post": {"summary": "Take an article down (by id, page URL or any outlet's link)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "additionalProperties": False, "required": ["article", "reason"],
                         "properties": {"article": {"type": "string", "minLength": 1},
                                        "reason": {"type": "string", "minLength": 1}}}}}},
                     "responses": _responses("201", {"type": "object"}, "400", "404", "409", "413", "422")}},
    },
}
