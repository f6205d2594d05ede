"""The store's connection and its transactions, below both parts (``store.submissions``,
``store.web``), which use them; ``store`` itself opens and migrates."""
from __future__ import annotations

import sqlite3
from pathlib import Path


class Store:
    """An open store: the connection it owns, closed by ``close()`` or by leaving ``with``."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows):
        return self.conn.executemany(sql, rows)

    def close(self) -> None:
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
