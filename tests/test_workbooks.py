import hashlib
import json
import zipfile

import pytest
from openpyxl import load_workbook

from generator import pipeline
from generator.problems import InputError

from .conftest import GOOD_VALUES, fill, row_of

HEADERS = ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Kế hoạch năm", "Thực hiện tháng", "Lũy kế",
           "Cùng kỳ tháng", "Cùng kỳ lũy kế", "Ghi chú"]


def problems_for(ctx, file=None):
    res = pipeline.check(ctx)
    return [p for p in res.problems if file is None or p.file == file]


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, (code, [str(p) for p in problems])
    return found[0]


def test_init_writes_protected_workbooks(small):
    folder = small.period_inputs
    assert sorted(p.name for p in folder.iterdir()) == ["so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"]
    wb = load_workbook(folder / "so-cong-thuong.xlsx")
    assert wb.sheetnames[:3] == ["Hướng dẫn", "Chỉ tiêu", "Thuyết minh"]
    assert wb["_baocao"].sheet_state == "veryHidden"
    guide = "\n".join(str(c.value) for c in wb["Hướng dẫn"]["A"] if c.value)
    assert "Sở Công Thương" in guide and "Hạn gửi: ngày 16 tháng 8 năm 2023" in guide and "[[" in guide
    ws = wb["Chỉ tiêu"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.protection.sheet and not ws.protection.password
    r = row_of(ws, "XNK_TONG")
    assert all(not ws[f"{c}{r}"].protection.locked for c in "DEFGHI")
    assert ws[f"A{r}"].protection.locked and ws[f"B{r}"].protection.locked
    r = row_of(ws, "CSSX")  # index: no plan, no last-year columns
    assert ws[f"D{r}"].protection.locked and ws[f"G{r}"].protection.locked and not ws[f"E{r}"].protection.locked
    assert ws[f"G{r}"].fill.fgColor.rgb.endswith("D9D9D9")
    prompts = {dv.prompt for dv in ws.data_validations.dataValidation}
    assert any("không âm" in (p or "") for p in prompts)
    assert [c.value for c in wb["Thuyết minh"][1]] == ["Mục", "Nội dung"]


def test_init_never_overwrites(small, tmp_path):
    path = small.period_inputs / "so-cong-thuong.xlsx"
    fill(path, GOOD_VALUES)
    before = path.read_bytes()
    got = pipeline.init(small)
    assert got["written"] == [] and len(got["skipped"]) == 2
    got = pipeline.init(small, force=True)  # the blank one is replaced, the filled one is not
    assert [p.name for p in got["written"]] == ["so-nong-nghiep.xlsx"]
    assert path.read_bytes() == before
    assert "đã có số liệu" in dict((p.name, why) for p, why in got["skipped"])["so-cong-thuong.xlsx"]


def test_fill_check_build_figures_equal_cells(filled):
    res = pipeline.check(filled)
    assert not res.has_errors, [str(p) for p in res.problems]
    assert [s.status for s in res.statuses] == ["đã nộp", "đã nộp"]
    got = pipeline.build(filled)
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    assert doc["period"] == "2023-08"
    by = {i["code"]: i for i in doc["indicators"]}
    wb = load_workbook(filled.period_inputs / "so-cong-thuong.xlsx")
    ws = wb["Chỉ tiêu"]
    r = row_of(ws, "XNK_TONG")
    assert by["XNK_TONG"]["values"]["cumulative"] == ws[f"F{r}"].value == 2945
    assert by["XNK_TONG"]["sources"]["cumulative"] == f"so-cong-thuong.xlsx!Chỉ tiêu!F{r}"
    assert by["XNK_TONG"]["derived"]["pct_plan"] == 77.5
    assert by["XNK_TONG"]["text"]["pct_plan"] == "77,5%"
    assert by["XNK_TONG"]["department"] == "so-cong-thuong"
    for code, cols in GOOD_VALUES.items():
        src = by[code]["sources"]
        assert len(src) == len(cols), code
        for measure, place in src.items():
            file, sheet, cell = place.split("!")
            assert load_workbook(filled.period_inputs / file)[sheet][cell].value == by[code]["values"][measure]


def test_inputs_are_not_modified(filled):
    def digest():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in filled.period_inputs.iterdir()}
    before = digest()
    pipeline.check(filled)
    pipeline.build(filled)
    assert digest() == before


