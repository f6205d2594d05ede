"""The store's migrations: named per part, whole SQL statements, one transaction each; a store
written by the baocao of before (numbered migrations, local and Unix times) upgrades and keeps
its data with every time in UTC ISO text; a failing migration leaves the store as it was."""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
from decimal import Decimal

import pytest

from generator import store as storage
from generator.problems import BaocaoError
from generator.store.db import Migration, statements
from generator.web import auth

# The schema of the store as baocao wrote it before migrations were named per part: the shared
# ``user_version`` 1…6, copied here as it was (submissions 1, 3, 6; web 2, 4, 5).
OLD = {
    1: """
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
    3: """
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
    6: """
    UPDATE submission SET sha256 = substr(sha256, 1, 64) WHERE length(sha256) > 64 AND sha256 LIKE '%:%'
        AND NOT EXISTS (SELECT 1 FROM submission t WHERE t.period = submission.period
                        AND t.department = submission.department AND t.sha256 = substr(submission.sha256, 1, 64));
    """,
}

TOKEN = "mot-phien-cu-van-con-song"
SESSION_CREATED = 1_790_000_000.25        # 2026-09-21T14:13:20.250Z
SIGNIN_TIMES = [1_790_000_100.5, 1_790_000_101.75, 1_790_000_200.125]


@pytest.fixture
def vietnam_clock(monkeypatch):
    """The server's clock in Hà Nội (UTC+7), as a province's server is: the old default wrote
    that local time without a zone."""
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def old_store(path, version: int = 6) -> float:
    """A store as the baocao of before left it, with a submission, accounts, uploads (one with
    the local-time default, one with UTC text), a session and sign-ins. Returns the Unix time
    just before the local-time upload was written."""
    conn = sqlite3.connect(path)
    for n in range(1, version + 1):
        conn.executescript(OLD[n])
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO submission (period, department, file_name, sha256) VALUES "
                 "('2023-08', 'so-cong-thuong', 'so-cong-thuong.xlsx', ?)", ("a" * 64,))
    conn.execute("INSERT INTO value VALUES (1, 'XNK_TONG', 'month', '330.5', 'Chỉ tiêu', 'E7', 'triệu USD')")
    conn.execute("INSERT INTO acceptance (revision, period, department) VALUES (1, '2023-08', 'so-cong-thuong')")
    conn.execute("INSERT INTO account (username, role, department, password_hash) VALUES (?,?,?,?)",
                 ("so-cong-thuong", "department", "so-cong-thuong", auth.hash_password("mat-khau-thu-nghiem")))
    before = time.time()
    conn.execute("INSERT INTO upload (period, department, username, accepted, errors, warnings, problems) "
                 "VALUES ('2023-08', 'so-cong-thuong', 'so-cong-thuong', 1, 0, 2, '[]')")
    conn.execute("INSERT INTO upload (period, department, username, accepted, errors, warnings, problems, uploaded_at, "
                 "sha256) VALUES ('2023-08', 'so-cong-thuong', 'so-cong-thuong', 0, 3, 0, '[]', "
                 "'2023-09-05T02:04:00Z', ?)", ("b" * 64,))
    conn.execute("INSERT INTO web_session VALUES (?, 'so-cong-thuong', ?, ?)",
                 (hashlib.sha256(TOKEN.encode()).hexdigest(), SESSION_CREATED, time.time() - 30))
    for at, outcome in zip(SIGNIN_TIMES, ("failed", "failed", "ok")):
        conn.execute("INSERT INTO signin (at, username, address, outcome) VALUES (?, 'so-cong-thuong', '10.1.2.3', ?)",
                     (at, outcome))
    conn.commit()
    conn.close()
    return before


