"""The «Ghi chú» column of «Chỉ tiêu»: what a department writes there reaches the office beside
the warnings of that indicator (the check's table, kiem-tra.xlsx, the web's verdict) and stays
in figures.json with its cell, never in the report itself."""
import json
import re
import shutil
import zipfile

import httpx
from openpyxl import load_workbook

from .conftest import ROOT, run_cli
from .web_helpers import Server, csrf_of, login, web_setup

DEPT = "so-nong-nghiep"
NOTE = "Ước tính theo điều tra tháng 7; số chính thức gửi kỳ sau"
QUIET_NOTE = "Số đã rà soát với Cục Thống kê"


def _columns(ws) -> dict:
    return {c.value: c.column_letter for c in ws[1]}


def _noted_workbook(path):
    """The sample's workbook of the department with two figures far from last year's — one
    explained in «Ghi chú», one not — and a note on a row with no warning. Returns
    {code: (row, note cell)} of the changed rows, read from the workbook's own header."""
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    col = _columns(ws)
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for code in ("NN_BO", "NN_LON"):   # this month against the same month last year: far above ±50%
        r = rows[code]
        ws[f"{col['Thực hiện tháng']}{r}"] = ws[f"{col['Cùng kỳ tháng']}{r}"].value * 3
    ws[f"{col['Ghi chú']}{rows['NN_BO']}"] = NOTE
    ws[f"{col['Ghi chú']}{rows['NN_TRAU']}"] = "  " + QUIET_NOTE + " "   # spaces around are not the note's
    wb.save(path)
    return {code: (rows[code], f"{col['Ghi chú']}{rows[code]}") for code in ("NN_BO", "NN_LON", "NN_TRAU")}


def _folder(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
    return inputs, _noted_workbook(inputs / "2023-08" / f"{DEPT}.xlsx")


def test_note_beside_its_warning_in_check_and_kiem_tra(tmp_path):
    inputs, cells = _folder(tmp_path)
    out = tmp_path / "build"
    got = run_cli("check", "--period", "2023-08", "--inputs", inputs, "--out", out, "--db", "")
    assert got.returncode == 0, got.stdout + got.stderr
    lines = got.stdout.splitlines()
    bo = next(i for i, line in enumerate(lines) if "[NN_BO]" in line)
    assert lines[bo + 1].split() == ["Ghi", "chú", "của", "đơn", "vị:", *NOTE.split()]
    lon = next(i for i, line in enumerate(lines) if "[NN_LON]" in line)
    assert "Ghi chú của đơn vị" not in lines[lon + 1]
    assert QUIET_NOTE not in got.stdout   # a note with no problem is not a problem

    ws = load_workbook(out / "2023-08" / "kiem-tra.xlsx").active
    head = [c.value for c in ws[1]]
    assert head.index("Ghi chú của đơn vị") == head.index("Nội dung") + 1
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    bo_rows = [r for r in rows if r["Mã chỉ tiêu"] == "NN_BO"]
    assert [r["Mã lỗi"] for r in bo_rows] == ["far-from-last-year"]
    assert bo_rows[0]["Ô"] == f"{_month_column(inputs)}{cells['NN_BO'][0]}" and bo_rows[0]["Ghi chú của đơn vị"] == NOTE
    lon_rows = [r for r in rows if r["Mã chỉ tiêu"] == "NN_LON"]
    assert lon_rows and all(not r["Ghi chú của đơn vị"] for r in lon_rows)
    # another department's warnings carry nothing of this one's notes
    assert all(not r["Ghi chú của đơn vị"] for r in rows if r["Mã chỉ tiêu"] != "NN_BO")


def _month_column(inputs) -> str:
    return _columns(load_workbook(inputs / "2023-08" / f"{DEPT}.xlsx")["Chỉ tiêu"])["Thực hiện tháng"]


def test_note_kept_in_figures_json_not_printed(tmp_path):
    inputs, cells = _folder(tmp_path)
    out = tmp_path / "build"
    got = run_cli("build", "--period", "2023-08", "--inputs", inputs, "--out", out, "--db", "")
    assert got.returncode == 0, got.stdout + got.stderr
    doc = json.loads((out / "2023-08" / "figures.json").read_text(encoding="utf-8"))
    by_code = {i["code"]: i for i in doc["indicators"]}
    assert by_code["NN_BO"]["note"] == NOTE
    assert by_code["NN_BO"]["sources"]["note"] == f"{DEPT}.xlsx!Chỉ tiêu!{cells['NN_BO'][1]}"
    assert by_code["NN_TRAU"]["note"] == QUIET_NOTE
    assert by_code["NN_TRAU"]["sources"]["note"] == f"{DEPT}.xlsx!Chỉ tiêu!{cells['NN_TRAU'][1]}"
    assert "note" not in by_code["NN_LON"] and "note" not in by_code["NN_LON"]["sources"]
    docx = next((out / "2023-08").glob("BC-UBND-*.docx"))
    with zipfile.ZipFile(docx) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))
    assert "Ước tính theo điều tra" not in xml and "rà soát với Cục Thống kê" not in xml


def test_note_in_the_web_verdict(tmp_path):
    app, config = web_setup(tmp_path, remove=(DEPT,))
    source = tmp_path / "bieu.xlsx"
    shutil.copy(ROOT / "inputs" / "2023-08" / f"{DEPT}.xlsx", source)
    _noted_workbook(source)
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=300, follow_redirects=True) as c:
        login(c, DEPT)
        r = c.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                   files={"tep": (f"{DEPT}.xlsx", source.read_bytes())})
        assert r.status_code == 200 and "Đã nhận biểu" in r.text
        rows = re.findall(r"<tr class=\"canh-bao\">(.*?)</tr>", r.text, re.S)
        bo = [row for row in rows if ">NN_BO<" in row]
        assert len(bo) == 1 and "vượt ngưỡng" in bo[0]
        assert re.search(r"Ghi chú của đơn vị: " + re.escape(NOTE) + "</span></td>", bo[0])
        lon = [row for row in rows if ">NN_LON<" in row]
        assert lon and "Ghi chú của đơn vị" not in lon[0]
    # the office sees the same beside the department's warnings
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=300, follow_redirects=True) as c:
        login(c, "vanphong")
        page = c.get(f"/van-phong/2023-08/don-vi/{DEPT}")
        assert page.status_code == 200 and f"Ghi chú của đơn vị: {NOTE}" in page.text


def test_a_long_note_is_quoted_briefly_and_kept_whole(filled):
    from generator import pipeline
    from generator.outputs import figures_document
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    col = _columns(ws)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "XNK_TONG")
    long_note = ("Số ước tính của tháng, sẽ điều chỉnh khi có số chính thức của Cục Hải quan. " * 40).strip()
    ws[f"{col['Ghi chú']}{row}"] = long_note
    wb.save(path)
    res = pipeline.check(filled)
    mine = [p for p in res.problems if p.indicator == "XNK_TONG"]
    assert mine and all(p.note for p in mine)
    assert len(long_note) > 2000
    quoted = mine[0].note
    assert quoted.startswith(long_note[:400]) and len(quoted) < 600
    assert quoted.endswith(f"({len(long_note):,} ký tự)".replace(",", "."))
    doc = figures_document(filled.period, res.printed, filled.settings)
    kept = next(i for i in doc["indicators"] if i["code"] == "XNK_TONG")
    assert kept["note"] == long_note and kept["sources"]["note"] == f"so-cong-thuong.xlsx!Chỉ tiêu!{col['Ghi chú']}{row}"
    # the other indicators of the workbook carry no note
    assert all(not p.note for p in res.problems if p.indicator != "XNK_TONG")
