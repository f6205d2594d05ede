"""The end of the document a văn thư accepts: «./.» once, on the last body paragraph actually
printed (a closing paragraph the clerk added, a department's text, an automatic sentence),
never after a heading; the signature block with no empty line for whichever signer; the
headings numbered in the order they are printed; an unclosed ``for`` named."""
from __future__ import annotations

import re
import subprocess
import zipfile

import pytest
from lxml import etree

from generator import pipeline
from generator.compose.checks import TemplateProblems

from .conftest import fill, require_program
from .test_template_checks import edit_template

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def text_of(el) -> str:
    return "".join(t.text or "" for t in el.iter(W + "t"))


def document(path):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def body_and_closing(path):
    """(the printed paragraphs between the subject line and the closing table, that table)."""
    body = document(path).find(W + "body")
    kids = list(body)
    closing = next(i for i, el in enumerate(kids) if el.tag == W + "tbl" and "Nơi nhận" in text_of(el))
    title = next(i for i, el in enumerate(kids) if text_of(el).strip() == "BÁO CÁO")
    paras = [el for el in kids[title + 2:closing] if el.tag == W + "p" and text_of(el).strip()]
    return paras, kids[closing]


def style_of(p) -> str:
    st = p.find(f"{W}pPr/{W}pStyle")
    return st.get(W + "val") if st is not None else ""


def add_closing_paragraph(text: str):
    """The template with ``text`` as a paragraph after the last section's block (after the
    last ``{%p endif %}`` of the body), styled as body text."""
    def change(xml):
        at = xml.rindex("{%p endif %}", 0, xml.index("Nơi nhận"))
        end = xml.index("</w:p>", at) + len("</w:p>")
        para = (f'<w:p><w:pPr><w:pStyle w:val="Nidung"/></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t>'
                f'</w:r></w:p>')
        style = re.search(r'<w:pStyle w:val="([^"]*)"/></w:pPr><w:r><w:t>\{\{ doan \}\}', xml).group(1)
        return xml[:end] + para.replace("Nidung", style) + xml[end:]
    return change


def end_marks(paras) -> list[int]:
    return [i for i, p in enumerate(paras) if "./." in text_of(p)]


def test_a_closing_paragraph_added_to_the_template_carries_the_only_end_mark(filled):
    closing = "Trên đây là báo cáo tình hình kinh tế - xã hội tháng {{ thang_ky }} của UBND tỉnh."
    edit_template(filled.templates, add_closing_paragraph(closing))
    # a department ends its text with «./.» in the middle of the body
    fill(filled.period_inputs / "so-cong-thuong.xlsx",
         narrative=[("II.1.2", "Kim ngạch xuất nhập khẩu tăng khá./.")])
    path = pipeline.build(filled)["paths"]["docx"]
    paras, _table = body_and_closing(path)
    assert end_marks(paras) == [len(paras) - 1]
    last = text_of(paras[-1])
    assert last == "Trên đây là báo cáo tình hình kinh tế - xã hội tháng 8 của UBND tỉnh./."
    typed = next(p for p in paras if "Kim ngạch xuất nhập khẩu tăng khá" in text_of(p))
    assert text_of(typed).endswith("tăng khá.")
    # the paragraph kept with the signature is that same last paragraph, and only the closing
    assert paras[-1].find(f"{W}pPr/{W}keepNext") is not None
    assert all(p.find(f"{W}pPr/{W}keepNext") is None for p in paras[:-1] if style_of(p) == style_of(paras[-1]))


