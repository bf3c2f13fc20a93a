"""Sources and their fetch state; the pipeline records every outcome here."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from ..config import format_duration
from ..errors import NotFoundError, RejectedError, StoreError
from ..model import Selectors, Source, from_iso, to_iso, utcnow
from .articles import delete_articles
from .db import translate_errors, writing

_FIELDS = [f.name for f in fields(Source)]
_COLUMNS = [name for name in _FIELDS if name != "selectors"]
_TIMES = {"last_error_at", "last_fetched_at", "last_success_at", "next_fetch_at", "retry_after_until", "created_at"}


# Selectors live in their own columns: a selector is a setting an admin edits, not a blob.
_SELECTOR_COLUMNS = {"links": "sel_links", "title": "sel_title", "body": "sel_body", "date": "sel_date",
                     "author": "sel_author", "origin": "sel_origin", "url_pattern": "url_pattern",
                     "encoding": "encoding"}


def _to_row(values: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for key, value in values.items():
        if key == "selectors":
            row.update({column: getattr(value, name) for name, column in _SELECTOR_COLUMNS.items()})
            continue
        if key in _TIMES:
            value = to_iso(value)
        elif key == "enabled":
            value = int(bool(value))
        row[key] = value
    return row


def _from_row(row: dict) -> Source:
    values = {k: row[k] for k in _COLUMNS if k in row}
    for key in _TIMES:
        values[key] = from_iso(values.get(key))
    values["enabled"] = bool(values.get("enabled", 1))
    values["selectors"] = Selectors(**{name: row.get(column) for name, column in _SELECTOR_COLUMNS.items()})
    return Source(**values)


@translate_errors
def add_source(db: Database, source: Source) -> Source:
    """Insert a new source; a URL already present is a StoreError naming its id."""
    with writing(db):
        existing = db.execute("select id from sources where url = ?", [source.url]).fetchone()
        if existing:
            raise RejectedError(f"{source.url} is already source {existing[0]}")
        values = {k: getattr(source, k) for k in _FIELDS if k != "id"}
        values["created_at"] = values.get("created_at") or utcnow()
        # Ids are never reused (SQLite would hand out a removed highest id again): a new source must
        # not meet rows or article keys ("guid:3:123") an old source of the same id left behind.
        high = db.execute("select max(id) from sources").fetchone()[0] or 0
        used = db.execute("select value from meta where key = 'sources_high_id'").fetchone()
        new_id = max(high, int(used[0]) if used else 0) + 1
        db["sources"].insert(_to_row(values) | {"id": new_id})
        db["meta"].upsert({"key": "sources_high_id", "value": str(new_id)}, pk="key")
    return get_source(db, new_id)


def get_source(db: Database, source_id: int) -> Source:
    """The source with this id, or NotFoundError."""
    rows = list(db.query("select * from sources where id = ?", [source_id]))
    if not rows:
        raise NotFoundError(f"no source with id {source_id}")
    return _from_row(rows[0])


def find_source_by_url(db: Database, url: str) -> Source | None:
    """The source polling exactly this URL, if any."""
    rows = list(db.query("select * from sources where url = ?", [url]))
    return _from_row(rows[0]) if rows else None


def list_sources(db: Database, ids: list[int] | None = None, *, enabled_only: bool = False) -> list[Source]:
    """Sources by id, optionally only some ids or only the enabled ones."""
    sql, params = "select * from sources where 1=1", []
    if ids:
        sql += f" and id in ({','.join('?' * len(ids))})"
        params.extend(ids)
    if enabled_only:
        sql += " and enabled = 1"
    return [_from_row(r) for r in db.query(sql + " order by id", params)]


def article_counts(db: Database) -> dict[int, int]:
    """Number of stored articles per source id."""
    return {r["source_id"]: r["n"] for r in db.query(
        "select source_id, count(*) as n from articles where source_id is not null group by source_id")}


@translate_errors
def update_source(db: Database, source_id: int, **changes: Any) -> None:
    """Write some fields of a source (fetch state, URL after a redirect, settings)."""
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise StoreError(f"unknown source fields: {', '.join(sorted(unknown))}")
    with writing(db):
        if "url" in changes:
            clash = db.execute("select id from sources where url = ? and id != ?",
                               [changes["url"], source_id]).fetchone()
            if clash:
                raise RejectedError(f"{changes['url']} is already source {clash[0]}")
        db["sources"].update(source_id, _to_row(changes))


def source_json(source: Source, articles: int | None = None) -> dict:
    """A source as `sources list --json` and the admin API show it (`articles`: its count, when known)."""
    out = {
        "id": source.id, "url": source.url, "name": source.display_name, "kind": source.kind,
        "category": source.category, "status": source.status if source.enabled else "disabled",
        "enabled": source.enabled, "every": format_duration(source.every), "timezone": source.timezone,
        "last_error": source.last_error, "last_error_at": to_iso(source.last_error_at),
        "last_fetched_at": to_iso(source.last_fetched_at), "last_success_at": to_iso(source.last_success_at),
        "next_fetch_at": to_iso(source.next_fetch_at), "consecutive_failures": source.consecutive_failures,
        "warning": source.warning, "full_text": source.full_text,
    }
    if articles is not None:
        out["articles"] = articles
    return out


@translate_errors
def remove_source(db: Database, source_id: int, *, purge: bool = False) -> int:
    """Delete a source with its sightings, seen links and fetch log. Its articles stay (detached, as
    published) unless `purge`; returns how many were purged."""
    get_source(db, source_id)
    with writing(db):
        purged = 0
        if purge:
            # Other sources' sightings of a purged article go too: their next fetch brings it back
            # as their own article, with their own fields.
            ids = [r[0] for r in db.execute("select id from articles where source_id = ?", [source_id])]
            purged = delete_articles(db, ids)
        else:
            db.execute("update articles set source_id = null where source_id = ?", [source_id])
        # Everything else the source owned: a new source never inherits any of it.
        for table in ("sightings", "seen_links", "fetch_log", "fulltext"):
            db.execute(f"delete from {table} where source_id = ?", [source_id])
        db.execute("delete from sources where id = ?", [source_id])
    return purged


@translate_errors
def record_success(db: Database, source_id: int, *, fetched_at: datetime, next_fetch_at: datetime,
                   **changes: Any) -> None:
    """A fetch that worked: status ok, failures reset, error and any Retry-After cleared."""
    with writing(db):
        if db.execute("select 1 from sources where id = ?", [source_id]).fetchone() is None:
            return  # removed while it was being fetched
        update_source(db, source_id, status="ok", last_error=None, last_error_at=None, consecutive_failures=0,
                      retry_after_until=None, last_fetched_at=fetched_at, last_success_at=fetched_at,
                      next_fetch_at=next_fetch_at, **changes)


@translate_errors
def record_failure(db: Database, source_id: int, message: str, *, fetched_at: datetime,
                   next_fetch_at: datetime, status: str = "failing", failures: int = 1,
                   retry_after_until: datetime | None = None, disable: bool = False) -> None:
    """A fetch that failed: the reason, time, status and failure count stored; articles untouched."""
    with writing(db):
        if db.execute("select 1 from sources where id = ?", [source_id]).fetchone() is None:
            return  # removed while it was being fetched
        update_source(db, source_id, status=status, last_error=message, last_error_at=fetched_at,
                      last_fetched_at=fetched_at, next_fetch_at=next_fetch_at, consecutive_failures=failures,
                      retry_after_until=retry_after_until, **({"enabled": False} if disable else {}))
