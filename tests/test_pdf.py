"""The PDF made by LibreOffice: opens, keeps the 32 footnotes, a plausible page count."""
import re
import subprocess
import zipfile

import pytest

from lxml import etree

from generator import pipeline

from .conftest import ROOT, require_program

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    require_program("soffice")
    out = tmp_path_factory.mktemp("pdf")
    got = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", out), pdf=True)
    return got["paths"]["pdf"]


def test_pdf_pages_and_footnotes(pdf):
    require_program("pdftotext")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 10 <= pages <= 25
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = [" ".join(p.split()) for p in text.split("\f")]
    with zipfile.ZipFile(pdf.with_suffix(".docx")) as z:
        notes = etree.fromstring(z.read("word/footnotes.xml"))
    bodies = [" ".join("".join(t.text or "" for t in f.iter(W + "t")).split())
              for f in notes.iter(W + "footnote") if f.get(W + "type") is None]
    assert len(bodies) == 32
    for n, body in enumerate(bodies, start=1):
        first = " ".join(body.split()[:4])
        # the note is on some page, in the lower part of that page's text: at the bottom
        places = [p.find(first) / len(p) for p in pages if first in p]
        assert places and max(places) > 0.5, (n, first)


def test_pdf_pages_render(pdf, tmp_path):
    require_program("pdftoppm")
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == 2


def test_pdf_is_pdf_a_2b_with_fonts_embedded(pdf):
    data = pdf.read_bytes()
    assert b"<pdfaid:part>2</pdfaid:part>" in data and b"<pdfaid:conformance>B</pdfaid:conformance>" in data
    assert b"/StructTreeRoot" in data                      # tagged
    require_program("pdffonts")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts if line.strip()), fonts  # "emb" column


def test_a_missing_times_new_roman_is_named(monkeypatch, tmp_path):
    from generator.compose import pdf as compose_pdf
    require_program("soffice")
    monkeypatch.setattr(compose_pdf, "font_substitute", lambda font=compose_pdf.FONT: "Liberation Serif")
    got = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", tmp_path), pdf=True)
    warn = [p for p in got["warnings"] if p.code == "font-missing"]
    assert len(warn) == 1 and "«Times New Roman»" in warn[0].message and "«Liberation Serif»" in warn[0].message
