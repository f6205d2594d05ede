"""Emphasis in the rendered Word XML: the markers the narrative's grammar (``stars``) put
in the text become runs with ``w:i`` / ``w:b`` (``apply``), in the body and in the footnotes
alike."""
from __future__ import annotations

import copy

from lxml import etree

from ..stars import B_OFF, B_ON, I_OFF, I_ON, MARKS
from .wordml import RPR_ORDER, XML_SPACE, w


def _with(rpr, bold: bool, italic: bool):
    new = copy.deepcopy(rpr) if rpr is not None else etree.Element(w("rPr"))
    for tag, on in (("b", bold), ("i", italic)):
        for old in new.findall(w(tag)):
            new.remove(old)
        if on:
            el = etree.Element(w(tag))
            # schema order (RPR_ORDER): after rStyle, rFonts, b, bCs
            after = [c for c in new if c.tag in {w(t) for t in RPR_ORDER[:4]}]
            new.insert(new.index(after[-1]) + 1 if after else 0, el)
    return new


def apply(root) -> None:
    """Split every run carrying emphasis markers; the state runs on across the runs of a
    paragraph (a footnote reference inside italic text stays between italic pieces)."""
    for p in root.iter(w("p")):
        runs = [r for r in p.iter(w("r"))]
        if not any(t.text and any(ch in t.text for ch in MARKS) for r in runs for t in r.iter(w("t"))):
            continue
        bold = italic = False
        for r in runs:
            texts = r.findall(w("t"))
            if not texts:
                continue
            if not any(t.text and any(ch in t.text for ch in MARKS) for t in texts) and not (bold or italic):
                continue
            rpr = r.find(w("rPr"))
            text = "".join(t.text or "" for t in texts)
            pieces, buf = [], ""
            for ch in text:
                if ch in MARKS:
                    if buf:
                        pieces.append((buf, bold, italic))
                        buf = ""
                    bold = True if ch == B_ON else False if ch == B_OFF else bold
                    italic = True if ch == I_ON else False if ch == I_OFF else italic
                else:
                    buf += ch
            if buf:
                pieces.append((buf, bold, italic))
            parent = r.getparent()
            at = parent.index(r)
            parent.remove(r)
            for k, (piece, b, i) in enumerate(pieces):
                nr = etree.Element(w("r"))
                nr.append(_with(rpr, b, i))
                t = etree.SubElement(nr, w("t"))
                t.text = piece
                t.set(XML_SPACE, "preserve")
                parent.insert(at + k, nr)
