"""The web intake's tables: accounts, server-side sessions, the sign-in log (throttling
reads it), the upload log (every upload on record with its SHA-256), report builds and the
periods the office closed or reopened.

Times are UTC ISO text: ``…T…Z`` to the second where a person reads them (uploads, builds),
to the millisecond (``utc_text_ms``) where the code computes with them (sign-ins, sessions);
the functions take and give Unix times (float seconds) for those."""
from __future__ import annotations

from dataclasses import dataclass

from ..timefmt import epoch_of, utc_now_text, utc_text_ms
from .db import Migration, transaction
from .submissions import insert_submission

MIGRATIONS = [
    # the web intake's accounts and upload log
    Migration("0001-accounts-uploads", legacy=2, sql="""
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
    """),
    # the web's server-side sessions, the sign-in log (throttling reads it),
    # disabled accounts, and every upload on record with its SHA-256
    Migration("0002-sessions-signin-log", legacy=4, sql="""
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
    """),
    # the web's report builds, so a restart knows what ran
    Migration("0003-build-jobs", legacy=5, sql="""
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
    """),
    # every time UTC ISO text: an upload's time by default was the server's local time without
    # a zone (SQLite's 'utc' reads it back as that local time), sessions and sign-ins were
    # Unix times (REAL). SQLite cannot change a column's type or default, so each table is
    # made again (its ids and AUTOINCREMENT counter kept) and its rows converted.
    Migration("0004-utc-times", sql="""
    CREATE TABLE upload_utc (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        period      TEXT NOT NULL,
        department  TEXT NOT NULL,
        username    TEXT NOT NULL,
        accepted    INTEGER NOT NULL,
        errors      INTEGER NOT NULL,
        warnings    INTEGER NOT NULL,
        problems    TEXT NOT NULL,
        uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        sha256      TEXT,
        size        INTEGER,
        file_name   TEXT,
        revision    INTEGER
    );
    INSERT INTO upload_utc (id, period, department, username, accepted, errors, warnings, problems, uploaded_at,
                            sha256, size, file_name, revision)
        SELECT id, period, department, username, accepted, errors, warnings, problems,
               CASE WHEN uploaded_at LIKE '%Z' THEN uploaded_at
                    ELSE coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', uploaded_at, 'utc'), uploaded_at) END,
               sha256, size, file_name, revision
        FROM upload ORDER BY id;
    DROP TABLE upload;
    ALTER TABLE upload_utc RENAME TO upload;
    CREATE INDEX upload_period ON upload (period, department);

    CREATE TABLE web_session_utc (
        token_hash TEXT PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES account(username),
        created_at TEXT NOT NULL,
        last_seen  TEXT NOT NULL
    );
    INSERT INTO web_session_utc (token_hash, username, created_at, last_seen)
        SELECT token_hash, username, strftime('%Y-%m-%dT%H:%M:%fZ', created_at, 'unixepoch'),
               strftime('%Y-%m-%dT%H:%M:%fZ', last_seen, 'unixepoch')
        FROM web_session;
    DROP TABLE web_session;
    ALTER TABLE web_session_utc RENAME TO web_session;
    CREATE INDEX web_session_user ON web_session (username);

    CREATE TABLE signin_utc (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        username TEXT NOT NULL,
        address  TEXT NOT NULL,
        outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'throttled'))
    );
    INSERT INTO signin_utc (id, at, username, address, outcome)
        SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', at, 'unixepoch'), username, address, outcome FROM signin ORDER BY id;
    DROP TABLE signin;
    ALTER TABLE signin_utc RENAME TO signin;
    CREATE INDEX signin_user ON signin (username, at);
    CREATE INDEX signin_address ON signin (address, at);
    """),
    # the office closes a period to the departments' uploads, or reopens it (issue 22 point 7)
    Migration("0005-period-state", sql="""
    CREATE TABLE period_state (
        period      TEXT PRIMARY KEY,
        closed      INTEGER NOT NULL CHECK (closed IN (0, 1)),
        changed_by  TEXT NOT NULL,
        changed_at  TEXT NOT NULL,
        reopened_at TEXT
    );
    """),
    # sign-in throttling per (account, address) that an office command can lift (failures
    # before ``unlocked_at`` no longer count), the change-password page logged like sign-in
    # (``kind``), throttled attempts in a row aggregated (``repeats``, ``last_at``), the log
    # pruned by age; names typed that are no account (maybe a password typed into the name
    # field) are never kept in clear: those already logged are blanked
    Migration("0006-signin-per-account-and-address", sql="""
    ALTER TABLE account ADD COLUMN unlocked_at TEXT;
    ALTER TABLE signin ADD COLUMN kind TEXT NOT NULL DEFAULT 'dang-nhap';
    ALTER TABLE signin ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE signin ADD COLUMN last_at TEXT;
    CREATE INDEX signin_pair ON signin (username, address, at);
    CREATE INDEX signin_at ON signin (at);
    CREATE INDEX signin_address_id ON signin (address, kind, id);
    UPDATE signin SET username = '?' WHERE username NOT IN (SELECT username FROM account);
    """),
]


