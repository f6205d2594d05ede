"""No silent wrong number: a submission is a whole, units never cross unconverted, percent
cells, January, directions in the narrative, one message per cause — each on real workbooks,
with the expected figures worked out here, not by the code under test."""
from __future__ import annotations

import json
import shutil
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from generator import cli, pipeline, store as storage
from generator.problems import InputError
from generator.settings import package_templates

from .conftest import GOOD_VALUES, SMALL_INDICATORS, fill, make_templates, row_of

CT, NN = "so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"
AREA_ROW = "NN_DT,Diện tích gieo trồng,{unit},so-nong-nghiep,cộng dồn,{dec},{dec},1,1,,kế hoạch,,,,,,,,II.1.1"


def ctx_for(tmp_path, period, templates):
    return pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates, tmp_path / "db.sqlite")


def indicators(got) -> dict:
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    return {i["code"]: i for i in doc["indicators"]}


def docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        # the words as read (a number's non-breaking space before its unit read as a space)
        return z.read("word/document.xml").decode("utf-8").replace("\u00a0", " ")


def codes_of(problems, code):
    return [p for p in problems if p.code == code]


def pct(a, b, places=1) -> str:
    """a / b in percent, half up, Vietnamese decimal comma — worked out independently."""
    q = (Decimal(a) / Decimal(b) * 100).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    return f"{q}".replace(".", ",") + "%"


@pytest.fixture
def templates(tmp_path):
    return make_templates(tmp_path / "templates")


def fill_good(ctx, narrative=None):
    fill(ctx.period_inputs / CT, GOOD_VALUES, narrative)
    fill(ctx.period_inputs / NN, GOOD_VALUES)


# 1. a submission is a whole

