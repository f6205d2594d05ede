"""The history store: every accepted submission, kept forever, in an embedded SQLite file.

A narrow interface of plain functions over plain data, so a province running baocao as a
shared server could put PostgreSQL behind the same functions without touching the rest:

* ``open_store(path)`` — create or migrate the database (versioned schema).
* ``record(store, period, department, file_name, sha256, values, narrative)`` — one
  submission, one transaction; the same file (same SHA-256) twice adds no revision, but
  accepting an older file again makes it current again (an ``acceptance`` row).
* ``current(store, period, department)`` — the department's current submission: the one
  accepted last (``ORDER BY acceptance.id DESC``), taken as a whole.
* ``latest(store, period)`` — every value of each department's current submission.
* ``plans(store, year, before)`` — the newest annual plan of each indicator in a year.
* ``series(store, code, first, last)`` — an indicator across periods.

Values are stored as decimal text (exact). Nothing is ever updated or deleted.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .problems import BaocaoError
from .sources import Source

MIGRATIONS = [
    # version 1
    """
    CREATE TABLE submission (
        revision    INTEGER PRIMARY KEY AUTOINCREMENT,
        period      TEXT NOT NULL,
        department  TEXT NOT NULL,
        file_name   TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        UNIQUE (period, department, sha256)
    );
    CREATE TABLE value (
        revision  INTEGER NOT NULL REFERENCES submission(revision),
        indicator TEXT NOT NULL,
        measure   TEXT NOT NULL,
        value     TEXT NOT NULL,
        sheet     TEXT NOT NULL,
        cell      TEXT NOT NULL,
        PRIMARY KEY (revision, indicator, measure)
    );
    CREATE INDEX value_indicator ON value (indicator, measure);
    CREATE INDEX submission_period ON submission (period, department);
    """,
    # version 2: the web intake's accounts and upload log
    """
    CREATE TABLE account (
        username      TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('department', 'office')),
        department    TEXT,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE upload (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        period      TEXT NOT NULL,
        department  TEXT NOT NULL,
        username    TEXT NOT NULL,
        accepted    INTEGER NOT NULL,
        errors      INTEGER NOT NULL,
        warnings    INTEGER NOT NULL,
        problems    TEXT NOT NULL,
        uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
    );
    CREATE INDEX upload_period ON upload (period, department);
    """,
    # version 3: a submission is a whole. Each acceptance of a file (a re-sent older file
    # included) is a row, and the current submission is the one accepted last; values keep
    # the unit they were entered in (NULL: recorded before units were kept, read as the
    # catalogue's unit); the narrative rows are kept with the submission.
    """
    ALTER TABLE value ADD COLUMN unit TEXT;
    ALTER TABLE submission ADD COLUMN narrative_kept INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE acceptance (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        revision    INTEGER NOT NULL REFERENCES submission(revision),
        period      TEXT NOT NULL,
        department  TEXT NOT NULL,
        accepted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    INSERT INTO acceptance (revision, period, department, accepted_at)
        SELECT revision, period, department, recorded_at FROM submission ORDER BY revision;
    CREATE INDEX acceptance_period ON acceptance (period, department, id);
    CREATE TABLE narrative (
        revision INTEGER NOT NULL REFERENCES submission(revision),
        position INTEGER NOT NULL,
        section  TEXT NOT NULL,
        body     TEXT NOT NULL,
        cell     TEXT NOT NULL,
        PRIMARY KEY (revision, position)
    );
    """,
    # version 4: the web's server-side sessions, the sign-in log (throttling reads it),
    # disabled accounts, and every upload on record with its SHA-256
    """
    ALTER TABLE account ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE web_session (
        token_hash TEXT PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES account(username),
        created_at REAL NOT NULL,
        last_seen  REAL NOT NULL
    );
    CREATE INDEX web_session_user ON web_session (username);
    CREATE TABLE signin (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       REAL NOT NULL,
        username TEXT NOT NULL,
        address  TEXT NOT NULL,
        outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'throttled'))
    );
    CREATE INDEX signin_user ON signin (username, at);
    CREATE INDEX signin_address ON signin (address, at);
    ALTER TABLE upload ADD COLUMN sha256 TEXT;
    ALTER TABLE upload ADD COLUMN size INTEGER;
    ALTER TABLE upload ADD COLUMN file_name TEXT;
    ALTER TABLE upload ADD COLUMN revision INTEGER;
    """,
    # version 5: the web's report builds, so a restart knows what ran
    """
    CREATE TABLE build_job (
        id          TEXT PRIMARY KEY,
        period      TEXT NOT NULL,
        username    TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        ok          INTEGER,
        message     TEXT NOT NULL DEFAULT '',
        problems    TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX build_job_period ON build_job (period, started_at);
    """,
]


@dataclass(frozen=True)
class Stored:
    value: Decimal
    revision: int
    file_name: str
    sheet: str
    cell: str
    unit: str | None = None       # the unit it was entered in; None: recorded before units were kept
    accepted_at: str = ""
    department: str = ""

    @property
    def source(self) -> Source:
        return Source.stored(self.revision)

    def converted(self, value: Decimal, unit: str) -> "Stored":
        """The same stored value expressed in another unit."""
        from dataclasses import replace
        return replace(self, value=value, unit=unit)


@dataclass(frozen=True)
class Current:
    """A department's current submission of a period."""
    revision: int
    file_name: str
    accepted_at: str
    narrative_kept: bool


def open_store(path: Path | str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # the store holds password hashes and sessions: owner only
        import os
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise BaocaoError(f"Không mở được cơ sở dữ liệu lịch sử {path}: {e}") from None
    if version > len(MIGRATIONS):
        raise BaocaoError(f"Cơ sở dữ liệu {path} có phiên bản {version}, mới hơn phần mềm này "
                          f"({len(MIGRATIONS)}): hãy cập nhật baocao")
    for n in range(version, len(MIGRATIONS)):
        with _transaction(conn):
            # another process may have migrated while this one waited for the lock
            if conn.execute("PRAGMA user_version").fetchone()[0] > n:
                continue
            for stmt in MIGRATIONS[n].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {n + 1}")
    return conn


class _transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all or nothing."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def _current_revision(store, period: str, department: str) -> int | None:
    row = store.execute("SELECT revision FROM acceptance WHERE period=? AND department=? ORDER BY id DESC LIMIT 1",
                        (period, department)).fetchone()
    return row[0] if row else None


def _insert(store, period: str, department: str, file_name: str, sha256: str, values: list,
            narrative: list | None = None) -> tuple[int, bool]:
    """Inside a transaction: one submission, or the revision of the identical one already
    stored; either way it becomes the department's current submission of the period."""
    row = store.execute("SELECT revision FROM submission WHERE period=? AND department=? AND sha256=? "
                        "ORDER BY revision DESC LIMIT 1", (period, department, sha256)).fetchone()
    if row:
        if _current_revision(store, period, department) != row[0]:
            store.execute("INSERT INTO acceptance (revision, period, department) VALUES (?,?,?)",
                          (row[0], period, department))
        return row[0], False
    cur = store.execute("INSERT INTO submission (period, department, file_name, sha256, narrative_kept) "
                        "VALUES (?,?,?,?,?)", (period, department, file_name, sha256, int(narrative is not None)))
    rev = cur.lastrowid
    store.executemany("INSERT INTO value (revision, indicator, measure, value, sheet, cell, unit) VALUES (?,?,?,?,?,?,?)",
                      [(rev, code, m, str(v), sheet, cell, unit) for code, m, v, sheet, cell, unit in values])
    store.executemany("INSERT INTO narrative (revision, position, section, body, cell) VALUES (?,?,?,?,?)",
                      [(rev, i, sec, body, cell) for i, (sec, body, cell) in enumerate(narrative or [])])
    store.execute("INSERT INTO acceptance (revision, period, department) VALUES (?,?,?)", (rev, period, department))
    return rev, True


def record(store, period: str, department: str, file_name: str, sha256: str, values: list,
           narrative: list | None = None) -> tuple[int, bool]:
    """Record a submission: ``values`` is [(indicator, measure, Decimal, sheet, cell, unit)],
    ``narrative`` its ``Thuyết minh`` rows [(section, body, cell)]. Returns (revision, created):
    an identical file already recorded gives its revision, False (and is current again)."""
    with _transaction(store):
        return _insert(store, period, department, file_name, sha256, values, narrative)


def record_many(store, submissions: list) -> list[tuple[int, bool]]:
    """Several submissions in one transaction (an import): all recorded, or none."""
    with _transaction(store):
        return [_insert(store, *sub) for sub in submissions]


# each department's current submission of a period: the one accepted last
_CURRENT = """
SELECT a.department, a.revision, a.accepted_at FROM acceptance a
WHERE a.period = ? AND a.id = (
    SELECT a2.id FROM acceptance a2 WHERE a2.period = a.period AND a2.department = a.department
    ORDER BY a2.id DESC LIMIT 1)
"""
_LATEST = f"""
SELECT v.indicator, v.measure, v.value, v.unit, s.revision, s.file_name, v.sheet, v.cell, c.accepted_at,
       c.department
FROM ({_CURRENT}) c JOIN submission s ON s.revision = c.revision JOIN value v ON v.revision = s.revision
ORDER BY v.indicator, v.measure
"""


def latest(store, period: str) -> dict:
    """{indicator: {measure: Stored}}: the values of each department's current submission."""
    out: dict = {}
    for code, measure, value, unit, rev, fname, sheet, cell, at, dept in store.execute(_LATEST, (period,)):
        out.setdefault(code, {})[measure] = Stored(Decimal(value), rev, fname, sheet, cell, unit, at, dept)
    return out


def current(store, period: str, department: str) -> Current | None:
    """The department's current submission of the period (the one accepted last), or None."""
    row = store.execute("SELECT s.revision, s.file_name, a.accepted_at, s.narrative_kept FROM acceptance a "
                        "JOIN submission s ON s.revision = a.revision WHERE a.period=? AND a.department=? "
                        "ORDER BY a.id DESC LIMIT 1", (period, department)).fetchone()
    return Current(row[0], row[1], row[2], bool(row[3])) if row else None


def current_values(store, revision: int) -> dict:
    """{indicator: {measure: Stored}} of one submission."""
    out: dict = {}
    for code, measure, value, unit, fname, sheet, cell, at in store.execute(
            "SELECT v.indicator, v.measure, v.value, v.unit, s.file_name, v.sheet, v.cell, s.recorded_at "
            "FROM value v JOIN submission s ON s.revision = v.revision WHERE v.revision = ? "
            "ORDER BY v.indicator, v.measure", (revision,)):
        out.setdefault(code, {})[measure] = Stored(Decimal(value), revision, fname, sheet, cell, unit, at)
    return out


def narrative(store, revision: int) -> list[tuple[str, str, str]]:
    """The ``Thuyết minh`` rows kept with a submission: [(section, body, cell)] in sheet order."""
    return list(store.execute("SELECT section, body, cell FROM narrative WHERE revision=? ORDER BY position",
                              (revision,)))


def plans(store, year: int, before: str, measure: str = "plan") -> dict:
    """{indicator: [(period, Stored plan)], oldest first} of ``year``'s periods before ``before``."""
    out: dict = {}
    periods = [r[0] for r in store.execute(
        "SELECT DISTINCT period FROM submission WHERE period >= ? AND period < ? ORDER BY period",
        (f"{year:04d}-01", before))]
    for p in periods:
        for code, measures in latest(store, p).items():
            if measure in measures:
                out.setdefault(code, []).append((p, measures[measure]))
    return out


def series(store, code: str, first: str = "0000-00", last: str = "9999-99") -> list[tuple[str, dict]]:
    """[(period, {measure: Stored})] of one indicator, newest revision per period."""
    periods = [r[0] for r in store.execute(
        "SELECT DISTINCT s.period FROM submission s JOIN value v ON v.revision = s.revision "
        "WHERE v.indicator = ? AND s.period BETWEEN ? AND ? ORDER BY s.period", (code, first, last))]
    return [(p, latest(store, p).get(code, {})) for p in periods]


# ---------------------------------------------------------------- the web's tables
# accounts, server-side sessions, the sign-in log and the upload log: the web intake's own
# interface, apart from the history tables above.

ACCOUNT_FIELDS = ("username", "role", "department", "password_hash", "disabled")


def add_account(store, username: str, role: str, department: str | None, password_hash: str) -> bool:
    """A new account; False (nothing written) when the name is taken."""
    with _transaction(store):
        if store.execute("SELECT 1 FROM account WHERE username=?", (username,)).fetchone():
            return False
        store.execute("INSERT INTO account (username, role, department, password_hash) VALUES (?,?,?,?)",
                      (username, role, department, password_hash))
        return True


def update_account(store, username: str, **changes) -> bool:
    """Change an account's password hash, role, department or disabled flag, and end every
    one of its sessions in the same transaction. False when there is no such account."""
    allowed = {k: v for k, v in changes.items() if k in ("role", "department", "password_hash", "disabled")}
    with _transaction(store):
        if not store.execute("SELECT 1 FROM account WHERE username=?", (username,)).fetchone():
            return False
        if allowed:
            store.execute("UPDATE account SET " + ", ".join(f"{k}=?" for k in allowed) + " WHERE username=?",
                          (*allowed.values(), username))
        store.execute("DELETE FROM web_session WHERE username=?", (username,))
        return True


def get_account(store, username: str) -> dict | None:
    row = store.execute("SELECT username, role, department, password_hash, disabled FROM account WHERE username=?",
                        (username,)).fetchone()
    return dict(zip(ACCOUNT_FIELDS, row)) if row else None


def list_accounts(store) -> list[dict]:
    return [dict(zip(("username", "role", "department", "disabled"), r))
            for r in store.execute("SELECT username, role, department, disabled FROM account ORDER BY username")]


def create_session(store, token_hash: str, username: str, now: float) -> None:
    with _transaction(store):
        store.execute("INSERT INTO web_session (token_hash, username, created_at, last_seen) VALUES (?,?,?,?)",
                      (token_hash, username, now, now))


def session_account(store, token_hash: str, now: float, idle_seconds: float) -> dict | None:
    """The account of a live session (not ended, not idle too long, account not disabled)."""
    row = store.execute("SELECT s.last_seen, a.username, a.role, a.department, a.password_hash, a.disabled "
                        "FROM web_session s JOIN account a ON a.username = s.username WHERE s.token_hash=?",
                        (token_hash,)).fetchone()
    if row is None or row[0] + idle_seconds < now or row[5]:
        return None
    if now - row[0] > 60:  # refresh the idle clock at most once a minute
        with _transaction(store):
            store.execute("UPDATE web_session SET last_seen=? WHERE token_hash=?", (now, token_hash))
    return dict(zip(ACCOUNT_FIELDS, row[1:]))


def end_session(store, token_hash: str) -> None:
    with _transaction(store):
        store.execute("DELETE FROM web_session WHERE token_hash=?", (token_hash,))


def log_signin(store, at: float, username: str, address: str, outcome: str) -> None:
    with _transaction(store):
        store.execute("INSERT INTO signin (at, username, address, outcome) VALUES (?,?,?,?)",
                      (at, username, address, outcome))


def signin_failures(store, since: float, username: str | None = None, address: str | None = None) -> list[float]:
    """Times of failed sign-ins since ``since`` (and since the last success) for an account or
    an address, oldest first."""
    col, key = ("username", username) if username is not None else ("address", address)
    last_ok = store.execute(f"SELECT MAX(at) FROM signin WHERE {col}=? AND outcome='ok'", (key,)).fetchone()[0]
    start = max(since, last_ok or 0)
    return [r[0] for r in store.execute(f"SELECT at FROM signin WHERE {col}=? AND outcome='failed' AND at>? "
                                        f"ORDER BY at", (key, start))]


def signins(store, limit: int = 100) -> list[tuple]:
    return list(store.execute("SELECT at, username, address, outcome FROM signin ORDER BY id DESC LIMIT ?", (limit,)))


BUILD_FIELDS = ("id", "period", "username", "started_at", "finished_at", "ok", "message", "problems")


def start_build_job(store, job: str, period: str, username: str, started_at: str, limit: int) -> str | None:
    """Record a build about to run; None (nothing written) when ``limit`` builds are already
    running or one of this period is. A build still "running" when the server restarted is
    closed as interrupted first."""
    with _transaction(store):
        running = [r[0] for r in store.execute("SELECT period FROM build_job WHERE finished_at IS NULL")]
        if period in running or len(running) >= limit:
            return None
        store.execute("INSERT INTO build_job (id, period, username, started_at) VALUES (?,?,?,?)",
                      (job, period, username, started_at))
        return job


def finish_build_job(store, job: str, finished_at: str, ok: bool, message: str, problems_json: str = "[]") -> None:
    with _transaction(store):
        store.execute("UPDATE build_job SET finished_at=?, ok=?, message=?, problems=? WHERE id=?",
                      (finished_at, int(ok), message, problems_json, job))


def interrupt_build_jobs(store, finished_at: str) -> int:
    """At start: builds left running by a stopped server are closed as interrupted."""
    with _transaction(store):
        return store.execute("UPDATE build_job SET finished_at=?, ok=0, message=? WHERE finished_at IS NULL",
                             (finished_at, "Máy chủ đã dừng khi đang lập báo cáo; hãy lập lại.")).rowcount


def build_job(store, job: str) -> dict | None:
    row = store.execute("SELECT " + ", ".join(BUILD_FIELDS) + " FROM build_job WHERE id=?", (job,)).fetchone()
    return dict(zip(BUILD_FIELDS, row)) if row else None


def _log_upload(store, period, department, username, accepted, errors, warnings, problems_json,
                sha256=None, size=None, file_name=None, revision=None) -> int:
    from .timefmt import utc_now_text
    cur = store.execute("INSERT INTO upload (period, department, username, accepted, errors, warnings, problems, "
                        "sha256, size, file_name, revision, uploaded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (period, department, username, int(accepted), errors, warnings, problems_json,
                         sha256, size, file_name, revision, utc_now_text()))
    return cur.lastrowid


def log_upload(store, period: str, department: str, username: str, accepted: bool, errors: int, warnings: int,
               problems_json: str, **extra) -> int:
    with _transaction(store):
        return _log_upload(store, period, department, username, accepted, errors, warnings, problems_json, **extra)


def accept_upload(store, period: str, department: str, username: str, move, submissions: list, event: dict) -> int:
    """One transaction for an accepted upload: the submissions to record (a file already in
    place but never recorded first, then the upload), ``move()`` putting the file in place
    atomically, and the upload event with the new revision. Returns the event's id."""
    with _transaction(store):
        rev = None
        for sub in submissions:
            rev, _ = _insert(store, *sub)
        move()
        return _log_upload(store, period, department, username, True, revision=rev, **event)


UPLOAD_FIELDS = ("id", "uploaded_at", "department", "username", "accepted", "errors", "warnings", "sha256",
                 "size", "file_name", "revision", "problems")


def uploads(store, period: str, department: str | None = None) -> list[dict]:
    """Every upload of a period (of one department), newest first."""
    sql = ("SELECT " + ", ".join(UPLOAD_FIELDS) + " FROM upload WHERE period=?"
           + (" AND department=?" if department else "") + " ORDER BY id DESC")
    return [dict(zip(UPLOAD_FIELDS, r)) for r in store.execute(sql, (period, department) if department else (period,))]


def last_uploads(store, period: str) -> dict:
    """{department: {"accepted", "errors", "warnings", "uploaded_at", "problems"}} of each one's last upload."""
    out = {}
    for dept, accepted, errors, warnings, at, problems in store.execute(
            "SELECT u.department, u.accepted, u.errors, u.warnings, u.uploaded_at, u.problems FROM upload u "
            "WHERE u.period=? AND u.id = (SELECT u2.id FROM upload u2 WHERE u2.period=u.period AND "
            "u2.department=u.department ORDER BY u2.id DESC LIMIT 1)", (period,)):
        out[dept] = {"accepted": bool(accepted), "errors": errors, "warnings": warnings, "uploaded_at": at,
                     "problems": problems}
    return out


def revisions(store, period: str, department: str) -> list[tuple[int, str, str]]:
    return list(store.execute("SELECT revision, file_name, sha256 FROM submission WHERE period=? AND department=? "
                              "ORDER BY revision", (period, department)))


def last_acceptance(store, period: str) -> str | None:
    """When a submission of the period was last accepted (UTC text), or None."""
    return store.execute("SELECT accepted_at FROM acceptance WHERE period=? ORDER BY id DESC LIMIT 1",
                         (period,)).fetchone()[0] if store.execute(
        "SELECT 1 FROM acceptance WHERE period=? LIMIT 1", (period,)).fetchone() else None


def acceptances(store, period: str, department: str) -> list[tuple[int, str]]:
    """[(revision, accepted_at)] of every acceptance, oldest first."""
    return list(store.execute("SELECT revision, accepted_at FROM acceptance WHERE period=? AND department=? "
                              "ORDER BY id", (period, department)))
