"""The end of the body, placed on the rendered document (after footnotes and emphasis are
real runs, before the annex): whatever the template, the departments or the automatic
sentences put last, Decree 30's «./.» ends the last body paragraph actually printed, once.

The body is the report's top-level paragraphs between the header table and the closing
table (recipients | signature: the last top-level table), less the title lines. A heading
with nothing printed under it at the very end (an empty last section) is not printed; a
«./.» typed at the end of an earlier paragraph is removed; a paragraph that is only «./.»
goes. The headings are numbered at build time in the order they are printed (``renumber``)."""
from __future__ import annotations

import re

from lxml import etree

from .checks import HEADING_STYLES
from .wordml import w

END_MARK = "./."
TITLE_STYLES = ("Tên loại", "Trích yếu", "Đường kẻ")
PLAIN_DROP = ("rStyle", "b", "bCs", "i", "iCs", "vertAlign", "u")


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


def _style(p, styles: dict) -> str:
    st = p.find(f"{w('pPr')}/{w('pStyle')}")
    if st is None:
        return ""
    return styles.get(st.get(w("val")), st.get(w("val")) or "")


def is_heading(p, styles: dict) -> bool:
    """True when paragraph ``p`` (a ``w:p`` element) has a heading style (``HEADING_STYLES``;
    ``styles``: styleId → name)."""
    return _style(p, styles).startswith(HEADING_STYLES)


def body_paragraphs(doc, styles: dict) -> list:
    """The body's printed paragraphs (headings included), in order."""
    body = doc.find(w("body"))
    if body is None:
        return []
    kids = list(body)
    tables = [i for i, el in enumerate(kids) if el.tag == w("tbl")]
    end = tables[-1] if tables else len(kids)
    start = tables[0] + 1 if len(tables) > 1 else 0
    return [el for el in kids[start:end] if el.tag == w("p") and _text(el).strip()
            and not _style(el, styles).startswith(TITLE_STYLES)]


def _trim_end(p, count: int) -> None:
    """Remove the last ``count`` non-blank-trailing characters of the paragraph's text."""
    for t in reversed(list(p.iter(w("t")))):
        if count <= 0:
            return
        text = (t.text or "").rstrip()
        cut = min(count, len(text))
        t.text = text[:len(text) - cut]
        count -= cut


def _content_runs(p) -> list:
    return [r for r in p.iter(w("r")) if r.find(w("t")) is not None or r.find(w("footnoteReference")) is not None]


def _append_mark(p) -> None:
    runs = _content_runs(p)
    last = runs[-1]
    if last.find(w("footnoteReference")) is None:
        t = last.findall(w("t"))[-1]
        t.text = (t.text or "").rstrip().rstrip(".")
        if not t.text.strip():   # the run held only the final dot(s): the mark goes on the run before
            t.text = ""
    rpr = last.find(w("rPr"))
    plain = rpr is None or not any(rpr.find(w(tag)) is not None for tag in PLAIN_DROP)
    if last.find(w("footnoteReference")) is None and plain:
        t = last.findall(w("t"))[-1]
        t.text = (t.text or "") + END_MARK
        return
    text_runs = [r for r in runs if r.find(w("t")) is not None and r.find(w("footnoteReference")) is None]
    source = (text_runs[-1] if text_runs else last).find(w("rPr"))
    run = etree.Element(w("r"))
    if source is not None:
        new = etree.SubElement(run, w("rPr"))
        for child in source:
            if etree.QName(child).localname not in PLAIN_DROP:
                new.append(etree.fromstring(etree.tostring(child)))
    t = etree.SubElement(run, w("t"))
    t.text = END_MARK
    last.addnext(run)


def close_body(doc, styles: dict):
    """«./.» at the end of the last printed body paragraph and nowhere else in the body; the
    paragraph, or None when the body is empty."""
    paras = body_paragraphs(doc, styles)
    for p in [p for p in paras if _text(p).strip() == END_MARK]:
        p.getparent().remove(p)
        paras.remove(p)
    while paras and is_heading(paras[-1], styles):   # an empty last section: no heading alone
        p = paras.pop()
        p.getparent().remove(p)
    for p in paras[:-1]:
        if _text(p).rstrip().endswith(END_MARK):
            _trim_end(p, len(END_MARK) - 1)   # «…năm 2023./.» -> «…năm 2023.»
    if not paras:
        return None
    last = paras[-1]
    if not _text(last).rstrip().endswith(END_MARK):
        _append_mark(last)
    return last


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]
# a heading's own number: «II.», «3.», «1.2.» or «1.1 »
NUMBERED = (re.compile(r"^(\s*)([IVX]+)(\.\s*)"), re.compile(r"^(\s*)(\d+)(\.\s*)"),
            re.compile(r"^(\s*)(\d+\.\d+)(\.?\s+)"))


def renumber(doc, styles: dict) -> None:
    """Headings «Đề mục 1/2/3» numbered in the order they are printed: I., II.…; 1., 2.…
    under each; 1.1, 1.2… under each «Đề mục 2» — so a section the clerk moved in the template,
    or one left out, never leaves the numbers out of order. A heading without a number, or of
    another style, is left as it is; the numbers' punctuation is kept."""
    counters = [0, 0, 0]
    for p in body_paragraphs(doc, styles):
        name = _style(p, styles)
        m = re.search(r"([123])$", name) if name.startswith(HEADING_STYLES) else None
        if not m:
            continue
        level = int(m.group(1)) - 1
        text = _text(p)
        found = NUMBERED[level].match(text)
        if not found:
            continue
        counters[level] += 1
        for deeper in range(level + 1, 3):
            counters[deeper] = 0
        n = counters[level]
        number = (ROMAN[n - 1] if n <= len(ROMAN) else str(n)) if level == 0 else str(n) if level == 1 \
            else f"{max(counters[1], 1)}.{n}"
        if number != found.group(2):
            _replace_prefix(p, found.start(2), found.end(2), number)


def _replace_prefix(p, start: int, end: int, new: str) -> None:
    """Replace characters [start, end) of the paragraph's text, across its runs."""
    pos = 0
    for t in p.iter(w("t")):
        text = t.text or ""
        a, b = pos, pos + len(text)
        if b > start and a < end:
            lo, hi = max(start, a) - a, min(end, b) - a
            t.text = text[:lo] + new + text[hi:]
            new = ""
        pos = b
        if pos >= end:
            break
