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
    assert runs_with(notes, "i") == ["giảm 07 vụ so với cùng kỳ", "25 vụ, 33 đối tượng xảy ra từ trước",
                                     "tăng 32 vụ", "tăng 35 vụ", "tăng 01 vụ"]
    assert "59 đoàn/393 lượt người nước ngoài" in re.sub(r"<[^>]+>", "", body)
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


def test_a_star_left_open_is_an_error_at_its_cell(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Kim ngạch *tăng mạnh so với cùng kỳ.")])
    res = pipeline.check(filled)
    bad = [p for p in res.problems if p.code == "markup-emphasis"]
    assert [(p.sheet, p.cell, p.severity) for p in bad] == [("Thuyết minh", "B2", "lỗi")]
    assert "\\*" in bad[0].message
