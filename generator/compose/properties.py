"""A clean package, whatever the template went through (python-docx, LibreOffice, Word):
core properties set by the build (title = the subject line, creator and company = the agency,
dates fixed per period or by ``SOURCE_DATE_EPOCH`` so builds stay byte-identical), no leftover
thumbnail or generator metadata, language vi-VN, Word's current compatibility mode (15),
``w:tblBorders`` in schema order, Word's built-in footnote style names."""
from __future__ import annotations

import datetime as dt
import os
from html import escape as _html_escape

from lxml import etree

from .wordml import CT_NS, PR_NS, TBLPR_ORDER, w


def escape(text: str) -> str:
    """XML text content: &, < and > escaped (xml.sax.saxutils would load urllib for this)."""
    return _html_escape(text, quote=False)


WORD_URI = "http://schemas.microsoft.com/office/word"
LANG = "vi-VN"
BUILTIN_STYLE_NAMES = {"FootnoteText": "footnote text", "FootnoteReference": "footnote reference"}


def build_time(period, settings: dict) -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` when set, else the period's last day (its cut-off): the same
    inputs always give the same file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    day = settings["nop_bao_cao"]["ngay_chot_cuoi"]   # 1–28 (the schema): in every month
    return dt.datetime(period.year, period.month, day, tzinfo=dt.timezone.utc)


def core_xml(title: str, agency: str, when: dt.datetime) -> bytes:
    """``docProps/core.xml``: the report's ``title`` and the ``agency`` as creator, ``when`` (UTC)
    as created and modified time, as UTF-8 bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(agency)}</dc:creator>"
            f"<cp:lastModifiedBy>{escape(agency)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f"<dc:language>{LANG}</dc:language>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8")


def app_xml(agency: str) -> bytes:
    """``docProps/app.xml``: application «baocao», the ``agency`` as company, as UTF-8 bytes."""
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"<Application>baocao</Application><Company>{escape(agency)}</Company>"
            "</Properties>").encode("utf-8")


def finalize(parts: dict, title: str, agency: str, when: dt.datetime, draft: bool = False,
             trees: dict | None = None) -> dict:
    """The package made clean (see the module). ``trees``: parts the caller has already parsed
    (and changed), used as they are instead of parsed again; every parsed part is written back
    into ``parts`` once, at the end."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    trees = {} if trees is None else trees

    def load(name):
        if name not in trees:
            trees[name] = etree.fromstring(parts[name], parser)
        return trees[name]

    def dump(root):
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    # package relationships: exactly one core and one app part, no thumbnail
    rels = load("_rels/.rels")
    for rel in list(rels):
        kind = rel.get("Type", "")
        target = rel.get("Target", "").lstrip("/")
        if kind.endswith(("/thumbnail", "/metadata/core-properties", "/extended-properties", "/custom-properties")):
            rels.remove(rel)
            parts.pop(target, None)
    for rid, kind, target in (("rIdCore", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                                          "core-properties", "docProps/core.xml"),
                              ("rIdApp", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                                         "extended-properties", "docProps/app.xml")):
        el = etree.SubElement(rels, f"{{{PR_NS}}}Relationship")
        el.set("Id", rid)
        el.set("Type", kind)
        el.set("Target", target)
    parts["_rels/.rels"] = dump(trees.pop("_rels/.rels"))
    for name in [n for n in parts if n.startswith("docProps/")]:
        parts.pop(name)
    parts["docProps/core.xml"] = core_xml(title, agency, when)
    parts["docProps/app.xml"] = app_xml(agency)
    ct = load("[Content_Types].xml")
    for el in list(ct):
        part = el.get("PartName", "").lstrip("/")
        if el.tag == f"{{{CT_NS}}}Override" and part.startswith("docProps/"):
            ct.remove(el)
    for part, kind in (("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                       ("docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")):
        el = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        el.set("PartName", "/" + part)
        el.set("ContentType", kind)

    if "word/settings.xml" in parts:
        _settings(load("word/settings.xml"))
    # styles.xml is what Word 2013 and later and LibreOffice read (stylesWithEffects.xml is
    # Word 2010's copy, left as the template has it)
    if "word/styles.xml" in parts:
        _styles(load("word/styles.xml"))
    doc = load("word/document.xml")
    for tblpr in doc.iter(w("tblPr")):
        children = sorted(tblpr, key=lambda c: TBLPR_ORDER.index(etree.QName(c).localname)
                          if etree.QName(c).localname in TBLPR_ORDER else len(TBLPR_ORDER))
        for c in children:
            tblpr.append(c)
    _keep_last_paragraph_with_signature(doc)
    if draft:
        _draft_mark(doc)
    for name, root in trees.items():
        parts[name] = dump(root)
    trees.clear()
    return parts


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


def _ppr(p):
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = etree.Element(w("pPr"))
        p.insert(0, ppr)
    return ppr


def _set_keep_next(p) -> None:
    ppr = _ppr(p)
    if ppr.find(w("keepNext")) is None:
        # after pStyle (and keepNext comes before keepLines, … in CT_PPr)
        at = 1 if ppr.find(w("pStyle")) is not None else 0
        ppr.insert(at, etree.Element(w("keepNext")))


# a last paragraph longer than this (about six lines at 14 pt) is not kept with the signature:
# LibreOffice would move it whole, leaving the page before half empty
KEEP_AT_MOST = 480


def _keep_last_paragraph_with_signature(doc) -> None:
    """The body's last paragraph (the one ending «./.») stays on the page of the signature when
    it is short; a long one is left free to split across pages (kept with the signature,
    LibreOffice moves it whole and the page before is left half empty)."""
    body = doc.find(w("body"))
    if body is None:
        return
    children = list(body)
    last = max((i for i, el in enumerate(children) if el.tag == w("p") and _text(el).rstrip().endswith("./.")),
               default=None)
    if last is None:
        return
    if len(_text(children[last])) > KEEP_AT_MOST:
        last += 1   # only the empty line before the closing block keeps with it
    for el in children[last:]:
        if el.tag != w("p"):
            break
        _set_keep_next(el)


def _draft_mark(doc) -> None:
    """«DỰ THẢO», boxed, at the top right of the first page: a draft circulated before signing."""
    body = doc.find(w("body"))
    p = etree.Element(w("p"))
    ppr = etree.SubElement(p, w("pPr"))
    bdr = etree.SubElement(ppr, w("pBdr"))
    for side in ("top", "left", "bottom", "right"):
        b = etree.SubElement(bdr, w(side))
        b.set(w("val"), "single")
        b.set(w("sz"), "8")
        b.set(w("space"), "2")
        b.set(w("color"), "000000")
    ind = etree.SubElement(ppr, w("ind"))
    ind.set(w("left"), "7371")
    ind.set(w("right"), "0")
    etree.SubElement(ppr, w("jc")).set(w("val"), "center")
    r = etree.SubElement(p, w("r"))
    rpr = etree.SubElement(r, w("rPr"))
    fonts = etree.SubElement(rpr, w("rFonts"))
    for a in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(w(a), "Times New Roman")
    etree.SubElement(rpr, w("b"))
    etree.SubElement(rpr, w("sz")).set(w("val"), "28")
    t = etree.SubElement(r, w("t"))
    t.text = "DỰ THẢO"
    body.insert(0, p)


def _settings(root):
    compat = root.find(w("compat"))
    if compat is None:
        compat = etree.SubElement(root, w("compat"))
    mode = next((c for c in compat.findall(w("compatSetting")) if c.get(w("name")) == "compatibilityMode"), None)
    if mode is None:
        mode = etree.SubElement(compat, w("compatSetting"))
        mode.set(w("name"), "compatibilityMode")
        mode.set(w("uri"), WORD_URI)
    mode.set(w("val"), "15")
    lang = root.find(w("themeFontLang"))
    if lang is None:
        lang = etree.Element(w("themeFontLang"))
        # after w:proofState / w:defaultTabStop … — Word accepts it before w:compat
        root.insert(root.index(compat), lang)
    lang.set(w("val"), LANG)
    lang.attrib.pop(w("eastAsia"), None)
    for tag in ("savePreviewPicture",):
        for el in root.findall(w(tag)):
            root.remove(el)
    return root


def _styles(root):
    defaults = root.find(w("docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
        if rpr is not None:
            lang = rpr.find(w("lang"))
            if lang is None:
                lang = etree.SubElement(rpr, w("lang"))
            lang.set(w("val"), LANG)
            lang.set(w("eastAsia"), LANG)
    for st in root.iter(w("style")):
        for lang in st.iter(w("lang")):
            if lang.get(w("val")) and lang.get(w("val")) != LANG:
                lang.set(w("val"), LANG)
        name = st.find(w("name"))
        builtin = BUILTIN_STYLE_NAMES.get(st.get(w("styleId")))
        if builtin and name is not None:
            name.set(w("val"), builtin)
    return root

