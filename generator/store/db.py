"""The store's connection, its transactions and the shape of a migration, below both parts
(``store.submissions``, ``store.web``), which use them; ``store`` itself opens and migrates."""
from __future__ import annotations

import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Migration:
    """One step of a part's schema, named within its part (``web`` / ``0004-utc-times``), as
    Django names an app's migrations. ``legacy``: the shared ``user_version`` that step had
    when every part's steps were numbered together (stores of that time are read by it)."""
    name: str
    sql: str
    legacy: int | None = None

    def statements(self) -> list[str]:
        """The migration's SQL statements, each whole (``statements``)."""
        return statements(self.sql)


def statements(script: str) -> list[str]:
    """The SQL statements of a script, each whole: a ``;`` inside a string, a quoted name, a
    comment or a trigger's body does not end one (``sqlite3.complete_statement`` decides, as
    the sqlite3 shell does). A script ending in an unfinished statement is a ValueError."""
    out, pending = [], ""
    for piece in re.split(r"(?<=;)", script):
        pending += piece
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip() and not sqlite3.complete_statement(pending + ";"):
        raise ValueError(f"unfinished SQL statement: {pending.strip()[:80]}")
    if pending.strip() and not _only_comments(pending):
        out.append(pending.strip())
    return out


def _only_comments(text: str) -> bool:
    return not re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.S).strip()


class Store:
    """An open store: the connection it owns, closed by ``close()`` or by leaving ``with``."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    def execute(self, sql: str, params=()):
        """``sqlite3.Connection.execute`` on the store's connection: a cursor over the rows."""
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows):
        """``sqlite3.Connection.executemany``: ``sql`` once per tuple of ``rows``."""
        return self.conn.executemany(sql, rows)

    def close(self) -> None:
        """Close the connection (a transaction not committed is rolled back by SQLite)."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False


_WRITERS: dict = {}   # store file -> the lock this process's writers to it take turns by
_WRITERS_LOCK = threading.Lock()


def _writer_lock(path: Path) -> threading.RLock:
    key = os.path.realpath(path)
    with _WRITERS_LOCK:
        return _WRITERS.setdefault(key, threading.RLock())


class transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all or nothing. The threads of
    one process (the web server's uploads) take turns at a lock of their own before asking
    SQLite's: a writer waiting for SQLite's lock sleeps in steps of up to 100 ms and wakes
    late; one waiting here starts the moment the one before it commits. Other processes
    still wait for SQLite's lock (``timeout`` of the connection)."""

    def __init__(self, store):
        self.store = store
        self.turn = _writer_lock(store.path)

    def __enter__(self):
        self.turn.acquire()
        try:
            self.store.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.turn.release()
            raise
        return self.store

    def __exit__(self, exc_type, exc, tb):
        try:
            self.store.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.turn.release()
        return False
