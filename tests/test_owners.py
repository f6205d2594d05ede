"""Issue 22 point 3: sections have owners. A department writes narrative only in its own
sections (those of its indicators, or those ``[muc_don_vi]`` gives it); section III and another
department's section need the office's permission; writing elsewhere is an error at intake
naming the cell, the section and the department's own sections. Workbooks built here from the
sample, sent to a real uvicorn server on 127.0.0.1 as a department's account would."""
from __future__ import annotations

import csv
import dataclasses
import re
import shutil

import pytest

from generator import pipeline
from generator.problems import BaocaoError
from generator.web import create_app

from .conftest import ROOT
from .test_isolation import PERIOD, client, last_row, sample_bytes, send, text_of, with_narrative
from .web_helpers import Server, login, web_setup

YT = "so-y-te"


def with_templates(tmp_path, config, change):
    """The web's configuration with a copy of the shipped templates whose cai-dat.toml is
    ``change(text)``."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    toml = templates / "cai-dat.toml"
    toml.write_text(change(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return dataclasses.replace(config, templates=templates)


def sections_of(department: str) -> set[str]:
    """The sections of a department's indicators, read from the catalogue's CSV here."""
    with open(ROOT / "templates" / "chi-tieu.csv", encoding="utf-8-sig") as fh:
        return {r["Mục báo cáo"] for r in csv.DictReader(fh) if r["Đơn vị báo cáo"] == department and r["Mục báo cáo"]}


def words(page) -> str:
    return " ".join(text_of(page.text).split())


def test_a_department_writes_only_in_its_own_sections_unless_the_office_allows_it(tmp_path):
    mine = sections_of(YT)
    assert "II.1.3" not in mine and mine   # Sở Y tế has indicators elsewhere (II.2), none in II.1.3
    data = with_narrative(sample_bytes(YT), [("II.1.3", "Sở Y tế viết vào mục công nghiệp, thương mại."),
                                             ("III", "Sở Y tế giao nhiệm vụ tháng tới cho cả tỉnh.")])
    rows = last_row(data) - 1, last_row(data)
    app, config = web_setup(tmp_path / "a", remove=())
    with Server(app) as server, client(server) as c:
        login(c, YT)
        page = words(send(c, data))
    assert "Biểu chưa được nhận: có 2 lỗi" in page, page[:600]
    first = page[page.index(f"B{rows[0]}Đơn vị không được viết vào mục II.1.3"):][:400]
    assert "(mục của " in first and "Sở Công Thương" in first, first
    assert "hãy chuyển đoạn này sang mục của đơn vị (" + ", ".join(sorted(mine)) + ")" in first, first
    assert "[muc_don_vi]" in first
    third = page[page.index(f"B{rows[1]}Đơn vị không được viết vào mục III"):][:300]
    assert "(mục của Văn phòng" in third, third

    # the office allows Sở Y tế to write in II.1.3 (not in III): only III is refused
    config = with_templates(tmp_path / "b", config, lambda t: t.replace(
        "[muc_don_vi]\n", '[muc_don_vi]\n"II.1.3" = ["so-cong-thuong", "so-van-hoa", "so-y-te"]\n'))
    with Server(create_app(config)) as server, client(server) as c:
        login(c, YT)
        page = words(send(c, data))
        assert "Biểu chưa được nhận: có 1 lỗi" in page and f"B{rows[1]}Đơn vị không được viết vào mục III" in page
        ok = send(c, with_narrative(sample_bytes(YT), [("II.1.3", "Sở Y tế phối hợp quảng bá du lịch.")]))
        assert "Đã nhận biểu" in ok.text, words(ok)[:600]


def test_without_the_office_s_word_section_three_is_nobody_s_and_a_section_without_indicators_anyone_s(tmp_path):
    """``[muc_don_vi]`` without III nor II.DG: III refuses every department (the office has named
    no writer), II.DG (no indicator there) takes anyone's text; ``check`` says the same as the web."""
    _, config = web_setup(tmp_path, remove=())
    config = with_templates(tmp_path, config, lambda t: t.replace('"II.DG" = ["van-phong-ubnd"]\n', "").replace(
        '"III" = ["van-phong-ubnd"]\n', ""))
    data = with_narrative(sample_bytes(YT), [("II.DG", "Đánh giá chung của Sở Y tế."), ("III", "Nhiệm vụ tháng tới.")])
    (config.inputs / PERIOD / f"{YT}.xlsx").write_bytes(data)
    ctx = pipeline.open_context(PERIOD, config.inputs, tmp_path / "build", config.templates, None)
    res = pipeline.check(ctx, record=False)
    refused = [p for p in res.problems if p.code == "section-not-allowed"]
    # the sample's office writes in III (van-phong-ubnd's workbook) and is refused too now
    by = {(p.department, p.cell) for p in refused}
    assert (YT, f"B{last_row(data)}") in by
    assert all("chưa đơn vị nào được Văn phòng cho viết vào mục này" in p.message for p in refused)
    assert not any(p.department == YT and p.cell == f"B{last_row(data) - 1}" for p in res.problems if p.is_error)
    dg = [d for d, _, _ in res.narrative.get("II.DG", [])]
    assert YT in dg


def test_a_wrong_section_in_muc_don_vi_is_a_settings_error_and_a_wrong_department_is_named(tmp_path):
    _, config = web_setup(tmp_path, remove=())
    wrong = with_templates(tmp_path / "a", config, lambda t: t.replace(
        "[muc_don_vi]\n", '[muc_don_vi]\n"II.99" = ["so-y-te"]\n'))
    with pytest.raises(BaocaoError) as got:
        pipeline.open_context(PERIOD, config.inputs, tmp_path / "build", wrong.templates, None)
    assert "«II.99» không phải mục nào của [muc]" in str(got.value)
    typo = with_templates(tmp_path / "b", config, lambda t: t.replace(
        "[muc_don_vi]\n", '[muc_don_vi]\n"II.1.3" = ["so-cong-thuong", "so-y-t"]\n'))
    (config.inputs / PERIOD / f"{YT}.xlsx").write_bytes(
        with_narrative(sample_bytes(YT), [("II.1.3", "Sở Y tế viết vào mục công nghiệp.")]))
    ctx = pipeline.open_context(PERIOD, config.inputs, tmp_path / "build", typo.templates, None)
    res = pipeline.check(ctx, record=False)
    refused = {p.department: p for p in res.problems if p.code == "section-not-allowed"}
    # Sở Văn hóa writes in II.1.3 in the sample: no longer among its writers once the office lists them
    assert set(refused) == {YT, "so-van-hoa"}
    assert "«so-y-t» không phải mã đơn vị nào của danh mục" in refused[YT].message


def test_the_typed_form_offers_the_department_s_own_sections_only(tmp_path):
    app, config = web_setup(tmp_path)
    with Server(app) as server, client(server) as c:
        login(c, YT)
        page = c.get(f"/don-vi/{PERIOD}/bieu-mau").text
    offered = set(re.findall(r'name="t:([^"]+)"', page))
    assert offered == sections_of(YT), offered
