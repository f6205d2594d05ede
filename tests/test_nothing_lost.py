"""Submitted content is never dropped without a word (issue 21, points 3–7 and 17): a second
history import adds to a period, an import is checked like a workbook, a corrected earlier
month in its folder is used, a replaced folder file is archived, a build knows which
submissions it read, and ``init`` takes each plan value from wherever it is known."""
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator import pipeline
from generator.history import history_template

from .conftest import GOOD_VALUES, fill, make_templates, row_of, run_cli


@pytest.fixture
def office(tmp_path):
    """An office folder with the small catalogue; commands run inside it like a clerk's."""
    make_templates(tmp_path / "templates")
    for name in ("inputs", "data", "build"):
        (tmp_path / name).mkdir()
    return tmp_path


def cli(office, *args):
    return run_cli(*args, "--templates", office / "templates", "--db", office / "data" / "baocao.sqlite",
                   *(("--inputs", office / "inputs", "--out", office / "build") if args[0] not in (
                       "import-history", "history") else ()), cwd=office)


def history_file(office, name: str, rows: list) -> Path:
    """An import-history workbook made by the real ``--template``, filled with rows
    [period, code, plan, month, cumulative] as an office would type them."""
    path = office / name
    assert cli(office, "import-history", path, "--template").returncode == 0
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    for period, code, plan, month, cum, *more in rows:
        r = code_row(ws, code)
        if ws.cell(r, 1).value:       # the template has one row per indicator: a second period is a new row
            r = ws.max_row + 1
            ws.cell(r, 2).value = code
        ws.cell(r, 1).value = period
        for col, v in {"E": plan, "F": month, "G": cum, **(more[0] if more else {})}.items():
            ws[f"{col}{r}"] = v
    wb.save(path)
    return path


def code_row(ws, code: str) -> int:
    """The row of an indicator in an import-history sheet (its code in column B)."""
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == code)


def store_rows(office) -> list:
    with sqlite3.connect(office / "data" / "baocao.sqlite") as c:
        return [c.execute("SELECT * FROM submission ORDER BY revision").fetchall(),
                c.execute("SELECT * FROM value ORDER BY revision, indicator, measure").fetchall(),
                c.execute("SELECT * FROM acceptance ORDER BY id").fetchall()]


def history_row(stdout: str, period: str) -> list:
    line = next(ln for ln in stdout.splitlines() if ln.startswith(period))
    return line.split()


# ---- point 3: a second import of the same period and department adds, never replaces ----

def test_a_second_history_file_of_a_period_adds_to_it(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729),
                                                ("2022-08", "XNK_XK", None, 90, 433)])
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_NK", 2000, 210, 1296)])
    assert cli(office, "import-history", first).returncode == 0
    proc = cli(office, "import-history", second)
    assert proc.returncode == 0, proc.stderr
    assert "gộp" in proc.stdout
    # every value of both files is the period's
    for code, month, cum in (("XNK_TONG", "300", "1.729"), ("XNK_XK", "90", "433"), ("XNK_NK", "210", "1.296")):
        shown = cli(office, "history", code)
        assert shown.returncode == 0, shown.stderr
        row = history_row(shown.stdout, "2022-08")
        assert month in row and cum in row, (code, shown.stdout)
    # a new period's blanks carry last year's values of both files
    assert cli(office, "init", "--period", "2023-08").returncode == 0
    ws = load_workbook(office / "inputs" / "2023-08" / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    got = {code: (ws[f"G{row_of(ws, code)}"].value, ws[f"H{row_of(ws, code)}"].value)
           for code in ("XNK_TONG", "XNK_XK", "XNK_NK")}
    assert got == {"XNK_TONG": (300, 1729), "XNK_XK": (90, 433), "XNK_NK": (210, 1296)}
    # the same files again add nothing
    before = store_rows(office)
    for f in (first, second):
        again = cli(office, "import-history", f)
        assert again.returncode == 0 and "Không có gì mới" in again.stdout
    assert store_rows(office) == before


def test_a_value_given_twice_with_another_number_names_both_and_writes_nothing(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729)])
    assert cli(office, "import-history", first).returncode == 0
    before = store_rows(office)
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_TONG", 3000, 301, None),
                                                 ("2022-08", "XNK_NK", 2000, 210, 1296)])
    proc = cli(office, "import-history", second)
    assert proc.returncode == 1
    ws = load_workbook(second)["Chỉ tiêu"]
    r1, r2 = code_row(load_workbook(first)["Chỉ tiêu"], "XNK_TONG"), code_row(ws, "XNK_TONG")
    msg = next(ln for ln in proc.stderr.splitlines() if "XNK_TONG" in ln and "hai lần" in ln)
    assert f"ls-2.xlsx!Chỉ tiêu!F{r2}" in msg and f"ls-1.xlsx!Chỉ tiêu!F{r1}" in msg
    assert "301" in msg and "300" in msg
    assert store_rows(office) == before