def test_an_empty_last_section_prints_no_heading_alone_and_one_end_mark(filled):
    settings = filled.templates / "cai-dat.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('"III" = "III. Nhiệm vụ trọng tâm tháng tới"',
                                     '"III" = "III. Nhiệm vụ trọng tâm tháng tới"\n"IV" = "IV. Kiến nghị, đề xuất"'),
                        encoding="utf-8")

    def add_section_iv(xml):
        at = xml.rindex("{%p endif %}", 0, xml.index("Nơi nhận"))
        end = xml.index("</w:p>", at) + len("</w:p>")
        start = xml.rindex("<w:p>", 0, xml.index('{%p if in_de_muc("III") %}'))
        block = xml[start:end].replace('"III"', '"IV"').replace("{{ nhiem_vu_de_muc }}", "KIẾN NGHỊ, ĐỀ XUẤT")
        return xml[:end] + block + xml[end:]
    edit_template(filled.templates, add_section_iv)
    fill(filled.period_inputs / "so-cong-thuong.xlsx",
         narrative=[("III", "Tiếp tục đẩy mạnh xuất khẩu./."), ("II.1.2", "Kim ngạch tăng.")])
    ctx = pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates)
    paras, _table = body_and_closing(pipeline.build(ctx)["paths"]["docx"])
    texts = [text_of(p) for p in paras]
    assert not any("KIẾN NGHỊ" in t for t in texts)
    assert end_marks(paras) == [len(paras) - 1] and texts[-1] == "Tiếp tục đẩy mạnh xuất khẩu./."
    # nobody writes in III either: its heading goes too, «./.» on the last paragraph printed
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("III", ""), ("II.1.2", "Kim ngạch tăng.")])
    paras, _table = body_and_closing(pipeline.build(ctx)["paths"]["docx"])
    texts = [text_of(p) for p in paras]
    assert not any("NHIỆM VỤ TRỌNG TÂM" in t or "KIẾN NGHỊ" in t for t in texts)
    assert end_marks(paras) == [len(paras) - 1]
    assert paras[-1].find(f"{W}pPr/{W}pStyle") is None or "mc" not in style_of(paras[-1]).lower()
    assert texts[-1].endswith("./.") and not texts[-1].endswith("../.")


def signature_lines(path) -> list[str]:
    _paras, table = body_and_closing(path)
    cell = table.findall(f"{W}tr/{W}tc")[1]
    return [text_of(p) for p in cell.findall(W + "p")]


