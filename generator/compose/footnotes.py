"""The one module that knows WordprocessingML footnotes.

Text handed to the template carries note *markers* (``marker(n)``); after docxtpl has
rendered, ``apply`` replaces each marker with a real ``w:footnoteReference`` run and writes
the ``w:footnote`` entries, numbered 1, 2, … in document order (Word numbers them itself;
LibreOffice pairs references with entries by file order, so both orders agree). It creates
the footnotes part, its relationship, its content type and the two styles when the template
lacks them.
"""
from __future__ import annotations

import re

from lxml import etree

from ..markers import NOTE_CLOSE, NOTE_OPEN
from .wordml import CT_NS, FOOTNOTEPR_BEFORE, PR_NS, R_NS, W_NS, XML_SPACE, w

FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

OPEN, CLOSE = NOTE_OPEN, NOTE_CLOSE
MARKER = re.compile(f"{OPEN}(\\d+){CLOSE}")


def marker(key: int) -> str:
    """The placeholder standing for note ``key`` in text given to the template."""
    return f"{OPEN}{key}{CLOSE}"


def _run(rpr, text: str | None = None):
    r = etree.Element(w("r"))
    if rpr is not None:
        r.append(etree.fromstring(etree.tostring(rpr)))
    if text is not None:
        t = etree.SubElement(r, w("t"))
        t.text = text
        t.set(XML_SPACE, "preserve")
    return r


def _ref_run(rpr, note_id: int):
    r = etree.Element(w("r"))
    new_rpr = etree.SubElement(r, w("rPr"))
    st = etree.SubElement(new_rpr, w("rStyle"))
    st.set(w("val"), "FootnoteReference")
    if rpr is not None:  # keep the font and size of the text it follows
        for child in rpr:
            if child.tag in (w("rFonts"), w("sz"), w("szCs")):
                new_rpr.append(etree.fromstring(etree.tostring(child)))
    va = etree.SubElement(new_rpr, w("vertAlign"))
    va.set(w("val"), "superscript")
    ref = etree.SubElement(r, w("footnoteReference"))
    ref.set(w("id"), str(note_id))
    return r


def replace_markers(document, texts: dict) -> list:
    """Replace markers in ``document`` (lxml root) by footnote references numbered in
    document order. ``texts``: key -> footnote text. Returns [(id, text)] in order."""
    order = []
    for t in list(document.iter(w("t"))):
        if t.text is None or OPEN not in t.text:
            continue
        run = t.getparent()
        if run.tag != w("r"):
            continue
        rpr = run.find(w("rPr"))
        parent = run.getparent()
        pos = parent.index(run)
        pieces = []
        # text before the w:t inside this run is kept in place; split only this w:t
        last = 0
        for m in MARKER.finditer(t.text):
            if m.start() > last:
                pieces.append(("text", t.text[last:m.start()]))
            pieces.append(("note", int(m.group(1))))
            last = m.end()
        if last < len(t.text):
            pieces.append(("text", t.text[last:]))
        # runs after this w:t in the same run must follow the pieces
        tail = list(run)[list(run).index(t) + 1:]
        for el in tail:
            run.remove(el)
        run.remove(t)
        new = []
        for kind, val in pieces:
            if kind == "text":
                new.append(_run(rpr, val))
            else:
                order.append(val)
                new.append(_ref_run(rpr, len(order)))
        if tail:
            tail_run = _run(rpr)
            for el in tail:
                tail_run.append(el)
            new.append(tail_run)
        keep_run = len([c for c in run if c.tag != w("rPr")]) > 0
        insert_at = pos + 1 if keep_run else pos
        if not keep_run:
            parent.remove(run)
        for i, el in enumerate(new):
            parent.insert(insert_at + i, el)
    return [(i, texts.get(key, "")) for i, key in enumerate(order, start=1)]


