"""The history tables: every accepted submission, kept forever.

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

from dataclasses import dataclass, replace
from decimal import Decimal

from ..sources import Source
from .db import Migration, transaction

MIGRATIONS = [
    Migration("0001-submissions", legacy=1, sql="""
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
    """),
    # a submission is a whole. Each acceptance of a file (a re-sent older file
    # included) is a row, and the current submission is the one accepted last; values keep
    # the unit they were entered in (NULL: recorded before units were kept, read as the
    # catalogue's unit); the narrative rows are kept with the submission.
    Migration("0002-acceptances-units-narrative", legacy=3, sql="""
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
    """),
    # a submission's sha256 is the file's SHA-256 and nothing else (an imported
    # history file once stored «<sha>:<period>:<department>» there, a key the (period,
    # department, sha256) uniqueness already made; a row whose plain form is already there
    # keeps its old key rather than stop the store from opening)
    Migration("0003-plain-sha256", legacy=6, sql="""
    UPDATE submission SET sha256 = substr(sha256, 1, 64) WHERE length(sha256) > 64 AND sha256 LIKE '%:%'
        AND NOT EXISTS (SELECT 1 FROM submission t WHERE t.period = submission.period
                        AND t.department = submission.department AND t.sha256 = substr(submission.sha256, 1, 64));
    """),
]


@dataclass(frozen=True)
class Stored:
    """A value of a stored submission: the exact Decimal in the unit it was entered in
    (``unit``; None: recorded before units were kept), the submission's revision, the file,
    sheet and cell it was read from, when it was accepted and by which department."""
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
        """Its Source: ``store:<revision>`` in figures.json."""
        return Source.stored(self.revision)

    def converted(self, value: Decimal, unit: str) -> "Stored":
        """The same stored value expressed in another unit."""
        return replace(self, value=value, unit=unit)


@dataclass(frozen=True)
class Current:
    """A department's current submission of a period."""
    revision: int
    file_name: str
    accepted_at: str
    narrative_kept: bool


def _current_revision(store, period: str, department: str) -> int | None:
    row = store.execute("SELECT revision FROM acceptance WHERE period=? AND department=? ORDER BY id DESC LIMIT 1",
                        (period, department)).fetchone()
    return row[0] if row else None


def insert_submission(store, period: str, department: str, file_name: str, sha256: str, values: list,
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
    with transaction(store):
        return insert_submission(store, period, department, file_name, sha256, values, narrative)


def record_many(store, submissions: list) -> list[tuple[int, bool]]:
    """Several submissions in one transaction (an import): all recorded, or none."""
    with transaction(store):
        return [insert_submission(store, *sub) for sub in submissions]


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


def revisions(store, period: str, department: str) -> list[tuple[int, str, str]]:
    """Every submission of a department for a period, oldest first: [(revision, file name,
    SHA-256 of the file)]."""
    return list(store.execute("SELECT revision, file_name, sha256 FROM submission WHERE period=? AND department=? "
                              "ORDER BY revision", (period, department)))


def current_files(store, period: str) -> dict:
    """{department: (revision, sha256, accepted_at)} of each department's current submission."""
    return {dept: (rev, sha, at) for dept, rev, at, sha in store.execute(
        f"SELECT c.department, c.revision, c.accepted_at, s.sha256 FROM ({_CURRENT}) c "
        f"JOIN submission s ON s.revision = c.revision", (period,))}


def last_acceptance(store, period: str) -> str | None:
    """When a submission of the period was last accepted (UTC text), or None."""
    return store.execute("SELECT accepted_at FROM acceptance WHERE period=? ORDER BY id DESC LIMIT 1",
                         (period,)).fetchone()[0] if store.execute(
        "SELECT 1 FROM acceptance WHERE period=? LIMIT 1", (period,)).fetchone() else None


def acceptances(store, period: str, department: str) -> list[tuple[int, str]]:
    """[(revision, accepted_at)] of every acceptance, oldest first."""
    return list(store.execute("SELECT revision, accepted_at FROM acceptance WHERE period=? AND department=? "
                              "ORDER BY id", (period, department)))
