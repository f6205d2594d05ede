"""The store: one SQLite file (``data/baocao.sqlite``) holding the history of every accepted
submission (``store.submissions``) and the web intake's own tables (``store.web``: accounts,
server-side sessions, the sign-in log, the upload log, report builds, the periods the office
closed or reopened). Each part declares its own migrations, named within the part
(``web`` / ``0004-utc-times``) as Django names an app's; ``open_store`` applies those the
store has not had, in each part's order, each in one transaction recorded in the table
``store_migration``: a migration that fails leaves the store as it was.

    with open_store(path) as store:
        submissions.latest(store, "2023-08")

Every time the store keeps is UTC ISO 8601 text ending in ``Z``.

A ``Store`` owns its connection: leaving the ``with`` block closes it. The functions take the
store as their first argument, a narrow interface over plain data, so a province running
baocao as a shared server could put PostgreSQL behind the same functions.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..problems import BaocaoError
from . import submissions, web
from .db import Migration, Store, statements, transaction

# the parts, in the order their migrations run (web's upload log refers to submissions)
PARTS = {"submissions": submissions.MIGRATIONS, "web": web.MIGRATIONS}

# ``user_version`` of a store that records its migrations by name: high enough that a baocao
# from before (which numbered every part's steps together, up to 6) refuses it as newer
NAMED = 100

_LEDGER = """
CREATE TABLE IF NOT EXISTS store_migration (
    part       TEXT NOT NULL,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (part, name)
)
"""


def migrations() -> list[tuple[str, Migration]]:
    """Every part's migrations, in the order a new store gets them: [(part, Migration)]."""
    out = []
    for part, steps in PARTS.items():
        names = [m.name for m in steps]
        assert len(set(names)) == len(names), f"two migrations of {part} share a name"
        out += [(part, m) for m in steps]
    legacy = [m.legacy for _, m in out if m.legacy is not None]
    assert sorted(legacy) == list(range(1, len(legacy) + 1)), "the numbered migrations of old must follow one another"
    return out


def applied(store: Store) -> set[tuple[str, str]]:
    """{(part, name)} of the migrations the store has had."""
    return set(store.execute("SELECT part, name FROM store_migration"))


def _adopt_numbered(store: Store, version: int) -> None:
    """A store from before named migrations: its ``user_version`` says which numbered steps it
    had; they are recorded by name (one transaction, nothing else changed)."""
    with transaction(store):
        if store.execute("SELECT 1 FROM sqlite_master WHERE name='store_migration'").fetchone():
            return   # another process adopted it while this one waited for the lock
        store.execute(_LEDGER)
        store.executemany("INSERT INTO store_migration (part, name) VALUES (?,?)",
                          [(part, m.name) for part, m in migrations() if m.legacy is not None and m.legacy <= version])
        store.execute(f"PRAGMA user_version = {NAMED}")


def _apply(store: Store, part: str, migration: Migration) -> None:
    with transaction(store):
        # another process may have migrated while this one waited for the lock
        if store.execute("SELECT 1 FROM store_migration WHERE part=? AND name=?", (part, migration.name)).fetchone():
            return
        for stmt in migration.statements():
            store.execute(stmt)
        store.execute("INSERT INTO store_migration (part, name) VALUES (?,?)", (part, migration.name))


def open_store(path: Path | str) -> Store:
    """Open (create, migrate) the store at ``path``: a Store, to be closed (``with``).
    ``BaocaoError`` (Vietnamese) when the file cannot be opened as SQLite or its schema is
    newer than this program's."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # the store holds password hashes and sessions: owner only
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise BaocaoError(f"Không mở được cơ sở dữ liệu lịch sử {path}: {e}") from None
    store = Store(conn, path)
    try:
        _migrate(store, version)
    except BaseException:
        store.close()
        raise
    return store


def _migrate(store: Store, version: int) -> None:
    steps = migrations()
    path = store.path
    if version < NAMED:
        numbered = max((m.legacy for _, m in steps if m.legacy is not None), default=0)
        if version > numbered:
            raise BaocaoError(f"Cơ sở dữ liệu {path} có phiên bản {version}, mới hơn phần mềm này: hãy cập nhật baocao")
        _adopt_numbered(store, version)
    done = applied(store)
    unknown = sorted(done - {(part, m.name) for part, m in steps})
    if unknown:
        raise BaocaoError(f"Cơ sở dữ liệu {path} đã qua các bước cập nhật mà phần mềm này không biết "
                          f"({', '.join(f'{p}/{n}' for p, n in unknown)}): nó mới hơn phần mềm này, hãy cập nhật baocao")
    for part, migration in steps:
        if (part, migration.name) in done:
            continue
        try:
            _apply(store, part, migration)
        except sqlite3.Error as e:
            raise BaocaoError(f"Không cập nhật được cơ sở dữ liệu {path} (bước {part}/{migration.name}): {e}. "
                              f"Cơ sở dữ liệu được giữ nguyên như trước bước này; hãy báo người quản trị") from None


__all__ = ["Migration", "NAMED", "PARTS", "Store", "applied", "migrations", "open_store", "statements", "submissions",
           "transaction", "web"]