@pytest.mark.parametrize("signer, lines", [
    ({}, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lương Trọng Quỳnh"]),
    ({"cap_pho": "", "chuc_vu": "CHỦ TỊCH", "ho_ten": "Trần Văn Bình"},
     ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Văn Bình"]),
    ({"tham_quyen": "", "cap_pho": "TL. CHỦ TỊCH", "chuc_vu": "CHÁNH VĂN PHÒNG", "ho_ten": "Hoàng Văn C"},
     ["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "Hoàng Văn C"]),
    ({"tham_quyen": "", "cap_pho": "TUQ. CHỦ TỊCH", "chuc_vu": "GIÁM ĐỐC SỞ KẾ HOẠCH VÀ ĐẦU TƯ"},
     ["TUQ. CHỦ TỊCH", "GIÁM ĐỐC SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "Lương Trọng Quỳnh"]),
], ids=["vice-chairman", "chairman", "tl", "tuq"])
def test_the_signature_block_has_no_empty_line_for_any_signer(filled, signer, lines):
    settings = filled.templates / "cai-dat.toml"
    text = settings.read_text(encoding="utf-8")
    for key, value in signer.items():
        text, n = re.subn(rf'(?m)^{key} = ".*"', f'{key} = "{value}"', text)
        assert n == 1
    settings.write_text(text, encoding="utf-8")
    ctx = pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates)
    assert signature_lines(pipeline.build(ctx)["paths"]["docx"]) == lines


def test_moved_sections_are_numbered_in_the_order_printed(filled):
    """The clerk moves the block of 1.3 above 1.2 in the template: the printed numbers stay
    1.1, 1.2, 1.3 (the titles follow their sections)."""
    def move(xml):
        def block(section):
            start = xml.rindex("<w:p>", 0, xml.index(f'{{%p if in_de_muc("{section}") %}}'))
            end_if = xml.index("{%p endif %}", start)
            return start, xml.index("</w:p>", end_if) + len("</w:p>")
        a, b = block("II.1.2")
        c, d = block("II.1.3")
        assert b == c
        return xml[:a] + xml[c:d] + xml[a:b] + xml[d:]
    edit_template(filled.templates, move)
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Cửa khẩu."), ("II.1.3", "Công nghiệp.")])
    paras, _t = body_and_closing(pipeline.build(filled)["paths"]["docx"])
    texts = [text_of(p) for p in paras]
    heads = [t for t in texts if re.match(r"1\.\d\.? ", t)]
    assert [h.split(" ")[0] for h in heads][:3] == ["1.1", "1.2.", "1.3."]
    assert heads[1].endswith("Sản xuất công nghiệp, thương mại, dịch vụ và du lịch")
    assert heads[2].endswith("Phát triển kinh tế cửa khẩu")
    first = next(i for i, t in enumerate(texts) if t.startswith("Công nghiệp."))
    assert first < next(i for i, t in enumerate(texts) if t.startswith("Cửa khẩu."))


def test_a_missing_endfor_names_the_unclosed_for_and_its_paragraph(filled):
    def drop_endfor(xml):
        at = xml.index('{%p for doan in muc("II.1.2") %}')
        end_tag = xml.index("{%p endfor %}", at)
        start = xml.rindex("<w:p>", 0, end_tag)
        end = xml.index("</w:p>", end_tag) + len("</w:p>")
        return xml[:start] + xml[end:]
    edit_template(filled.templates, drop_endfor)
    with pytest.raises(TemplateProblems) as e:
        pipeline.build(filled)
    message = str(e.value)
    assert len(e.value.problems) == 1, message
    assert '{%p for doan in muc("II.1.2") %}' in message, message
    assert "1.2. Phát triển kinh tế cửa khẩu" in message and "{%p endfor %}" in message, message


def test_the_pdf_ends_the_body_once_with_the_closing_paragraph(filled, tmp_path):
    require_program("soffice")
    require_program("pdftotext")
    edit_template(filled.templates, add_closing_paragraph("Trên đây là báo cáo của UBND tỉnh."))
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Kim ngạch tăng khá./.")])
    settings = filled.templates / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('cap_pho = "KT. CHỦ TỊCH"', 'cap_pho = ""')
                        .replace('chuc_vu = "PHÓ CHỦ TỊCH"', 'chuc_vu = "CHỦ TỊCH"'), encoding="utf-8")
    ctx = pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates)
    pdf = pipeline.build(ctx, pdf=True)["paths"]["pdf"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("./.") == 1
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if "./." in line)
    assert lines[at].endswith("Trên đây là báo cáo của UBND tỉnh./.")
    assert lines[at + 1].startswith("Nơi nhận:") and "TM. ỦY BAN NHÂN DÂN" in lines[at + 1]
    assert "CHỦ TỊCH" in lines[at + 2] and "KT." not in text


def test_a_long_last_paragraph_leaves_no_half_empty_page_before_the_signature(filled):
    """A long closing paragraph (40 lines) is free to split: every page before the signature's
    is full, and the paragraph's end shares the signature's page."""
    require_program("soffice")
    require_program("pdftotext")
    long = " ".join(["Tiếp tục chỉ đạo thực hiện quyết liệt các nhiệm vụ, giải pháp phát triển kinh tế - xã hội"] * 40)
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("II.1.2", "Kim ngạch tăng. " * 150),
                                                                  ("III", long + ".")])
    path = pipeline.build(filled, pdf=True)["paths"]["pdf"]
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [[line for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
             for page in text.split("\f")]
    signed = next(i for i, page in enumerate(pages) if any("Nơi nhận" in line for line in page))
    fullest = max(len(page) for page in pages)
    for i, page in enumerate(pages[:signed]):
        assert len(page) >= fullest * 0.8, (i + 1, len(page), fullest)
    before = pages[signed][:pages[signed].index(next(line for line in pages[signed] if "Nơi nhận" in line))]
    assert before and before[-1].rstrip().endswith("./.")