ACCOUNT_FIELDS = ("username", "role", "department", "password_hash", "disabled", "unlocked_at")
SIGNIN_KEEP_DAYS = 180   # the sign-in log keeps half a year


def _account(row) -> dict:
    """An account row as a dict; ``unlocked_at`` a Unix time (0: never unlocked)."""
    account = dict(zip(ACCOUNT_FIELDS, row))
    account["unlocked_at"] = epoch_of(account["unlocked_at"]) if account["unlocked_at"] else 0
    return account


def add_account(store, username: str, role: str, department: str | None, password_hash: str) -> bool:
    """A new account; False (nothing written) when the name is taken."""
    with transaction(store):
        if store.execute("SELECT 1 FROM account WHERE username=?", (username,)).fetchone():
            return False
        store.execute("INSERT INTO account (username, role, department, password_hash) VALUES (?,?,?,?)",
                      (username, role, department, password_hash))
        return True


def update_account(store, username: str, **changes) -> bool:
    """Change an account's password hash, role, department, disabled flag or ``unlocked_at``
    (a Unix time: failures before it no longer count), and end every one of its sessions in
    the same transaction. False when there is no such account."""
    allowed = {k: v for k, v in changes.items() if k in ("role", "department", "password_hash", "disabled",
                                                         "unlocked_at")}
    if "unlocked_at" in allowed:
        allowed["unlocked_at"] = utc_text_ms(allowed["unlocked_at"])
    with transaction(store):
        if not store.execute("SELECT 1 FROM account WHERE username=?", (username,)).fetchone():
            return False
        if allowed:
            store.execute("UPDATE account SET " + ", ".join(f"{k}=?" for k in allowed) + " WHERE username=?",
                          (*allowed.values(), username))
        store.execute("DELETE FROM web_session WHERE username=?", (username,))
        return True


def get_account(store, username: str) -> dict | None:
    """The account ``username`` as a dict of ``ACCOUNT_FIELDS`` (``disabled`` 0/1); None when
    there is none."""
    row = store.execute("SELECT username, role, department, password_hash, disabled, unlocked_at FROM account "
                        "WHERE username=?", (username,)).fetchone()
    return _account(row) if row else None


def usernames(store) -> list[str]:
    """Every account's stored name, in no particular order."""
    return [r[0] for r in store.execute("SELECT username FROM account")]


def list_accounts(store) -> list[dict]:
    """Every account ({username, role, department, disabled}), by name."""
    return [dict(zip(("username", "role", "department", "disabled"), r))
            for r in store.execute("SELECT username, role, department, disabled FROM account ORDER BY username")]


def last_signins(store) -> dict:
    """Each account's last successful sign-in (UTC ISO text)."""
    return dict(store.execute("SELECT username, MAX(at) FROM signin WHERE outcome='ok' GROUP BY username"))


