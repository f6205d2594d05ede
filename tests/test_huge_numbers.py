"""Numbers too large to print (1E+300 typed in a cell, or a value divided by a tiny base) are
errors at intake naming the file, sheet, cell, the value and the limit, never a crash: in a
workbook (check, build), through import-history, an upload and the web form; a value just
under the limit prints to the unit."""
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from .conftest import GOOD_VALUES, fill, make_templates, row_of, run_cli
from .test_web_form import form_post, sample_fields
from .web_helpers import MISSING, csrf_of, login, web_setup

LIMIT_TEXT = "1.000.000.000.000.000"      # 10^15 written the Vietnamese way


def cli(ctx, command):
    root = ctx.period_inputs.parent.parent
    return run_cli(command, "--period", "2023-08", "--inputs", root / "inputs", "--templates", root / "templates",
                   "--out", root / "build", "--db", "")


def with_values(small, code, cells):
    values = {k: dict(v) for k, v in GOOD_VALUES.items()}
    values[code].update(cells)
    for dept in ("so-cong-thuong", "so-nong-nghiep"):
        fill(small.period_inputs / f"{dept}.xlsx", values)
    return row_of(load_workbook(small.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"], code)


def docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode()
    return re.sub(r"<[^>]+>", "", xml).replace("\u00a0", " ")


@pytest.mark.parametrize("column, value, shown", [
    ("F", 1e300, "1E+300"),                 # the colleague's case: a cumulative of 1E+300
    ("D", 1e20, "1E+20"),                   # the plan
    ("G", -1e15, "-1E+15"),                 # last year's month, at the limit exactly
    ("H", 1.5e308, "1,5E+308"),             # last year's year to date, near the largest double
    ("E", "1" + "0" * 400, "1E+400"),       # typed as text: no double holds it
])
def test_a_huge_number_in_a_cell_stops_check_and_build_with_the_cell_named(small, column, value, shown):
    row = with_values(small, "XNK_TONG", {column: value})
    for command in ("check", "build"):
        proc = cli(small, command)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        assert "không mong đợi" not in out and "Traceback" not in out
        line = next(ln for ln in out.splitlines() if f"Chỉ tiêu!{column}{row} [XNK_TONG]" in ln and "LỖI" in ln)
        assert f"ghi {shown}:" in line and "quá lớn" in line and LIMIT_TEXT in line and "triệu USD" in line, line
        assert "so-cong-thuong.xlsx" in out
        assert "dạng chữ" not in line          # one message for the cell, not «read as text» too
    assert not list((small.period_inputs.parent.parent / "build").rglob("*.docx"))


def test_a_value_just_under_the_limit_prints_to_the_unit(small):
    under = 10 ** 15 - 1
    with_values(small, "XNK_TONG", {"F": under, "H": 1729})
    proc = cli(small, "build")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    docx = next((small.period_inputs.parent.parent / "build").rglob("*.docx"))
    expected = f"{under:,}".replace(",", ".")
    assert expected == "999.999.999.999.999"
    assert expected in docx_text(docx)


def test_a_ratio_of_a_huge_by_a_tiny_value_is_an_error_naming_both_cells(small):
    row = with_values(small, "XNK_TONG", {"F": 1e14, "H": 1e-10})
    for command in ("check", "build"):
        proc = cli(small, command)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        assert "không mong đợi" not in out and "Traceback" not in out
        lines = [ln for ln in out.splitlines() if "LỖI" in ln]
        assert len(lines) == 1, out            # the change and the ratio of the same two values: one cause
        line = lines[0]
        assert "1E+26%" in line and LIMIT_TEXT in line, line
        assert f"so-cong-thuong.xlsx!Chỉ tiêu!F{row}" in line and f"so-cong-thuong.xlsx!Chỉ tiêu!H{row}" in line, line
        assert "1E-10" in line and "1E+14" in line
        assert out.count("1E+26") == 1, out     # no warning prints the huge change either


def test_import_history_refuses_a_huge_value_with_its_cell(tmp_path):
    templates = make_templates(tmp_path / "templates")
    db = tmp_path / "data" / "baocao.sqlite"
    hist = tmp_path / "lich-su.xlsx"
    proc = run_cli("import-history", hist, "--template", "--templates", templates, "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wb = load_workbook(hist)
    ws = wb["Chỉ tiêu"]
    head = {c.value: c.column_letter for c in ws[1]}
    ws.delete_rows(2, ws.max_row)
    ws[f"{head['Kỳ báo cáo']}2"] = "2022-05"
    ws[f"{head['Mã chỉ tiêu']}2"] = "NN_TRAU"
    ws[f"{head['Thực hiện tháng']}2"] = 1e300
    wb.save(hist)
    proc = run_cli("import-history", hist, "--templates", templates, "--db", db)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "không mong đợi" not in out
    assert f"{head['Thực hiện tháng']}2" in out and "1E+300" in out and LIMIT_TEXT in out, out
    proc = run_cli("history", "NN_TRAU", "--templates", templates, "--db", db)
    assert "2022-05" not in proc.stdout


def _upload(client, data: bytes):
    page = client.get("/don-vi")
    return client.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(page.text)},
                       files={"tep": ("bieu.xlsx", data, "application/octet-stream")})


def test_the_web_upload_and_the_form_say_which_cell_is_too_large(tmp_path):
    from .conftest import ROOT
    app, config = web_setup(tmp_path)
    wb = load_workbook(ROOT / "inputs" / "2023-08" / f"{MISSING}.xlsx")
    ws = wb["Chỉ tiêu"]
    col = next(c.column_letter for c in ws[1] if c.value == "Lũy kế")
    row = next(r for r in range(2, ws.max_row + 1) if isinstance(ws[f"{col}{r}"].value, (int, float)))
    ws[f"{col}{row}"] = 1e300
    buf = io.BytesIO()
    wb.save(buf)
    with TestClient(app) as c:
        login(c, MISSING)
        r = _upload(c, buf.getvalue())
        assert r.status_code in (200, 400, 422)
        assert "Biểu chưa được nhận" in r.text and f"{col}{row}" in r.text and "1E+300" in r.text, r.text[-3000:]
        assert LIMIT_TEXT in r.text and "không mong đợi" not in r.text
        assert not (config.inputs / "2023-08" / f"{MISSING}.xlsx").exists()
    # the form: a figure typed with too many digits is refused beside its field
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path / "form", remove=(dept,))
    fields = sample_fields(dept)
    key = next(k for k in fields if k.startswith("v:") and k.endswith(":cumulative"))
    fields[key] = "1" + ".000" * 7                      # 10^21, typed the Vietnamese way
    _, code, measure = key.split(":")
    with TestClient(app) as c:
        login(c, dept)
        r = form_post(c, "kiem-tra", fields)
        assert r.status_code == 200 and 'id="co-loi"' in r.text
        m = re.search(rf'<div id="vd-o-{code}-{measure}">(.*?)</div>', r.text, re.S)
        beside = re.sub(r"<[^>]+>", " ", m.group(1)) if m else ""
        assert "quá lớn" in beside and "1E+21" in beside and LIMIT_TEXT in beside, beside
        assert "không mong đợi" not in r.text


def test_the_limit_is_one_constant():
    from generator import compute
    from generator.workbooks import read, typed, validate
    assert read.MAX_MAGNITUDE == Decimal(10) ** 15
    assert compute.MAX_MAGNITUDE is read.MAX_MAGNITUDE is typed.MAX_MAGNITUDE is validate.MAX_MAGNITUDE


def test_rounding_for_print_never_fails_on_a_finite_number():
    from generator.vi_numbers import format_number, round_half_up
    huge = Decimal("1.25E+300")
    assert round_half_up(huge, 1) == huge
    expected = f"{125 * 10 ** 298:,}".replace(",", ".") + ",0"
    assert format_number(huge, 1) == expected
    assert format_number(Decimal("1E-300"), 2) == "0,00"
