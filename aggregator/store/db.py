"""Opening the one SQLite file: WAL, foreign keys, a busy timeout, migrations applied."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlite_utils import Database

from ..errors import StoreError
from .migrations import migrations

F = TypeVar("F", bound=Callable[..., Any])


def open_db(path: Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at `path`, ready for use."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread off: the server hands the connection to a worker thread,
        # one request at a time (see serve.app); writes happen in one process per data dir.
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        if migrate and not db.execute("select 1 from sqlite_master limit 1").fetchone():
            # A new file: pages freed by pruning can be handed back to the file system
            # (store.retention). Only settable before the first table exists.
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
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


@contextlib.contextmanager
def writing(db: Database) -> Iterator[Database]:
    """A write transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE), around db.atomic().

    A plain BEGIN reads first and asks for the write lock later; when another
    connection (the daemon's publishing thread, a CLI command) wrote in between,
    SQLite answers "database is locked" at once instead of waiting. Taking the lock
    first lets busy_timeout do its job. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        with db.atomic():  # a savepoint inside our transaction
            yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def translate_errors(func: F) -> F:
    """Turn sqlite3 errors (disk full, locked too long, corrupt file) into a one-line StoreError."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"database error: {exc}") from None

    return wrapper  # type: ignore[return-value]


@translate_errors
def get_meta(db: Database, key: str) -> str | None:
    """A value from the key-value table."""
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


@translate_errors
def set_meta(db: Database, key: str, value: str) -> None:
    """Set a value in the key-value table."""
    with writing(db):
        db["meta"].upsert({"key": key, "value": value}, pk="key")


def integrity_ok(db: Database) -> bool:
    """True when SQLite's integrity check passes."""
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