def count_accounts(store) -> int:
    """How many accounts there are (0: the first office account is still to be made)."""
    return store.execute("SELECT COUNT(*) FROM account").fetchone()[0]


def create_session(store, token_hash: str, username: str, now: float) -> None:
    """Record a signed-in session: the SHA-256 of its token (never the token), the account and
    ``now`` (seconds since the epoch) as its start and last use."""
    with transaction(store):
        store.execute("INSERT INTO web_session (token_hash, username, created_at, last_seen) VALUES (?,?,?,?)",
                      (token_hash, username, utc_text_ms(now), utc_text_ms(now)))


def session_account(store, token_hash: str, now: float, idle_seconds: float) -> dict | None:
    """The account of a live session (not ended, not idle too long, account not disabled)."""
    row = store.execute("SELECT s.last_seen, a.username, a.role, a.department, a.password_hash, a.disabled, "
                        "a.unlocked_at FROM web_session s JOIN account a ON a.username = s.username WHERE s.token_hash=?",
                        (token_hash,)).fetchone()
    if row is None or epoch_of(row[0]) + idle_seconds < now or row[5]:
        return None
    if now - epoch_of(row[0]) > 60:  # refresh the idle clock at most once a minute
        with transaction(store):
            store.execute("UPDATE web_session SET last_seen=? WHERE token_hash=?", (utc_text_ms(now), token_hash))
    return _account(row[1:])


def end_session(store, token_hash: str) -> None:
    """Forget the session whose token has SHA-256 ``token_hash`` (signing out)."""
    with transaction(store):
        store.execute("DELETE FROM web_session WHERE token_hash=?", (token_hash,))


def log_signin(store, at: float, username: str, address: str, outcome: str, kind: str = "dang-nhap",
               aggregate_within: float = 0) -> None:
    """One attempt on record (``at`` a Unix time). A throttled attempt right after another
    throttled one from the same address and of the same kind (within ``aggregate_within``
    seconds), whatever the name, only counts up that row (which keeps the first name): an
    address spraying names while it waits adds one row; rows older than ``SIGNIN_KEEP_DAYS`` go."""
    with transaction(store):
        if outcome == "throttled" and aggregate_within:
            row = store.execute("SELECT id, outcome, coalesce(last_at, at) FROM signin WHERE address=? AND kind=? "
                                "ORDER BY id DESC LIMIT 1", (address, kind)).fetchone()
            if row and row[1] == "throttled" and row[2] > utc_text_ms(at - aggregate_within):
                store.execute("UPDATE signin SET repeats = repeats + 1, last_at=? WHERE id=?", (utc_text_ms(at), row[0]))
                return
        store.execute("INSERT INTO signin (at, username, address, outcome, kind) VALUES (?,?,?,?,?)",
                      (utc_text_ms(at), username, address, outcome, kind))
        store.execute("DELETE FROM signin WHERE at < ?", (utc_text_ms(at - SIGNIN_KEEP_DAYS * 86400),))


def signin_failures(store, since: float, username: str | None = None, address: str | None = None) -> list[float]:
    """Unix times of failed attempts after ``since``, oldest first: of one account from one
    address (both given; since that pair's last success), of one account from anywhere
    (``username`` alone), or from one address against any account (``address`` alone; a
    failure followed by that account's success from the same address was an honest mistake
    and does not count — another account's success never wipes it)."""
    start = utc_text_ms(since)
    if username is not None and address is not None:
        last_ok = store.execute("SELECT MAX(at) FROM signin WHERE username=? AND address=? AND outcome='ok'",
                                (username, address)).fetchone()[0]
        rows = store.execute("SELECT at FROM signin WHERE username=? AND address=? AND outcome='failed' AND at>? "
                             "ORDER BY at", (username, address, max(start, last_ok or "")))
    elif username is not None:
        rows = store.execute("SELECT at FROM signin WHERE username=? AND outcome='failed' AND at>? ORDER BY at",
                             (username, start))
    else:
        rows = store.execute(
            "SELECT f.at FROM signin f WHERE f.address=? AND f.outcome='failed' AND f.at>? AND NOT EXISTS ("
            "SELECT 1 FROM signin o WHERE o.address=f.address AND o.username=f.username AND o.outcome='ok' "
            "AND o.at>f.at) ORDER BY f.at", (address, start))
    return [epoch_of(r[0]) for r in rows]


