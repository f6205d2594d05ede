"""A catalogue over time: the 2025-style reorganisation. Past periods rebuild unchanged, new
periods follow the new structure, values follow the indicator code across departments."""
from __future__ import annotations

import json
import shutil

from openpyxl import load_workbook

from generator import pipeline
from generator.catalogue import load_catalogue

from .conftest import GOOD_VALUES, HEADER, SMALL_INDICATORS, fill, make_templates, row_of

OLD_DEPTS = "Mã đơn vị,Tên đơn vị\nso-cong-thuong,Sở Công Thương\nso-nong-nghiep,Sở Nông nghiệp và Phát triển nông thôn\n"
NEW_DEPTS = ("Mã đơn vị,Tên đơn vị,Từ kỳ,Đến kỳ\n"
             "so-cong-thuong,Sở Công Thương,,\n"
             "so-nong-nghiep,Sở Nông nghiệp và Phát triển nông thôn,,2024-07\n"
             "so-nong-nghiep-moi-truong,Sở Nông nghiệp và Môi trường,2024-08,\n")


def moved_indicators() -> str:
    """NN_TRAU and NN_HOP leave the ended department for the merged one from 2024-08."""
    lines = SMALL_INDICATORS.strip().splitlines()
    out = [HEADER + ",Từ kỳ,Đến kỳ"]
    for line in lines[1:]:
        if ",so-nong-nghiep," in line:
            out.append(line + ",,2024-07")
            out.append(line.replace(",so-nong-nghiep,", ",so-nong-nghiep-moi-truong,") + ",2024-08,")
        else:
            out.append(line + ",,")
    return "\n".join(out) + "\n"


def ctx_for(tmp_path, period, templates):
    return pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates, tmp_path / "db.sqlite")


SEP = {"XNK_TONG": {"D": 3800, "E": 350, "F": 3295, "G": 310, "H": 2039},
       "XNK_XK": {"D": 1300, "E": 190, "F": 1810, "G": 95, "H": 528},
       "XNK_NK": {"D": 2500, "E": 160, "F": 1485, "G": 215, "H": 1511},
       "CSSX": {"E": 101.2, "F": 106.1}, "NN_TRAU": {"E": 64100, "G": 63300}, "NN_HOP": {"E": 1, "F": 17, "G": 2, "H": 17}}


def test_a_reorganisation_keeps_the_past_and_follows_the_indicators(tmp_path):
    old = make_templates(tmp_path / "old", departments=OLD_DEPTS)
    built = {}
    for period, values in (("2023-08", GOOD_VALUES), ("2023-09", SEP)):
        ctx = ctx_for(tmp_path, period, old)
        pipeline.init(ctx)
        for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):   # (II.1.1 is Sở Nông nghiệp's section)
            fill(ctx.period_inputs / name, values,
                 [("II.1.1", "Đàn trâu {NN_TRAU:cau}.")] if name == "so-nong-nghiep.xlsx" else None)
        got = pipeline.build(ctx)
        built[period] = (got["paths"]["docx"].read_bytes(), got["paths"]["figures"].read_bytes())

    # the 2025-style move, written into the catalogue with «Từ kỳ» / «Đến kỳ»
    new = make_templates(tmp_path / "new", indicators=moved_indicators(), departments=NEW_DEPTS)
    shutil.copy(old / "cai-dat.toml", new / "cai-dat.toml")   # the office's settings stay as they were
    cat, problems = load_catalogue(new)
    assert not problems, [str(p) for p in problems]
    ctx = ctx_for(tmp_path, "2023-09", new)
    got = pipeline.build(ctx)
    assert got["paths"]["docx"].read_bytes() == built["2023-09"][0]
    assert got["paths"]["figures"].read_bytes() == built["2023-09"][1]

    # a new period follows the new structure; last year's values follow the indicator
    ctx = ctx_for(tmp_path, "2024-08", new)
    made = pipeline.init(ctx)
    names = sorted(p.name for p in made["written"])
    assert names == ["so-cong-thuong.xlsx", "so-nong-nghiep-moi-truong.xlsx"]
    ws = load_workbook(ctx.period_inputs / "so-nong-nghiep-moi-truong.xlsx")["Chỉ tiêu"]
    r = row_of(ws, "NN_TRAU")
    assert ws[f"G{r}"].value == 64075          # August 2023, reported then by the ended department
    r = row_of(ws, "NN_HOP")
    assert (ws[f"G{r}"].value, ws[f"H{r}"].value) == (2, 16)
    assert load_workbook(ctx.period_inputs / "so-nong-nghiep-moi-truong.xlsx")["_baocao"]["B2"].value == \
        "so-nong-nghiep-moi-truong"
    # filled and built: the year-on-year change is computed against the old department's figures
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", SEP)
    fill(ctx.period_inputs / "so-nong-nghiep-moi-truong.xlsx", {"NN_TRAU": {"E": 65000}, "NN_HOP": {"E": 3, "F": 20}})
    doc = json.loads(pipeline.build(ctx)["paths"]["figures"].read_text(encoding="utf-8"))
    trau = next(i for i in doc["indicators"] if i["code"] == "NN_TRAU")
    assert trau["department"] == "so-nong-nghiep-moi-truong" and trau["text"]["yoy_month"] == "tăng 1,4%"

    # history names the department of each period
    rows = pipeline.history_series(ctx, "NN_TRAU")
    assert [(r["period"], r["department"]) for r in rows] == [
        ("2023-08", "so-nong-nghiep"), ("2023-09", "so-nong-nghiep"), ("2024-08", "so-nong-nghiep-moi-truong")]


def test_overlapping_ranges_and_an_ended_department_are_catalogue_errors(tmp_path):
    inds = moved_indicators().replace("so-nong-nghiep-moi-truong,thời điểm,0,,,1,,,,,có,,,,,II.1.1,2024-08,",
                                      "so-nong-nghiep-moi-truong,thời điểm,0,,,1,,,,,có,,,,,II.1.1,2024-07,")
    # and NN_HOP's old row left open: its department ends 2024-07
    inds = inds.replace("NN_HOP,Cuộc họp,cuộc họp,so-nong-nghiep,cộng dồn,0,0,,,,,,,có,2,,,,II.1.1,,2024-07",
                        "NN_HOP,Cuộc họp,cuộc họp,so-nong-nghiep,cộng dồn,0,0,,,,,,,có,2,,,,II.1.1,,")
    templates = make_templates(tmp_path / "t", indicators=inds, departments=NEW_DEPTS)
    cat, problems = load_catalogue(templates)
    got = {(p.code, p.indicator): p for p in problems}
    overlap = got[("indicator-duplicate", "NN_TRAU")]
    assert "chồng nhau" in overlap.message and overlap.position.startswith("dòng ") and not overlap.cell
    ended = got[("indicator-department-ended", "NN_HOP")]
    assert "đến kỳ 2024-07" in ended.message and ended.column == "Đơn vị báo cáo" and ended.line