def footnotes_xml(notes: list, font: str = "Times New Roman", size_half_points: int = 24) -> bytes:
    """The whole footnotes part: the two separators, then the notes in order."""
    root = etree.Element(w("footnotes"), nsmap={"w": W_NS, "r": R_NS})
    for fid, kind, tag in ((-1, "separator", "separator"), (0, "continuationSeparator", "continuationSeparator")):
        fn = etree.SubElement(root, w("footnote"))
        fn.set(w("type"), kind)
        fn.set(w("id"), str(fid))
        p = etree.SubElement(fn, w("p"))
        ppr = etree.SubElement(p, w("pPr"))
        sp = etree.SubElement(ppr, w("spacing"))
        sp.set(w("after"), "0")
        sp.set(w("line"), "240")
        sp.set(w("lineRule"), "auto")
        r = etree.SubElement(p, w("r"))
        etree.SubElement(r, w(tag))
    for fid, text in notes:
        fn = etree.SubElement(root, w("footnote"))
        fn.set(w("id"), str(fid))
        p = etree.SubElement(fn, w("p"))
        ppr = etree.SubElement(p, w("pPr"))
        ps = etree.SubElement(ppr, w("pStyle"))
        ps.set(w("val"), "FootnoteText")
        r = etree.SubElement(p, w("r"))
        rpr = etree.SubElement(r, w("rPr"))
        rs = etree.SubElement(rpr, w("rStyle"))
        rs.set(w("val"), "FootnoteReference")
        etree.SubElement(r, w("footnoteRef"))
        r2 = etree.SubElement(p, w("r"))
        rpr2 = etree.SubElement(r2, w("rPr"))
        fonts = etree.SubElement(rpr2, w("rFonts"))
        for a in ("ascii", "hAnsi", "cs", "eastAsia"):
            fonts.set(w(a), font)
        sz = etree.SubElement(rpr2, w("sz"))
        sz.set(w("val"), str(size_half_points))
        t = etree.SubElement(r2, w("t"))
        t.text = " " + text
        t.set(XML_SPACE, "preserve")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def ensure_styles(styles_root, font: str = "Times New Roman") -> None:
    """Add FootnoteText / FootnoteReference styles when the template has none."""
    ids = {s.get(w("styleId")) for s in styles_root.iter(w("style"))}
    if "FootnoteText" not in ids:
        st = etree.SubElement(styles_root, w("style"))
        st.set(w("type"), "paragraph")
        st.set(w("styleId"), "FootnoteText")
        etree.SubElement(st, w("name")).set(w("val"), "footnote text")
        etree.SubElement(st, w("basedOn")).set(w("val"), "Normal")
        ppr = etree.SubElement(st, w("pPr"))
        etree.SubElement(ppr, w("jc")).set(w("val"), "both")
        rpr = etree.SubElement(st, w("rPr"))
        f = etree.SubElement(rpr, w("rFonts"))
        for a in ("ascii", "hAnsi", "cs", "eastAsia"):
            f.set(w(a), font)
        etree.SubElement(rpr, w("sz")).set(w("val"), "24")
    if "FootnoteReference" not in ids:
        st = etree.SubElement(styles_root, w("style"))
        st.set(w("type"), "character")
        st.set(w("styleId"), "FootnoteReference")
        etree.SubElement(st, w("name")).set(w("val"), "footnote reference")
        rpr = etree.SubElement(st, w("rPr"))
        etree.SubElement(rpr, w("vertAlign")).set(w("val"), "superscript")


def ensure_relationship(rels_root) -> str:
    """The document's relationship to footnotes.xml; returns its target path in the zip."""
    for rel in rels_root:
        if rel.get("Type") == FOOTNOTES_REL:
            return "word/" + rel.get("Target").lstrip("/").removeprefix("word/")
    ids = {rel.get("Id") for rel in rels_root}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rel = etree.SubElement(rels_root, f"{{{PR_NS}}}Relationship")
    rel.set("Id", f"rId{n}")
    rel.set("Type", FOOTNOTES_REL)
    rel.set("Target", "footnotes.xml")
    return "word/footnotes.xml"


def ensure_content_type(ct_root, part: str) -> None:
    """Declare ``part`` (``word/footnotes.xml``) as the footnotes part in ``[Content_Types].xml``
    (its root element, changed in place) unless it already is."""
    name = "/" + part
    for o in ct_root.iter(f"{{{CT_NS}}}Override"):
        if o.get("PartName") == name:
            return
    o = etree.SubElement(ct_root, f"{{{CT_NS}}}Override")
    o.set("PartName", name)
    o.set("ContentType", FOOTNOTES_CT)


def ensure_settings(settings_root) -> None:
    """``w:footnotePr`` naming the separators, as Word writes it."""
    if settings_root.find(w("footnotePr")) is not None:
        return
    pr = etree.Element(w("footnotePr"))
    for fid in ("-1", "0"):
        etree.SubElement(pr, w("footnote")).set(w("id"), fid)
    # schema order: footnotePr comes after most layout settings (FOOTNOTEPR_BEFORE)
    after = next((el for el in (settings_root.find(w(t)) for t in FOOTNOTEPR_BEFORE) if el is not None), None)
    if after is not None:
        after.addprevious(pr)
    else:
        settings_root.append(pr)
