"""Decree 30's header holding long names: «THÀNH PHỐ HỒ CHÍ MINH» and a long place name keep
the two-column header (columns sized from the text, 12 pt when 13 pt cannot hold both), a
name too long for any column breaks in two balanced lines (no word alone), the date and the
subject line never leave the year or one word alone on their last line."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile

from lxml import etree

from generator import pipeline

from .conftest import LAYOUTCHECK, ROOT, require_program, require_shared

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NBSP = "\u00a0"


def with_settings(filled, **values):
    settings = filled.templates / "cai-dat.toml"
    text = settings.read_text(encoding="utf-8")
    for key, value in values.items():
        text, n = re.subn(rf'(?m)^{key} = "[^"]*"', f'{key} = "{value}"', text)
        assert n == 1, key
    settings.write_text(text, encoding="utf-8")
    return pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates)


def header_of(path):
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    table = body.find(W + "tbl")
    return body, table, [int(g.get(W + "w")) for g in table.iter(W + "gridCol")]


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(W + "t"))


def pdf_lines(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in out.split("\f")[0].splitlines() if line.strip()]


def test_ho_chi_minh_city_keeps_its_header(filled):
    ctx = with_settings(filled, ten_tinh="THÀNH PHỐ HỒ CHÍ MINH", dia_danh="Thành phố Hồ Chí Minh")
    with zipfile.ZipFile(ROOT / "templates" / "BC-UBND.docx") as z:
        template = etree.fromstring(z.read("word/document.xml")).find(W + "body").find(W + "tbl")
    default = [int(g.get(W + "w")) for g in template.iter(W + "gridCol")]
    got = pipeline.build(ctx, pdf=shutil.which("soffice") is not None)
    body, table, widths = header_of(got["paths"]["docx"])
    assert sum(widths) == sum(default) and widths[0] > default[0]   # as wide as before, the agency's side wider
    agency = [p for p in table.iter(W + "p") if text_of(p) == "THÀNH PHỐ HỒ CHÍ MINH"]
    assert agency and agency[0].find(f".//{W}br") is None
    date = next(p for p in table.iter(W + "p") if "ngày" in text_of(p))
    assert re.search(f"ngày{NBSP}+tháng{NBSP}8{NBSP}năm{NBSP}2023", text_of(date))
    require_shared()
    out = subprocess.run([sys.executable, str(LAYOUTCHECK), str(got["paths"]["docx"])], capture_output=True, text=True)
    # the small catalogue has no long body paragraphs: only the header's checks are read here
    header = [line for line in out.stdout.splitlines() if re.search(r"agency|motto|rule|national|place|Số", line)]
    assert header and not [line for line in header if "FAIL" in line], header
    require_program("soffice")
    require_program("pdftotext")
    lines = pdf_lines(got["paths"]["pdf"])
    assert any("THÀNH PHỐ HỒ CHÍ MINH" in line for line in lines), lines[:8]
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in lines), lines[:8]
    assert any(re.search(r"ngày\s+tháng 8 năm 2023", line) for line in lines), lines[:8]


def test_a_name_too_long_for_the_column_breaks_in_balanced_halves(filled):
    name = "BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP VÀ KHU KINH TẾ"
    ctx = with_settings(filled, ten_co_quan=name)
    got = pipeline.build(ctx, pdf=shutil.which("soffice") is not None)
    _body, table, _widths = header_of(got["paths"]["docx"])
    p = next(p for p in table.iter(W + "p") if text_of(p).replace(" ", "") and name.split()[0] in text_of(p))
    pieces = [t.text for t in p.iter(W + "t")]
    assert p.find(f".//{W}br") is not None and " ".join(pieces) == name
    assert all(len(piece.split()) >= 3 for piece in pieces)   # two lines of several words each
    if shutil.which("pdftotext") and got["paths"].get("pdf"):
        words = set(name.split())
        for line in pdf_lines(got["paths"]["pdf"])[:8]:
            left = line.split("  ")[0]
            assert left not in words, line   # no word of the name alone on a line


def test_the_subject_line_ends_with_three_words_held_together(filled):
    with zipfile.ZipFile(pipeline.build(filled)["paths"]["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    subject = next(p for p in body.iter(W + "p") if text_of(p).startswith("Tình hình kinh tế - xã hội"))
    text = text_of(subject)
    assert text.endswith(f"tháng 9{NBSP}năm{NBSP}2023") or text.endswith(f"9{NBSP}năm{NBSP}2023"), repr(text)


def test_a_heading_never_leaves_the_year_alone(tmp_path):
    """The sample's «II. TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG 8 VÀ 8 THÁNG NĂM 2023» is one word too
    long for its line: «NĂM 2023» goes down together with the word before it."""
    from .conftest import ROOT
    got = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", tmp_path / "out", ROOT / "templates", None),
                         pdf=shutil.which("soffice") is not None)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    heading = next(p for p in body.iter(W + "p") if text_of(p).startswith("II. TÌNH HÌNH KINH TẾ"))
    assert text_of(heading).endswith(f"THÁNG{NBSP}NĂM{NBSP}2023")
    require_program("soffice")
    require_program("pdftotext")
    out = subprocess.run(["pdftotext", "-layout", str(got["paths"]["pdf"]), "-"], capture_output=True, text=True,
                         check=True).stdout
    lines = [" ".join(line.split()) for line in out.splitlines() if line.strip()]
    assert "2023" not in lines and "NĂM 2023" not in lines
    at = next(i for i, line in enumerate(lines) if line.startswith("II. TÌNH HÌNH KINH TẾ"))
    assert len(lines[at + 1].split()) >= 3 or lines[at].endswith("NĂM 2023")
