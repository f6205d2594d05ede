"""One model of each sheet, from one reading of the file: every cell's value, type, number
format and formula, the hidden rows, the merged ranges and the sheet's visibility come from the
same parse, so no value can be used whose checks did not run.

- ``.xlsx``: the package opened as Excel opens it (``package.py``) and each part parsed once by
  lxml. Cells and rows that do not name their place (no ``r``) take the place after the previous
  one, as the format says. Shared strings keep their rich-text runs, not their phonetic guides,
  and ``_xHHHH_`` escapes are decoded once.
- ``.xls``: xlrd with its formatting records (number formats, error cells, hidden rows and
  sheets, merged ranges). xlrd cannot give a formula's text: the safety check that needs it
  looks at the workbook's links and names instead (``xls_callouts``).

Numbers are read the way a spreadsheet shows them: rounded to 15 significant digits, so a
formula's binary noise (``12.000000000000002``) is the 12 the department saw.

The sheet objects keep the small part of openpyxl's worksheet interface the reader uses
(``cell(row, col).value``, ``max_row``, ``row_dimensions[r].hidden``, ``merged_cells.ranges``).
Anything that cannot be read completely raises ``package.PackageError``.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..problems import quoted
from .package import MAX_PART_BYTES, NS_MAIN, NS_REL, NS_STRICT, Package, PackageError, canonical, local

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # a compound file: Excel 97-2003

MAX_ROWS = 5000 + 20      # data rows plus the rows where the header may be (read.MAX_ROWS + HEADER_SCAN_ROWS)
MAX_COLUMNS = 60          # a department workbook uses 9; «Hướng dẫn» a few

STATES = {"visible": "visible", "hidden": "hidden", "veryhidden": "veryHidden"}
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
LINE_BREAKS = re.compile(r"[\r\n\v\f\u2028\u2029\x85]+")
# number formats Excel has built in: percentages, and the ids that are dates in some locale
BUILTIN_PERCENT = {9, 10}
BUILTIN_DATES = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
                   11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 37: "#,##0 ;(#,##0)",
                   38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
                   48: "##0.0E+0", 49: "@"}


class CellError(str):
    """An error value of a cell (``#DIV/0!``), apart from text a department typed."""


@lru_cache(maxsize=1024)
def get_column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


COORD = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


@lru_cache(maxsize=1 << 16)
def split_coordinate(coord: str) -> tuple[int, int]:
    """``"G5"`` -> (5, 7); ``ValueError`` for anything else."""
    m = COORD.fullmatch(coord.strip())
    if not m:
        raise ValueError(coord)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def excel_number(value: float) -> float:
    """A stored double as a spreadsheet displays it: 15 significant digits."""
    return float(f"{value:.15g}")


def decode_escapes(text: str) -> str:
    """``_xHHHH_`` as Excel writes characters XML cannot carry, decoded once, left to right
    (``_x005F_x0041_`` is the literal text ``_x0041_``)."""
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def one_line(text: str) -> str:
    """Line breaks inside a cell (Alt+Enter, a pasted Word line break: a vertical tab) as spaces."""
    return LINE_BREAKS.sub(" ", text)


_FORMAT_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|;|[^"\\\[;]+|.')
_CONDITION = re.compile(r"\[\s*(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\]")


def format_sections(code: str) -> list[str]:
    """A number format's sections (``positive;negative;zero;text``), split on the ``;`` that
    are not inside quoted text, an escape or a ``[…]`` block."""
    sections, current = [], []
    for token in _FORMAT_TOKEN.findall(code):
        if token == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(token)
    sections.append("".join(current))
    return sections


def _meets(condition: tuple[str, str], value: float) -> bool:
    op, limit = condition[0], float(condition[1])
    return {"<": value < limit, ">": value > limit, "=": value == limit, "<=": value <= limit,
            ">=": value >= limit, "<>": value != limit}[op]


def section_for(code: str, value) -> str:
    """The section of a number format Excel uses to show ``value``: the first for a positive
    number, the second (when there is one) for a negative one, the third for zero; with
    conditions (``[<1]0.0%;0.0``) the first section whose condition holds, else the next
    section without one. A non-number (or a format of one section) gets the whole first section."""
    sections = format_sections(code)[:3]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or len(sections) == 1:
        return sections[0]
    conditions = [_CONDITION.search(s) for s in sections]
    if any(conditions):
        for section, cond in zip(sections, conditions):
            if cond is not None and _meets(cond.groups(), value):
                return section
        rest = [s for s, c in zip(sections, conditions) if c is None]
        return rest[0] if rest else sections[-1]
    if value < 0:
        return sections[1]
    if value == 0 and len(sections) > 2:
        return sections[2]
    return sections[0]


def is_percent_format(code: str, value=None) -> bool:
    """A number format that shows ``value`` as a percentage: a ``%`` outside quoted text and
    escapes in the section that shows it (any section when no value is given)."""
    code = code if value is None else section_for(code, value)
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in code


def is_date_format(code: str, value=None) -> bool:
    """A number format that shows a date or a time (day, month, year, hour or second letters
    outside quoted text, escapes and colour or locale blocks) for ``value`` (its section;
    the first section when no value is given)."""
    if code.strip().lower() in ("general", "@", ""):
        return False
    section = section_for(code, value) if value is not None else format_sections(code)[0]
    bare = re.sub(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', "", section)
    return bool(re.search(r"[dmyhsDMYHS]", bare))


@dataclass(slots=True)
class Cell:
    """One cell as read: its ``value`` (None, str, float, bool, datetime or CellError), A1
    ``coordinate``, the formula text when it has one, its number format and the formats
    conditional formatting may show it in."""
    value: object            # None, str, float, bool, dt.datetime or CellError
    coordinate: str
    formula: str = ""        # the formula («=…») when the cell has one
    number_format: str = "General"
    conditional: tuple = ()  # number formats conditional formatting may show the cell in instead

    @property
    def percent(self) -> bool:
        """A number shown as a percentage (Excel stores 77,5% as 0,775)."""
        return isinstance(self.value, float) and is_percent_format(self.number_format, self.value)


@dataclass(frozen=True)
class CellRange:
    """A merged range; ``"G5" in rng`` as with openpyxl's CellRange."""
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def __contains__(self, coord: str) -> bool:
        row, col = split_coordinate(coord)
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


class _Dim:
    __slots__ = ("hidden",)

    def __init__(self, hidden=False):
        self.hidden = hidden


class _Dims(dict):
    def __missing__(self, key):
        return _Dim()


class _Merged:
    def __init__(self, ranges):
        self.ranges = ranges


class GridSheet:
    """One sheet: its cells by (row, column), hidden rows, merged ranges, visibility."""

    def __init__(self, name: str, cells: dict, state: str = "visible", merged: list | None = None,
                 hidden_rows=(), unread: bool = False, skipped: bool = False):
        self.title = name
        self.sheet_state = state
        self._cells = cells
        self.max_row = max((r for r, _ in cells), default=0)
        self.max_column = max((c for _, c in cells), default=0)
        self.merged_cells = _Merged(merged or [])
        self.row_dimensions = _Dims({r: _Dim(True) for r in hidden_rows})
        self.unread = unread     # a part that holds cells the reader could not place (never silently empty)
        self.skipped = skipped   # a sheet the reader does not use: its name and visibility only, cells not read

    def cell(self, row: int, column: int) -> Cell:
        """The Cell at 1-based ``row``, ``column``; an empty Cell (value None) where nothing is stored."""
        got = self._cells.get((row, column))
        return got if got is not None else Cell(None, f"{get_column_letter(column)}{row}")

    def cells(self):
        """Every stored Cell of the sheet, in no particular order."""
        return self._cells.values()

    def iter_rows(self, min_row=1, max_row=None, max_col=None, values_only=True):
        """Each row from ``min_row`` to ``max_row`` as a tuple of values (columns 1..``max_col``),
        as openpyxl's ``iter_rows(values_only=True)``."""
        max_row = min(max_row or self.max_row, self.max_row)
        for r in range(min_row, max_row + 1):
            yield tuple(self.cell(r, c).value for c in range(1, (max_col or self.max_column) + 1))


class GridBook:
    """Every sheet of a workbook, in the workbook's order. ``sheetnames`` as stored; ``find``
    compares names as people type them (Unicode NFC, spaces trimmed, case ignored).

    ``sheets``: the names of the sheets the caller uses (None: all). Any other sheet is kept by
    name and visibility only (``skipped``): its cells are never parsed — whatever it holds costs
    no more than looking at its bytes once — unless it may hold a formula (the safety check
    reads every formula: ``active_content``), and its size is not held against the limits."""

    def __init__(self, path, limits: bool = True, sheets=None):
        path = Path(path)
        wanted = None if sheets is None else {sheet_key(n) for n in sheets}
        self.path = path
        self.defined_names: list[str] = []    # formulas of the workbook's defined names
        self.links: list[str] = []            # what reaches out: external links, DDE, add-ins (for the safety check)
        self.part_names: list[str] = []       # every part of an .xlsx package (canonical names)
        self.macro_declared = False           # the package's content types declare macros
        with open(path, "rb") as fh:
            compound = fh.read(8) == CFB_MAGIC
        if compound:   # Excel 97-2003, whatever the file is called
            self._sheets = _read_xls(path, self, wanted)
        else:
            with Package(path) as pkg:
                if pkg.big is not None:
                    raise PackageError("part-too-large:streamed", dict(sheet=_sheet_of(pkg, pkg.big)), big=pkg.big, value=MAX_PART_BYTES // 2**20)
                self.part_names = pkg.names
                if pkg.has("[Content_Types].xml"):
                    types = pkg.read("[Content_Types].xml")
                    self.macro_declared = b"macroEnabled" in types or b"vbaProject" in types
                self._sheets = _read_xlsx(pkg, self, limits, wanted)
                dtd = pkg.declares_dtd()   # the parts not parsed above, none left unexamined
                if dtd is not None:
                    raise PackageError("not-a-workbook:dtd", None, name=dtd)
        self.sheetnames = list(self._sheets)
        keys = [sheet_key(n) for n in self.sheetnames]
        twins = sorted({n for n, k in zip(self.sheetnames, keys) if keys.count(k) > 1})
        if twins:   # «Chỉ tiêu» and «Chỉ tiêu » (or typed in decomposed Unicode): which one is meant?
            raise PackageError("sheet-duplicate", dict(sheet=twins[0]), sheets=quoted(twins))

    def __getitem__(self, name):
        return self._sheets[name]

    def find(self, name: str) -> GridSheet | None:
        """The sheet whose name is ``name`` as people type it (``sheet_key``); None when none is."""
        key = sheet_key(name)
        return next((s for n, s in self._sheets.items() if sheet_key(n) == key), None)

    def sheets(self):
        """Every GridSheet, in the workbook's order."""
        return self._sheets.values()


def sheet_key(name: str) -> str:
    """A sheet name as compared: NFC, single spaces, trimmed, case-folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


class LimitExceeded(PackageError):
    """A sheet with data beyond the rows and columns a department workbook can have."""

    def __init__(self, sheet: str, coord: str):
        super().__init__("too-large-sheet", dict(sheet=sheet), sheet=sheet, cell=coord,
                         rows=f"{MAX_ROWS:,}".replace(",", "."), columns=MAX_COLUMNS)
        self.sheet, self.coord = sheet, coord


# ----------------------------------------------------------------------------------------- .xlsx

class _Unknown(Exception):
    """An element where the format allows none of that name (another namespace, a wrapper):
    what Excel shows there cannot be known, so the file is refused, never read without it."""

    def __init__(self, el):
        super().__init__(el.tag)
        q = etree.QName(el)
        self.name = q.localname if q.namespace in (NS_MAIN, NS_STRICT) else f"{{{q.namespace or ''}}}{q.localname}"


def _text_of(el, t_tag: str, r_tag: str) -> str:
    """The text of an ``<si>``/``<is>``: its ``<t>`` and the ``<t>`` of its runs, not ``<rPh>``
    (phonetic guides). ``_Unknown`` for an element the format does not allow there."""
    ns = t_tag[:-1]
    parts = []
    for child in el:
        if child.tag == t_tag:
            parts.append(child.text or "")
        elif child.tag == r_tag:
            for t in child:
                if t.tag == t_tag:
                    parts.append(t.text or "")
                elif t.tag != ns + "rPr":
                    raise _Unknown(t)
        elif child.tag not in (ns + "rPh", ns + "phoneticPr", ns + "extLst"):
            raise _Unknown(child)
    return decode_escapes("".join(parts))


def _unknown(sheet: str, where: str, err: _Unknown) -> PackageError:
    return PackageError("not-a-workbook:unknown_element", dict(sheet=sheet), where=where, name=err.name[:60])


class _Formats(list):
    """The number format of each cell format; ``dxf``: the number format each differential
    format (what conditional formatting applies) sets, or None."""
    dxf: list = []


def _builtin_code(fid: int) -> str:
    if fid in BUILTIN_PERCENT:
        return BUILTIN_FORMATS[fid]
    if fid in BUILTIN_DATES:
        return "dd/mm/yyyy"
    return BUILTIN_FORMATS.get(fid, "General")


def _dxf_number_format(dxf, custom: dict) -> str | None:
    fmt = next((el for el in dxf.iter() if local(el) == "numFmt"), None)
    if fmt is None:
        return None
    if fmt.get("formatCode") is not None:
        return fmt.get("formatCode")
    try:
        fid = int(fmt.get("numFmtId", "0") or 0)
    except ValueError:
        fid = 0
    return custom.get(fid, _builtin_code(fid))


def _number_formats(pkg: Package, part: str | None) -> list[str]:
    """The number format of each cell format (the ``s`` of a cell indexes this list)."""
    if part is None or not pkg.has(part):
        return _Formats()
    root = pkg.xml(part)
    custom = {}
    out = _Formats()
    dxfs = []
    for section in root:
        name = local(section)
        if name == "numFmts":
            for f in section:
                try:
                    custom[int(f.get("numFmtId", ""))] = f.get("formatCode", "")
                except ValueError:
                    continue
        elif name == "cellXfs":
            for xf in section:
                try:
                    fid = int(xf.get("numFmtId", "0") or 0)
                except ValueError:
                    fid = 0
                out.append(custom[fid] if fid in custom else _builtin_code(fid))
        elif name == "dxfs":
            dxfs = [dxf for dxf in section if local(dxf) == "dxf"]
    out.dxf = [_dxf_number_format(dxf, custom) for dxf in dxfs]
    return out


def _ranges(sqref: str) -> list:
    """«E2:E9 G7» as CellRanges; a reference that cannot be read covers everything (fail closed)."""
    out = []
    for ref in sqref.split():
        try:
            a, _, b = ref.partition(":")
            (r1, c1), (r2, c2) = split_coordinate(a), split_coordinate(b or a)
            out.append(CellRange(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
        except ValueError:
            out.append(CellRange(1, 1, 10**7, 10**5))
    return out


def _conditional_formats(root, formats) -> list:
    """[(ranges, number format)] of the conditional formatting (``conditionalFormatting`` and
    Excel 2010's ``x14:conditionalFormatting`` in the sheet's extensions) that sets a number format."""
    out = []
    for cf in root.iter():
        if not isinstance(cf.tag, str) or local(cf) != "conditionalFormatting":
            continue
        sqref = cf.get("sqref") or " ".join(el.text or "" for el in cf if local(el) == "sqref")
        codes = []
        for el in cf.iter():
            if not isinstance(el.tag, str):
                continue
            if local(el) == "cfRule" and el.get("dxfId") is not None:
                try:
                    i = int(el.get("dxfId"))
                except ValueError:
                    i = -1
                dxf = getattr(formats, "dxf", [])
                codes.append(dxf[i] if 0 <= i < len(dxf) else None)
            elif local(el) == "dxf":
                codes.append(_dxf_number_format(el, {}))
        for code in codes:
            if code is not None:
                out.append((_ranges(sqref), code))
    return out


def _read_xlsx(pkg: Package, book: GridBook, limits: bool, wanted: set | None = None) -> dict:
    wb_part = pkg.workbook_part()
    root = pkg.xml(wb_part)
    rels = pkg.rels(wb_part)
    shared, styles = None, None
    for kind, target, external in rels.values():
        tail = kind.rsplit("/", 1)[-1]
        if external:
            book.links.append(target)
        elif tail == "sharedStrings":
            shared = target
        elif tail == "styles":
            styles = target
        elif tail == "externalLink":
            book.links.append(target)
    date1904 = False
    sheets_el = None
    for el in root:
        name = local(el)
        if name == "workbookPr":
            date1904 = el.get("date1904", "0") in ("1", "true")
        elif name == "sheets":
            sheets_el = el
        elif name == "definedNames":
            book.defined_names += [d.text or "" for d in el]
    strings = []
    if shared is not None and pkg.has(shared):
        sst = pkg.xml(shared)
        sst_ns = etree_ns(sst)
        t_tag, r_tag = f"{{{sst_ns}}}t", f"{{{sst_ns}}}r"
        try:
            strings = [_text_of(si, t_tag, r_tag) for si in sst if local(si) == "si"]
        except _Unknown as e:
            raise _unknown("", "Phần chuỗi chữ (sharedStrings) của tệp", e) from None
    formats = _number_formats(pkg, styles)
    out = {}
    for el in (sheets_el if sheets_el is not None else ()):
        if local(el) != "sheet":
            continue
        name = el.get("name", "")
        state = STATES.get((el.get("state") or "visible").lower(), "hidden")
        rid = el.get(f"{{{NS_REL}}}id") or next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
        kind, target, external = rels.get(rid, ("", "", False))
        if external or not target or not pkg.has(target):
            raise PackageError("not-a-workbook:sheet_part_missing", None, name=name)
        if not kind.endswith("/worksheet"):      # a chart sheet, a dialog sheet: no cells
            out[name] = GridSheet(name, {}, state)
            continue
        if wanted is not None and sheet_key(name) not in wanted and not may_hold_formulas(pkg.examined(target)):
            out[name] = GridSheet(name, {}, state, skipped=True)
            continue
        out[name] = _read_worksheet(pkg, target, name, state, strings, formats, date1904, limits)
    return out


_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_FORMULA_TAG = re.compile(r"[<:]f[\s>/]")
_FORMULA_TAG_BYTES = re.compile(rb"[<:]f[\s>/]")


def may_hold_formulas(data: bytes) -> bool:
    """Whether a sheet part may hold a formula, told without parsing it: False only when its
    text is UTF-8 or UTF-16 (the encodings a workbook's parts are written in) and no start of an
    element named ``f`` (prefixed or not: ``<f``, ``<x:f`` then a space, ``>`` or ``/``) is in it.
    Any other encoding, or text that does not decode, answers True (the part is parsed)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:4]:
        if data.startswith((b"\xff\xfe\0\0", b"\0\0\xfe\xff")) or data[:2] == b"\0\0" or data[2:4] == b"\0\0":
            return True     # UTF-32: parsed
        codec = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else \
            ("utf-16-be" if data[:1] == b"\0" else "utf-16-le")
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            return True
        declared = re.match(r"""\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""", text[:400])
        if declared and declared.group(1).lower().replace("-", "").replace("_", "") not in ("utf16", "utf16le",
                                                                                              "utf16be", "ucs2"):
            return True
        return bool(_FORMULA_TAG.search(text))
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    declared = _XML_ENCODING.match(body[:400])
    if declared and declared.group(1).lower().replace(b"-", b"").replace(b"_", b"") not in (b"utf8",):
        return True
    if b"<f" not in body and b":f" not in body:   # (two fast searches: the usual junk has neither)
        return False
    return bool(_FORMULA_TAG_BYTES.search(body))


def _sheet_of(pkg: Package, part: str) -> str:
    """The name of the sheet stored in ``part``, or "" (the part is not a sheet, or the
    workbook cannot say)."""
    try:
        wb_part = pkg.workbook_part()
        rels = pkg.rels(wb_part)
        for el in pkg.xml(wb_part).iter(f"{{{NS_MAIN}}}sheet", "{http://purl.oclc.org/ooxml/spreadsheetml/main}sheet"):
            rid = el.get(f"{{{NS_REL}}}id") or next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            if rels.get(rid, ("", "", False))[1] == canonical(part):
                return el.get("name", "")
    except (PackageError, KeyError):
        pass
    return ""


def etree_ns(root) -> str:
    """The namespace of an XML part's root element (SpreadsheetML's main one when it has none)."""
    return etree.QName(root).namespace or NS_MAIN


def _read_worksheet(pkg, part, name, state, strings, formats, date1904, limits) -> GridSheet:
    root = pkg.xml(part)
    ns = etree_ns(root)
    c_tag, row_tag = f"{{{ns}}}c", f"{{{ns}}}row"
    v_tag, f_tag, is_tag = f"{{{ns}}}v", f"{{{ns}}}f", f"{{{ns}}}is"
    t_tag, r_tag, ext_tag = f"{{{ns}}}t", f"{{{ns}}}r", f"{{{ns}}}extLst"
    cells: dict = {}
    hidden, merged = [], []
    masters: dict = {}          # shared formula index -> (formula text, row, col)
    followers: list = []        # (cell, row, col, index): shared formulas that only point at their master
    row_no = 0
    for section in root:
        kind = local(section)
        if kind == "mergeCells":
            for m in section:
                ref = m.get("ref", "")
                try:
                    a, _, b = ref.partition(":")
                    (r1, c1), (r2, c2) = split_coordinate(a), split_coordinate(b or a)
                except ValueError:
                    raise PackageError("not-a-workbook:merged_range", None, name=name, ref=ref[:30]) from None
                merged.append(CellRange(r1, c1, r2, c2))
            continue
        if kind != "sheetData":
            continue
        for row in section:
            if row.tag != row_tag:
                raise _unknown(name, f"Sheet «{name}»", _Unknown(row))
            r_attr = row.get("r")
            row_no = int(r_attr) if r_attr and r_attr.isdigit() else row_no + 1
            if row.get("hidden") in ("1", "true"):
                hidden.append(row_no)
            col = 0
            for c in row:
                if c.tag != c_tag:
                    if c.tag == ext_tag:
                        continue
                    raise _unknown(name, f"Sheet «{name}», dòng {row_no},", _Unknown(c))
                ref = c.get("r")
                if ref:
                    try:
                        row_at, col = split_coordinate(ref)
                    except ValueError:
                        raise PackageError("not-a-workbook:cell_address", None, name=name, ref=ref[:20]) from None
                    if row_at != row_no:
                        raise PackageError("not-a-workbook:cell_outside_row", None, name=name, ref=ref, row_no=row_no)
                else:
                    col += 1
                if not len(c):
                    continue            # formatting only
                coord = ref.upper().replace("$", "") if ref else f"{get_column_letter(col)}{row_no}"
                kind_t = c.get("t", "n")
                v = f = inline = None
                for child in c:
                    if child.tag == v_tag:
                        v = child.text
                    elif child.tag == f_tag:
                        f = child
                    elif child.tag == is_tag:
                        inline = child
                    elif child.tag != ext_tag:
                        raise _unknown(name, f"Sheet «{name}», ô {ref or get_column_letter(col) + str(row_no)},",
                                       _Unknown(child))
                if v is None and f is None and inline is None:
                    continue            # formatting only
                if limits and (row_no > MAX_ROWS or col > MAX_COLUMNS):
                    raise LimitExceeded(name, coord)
                try:
                    s = int(c.get("s", "0") or 0)
                except ValueError:
                    s = 0
                if s and not 0 <= s < len(formats):   # a style the file does not have: what Excel shows is unknown
                    raise PackageError("not-a-workbook:style_missing", dict(sheet=name), name=name, coord=coord, shown=s)
                fmt = formats[s] if 0 <= s < len(formats) else "General"
                value = _value(kind_t, v, inline, fmt, strings, date1904, t_tag, r_tag, name, coord)
                if (row_no, col) in cells:
                    raise PackageError("not-a-workbook:cell_twice", None, name=name, coord=coord)
                cell = Cell(value, coord, "", fmt)
                if f is not None:
                    text = f.text or ""
                    if f.get("t") == "shared" and f.get("si") is not None:
                        if text:
                            masters[f.get("si")] = (text, row_no, col)
                        else:
                            followers.append((cell, row_no, col, f.get("si")))
                    cell.formula = "=" + text if text else ""
                cells[(row_no, col)] = cell
    for cell, row_no, col, si in followers:
        if si in masters:
            text, r0, c0 = masters[si]
            cell.formula = "=" + _shift(text, row_no - r0, col - c0)
        else:
            cell.formula = "=?"
    for ranges, code in _conditional_formats(root, formats):
        for (r, c), cell in cells.items():
            if isinstance(cell.value, float) and any(rg.min_row <= r <= rg.max_row and rg.min_col <= c <= rg.max_col
                                                     for rg in ranges):
                cell.conditional += (code,)
    return GridSheet(name, cells, state, merged, hidden)


_REF = re.compile(r'("[^"]*")|(\$?)([A-Z]{1,3})(\$?)(\d{1,7})(?![\w(])')


def _shift(formula: str, rows: int, cols: int) -> str:
    """A shared formula's text as it reads in a cell ``rows`` below and ``cols`` right of its
    master: relative references moved, absolute ones (``$``) and quoted text kept."""
    def move(m):
        if m.group(1):
            return m.group(1)
        r, c = split_coordinate(m.group(3) + m.group(5))
        c2 = c if m.group(2) else c + cols
        r2 = r if m.group(4) else r + rows
        if c2 < 1 or r2 < 1:
            return "#REF!"
        return f"{m.group(2)}{get_column_letter(c2)}{m.group(4)}{r2}"
    return _REF.sub(move, formula)


def _value(kind, v, inline, fmt, strings, date1904, t_tag, r_tag, sheet, coord):
    if kind == "inlineStr":
        try:
            return _text_of(inline, t_tag, r_tag) if inline is not None else None
        except _Unknown as e:
            raise _unknown(sheet, f"Sheet «{sheet}», ô {coord},", e) from None
    if v is None:
        return None
    if kind == "n":
        try:
            number = excel_number(float(v))
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(v)   # «NaN», «INF»: no spreadsheet stores these as numbers
        except ValueError:
            raise PackageError("not-a-workbook:number_unreadable", None, sheet=sheet, coord=coord, value=v[:20]) from None
        if is_date_format(fmt, number):
            return _date(number, date1904)
        return number
    if kind == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            raise PackageError("not-a-workbook:string_missing", None, sheet=sheet, coord=coord) from None
    if kind == "str":
        return decode_escapes(v)
    if kind == "b":
        return v.strip() in ("1", "true")
    if kind == "e":
        return CellError(v.strip())
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(v.strip())
        except ValueError:
            return CellError("#VALUE!")
    raise PackageError("not-a-workbook:cell_type", None, sheet=sheet, coord=coord, kind=kind[:10])


def _date(serial: float, date1904: bool):
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    try:
        return base + dt.timedelta(days=serial)
    except OverflowError:
        return CellError("#VALUE!")


# ------------------------------------------------------------------------------------------ .xls

def _read_xls(path: Path, book: GridBook, wanted: set | None = None) -> dict:
    # deferred on purpose: xlrd loads only for a .xls workbook
    import xlrd  # noqa: PLC0415
    from xlrd.biffh import error_text_from_code  # noqa: PLC0415
    try:
        # on demand: a sheet the caller does not use is never parsed (an .xls holds no formula text
        # to check: its calls out are found in the workbook's names and add-ins below)
        wb = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=_Quiet())
    except xlrd.XLRDError as e:
        if "encrypt" in str(e).lower():
            raise PackageError("password-protected") from e
        raise PackageError("not-a-workbook:xls_unreadable", None, reason=str(e)[:80]) from e
    # what reaches out: links to other files, DDE/OLE links, add-in functions (WEBSERVICE and
    # the like are stored as names of an add-in book)
    for kind in getattr(wb, "_supbook_types", []):
        if kind in (xlrd.book.SUPBOOK_EXTERNAL, xlrd.book.SUPBOOK_DDEOLE):
            book.links.append("external" if kind == xlrd.book.SUPBOOK_EXTERNAL else "dde")
    # an .xls names the functions Excel 97 did not have (``_xlfn.WEBSERVICE``) as add-in
    # functions: given as calls to the safety check, with the workbook's defined names
    book.defined_names += [name.rsplit(".", 1)[-1] + "()" for name in getattr(wb, "addin_func_names", [])]
    book.defined_names += [n.name + "()" for n in wb.name_obj_list if n.name]
    date_mode = wb.datemode
    out = {}
    try:
        for i, name in enumerate(wb.sheet_names()):
            if wanted is not None and sheet_key(name) not in wanted:
                visibility = wb._sheet_visibility[i] if i < len(getattr(wb, "_sheet_visibility", [])) else 0
                out[name] = GridSheet(name, {}, {0: "visible", 1: "hidden"}.get(visibility, "veryHidden"), skipped=True)
                continue
            out[name] = _xls_sheet(wb.sheet_by_index(i), wb, date_mode, xlrd, error_text_from_code)
    finally:
        wb.release_resources()
    return out


def _xls_sheet(sh, wb, date_mode, xlrd, error_text_from_code) -> GridSheet:
    """One sheet of an .xls workbook, read by xlrd."""
    state = {0: "visible", 1: "hidden"}.get(sh.visibility, "veryHidden")
    cells = {}
    for r in range(sh.nrows):
        for c in range(sh.ncols):
            x = sh.cell(r, c)
            if x.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if r + 1 > MAX_ROWS or c + 1 > MAX_COLUMNS:
                raise LimitExceeded(sh.name, f"{get_column_letter(c + 1)}{r + 1}")
            fmt = "General"
            xf = wb.xf_list[x.xf_index] if x.xf_index is not None and x.xf_index < len(wb.xf_list) else None
            if xf is not None and xf.format_key in wb.format_map:
                fmt = wb.format_map[xf.format_key].format_str
            coord = f"{get_column_letter(c + 1)}{r + 1}"
            if x.ctype == xlrd.XL_CELL_NUMBER:
                value = excel_number(x.value)
            elif x.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate.xldate_as_datetime(x.value, date_mode)
                except (ValueError, OverflowError):
                    value = CellError("#VALUE!")
            elif x.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(x.value)
            elif x.ctype == xlrd.XL_CELL_ERROR:
                value = CellError(error_text_from_code.get(x.value, "#N/A"))
            elif x.ctype == xlrd.XL_CELL_TEXT:
                value = x.value
            else:
                raise PackageError("not-a-workbook:xls_cell_type", None, name=sh.name, coord=coord)
            cells[(r + 1, c + 1)] = Cell(value, coord, "", fmt)
    hidden = [r + 1 for r, info in sh.rowinfo_map.items() if getattr(info, "hidden", 0)]
    merged = [CellRange(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells]
    return GridSheet(sh.name, cells, state, merged, hidden)


class _Quiet:
    """xlrd's log, not printed (it warns about harmless things in files written by other programs)."""

    def write(self, _text):
        return 0
