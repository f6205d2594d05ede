"""The report's header on the rendered document, sized from its own text (Decree 30's header
holding long names): the agency | motto table's two columns shared so that the agency's lines
(«THÀNH PHỐ HỒ CHÍ MINH», a long agency name) fit their column whenever the motto still fits
the other one, a line that cannot fit broken in two balanced halves (never one word alone),
the rules under the agency and the motto kept in proportion; the place and date line, the
subject line and the headings never leave the year, or one word, alone on their last line
(non-breaking spaces there)."""
from __future__ import annotations

import re
import unicodedata

from lxml import etree

from .checks import HEADING_STYLES
from .wordml import w

NBSP = "\u00a0"
CELL_MARGIN = 108           # twips each side: Word's default for a table without tblCellMar
SAFETY = 60                 # twips: the estimate below is close, not exact
AGENCY_SIZE = 26            # half-points: 13 pt bold, the agency's lines and the national title
SMALLER = 24                # 12 pt: both, when at 13 pt they cannot share the width
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
# Times New Roman Bold advance widths, thousandths of an em (capitals and what a name holds)
BOLD = {**dict.fromkeys("ACDNRUVXYĐ", 722), **dict.fromkeys("BELTZ", 667), **dict.fromkeys("FP", 611),
        **dict.fromkeys("GHKOQ", 778), "I": 389, "J": 500, "M": 944, "S": 556, "W": 1000, " ": 250, "-": 333,
        ".": 250, ",": 250, **dict.fromkeys("0123456789", 500)}


