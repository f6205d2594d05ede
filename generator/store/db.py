"""The store's connection, its transactions and the shape of a migration, below both parts
(``store.submissions``, ``store.web``), which use them; ``store`` itself opens and migrates."""
from __future__ import annotations

import re
import sqlite3
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


class transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all or nothing."""

    def __init__(self, store):
        self.store = store

    def __enter__(self):
        self.store.execute("BEGIN IMMEDIATE")
        return self.store

    def __exit__(self, exc_type, exc, tb):
        self.store.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
