"""The annex («Phụ lục»): the landscape section of the DOCX and the workbook. Every number is
read back from the real files and compared with figures.json, which the report prints."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from lxml import etree
from openpyxl import load_workbook

from generator import pipeline
from generator.problems import InputError

from .conftest import (GOOD_VALUES, HEADER, REFCHECK, REFERENCE, ROOT, SMALL_INDICATORS, fill, make_templates,
                       require_program, require_shared)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
COLUMNS = ("plan", "month", "cumulative", "pct_plan", "ratio_month", "ratio_cumulative")
VALUE_OF = {"plan": ("values", "plan"), "month": ("values", "month"), "cumulative": ("values", "cumulative"),
            "pct_plan": ("derived", "pct_plan"), "ratio_month": ("derived", "ratio_month_pct"),
            "ratio_cumulative": ("derived", "ratio_cumulative_pct")}


def annex_codes(csv_path) -> list[str]:
    """The catalogue's «Phụ lục» column read here with the csv module: codes in annex order."""
    import csv
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    chosen = [(int(r["Phụ lục"]), n, r["Mã chỉ tiêu"]) for n, r in enumerate(rows) if (r.get("Phụ lục") or "").strip()]
    return [code for *_k, code in sorted(chosen)]


def sections_order(csv_path, codes, settings_path) -> list[str]:
    import csv
    import tomllib
    muc = list(tomllib.loads(settings_path.read_text(encoding="utf-8"))["muc"])
    section = {r["Mã chỉ tiêu"]: r["Mục báo cáo"] for r in csv.DictReader(open(csv_path, encoding="utf-8"))}
    return sorted(codes, key=lambda c: (muc.index(section[c]), codes.index(c)))


def build_sample(tmp, huong: str | None = None):
    """The sample built with the project's own templates (``huong``: the annex pages set to it)."""
    templates = tmp / "templates"
    shutil.copytree(ROOT / "templates", templates)
    if huong is not None:
        settings = templates / "cai-dat.toml"
        text = settings.read_text(encoding="utf-8")
        assert 'huong = "tu_dong"' in text
        settings.write_text(text.replace('huong = "tu_dong"', f'huong = "{huong}"'), encoding="utf-8")
    ctx = pipeline.open_context("2023-08", ROOT / "inputs", tmp / "build", templates, None)
    got = pipeline.build(ctx)
    figures = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    return templates, got["paths"], figures


@pytest.fixture(scope="module")
def sample_with_annex(tmp_path_factory):
    return build_sample(tmp_path_factory.mktemp("annex"))


def sections(docx):
    """(the report's section properties, the annex's) of a built DOCX."""
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    inner = [p for p in body.iter(W + "sectPr") if p.getparent().tag == W + "pPr"]
    assert len(inner) == 1   # the report's section, closed after the signature
    return inner[0], body.find(W + "sectPr")


def size_of(sect) -> tuple:
    size = sect.find(W + "pgSz")
    return size.get(W + "w"), size.get(W + "h"), size.get(W + "orient")


def expected_rows(templates, figures):
    codes = sections_order(templates / "chi-tieu.csv", annex_codes(templates / "chi-tieu.csv"),
                           templates / "cai-dat.toml")
    assert len(codes) >= 20
    return codes


def test_the_docx_annex_is_a_section_after_the_signature(sample_with_annex):
    templates, paths, figures = sample_with_annex
    with zipfile.ZipFile(paths["docx"]) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
    body = doc.find(W + "body")
    report, annex = sections(paths["docx"])
    assert size_of(report)[:2] == ("11906", "16838") and report.find(W + "titlePg") is not None
    # the sample's annex: A4 portrait like the report, its pages numbered from 1, none on its first
    assert size_of(annex)[:2] == ("11906", "16838") and annex.find(W + "titlePg") is not None
    assert annex.find(W + "pgNumType").get(W + "start") == "1"
    widths = [int(g.get(W + "w")) for g in body.findall(W + "tbl")[-1].iter(W + "gridCol")]
    margins = annex.find(W + "pgMar")
    assert sum(widths) <= 11906 - int(margins.get(W + "left")) - int(margins.get(W + "right"))
    # the annex comes after «Nơi nhận» and the signature
    texts = ["".join(t.text or "" for t in p.iter(W + "t")) for p in body.iter(W + "p")]
    assert texts.index("Phụ lục") > texts.index("Nơi nhận:")
    tables = body.findall(W + "tbl")
    rows = tables[-1].findall(W + "tr")
    header = [["".join(t.text or "" for t in tc.iter(W + "t")) for tc in tr.findall(W + "tc")] for tr in rows[:2]]
    assert header[0][:3] == ["TT", "Chỉ tiêu", "Đơn vị tính"] and header[1][-2:] == ["Tháng", "Lũy kế"]
    assert all(tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in rows[:2])
    data = []
    for tr in rows[2:]:
        cells = ["".join(t.text or "" for t in tc.iter(W + "t")) for tc in tr.findall(W + "tc")]
        if len(cells) == 9:
            data.append(cells)
    codes = expected_rows(templates, figures)
    assert len(data) == len(codes)
    for n, (cells, code) in enumerate(zip(data, codes), start=1):
        fig = figures[code]
        assert cells[:3] == [str(n), fig["name"], fig["unit"]], code
        for key, shown in zip(COLUMNS, cells[3:]):
            assert shown == fig["text"].get(key, "-"), (code, key)


