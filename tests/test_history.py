"""The history store: two years end to end, re-submission, failed imports, cross-period warnings."""
import json
import sqlite3

import pytest
from openpyxl import load_workbook

from generator import pipeline, store as storage
from generator.sources import Entered
from generator.problems import InputError

from .conftest import GOOD_VALUES, fill, make_templates, row_of, run_cli


def ctx_for(tmp_path, period, templates):
    return pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates, tmp_path / "db.sqlite")


def store_content(path) -> list:
    """The store's rows, to compare its content before and after."""
    with sqlite3.connect(path) as c:
        return [c.execute("SELECT * FROM submission ORDER BY revision").fetchall(),
                c.execute("SELECT * FROM value ORDER BY revision, indicator, measure").fetchall(),
                c.execute("SELECT * FROM acceptance ORDER BY id").fetchall()]


@pytest.fixture
def templates(tmp_path):
    return make_templates(tmp_path / "templates")


def test_schema_is_versioned(tmp_path):
    store = storage.open_store(tmp_path / "x.sqlite")
    assert storage.applied(store) == {(part, m.name) for part, m in storage.migrations()}
    assert store.execute("PRAGMA user_version").fetchone()[0] == storage.NAMED
    store.close()
    store = storage.open_store(tmp_path / "x.sqlite")  # opening again migrates nothing
    assert store.execute("SELECT COUNT(*) FROM submission").fetchone()[0] == 0


def test_two_years_end_to_end(tmp_path, templates):
    # year 1: August, without last-year values
    first = {k: {c: v for c, v in cols.items() if c in "DEF"} for k, cols in GOOD_VALUES.items()}
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(ctx.period_inputs / name, first)
    assert not pipeline.check(ctx).has_errors
    pipeline.build(ctx)
    revisions = storage.submissions.revisions(storage.open_store(ctx.db), "2023-08", "so-cong-thuong")
    assert len(revisions) == 1
    rev = revisions[0][0]
    # year 2: init prefills last year's values from the store
    ctx2 = ctx_for(tmp_path, "2024-08", templates)
    pipeline.init(ctx2)
    ws = load_workbook(ctx2.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    r = row_of(ws, "XNK_TONG")
    assert (ws[f"G{r}"].value, ws[f"H{r}"].value) == (330, 2945)
    # the department clears the prefilled last-year cells: the store supplies them at build time
    this_year = {"XNK_TONG": {"D": 4000, "E": 400, "F": 3534, "G": None, "H": None},
                 "XNK_XK": {"D": 1300, "E": 200, "F": 1800}, "XNK_NK": {"D": 2700, "E": 200, "F": 1734},
                 "CSSX": {"E": 101, "F": 102}, "NN_TRAU": {"E": 65000}, "NN_HOP": {"E": 3, "F": 20}}
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(ctx2.period_inputs / name, this_year)
    got = pipeline.build(ctx2)
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    xnk = next(i for i in doc["indicators"] if i["code"] == "XNK_TONG")
    assert xnk["values"]["cumulative_last_year"] == 2945 and xnk["values"]["month_last_year"] == 330
    assert xnk["sources"]["cumulative_last_year"] == f"store:{rev}"
    assert xnk["revisions"]["cumulative_last_year"] == rev
    assert xnk["text"]["yoy_cumulative"] == "tăng 20,0%"  # 3534 / 2945
    assert xnk["sources"]["cumulative"].startswith("so-cong-thuong.xlsx!")
    trau = next(i for i in doc["indicators"] if i["code"] == "NN_TRAU")
    # left as init prefilled it from the store: the cell is the source
    assert trau["values"]["month_last_year"] == 64075 and trau["text"]["yoy_month"] == "tăng 1,4%"
    assert trau["sources"]["month_last_year"].startswith("so-nong-nghiep.xlsx!")


def test_resubmission_adds_a_revision_only_for_a_new_file(filled, tmp_path):
    ctx = pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates, tmp_path / "db.sqlite")
    pipeline.check(ctx)
    pipeline.check(ctx)  # the same files again: no new revision
    store = storage.open_store(ctx.db)
    assert len(storage.submissions.revisions(store, "2023-08", "so-cong-thuong")) == 1
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": 2950}})
    res = pipeline.check(ctx)
    revs = storage.submissions.revisions(store, "2023-08", "so-cong-thuong")
    assert len(revs) == 2 and revs[0][2] != revs[1][2]
    assert res.figures["XNK_TONG"].revisions["cumulative"] == revs[1][0]
    # the old revision is still there, unchanged
    old = store.execute("SELECT value FROM value WHERE revision=? AND indicator='XNK_TONG' AND measure='cumulative'",
                        (revs[0][0],)).fetchone()
    assert old == ("2945",)
    # a workbook with errors is not recorded
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": "abc"}})
    pipeline.check(ctx)
    assert len(storage.submissions.revisions(store, "2023-08", "so-cong-thuong")) == 2


