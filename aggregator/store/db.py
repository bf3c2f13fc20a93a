"""Opening the one SQLite file: WAL, foreign keys, a busy timeout, migrations applied."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ..errors import StoreError
from .migrations import migrations


def open_db(path: Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at `path`, ready for use."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread off: the server hands the connection to a worker thread,
        # one request at a time (see serve.app); writes happen in one process per data dir.
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    except OSError as exc:
        raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None
    return db


def get_meta(db: Database, key: str) -> str | None:
    """A value from the key-value table."""
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: Database, key: str, value: str) -> None:
    """Set a value in the key-value table."""
    with db.atomic():
        db["meta"].upsert({"key": key, "value": value}, pk="key")


def integrity_ok(db: Database) -> bool:
    """True when SQLite's integrity check passes."""
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
