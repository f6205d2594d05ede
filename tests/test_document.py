"""The document a văn thư accepts: emphasis read back from the DOCX, the sample's italic and
bold restored, stars that do not pair up refused at the cell."""
from __future__ import annotations

import re
import zipfile

import pytest

from generator import pipeline

from .conftest import ROOT, fill

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def runs_with(xml: str, flag: str) -> list[str]:
    out = []
    for m in re.finditer(r"<w:r>(.*?)</w:r>", xml, re.S):
        run = m.group(1)
        if re.search(rf"<w:{flag}/>", run):
            text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", run))
            if text:
                out.append(text)
    return out


@pytest.fixture(scope="module")
def sample_docx(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    got = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", out, ROOT / "templates"))
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        return {n: z.read(n).decode("utf-8") for n in ("word/document.xml", "word/footnotes.xml")}


def test_the_sample_restores_the_references_emphasis(sample_docx):
    body, notes = sample_docx["word/document.xml"], sample_docx["word/footnotes.xml"]
    italic = runs_with(body, "i")
    assert "Siết chặt kỷ cương, tăng cường trách nhiệm, quyết liệt hành động, sáng tạo bứt phá" in italic
    assert "Đánh giá chung:" in italic
    assert runs_with(body, "b")[:9] == [f"{n}." for n in range(1, 10)]
    # a number is held to the word after it (its unit, its counted noun) by a non-breaking space
    assert runs_with(notes, "i") == ["giảm 07\u00a0vụ so với cùng kỳ", "25\u00a0vụ, 33\u00a0đối tượng xảy ra từ trước",
                                     "tăng 32\u00a0vụ", "tăng 35\u00a0vụ", "tăng 01\u00a0vụ"]
    assert "59\u00a0đoàn/393\u00a0lượt người nước ngoài" in re.sub(r"<[^>]+>", "", body)
    assert "*" not in re.sub(r"<[^>]+>", "", body)


def test_emphasis_in_body_and_footnote_and_a_literal_star(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[
        ("II.1.2", "Xuất khẩu *tăng mạnh*[[Theo **Cục Hải quan**, số \\* là ước tính.]] và **đạt {XNK_TONG:dat}**.")])
    got = pipeline.build(filled)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        body, notes = z.read("word/document.xml").decode(), z.read("word/footnotes.xml").decode()
    assert runs_with(body, "i") == ["tăng mạnh"]
    assert runs_with(body, "b") == ["đạt 77,5%"]
    assert runs_with(notes, "b") == ["Cục Hải quan"]
    assert "số * là ước tính." in re.sub(r"<[^>]+>", "", notes)
    # schema order: w:b / w:i after w:rFonts, before w:sz
    for run in re.findall(r"<w:rPr>(.*?)</w:rPr>", body):
        tags = re.findall(r"<w:(\w+)", run)
        if "i" in tags and "sz" in tags:
            assert tags.index("i") < tags.index("sz")


def test_a_star_left_open_prints_as_typed_with_a_warning_at_its_cell(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Kim ngạch *tăng mạnh so với cùng kỳ.")])
    res = pipeline.check(filled)
    bad = [p for p in res.problems if p.code == "markup-emphasis"]
    assert [(p.sheet, p.cell, p.severity) for p in bad] == [("Thuyết minh", "B2", "cảnh báo")]
    assert "\\*" in bad[0].message
    got = pipeline.build(filled)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        body = z.read("word/document.xml").decode()
    assert "Kim ngạch *tăng mạnh so với cùng kỳ." in re.sub(r"<[^>]+>", "", body) and runs_with(body, "i") == []


def parts_of(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_a_clean_package(filled, monkeypatch):
    first = pipeline.build(filled)["paths"]["docx"]
    parts = parts_of(first)
    core = parts["docProps/core.xml"].decode()
    assert "<dc:title>Tình hình kinh tế - xã hội tháng 8 và 8 tháng đầu năm" in core
    assert "<dc:creator>Ủy ban nhân dân tỉnh Lạng Sơn</dc:creator>" in core
    assert "2023-08-14T00:00:00Z" in core and "python-docx" not in core and "2013" not in core
    assert "<Company>Ủy ban nhân dân tỉnh Lạng Sơn</Company>" in parts["docProps/app.xml"].decode()
    assert not any("thumbnail" in n for n in parts) and b"thumbnail" not in parts["_rels/.rels"]
    assert len([n for n in zipfile.ZipFile(first).namelist() if n == "docProps/core.xml"]) == 1
    styles = parts["word/styles.xml"].decode()
    defaults = styles[styles.index("<w:docDefaults>"):styles.index("</w:docDefaults>")]
    assert 'w:lang w:val="vi-VN"' in defaults and "en-US" not in styles
    assert '<w:name w:val="footnote text"/>' in styles and '<w:name w:val="footnote reference"/>' in styles
    settings = parts["word/settings.xml"].decode()
    assert re.search(r'w:name="compatibilityMode"[^>]*w:val="15"', settings)
    assert 'w:themeFontLang w:val="vi-VN"' in settings
    doc = parts["word/document.xml"].decode()
    for tblpr in re.findall(r"<w:tblPr>(.*?)</w:tblPr>", doc):
        tags = re.findall(r"<w:(\w+)", tblpr)
        tags = [t for t in tags if t in ("tblW", "jc", "tblBorders", "tblLayout", "tblLook")]
        assert tags == sorted(tags, key=["tblW", "jc", "tblBorders", "tblLayout", "tblLook"].index)
    # byte-identical twice; SOURCE_DATE_EPOCH moves the dates
    assert pipeline.build(filled)["paths"]["docx"].read_bytes() == first.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    core = parts_of(pipeline.build(filled)["paths"]["docx"])["docProps/core.xml"].decode()
    assert "2023-11-14T22:13:20Z" in core


def test_headings_keep_with_next_and_the_closing_keeps_with_the_signature(sample_docx):
    styles = zipfile.ZipFile(ROOT / "templates" / "BC-UBND.docx").read("word/styles.xml").decode()
    for name in ("Đề mục 1", "Đề mục 2", "Đề mục 3"):
        style = styles[styles.index(f'<w:name w:val="{name}"/>'):]
        style = style[:style.index("</w:style>")]
        assert "<w:keepNext/>" in style, name
    body = sample_docx["word/document.xml"]
    paras = re.findall(r"<w:p[ >].*?</w:p>", body)
    at = max(i for i, p in enumerate(paras) if "./." in re.sub(r"<[^>]+>", "", p))
    # the sample's last paragraph is long (item 13, ten lines): free to split across pages, only
    # the empty line before the closing block keeps with it (tests/test_closing.py: a short one)
    assert len(re.sub(r"<[^>]+>", "", paras[at])) > 600 and "<w:keepNext/>" not in paras[at]
    assert re.sub(r"<[^>]+>", "", paras[at + 1]) == "" and "<w:keepNext/>" in paras[at + 1]


def test_draft_mark(filled):
    from generator import cli
    code = cli.main(["build", "--period", "2023-08", "--inputs", str(filled.inputs), "--out", str(filled.out),
                     "--templates", str(filled.templates), "--db", "", "--du-thao"])
    assert code == 0
    body = parts_of(filled.period_out / "BC-UBND-2023-08-du-thao.docx")["word/document.xml"].decode()
    first = re.search(r"<w:body>(<w:p[ >].*?</w:p>)", body).group(1)
    assert "DỰ THẢO" in first and "<w:pBdr>" in first
    assert "DỰ THẢO" not in parts_of(pipeline.build(filled)["paths"]["docx"])["word/document.xml"].decode()


def test_a_template_resaved_by_libreoffice_builds_cleanly_twice(filled, tmp_path, recwarn):
    import shutil
    import subprocess

    from .conftest import require_program
    office = require_program("soffice")
    src = filled.templates / "BC-UBND.docx"
    out = tmp_path / "lo"
    subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(out / "BC-UBND.docx", src)
    a = pipeline.build(filled)["paths"]["docx"].read_bytes()
    b = pipeline.build(filled)["paths"]["docx"].read_bytes()
    assert a == b
    names = zipfile.ZipFile(filled.period_out / "BC-UBND-2023-08.docx").namelist()
    assert len(names) == len(set(names))
    assert not [w for w in recwarn if "Duplicate name" in str(w.message)]


def test_document_numbers_do_not_break_at_their_hyphens(sample_docx):
    text = re.sub(r"<[^>]+>", "", sample_docx["word/document.xml"])
    # an ordinary hyphen held to the next letter by a word joiner (U+2060)
    assert "93/NQ-\u2060CP" in text and "93/NQ-CP" not in text
    assert not re.search(r"\d+/[A-ZĐ]+-[A-ZĐ]+", text)