def test_failed_import_leaves_the_store_unchanged(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    target = tmp_path / "lich-su.xlsx"
    assert run_cli("import-history", target, "--template", "--templates", templates, "--db", ctx.db).returncode == 0
    wb = load_workbook(target)
    ws = wb["Chỉ tiêu"]
    ws.append(["2022-08", "XNK_TONG", "", "", 3000, 300, 1700])
    ws.append(["2022-07", "XNK_TONG", "", "", 3000, 280, 1400])
    wb.save(target)
    proc = run_cli("import-history", target, "--templates", templates, "--db", ctx.db)
    assert proc.returncode == 0, proc.stderr
    before = store_content(ctx.db)
    assert len(before[0]) == 2
    ws.append(["2022-09", "XNK_TONG", "", "", 3000, "abc", 1900])   # a bad cell
    ws.append(["2022-13", "XNK_XK", "", "", 1000, 10, 10])            # a bad period
    ws.append(["2021-08", "XNK_NK", "", "", 1000, 10, 80])            # a good row: not recorded either
    wb.save(target)
    with pytest.raises(InputError) as e:
        pipeline.import_history(ctx, target)
    assert {p.code for p in e.value.problems} >= {"not-a-number", "bad-period"}
    assert store_content(ctx.db) == before
    proc = run_cli("import-history", target, "--templates", templates, "--db", ctx.db)
    assert proc.returncode == 1 and "chưa ghi gì" in proc.stderr
    assert store_content(ctx.db) == before


def test_import_gives_first_month_yoy_and_history_command(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    target = tmp_path / "lich-su.xlsx"
    from generator.history import history_template
    history_template(ctx.catalogue, target)
    wb = load_workbook(target)
    ws = wb["Chỉ tiêu"]
    ws.append(["2022-08", "XNK_TONG", "", "", 3000, 300, 1729])
    wb.save(target)
    pipeline.import_history(ctx, target)
    pipeline.init(ctx)
    ws = load_workbook(ctx.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    r = row_of(ws, "XNK_TONG")
    assert (ws[f"G{r}"].value, ws[f"H{r}"].value) == (300, 1729)
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(ctx.period_inputs / name, GOOD_VALUES)
    pipeline.check(ctx)
    rows = pipeline.history_series(ctx, "XNK_TONG")
    assert [r["period"] for r in rows] == ["2022-08", "2023-08"]
    assert rows[1]["text_pct_plan"] == "77,5%" and rows[1]["text_yoy"] == "tăng 70,3%"
    out = tmp_path / "xnk.csv"
    proc = run_cli("history", "XNK_TONG", "--from", "2023-01", "--export", out, "--templates", templates,
                   "--db", ctx.db)
    assert proc.returncode == 0 and "77,5%" in proc.stdout and "2022-08" not in proc.stdout
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].startswith("2023-08,so-cong-thuong,triệu USD,330,2945,3800,77.5")
    xlsx = tmp_path / "xnk.xlsx"
    assert run_cli("history", "XNK_TONG", "--export", xlsx, "--templates", templates, "--db", ctx.db).returncode == 0
    assert load_workbook(xlsx).active["A3"].value == "2023-08"


def test_cross_period_warnings(tmp_path, templates):
    jul = ctx_for(tmp_path, "2023-07", templates)
    pipeline.init(jul)
    july = {"XNK_TONG": {"D": 3800, "E": 300, "F": 2600, "G": 280, "H": 1500}}
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(jul.period_inputs / name, {**GOOD_VALUES, **july})
    assert not pipeline.check(jul).has_errors
    last_year = tmp_path / "ly.xlsx"
    from generator.history import history_template
    history_template(jul.catalogue, last_year)
    wb = load_workbook(last_year)
    wb["Chỉ tiêu"].append(["2022-08", "XNK_TONG", "", "", 3000, 300, 1729])
    wb.save(last_year)
    pipeline.import_history(jul, last_year)
    aug = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(aug)
    # cumulative 2945 ≠ 2600 + 330; plan 3900 ≠ 3800; last year's month typed 310 ≠ stored 300
    aug_values = {**GOOD_VALUES, "XNK_TONG": {"D": 3900, "E": 330, "F": 2945, "G": 310, "H": 1729}}
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(aug.period_inputs / name, aug_values)
    res = pipeline.check(aug)
    by = {p.code: p for p in res.problems if p.indicator == "XNK_TONG"}
    r = row_of(load_workbook(aug.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"], "XNK_TONG")
    jump = by["cumulative-jump"]
    assert jump.severity == "cảnh báo" and jump.cell == f"F{r}" and "lệch 15 triệu USD" in jump.message
    plan = by["plan-changed"]
    assert plan.cell == f"D{r}" and "3.900" in plan.message and "2023-07" in plan.message
    ly = by["last-year-differs"]
    assert ly.cell == f"G{r}" and "310" in ly.message and "300" in ly.message
    assert not res.has_errors


def test_a_write_that_fails_midway_is_rolled_back(tmp_path):
    from decimal import Decimal
    store = storage.open_store(tmp_path / "db.sqlite")
    storage.submissions.record(store, "2023-07", "so-cong-thuong", "a.xlsx", "sha-a", [("XNK_TONG", "month", Decimal(1), "Chỉ tiêu", "E2", "triệu USD")])
    before = store_content(tmp_path / "db.sqlite")
    good = ("2023-08", "so-cong-thuong", "b.xlsx", "sha-b", [("XNK_TONG", "month", Decimal(2), "Chỉ tiêu", "E2", "triệu USD")])
    broken = ("2023-09", "so-cong-thuong", "c.xlsx", "sha-c",
              [("XNK_TONG", "month", Decimal(3), "Chỉ tiêu", "E2", "triệu USD"),
               ("XNK_TONG", "month", Decimal(4), "Chỉ tiêu", "E3", "triệu USD")])
    with pytest.raises(sqlite3.IntegrityError):
        storage.submissions.record_many(store, [good, broken])
    assert store_content(tmp_path / "db.sqlite") == before


def test_history_speaks_of_the_same_change_as_the_report(tmp_path, templates):
    """An index with only its monthly value: the report says «tăng 0,79%», so does history."""
    from decimal import Decimal

    from generator.compute import compute
    from generator.phrases import main_change, texts
    ctx = ctx_for(tmp_path, "2023-08", templates)
    store = storage.open_store(ctx.db)
    storage.submissions.record(store, "2023-08", "so-cong-thuong", "a.xlsx", "sha-a",
             [("CSSX", "month", Decimal("100.79"), "Chỉ tiêu", "E5", "%")])
    store.close()
    figures, _ = compute(ctx.catalogue, {"CSSX": Entered({"month": Decimal("100.79")})}, ctx.settings)
    assert main_change(figures["CSSX"], texts(figures["CSSX"], ctx.settings)) == "tăng 0,79%"
    rows = pipeline.history_series(ctx, "CSSX")
    assert rows[0]["text_yoy"] == "tăng 0,79%"


def test_every_markup_word_is_explained_in_the_workbook_guide(tmp_path, templates):
    from generator.measures import MARKUP
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    ws = load_workbook(ctx.period_inputs / "so-cong-thuong.xlsx")["Hướng dẫn"]
    guide = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for m in MARKUP:
        shown = "{MÃ" + (":" + m.word if m.word else "") + "}"
        assert shown in guide and m.explain in guide, shown


def test_an_imported_file_keeps_its_own_sha256_and_old_stores_are_migrated(tmp_path, templates):
    """Each period of an imported history file is a submission whose sha256 is the file's
    SHA-256; a store written when it held «sha:period:department» is migrated, and importing
    the same file again adds no revision."""
    import hashlib
    import sqlite3
    ctx = ctx_for(tmp_path, "2023-08", templates)
    target = tmp_path / "lich-su.xlsx"
    assert run_cli("import-history", target, "--template", "--templates", templates, "--db", ctx.db).returncode == 0
    wb = load_workbook(target)
    wb["Chỉ tiêu"].append(["2022-08", "XNK_TONG", "", "", 3000, 300, 1700])
    wb["Chỉ tiêu"].append(["2022-07", "XNK_TONG", "", "", 3000, 280, 1400])
    wb.save(target)
    assert run_cli("import-history", target, "--templates", templates, "--db", ctx.db).returncode == 0
    sha = hashlib.sha256(target.read_bytes()).hexdigest()
    conn = sqlite3.connect(ctx.db)
    assert {r[0] for r in conn.execute("SELECT sha256 FROM submission")} == {sha}
    # a store from before: the composite key, and the plain-sha256 migration not yet had
    conn.execute("UPDATE submission SET sha256 = sha256 || ':' || period || ':' || department")
    conn.execute("DELETE FROM store_migration WHERE part='submissions' AND name='0003-plain-sha256'")
    conn.commit()
    conn.close()
    assert run_cli("import-history", target, "--templates", templates, "--db", ctx.db).returncode == 0
    with storage.open_store(ctx.db) as store:
        rows = list(store.execute("SELECT period, sha256 FROM submission ORDER BY period"))
        assert rows == [("2022-07", sha), ("2022-08", sha)]
        assert storage.applied(store) == {(part, m.name) for part, m in storage.migrations()}


def test_the_sha256_migration_never_stops_the_store_from_opening(tmp_path):
    """A store where an imported composite key and a plain one of the same file and period
    both exist (never made by baocao, but possible by hand) still opens: the composite row
    keeps its key, nothing is lost."""
    import sqlite3
    db = tmp_path / "db.sqlite"
    with storage.open_store(db):
        pass
    sha = "a" * 64
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO submission (period, department, file_name, sha256) VALUES ('2022-08', 'x', 'f', ?)",
                 (sha,))
    conn.execute("INSERT INTO submission (period, department, file_name, sha256) VALUES ('2022-08', 'x', 'f', ?)",
                 (sha + ":2022-08:x",))
    conn.execute("DELETE FROM store_migration WHERE part='submissions' AND name='0003-plain-sha256'")
    conn.commit()
    conn.close()
    with storage.open_store(db) as store:
        assert sorted(r[0] for r in store.execute("SELECT sha256 FROM submission")) == [sha, sha + ":2022-08:x"]
        assert storage.applied(store) == {(part, m.name) for part, m in storage.migrations()}
