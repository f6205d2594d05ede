"""Workbooks read through python-calamine (Rust; about forty times faster than openpyxl
here), behind the small part of openpyxl's worksheet interface the reader uses, for .xlsx and
old .xls alike.

calamine gives cached values, sheet visibility and merged ranges. For .xlsx a light scan of
each worksheet's XML adds what it does not report: error cells (``#DIV/0!``), formulas that have
no cached value, and hidden rows. (An .xls keeps a value for every formula.)
"""
from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path


STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}
CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
ATTR = re.compile(rb'(\w+)="([^"]*)"')
FORMULA = re.compile(rb'<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)', re.S)
VALUE = re.compile(rb'<(?:\w+:)?v>(.*?)</(?:\w+:)?v>', re.S)
HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|'
                        rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')


def get_column_letter(n: int) -> str:
    """1 -> A, 27 -> AA (openpyxl's helper, without importing openpyxl for reading)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


COORD = re.compile(r"([A-Z]+)(\d+)")


def _split(coord: str) -> tuple[int, int]:
    letters, digits = COORD.fullmatch(coord).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits), col


@dataclass(frozen=True)
class CellRange:
    """A merged range; ``"G5" in rng`` as with openpyxl's CellRange."""
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def __contains__(self, coord: str) -> bool:
        row, col = _split(coord)
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass
class _Cell:
    value: object
    coordinate: str


class _Dim:
    def __init__(self, hidden=False):
        self.hidden = hidden


class _Dims(dict):
    def __missing__(self, key):
        return _Dim()


class _Merged:
    def __init__(self, ranges):
        self.ranges = ranges


class GridSheet:
    def __init__(self, name: str, rows: list, state: str, merged: list, extras: dict | None = None):
        extras = extras or {}
        self.title = name
        self.sheet_state = state
        self._rows = rows
        self._errors = extras.get("errors", {})
        self.formulas = extras.get("formulas", {})   # coordinate -> formula text, for formulas with no value
        self.percent_cells = extras.get("percent", set())  # coordinates of numbers shown as percentages
        self.max_row = max(len(rows), max((int(re.sub(r"\D", "", c)) for c in self._errors), default=0))
        self.max_column = max((len(r) for r in rows), default=0)
        self.merged_cells = _Merged(merged)
        self.row_dimensions = _Dims({r: _Dim(True) for r in extras.get("hidden_rows", ())})

    def cell(self, row: int, column: int) -> _Cell:
        coord = f"{get_column_letter(column)}{row}"
        if coord in self._errors:
            return _Cell(self._errors[coord], coord)
        value = None
        if 1 <= row <= len(self._rows) and 1 <= column <= len(self._rows[row - 1]):
            value = self._rows[row - 1][column - 1]
            if value == "":
                value = None
        return _Cell(value, coord)

    def iter_rows(self, min_row=1, max_row=None, max_col=None, values_only=True):
        max_row = min(max_row or self.max_row, self.max_row)
        for r in range(min_row, max_row + 1):
            yield tuple(self.cell(r, c).value for c in range(1, (max_col or self.max_column) + 1))


class GridBook:
    def __init__(self, path):
        from python_calamine import CalamineWorkbook
        path = Path(path)
        wb = CalamineWorkbook.from_path(str(path))
        self.sheetnames = list(wb.sheet_names)
        states = {m.name: STATES.get(str(m.visible).split(".")[-1], "visible") for m in wb.sheets_metadata}
        extras = _xlsx_extras(path) if path.suffix.lower() != ".xls" else {}
        self._sheets = {}
        for name in self.sheetnames:
            sh = wb.get_sheet_by_name(name)
            rows = sh.to_python()
            # calamine starts at the first used cell: pad so that row/column numbers are Excel's
            r0, c0 = sh.start if sh.start else (0, 0)
            rows = [[] for _ in range(r0)] + [[""] * c0 + list(r) for r in rows]
            merged = [CellRange(min_row=a[0] + 1, min_col=a[1] + 1, max_row=b[0] + 1, max_col=b[1] + 1)
                      for a, b in (sh.merged_cell_ranges or [])]
            self._sheets[name] = GridSheet(name, rows, states.get(name, "visible"), merged, extras.get(name))

    def __getitem__(self, name):
        return self._sheets[name]


