"""The web intake's tables: accounts, server-side sessions, the sign-in log (throttling
reads it), the upload log (every upload on record with its SHA-256) and report builds."""
from __future__ import annotations

from ..timefmt import utc_now_text
from .db import transaction
from .submissions import insert_submission

MIGRATIONS = {
    # version 2: the web intake's accounts and upload log
    2: """
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
    # version 4: the web's server-side sessions, the sign-in log (throttling reads it),
    # disabled accounts, and every upload on record with its SHA-256
    4: """
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
    5: """
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
}


ACCOUNT_FIELDS = ("username", "role", "department", "password_hash", "disabled")


def add_account(store, username: str, role: str, department: str | None, password_hash: str) -> bool:
    """A new account; False (nothing written) when the name is taken."""
    with transaction(store):
        if store.execute("SELECT 1 FROM account WHERE username=?", (username,)).fetchone():
            return False
        store.execute("INSERT INTO account (username, role, department, password_hash) VALUES (?,?,?,?)",
                      (username, role, department, password_hash))
        return True


def update_account(store, username: str, **changes) -> bool:
    """Change an account's password hash, role, department or disabled flag, and end every
    one of its sessions in the same transaction. False when there is no such account."""
    allowed = {k: v for k, v in changes.items() if k in ("role", "department", "password_hash", "disabled")}
    with transaction(store):
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


def last_signins(store) -> dict:
    """Each account's last successful sign-in (seconds since the epoch)."""
    return dict(store.execute("SELECT username, MAX(at) FROM signin WHERE outcome='ok' GROUP BY username"))


def count_accounts(store) -> int:
    return store.execute("SELECT COUNT(*) FROM account").fetchone()[0]


def create_session(store, token_hash: str, username: str, now: float) -> None:
    with transaction(store):
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
        with transaction(store):
            store.execute("UPDATE web_session SET last_seen=? WHERE token_hash=?", (now, token_hash))
    return dict(zip(ACCOUNT_FIELDS, row[1:]))


def end_session(store, token_hash: str) -> None:
    with transaction(store):
        store.execute("DELETE FROM web_session WHERE token_hash=?", (token_hash,))


def log_signin(store, at: float, username: str, address: str, outcome: str) -> None:
    with transaction(store):
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
    with transaction(store):
        running = [r[0] for r in store.execute("SELECT period FROM build_job WHERE finished_at IS NULL")]
        if period in running or len(running) >= limit:
            return None
        store.execute("INSERT INTO build_job (id, period, username, started_at) VALUES (?,?,?,?)",
                      (job, period, username, started_at))
        return job


def finish_build_job(store, job: str, finished_at: str, ok: bool, message: str, problems_json: str = "[]") -> None:
    with transaction(store):
        store.execute("UPDATE build_job SET finished_at=?, ok=?, message=?, problems=? WHERE id=?",
                      (finished_at, int(ok), message, problems_json, job))


def interrupt_build_jobs(store, finished_at: str) -> int:
    """At start: builds left running by a stopped server are closed as interrupted."""
    with transaction(store):
        return store.execute("UPDATE build_job SET finished_at=?, ok=0, message=? WHERE finished_at IS NULL",
                             (finished_at, "Máy chủ đã dừng khi đang lập báo cáo; hãy lập lại.")).rowcount


def build_job(store, job: str) -> dict | None:
    row = store.execute("SELECT " + ", ".join(BUILD_FIELDS) + " FROM build_job WHERE id=?", (job,)).fetchone()
    return dict(zip(BUILD_FIELDS, row)) if row else None


def _log_upload(store, period, department, username, accepted, errors, warnings, problems_json,
                sha256=None, size=None, file_name=None, revision=None) -> int:
    cur = store.execute("INSERT INTO upload (period, department, username, accepted, errors, warnings, problems, "
                        "sha256, size, file_name, revision, uploaded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (period, department, username, int(accepted), errors, warnings, problems_json,
                         sha256, size, file_name, revision, utc_now_text()))
    return cur.lastrowid


def log_upload(store, period: str, department: str, username: str, accepted: bool, errors: int, warnings: int,
               problems_json: str, **extra) -> int:
    with transaction(store):
        return _log_upload(store, period, department, username, accepted, errors, warnings, problems_json, **extra)


def accept_upload(store, period: str, department: str, username: str, move, submissions: list, event: dict) -> int:
    """One transaction for an accepted upload: the submissions to record (a file already in
    place but never recorded first, then the upload), ``move()`` putting the file in place
    atomically, and the upload event with the new revision. Returns the event's id."""
    with transaction(store):
        rev = None
        for sub in submissions:
            rev, _ = insert_submission(store, *sub)
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
