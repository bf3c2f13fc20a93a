"""Source health: the bounded fetch log and the summary `aggregator health` and /healthz show."""

from __future__ import annotations

from sqlite_utils import Database

from ..model import to_iso, utcnow
from . import fulltext, media
from .db import get_meta, translate_errors, writing

FETCH_LOG_KEEP = 100


@translate_errors
def log_fetch(db: Database, source_id: int, *, result: str, url: str, nbytes: int, ms: int, new: int = 0,
              updated: int = 0, error: str | None = None) -> None:
    """Append one attempt to the source's fetch log, keeping only its last FETCH_LOG_KEEP."""
    with writing(db):
        db["fetch_log"].insert({"source_id": source_id, "at": to_iso(utcnow()), "result": result, "url": url,
                                "bytes": nbytes, "ms": ms, "new": new, "updated": updated, "error": error})
        db.execute(
            """delete from fetch_log where source_id = ? and id <= (
                   select id from fetch_log where source_id = ? order by id desc limit 1 offset ?)""",
            [source_id, source_id, FETCH_LOG_KEEP])


def fetch_log(db: Database, source_id: int, limit: int = FETCH_LOG_KEEP) -> list[dict]:
    """The source's most recent attempts, newest first."""
    return list(db.query("select * from fetch_log where source_id = ? order by id desc limit ?",
                         [source_id, limit]))


def health_summary(db: Database) -> dict:
    """Counts by status, the failing and suspicious sources with reasons, the last publish time."""
    counts = {status: 0 for status in ("new", "ok", "failing", "backoff", "disabled")}
    failing, suspicious = [], []
    for row in db.query("select id, url, name, title, status, enabled, last_error, last_error_at, "
                        "consecutive_failures, next_fetch_at, warning from sources order by id"):
        status = row["status"] if row["enabled"] else "disabled"
        counts[status] = counts.get(status, 0) + 1
        name = row["name"] or row["title"] or row["url"]
        if status in ("failing", "backoff") or (status == "disabled" and row["last_error"]):
            failing.append({"id": row["id"], "name": name, "url": row["url"], "status": status,
                            "error": row["last_error"], "since": row["last_error_at"],
                            "consecutive_failures": row["consecutive_failures"], "next_fetch_at": row["next_fetch_at"]})
        if row["warning"]:
            suspicious.append({"id": row["id"], "name": name, "url": row["url"], "warning": row["warning"]})
    articles = db.execute("select count(*) from articles").fetchone()[0]
    return {"status": "ok", "checked_at": to_iso(utcnow()), "sources": counts, "articles": articles,
            "failing": failing, "suspicious": suspicious, "last_publish_at": get_meta(db, "last_publish_at"),
            "full_text_failed": fulltext.failures(db), "images_failed": media.failures(db)}
