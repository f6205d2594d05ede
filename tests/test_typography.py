"""Typography a văn thư accepts: «%» right after its number in automatic sentences, a
non-breaking space between a number and its unit or counted noun, document numbers such as
«127-KH/TU» that never break at their hyphen."""
from __future__ import annotations

import re
import subprocess
import zipfile

from generator import pipeline

from .conftest import GOOD_VALUES, fill, require_program

NBSP, JOINER = "\u00a0", "\u2060"


def body_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))


def test_units_counted_nouns_and_document_numbers(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[
        ("II.1.2", "Thực hiện Kế hoạch số 127-KH/TU của Tỉnh ủy, toàn tỉnh có 3.947 doanh nghiệp, trồng 30 ha rừng.")])
    path = pipeline.build(filled)["paths"]["docx"]
    text = body_text(path)
    # automatic sentences: the unit held to its number, the percent sign right after it
    trau = GOOD_VALUES["NN_TRAU"]["E"]
    assert f"Đàn trâu: {trau:,}".replace(",", ".") + f"{NBSP}con" in text
    assert f"2.945{NBSP}triệu USD, đạt 77,5% kế hoạch" in text
    assert not re.search(r"\d[ \u00a0]%", text)
    # a department's text: numbers with their nouns, the Party's document number
    assert f"3.947{NBSP}doanh nghiệp" in text and f"30{NBSP}ha rừng" in text
    assert f"127-{JOINER}KH/TU" in text and "127-KH/TU" not in text


def test_the_pdf_keeps_the_document_number_whole(filled):
    require_program("soffice")
    require_program("pdftotext")
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[
        ("II.1.2", "Thực hiện Kế hoạch số 127-KH/TU của Tỉnh ủy, toàn tỉnh có 3.947 doanh nghiệp.")])
    pdf = pipeline.build(filled, pdf=True)["paths"]["pdf"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert re.search("127-\u2060?KH/TU", flat), flat[:2000]
    assert any(re.search(r"3\.947\s+doanh", line) for line in text.splitlines())
