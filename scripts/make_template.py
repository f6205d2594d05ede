"""Bootstrap templates/BC-UBND.docx, the Word template a clerk then edits in Word or
LibreOffice. Run once (kept for the record and to rebuild it from scratch):

    python scripts/make_template.py [OUT]      (OUT: another path to write, e.g. to compare)

Jinja tags inside (docxtpl): ``{{ trich_yeu }}``, ``{%p for doan in muc("II.1.1") %}``…,
``{{ cau("XNK_TONG") }}``, ``{{ chu_thich("…") }}`` for a footnote written in the template.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
OUT = Path(__file__).resolve().parent.parent / "templates" / "BC-UBND.docx"

SECTIONS = [
    ("h1", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", "I"),
    ("h1", "II. TÌNH HÌNH KINH TẾ - XÃ HỘI {{ ky_de_muc }}", None),
    ("h2", "1. Lĩnh vực phát triển kinh tế", None),
    ("h3", "1.1 Sản xuất nông, lâm nghiệp và xây dựng nông thôn mới", "II.1.1"),
    ("h3", "1.2. Phát triển kinh tế cửa khẩu", "II.1.2"),
    ("h3", "1.3. Sản xuất công nghiệp, thương mại, dịch vụ và du lịch", "II.1.3"),
    ("h3", "1.4. Hoạt động đầu tư xây dựng kết cấu hạ tầng", "II.1.4"),
    ("h3", "1.5. Phát triển doanh nghiệp, thu hút đầu tư", "II.1.5"),
    ("h3", "1.6. Công tác quản lý, điều hành ngân sách nhà nước", "II.1.6"),
    ("h2", "2. Lĩnh vực văn hoá - xã hội", "II.2"),
    ("h2", "3. Lĩnh vực chuyển đổi số", "II.3"),
    ("h2", "4. Tài nguyên và môi trường, khoa học công nghệ", "II.4"),
    ("h2", "5. Công tác thanh tra, kiểm tra, giải quyết khiếu nại tố cáo, phòng chống tham nhũng; "
           "chống buôn lậu, gian lận thương mại", "II.5"),
    ("h2", "6. Quốc phòng - an ninh, đối ngoại", "II.6"),
    ("h2", "7. Công tác cải cách hành chính", "II.7"),
    (None, None, "II.DG"),
    ("h1", "III. {{ nhiem_vu_de_muc }}", "III"),
]


def set_font(style, size, bold=None, italic=None):
    style.font.name = FONT
    style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(a), FONT)


def para_style(doc, name, size, bold=False, italic=False, align=None, indent=None, before=0, after=0, line=1.0):
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    set_font(st, size, bold, italic)
    pf = st.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.first_line_indent = indent
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.line_spacing = line
    return st


def rule_below(cell, indent_cm, after_pt=0):
    """A short horizontal rule under the previous line: an empty 1 pt paragraph whose bottom
    border, shortened by its indents, is the rule Decree 30 draws under the agency name, the
    motto and the subject line."""
    paragraph = cell.add_paragraph(style="Đường kẻ")
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    ppr.append(bdr)
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.right_indent = Cm(indent_cm)
    if after_pt:
        paragraph.paragraph_format.space_after = Pt(after_pt)


def set_widths(table, *widths_cm):
    table.autofit = False
    for col, width in zip(table.columns, widths_cm):
        col.width = Cm(width)
        for cell in col.cells:
            cell.width = Cm(width)


def no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def add(cell_or_doc, text, style):
    p = cell_or_doc.add_paragraph(text, style=style)
    return p


def page_number_header(section):
    section.different_first_page_header_footer = True
    hdr = section.header
    p = hdr.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.name = FONT
    run.font.size = Pt(13)
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), " PAGE ")
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for a in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(a), FONT)
    rpr.append(fonts)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "26")
    rpr.append(sz)
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = "2"
    r.append(t)
    fld.append(r)
    p._p.append(fld)
    section.first_page_header.paragraphs[0].text = ""


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    doc = Document()
    normal = doc.styles["Normal"]
    set_font(normal, 14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # Word's default character and table styles also name the font, so nothing falls back
    for s in doc.styles:
        if s.type in (WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.PARAGRAPH) and s.name != "Normal":
            try:
                rpr = s.element.rPr
                if rpr is not None and rpr.find(qn("w:rFonts")) is not None:
                    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                        rpr.find(qn("w:rFonts")).set(qn(a), FONT)
                    for a in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
                        rpr.find(qn("w:rFonts")).attrib.pop(qn(a), None)
            except AttributeError:
                pass
    # docDefaults: Times New Roman for anything without a style
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr_default.insert(0, fonts)
    for a in list(fonts.attrib):
        del fonts.attrib[a]
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(a), FONT)

    C = WD_ALIGN_PARAGRAPH.CENTER
    J = WD_ALIGN_PARAGRAPH.JUSTIFY
    para_style(doc, "Cơ quan", 13, bold=True, align=C)
    para_style(doc, "Quốc hiệu", 13, bold=True, align=C)
    para_style(doc, "Tiêu ngữ", 14, bold=True, align=C)
    para_style(doc, "Số ký hiệu", 13, align=C, before=6)
    para_style(doc, "Địa danh", 14, italic=True, align=C, before=6)
    para_style(doc, "Tên loại", 14, bold=True, align=C, before=12)
    para_style(doc, "Trích yếu", 14, bold=True, align=C, after=0)
    for name, italic in (("Đề mục 1", False), ("Đề mục 2", False), ("Đề mục 3", True)):
        heading = para_style(doc, name, 14, bold=True, italic=italic, align=J, indent=Cm(1.27), before=6, after=0)
        heading.paragraph_format.keep_with_next = True   # a heading never ends a page
    para_style(doc, "Nội dung", 14, align=J, indent=Cm(1.27), before=6, after=0, line=1.0)
    para_style(doc, "Nơi nhận", 12, bold=True, italic=True)
    para_style(doc, "Người nhận", 11)
    para_style(doc, "Chức vụ", 14, bold=True, align=C)
    para_style(doc, "Người ký", 14, bold=True, align=C, before=72)
    para_style(doc, "Đường kẻ", 1, align=C)
    fn = para_style(doc, "Footnote Text", 12, align=J)
    fn.element.set(qn("w:styleId"), "FootnoteText")
    ref = doc.styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
    ref.element.set(qn("w:styleId"), "FootnoteReference")
    ref.font.superscript = True

    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    sec.header_distance = Mm(10)
    page_number_header(sec)

    # header block: agency | national motto
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    no_borders(table)
    set_widths(table, 6.0, 10.5)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = "{{ co_quan.ten_co_quan }}"
    left.paragraphs[0].style = doc.styles["Cơ quan"]
    add(left, "{{ co_quan.ten_tinh }}", "Cơ quan")
    rule_below(left, 2.0)  # 2.0 cm long: under half the agency name
    add(left, "Số:      /{{ co_quan.ky_hieu }}", "Số ký hiệu")
    right.paragraphs[0].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    right.paragraphs[0].style = doc.styles["Quốc hiệu"]
    add(right, "Độc lập - Tự do - Hạnh phúc", "Tiêu ngữ")
    rule_below(right, 2.05)  # 6.4 cm long: the motto's own width
    add(right, "{{ co_quan.dia_danh }}, ngày      tháng {{ thang_ky }} năm {{ nam_ky }}", "Địa danh")

    add(doc, "BÁO CÁO", "Tên loại")
    add(doc, "{{ trich_yeu }}", "Trích yếu")
    # Decree 30: a short solid rule under the subject line, centred, 1/3-1/2 of the line
    # (text width 16.5 cm; 4.95 cm each side leaves 6.6 cm, 40 %)
    rule_below(doc, 4.95, after_pt=12)

    import tomllib
    with open(OUT.parent / "cai-dat.toml", "rb") as fh:
        titles = tomllib.load(fh)["muc"]
    for level, title, section in SECTIONS:
        style = {"h1": "Đề mục 1", "h2": "Đề mục 2", "h3": "Đề mục 3"}.get(level)
        if section and title:
            # the title lives in [muc] of cai-dat.toml, in one place; a section nobody wrote
            # prints its heading or not as the setting in_de_muc_trong says
            shown = titles.get(section, "")
            if "{{" not in title and shown and shown.upper() == title.upper():
                title = '{{ ten_muc("' + section + '")' + ("|upper" if shown != title else "") + " }}"
            add(doc, '{%p if in_de_muc("' + section + '") %}', style)
        if title:
            add(doc, title, style)
        if section:
            add(doc, '{%p for doan in muc("' + section + '") %}', "Nội dung")
            add(doc, "{{ doan }}", "Nội dung")
            add(doc, "{%p endfor %}", "Nội dung")
        if section and title:
            add(doc, "{%p endif %}", style)
        if level == "h1" and "ky_de_muc" in (title or ""):
            # Decree 30: a document with an annex says so in its body; the sentence is the
            # setting [phu_luc] dan_chieu, printed only when the annex is in the DOCX
            add(doc, "{%p if dan_chieu_phu_luc %}", "Nội dung")
            add(doc, "", "Nội dung").add_run("{{ dan_chieu_phu_luc }}").italic = True
            add(doc, "{%p endif %}", "Nội dung")

    # closing: recipients | signature
    add(doc, "", "Nội dung")
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    set_widths(table, 8.0, 8.5)
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))  # the closing block stays on one page
    left, right = table.rows[0].cells
    left.paragraphs[0].text = "Nơi nhận:"
    left.paragraphs[0].style = doc.styles["Nơi nhận"]
    add(left, "{%p for nguoi in noi_nhan %}", "Người nhận")
    add(left, "- {{ nguoi }}", "Người nhận")
    add(left, "{%p endfor %}", "Người nhận")
    # every line of the signer's block may be left empty in cai-dat.toml (the Chairman signing
    # himself has no «KT. CHỦ TỊCH»; «TL.»/«TUQ.» forms have their own lines): an empty line is
    # not printed at all, rather than left blank
    right.paragraphs[0].text = "{%p if ky_ten.tham_quyen %}"
    right.paragraphs[0].style = doc.styles["Chức vụ"]
    first = True
    for key in ("tham_quyen", "cap_pho", "chuc_vu"):
        if not first:
            add(right, "{%p if ky_ten." + key + " %}", "Chức vụ")
        first = False
        add(right, "{{ ky_ten." + key + " }}", "Chức vụ")
        add(right, "{%p endif %}", "Chức vụ")
    add(right, "{{ ky_ten.ho_ten }}", "Người ký")

    out.parent.mkdir(parents=True, exist_ok=True)
    import datetime as dt
    import io

    from generator.compose.package import read_parts, write_parts
    from generator.compose.properties import finalize
    buf = io.BytesIO()
    doc.save(buf)
    # a clean package: vi-VN, compatibility mode 15, schema order, no python-docx leftovers
    parts = finalize(read_parts(buf.getvalue()), "Báo cáo tình hình kinh tế - xã hội", "Văn phòng UBND tỉnh",
                     dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc))
    # the template's own copy for Word 2010 (stylesWithEffects.xml) in vi-VN too: a build
    # leaves that part as the template has it
    if "word/stylesWithEffects.xml" in parts:
        from lxml import etree

        from generator.compose.properties import _styles
        root = _styles(etree.fromstring(parts["word/stylesWithEffects.xml"]))
        parts["word/stylesWithEffects.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                             standalone=True)
    out.write_bytes(write_parts(parts))
    print(f"Đã ghi {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
