"""The store: one SQLite file (``data/baocao.sqlite``) holding the history of every accepted
submission (``store.submissions``) and the web intake's own tables (``store.web``: accounts,
server-side sessions, the sign-in log, the upload log, report builds). Each part declares
its migrations; ``open_store`` applies them in version order, once, inside the lock.

    with open_store(path) as store:
        submissions.latest(store, "2023-08")

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
from .db import Store, transaction


def migrations() -> list[tuple[int, str]]:
    """Every part's migrations, in version order (versions are shared: one ``user_version``)."""
    merged = {**submissions.MIGRATIONS, **web.MIGRATIONS}
    assert len(merged) == len(submissions.MIGRATIONS) + len(web.MIGRATIONS), "two parts claim one version"
    assert sorted(merged) == list(range(1, len(merged) + 1)), "migration versions must follow one another"
    return sorted(merged.items())


def open_store(path: Path | str) -> Store:
    """Open (create, migrate) the store at ``path``."""
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
    steps = migrations()
    if version > len(steps):
        store.close()
        raise BaocaoError(f"Cơ sở dữ liệu {path} có phiên bản {version}, mới hơn phần mềm này "
                          f"({len(steps)}): hãy cập nhật baocao")
    for n, sql in steps[version:]:
        with transaction(store):
            # another process may have migrated while this one waited for the lock
            if store.execute("PRAGMA user_version").fetchone()[0] >= n:
                continue
            for stmt in sql.split(";"):
                if stmt.strip():
                    store.execute(stmt)
            store.execute(f"PRAGMA user_version = {n}")
    return store


__all__ = ["Store", "migrations", "open_store", "submissions", "transaction", "web"]