def test_a_landscape_annex(tmp_path):
    """``huong = "ngang"``: the annex's section on A4 landscape, as wide as that page; the
    report's section keeps its portrait page."""
    _templates, paths, _figures = build_sample(tmp_path, huong="ngang")
    report, annex = sections(paths["docx"])
    assert size_of(report)[:2] == ("11906", "16838")
    assert size_of(annex) == ("16838", "11906", "landscape")
    assert annex.find(W + "pgNumType").get(W + "start") == "1"
    with zipfile.ZipFile(paths["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    widths = [int(g.get(W + "w")) for g in body.findall(W + "tbl")[-1].iter(W + "gridCol")]
    margins = annex.find(W + "pgMar")
    assert 16838 - int(margins.get(W + "left")) - int(margins.get(W + "right")) - sum(widths) < 20


def test_a_wrong_page_setting_is_a_vietnamese_error(tmp_path):
    from generator.problems import BaocaoError
    with pytest.raises(BaocaoError) as e:
        build_sample(tmp_path, huong="nam ngang")
    assert 'huong = "nam ngang" không hợp lệ' in str(e.value) and '"doc"' in str(e.value)


def test_refcheck_still_reads_the_body_with_the_annex(sample_with_annex):
    require_shared()
    _templates, paths, _figures = sample_with_annex
    out = subprocess.run([sys.executable, str(REFCHECK), str(paths["docx"]), str(REFERENCE)],
                         capture_output=True, text=True, timeout=300)
    assert "words 1.000, numbers 1.000, footnotes 1.000, headings 1.000" in out.stdout, out.stdout[-800:]


def test_pandoc_reads_the_annex_table(sample_with_annex):
    pandoc = require_program("pandoc")
    templates, paths, figures = sample_with_annex
    out = subprocess.run([pandoc, "-f", "docx", "-t", "json", str(paths["docx"])], capture_output=True,
                         text=True, timeout=300, check=True)
    blocks = json.loads(out.stdout)["blocks"]
    table = [b for b in blocks if b["t"] == "Table"][-1]

    def plain(node) -> str:
        if isinstance(node, dict):
            if node.get("t") == "Str":
                return node["c"]
            if node.get("t") == "Space":
                return " "
            return plain(node.get("c", []))
        if isinstance(node, list):
            return "".join(plain(x) for x in node)
        return ""
    bodies = table["c"][4]
    shown = [plain(r) for body in bodies for r in body[3]]
    for code in expected_rows(templates, figures):
        fig = figures[code]
        row = next(s for s in shown if fig["name"] in s)
        for key in COLUMNS:
            if key in fig["text"]:
                assert fig["text"][key] in row, (code, key, row)


def test_the_annex_workbook_holds_the_figures_as_numbers(sample_with_annex):
    templates, paths, figures = sample_with_annex
    wb = load_workbook(paths["annex"])
    ws = wb["Phụ lục"]
    assert ws.freeze_panes == "D7" and ws.print_title_rows == "$5:$6"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    codes = expected_rows(templates, figures)
    rows = [r for r in ws.iter_rows(min_row=7, values_only=False) if isinstance(r[0].value, int)]
    assert len(rows) == len(codes)
    for row, code in zip(rows, codes):
        fig = figures[code]
        assert row[1].value == fig["name"]
        for key, cell in zip(COLUMNS, row[3:9]):
            where, name = VALUE_OF[key]
            if key not in fig["text"]:
                assert cell.value == "-", (code, key)
                continue
            assert isinstance(cell.value, (int, float)) and abs(cell.value - fig[where][name]) < 1e-9, (code, key)
            # the display format prints what the report prints (Excel shows #,##0.0 as #.##0,0 under vi-VN)
            decimals = len(fig["text"][key].rstrip("%").partition(",")[2])
            fmt = cell.number_format
            assert fmt.count("0", fmt.find(".") + 1 if "." in fmt else len(fmt)) == decimals, (code, key, fmt)
    months = wb["Theo tháng"]
    assert [c.value for c in months[3]][3:] == [f"Tháng {m}" for m in range(1, 9)]


def test_the_months_and_charts_come_from_the_store(tmp_path):
    rows = SMALL_INDICATORS.splitlines()
    header = HEADER + ",Kế hoạch khác,Từ kỳ,Đến kỳ,Phụ lục,Biểu đồ"
    annex = {"XNK_TONG": ",,,,2,có", "NN_TRAU": ",,,,1,", "CSSX": ",,,,3,"}
    catalogue = "\n".join([header] + [r + annex.get(r.split(",")[0], "") for r in rows[1:]]) + "\n"
    templates = make_templates(tmp_path / "templates", indicators=catalogue)
    sept = {"XNK_TONG": {"D": 3800, "E": 350, "F": 3295, "G": 310, "H": 2039}, "NN_TRAU": {"E": 64100, "G": 63300},
            "CSSX": {"E": 101.2, "F": 106.1}, "XNK_XK": {"D": 1300, "E": 190, "F": 1810, "G": 95, "H": 528},
            "XNK_NK": {"D": 2500, "E": 160, "F": 1485, "G": 215, "H": 1511},
            "NN_HOP": {"E": 1, "F": 17, "G": 2, "H": 17}}
    for period, values in (("2023-08", GOOD_VALUES), ("2023-09", sept)):
        ctx = pipeline.open_context(period, tmp_path / "inputs", tmp_path / "build", templates, tmp_path / "db.sqlite")
        pipeline.init(ctx)
        for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
            fill(ctx.period_inputs / name, values)
        got = pipeline.build(ctx)
    wb = load_workbook(got["paths"]["annex"])
    ws = wb["Phụ lục"]
    # grouped under the report's sections, in [muc] order: II.1.1 (NN_TRAU) before II.1.2 and II.1.3
    names = [r[1] for r in ws.iter_rows(min_row=7, values_only=True) if isinstance(r[0], int)]
    assert names == ["Đàn trâu", "Tổng kim ngạch xuất nhập khẩu", "Chỉ số sản xuất công nghiệp"]
    # the report's top sections as rows above their groups: «II», «1.» (II.1), then «1.1 …»
    assert [ws[f"A{r}"].value.split(" ")[0] for r in (7, 8, 9)] == ["II.", "1.", "1.1"]
    months = wb["Theo tháng"]
    by_name = {r[1]: r for r in months.iter_rows(min_row=4, values_only=True) if r[1]}
    assert by_name["Tổng kim ngạch xuất nhập khẩu"][3:] == (None,) * 7 + (330, 350)
    assert by_name["Đàn trâu"][3:] == (None,) * 7 + (64075, 64100)
    with zipfile.ZipFile(got["paths"]["annex"]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = z.read(charts[0]).decode("utf-8")
    # XNK_TONG's row, only the months with data (August, September): no month of the chart is empty
    assert "<c:lineChart>" in chart and "<c:f>'Theo tháng'!$K$5:$L$5</c:f>" in chart and "$D$5" not in chart
    months_ws = wb["Theo tháng"]
    assert months_ws.page_setup.orientation == "landscape" and str(months_ws.page_setup.paperSize) == "9"
    # fit to one page wide (fitToWidth 1 is the default, left out of the XML), as long as it takes
    assert months_ws.sheet_properties.pageSetUpPr.fitToPage and months_ws.page_setup.fitToWidth in (None, 1)
    assert months_ws.page_setup.fitToHeight == 0
    assert months_ws.print_title_rows == "$3:$3"


def test_annex_settings_and_a_wrong_catalogue_cell(tmp_path):
    rows = SMALL_INDICATORS.splitlines()
    header = HEADER + ",Kế hoạch khác,Từ kỳ,Đến kỳ,Phụ lục,Biểu đồ"
    good = "\n".join([header] + [r + (",,,,1," if r.startswith("XNK_TONG") else "") for r in rows[1:]]) + "\n"
    templates = make_templates(tmp_path / "templates", indicators=good)
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, None)
    pipeline.init(ctx)
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(ctx.period_inputs / name, GOOD_VALUES)
    got = pipeline.build(ctx)
    assert got["paths"]["annex"].exists()
    # the office turns the workbook off: the one left from the last build goes too
    settings = templates / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("bang_tinh = true", "bang_tinh = false"),
                        encoding="utf-8")
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, None)
    got = pipeline.build(ctx)
    assert "annex" not in got["paths"] and not (tmp_path / "build" / "2023-08" / "phu-luc-2023-08.xlsx").exists()
    with zipfile.ZipFile(got["paths"]["docx"]) as z:   # the DOCX keeps its annex
        assert "Phụ lục" in z.read("word/document.xml").decode("utf-8")
    # and turns the DOCX's annex off too
    settings.write_text(settings.read_text(encoding="utf-8").replace("trong_van_ban = true", "trong_van_ban = false"),
                        encoding="utf-8")
    got = pipeline.build(pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, None))
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "Phụ lục" not in xml and "pgNumType" not in xml
    # a wrong order in the catalogue is an error naming its line and column
    bad = good.replace(",,,,1,", ",,,,một,")
    (templates / "chi-tieu.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as e:
        pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, None)
    (p,) = [p for p in e.value.problems if p.code == "indicator-annex"]
    assert (p.line, p.column, p.position) == (2, "Phụ lục", "dòng 2, cột Phụ lục") and "«một»" in p.message


def test_without_annex_rows_nothing_is_written(tmp_path):
    templates = make_templates(tmp_path / "templates")
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, None)
    pipeline.init(ctx)
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(ctx.period_inputs / name, GOOD_VALUES)
    got = pipeline.build(ctx)
    assert "annex" not in got["paths"] and not (tmp_path / "build" / "2023-08" / "phu-luc-2023-08.xlsx").exists()