def iso_utc(epoch: float) -> str:
    when = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def test_a_store_of_the_old_schema_upgrades_and_keeps_its_data_in_utc(tmp_path, vietnam_clock):
    db = tmp_path / "baocao.sqlite"
    before = old_store(db)
    with sqlite3.connect(db) as conn:
        local = conn.execute("SELECT uploaded_at FROM upload WHERE id=1").fetchone()[0]
    assert not local.endswith("Z")   # what the old default wrote: Hà Nội's clock, no zone

    with storage.open_store(db) as store:
        assert storage.applied(store) == {(part, m.name) for part, m in storage.migrations()}
        assert store.execute("PRAGMA user_version").fetchone()[0] == storage.NAMED
        # the submission is whole and current
        latest = storage.submissions.latest(store, "2023-08")
        assert latest["XNK_TONG"]["month"].value == Decimal("330.5")
        assert latest["XNK_TONG"]["month"].unit == "triệu USD"
        # the local-time upload is now the UTC instant it was written at, seven hours earlier
        ups = {u["id"]: u for u in storage.web.uploads(store, "2023-08")}
        converted = ups[1]["uploaded_at"]
        assert converted.endswith("Z")
        when = dt.datetime.fromisoformat(converted.rstrip("Z")).replace(tzinfo=dt.timezone.utc).timestamp()
        assert before - 1 <= when <= time.time() + 1
        assert dt.datetime.fromisoformat(local) - dt.datetime.fromisoformat(converted.rstrip("Z")) == dt.timedelta(hours=7)
        assert (ups[1]["warnings"], ups[2]["errors"], ups[2]["sha256"]) == (2, 3, "b" * 64)
        assert ups[2]["uploaded_at"] == "2023-09-05T02:04:00Z"        # UTC already: kept as it was
        # sessions and sign-ins: UTC ISO text of the very instants they held
        (created,) = store.execute("SELECT created_at FROM web_session").fetchone()
        assert created == "2026-09-21T14:13:20.250Z" == iso_utc(SESSION_CREATED)
        ats = [r[0] for r in store.execute("SELECT at FROM signin ORDER BY id")]
        assert ats == [iso_utc(t) for t in SIGNIN_TIMES]
        assert store.execute("SELECT typeof(at) FROM signin").fetchone()[0] == "text"
        assert storage.web.last_signins(store) == {"so-cong-thuong": iso_utc(SIGNIN_TIMES[2])}
        # the sign-in throttle reads the migrated failures (those since the last success: none)
        assert storage.web.signin_failures(store, 0, address="10.1.2.3") == []
        store.execute("DELETE FROM signin WHERE outcome='ok'")
        assert storage.web.signin_failures(store, 0, address="10.1.2.3") == pytest.approx(SIGNIN_TIMES[:2], abs=0.002)
        # a new upload is numbered after the old ones and stamped in UTC by default
        store.execute("INSERT INTO upload (period, department, username, accepted, errors, warnings, problems) "
                      "VALUES ('2023-08', 'so-cong-thuong', 'so-cong-thuong', 1, 0, 0, '[]')")
        new_id, new_at = store.execute("SELECT id, uploaded_at FROM upload ORDER BY id DESC").fetchone()
        assert new_id == 3 and new_at.endswith("Z") and abs(
            dt.datetime.fromisoformat(new_at.rstrip("Z")).replace(tzinfo=dt.timezone.utc).timestamp() - time.time()) < 5
        assert store.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the session the old store held still signs its user in
    account = auth.session_account(db, TOKEN)
    assert account is not None and account["username"] == "so-cong-thuong"
    # opening again migrates nothing
    with storage.open_store(db) as store:
        assert store.execute("SELECT COUNT(*) FROM store_migration").fetchone()[0] == len(storage.migrations())


def test_a_store_of_any_old_version_upgrades(tmp_path):
    """A store left at version 2 (before sessions existed) gets every later step by name."""
    db = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(db)
    for n in (1, 2):
        conn.executescript(OLD[n])
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with storage.open_store(db) as store:
        assert storage.applied(store) == {(part, m.name) for part, m in storage.migrations()}
        assert store.execute("SELECT COUNT(*) FROM acceptance").fetchone()[0] == 0
        assert storage.web.period_state(store, "2023-08") is None


