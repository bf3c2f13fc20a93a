"""Opening the one SQLite file: WAL, foreign keys, a busy timeout, migrations applied."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import time
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


@translate_errors
def delete_meta(db: Database, key: str) -> None:
    """Remove a key from the key-value table."""
    with writing(db):
        db.execute("delete from meta where key = ?", [key])


def integrity_ok(db: Database) -> bool:
    """True when SQLite's integrity check passes."""
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# Plain statements for the rows written once per stored item. sqlite-utils' insert/upsert/update
# read the table's schema (PRAGMA table_info and friends) on every call: about 26 statements per
# stored item, half the time of a cold fetch. Table and column names here are the store's own
# constants, never input.
@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"


@functools.lru_cache(maxsize=256)
def _upsert_sql(table: str, columns: tuple[str, ...], pk: tuple[str, ...]) -> str:
    changes = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in pk)
    return f"{_insert_sql(table, columns)} on conflict ({', '.join(pk)}) do update set {changes}"


@functools.lru_cache(maxsize=256)
def _update_sql(table: str, columns: tuple[str, ...], pk: tuple[str, ...]) -> str:
    return (f"update {table} set {', '.join(f'{c} = ?' for c in columns)} "
            f"where {' and '.join(f'{c} = ?' for c in pk)}")


def rows(db: Database, sql: str, params: list | tuple = ()) -> list[dict]:
    """The rows of a query as dicts (sqlite-utils' query() parses the SQL on every call)."""
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def insert_row(db: Database, table: str, row: dict) -> None:
    """Insert one row."""
    db.conn.execute(_insert_sql(table, tuple(row)), list(row.values()))


def upsert_row(db: Database, table: str, row: dict, pk: tuple[str, ...]) -> None:
    """Insert one row, or update every given column of the row with the same primary key."""
    db.conn.execute(_upsert_sql(table, tuple(row), pk), list(row.values()))


def update_row(db: Database, table: str, pk: dict, changes: dict) -> None:
    """Update the given columns of the row whose primary key is `pk` ({column: value})."""
    if changes:
        db.conn.execute(_update_sql(table, tuple(changes), tuple(pk)), [*changes.values(), *pk.values()])


class WriteGroup:
    """Group commit for a cycle: the writes of sources that finish within `seconds` of each other
    share one transaction (each still in its own savepoint, through writing()).

    A commit of one source's twenty items rewrote the same index pages (near-duplicate bands, the
    search index) that the next source's commit rewrote again: a quarter of a cold cycle's storing
    time (benchmarks/compare.py). The write lock is held about `seconds` at a time, so another
    writer (the CLI beside a daemon) waits no longer than that. A crash loses at most the open
    group, whose sources' validators are in the same transaction: they are fetched again. When
    the commit itself fails (a full disk), the group is rolled back and `lost` is told which
    members' writes went, with the error, so their outcomes can say so. Every write of a cycle is
    a synchronous call on the event loop's thread, so the timer's commit never lands inside one.
    """

    def __init__(self, db: Database, lost: Callable[[list, str], None], seconds: float = 1.0) -> None:
        self.db = db
        self.lost = lost
        self.seconds = seconds
        self._opened: float | None = None
        self._members: list = []
        self._timer: asyncio.TimerHandle | None = None

    def wrote(self, member: object) -> None:
        """Call after each member's (each source's) writes: they join the open group, which is
        committed once it is old enough; the next member's writes open the next one."""
        conn = self.db.conn
        if self._opened is None:
            if not conn.in_transaction:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error:
                    return  # the database is busy or broken: the next writes commit on their own
            self._opened = time.monotonic()
            try:  # commit on time even when no source finishes for a while (a slow last fetch)
                self._timer = asyncio.get_running_loop().call_later(self.seconds, self.close)
            except RuntimeError:
                pass  # no event loop: the next wrote() or close() commits
            return  # this member's writes were committed on their own, before the group opened
        self._members.append(member)
        if time.monotonic() - self._opened >= self.seconds:
            self.close()

    def close(self) -> None:
        """Commit the open group, if any."""
        members, self._members = self._members, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._opened is None:
            return
        self._opened = None
        if not self.db.conn.in_transaction:
            return
        try:
            self.db.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.conn.execute("ROLLBACK")
            self.lost(members, f"could not be stored: {exc}")
