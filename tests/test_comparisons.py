"""The comparisons real reports print, each recomputed here: month on month, the ratio form,
percentage points for rates. A period after August (September from a filled init)."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from generator import earlier, pipeline
from generator.narrative import Ref, print_ref

from .conftest import GOOD_VALUES, SMALL_INDICATORS, fill, make_templates

RATE_ROW = "TL_GN,Tỷ lệ giải ngân vốn đầu tư công,%,so-cong-thuong,tỷ lệ,1,1,,1,,,,,,,,,,II.1.2"
AUG = dict(GOOD_VALUES, TL_GN={"E": 6.0, "F": 48.2, "G": 5.5, "H": 47.0})
SEP = {"XNK_TONG": {"D": 3800, "E": 350, "F": 3295, "G": 310, "H": 2039},
       "XNK_XK": {"D": 1300, "E": 190, "F": 1810, "G": 95, "H": 528},
       "XNK_NK": {"D": 2500, "E": 160, "F": 1485, "G": 215, "H": 1511},
       "CSSX": {"E": 101.2, "F": 106.1}, "NN_TRAU": {"E": 64100, "G": 63300},
       "NN_HOP": {"E": 1, "F": 17, "G": 2, "H": 17}, "TL_GN": {"E": 5.1, "F": 55.3, "G": 6.0, "H": 53.1}}


def q(x, places=1) -> str:
    v = Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(v).replace(".", ",")


def two_months(tmp_path, db=True):
    templates = make_templates(tmp_path / "templates", indicators=SMALL_INDICATORS + RATE_ROW + "\n")
    out = {}
    for period, values in (("2023-08", AUG), ("2023-09", SEP)):
        ctx = pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates,
                                    tmp_path / "db.sqlite" if db else None)
        pipeline.init(ctx)
        for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
            fill(ctx.period_inputs / name, values)
        got = pipeline.build(ctx)
        out[period] = (ctx, got)
    return out


def test_month_on_month_ratio_and_plan_ratio(tmp_path):
    ctx, got = two_months(tmp_path)["2023-09"]
    res = got["check"]
    figs = res.printed
    mom = Decimal(350) / Decimal(330) * 100 - 100
    assert print_ref(Ref("XNK_TONG", "tang_tt"), figs) == f"tăng {q(mom)}% so với tháng trước"
    assert print_ref(Ref("XNK_TONG", "bang_ck"), figs) == \
        f"bằng {q(Decimal(3295) / Decimal(2039) * 100)}% so với cùng kỳ"
    assert print_ref(Ref("XNK_TONG", "bang_kh"), figs) == f"bằng {q(Decimal(3295) / Decimal(3800) * 100)}% kế hoạch"
    # a stock compares its month; 64.100 against 64.075 rounds to no change
    assert print_ref(Ref("NN_TRAU", "bang_ck"), figs) == \
        f"bằng {q(Decimal(64100) / Decimal(63300) * 100)}% so với cùng kỳ"
    assert print_ref(Ref("NN_TRAU", "tang_tt"), figs) == "tương đương tháng trước"
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    x = doc["XNK_TONG"]
    assert x["values"]["month_previous"] == 330 and x["sources"]["month_previous"].startswith("store:")
    assert abs(Decimal(str(x["derived"]["mom_month_pct"])) - mom) < Decimal("1e-9")
    assert x["text"]["mom_month"] == f"tăng {q(mom)}%"


def test_rates_move_in_percentage_points(tmp_path):
    ctx, got = two_months(tmp_path)["2023-09"]
    figs = got["check"].printed
    assert print_ref(Ref("TL_GN", "tang"), figs) == f"tăng {q(Decimal('55.3') - Decimal('53.1'))} điểm phần trăm"
    assert print_ref(Ref("TL_GN", "tang_thang"), figs) == "giảm 0,9 điểm phần trăm"
    assert print_ref(Ref("TL_GN", "tyle_tang"), figs) == "2,2 điểm phần trăm"
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    d = doc["TL_GN"]["derived"]
    assert round(d["yoy_cumulative_pp"], 6) == 2.2 and round(d["yoy_month_pp"], 6) == -0.9
    assert "yoy_cumulative_pct" not in d and "%" not in doc["TL_GN"]["text"]["yoy_cumulative"]


def test_month_on_month_from_the_previous_workbook_without_a_store(tmp_path):
    ctx, got = two_months(tmp_path, db=False)["2023-09"]
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    assert doc["XNK_TONG"]["sources"]["month_previous"] == "2023-08/so-cong-thuong.xlsx!Chỉ tiêu!E2"
    assert doc["XNK_TONG"]["text"]["mom_month"] == "tăng 6,1%"


def test_the_quarter_in_its_last_month(tmp_path):
    from generator import store as storage
    templates = make_templates(tmp_path / "templates", indicators=SMALL_INDICATORS + RATE_ROW + "\n")
    db = tmp_path / "db.sqlite"
    # last year's quarter III, imported into the store
    store = storage.open_store(db)
    for period, month in (("2022-07", 280), ("2022-08", 300), ("2022-09", 310)):
        storage.submissions.record(store, period, "so-cong-thuong", "nhap.xlsx", f"sha-{period}",
                 [("XNK_TONG", "month", Decimal(month), "Chỉ tiêu", "E2", "triệu USD")], narrative=[])
    store.close()
    jul = {k: dict(v) for k, v in AUG.items()}
    jul["XNK_TONG"] = {"D": 3800, "E": 300, "F": 2615, "G": 280, "H": 1399}
    for period, values in (("2023-07", jul), ("2023-08", AUG), ("2023-09", SEP)):
        ctx = pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates, db)
        pipeline.init(ctx)
        for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
            fill(ctx.period_inputs / name, values)
        got = pipeline.build(ctx)
    figs, st = got["check"].printed, ctx.settings
    quarter, before = 300 + 330 + 350, 280 + 300 + 310
    assert print_ref(Ref("XNK_TONG", "quy"), figs) == f"{quarter}"
    assert print_ref(Ref("XNK_TONG", "tang_quy"), figs) == \
        f"tăng {q(Decimal(quarter) / Decimal(before) * 100 - 100)}% so với cùng kỳ"
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    assert doc["XNK_TONG"]["values"]["quarter"] == quarter and doc["XNK_TONG"]["values"]["quarter_last_year"] == before
    assert "2023-07: store:" in doc["XNK_TONG"]["sources"]["quarter"]
    # a month of the quarter missing: a warning, no quarter printed
    assert not [p for p in got["warnings"] if p.code == "quarter-incomplete" and p.indicator == "XNK_TONG"]
    (tmp_path / "inputs" / "2023-07").rename(tmp_path / "thang-7")
    other = pipeline.open_context("2023-09", tmp_path / "inputs", tmp_path / "build2", templates, None)
    res = pipeline.check(other)
    # the whole month is absent: one warning for every cộng dồn indicator, not one each
    warn = [p for p in res.problems if p.code == "quarter-incomplete"]
    assert len(warn) == 1 and "2023-07" in warn[0].message, [p.message for p in warn]
    flows = [line.split(",")[1] for line in (SMALL_INDICATORS + RATE_ROW).splitlines()[1:] if ",cộng dồn," in line]
    assert f"của {len(flows)} chỉ tiêu cộng dồn" in warn[0].message and f"«{flows[0]}»" in warn[0].message
    assert print_ref(Ref("XNK_TONG", "quy"), res.printed) == st["cach_viet"]["thieu_so_lieu"]


def test_a_second_target(tmp_path):
    from openpyxl import load_workbook

    from .conftest import HEADER, SMALL_DEPTS, row_of
    rows = SMALL_INDICATORS.strip().splitlines()[1:]
    inds = "\n".join([HEADER + ",Kế hoạch khác"] + [r + "," for r in rows] + [
        "TC_THU,Thu ngân sách nhà nước,tỷ đồng,so-cong-thuong,cộng dồn,1,1,1,1,,dự toán,,,,,,,,II.1.6,"
        "dự toán HĐND tỉnh giao"]) + "\n"
    templates = make_templates(tmp_path / "templates", indicators=inds, departments=SMALL_DEPTS)
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates)
    pipeline.init(ctx)
    ws = load_workbook(ctx.period_inputs / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    assert ws["J1"].value == "Kế hoạch khác"
    r = row_of(ws, "TC_THU")
    assert ws[f"J{r}"].protection.locked is False and ws[f"J{row_of(ws, 'XNK_TONG')}"].protection.locked is True
    assert load_workbook(ctx.period_inputs / "so-nong-nghiep.xlsx")["Chỉ tiêu"]["J1"].value is None
    fill(ctx.period_inputs / "so-cong-thuong.xlsx",
         dict(GOOD_VALUES, TC_THU={"D": 7000, "J": 7100, "E": 520.5, "F": 4907.1, "G": 480, "H": 4600}))
    fill(ctx.period_inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    got = pipeline.build(ctx)
    figs = got["check"].printed
    a = q(Decimal("4907.1") / Decimal(7000) * 100)
    b = q(Decimal("4907.1") / Decimal(7100) * 100)
    assert print_ref(Ref("TC_THU", "dat2"), figs) == f"{b}%"
    sentence = print_ref(Ref("TC_THU", "cau"), figs)
    assert sentence.startswith(f"4.907,1 tỷ đồng, đạt {a}% dự toán, đạt {b}% dự toán HĐND tỉnh giao, tăng ")
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    assert doc["TC_THU"]["values"]["plan2"] == 7100 and doc["TC_THU"]["text"]["pct_plan2"] == f"{b}%"


def test_a_wrong_file_in_the_previous_folder_is_never_compared_with(tmp_path):
    import shutil
    months = two_months(tmp_path, db=False)
    ctx, _ = months["2023-09"]
    # September's workbook copied over August's by mistake: its identity says 2023-09
    shutil.copy(ctx.period_inputs / "so-cong-thuong.xlsx", tmp_path / "inputs" / "2023-08" / "so-cong-thuong.xlsx")
    earlier._EARLIER.clear()
    got = pipeline.build(ctx)
    doc = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    assert "month_previous" not in doc["XNK_TONG"]["values"] and "mom_month" not in doc["XNK_TONG"]["text"]
