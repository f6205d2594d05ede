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
SIZE = 22                   # 11 pt in the table
SIZES = (22, 20, 18)        # a table too wide for the page at 11 pt is set at 10 pt, then 9 pt
CELL_MARGIN = 57            # twips, each side of a cell
SLACK = 30                  # twips more than a value's own width: no renderer wraps it on rounding
MIN_NAME = 2100             # «Chỉ tiêu» column: below this (3.7 cm), the table goes to a wider page
MAX_NAME = 5200             # landscape: wider than this, the rest goes to the figures
FONT = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>'
# Times New Roman advance widths (thousandths of an em; Liberation Serif has the same metrics)
ADVANCE = {**dict.fromkeys("0123456789", 500), ".": 250, ",": 250, "%": 833, "-": 333, " ": 250, "\u00a0": 250,
           "+": 564, "(": 333, ")": 333, "/": 278}
LETTERS = {**dict.fromkeys("iljtI", 278), **dict.fromkeys("frì", 333), "s": 389, **dict.fromkeys("aceỹzy", 444),
           **dict.fromkeys("mM", 778), "w": 722, "W": 944}
ADVANCE_BOLD = {**ADVANCE, "%": 1000, "-": 333}


def text_width(text: str, size: int, bold: bool = False) -> int:
    """The width of ``text`` in twips at ``size`` half-points (letters: a generous average)."""
    table = ADVANCE_BOLD if bold else ADVANCE
    em = sum(table.get(ch) or LETTERS.get(ch, 722 if ch.isupper() else 500) * (11 if bold else 10) // 10
             for ch in text)
    return -(-em * size * 10 // 1000)   # half-points * 10 = twips per em; rounded up


def _run(text: str, size: int = SIZE, bold: bool = False, italic: bool = False) -> str:
    props = FONT + ("<w:b/><w:bCs/>" if bold else "") + ("<w:i/><w:iCs/>" if italic else "") + \
        f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str, size: int, bold=False, italic=False, align="center", after=0, keep=False) -> str:
    keep_next = "<w:keepNext/>" if keep else ""
    return (f'<w:p><w:pPr>{keep_next}<w:spacing w:before="0" w:after="{after}" w:line="240" w:lineRule="auto"/>'
            f'<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="{align}"/>'
            f'<w:rPr>{FONT}<w:sz w:val="{size}"/></w:rPr></w:pPr>{_run(text, size, bold, italic)}</w:p>')


def _cell(text: str, width: int, align="center", bold=False, span=1, vmerge: str | None = None,
          size: int = SIZE, nowrap: bool = False, keep: bool = False) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + \
        (f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else "") + \
        ("<w:noWrap/>" if nowrap else "") + '<w:vAlign w:val="center"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_para(text, size, bold=bold, align=align, keep=keep)}</w:tc>"


def _longest_word(texts, size: int, bold: bool = False) -> int:
    return max((text_width(word, size, bold) for t in texts for word in t.split()), default=0)


