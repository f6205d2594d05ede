"""Emphasis in narrative text: ``*nghiêng*``, ``**đậm**``, ``\\*`` for a literal star (a star
between two letters or digits, as in ``7*7``, is a star too).

The markup becomes private-use markers in the text handed to the template (Word text never
carries them); after rendering, ``apply`` splits the runs at the markers and sets ``w:i`` /
``w:b`` on the pieces, in the body and in the footnotes alike. A star left open is a
narrative error (``unclosed``), found when the workbook is checked.
"""
from __future__ import annotations

import copy
import re

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
I_ON, I_OFF, B_ON, B_OFF = "\ue010", "\ue011", "\ue012", "\ue013"
MARKS = I_ON + I_OFF + B_ON + B_OFF
STAR = "\ue014"  # an escaped star, until the markup is read
TOKEN = re.compile(r"\*\*|\*")


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _marks(text: str):
    """The stars that are markup: a star between two letters or digits (``7*7``) is just a
    star, as in Markdown's rule for intraword emphasis."""
    for m in TOKEN.finditer(text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isalnum() and after.isalnum():
            continue
        yield m


def unclosed(text: str) -> str | None:
    """Why the stars of a text do not pair up (Vietnamese), or None."""
    text = text.replace("\\*", "")
    bold = italic = False
    for m in _marks(text):
        if m.group(0) == "**":
            bold = not bold
        else:
            italic = not italic
    if bold:
        return "«**» mở chữ đậm chưa được đóng bằng «**» (muốn in dấu sao thì viết «\\*»)"
    if italic:
        return "«*» mở chữ nghiêng chưa được đóng bằng «*» (muốn in dấu sao thì viết «\\*»)"
    return None


def to_markers(text: str) -> str:
    """``*a* **b** \\*`` -> markers around a and b, and a literal star."""
    text = text.replace("\\*", STAR)
    out, bold, italic, pos = [], False, False, 0
    for m in _marks(text):
        out.append(text[pos:m.start()])
        if m.group(0) == "**":
            out.append(B_OFF if bold else B_ON)
            bold = not bold
        else:
            out.append(I_OFF if italic else I_ON)
            italic = not italic
        pos = m.end()
    out.append(text[pos:])
    return "".join(out).replace(STAR, "*")


def strip(text: str) -> str:
    return re.sub(f"[{MARKS}]", "", text)


def _with(rpr, bold: bool, italic: bool):
    from lxml import etree  # only the composer needs it; checking a workbook's stars does not
    new = copy.deepcopy(rpr) if rpr is not None else etree.Element(w("rPr"))
    for tag, on in (("b", bold), ("i", italic)):
        for old in new.findall(w(tag)):
            new.remove(old)
        if on:
            el = etree.Element(w(tag))
            # schema order: rStyle, rFonts, b, bCs, i, iCs, …
            after = [c for c in new if c.tag in (w("rStyle"), w("rFonts"), w("b"), w("bCs"))]
            new.insert(new.index(after[-1]) + 1 if after else 0, el)
    return new


def apply(root) -> None:
    """Split every run carrying emphasis markers; the state runs on across the runs of a
    paragraph (a footnote reference inside italic text stays between italic pieces)."""
    from lxml import etree
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
