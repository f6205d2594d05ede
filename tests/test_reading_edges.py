"""Workbooks a careless clerk or a hostile insider makes, read exactly as the department saw
them or refused with a message saying what to do (issue: reading, found by trying to break it).

Every file is real: a workbook made by ``init``, filled with openpyxl, sometimes its package
rewritten the way another program writes it.
"""
from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from generator import pipeline

from .conftest import row_of, run_cli


def _formatted(path, cells: dict) -> None:
    """cells: {(code, column): (value, number format)} written into «Chỉ tiêu»."""
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    for (code, col), (value, fmt) in cells.items():
        cell = ws[f"{col}{row_of(ws, code)}"]
        cell.value = value
        cell.number_format = fmt
    wb.save(path)


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


def test_a_percent_sign_in_another_section_of_the_format_does_not_scale_the_number(filled, tmp_path):
    """Excel shows a number through the section of its format that applies to it (positive;
    negative;zero, or the first whose [condition] holds): «0.0;-0.0%» shows 100,8 as 100,8, so
    it is 100,8 — never 10.080 — while «[<2]0.0%;0.0» shows 1,008 as 100,8%."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    _formatted(path, {("CSSX", "E"): (100.8, "0.0;-0.0%"),          # shown 100,8: a plain number
                      ("CSSX", "F"): (1.0667, "[<2]0.00%;0.00"),    # shown 106,67%: a percentage
                      ("XNK_XK", "F"): (1620, "#,##0;-0%"),         # shown 1.620 triệu USD
                      ("XNK_NK", "F"): (1325, '#,##0" %"')})        # a quoted % is text, not a percentage
    res = pipeline.check(filled)
    mine = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.code == "percent-cell"]
    assert [(p.severity, p.cell) for p in mine] == [("cảnh báo", f"F{row_of(load_workbook(path)['Chỉ tiêu'], 'CSSX')}")]
    assert not [p for p in res.problems if p.is_error], [str(p) for p in res.problems if p.is_error]
    assert res.figures["CSSX"].values["month"] == Decimal("100.8")
    assert res.figures["CSSX"].values["cumulative"] == Decimal("106.67")
    assert res.figures["XNK_XK"].values["cumulative"] == 1620
    assert res.figures["XNK_NK"].values["cumulative"] == 1325
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads((tmp_path / "out" / "2023-08" / "figures.json").read_text(encoding="utf-8"))
    cssx = next(i for i in figures["indicators"] if i["code"] == "CSSX")
    assert cssx["values"]["month"] == 100.8 and cssx["values"]["cumulative"] == 106.67
    # the same format with a negative number, in an indicator not counted in %: it is shown as
    # a percentage, so it is refused (never read as the stored number)
    _formatted(path, {("XNK_XK", "F"): (-16.2, "#,##0;-0%")})
    res = pipeline.check(filled)
    assert [(p.code, p.severity) for p in res.problems if p.indicator == "XNK_XK" and p.is_error] == \
        [("percent-cell", "lỗi")]