def test_a_failing_migration_leaves_the_store_at_its_old_version(tmp_path, vietnam_clock, monkeypatch):
    db = tmp_path / "baocao.sqlite"
    old_store(db)
    with sqlite3.connect(db) as conn:
        schema = sorted(conn.execute("SELECT name, sql FROM sqlite_master"))
        rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("upload", "web_session", "signin")}
    # the times migration, failing at its very last statement
    steps = [m for m in storage.web.MIGRATIONS]
    broken = next(i for i, m in enumerate(steps) if m.name == "0004-utc-times")
    steps[broken] = Migration(steps[broken].name, steps[broken].sql + "\nINSERT INTO no_such_table VALUES (1);")
    monkeypatch.setitem(storage.PARTS, "web", steps)
    with pytest.raises(BaocaoError, match="web/0004-utc-times.*giữ nguyên"):
        storage.open_store(db)
    with sqlite3.connect(db) as conn:
        # the steps before it are on record; none of its own statements stayed
        done = set(conn.execute("SELECT part, name FROM store_migration"))
        assert ("web", "0003-build-jobs") in done and ("web", "0004-utc-times") not in done
        after = sorted(r for r in conn.execute("SELECT name, sql FROM sqlite_master") if "store_migration" not in r[0])
        assert after == schema
        assert {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in rows} == rows
    # the real migrations then upgrade it
    monkeypatch.undo()
    with storage.open_store(db) as store:
        assert store.execute("SELECT typeof(created_at) FROM web_session").fetchone()[0] == "text"


def test_a_store_newer_than_the_software_is_refused(tmp_path):
    db = tmp_path / "baocao.sqlite"
    storage.open_store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO store_migration (part, name) VALUES ('web', '9999-from-the-future')")
    with pytest.raises(BaocaoError, match="mới hơn phần mềm này"):
        storage.open_store(db)
    # and one numbered beyond the old numbering, written by nothing this software knows
    db2 = tmp_path / "numbered.sqlite"
    with sqlite3.connect(db2) as conn:
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(BaocaoError, match="mới hơn phần mềm này"):
        storage.open_store(db2)


def test_statements_are_whole_sql_statements():
    script = """
    CREATE TABLE t (x TEXT);   -- a comment; with a semicolon
    INSERT INTO t VALUES ('a;b');
    CREATE TRIGGER t_copy AFTER INSERT ON t BEGIN
        INSERT INTO t SELECT 'x;' WHERE new.x = 'a;b';
        UPDATE t SET x = x || ';' WHERE x = 'x;';
    END;
    /* a closing comment; */
    """
    got = statements(script)
    assert len(got) == 3 and got[1].endswith("\n    INSERT INTO t VALUES ('a;b');") and got[2].rstrip().endswith("END;")
    conn = sqlite3.connect(":memory:")
    for stmt in got:
        conn.execute(stmt)
    conn.execute("INSERT INTO t VALUES ('a;b')")
    assert sorted(r[0] for r in conn.execute("SELECT x FROM t")) == ["a;b", "a;b", "x;;"]
    with pytest.raises(ValueError, match="unfinished"):
        statements("INSERT INTO t VALUES ('never closed);")


def test_every_migration_of_the_package_is_whole_statements():
    for part, migration in storage.migrations():
        for stmt in migration.statements():
            assert sqlite3.complete_statement(stmt), (part, migration.name, stmt)


def test_the_office_closes_and_reopens_a_period(tmp_path):
    with storage.open_store(tmp_path / "baocao.sqlite") as store:
        assert storage.web.period_state(store, "2023-08") is None
        got = storage.web.set_period_closed(store, "2023-08", True, "vanphong", "2023-09-20T01:00:00Z")
        assert (got.closed, got.changed_by, got.changed_at, got.reopened_at) == (True, "vanphong", "2023-09-20T01:00:00Z",
                                                                                  None)
        got = storage.web.set_period_closed(store, "2023-08", False, "truongphong", "2023-09-21T02:00:00Z")
        assert (got.closed, got.changed_by, got.reopened_at) == (False, "truongphong", "2023-09-21T02:00:00Z")
        got = storage.web.set_period_closed(store, "2023-08", True, "vanphong")
        assert got.closed and got.reopened_at == "2023-09-21T02:00:00Z" and got.changed_at.endswith("Z")
        assert got.changed_at > "2023-09-21T02:00:00Z"
        assert storage.web.period_state(store, "2023-07") is None
