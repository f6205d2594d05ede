"""The annex as the DOCX's last section, after the signature: on A4 portrait pages like the
report's (the default) or A4 landscape, its pages numbered on their own from 1 (Decree 30;
none printed on its first page, as for the report), the table's header rows repeated on
every page. The report's own section keeps its properties (A4 portrait, margins, no
number on page 1): they move to a paragraph closing it, as Word stores a section break."""
from __future__ import annotations

import copy
from ..compose.properties import escape
from ..compose.wordml import W, W_NS

from lxml import etree

from . import COLUMNS, Annex, header_groups

A4_LONG, A4_SHORT = 16838, 11906
MARGIN = {"top": 1134, "bottom": 1134, "left": 1701, "right": 1134, "header": 567, "footer": 567}  # 20/30/20 mm
FIRST = (600, 4100, 1300)   # landscape: TT, Chỉ tiêu, Đơn vị tính (twips); the figures share the rest
# portrait: TT, Chỉ tiêu, Đơn vị tính, then the figures, for 165 mm of text (scaled to the page's)
PORTRAIT = (480, 2350, 950, 1030, 950, 950, 820, 910, 910)
SIZE = 22                   # 11 pt in the table
FONT = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>'


def _run(text: str, size: int = SIZE, bold: bool = False, italic: bool = False) -> str:
    props = FONT + ("<w:b/><w:bCs/>" if bold else "") + ("<w:i/><w:iCs/>" if italic else "") + \
        f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str, size: int, bold=False, italic=False, align="center", after=0, keep=False) -> str:
    keep_next = "<w:keepNext/>" if keep else ""
    return (f'<w:p><w:pPr>{keep_next}<w:spacing w:before="0" w:after="{after}" w:line="240" w:lineRule="auto"/>'
            f'<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="{align}"/>'
            f'<w:rPr>{FONT}<w:sz w:val="{size}"/></w:rPr></w:pPr>{_run(text, size, bold, italic)}</w:p>')


def _cell(text: str, width: int, align="center", bold=False, span=1, vmerge: str | None = None) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + \
        (f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else "") + \
        '<w:vAlign w:val="center"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_para(text, SIZE, bold=bold, align=align)}</w:tc>"


def column_widths(text_width: int, landscape: bool) -> list[int]:
    """The table's column widths (twips) for a text width."""
    if landscape:
        rest = (text_width - sum(FIRST)) // len(COLUMNS)
        return list(FIRST) + [rest] * len(COLUMNS)
    return [w * text_width // sum(PORTRAIT) for w in PORTRAIT]


def table_xml(annex: Annex, widths: list[int]) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    header = '<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
    top, sub = [], []
    for i, title in enumerate(("TT", "Chỉ tiêu", "Đơn vị tính")):
        top.append(_cell(title, widths[i], bold=True, vmerge="restart"))
        sub.append(_cell("", widths[i], bold=True, vmerge="continue"))
    for title, cols in header_groups():
        if cols[0][1]:   # a header over its sub-headers
            top.append(_cell(title, sum(widths[3 + i] for i, _s in cols), bold=True, span=len(cols)))
            sub.extend(_cell(subtitle, widths[3 + i], bold=True) for i, subtitle in cols)
        else:
            i = cols[0][0]
            top.append(_cell(title, widths[3 + i], bold=True, vmerge="restart"))
            sub.append(_cell("", widths[3 + i], bold=True, vmerge="continue"))
    rows = [f"<w:tr>{header}{''.join(top)}</w:tr>", f"<w:tr>{header}{''.join(sub)}</w:tr>"]
    for group in annex.groups:
        rows.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr>'
                    f'{_cell(group.title, sum(widths), align="left", bold=True, span=len(widths))}</w:tr>')
        for row in group.rows:
            cells = [_cell(str(row.number), widths[0]), _cell(row.name, widths[1], align="left"),
                     _cell(row.unit, widths[2])]
            cells += [_cell(row.cells[key].text, widths[3 + k],
                            align="right" if row.cells[key].value is not None else "center")
                      for k, (key, *_) in enumerate(COLUMNS)]
            rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>")
    return (f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            f'<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
            f'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def append_annex(document, annex: Annex, landscape: bool = False) -> None:
    """Add the annex section to a parsed ``word/document.xml`` (lxml element), in place: on A4
    portrait pages like the report's (``landscape=False``) or A4 landscape."""
    body = document.find(W + "body")
    final = body.find(W + "sectPr")
    if final is None:
        raise ValueError("document.xml has no section properties")
    # the report's section: closed by a small empty paragraph carrying its properties
    closing = etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" '
                               f'w:lineRule="auto"/><w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')
    closing.find(W + "pPr").append(copy.deepcopy(final))
    final.addprevious(closing)
    parts = [_para("Phụ lục", 28, bold=True, keep=True),
             _para(annex.title, 28, bold=True, keep=True),
             _para(annex.period, 28, bold=True, keep=True),
             _para(annex.attached, 26, italic=True, after=240, keep=True)]
    for xml in parts:
        final.addprevious(etree.fromstring(xml.replace("<w:p>", f'<w:p xmlns:w="{W_NS}">', 1)))
    if landscape:
        text_width = A4_LONG - MARGIN["left"] - MARGIN["right"]
    else:
        size, margins = final.find(W + "pgSz"), final.find(W + "pgMar")
        width = int(size.get(W + "w", A4_SHORT)) if size is not None else A4_SHORT
        sides = [int(margins.get(W + k, v)) if margins is not None else v for k, v in (("left", 1701), ("right", 850))]
        text_width = width - sum(sides)
    final.addprevious(etree.fromstring(table_xml(annex, column_widths(text_width, landscape))))
    final.addprevious(etree.fromstring(_para(annex.note, SIZE, italic=True, align="left").replace(
        "<w:p>", f'<w:p xmlns:w="{W_NS}">', 1).replace('w:before="0"', 'w:before="120"')))
    # the annex's section: the last one (A4 landscape, or the report's own page)
    margins = final.find(W + "pgMar")
    if landscape:
        size = final.find(W + "pgSz")
        if size is None:
            size = etree.SubElement(final, W + "pgSz")
        size.set(W + "w", str(A4_LONG))
        size.set(W + "h", str(A4_SHORT))
        size.set(W + "orient", "landscape")
        if margins is None:
            margins = etree.SubElement(final, W + "pgMar")
        for side, value in MARGIN.items():
            margins.set(W + side, str(value))
    for el in final.findall(W + "type"):
        final.remove(el)
    # Decree 30: an annex's pages are numbered on their own, from 1 (and, like the report's,
    # not on its first page: the section keeps the report's «different first page»)
    numbering = final.find(W + "pgNumType")
    if numbering is None:
        numbering = etree.Element(W + "pgNumType")
        after = final.find(W + "cols")
        if after is not None:
            after.addprevious(numbering)
        elif margins is not None:
            margins.addnext(numbering)
        else:
            final.append(numbering)
    numbering.set(W + "start", "1")
