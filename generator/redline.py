"""The newer report with native Word tracked changes (``w:ins`` / ``w:del``) against the older
one, word by word, in the body (tables included) and the footnotes: accepting every change
gives exactly the newer report's text, rejecting every change the older one's.

The alignment is difflib's over our own model of the document: the body's blocks (paragraphs
and tables) are aligned by their text (a paragraph's footnotes count as part of it), the
paragraphs left unmatched in a changed stretch are paired by similarity, and a pair is
compared token by token (a word, a run of spaces, a footnote reference, any other run
content), each token carrying its run's formatting. A footnote whose reference is kept is
compared paragraph by paragraph in its turn; a footnote whose reference is deleted is
carried over from the older report so rejecting the deletion brings it back."""
from __future__ import annotations

import copy
import re
from difflib import SequenceMatcher

from lxml import etree

from .compose.package import read_parts, write_parts
from .compose.wordml import XML_SPACE, w

WORD = re.compile(r"\s+|[^\s]+")
NOTES_PART = "word/footnotes.xml"


def _parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))


def _key_xml(el) -> str:
    """An element as a comparison key (revision-save ids left out)."""
    if el is None:
        return ""
    el = copy.deepcopy(el)
    for e in el.iter():
        for name in list(e.attrib):
            if name.startswith(w("rsid")):
                del e.attrib[name]
    return etree.tostring(el, encoding="unicode")


class Token:
    """One comparable piece of a paragraph: a word or a run of spaces (``t``), a footnote
    reference (``fn``, its id) or another run child (``x``), with its run's properties
    (``rpr`` and their comparison key ``rkey``) and the element it came from."""
    __slots__ = ("kind", "value", "rpr", "rkey", "el")

    def __init__(self, kind, value, rpr, rkey, el=None):
        self.kind, self.value, self.rpr, self.rkey, self.el = kind, value, rpr, rkey, el

    def key(self):
        """What two tokens are compared by: kind, text (not a footnote's id) and formatting."""
        return (self.kind, "" if self.kind == "fn" else self.value, self.rkey)