def bold_width(text: str, half_points: int) -> int:
    """Twips of ``text`` in Times New Roman Bold; a Vietnamese capital is its base letter's
    width, a lower-case letter about 0.5 em."""
    em = 0
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        em += BOLD.get(ch, BOLD.get(base, 722 if base.isupper() else 500))
    return -(-em * half_points * 10 * 103 // 100000)   # 3 % over: measured against LibreOffice's PDF


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


def _style(p, styles: dict) -> str:
    st = p.find(f"{w('pPr')}/{w('pStyle')}")
    return styles.get(st.get(w("val")), st.get(w("val"))) if st is not None else ""


def _rule(p, styles: dict) -> bool:
    return _style(p, styles) == "Đường kẻ" or (p.find(f"{w('pPr')}/{w('pBdr')}/{w('bottom')}") is not None
                                               and not _text(p).strip())


def fit_header(doc, styles: dict) -> None:
    """Fit the two-column header table of the rendered body (``doc``: the ``w:document`` root,
    changed in place; ``styles``: styleId → name) to Decree 30: the agency's lines at 13 pt,
    else 12 pt, the columns widened (widths in twips) before a name breaks, a name broken
    into two balanced lines last; the place and date, the subject's last words and a
    heading's year held together. A header not made like the template's is left as it is."""
    body = doc.find(w("body"))
    table = body.find(w("tbl")) if body is not None else None
    if table is None:
        return
    grid = table.findall(f"{w('tblGrid')}/{w('gridCol')}")
    rows = table.findall(w("tr"))
    if len(grid) != 2 or len(rows) != 1 or len(rows[0].findall(w("tc"))) != 2:
        return   # not the two-column header the template is made with: left as the clerk made it
    left_cell, right_cell = rows[0].findall(w("tc"))
    left_w, right_w = (int(g.get(w("w"))) for g in grid)
    total = left_w + right_w
    agency = [p for p in left_cell.findall(w("p")) if _style(p, styles) == "Cơ quan" and _text(p).strip()]
    if not agency:
        return
    size = AGENCY_SIZE

    def needs(size):
        return (max(bold_width(_text(p).strip(), size) for p in agency) + 2 * CELL_MARGIN + SAFETY,
                bold_width(MOTTO, size) + 2 * CELL_MARGIN + SAFETY)
    need_left, need_right = needs(size)
    if need_left > left_w and need_left + need_right > total:
        # Decree 30 allows 12 to 13 pt for both lines: 12 pt before breaking a name
        size = SMALLER
        need_left, need_right = needs(size)
        motto = [p for p in right_cell.findall(w("p")) if _text(p).strip() == MOTTO]
        for p in agency + motto:
            _size(p, size)
    if need_left > left_w:
        new_left = min(need_left, total - need_right)
        if new_left > left_w:
            _resize(table, grid, left_cell, right_cell, new_left, total - new_left, styles)
            left_w = new_left
    for p in agency:   # still too long: two balanced lines, never one word alone
        if bold_width(_text(p).strip(), size) + 2 * CELL_MARGIN + SAFETY > left_w:
            _balanced_break(p, size)
    for p in right_cell.findall(w("p")):
        _hold(p, r"ngày.*?\d{4}")           # «ngày … tháng 8 năm 2023» on one line
    for p in body.findall(w("p")):
        style = _style(p, styles)
        if style == "Trích yếu":   # the subject's last line: at least three words
            _hold(p, r"\S+\s+\S+\s+\S+\s*$")
        elif style.startswith(HEADING_STYLES):   # a heading ending with the year: never «2023» alone
            _hold(p, r"\S+\s+\S+\s+\d{4}\s*$")


def _resize(table, grid, left_cell, right_cell, left: int, right: int, styles: dict) -> None:
    old_right = int(grid[1].get(w("w")))
    grid[0].set(w("w"), str(left))
    grid[1].set(w("w"), str(right))
    for cell, width in ((left_cell, left), (right_cell, right)):
        tcw = cell.find(f"{w('tcPr')}/{w('tcW')}")
        if tcw is not None:
            tcw.set(w("w"), str(width))
            tcw.set(w("type"), "dxa")
    for p in left_cell.findall(w("p")):   # the rule under the agency: a third of its column
        if _rule(p, styles):
            _indent(p, left // 3, left // 3)
    for p in right_cell.findall(w("p")):  # the rule under the motto: as long as before
        if _rule(p, styles):
            ind = p.find(f"{w('pPr')}/{w('ind')}")
            if ind is not None:
                length = old_right - int(ind.get(w("left"), "0")) - int(ind.get(w("right"), "0"))
                side = max((right - length) // 2, 0)
                _indent(p, side, side)


def _indent(p, left: int, right: int) -> None:
    ppr = p.find(w("pPr"))
    ind = ppr.find(w("ind")) if ppr is not None else None
    if ind is None:
        return
    ind.set(w("left"), str(left))
    ind.set(w("right"), str(right))


def _size(p, half_points: int) -> None:
    """The paragraph's runs (and its mark) at ``half_points``."""
    for rpr in [r.find(w("rPr")) for r in p.findall(w("r"))] + [p.find(f"{w('pPr')}/{w('rPr')}")]:
        if rpr is None:
            continue
        for tag in ("sz", "szCs"):
            el = rpr.find(w(tag))
            if el is None:
                el = etree.SubElement(rpr, w(tag))
            el.set(w("val"), str(half_points))
    for r in p.findall(w("r")):
        if r.find(w("rPr")) is None:
            rpr = etree.Element(w("rPr"))
            r.insert(0, rpr)
            for tag in ("sz", "szCs"):
                etree.SubElement(rpr, w(tag)).set(w("val"), str(half_points))


def _balanced_break(p, size: int = AGENCY_SIZE) -> None:
    """A line break at the space nearest the middle of the paragraph's text (its one run)."""
    runs = [r for r in p.findall(w("r")) if r.find(w("t")) is not None]
    if len(runs) != 1 or len(runs[0].findall(w("t"))) != 1:
        return
    t = runs[0].find(w("t"))
    text = (t.text or "").strip()
    spaces = [m.start() for m in re.finditer(" ", text)]
    if not spaces:
        return
    half = bold_width(text, size) / 2
    at = min(spaces, key=lambda i: abs(bold_width(text[:i], size) - half))
    t.text = text[:at]
    br = etree.Element(w("br"))
    second = etree.Element(w("t"))
    second.text = text[at + 1:]
    t.addnext(br)
    br.addnext(second)


def _hold(p, pattern: str) -> None:
    """Non-breaking spaces for the spaces of the paragraph's text that ``pattern`` matches
    (the paragraph's runs kept as they are)."""
    texts = list(p.iter(w("t")))
    whole = "".join(t.text or "" for t in texts)
    m = re.search(pattern, whole)
    if not m:
        return
    pos = 0
    for t in texts:
        text = t.text or ""
        a, b = pos, pos + len(text)
        lo, hi = max(m.start(), a), min(m.end(), b)
        if lo < hi:
            t.text = text[:lo - a] + text[lo - a:hi - a].replace(" ", NBSP) + text[hi - a:]
        pos = b