BUILTIN_PERCENT = {9, 10}   # 0% and 0.00%
XF = re.compile(rb'<(?:\w+:)?xf\b([^>]*?)(?:/>|>)')
NUMFMT = re.compile(rb'<(?:\w+:)?numFmt\b([^>]*?)/?>')
CELLXFS = re.compile(rb'<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>', re.S)


def is_percent_format(code: str) -> bool:
    """A number format that shows a percentage: a ``%`` outside quoted text and escapes."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in code


def percent_styles(z: zipfile.ZipFile) -> set[bytes]:
    """Indexes (as in a cell's ``s`` attribute) of the cell formats that show percentages."""
    try:
        xml = z.read("xl/styles.xml")
    except KeyError:
        return set()
    custom = {}
    for m in NUMFMT.finditer(xml):
        a = dict(ATTR.findall(m.group(1)))
        if b"numFmtId" in a:
            custom[int(a[b"numFmtId"])] = html.unescape(a.get(b"formatCode", b"").decode("utf-8", "replace"))
    xfs = CELLXFS.search(xml)
    out = set()
    for i, m in enumerate(XF.finditer(xfs.group(1) if xfs else b"")):
        fmt = int(dict(ATTR.findall(m.group(1))).get(b"numFmtId", b"0") or 0)
        if fmt in BUILTIN_PERCENT or (fmt in custom and is_percent_format(custom[fmt])):
            out.add(str(i).encode())
    return out


def _xlsx_extras(path: Path) -> dict:
    """{sheet name: {"errors", "formulas", "hidden_rows", "percent"}} from the worksheets' XML."""
    out = {}
    with zipfile.ZipFile(path) as z:
        pct = percent_styles(z)
        pct_attr = re.compile(rb'\bs="(' + b"|".join(sorted(pct)) + rb')"') if pct else None
        for name, part in sheet_parts(z).items():
            try:
                xml = z.read(part)
            except KeyError:
                continue
            errors, formulas, percent = {}, {}, set()
            if pct_attr is not None and pct_attr.search(xml):
                for m in CELL.finditer(xml):
                    attrs = dict(ATTR.findall(m.group(1)))
                    if attrs.get(b"s") in pct and attrs.get(b"t", b"n") == b"n" and VALUE.search(m.group(2) or b""):
                        percent.add(attrs.get(b"r", b"").decode())
            if b"<f" in xml or b't="e"' in xml or b":f" in xml:
                for m in CELL.finditer(xml):
                    attrs = dict(ATTR.findall(m.group(1)))
                    inner = m.group(2) or b""
                    coord = attrs.get(b"r", b"").decode()
                    v = VALUE.search(inner)
                    if attrs.get(b"t") == b"e" and v:
                        errors[coord] = html.unescape(v.group(1).decode("utf-8", "replace"))
                    f = FORMULA.search(inner)
                    if f and (not v or not v.group(1).strip()):
                        formulas[coord] = "=" + html.unescape((f.group(1) or b"").decode("utf-8", "replace"))
            hidden = {int(a or b) for a, b in HIDDEN_ROW.findall(xml)} if b"hidden=" in xml else set()
            out[name] = {"errors": errors, "formulas": formulas, "hidden_rows": hidden, "percent": percent}
    return out


def sheet_parts(z: zipfile.ZipFile) -> dict:
    """{sheet name: worksheet part path} from workbook.xml and its relationships."""
    def attrs(tag: bytes) -> dict:
        return {k.decode().split(":")[-1]: html.unescape(v.decode("utf-8", "replace"))
                for k, v in re.findall(rb'([\w:]+)="([^"]*)"', tag)}
    try:
        rels = z.read("xl/_rels/workbook.xml.rels")
        book = z.read("xl/workbook.xml")
    except KeyError:
        return {}
    targets = {}
    for a in map(attrs, re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels)):
        target = a.get("Target", "")
        targets[a.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return {a.get("name", ""): targets.get(a.get("id"), "") for a in map(attrs, re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", book))}


def sheet_name_of(z: zipfile.ZipFile, part: str) -> str:
    return next((name for name, p in sheet_parts(z).items() if p == part), "")
