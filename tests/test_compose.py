"""The product: the sample report reproduced from the workbooks in inputs/2023-08/."""
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from lxml import etree
from openpyxl import load_workbook

from generator import pipeline
from generator.compose.render import add_footnotes
from generator.compose import footnotes

from .conftest import LAYOUTCHECK, REFCHECK, REFERENCE, ROOT, fill, require_shared

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    ctx = pipeline.open_context("2023-08", ROOT / "inputs", out)
    got = pipeline.build(ctx)
    return ctx, got


def refcheck(docx, *bounds):
    return subprocess.run([sys.executable, str(REFCHECK), str(docx), str(REFERENCE), *bounds],
                          capture_output=True, text=True, timeout=120)


def test_sample_matches_the_reference(sample):
    require_shared()
    _, got = sample
    proc = refcheck(got["paths"]["docx"], "--min-words", "0.97", "--min-numbers", "0.99",
                    "--min-footnotes", "1.0", "--min-headings", "1.0")
    assert proc.returncode == 0, proc.stdout
    assert "32/32 real footnotes" in proc.stdout and "fake notes           0" in proc.stdout


def test_sample_layout_decree_30(sample):
    require_shared()
    _, got = sample
    proc = subprocess.run([sys.executable, str(LAYOUTCHECK), str(got["paths"]["docx"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip().endswith(" 0 failed"), proc.stdout


def test_real_footnotes_in_document_order(sample):
    _, got = sample
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
        notes = etree.fromstring(z.read("word/footnotes.xml"))
        rels = z.read("word/_rels/document.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
        styles = z.read("word/styles.xml").decode()
    ids = [int(r.get(W + "id")) for r in doc.iter(W + "footnoteReference")]
    assert ids == list(range(1, 33))
    entries = [int(f.get(W + "id")) for f in notes.iter(W + "footnote") if f.get(W + "type") is None]
    assert entries == list(range(1, 33))  # file order = document order (LibreOffice pairs by order)
    assert "relationships/footnotes" in rels and "footnotes+xml" in types and 'w:styleId="FootnoteText"' in styles
    # no superscript digits typed as text anywhere in the body
    for run in doc.iter(W + "r"):
        va = run.find(f"{W}rPr/{W}vertAlign")
        text = "".join(t.text or "" for t in run.iter(W + "t"))
        if va is not None and va.get(W + "val") == "superscript":
            assert not text.strip().isdigit()
    first = "".join(t.text for t in notes.iter(W + "t") if t.text)
    assert "Tổng diện tích gieo trồng vụ Đông - Xuân ước đạt 48.406,9\u00a0ha, đạt 98,8%, tương đương cùng kỳ" in first


def test_figures_json_names_every_source(sample):
    ctx, got = sample
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    assert len(doc["indicators"]) == len(ctx.catalogue.indicators)
    xnk = next(i for i in doc["indicators"] if i["code"] == "KKT_XNK")
    assert xnk["text"]["pct_plan"] == "77,5%" and xnk["text"]["yoy_cumulative"] == "tăng 70,3%"
    assert xnk["text"]["cumulative"] == "2.945"
    for ind in doc["indicators"]:
        assert set(ind["sources"]) == set(ind["values"]), ind["code"]
        for src in ind["sources"].values():
            assert re.fullmatch(r"[a-z0-9-]+\.xlsx!Chỉ tiêu![D-H]\d+", src)


def test_identical_inputs_give_identical_outputs(sample, tmp_path):
    ctx, got = sample
    again = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", tmp_path))
    assert again["paths"]["docx"].read_bytes() == got["paths"]["docx"].read_bytes()
    assert again["paths"]["figures"].read_bytes() == got["paths"]["figures"].read_bytes()
    assert again["paths"]["annex"].read_bytes() == got["paths"]["annex"].read_bytes()


def test_scaled_inputs_change_the_report(sample, tmp_path):
    """Month and cumulative ×2, plan ×3: every % of plan and change is recomputed."""
    require_shared()
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
    for path in (inputs / "2023-08").glob("*.xlsx"):
        wb = load_workbook(path)
        ws = wb["Chỉ tiêu"]
        for r in range(2, ws.max_row + 1):
            for col, factor in (("D", 3), ("E", 2), ("F", 2)):
                if isinstance(ws[f"{col}{r}"].value, (int, float)):
                    ws[f"{col}{r}"] = ws[f"{col}{r}"].value * factor
        wb.save(path)
    ctx = pipeline.open_context("2023-08", inputs, tmp_path / "out")
    got = pipeline.build(ctx)
    old = {i["code"]: i for i in json.loads(sample[1]["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    new = {i["code"]: i for i in json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    for code, ind in new.items():
        if ind["kind"] == "flow" and "pct_plan" in ind["derived"]:
            assert ind["derived"]["pct_plan"] == pytest.approx(old[code]["derived"]["pct_plan"] * 2 / 3)
        if ind["kind"] == "flow" and "yoy_cumulative_pct" in ind["derived"]:
            assert ind["derived"]["yoy_cumulative_pct"] == pytest.approx(
                (old[code]["derived"]["yoy_cumulative_pct"] + 100) * 2 - 100)
    proc = refcheck(got["paths"]["docx"])
    share = float(re.search(r"numbers\s+([\d.]+)%", proc.stdout).group(1))
    assert share <= 70.0, proc.stdout  # at least 30 % of the compared numbers differ


def test_period_without_narrative_builds_a_complete_report(filled):
    got = pipeline.build(filled)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
        assert "word/footnotes.xml" not in z.namelist()
    paras = ["".join(t.text or "" for t in p.iter(W + "t")) for p in doc.iter(W + "p")]
    assert "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH" in paras
    # (the heading's last three words held together by non-breaking spaces: tests/test_header.py)
    assert "II. TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG 8 VÀ 8 THÁNG\u00a0NĂM\u00a02023" in paras
    # nothing written after 1.3: the empty sections at the end print no heading alone, and
    # «./.» ends the last paragraph printed
    assert not any(p.startswith("III. NHIỆM VỤ TRỌNG TÂM") for p in paras)
    assert ("Tổng kim ngạch xuất nhập khẩu: 2.945\u00a0triệu USD, đạt 77,5% kế hoạch, tăng 70,3% so với cùng kỳ."
            in paras)
    assert "Chỉ số sản xuất công nghiệp: tăng 6,67% so với cùng kỳ./." in paras
    assert "Đàn trâu: 64.075\u00a0con, tăng 1,3% so với cùng kỳ." in paras
    assert len([p for p in paras if "./." in p]) == 1


def test_footnotes_part_created_when_template_has_none():
    from docx import Document
    import io
    d = Document()
    d.add_paragraph("Văn bản" + footnotes.marker(1) + " tiếp" + footnotes.marker(2))
    buf = io.BytesIO()
    d.save(buf)
    assert "word/footnotes.xml" not in zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    out = add_footnotes(buf.getvalue(), {1: "Một", 2: "Hai & <ba>"})
    z = zipfile.ZipFile(io.BytesIO(out))
    assert "footnotes.xml" in z.read("word/_rels/document.xml.rels").decode()
    assert "/word/footnotes.xml" in z.read("[Content_Types].xml").decode()
    assert 'w:styleId="FootnoteReference"' in z.read("word/styles.xml").decode()
    assert "<w:footnotePr>" in z.read("word/settings.xml").decode().replace(" ", "")
    notes = z.read("word/footnotes.xml").decode()
    assert "Hai &amp; &lt;ba&gt;" in notes
    doc = z.read("word/document.xml").decode()
    assert doc.count("footnoteReference") == 2 and "\ue000" not in doc
    assert re.search(r"Văn bản</w:t>.*footnoteReference w:id=\"1\".* tiếp</w:t>.*w:id=\"2\"", doc)


def test_template_error_is_a_clear_failure(filled, tmp_path):
    from docx import Document
    from generator.problems import BaocaoError
    d = Document()
    d.add_paragraph("{{ khong_dong ")
    d.save(filled.templates / "BC-UBND.docx")
    with pytest.raises(BaocaoError, match="chưa đóng bằng «}}»"):
        pipeline.build(filled)


def test_template_macros_and_template_footnotes(filled):
    """A clerk's template: phrase macros with wording options, and a footnote written in the template."""
    from docx import Document
    d = Document()
    d.add_paragraph('Kim ngạch {{ cau("XNK_TONG") }}{{ chu_thich("Ghi chú của văn phòng: " ~ so("XNK_XK", "luyke") ~ " triệu USD") }}.')
    d.add_paragraph('Xuất khẩu {{ cau("XNK_XK", ke_hoach="", so_voi_cung_ky=False) }}; {{ so("CSSX", "tang_thang") }}.')
    d.add_paragraph('{%p for doan in muc("II.1.2") %}')
    d.add_paragraph("{{ doan }}")
    d.add_paragraph("{%p endfor %}")
    d.save(filled.templates / "BC-UBND.docx")
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Văn bản của sở[[Chú thích của sở.]].")])
    got = pipeline.build(filled)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
        notes = etree.fromstring(z.read("word/footnotes.xml"))
    paras = ["".join(t.text or "" for t in p.iter(W + "t")) for p in doc.iter(W + "p")]
    assert paras[0] == "Kim ngạch 2.945\u00a0triệu USD, đạt 77,5% kế hoạch, tăng 70,3% so với cùng kỳ."
    assert paras[1] == "Xuất khẩu 1.620\u00a0triệu USD, đạt 124,6%, tăng 274,1%; tăng 0,79%."
    texts = ["".join(t.text or "" for t in f.iter(W + "t")).strip() for f in notes.iter(W + "footnote")
             if f.get(W + "type") is None]
    assert texts == ["Ghi chú của văn phòng: 1.620\u00a0triệu USD", "Chú thích của sở."]
    refs = [int(r.get(W + "id")) for r in doc.iter(W + "footnoteReference")]
    assert refs == [1, 2]