def test_an_import_never_changes_a_period_whose_workbook_is_in_its_folder(office):
    ctx = pipeline.open_context("2023-08", office / "inputs", office / "build", office / "templates",
                                office / "data" / "baocao.sqlite")
    pipeline.init(ctx)
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", {**GOOD_VALUES, "XNK_NK": {"D": 2500, "E": 148, "F": 1325}})
    fill(ctx.period_inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert not pipeline.check(ctx).has_errors
    before = store_rows(office)
    # the same numbers and one the workbook left blank (last year's month)
    extra = history_file(office, "them.xlsx", [("2023-08", "XNK_NK", 2500, 148, 1325, {"H": 210})])
    proc = cli(office, "import-history", extra)
    assert proc.returncode == 1 and "2023-08/so-cong-thuong.xlsx" in proc.stderr
    assert store_rows(office) == before


# ---- point 17: an import runs the checks of `check` and refuses, writing nothing ----

def test_import_history_refuses_what_check_refuses(office):
    ok = history_file(office, "ok.xlsx", [("2022-07", "XNK_TONG", 3000, 280, 1400)])
    assert cli(office, "import-history", ok).returncode == 0
    before = store_rows(office)
    bad = history_file(office, "sai.xlsx", [("2022-08", "XNK_TONG", 3000, -5, 1395),          # negative
                                            ("2022-08", "NN_HOP", None, Decimal("2.5"), 16),   # not an integer
                                            ("2022-08", "XNK_XK", 1300, 182, 100)])           # cumulative < month
    proc = cli(office, "import-history", bad)
    assert proc.returncode == 1, proc.stdout
    ws = load_workbook(bad)["Chỉ tiêu"]
    lines = proc.stderr.splitlines()

    def line_at(cell):
        return next((ln for ln in lines if f"Chỉ tiêu!{cell} " in ln), "")
    assert "số âm" in line_at(f"F{code_row(ws, 'XNK_TONG')}")
    assert "số nguyên" in line_at(f"F{code_row(ws, 'NN_HOP')}")
    assert "nhỏ hơn" in line_at(f"G{code_row(ws, 'XNK_XK')}")
    assert "chưa ghi gì" in proc.stderr
    assert store_rows(office) == before


def test_an_imported_part_is_checked_with_what_the_period_already_holds(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, None)])
    assert cli(office, "import-history", first).returncode == 0
    before = store_rows(office)
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_TONG", None, None, 250)])
    proc = cli(office, "import-history", second)
    assert proc.returncode == 1 and "nhỏ hơn số thực hiện tháng (300)" in proc.stderr
    assert store_rows(office) == before


# ---- point 7: init takes each prefilled value from wherever it is known ----

def test_init_takes_each_value_from_the_store_or_else_the_earlier_workbooks(office):
    # last year's August is known only from an imported history, with XNK_TONG's plan of
    # this year's June; this year's July is a workbook never recorded (no check was run)
    imported = history_file(office, "ls.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729),
                                                 ("2023-06", "XNK_TONG", 3700, 250, 2300, {"H": 240, "I": 1400})])
    assert cli(office, "import-history", imported).returncode == 0
    jul = pipeline.open_context("2023-07", office / "inputs", office / "build", office / "templates", None)
    pipeline.init(jul)
    july = {k: {c: v for c, v in cols.items() if c in "DEF"} for k, cols in GOOD_VALUES.items()}
    july["XNK_TONG"]["D"] = 3800
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(jul.period_inputs / name, july)
    assert cli(office, "init", "--period", "2023-08").returncode == 0
    ws = load_workbook(office / "inputs" / "2023-08" / "so-cong-thuong.xlsx")["Chỉ tiêu"]

    def cells(code):
        r = row_of(ws, code)
        return ws[f"D{r}"].value, ws[f"G{r}"].value, ws[f"H{r}"].value
    assert cells("XNK_TONG") == (3700, 300, 1729)        # all three from the store (the store first)
    assert cells("XNK_XK") == (1300, None, None)          # the plan the July workbook carries
    assert cells("XNK_NK") == (2500, None, None)
