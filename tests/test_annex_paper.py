"""The annex read on paper: a number never breaks inside its cell (columns as wide as their
widest printed value), the table goes to A4 landscape by itself when a portrait page cannot
hold it, the report's top sections head their groups and a group's row is kept with the rows
under it, the «Kèm theo …» line writes the month as the report does and never breaks a name."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest
from lxml import etree
from openpyxl import load_workbook

from generator import pipeline
from generator.periods import Period

from .conftest import LAYOUTCHECK, ROOT, require_program, require_shared, row_of

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NBSP = "\u00a0"


def sample_with(tmp, values: dict, huong: str | None = None):
    """The sample's inputs and templates copied, Sở Y tế's workbook rewritten with ``values``
    ({code: {column: value}}), built (with the PDF when LibreOffice is there)."""
    inputs = tmp / "inputs"
    shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
    templates = tmp / "templates"
    shutil.copytree(ROOT / "templates", templates)
    if huong:
        settings = templates / "cai-dat.toml"
        settings.write_text(settings.read_text(encoding="utf-8").replace('huong = "tu_dong"', f'huong = "{huong}"'),
                            encoding="utf-8")
    path = inputs / "2023-08" / "so-y-te.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    for code, cols in values.items():
        for col, value in cols.items():
            ws[f"{col}{row_of(ws, code)}"] = value
    wb.save(path)
    ctx = pipeline.open_context("2023-08", inputs, tmp / "build", templates, None)
    return pipeline.build(ctx, pdf=shutil.which("soffice") is not None)["paths"]


def annex_table(docx):
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    return body, body.findall(W + "tbl")[-1]


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(W + "t"))


def twips(text: str, half_points: int = 22) -> int:
    """Times New Roman at 11 pt: a digit is half an em, «.» and «,» a quarter (20 twips a point)."""
    em = sum(500 if ch.isdigit() else 250 for ch in text)
    return em * half_points * 10 // 1000


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def layout_ok(docx):
    require_shared()
    out = subprocess.run([sys.executable, str(LAYOUTCHECK), str(docx)], capture_output=True, text=True, timeout=300)
    assert " 0 failed" in out.stdout, out.stdout[-1500:]


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    return sample_with(tmp_path_factory.mktemp("million"), {"YT_KHAM": {"F": 1310500}})


def test_a_seven_digit_number_stays_on_one_line(million):
    body, table = annex_table(million["docx"])
    row = next(tr for tr in table.findall(W + "tr") if "Lượt khám bệnh tại cơ sở công lập" in text_of(tr))
    cells = row.findall(W + "tc")
    shown = [text_of(tc) for tc in cells]
    at = shown.index("1.310.500")
    widths = [int(g.get(W + "w")) for g in table.iter(W + "gridCol")]
    margins = 2 * int(table.find(f"{W}tblPr/{W}tblCellMar/{W}left").get(W + "w"))
    assert widths[at] >= twips("1.310.500") + margins
    for tc in cells[3:]:
        assert tc.find(f"{W}tcPr/{W}noWrap") is not None
    # every figure column holds its widest value; the table still fits the portrait page
    for k in range(3, 9):
        column = [text_of(tr.findall(W + "tc")[k]) for tr in table.findall(W + "tr")[2:] if len(tr.findall(W + "tc")) == 9]
        assert widths[k] >= max(twips(v) for v in column if v != "-") + margins
    annex = body.find(W + "sectPr")
    assert annex.find(W + "pgSz").get(W + "orient") is None
    layout_ok(million["docx"])


def test_the_pdf_prints_the_number_whole(million):
    require_program("soffice")
    require_program("pdftotext")
    text = pdf_text(million["pdf"])
    line = next(line for line in text.splitlines() if "Lượt khám bệnh tại" in line or "1.310.50" in line)
    assert "1.310.500" in line, line
    assert not any(line.strip() == "0" for line in text.splitlines())


def test_a_table_too_wide_for_portrait_goes_landscape_by_itself(tmp_path):
    paths = sample_with(tmp_path, {"YT_KHAM": {"D": 9876543210, "E": 123456789, "F": 8765432100}})
    body, table = annex_table(paths["docx"])
    inner = [s for s in body.iter(W + "sectPr") if s.getparent().tag == W + "pPr"]
    report, annex = inner[0], body.find(W + "sectPr")
    assert report.find(W + "pgSz").get(W + "orient") is None and report.find(W + "pgSz").get(W + "w") == "11906"
    assert annex.find(W + "pgSz").get(W + "orient") == "landscape"
    widths = [int(g.get(W + "w")) for g in table.iter(W + "gridCol")]
    assert widths[3] >= twips("9.876.543.210") + 114
    layout_ok(paths["docx"])
    if shutil.which("soffice") and shutil.which("pdftotext"):
        text = pdf_text(paths["pdf"])
        assert any("9.876.543.210" in line and "123.456.789" in line and "8.765.432.100" in line
                   for line in text.splitlines())
    elif "BAOCAO_STRICT" in __import__("os").environ:
        pytest.fail("LibreOffice and pdftotext are required under BAOCAO_STRICT=1")


def test_the_sample_annex_has_parent_rows_and_keeps_group_rows_with_their_rows(million):
    _body, table = annex_table(million["docx"])
    rows = table.findall(W + "tr")[2:]
    groups = [(i, text_of(tr)) for i, tr in enumerate(rows) if len(tr.findall(W + "tc")) == 1]
    titles = [t for _i, t in groups]
    assert titles[:3] == ["II. Tình hình kinh tế - xã hội", "1. Lĩnh vực phát triển kinh tế",
                          "1.1 Sản xuất nông, lâm nghiệp và xây dựng nông thôn mới"]
    assert titles.count("II. Tình hình kinh tế - xã hội") == 1 and "2. Lĩnh vực văn hoá - xã hội" in titles
    for i, _title in groups:
        assert rows[i].find(f"{W}tc/{W}p/{W}pPr/{W}keepNext") is not None
        assert i + 1 < len(rows)   # never the table's last row
    if shutil.which("pdftotext") and million.get("pdf"):
        pages = pdf_text(million["pdf"]).split("\f")
        annex_pages = [p for p in pages if "Đơn vị tính" in p]
        for page in annex_pages:
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            lines = [line for line in lines if not line.isdigit()]   # the page number
            assert lines[-1] not in titles, lines[-3:]


def test_the_attached_line_writes_the_month_as_the_report_and_keeps_names_whole(million):
    from generator.annex import attached_line
    from generator.settings_schema import setting_of
    line = attached_line(setting_of("phu_luc", "kem_theo").default, "BC-UBND", Period(2024, 1),
                         "Ủy ban nhân dân tỉnh Lạng Sơn")
    assert f"tháng{NBSP}01{NBSP}năm{NBSP}2024" in line
    assert f"của Ủy{NBSP}ban{NBSP}nhân{NBSP}dân{NBSP}tỉnh{NBSP}Lạng{NBSP}Sơn)" in line
    assert "/BC-\u2060UBND" in line and "  " not in line
    body, _table = annex_table(million["docx"])
    texts = [text_of(p) for p in body.iter(W + "p")]
    kem = next(t for t in texts if t.startswith("(Kèm theo"))
    assert f"tháng{NBSP}8{NBSP}năm{NBSP}2023" in kem and f"Lạng{NBSP}Sơn)" in kem
    if shutil.which("pdftotext") and million.get("pdf"):
        text = pdf_text(million["pdf"])
        assert any("Ủy ban nhân dân tỉnh Lạng Sơn" in " ".join(line.split()) for line in text.splitlines()
                   if "Lạng" in line and "Sơn" in line)


def test_the_body_points_to_the_annex_it_carries(million, filled):
    from generator.settings_schema import setting_of
    sentence = setting_of("phu_luc", "dan_chieu").default
    body, _table = annex_table(million["docx"])
    paras = [p for p in body.iter(W + "p")]
    texts = [text_of(p) for p in paras]
    at = texts.index(sentence)
    assert texts[at - 1].startswith("II. TÌNH HÌNH KINH TẾ - XÃ HỘI") and at < texts.index("Nơi nhận:")
    assert all(r.find(f"{W}rPr/{W}i") is not None for r in paras[at].iter(W + "r") if text_of(r))
    # a report without an annex in its DOCX (the small catalogue has none) says nothing of one
    docx = pipeline.build(filled)["paths"]["docx"]
    with zipfile.ZipFile(docx) as z:
        assert sentence not in z.read("word/document.xml").decode("utf-8")