@pytest.mark.parametrize("cell_value, code, fragment", [
    ("abc", "not-a-number", "chứa chữ"),
    (True, "not-a-number", "đúng/sai"),
    ("#DIV/0!", "excel-error", "#DIV/0!"),
    ("1,234.5", "not-a-number", "kiểu tiếng Anh"),
    ("1.234", "ambiguous-number", "«1 nghìn 234» hoặc «1 phẩy 234»"),
])
def test_bad_cell_values(filled, cell_value, code, fragment):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, {"XNK_TONG": {"F": cell_value}})
    r = row_of(load_workbook(path)["Chỉ tiêu"], "XNK_TONG")
    p = only(problems_for(filled, "so-cong-thuong.xlsx"), code)
    assert (p.severity, p.sheet, p.cell, p.indicator) == ("lỗi", "Chỉ tiêu", f"F{r}", "XNK_TONG")
    assert fragment in p.message


def test_date_in_number_cell(filled):
    import datetime
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": datetime.date(2023, 8, 1)}})
    assert "ngày tháng" in only(problems_for(filled), "not-a-number").message


def test_percent_text_is_read_only_where_the_unit_is_percent(filled):
    """«106,7%» typed as text in an indicator counted in % is 106,7 with a warning; «77,5%» in
    an indicator counted in triệu USD is an error at its cell, never read as 77,5."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, {"CSSX": {"F": "106,7%"}})
    p = only(problems_for(filled), "text-number")
    assert p.severity == "cảnh báo" and p.indicator == "CSSX" and "bỏ dấu %" in p.message
    assert float(pipeline.check(filled).figures["CSSX"].values["cumulative"]) == 106.7
    fill(path, {"XNK_TONG": {"H": "77,5%"}})
    p = only(problems_for(filled), "percent-cell")
    r = row_of(load_workbook(path)["Chỉ tiêu"], "XNK_TONG")
    assert (p.severity, p.cell, p.indicator) == ("lỗi", f"H{r}", "XNK_TONG")
    assert "«77,5%»" in p.message and "triệu USD" in p.message
    assert pipeline.check(filled).figures["XNK_TONG"].values["cumulative_last_year"] is None


@pytest.mark.parametrize("text, value", [("1.234,5", 1234.5), ("2945", 2945), ("1 234,5", 1234.5)])
def test_text_numbers_accepted_with_warning(filled, text, value):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"H": text}})
    p = only(problems_for(filled), "text-number")
    assert p.severity == "cảnh báo" and p.cell.startswith("H") and text in p.message
    res = pipeline.check(filled)
    assert float(res.figures["XNK_TONG"].values["cumulative_last_year"]) == value


def test_structural_errors(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    ws["F1"] = "Luỹ kê"  # misspelt header
    ws["J1"] = "Thực hiện tháng"  # duplicated header
    r = row_of(ws, "XNK_NK")
    ws[f"A{r}"] = "XNK_KHAC"  # unknown code; XNK_NK now missing
    r2 = row_of(ws, "CSSX")
    ws[f"A{r2}"] = "XNK_XK"  # duplicate code; CSSX now missing
    wb.save(path)
    probs = problems_for(filled, "so-cong-thuong.xlsx")
    codes = [p.code for p in probs]
    assert only(probs, "header-duplicate").cell == "J1"
    assert any(p.code == "header-missing" and "Lũy kế" in p.message for p in probs)
    assert only(probs, "unknown-indicator").cell == f"A{r}"
    assert only(probs, "duplicate-indicator").cell == f"A{r2}"
    assert {p.indicator for p in probs if p.code == "missing-indicator"} == {"XNK_NK", "CSSX"}
    assert codes.count("header-missing") >= 1


def test_value_rules(filled):
    fill(filled.period_inputs / "so-nong-nghiep.xlsx", {"NN_TRAU": {"E": -5}, "NN_HOP": {"E": 20, "F": 10}})
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"E": None}})
    probs = problems_for(filled)
    neg = only(probs, "negative")
    assert neg.indicator == "NN_TRAU" and neg.cell.startswith("E") and neg.severity == "lỗi"
    low = only(probs, "cumulative-below-month")
    assert low.indicator == "NN_HOP" and "nhỏ hơn" in low.message
    req = only(probs, "required-empty")
    assert req.indicator == "XNK_TONG" and req.cell.startswith("E") and "Thực hiện tháng" in req.message


def test_warnings(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_NK": {"F": 1500}, "XNK_XK": {"H": 100}})
    probs = problems_for(filled)
    comp = [p for p in probs if p.code == "components-sum"]
    assert comp and comp[0].severity == "cảnh báo" and "lệch 175" in comp[0].message
    far = [p for p in probs if p.code == "far-from-last-year" and p.indicator == "XNK_XK"]
    assert far and "±50%" in far[0].message
    assert not any(p.is_error for p in probs)


def test_wrong_period_and_department(filled, tmp_path):
    folder = filled.period_inputs
    (folder / "so-nong-nghiep.xlsx").write_bytes((folder / "so-cong-thuong.xlsx").read_bytes())
    # another department's workbook: one message naming that department (not a hidden sheet's cell,
    # not one error per row)
    probs = [p for p in problems_for(filled, "so-nong-nghiep.xlsx") if p.is_error]
    assert [p.code for p in probs] == ["wrong-department"] and probs[0].sheet == ""
    assert "«Sở Công Thương»" in probs[0].message and "Sở Nông nghiệp" in probs[0].message
    wb = load_workbook(folder / "so-cong-thuong.xlsx")
    wb["_baocao"]["B1"] = "2023-07"
    wb.save(folder / "so-cong-thuong.xlsx")
    probs = [p for p in problems_for(filled, "so-cong-thuong.xlsx") if p.is_error]
    assert [p.code for p in probs] == ["wrong-period"]
    assert "tháng 7/2023" in probs[0].message and "tháng 8/2023" in probs[0].message


def test_another_departments_workbook_without_identity_is_one_message(filled):
    """Its rows all belong to one other department: one error naming it, not one per row."""
    folder = filled.period_inputs
    wb = load_workbook(folder / "so-cong-thuong.xlsx")
    del wb["_baocao"]
    wb.save(folder / "so-nong-nghiep.xlsx")
    probs = [p for p in problems_for(filled, "so-nong-nghiep.xlsx") if p.is_error]
    assert [p.code for p in probs] == ["wrong-department"] and "«Sở Công Thương»" in probs[0].message


@pytest.mark.parametrize("content, code, fragment", [
    (b"khong phai excel", "not-a-workbook", "không phải bảng tính Excel"),
    (b"PK\x03\x04truncated", "not-a-workbook", "bị cắt cụt"),
    (b"", "empty-file", "Tệp rỗng")])
def test_not_a_workbook(filled, content, code, fragment):
    (filled.period_inputs / "so-nong-nghiep.xlsx").write_bytes(content)
    res = pipeline.check(filled)
    p = only(res.problems, code)
    assert p.file == "so-nong-nghiep.xlsx" and p.severity == "lỗi" and fragment in p.message
    assert [s.status for s in res.statuses] == ["đã nộp", "có lỗi"]


def test_formula_without_cached_value(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r = row_of(ws, "XNK_TONG")
    ws[f"F{r}"] = f"=E{r}*9"
    wb.save(path)  # openpyxl writes no cached value
    p = only(problems_for(filled), "formula-no-value")
    assert p.cell == f"F{r}" and "công thức" in p.message and p.severity == "lỗi"


def test_merged_cells_hidden_rows_and_sheets(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r = row_of(ws, "XNK_XK")
    ws.merge_cells(f"G{r}:H{r}")
    ws.row_dimensions[row_of(ws, "CSSX")].hidden = True
    ws.sheet_state = "hidden"
    wb.save(path)
    probs = problems_for(filled, "so-cong-thuong.xlsx")
    merged = [p for p in probs if p.code == "merged-cell"]
    assert {p.cell for p in merged} == {f"G{r}", f"H{r}"}
    assert only(probs, "row-hidden").severity == "cảnh báo"
    assert only(probs, "sheet-hidden").severity == "cảnh báo"


def test_missing_department_and_allow_missing(filled):
    (filled.period_inputs / "so-nong-nghiep.xlsx").unlink()
    res = pipeline.check(filled)
    assert [s.status for s in res.statuses] == ["đã nộp", "chưa nộp"]
    with pytest.raises(InputError) as e:
        pipeline.build(filled)
    assert any(p.code == "not-submitted" for p in e.value.problems)
    got = pipeline.build(filled, allow_missing=True)
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    trau = next(i for i in doc["indicators"] if i["code"] == "NN_TRAU")
    assert trau["values"] == {} and trau["text"] == {}
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        assert "Đàn trâu: [chưa có số liệu]" in z.read("word/document.xml").decode("utf-8")


def test_build_refuses_errors_and_keeps_previous_output(filled):
    first = pipeline.build(filled)["paths"]["docx"]
    good = first.read_bytes()
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": "abc"}})
    with pytest.raises(InputError):
        pipeline.build(filled)
    assert first.read_bytes() == good


def test_problems_workbook(filled):
    from generator.outputs import write_problems_xlsx
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": "abc"}})
    res = pipeline.check(filled)
    target = filled.period_out / "kiem-tra.xlsx"
    write_problems_xlsx(target, res.problems)
    ws = load_workbook(target)["Kiểm tra"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert any(r[0] == "lỗi" and r[1] == "so-cong-thuong.xlsx" and r[4] == "XNK_TONG" for r in rows)
    linked = [c for c in ws["D"][1:] if c.hyperlink]
    assert linked and linked[0].hyperlink.target == "so-cong-thuong.xlsx"
    assert linked[0].hyperlink.location.startswith("'Chỉ tiêu'!F")


def test_unknown_file_in_folder(filled):
    (filled.period_inputs / "bao-cao-cu.xlsx").write_bytes(b"x")
    p = only(problems_for(filled), "unknown-file")
    assert p.severity == "cảnh báo" and p.file == "bao-cao-cu.xlsx"


def test_old_xls_submission_is_read(filled):
    """A department that saves as Excel 97-2003: same reading, same cell places."""
    import xlwt
    folder = filled.period_inputs
    src = load_workbook(folder / "so-nong-nghiep.xlsx")
    r = row_of(src["Chỉ tiêu"], "NN_TRAU")
    src["Chỉ tiêu"][f"G{r}"] = "63.252,0"  # a text number, typed the Vietnamese way
    book = xlwt.Workbook()
    for name in src.sheetnames:
        ws = src[name]
        out = book.add_sheet(name)
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.write(c.row - 1, c.column - 1, c.value)
        if ws.sheet_state != "visible":
            out.visibility = 2
    book.save(str(folder / "so-nong-nghiep.xls"))
    (folder / "so-nong-nghiep.xlsx").unlink()
    res = pipeline.check(filled)
    assert not res.has_errors, [str(p) for p in res.problems]
    fig = res.figures["NN_TRAU"]
    assert fig.values["month"] == 64075 and fig.values["month_last_year"] == 63252
    assert str(fig.sources["month"]) == f"so-nong-nghiep.xls!Chỉ tiêu!E{r}"
    warn = only(res.problems, "text-number")
    assert warn.file == "so-nong-nghiep.xls" and warn.cell == f"G{r}"


def test_init_prefills_plan_and_last_year(filled):
    """September gets August's annual plan; August next year gets this August's values as last year's."""
    sep = pipeline.open_context("2023-09", filled.inputs, filled.out, filled.templates)
    pipeline.init(sep)
    ws = load_workbook(sep.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    r = row_of(ws, "XNK_TONG")
    assert ws[f"D{r}"].value == 3800 and ws[f"E{r}"].value is None and ws[f"G{r}"].value is None
    nxt = pipeline.open_context("2024-08", filled.inputs, filled.out, filled.templates)
    pipeline.init(nxt)
    ws = load_workbook(nxt.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    assert ws[f"D{r}"].value is None  # a new year: the plan is not carried over
    assert (ws[f"G{r}"].value, ws[f"H{r}"].value) == (330, 2945)


def test_optional_value_missing_is_a_warning(tmp_path):
    from .conftest import HEADER, make_templates
    rows = HEADER + "\nX_TUYCHON,Chỉ tiêu tùy chọn,tấn,so-cong-thuong,cộng dồn,,,,,,,không,,,,,,,\n"
    t = make_templates(tmp_path / "t", rows)
    ctx = pipeline.open_context("2023-08", tmp_path / "in", tmp_path / "out", t)
    pipeline.init(ctx)
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", {"X_TUYCHON": {"E": 5}})
    res = pipeline.check(ctx)
    p = only([p for p in res.problems if p.file == "so-cong-thuong.xlsx"], "optional-empty")
    assert p.severity == "cảnh báo" and p.cell.startswith("F") and not res.has_errors