def column_widths(annex: Annex, text_width_: int, size: int = SIZE, landscape: bool = False) -> list[int] | None:
    """The table's column widths (twips) for a text width, or None when the «Chỉ tiêu» column
    would be left narrower than ``MIN_NAME``: each figure column as wide as its widest printed
    value or header word (a number never breaks), TT and «Đơn vị tính» as their contents need,
    «Chỉ tiêu» the rest (in landscape at most ``MAX_NAME``, the figures sharing what is left)."""
    pad = 2 * CELL_MARGIN + SLACK
    rows = annex.rows
    tt = max(text_width(str(len(rows) or 1), size), text_width("TT", size, True)) + pad
    units = [r.unit for r in rows]
    unit = max(_longest_word(units + ["Đơn vị tính"], size, True),
               min(max((text_width(u, size) for u in units), default=0), 920)) + pad + SLACK   # «triệu USD» whole
    figures = []
    for i, (key, header, sub, *_rest) in enumerate(COLUMNS):
        values = [text_width(r.cells[key].text, size) for r in rows]
        figures.append(max(values + [_longest_word([header if not sub else "", sub], size, True)]) + pad)
    # a header over its sub-headers («So với cùng kỳ (%)») fits over their sum
    for header, cols in header_groups():
        if cols[0][1]:
            need = _longest_word([header], size, True) + pad
            have = sum(figures[i] for i, _s in cols)
            if have < need:
                for i, _s in cols:
                    figures[i] += -(-(need - have) // len(cols))
    name = text_width_ - tt - unit - sum(figures)
    if name < MIN_NAME * size // SIZE:
        return None
    if landscape and name > MAX_NAME:
        extra = name - MAX_NAME
        figures = [f + extra // len(figures) for f in figures]
        name = text_width_ - tt - unit - sum(figures)
    return [tt, name, unit] + figures


def plan_table(annex: Annex, portrait_width: int, landscape_width: int, orientation: str):
    """(landscape, widths, font size) for the annex: ``orientation`` «doc» keeps the report's
    portrait page, «ngang» takes A4 landscape, «tu_dong» (the default) portrait when the table
    fits there at 11 pt, else landscape; the font goes down to 9 pt before the page overflows."""
    pages = {"doc": [False], "ngang": [True]}.get(orientation, [False, True])
    for size in SIZES:
        for landscape in pages:
            if orientation == "tu_dong" and not landscape and size != SIZE:
                continue   # smaller type on portrait only once landscape does not hold it at 11 pt
            widths = column_widths(annex, landscape_width if landscape else portrait_width, size, landscape)
            if widths is not None:
                return landscape, widths, size
    landscape = pages[-1]
    width = landscape_width if landscape else portrait_width
    widths = column_widths(annex, 10 ** 6, SIZES[-1], False)
    scale = width / sum(widths)
    return landscape, [int(w * scale) for w in widths], SIZES[-1]


def table_xml(annex: Annex, widths: list[int], size: int = SIZE) -> str:
    """The annex table as WordprocessingML (a ``w:tbl`` string): a repeated two-row header, the
    groups' title rows and one row per indicator; ``widths``: each column in twentieths of a
    point (dxa); ``size``: the font size in half-points."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    header = '<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
    top, sub = [], []
    for i, title in enumerate(("TT", "Chỉ tiêu", "Đơn vị tính")):
        top.append(_cell(title, widths[i], bold=True, vmerge="restart", size=size))
        sub.append(_cell("", widths[i], bold=True, vmerge="continue", size=size))
    for title, cols in header_groups():
        if cols[0][1]:   # a header over its sub-headers
            top.append(_cell(title, sum(widths[3 + i] for i, _s in cols), bold=True, span=len(cols), size=size))
            sub.extend(_cell(subtitle, widths[3 + i], bold=True, size=size) for i, subtitle in cols)
        else:
            i = cols[0][0]
            top.append(_cell(title, widths[3 + i], bold=True, vmerge="restart", size=size))
            sub.append(_cell("", widths[3 + i], bold=True, vmerge="continue", size=size))
    rows = [f"<w:tr>{header}{''.join(top)}</w:tr>", f"<w:tr>{header}{''.join(sub)}</w:tr>"]
    for group in annex.groups:
        # a section's row (and its parents') is kept on the page of the first row under it
        for title in group.parents + [group.title]:
            rows.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr>'
                        f'{_cell(title, sum(widths), align="left", bold=True, span=len(widths), size=size, keep=True)}'
                        f'</w:tr>')
        for row in group.rows:
            cells = [_cell(str(row.number), widths[0], size=size, nowrap=True),
                     _cell(row.name, widths[1], align="left", size=size), _cell(row.unit, widths[2], size=size)]
            cells += [_cell(row.cells[key].text, widths[3 + k], size=size, nowrap=True,
                            align="right" if row.cells[key].value is not None else "center")
                      for k, (key, *_) in enumerate(COLUMNS)]
            rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>")
    return (f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
            f'</w:tblCellMar><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
            f'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def append_annex(document, annex: Annex, landscape: bool | None = None) -> None:
    """Add the annex section to a parsed ``word/document.xml`` (lxml element), in place: on A4
    portrait pages like the report's or A4 landscape (``landscape``; None: as the annex's
    setting says, «tu_dong» choosing landscape only when the table needs it). ``ValueError`` when
    the body has no final section properties (a document not rendered from a Word template)."""
    body = document.find(W + "body")
    final = body.find(W + "sectPr")
    if final is None:
        raise ValueError("document.xml has no section properties")
    size_el, margins_el = final.find(W + "pgSz"), final.find(W + "pgMar")
    width = int(size_el.get(W + "w", A4_SHORT)) if size_el is not None else A4_SHORT
    sides = [int(margins_el.get(W + k, v)) if margins_el is not None else v for k, v in (("left", 1701), ("right", 850))]
    portrait_width = width - sum(sides)
    landscape_width = A4_LONG - MARGIN["left"] - MARGIN["right"]
    orientation = annex.orientation if landscape is None else ("ngang" if landscape else "doc")
    landscape, widths, size = plan_table(annex, portrait_width, landscape_width, orientation)
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
    final.addprevious(etree.fromstring(table_xml(annex, widths, size)))
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