class Redline:
    """The tracked changes from an older rendering of the report to a newer one, authored by
    ``author`` at ``when`` (ISO time); keeps both versions' footnotes (id → ``w:footnote``)
    and the marks' running ids."""
    def __init__(self, author: str, when: str, old_notes: dict, new_notes: dict, notes_root):
        self.author, self.when = author, when
        self.old_notes, self.new_notes, self.notes_root = old_notes, new_notes, notes_root
        self.next_id = 1
        self.marked: set = set()              # footnotes whose text is already marked inserted
        self.note_pairs: list = []           # (old footnote, new footnote) whose reference was kept
        self.next_note = 1 + max([int(i) for i in new_notes] + [0])

    # -- marks
    def mark(self, tag: str):
        """A new ``w:ins``/``w:del`` (``tag``) element with the next id, the author and the time."""
        el = etree.Element(w(tag))
        el.set(w("id"), str(self.next_id))
        el.set(w("author"), self.author)
        el.set(w("date"), self.when)
        self.next_id += 1
        return el

    # -- text of the model
    def note_text(self, notes: dict, note_id: str) -> str:
        """The text of footnote ``note_id`` among ``notes`` (id → element); ``""`` when absent."""
        note = notes.get(note_id)
        return "".join(t.text or "" for t in note.iter(w("t"))) if note is not None else ""

    def block_key(self, el, notes: dict) -> str:
        """A block (paragraph, table) as a comparison key: its tag and its text, footnotes as
        ``[[their text]]``."""
        parts = []
        for e in el.iter(w("t"), w("footnoteReference"), w("tab"), w("br"), w("p"), w("tc")):
            if e.tag == w("t"):
                parts.append(e.text or "")
            elif e.tag == w("footnoteReference"):
                parts.append("[[" + self.note_text(notes, e.get(w("id"))) + "]]")
            elif e.tag in (w("p"), w("tc")):
                parts.append("\n")
            else:
                parts.append("\t")
        return el.tag + ":" + "".join(parts)

    # -- tokens
    def tokens(self, p) -> tuple[list, list]:
        """(tokens of the paragraph's runs, other children kept as they are)."""
        out, other = [], []
        for child in p:
            if child.tag == w("pPr"):
                continue
            if child.tag != w("r"):
                other.append(child)
                continue
            rpr = child.find(w("rPr"))
            rkey = _key_xml(rpr)
            for c in child:
                if c.tag == w("rPr"):
                    continue
                if c.tag == w("t"):
                    for m in WORD.finditer(c.text or ""):
                        out.append(Token("t", m.group(0), rpr, rkey))
                elif c.tag == w("footnoteReference"):
                    out.append(Token("fn", c.get(w("id")), rpr, rkey, c))
                else:
                    out.append(Token("x", _key_xml(c), rpr, rkey, c))
        return out, other

    def runs(self, toks: list, deleted: bool, notes: str) -> list:
        """Runs for consecutive tokens (one run per stretch of the same formatting)."""
        out, cur, cur_key, text = [], None, None, None
        for tok in toks:
            if cur is None or tok.rkey != cur_key or tok.kind != "t" or text is None:
                cur = etree.Element(w("r"))
                if tok.rpr is not None:
                    cur.append(copy.deepcopy(tok.rpr))
                cur_key, text = tok.rkey, None
                out.append(cur)
            if tok.kind == "t":
                if text is None:
                    text = etree.SubElement(cur, w("delText" if deleted else "t"))
                    text.set(XML_SPACE, "preserve")
                    text.text = ""
                text.text += tok.value
            else:
                el = copy.deepcopy(tok.el)
                if tok.kind == "fn":
                    el.set(w("id"), self.carry_note(tok.value) if notes == "old" else tok.value)
                elif deleted and el.tag == w("instrText"):
                    el.tag = w("delInstrText")
                cur.append(el)
                text = None
        return out

    def wrapped(self, toks: list, tag: str, notes: str) -> list:
        """The tokens as runs inside one ``w:ins``/``w:del`` mark (``tag``); ``[]`` for no tokens. An
        inserted footnote reference marks its footnote's text inserted too."""
        if not toks:
            return []
        mark = self.mark(tag)
        for r in self.runs(toks, tag == "del", notes):
            mark.append(r)
        if tag == "ins":   # a footnote inserted with its reference: its text shows as inserted too
            for tok in toks:
                note = self.new_notes.get(tok.value) if tok.kind == "fn" else None
                if note is not None and id(note) not in self.marked:
                    self.marked.add(id(note))
                    self.mark_note(note, "ins")
        return [mark]

    def carry_note(self, old_id: str) -> str:
        """An older footnote whose reference is deleted, copied in under a new id."""
        note = self.old_notes.get(old_id)
        if note is None or self.notes_root is None:
            return old_id
        new = copy.deepcopy(note)
        new_id = str(self.next_note)
        self.next_note += 1
        new.set(w("id"), new_id)
        self.mark_note(new, "del")
        self.notes_root.append(new)
        return new_id

    def mark_note(self, note, tag: str) -> None:
        """A footnote's text marked wholly inserted or deleted (its number mark left as it is)."""
        for p in note.findall(w("p")):
            toks, _other = self.tokens(p)
            body = [t for t in toks if not (t.kind == "x" and t.el.tag == w("footnoteRef"))]
            if not body:
                continue
            for child in [c for c in p if c.tag == w("r")]:
                if any(c.tag != w("footnoteRef") and c.tag != w("rPr") for c in child):
                    p.remove(child)
            for m in self.wrapped(body, tag, "new"):
                p.append(m)

    # -- paragraphs
    def paragraph(self, old_p, new_p):
        """The newer paragraph, its words compared with the older one's."""
        a, _ = self.tokens(old_p)
        b, other = self.tokens(new_p)
        out = etree.Element(w("p"), nsmap=new_p.nsmap)
        for k, v in new_p.attrib.items():
            out.set(k, v)
        ppr = new_p.find(w("pPr"))
        if ppr is not None:
            out.append(copy.deepcopy(ppr))
        for el in other:   # bookmarks and the like: kept where the newer paragraph has them
            out.append(copy.deepcopy(el))
        sm = SequenceMatcher(None, [t.key() for t in a], [t.key() for t in b], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                for x, y in zip(a[i1:i2], b[j1:j2]):
                    if x.kind == "fn":
                        self.note_pairs.append((x.value, y.value))
                for r in self.runs(b[j1:j2], False, "new"):
                    out.append(r)
                continue
            for el in self.wrapped(a[i1:i2], "del", "old") + self.wrapped(b[j1:j2], "ins", "new"):
                out.append(el)
        return out

    def _mark_paragraph_end(self, p, tag: str) -> None:
        ppr = p.find(w("pPr"))
        if ppr is None:
            ppr = etree.Element(w("pPr"))
            p.insert(0, ppr)
        rpr = ppr.find(w("rPr"))
        if rpr is None:
            rpr = etree.Element(w("rPr"))
            after = [c for c in ppr if c.tag in (w("sectPr"), w("pPrChange"))]
            if after:
                after[0].addprevious(rpr)
            else:
                ppr.append(rpr)
        rpr.insert(0, self.mark(tag))

    def whole(self, el, tag: str):
        """A block wholly inserted (``ins``, the newer one's) or deleted (``del``, the older one's)."""
        el = copy.deepcopy(el)
        notes = "old" if tag == "del" else "new"
        for p in list(el.iter(w("p"))):
            toks, other = self.tokens(p)
            for child in list(p):
                if child.tag != w("pPr"):
                    p.remove(child)
            for o in other:
                if tag == "ins":
                    p.append(o)
            for m in self.wrapped(toks, tag, notes):
                p.append(m)
            self._mark_paragraph_end(p, tag)
        for tr in el.iter(w("tr")):
            trpr = tr.find(w("trPr"))
            if trpr is None:
                trpr = etree.Element(w("trPr"))
                tblprex = tr.find(w("tblPrEx"))
                (tblprex.addnext(trpr) if tblprex is not None else tr.insert(0, trpr))
            trpr.append(self.mark(tag))
        return el

    # -- blocks (body, table cells, footnotes)
    def blocks(self, old: list, new: list, old_notes: dict, new_notes: dict) -> list:
        """The newer blocks (``new``) with the changes from ``old`` marked: blocks aligned by their
        keys, a changed pair compared word by word, an added one inserted, a removed one kept
        as deleted."""
        ka = [self.block_key(e, old_notes) for e in old]
        kb = [self.block_key(e, new_notes) for e in new]
        out = []
        for op, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
            if op == "equal":
                for x, y in zip(old[i1:i2], new[j1:j2]):
                    self._pair_equal_notes(x, y)
                    out.append(copy.deepcopy(y))
                continue
            out += self.changed(old[i1:i2], new[j1:j2], ka[i1:i2], kb[j1:j2], old_notes, new_notes)
        return out

    def _pair_equal_notes(self, x, y) -> None:
        xa = [r.get(w("id")) for r in x.iter(w("footnoteReference"))]
        ya = [r.get(w("id")) for r in y.iter(w("footnoteReference"))]
        self.note_pairs += list(zip(xa, ya))

    def changed(self, old, new, ka, kb, old_notes, new_notes) -> list:
        """A changed stretch: each newer block paired with the most similar older one of the
        same kind still ahead (order kept); the rest deleted or inserted."""
        out, i = [], 0
        for j, y in enumerate(new):
            best, best_ratio = None, 0.0
            for k in range(i, len(old)):
                if old[k].tag != y.tag:
                    continue
                ratio = SequenceMatcher(None, ka[k], kb[j], autojunk=False).ratio()
                if ratio > best_ratio:
                    best, best_ratio = k, ratio
            if best is not None and (best_ratio >= 0.4 or (len(old) == len(new) and best == j)):
                for k in range(i, best):
                    out.append(self.whole(old[k], "del"))
                out.append(self.pair(old[best], y, old_notes, new_notes))
                i = best + 1
            else:
                out.append(self.whole(y, "ins"))
        for k in range(i, len(old)):
            out.append(self.whole(old[k], "del"))
        return out

    def pair(self, x, y, old_notes, new_notes):
        """Two aligned blocks of the same kind compared: a paragraph word by word, a table row by row."""
        if y.tag == w("p"):
            return self.paragraph(x, y)
        if y.tag == w("tbl"):
            return self.table(x, y, old_notes, new_notes)
        return copy.deepcopy(y)

    def table(self, x, y, old_notes, new_notes):
        """The newer table ``y`` with its rows compared to the older ``x``'s, cell by cell."""
        out = copy.deepcopy(y)
        for tr in out.findall(w("tr")):
            out.remove(tr)
        rows_a, rows_b = x.findall(w("tr")), y.findall(w("tr"))
        ka = [self.block_key(r, old_notes) for r in rows_a]
        kb = [self.block_key(r, new_notes) for r in rows_b]
        for op, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
            if op == "equal":
                for ra, rb in zip(rows_a[i1:i2], rows_b[j1:j2]):
                    self._pair_equal_notes(ra, rb)
                    out.append(copy.deepcopy(rb))
                continue
            a, b = rows_a[i1:i2], rows_b[j1:j2]
            n = min(len(a), len(b))
            for ra, rb in zip(a[:n], b[:n]):
                if len(ra.findall(w("tc"))) == len(rb.findall(w("tc"))):
                    out.append(self.row(ra, rb, old_notes, new_notes))
                else:
                    out.append(self.whole(ra, "del"))
                    out.append(self.whole(rb, "ins"))
            for ra in a[n:]:
                out.append(self.whole(ra, "del"))
            for rb in b[n:]:
                out.append(self.whole(rb, "ins"))
        return out

    def row(self, ra, rb, old_notes, new_notes):
        """The newer row ``rb`` with each cell's content compared to the older row ``ra``'s."""
        out = copy.deepcopy(rb)
        for ca, cb in zip(ra.findall(w("tc")), out.findall(w("tc"))):
            content_a = [c for c in ca if c.tag in (w("p"), w("tbl"))]
            content_b = [c for c in cb if c.tag in (w("p"), w("tbl"))]
            merged = self.blocks(content_a, content_b, old_notes, new_notes)
            for c in content_b:
                cb.remove(c)
            for c in merged:
                cb.append(c)
        return out


def _notes(root) -> dict:
    if root is None:
        return {}
    return {n.get(w("id")): n for n in root.findall(w("footnote"))
            if n.get(w("type")) in (None, "normal")}


def tracked_changes(old_docx: bytes, new_docx: bytes, author: str = "baocao", when: str = "") -> bytes:
    """The newer DOCX with the changes from the older one tracked (``when``: ISO time, UTC)."""
    old_parts, parts = read_parts(old_docx), read_parts(new_docx)
    old_doc, new_doc = _parse(old_parts["word/document.xml"]), _parse(parts["word/document.xml"])
    old_notes_root = _parse(old_parts[NOTES_PART]) if NOTES_PART in old_parts else None
    notes_root = _parse(parts[NOTES_PART]) if NOTES_PART in parts else None
    old_notes, new_notes = _notes(old_notes_root), _notes(notes_root)
    red = Redline(author, when, old_notes, new_notes, notes_root)
    old_body, body = old_doc.find(w("body")), new_doc.find(w("body"))
    sect = body.find(w("sectPr"))
    old_blocks = [c for c in old_body if c.tag != w("sectPr")]
    new_blocks = [c for c in body if c.tag != w("sectPr")]
    merged = red.blocks(old_blocks, new_blocks, old_notes, new_notes)
    for c in new_blocks:
        body.remove(c)
    for c in merged:
        (sect.addprevious(c) if sect is not None else body.append(c))
    if notes_root is not None:
        for old_id, new_id in red.note_pairs:
            a, b = old_notes.get(old_id), new_notes.get(new_id)
            if a is None or b is None:
                continue
            pa, pb = [c for c in a if c.tag == w("p")], [c for c in b if c.tag == w("p")]
            got = red.blocks(pa, pb, {}, {})
            for c in pb:
                b.remove(c)
            for c in got:
                b.append(c)
        _in_reference_order(new_doc, notes_root)
        parts[NOTES_PART] = etree.tostring(notes_root, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/document.xml"] = etree.tostring(new_doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    return write_parts(parts)


def _in_reference_order(doc, notes_root) -> None:
    """Footnotes numbered and stored in the order of their references in the body (deleted and
    inserted ones included): readers that take footnotes in stored order (LibreOffice) then
    give each reference its own text."""
    normal = _notes(notes_root)
    order, renumber = [], {}
    first = 1 + max([int(n.get(w("id"))) for n in notes_root.findall(w("footnote"))
                     if n.get(w("type")) not in (None, "normal")] + [0])
    for ref in doc.iter(w("footnoteReference")):
        old = ref.get(w("id"))
        if old in normal and old not in renumber:
            renumber[old] = str(first + len(order))
            order.append(normal[old])
        if old in renumber:
            ref.set(w("id"), renumber[old])
    for note in normal.values():
        notes_root.remove(note)
    for note in order:
        note.set(w("id"), renumber[[k for k, v in normal.items() if v is note][0]])
        notes_root.append(note)


def texts(docx: bytes) -> dict:
    """{"body": [paragraph texts], "footnotes": [...]} as Word shows them with every change
    accepted (``w:ins`` kept, ``w:del`` dropped): a reading used by the tests and the web."""
    parts = read_parts(docx)
    out = {}
    for name, part in (("body", "word/document.xml"), ("footnotes", NOTES_PART)):
        if part not in parts:
            out[name] = []
            continue
        root = _parse(parts[part])
        out[name] = ["".join(t.text or "" for t in p.iter(w("t"))) for p in root.iter(w("p"))]
    return out