def signins(store, limit: int = 100) -> list[tuple]:
    """(at, username, address, outcome, kind, repeats), newest first; ``at`` a Unix time."""
    return [(epoch_of(r[0]), *r[1:]) for r in store.execute(
        "SELECT at, username, address, outcome, kind, repeats FROM signin ORDER BY id DESC LIMIT ?", (limit,))]


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
    """Close the build ``job``: when (UTC ISO), whether it succeeded, its Vietnamese message and
    its problems (JSON text)."""
    with transaction(store):
        store.execute("UPDATE build_job SET finished_at=?, ok=?, message=?, problems=? WHERE id=?",
                      (finished_at, int(ok), message, problems_json, job))


def interrupt_build_jobs(store, finished_at: str) -> int:
    """At start: builds left running by a stopped server are closed as interrupted."""
    with transaction(store):
        return store.execute("UPDATE build_job SET finished_at=?, ok=0, message=? WHERE finished_at IS NULL",
                             (finished_at, "Máy chủ đã dừng khi đang lập báo cáo; hãy lập lại.")).rowcount


def build_job(store, job: str) -> dict | None:
    """The build ``job`` as a dict of ``BUILD_FIELDS``; None when there is none."""
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
    """Record an upload's outcome (accepted or not, counts of errors and warnings, its problems as
    JSON text; ``extra``: ``sha256``, ``size`` in bytes, ``file_name``, ``revision``) in its
    own transaction; returns the event's id (the receipt's number)."""
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


@dataclass(frozen=True)
class PeriodState:
    """What the office last did to a period: closed it to the departments' uploads, or reopened
    it. ``changed_at``/``reopened_at``: UTC ISO text; ``reopened_at`` None: never reopened."""
    period: str
    closed: bool
    changed_by: str
    changed_at: str
    reopened_at: str | None


def period_state(store, period: str) -> PeriodState | None:
    """The office's last decision on a period, or None (it never closed nor reopened it: the
    period follows its deadline)."""
    row = store.execute("SELECT period, closed, changed_by, changed_at, reopened_at FROM period_state WHERE period=?",
                        (period,)).fetchone()
    return PeriodState(row[0], bool(row[1]), row[2], row[3], row[4]) if row else None


def set_period_closed(store, period: str, closed: bool, username: str, at: str | None = None) -> PeriodState:
    """The office closes (``closed``) or reopens a period; ``at`` UTC ISO text (now when None).
    Reopening records ``reopened_at``; closing again keeps the last reopening on record."""
    at = at or utc_now_text()
    with transaction(store):
        store.execute("INSERT INTO period_state (period, closed, changed_by, changed_at, reopened_at) "
                      "VALUES (?,?,?,?,?) ON CONFLICT(period) DO UPDATE SET closed=excluded.closed, "
                      "changed_by=excluded.changed_by, changed_at=excluded.changed_at, "
                      "reopened_at=coalesce(excluded.reopened_at, period_state.reopened_at)",
                      (period, int(closed), username, at, None if closed else at))
    return period_state(store, period)


def uploads_since(store, department: str, since: str) -> list[str]:
    """The times (UTC ISO text) of a department's uploads since ``since``, of every period,
    accepted or refused, oldest first (the hourly quota counts them)."""
    return [r[0] for r in store.execute("SELECT uploaded_at FROM upload WHERE department=? AND uploaded_at>=? "
                                        "ORDER BY uploaded_at", (department, since))]