def test_a_cleared_value_is_blank_on_every_build(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    first = indicators(pipeline.build(ctx))
    assert first["XNK_TONG"]["text"]["cumulative"] == "2.945"
    fill(ctx.period_inputs / CT, {"XNK_TONG": {"F": None}})  # the department clears the cell and re-sends
    for _ in range(2):  # the first build and the second agree: the old value is never printed
        with pytest.raises(InputError) as e:
            pipeline.build(ctx)
        bad = codes_of(e.value.problems, "required-empty")
        assert [(p.file, p.cell, p.indicator) for p in bad] == [(CT, "F2", "XNK_TONG")]


def test_an_optional_value_cleared_stays_blank(tmp_path):
    optional = SMALL_INDICATORS.replace("NN_HOP,Cuộc họp,cuộc họp,so-nong-nghiep,cộng dồn,0,0,,,,,,",
                                        "NN_HOP,Cuộc họp,cuộc họp,so-nong-nghiep,cộng dồn,0,0,,,,,không,")
    templates = make_templates(tmp_path / "templates", indicators=optional)
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    assert indicators(pipeline.build(ctx))["NN_HOP"]["values"]["cumulative"] == 16
    fill(ctx.period_inputs / NN, {"NN_HOP": {"F": None}})
    for _ in range(2):
        got = indicators(pipeline.build(ctx))
        assert got["NN_HOP"]["values"].get("cumulative") is None
        assert "cumulative" not in got["NN_HOP"]["text"]


def test_resending_an_older_file_makes_it_current_again(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    path = ctx.period_inputs / CT
    pipeline.check(ctx)
    first = path.read_bytes()
    fill(path, {"XNK_TONG": {"E": 331, "F": 2946}})
    pipeline.check(ctx)
    path.write_bytes(first)          # the department sends its first file again, byte for byte
    got = indicators(pipeline.build(ctx))
    assert got["XNK_TONG"]["values"]["cumulative"] == 2945
    store = storage.open_store(ctx.db)
    try:
        assert storage.submissions.latest(store, "2023-08")["XNK_TONG"]["cumulative"].value == 2945
        assert [r for r, _ in storage.submissions.acceptances(store, "2023-08", "so-cong-thuong")] == [1, 3, 1]
    finally:
        store.close()
    rows = pipeline.history_series(ctx, "XNK_TONG")
    assert rows[0]["cumulative"] == 2945


# 2. a department whose workbook left the folder

def test_missing_workbook_uses_the_whole_stored_submission_with_its_narrative(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx, narrative=[("II.1.2", "Kim ngạch xuất nhập khẩu ước đạt {XNK_TONG:cau}.")])
    pipeline.check(ctx)
    (ctx.period_inputs / CT).unlink()
    got = pipeline.build(ctx)
    assert "Kim ngạch xuất nhập khẩu ước đạt 2.945 triệu USD" in docx_text(got["paths"]["docx"])
    note = codes_of(got["warnings"], "from-store")
    assert len(note) == 1 and "Sở Công Thương" in note[0].message and "lần nộp 1" in note[0].message
    assert indicators(got)["XNK_TONG"]["sources"]["cumulative"] == "store:1"


# 3. units

def unit_catalogue(tmp_path, name, unit, dec, conversions=True):
    inds = SMALL_INDICATORS + AREA_ROW.format(unit=unit, dec=dec) + "\n"
    folder = make_templates(tmp_path / name, indicators=inds)
    if not conversions:
        (folder / "doi-don-vi.csv").write_text("Từ đơn vị,Sang đơn vị,Nhân với\n", encoding="utf-8")
    else:
        shutil.copy(package_templates() / "doi-don-vi.csv", folder / "doi-don-vi.csv")
    return folder


def july_in_hectares(tmp_path):
    old = unit_catalogue(tmp_path, "t-ha", "ha", 0)
    ctx = ctx_for(tmp_path, "2023-07", old)
    pipeline.init(ctx)
    fill_good(ctx)
    fill(ctx.period_inputs / NN, {"NN_DT": {"D": 48995, "E": 5000, "F": 37970}})
    assert not pipeline.check(ctx).has_errors
    return old


def test_init_converts_a_carried_plan_into_the_new_unit(tmp_path):
    july_in_hectares(tmp_path)
    new = unit_catalogue(tmp_path, "t-nghin-ha", "nghìn ha", 3)
    ctx = ctx_for(tmp_path, "2023-08", new)
    got = pipeline.init(ctx)
    assert not got["warnings"]
    ws = load_workbook(ctx.period_inputs / NN)["Chỉ tiêu"]
    assert ws[f"D{row_of(ws, 'NN_DT')}"].value == pytest.approx(48.995)


def test_without_a_declared_conversion_init_leaves_the_plan_blank_and_check_stops(tmp_path):
    july_in_hectares(tmp_path)
    new = unit_catalogue(tmp_path, "t-nghin-ha", "nghìn ha", 3, conversions=False)
    ctx = ctx_for(tmp_path, "2023-08", new)
    got = pipeline.init(ctx)
    warn = codes_of(got["warnings"], "unit-changed")
    assert len(warn) == 1 and "«ha»" in warn[0].message and "«nghìn ha»" in warn[0].message
    ws = load_workbook(ctx.period_inputs / NN)["Chỉ tiêu"]
    r = row_of(ws, "NN_DT")
    assert ws[f"D{r}"].value is None
    fill_good(ctx)
    fill(ctx.period_inputs / NN, {"NN_DT": {"E": 5.1, "F": 43.07}})
    res = pipeline.check(ctx)
    err = codes_of(res.problems, "unit-changed")
    assert [(p.severity, p.file, p.cell) for p in err] == [("lỗi", NN, f"D{r}")]
    assert "48.995 ha" in err[0].message and "«nghìn ha»" in err[0].message and "D" in err[0].cell


def test_check_converts_a_stored_plan_and_the_percentage_is_right(tmp_path):
    july_in_hectares(tmp_path)
    new = unit_catalogue(tmp_path, "t-nghin-ha", "nghìn ha", 3)
    ctx = ctx_for(tmp_path, "2023-08", new)
    pipeline.init(ctx)
    fill_good(ctx)
    fill(ctx.period_inputs / NN, {"NN_DT": {"D": None, "E": 5.1, "F": 43.07}})  # plan left to the store
    got = indicators(pipeline.build(ctx))
    assert got["NN_DT"]["text"]["pct_plan"] == pct("43.07", "48.995") == "87,9%"
    rows = pipeline.history_series(ctx, "NN_DT")
    assert [(r["period"], r["unit"]) for r in rows] == [("2023-07", "ha"), ("2023-08", "nghìn ha")]


def test_a_workbook_of_the_old_form_is_refused_for_its_unit(tmp_path):
    july_in_hectares(tmp_path)
    new = unit_catalogue(tmp_path, "t-nghin-ha", "nghìn ha", 3)
    ctx = ctx_for(tmp_path, "2023-08", new)
    pipeline.init(ctx)
    fill_good(ctx)
    path = ctx.period_inputs / NN
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r = row_of(ws, "NN_DT")
    ws[f"C{r}"], ws[f"E{r}"], ws[f"F{r}"] = "ha", 5100, 43070
    wb.save(path)
    err = codes_of(pipeline.check(ctx).problems, "unit-column-differs")
    assert [(p.cell, p.severity) for p in err] == [(f"C{r}", "lỗi")]


# 4. cells formatted as percentages

def test_percent_formatted_cells(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    path = ctx.period_inputs / CT
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r_idx, r_x = row_of(ws, "CSSX"), row_of(ws, "XNK_TONG")
    ws[f"E{r_idx}"] = 1.0079          # typed «100,79%» in a cell formatted 0.00%
    ws[f"E{r_idx}"].number_format = "0.00%"
    ws[f"F{r_x}"] = 0.775             # typed «77,5%» where a number of million USD belongs
    ws[f"F{r_x}"].number_format = "0.0%"
    wb.save(path)
    res = pipeline.check(ctx)
    warn = [p for p in codes_of(res.problems, "percent-cell") if not p.is_error]
    err = [p for p in codes_of(res.problems, "percent-cell") if p.is_error]
    assert [(p.cell, p.indicator) for p in warn] == [(f"E{r_idx}", "CSSX")]
    assert [(p.cell, p.indicator) for p in err] == [(f"F{r_x}", "XNK_TONG")]
    assert "77,5%" in err[0].message
    assert res.figures["CSSX"].values["month"] == Decimal("100.79")


# 5. January

def test_january_cumulative_equals_the_month(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2024-01", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    fill(ctx.period_inputs / CT, {"XNK_TONG": {"E": 330, "F": 3275, "G": 300, "H": 300},
                                  "XNK_XK": {"E": 182, "F": 182, "G": 90, "H": 90},
                                  "XNK_NK": {"E": 148, "F": 148, "G": 210, "H": 210}})
    fill(ctx.period_inputs / NN, {"NN_HOP": {"E": 2, "F": 2, "G": 3, "H": 3}})
    res = pipeline.check(ctx)
    bad = codes_of(res.problems, "january-cumulative")
    assert [(p.file, p.cell, p.indicator) for p in bad] == [(CT, "F2", "XNK_TONG")]
    assert "(E2)" in bad[0].message and "(F2)" in bad[0].message
    fill(ctx.period_inputs / CT, {"XNK_TONG": {"F": 330}})
    assert not codes_of(pipeline.check(ctx).problems, "january-cumulative")


# 6. directions in the narrative

def test_direction_markup_and_the_wrong_word_warning(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    # NN_HOP: 16 this year against 15: a rise of 1; NN_TRAU 64.075 against 63.252: a rise of 823
    fill(ctx.period_inputs / NN, GOOD_VALUES, narrative=[
        ("II.1.1", "Tổ chức {NN_HOP} cuộc họp ({NN_HOP:tang_giam} cuộc), đàn trâu giảm {NN_TRAU:chenh} con.")])
    res = pipeline.check(ctx)
    warn = codes_of(res.problems, "direction-conflict")
    assert len(warn) == 1 and warn[0].indicator == "NN_TRAU"
    assert "«giảm»" in warn[0].message and "tăng 823" in warn[0].message
    got = pipeline.build(ctx)
    assert "Tổ chức 16 cuộc họp (tăng 01 cuộc)" in docx_text(got["paths"]["docx"])  # NN_HOP pads to 2 digits
    fill(ctx.period_inputs / NN, {"NN_HOP": {"H": 20}}, narrative=[("II.1.1", "Họp ({NN_HOP:tang_giam} cuộc).")])
    assert "Họp (giảm 04 cuộc)" in docx_text(pipeline.build(ctx)["paths"]["docx"])
    fill(ctx.period_inputs / NN, {"NN_HOP": {"H": 16}})
    assert "Họp (bằng cuộc)" in docx_text(pipeline.build(ctx)["paths"]["docx"])


# 7. one cause, one message

def test_a_renamed_sheet_is_one_error_and_nothing_else(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    fill(ctx.period_inputs / NN, GOOD_VALUES, narrative=[("II.1.1", "Xuất khẩu {XNK_XK:cau}, nhập khẩu {XNK_NK:dat}.")])
    wb = load_workbook(ctx.period_inputs / CT)
    wb["Chỉ tiêu"].title = "Chi tieu"
    wb.save(ctx.period_inputs / CT)
    res = pipeline.check(ctx)
    assert [(p.code, p.file) for p in res.problems] == [("sheet-missing", CT)]
    assert "hãy đổi tên đúng là «Chỉ tiêu»" in res.problems[0].message


def test_a_misspelt_header_is_one_error(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    fill(ctx.period_inputs / CT, {"XNK_TONG": {}})
    wb = load_workbook(ctx.period_inputs / CT)
    wb["Chỉ tiêu"]["F1"] = "Luỹ kê"
    wb.save(ctx.period_inputs / CT)
    res = pipeline.check(ctx)
    errors = [p for p in res.problems if p.is_error]
    assert [(p.code, p.cell) for p in errors] == [("header-missing", "F1")]
    assert not codes_of(res.problems, "markup-no-figure")


def test_numbers_identical_to_the_previous_period_are_one_warning(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    pipeline.build(ctx)
    sep = ctx_for(tmp_path, "2023-09", templates)
    pipeline.init(sep)
    fill_good(sep)
    warn = codes_of(pipeline.check(sep).problems, "same-as-previous")
    assert sorted(p.file for p in warn) == [CT, NN] and "giống hệt kỳ trước (2023-08)" in warn[0].message


def test_an_ods_submission_is_refused_for_its_format(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    (ctx.period_inputs / CT).rename(ctx.period_inputs / "so-cong-thuong.ods")
    res = pipeline.check(ctx)
    assert not codes_of(res.problems, "unknown-file")
    err = codes_of(res.problems, "wrong-format")
    assert [p.file for p in err] == ["so-cong-thuong.ods"] and "Sở Công Thương" in err[0].message
    status = next(s for s in res.statuses if s.department == "so-cong-thuong")
    assert status.status == pipeline.HAS_ERRORS


def test_check_and_build_agree_on_a_missing_department(tmp_path, templates, capsys):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    (ctx.period_inputs / NN).unlink()
    common = ["--period", "2023-08", "--inputs", str(ctx.inputs), "--out", str(ctx.out), "--templates",
              str(templates), "--db", ""]
    assert cli.main(["check", *common]) == 1
    assert cli.main(["build", *common]) == 1
    assert cli.main(["check", *common, "--allow-missing"]) == 0
    assert cli.main(["build", *common, "--allow-missing"]) == 0
    out = capsys.readouterr().out
    assert "Sở Nông nghiệp và Phát triển nông thôn" in out and "baocao init" not in out


def test_advice_to_departments_names_no_command(tmp_path, templates):
    ctx = ctx_for(tmp_path, "2023-08", templates)
    pipeline.init(ctx)
    fill_good(ctx)
    wb = load_workbook(ctx.period_inputs / CT)
    ws = wb["Chỉ tiêu"]
    ws.delete_rows(row_of(ws, "CSSX"))
    del wb["_baocao"]
    wb.save(ctx.period_inputs / CT)
    res = pipeline.check(ctx)
    assert res.problems and all("baocao " not in p.message for p in res.problems), [str(p) for p in res.problems]


# the month cycle: Aug -> Sep -> Dec -> Jan of one office, mistakes planted

def test_month_cycle_never_prints_a_wrong_number(tmp_path):
    old = unit_catalogue(tmp_path, "t-ha", "ha", 0)
    # August: all good; the area's plan in hectares
    aug = ctx_for(tmp_path, "2023-08", old)
    pipeline.init(aug)
    fill_good(aug)
    fill(aug.period_inputs / NN, {"NN_DT": {"D": 48995, "E": 5000, "F": 37970}})
    got = indicators(pipeline.build(aug))
    assert got["XNK_TONG"]["text"]["pct_plan"] == pct(2945, 3800)
    assert got["NN_DT"]["text"]["pct_plan"] == pct(37970, 48995)

    # September: init carries the plans; the department clears a carried plan (the store fills
    # it from August), then sends a file, then clears a figure and re-sends
    sep = ctx_for(tmp_path, "2023-09", old)
    pipeline.init(sep)
    ws = load_workbook(sep.period_inputs / CT)["Chỉ tiêu"]
    assert ws[f"D{row_of(ws, 'XNK_TONG')}"].value == 3800
    sep_values = {"XNK_TONG": {"D": None, "E": 350, "F": 3295, "G": 310, "H": 2039},
                  "XNK_XK": {"E": 190, "F": 1810, "G": 95, "H": 528},
                  "XNK_NK": {"E": 160, "F": 1485, "G": 215, "H": 1511},
                  "CSSX": {"E": 101.2, "F": 106.1}, "NN_TRAU": {"E": 64100, "G": 63300},
                  "NN_HOP": {"E": 1, "F": 17, "G": 2, "H": 17}, "NN_DT": {"E": 4000, "F": 41970}}
    fill(sep.period_inputs / CT, sep_values)
    fill(sep.period_inputs / NN, sep_values)
    got = indicators(pipeline.build(sep))
    assert got["XNK_TONG"]["text"]["pct_plan"] == pct(3295, 3800) and got["XNK_TONG"]["values"]["plan"] == 3800
    assert got["XNK_TONG"]["text"]["yoy_cumulative"] == "tăng " + pct(3295 - 2039, 2039)
    fill(sep.period_inputs / CT, {"XNK_TONG": {"E": None}})
    with pytest.raises(InputError) as e:
        pipeline.build(sep)
    assert [(p.code, p.cell) for p in e.value.problems if p.is_error] == [("required-empty", "E2")]

    # December: the catalogue moves the area to thousand hectares (a conversion is declared);
    # the plan carried from September is converted, not printed as 0,1%
    new = unit_catalogue(tmp_path, "t-nghin-ha", "nghìn ha", 3)
    fill(sep.period_inputs / CT, {"XNK_TONG": {"E": 350}})
    pipeline.build(sep)
    dec = ctx_for(tmp_path, "2023-12", new)
    pipeline.init(dec)
    ws = load_workbook(dec.period_inputs / NN)["Chỉ tiêu"]
    assert ws[f"D{row_of(ws, 'NN_DT')}"].value == pytest.approx(48.995)
    dec_values = dict(sep_values, XNK_TONG={"D": 3800, "E": 400, "F": 4400, "G": 380, "H": 3500},
                      XNK_XK={"E": 200, "F": 2400, "G": 100, "H": 900},
                      XNK_NK={"E": 200, "F": 2000, "G": 280, "H": 2600},
                      NN_HOP={"E": 2, "F": 22, "G": 2, "H": 21}, NN_DT={"D": None, "E": 2.5, "F": 47.5})
    fill(dec.period_inputs / CT, dec_values)
    fill(dec.period_inputs / NN, dec_values)
    got = indicators(pipeline.build(dec))
    assert got["NN_DT"]["text"]["pct_plan"] == pct("47.5", "48.995") == "96,9%"

    # January: the department adds January to December's year to date -> stopped at that cell;
    # corrected -> the right figure
    jan = ctx_for(tmp_path, "2024-01", new)
    pipeline.init(jan)
    jan_values = dict(dec_values, XNK_TONG={"D": 4200, "E": 420, "F": 4820, "G": 330, "H": 330},
                      XNK_XK={"D": 1400, "E": 220, "F": 220, "G": 182, "H": 182},
                      XNK_NK={"D": 2800, "E": 200, "F": 200, "G": 148, "H": 148},
                      NN_HOP={"E": 3, "F": 3, "G": 2, "H": 2}, NN_DT={"D": 50, "E": 3.1, "F": 3.1})
    fill(jan.period_inputs / CT, jan_values)
    fill(jan.period_inputs / NN, jan_values)
    with pytest.raises(InputError) as e:
        pipeline.build(jan)
    assert [(p.code, p.cell) for p in e.value.problems if p.is_error] == [("january-cumulative", "F2")]
    fill(jan.period_inputs / CT, {"XNK_TONG": {"F": 420}})
    got = indicators(pipeline.build(jan))
    assert got["XNK_TONG"]["text"]["pct_plan"] == pct(420, 4200)
    assert got["XNK_TONG"]["text"]["yoy_cumulative"] == "tăng " + pct(420 - 330, 330)
    assert got["NN_DT"]["text"]["pct_plan"] == pct("3.1", 50)


def test_every_problem_of_a_workbook_names_its_department_and_one_position(small):
    """A problem carries its department and one structured place: a workbook cell is an A1
    reference (kiem-tra.xlsx links it), a line of a CSV file is a line and a column."""
    from openpyxl import load_workbook as load

    from generator.outputs import write_problems_xlsx
    from generator.problems import make

    fill(small.period_inputs / CT, {"XNK_TONG": {"F": "khoảng 3 nghìn"}})
    (small.period_inputs / NN).unlink()
    res = pipeline.check(small)
    bad = [p for p in res.problems if p.file == CT]
    assert bad and {p.department for p in bad} == {"so-cong-thuong"}
    (p,) = [p for p in bad if p.code == "not-a-number"]
    assert (p.cell, p.line, p.position) == ("F2", 0, "F2")
    missing = pipeline.missing_problems(res)
    assert [m.department for m in missing] == ["so-nong-nghiep"]
    out = small.period_out / "kiem-tra.xlsx"
    csv_problem = make("indicator-kind", dict(file="chi-tieu.csv", line=8, column="Loại"), kind="x", kinds="số, tỷ lệ")
    write_problems_xlsx(out, [p, csv_problem])
    ws = load(out).active
    assert ws["D2"].value == "F2" and ws["D2"].hyperlink is not None
    assert ws["D3"].value == "dòng 8, cột Loại" and ws["D3"].hyperlink is None
    assert csv_problem.place == "chi-tieu.csv!dòng 8, cột Loại"
