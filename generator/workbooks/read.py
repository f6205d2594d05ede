"""Reading a department's workbook: headers found by their titles, every cell checked, every
problem collected (never stopping at the first), values returned with their source cells.

The workbook is read once (``grid.GridBook``): values, number formats, cell types, formulas and
hidden rows come from that one model, so every check runs on exactly what is read. A workbook
the model cannot read completely is refused with a message saying what to do, never read with
checks skipped.

Tolerated with a warning: numbers typed as text the Vietnamese way (``1.234,5``), hidden
rows and sheets, extra columns, blank rows. Errors: anything that cannot be read as the
number it should be, a formula with no cached value, merged data cells, a workbook made for
another period or department, a file that is not a workbook.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path

from ..catalogue import Catalogue
from ..periods import Period
from ..problems import Problem, make
from ..sources import Source
from ..units import plain, same_unit
from ..vi_numbers import NumberTextError, brief, format_number, format_plain, parse_number, to_decimal
from . import layout
from .grid import (CellError, GridBook, LimitExceeded, get_column_letter, is_date_format, is_percent_format,
                   one_line)
from .package import PackageError

HEADER_SCAN_ROWS = 20
MAX_ROWS = 5000                      # data rows read from a sheet
MAX_FILE_BYTES = 50 * 2**20          # a department workbook is a few hundred kB
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
VBA_STREAM = "_VBA_PROJECT".encode("utf-16-le")
# The largest magnitude an entered value may have (a value v is read when |v| < MAX_MAGNITUDE):
# a spreadsheet keeps 15 significant digits, so from 10^15 on the units digit of an integer is
# no longer stored and a figure cannot be printed to the unit the report prints it in. One
# home: the reader (``_cell_number``: workbooks, the web form, import-history), the form
# (``typed.typed_number``) and the computed figures (``compute``) read it from here.
MAX_MAGNITUDE = Decimal(10) ** 15
EXCEL_ERRORS = ("#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


@dataclass
class WorkbookData:
    """What was read from one department's workbook: by indicator code, the values (Decimal, in
    the row's unit), their Sources, the «Ghi chú» notes and their cells; the narrative rows;
    the row and column of each figure; what could not be read (bad cells, missing columns,
    a broken structure); and the units its rows state."""
    path: Path
    department: str
    values: dict = field(default_factory=dict)     # code -> {measure: Decimal}
    sources: dict = field(default_factory=dict)    # code -> {measure: "file!sheet!cell"}
    notes: dict = field(default_factory=dict)      # code -> Ghi chú text
    note_sources: dict = field(default_factory=dict)  # code -> Source of its Ghi chú cell
    narrative: list = field(default_factory=list)  # [(section, text, cell)]
    rows: dict = field(default_factory=dict)       # code -> row number
    columns: dict = field(default_factory=dict)    # measure -> column letter
    bad_cells: dict = field(default_factory=dict)  # code -> {measure} whose cell has an error
    revisions: dict = field(default_factory=dict)  # code -> {measure: store revision}
    missing_columns: set = field(default_factory=set)  # measures whose column is missing (one error said so)
    units: dict = field(default_factory=dict)      # code -> the unit written in the row's «Đơn vị tính» cell
    period: str = ""
    structure_broken: bool = False                 # sheet or header missing: one error, no consequences


def _norm(v) -> str:
    return " ".join(unicodedata.normalize("NFC", str(v)).split()) if v is not None else ""


# the sheets a department's workbook is read from; any other sheet (a department's own working
# sheet, or junk) is never parsed (grid.GridBook ``sheets``)
READ_SHEETS = (layout.SHEET_DATA, layout.SHEET_TEXT, layout.SHEET_META)


def open_workbook(path: Path) -> GridBook:
    """The one model of an .xlsx or .xls workbook (grid.py) — the sheets the reader uses;
    ``PackageError`` when it cannot be read completely."""
    return GridBook(path, sheets=READ_SHEETS)


def is_blank_workbook(path: Path, cat: Catalogue) -> bool:
    """True when no value cell of ``Chỉ tiêu`` and no narrative cell holds anything."""
    if preflight(path) is not None:
        return False  # a file the reader refuses is never treated as blank (nor opened here)
    try:
        wb = open_workbook(path)
    except Exception:
        return False
    ws = wb.find(layout.SHEET_DATA)
    if ws is not None:
        hdr = _find_header(ws, layout.COL_CODE)
        if hdr:
            row, cols = hdr
            for r in range(row + 1, ws.max_row + 1):
                for title in (layout.COL_MONTH, layout.COL_CUM):
                    c = cols.get(title, [None])[0]
                    if c and ws.cell(r, c).value not in (None, ""):
                        return False
    text = wb.find(layout.SHEET_TEXT)
    if text is not None:
        for row in text.iter_rows(min_row=2, values_only=True):
            if any(v not in (None, "") for v in row):
                return False
    return True


def _find_header(ws, first_title: str):
    """(row, {title: column}) of the header row containing ``first_title``, or None."""
    for r in range(1, min(ws.max_row, HEADER_SCAN_ROWS) + 1):
        cells = {}
        found = False
        for c in range(1, min(ws.max_column, 60) + 1):
            t = _norm(ws.cell(r, c).value)
            if t == first_title:
                found = True
            if t:
                cells.setdefault(t, []).append(c)
        if found:
            return r, cells
    return None


def _plain_letters(text: str) -> str:
    """Without Vietnamese diacritics, lower case: «Luỹ kê» and «Lũy kế» both read «luy ke»."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def preflight(path: Path) -> Problem | None:
    """Refuse, before any parser sees it, a file that is empty, not a workbook, encrypted or
    too large to read in bounded time and memory. (The zip's limits, its parts and what they
    contain are checked as the workbook is read: ``read_workbook``.)"""
    fname = path.name
    size = path.stat().st_size
    if size == 0:
        return make("empty-file", dict(file=fname))
    if size > MAX_FILE_BYTES:
        return make("file-too-large", dict(file=fname), size=_mb(size), max_file_bytes=_mb(MAX_FILE_BYTES))
    with open(path, "rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head == CFB_MAGIC:
        blob = path.read_bytes()
        if ENCRYPTION_INFO in blob:   # an .xlsx with a password to open is a compound file, whatever its name
            return make("password-protected", dict(file=fname))
        if suffix == ".xls":
            if VBA_STREAM in blob:
                return make("active-content:xls_macro", dict(file=fname))
            return None  # the old format is a compound file: xlrd reads it (and knows it is encrypted)
        if ENCRYPTION_INFO in blob:
            return make("password-protected", dict(file=fname))
        return make("not-a-workbook:xls_as_xlsx", dict(file=fname))
    if suffix == ".xls":
        if head[:4] == b"PK\x03\x04":
            return None   # an .xlsx named .xls: read as what it is (the model looks at the bytes, not the name)
        return make("not-a-workbook:not_xls", dict(file=fname))
    if head[:4] != b"PK\x03\x04":
        return make("not-a-workbook:not_excel", dict(file=fname))
    return None


_CALLOUT = re.compile(r"\b(WEBSERVICE|CALL|REGISTER(?:\.ID)?|EXEC|FILTERXML)\s*\(|"
                      r"HYPERLINK\s*\(\s*\"\s*(?:file:|\\\\|[A-Za-z]:\\)|"
                      r"(?:^|[=(,+\-*/&\s])'?[A-Za-z][\w.]*'?\|", re.I)


def _calls_out(formula: str) -> bool:
    text_wo_strings = re.sub(r'"[^"]*"', '""', formula)
    return bool(_CALLOUT.search(formula) if "HYPERLINK" in formula.upper() else _CALLOUT.search(text_wo_strings))


def active_content(wb: GridBook, part_names: list[str]) -> tuple[str, str] | None:
    """(what was found, sheet) for content that runs or reaches out — macros, external links,
    OLE and ActiveX objects, DDE and formulas that call out — looked for in every part and every
    formula of the model the values come from; None for a plain workbook."""
    names = [n.lower() for n in part_names]
    if any(n.endswith("vbaproject.bin") for n in names):
        return "macro (VBA)", ""
    if wb.links or any(n.startswith("xl/externallinks/") for n in names):
        return "liên kết tới tệp khác (External Links, DDE)", ""
    if any(n.startswith(("xl/embeddings/", "xl/activex/")) for n in names):
        return "đối tượng nhúng (OLE/ActiveX)", ""
    for text in wb.defined_names:
        if _calls_out(text):
            return f"công thức gọi ra ngoài («{brief(text, 60)}»)", ""
    for ws in wb.sheets():
        for cell in ws.cells():
            if cell.formula and _calls_out(cell.formula):
                return f"công thức gọi ra ngoài («{brief(cell.formula, 60)}»)", ws.title
    return None


def load(path: Path) -> tuple[GridBook | None, Problem | None]:
    """The workbook's one model, or the refusal that says why it cannot be read completely
    and safely (sizes, broken zip, DTDs, parts not found, data far outside the sheet, active
    content)."""
    fname = path.name
    refused = preflight(path)
    if refused is not None:
        return None, refused
    try:
        wb = GridBook(path, sheets=READ_SHEETS)
    except LimitExceeded as e:
        return None, make(e.key, dict(file=fname, sheet=e.sheet, cell=e.coord), **e.fields)
    except PackageError as e:
        return None, make(e.key, dict(file=fname, sheet=e.sheet), **e.fields)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - a parser failure nobody foresaw refuses the file
        return None, _not_a_workbook(fname, e)
    if wb.macro_declared:
        return None, make("active-content", dict(file=fname), what="macro (VBA)")
    found = active_content(wb, wb.part_names)
    if found is not None:
        what, sheet = found
        return None, make("active-content", dict(file=fname, sheet=sheet), what=what)
    return wb, None




def read_workbook(path: Path, cat: Catalogue, period, department: str) -> tuple[WorkbookData | None, list[Problem]]:
    """Read and check one department's workbook (.xlsx or .xls at ``path``) for ``period`` against
    the catalogue ``cat``: every sheet, header, cell and narrative row. Returns (WorkbookData,
    problems), or (None, [the one refusal]) when the file cannot be read safely or as a
    workbook; never raises for the file's content. Run it in ``sandbox`` (bounded memory and time)."""
    path = Path(path)
    fname = path.name
    problems: list[Problem] = []
    data = WorkbookData(path, department, period=str(period))
    wb, refused = load(path)
    if refused is not None:
        return None, [refused]

    if _check_identity(wb, cat, fname, period, department, problems):
        return None, problems    # another period's or department's workbook: that one message, nothing read

    for ws in wb.sheets():
        if ws.unread:
            problems.append(make("not-a-workbook:sheet_unreadable", dict(file=fname, sheet=ws.title), title=ws.title))
            return None, problems
    data_ws = wb.find(layout.SHEET_DATA)
    if data_ws is None:
        near = [s for s in wb.sheetnames if _plain_letters(_norm(s)).replace(" ", "") == "chitieu"]
        if near:
            problems.append(make("sheet-missing:near", dict(file=fname), sheet=layout.SHEET_DATA, near=near[0]))
        else:
            problems.append(make("sheet-missing", dict(file=fname), sheet=layout.SHEET_DATA, sheets=", ".join(wb.sheetnames)))
        data.structure_broken = True
    else:
        _read_data(data_ws, cat, department, fname, data, problems)
    text_ws = wb.find(layout.SHEET_TEXT)
    if text_ws is not None:
        _read_text(text_ws, fname, data, problems)
    else:
        near = [s for s in wb.sheetnames
                if _plain_letters(_norm(s)).replace(" ", "") in ("thuyetminh", "thuyetmin", "thuyetminhs")]
        if near:
            problems.append(make("sheet-missing:narrative_near", dict(file=fname, sheet=near[0]), sheet_text=layout.SHEET_TEXT, near=near[0]))
    return data, problems


def _not_a_workbook(fname: str, exc) -> Problem:
    kind = type(exc).__name__
    if kind == "PasswordError" or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return make("password-protected:plain", dict(file=fname))
    if kind == "BadZipFile" or "zip" in str(exc).lower():
        why = "tệp không phải bảng tính Excel (.xlsx) hoặc đã bị hỏng, cắt cụt"
    else:
        why = "không đọc được tệp như một bảng tính Excel (.xlsx)"
    return make("not-a-workbook:unexpected", dict(file=fname), why=why)


def _month_name(period: str) -> str:
    year, _, month = str(period).partition("-")
    return f"tháng {int(month)}/{year}" if month.isdigit() else str(period)


def _check_identity(wb, cat, fname, period, department, problems) -> bool:
    """The hidden identity sheet against the period and department the file is read for; an
    identity that differs is one error in words a department reads (both periods, or the other
    department's name) — True then, and nothing else of the workbook is read."""
    ws = wb.find(layout.SHEET_META)
    if ws is None:
        problems.append(make("identity-missing", dict(file=fname)))
        return False
    meta = {_norm(r[0]): _norm(r[1]) for r in ws.iter_rows(min_row=1, max_row=10, max_col=2, values_only=True) if r[0]}
    got_period, got_dept = meta.get(layout.META_PERIOD, ""), meta.get(layout.META_DEPARTMENT, "")
    if got_dept and got_dept != department:
        other = cat.departments.get(got_dept)
        own = cat.departments.get(department)
        problems.append(make("wrong-department", dict(file=fname), got=other.name if other else brief(got_dept, 40),
                             own=own.name if own else department))
        return True
    if got_period and got_period != str(period):
        problems.append(make("wrong-period", dict(file=fname), got_period=brief(_month_name(got_period), 40), period=_month_name(str(period))))
        return True
    return False


def _read_data(ws, cat, department, fname, data, problems):

    sheet = ws.title
    if ws.sheet_state != "visible":
        problems.append(make("sheet-hidden", dict(file=fname, sheet=sheet), sheet=sheet))
    found = _find_header(ws, layout.COL_CODE)
    if not found:
        problems.append(make("header-missing", dict(file=fname, sheet=sheet), column=layout.COL_CODE, rows=HEADER_SCAN_ROWS,
                             headers=", ".join(layout.DATA_HEADERS[:-1])))
        data.structure_broken = True
        return
    hrow, titles = found
    cols = {}
    for title in layout.DATA_HEADERS:
        where = titles.get(title)
        if not where:
            if title != layout.COL_NOTE:
                others = {_plain_letters(t): t for t in titles if t not in layout.DATA_HEADERS}
                near = [others[k] for k in difflib.get_close_matches(_plain_letters(title), others, n=1, cutoff=0.75)]
                if near:
                    cell = f"{get_column_letter(titles[near[0]][0])}{hrow}"
                    problems.append(make("header-missing:column_near", dict(file=fname, sheet=sheet, cell=cell),
                                         title=title, row=hrow, near=near[0], cell=cell))
                else:
                    problems.append(make("header-missing:column", dict(file=fname, sheet=sheet, cell=f"{hrow}:{hrow}"),
                                         title=title, row=hrow))
                if title in layout.MEASURE_OF:
                    data.missing_columns.add(layout.MEASURE_OF[title])
                if title == layout.COL_CODE:
                    data.structure_broken = True
            continue
        if len(where) > 1:
            problems.append(make("header-duplicate", dict(file=fname, sheet=sheet, cell=f"{get_column_letter(where[1])}{hrow}"),
                                 title=title, count=len(where), columns=", ".join(get_column_letter(c) for c in where)))
            continue
        cols[title] = where[0]
    if layout.COL_CODE not in cols:
        return
    own_all = cat.of_department(department)
    if layout.COL_PLAN2 in titles:
        cols[layout.COL_PLAN2] = titles[layout.COL_PLAN2][0]
    elif any(i.plan2_word for i in own_all):
        problems.append(make("header-missing:plan2", dict(file=fname, sheet=sheet, line=hrow), column=layout.COL_PLAN2,
                             codes=", ".join(i.code for i in own_all if i.plan2_word), row=hrow))
        data.missing_columns.add("plan2")
    data.columns = {layout.MEASURE_OF[t]: get_column_letter(c) for t, c in cols.items() if t in layout.MEASURE_OF}
    merged = [m for m in ws.merged_cells.ranges if m.max_row > hrow]
    own = {i.code: i for i in cat.of_department(department)}
    seen: dict = {}
    foreign: list = []     # (index in problems, owner) of rows that are another department's
    last_row = min(ws.max_row, hrow + MAX_ROWS)
    if ws.max_row > hrow + MAX_ROWS:
        problems.append(make("too-many-rows", dict(file=fname, sheet=sheet), max_row=ws.max_row, max_rows=MAX_ROWS))
    for r in range(hrow + 1, last_row + 1):
        code_cell = ws.cell(r, cols[layout.COL_CODE])
        code = _norm(code_cell.value)
        if not code:
            continue
        coord = code_cell.coordinate
        if code not in cat.indicators:
            problems.append(make("unknown-indicator", dict(file=fname, sheet=sheet, cell=coord, indicator=brief(code, 40)),
                                 code=brief(code, 40)))
            continue
        if code not in own:
            owner = cat.departments.get(cat.indicators[code].department)
            foreign.append((len(problems), cat.indicators[code].department))
            problems.append(make("foreign-indicator", dict(file=fname, sheet=sheet, cell=coord, indicator=code), code=code,
                                 value=owner.name if owner else cat.indicators[code].department))
            continue
        if code in seen:
            problems.append(make("duplicate-indicator", dict(file=fname, sheet=sheet, cell=coord, indicator=code), code=code, seen=seen[code]))
            continue
        seen[code] = r
        data.rows[code] = r
        if ws.row_dimensions[r].hidden:
            problems.append(make("row-hidden", dict(file=fname, sheet=sheet, cell=coord, indicator=code), row=r))
        ind = own[code]
        if layout.COL_UNIT in cols:
            unit_cell = ws.cell(r, cols[layout.COL_UNIT])
            unit = _norm(unit_cell.value)
            data.units[code] = unit
            if unit and not same_unit(unit, ind.unit):
                problems.append(make("unit-column-differs", dict(file=fname, sheet=sheet, cell=unit_cell.coordinate, indicator=code),
                                     unit=brief(unit, 40), name=ind.name, data=data_period(data), unit2=ind.unit))
                for measure in layout.measures_for(ind):
                    data.bad_cells.setdefault(code, set()).add(measure)
        vals, srcs = {}, {}
        for title, measure in layout.MEASURE_OF.items():
            c = cols.get(title)
            if c is None:
                continue
            cell = ws.cell(r, c)
            place = dict(file=fname, sheet=sheet, cell=cell.coordinate, indicator=code)
            if any(cell.coordinate in m for m in merged):
                problems.append(make("merged-cell", place, coordinate=cell.coordinate))
                continue
            before = len(problems)
            value = _cell_number(cell, title, ind, place, problems)
            if any(p.is_error for p in problems[before:]):
                data.bad_cells.setdefault(code, set()).add(measure)
            if value is not None:
                if measure not in layout.measures_for(ind):
                    problems.append(make("not-applicable", place, title=title, kind_name=ind.kind_name))
                    continue
                vals[measure] = value
                srcs[measure] = Source.workbook(fname, sheet, cell.coordinate)
        if layout.COL_NOTE in cols:
            note_cell = ws.cell(r, cols[layout.COL_NOTE])
            if isinstance(note_cell.value, CellError):
                problems.append(make("excel-error:note", dict(file=fname, sheet=sheet, cell=note_cell.coordinate, indicator=code),
                                     col_note=layout.COL_NOTE, value=brief(note_cell.value, 20)))
            note = _norm(note_cell.value) if not isinstance(note_cell.value, CellError) else ""
            if note:
                data.notes[code] = note
                data.note_sources[code] = Source.workbook(fname, sheet, note_cell.coordinate)
        data.values[code] = vals
        data.sources[code] = srcs
    owners = {o for _, o in foreign}
    if foreign and not seen and len(owners) == 1:
        # every row is another department's: one message, not one per row and per missing code
        other = cat.departments.get(owners.pop())
        drop = {i for i, _ in foreign}
        problems[:] = [p for i, p in enumerate(problems) if i not in drop]
        problems.append(make("wrong-department:every_row", dict(file=fname), got=other.name if other else '?',
                             own=cat.departments[department].name if department in cat.departments else department))
        data.structure_broken = True
        return
    for code, ind in own.items():
        if code not in seen:
            problems.append(make("missing-indicator", dict(file=fname, sheet=sheet, indicator=code), code=code, name=ind.name))


def _cell_number(cell, title, ind, place, problems) -> Decimal | None:
    """The number a cell holds (``_cell_value``), or None with an error when its magnitude is
    ``MAX_MAGNITUDE`` or more (no figure the report could print or compute with)."""
    before = len(problems)
    number = _cell_value(cell, title, ind, place, problems)
    if number is None or abs(number) < MAX_MAGNITUDE:
        return number
    problems[before:] = [p for p in problems[before:] if p.code not in ("text-number", "percent-cell")]   # one message for the cell
    problems.append(make("number-too-large", place, title=title, value=scientific(number), unit=ind.unit,
                         limit=format_number(MAX_MAGNITUDE)))
    return None


def scientific(number: Decimal) -> str:
    """``1E+300``, ``-1,5E+20``: a number too long to write out, as Excel shows it (15 significant
    digits, decimal comma)."""
    with localcontext() as ctx:
        ctx.prec = 15
        shown = (+number).normalize()
    return brief(format(shown, "E").replace(".", ","), 30)


def _cell_value(cell, title, ind, place, problems) -> Decimal | None:
    """The number a cell of the model holds, or None with the problem said: empty (a formula
    without a computed value is an error), an error value, a truth value, a date, text that is
    not a number. A number in a percent-formatted cell is read as the percentage it shows."""
    v = cell.value
    if isinstance(v, CellError):
        problems.append(make("excel-error", place, title=title, value=brief(v, 20)))
        return None
    if v is None or (isinstance(v, str) and not v.strip()):
        if cell.formula:
            problems.append(make("formula-no-value", place, formula=brief(cell.formula, 60)))
        return None
    if isinstance(v, bool):
        problems.append(make("not-a-number:boolean", place, title=title, value='TRUE' if v else 'FALSE'))
        return None
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        problems.append(make("not-a-number:date", place, title=title, value=v))
        return None
    if isinstance(v, (int, float)):
        shown = [c for c in cell.conditional if is_percent_format(c, v) != cell.percent or is_date_format(c, v)]
        if shown:   # Excel may show it as a percentage (or a date) when the rule holds: which number was meant?
            problems.append(make("conditional-number-format", place, title=title, shown=brief(shown[0], 30), unit=ind.unit))
            return None
        number = Decimal(int(v)) if isinstance(v, float) and v.is_integer() else to_decimal(v)
        if cell.percent:
            return _percent_cell(number, title, ind, place, problems)
        return number
    text = _norm(one_line(v))
    if text.upper() in EXCEL_ERRORS:
        problems.append(make("excel-error:typed", place, title=title, text=text))
        return None
    try:
        parsed = parse_number(text)
    except NumberTextError as e:
        problems.append(make("not-a-number:text", place, title=title, reason=e))
        return None
    if parsed.ambiguous:
        vi, en = readings(text)
        problems.append(make("ambiguous-number", place, title=title, text=text, vi=vi, en=en))
        return None
    if parsed.percent and ind.unit.strip() != "%":
        problems.append(make("percent-cell:typed", place, title=title, text=text, name=ind.name, unit=ind.unit))
        return None
    problems.append(make("text-number:percent" if parsed.percent else "text-number", place, title=title, text=text,
                         value=str(parsed.value).replace('.', ',')))
    return parsed.value


def readings(text: str) -> tuple[str, str]:
    """The two readings of ``612,345`` / ``1.234``, in words a clerk reads without doubt:
    the Vietnamese one first (``612 phẩy 345``, ``1 nghìn 234``), then the English one."""
    body = text.rstrip("%").strip()
    sep = "," if "," in body else "."
    left, _, right = body.partition(sep)
    decimal, thousands = f"{left} phẩy {right}", f"{left} nghìn {right}"
    return (decimal, thousands) if sep == "," else (thousands, decimal)


def _percent_cell(number: Decimal, title, ind, place, problems) -> Decimal | None:
    """A number in a cell formatted as a percentage: typing «77,5%» stores 0,775."""
    shown = plain(number * 100)
    if ind.unit.strip() == "%":
        problems.append(make("percent-cell:shown", place, title=title, number=format_plain(number), shown=format_plain(shown)))
        return shown
    problems.append(make("percent-cell:stored", place, title=title, shown=format_plain(shown), number=format_plain(number), name=ind.name,
                         unit=ind.unit))
    return None


def data_period(data) -> str:
    """The period a WorkbookData was read for (``YYYY-MM``), or «này» (this) in a message without one."""
    return data.period or "này"


def _read_text(ws, fname, data, problems):
    sheet = ws.title
    if ws.sheet_state != "visible":
        problems.append(make("sheet-hidden:narrative", dict(file=fname, sheet=sheet), sheet=sheet))
    found = _find_header(ws, layout.TEXT_SECTION)
    if not found:
        problems.append(make("header-missing:narrative_header", dict(file=fname, sheet=sheet), sheet=sheet, text_section=layout.TEXT_SECTION,
                             text_body=layout.TEXT_BODY))
        return
    hrow, titles = found
    if layout.TEXT_BODY not in titles:
        problems.append(make("header-missing:narrative_column", dict(file=fname, sheet=sheet, line=hrow), sheet=sheet, text_body=layout.TEXT_BODY))
        return
    cs, cb = titles[layout.TEXT_SECTION][0], titles[layout.TEXT_BODY][0]
    for r in range(hrow + 1, min(ws.max_row, hrow + MAX_ROWS) + 1):
        sec_cell, body_cell = ws.cell(r, cs), ws.cell(r, cb)
        broken = [c for c in (sec_cell, body_cell) if isinstance(c.value, CellError)]
        for c in broken:   # «#N/A» is what the cell shows, never a paragraph of the report
            problems.append(make("excel-error:narrative", dict(file=fname, sheet=sheet, cell=c.coordinate), value=brief(c.value, 20)))
        if broken:
            continue
        sec = _norm(sec_cell.value)
        raw = body_cell.value
        body = unicodedata.normalize("NFC", one_line(str(raw))).strip() if raw is not None else ""
        if not sec and not body:
            continue
        if ws.row_dimensions[r].hidden:
            problems.append(make("row-hidden:narrative", dict(file=fname, sheet=sheet, cell=body_cell.coordinate), row=r))
        data.narrative.append((sec, body, body_cell.coordinate))


def _period_text(value) -> str:
    """A «Kỳ báo cáo» cell as YYYY-MM: typing «2023-05» or «5/2023» in Excel stores the date
    1/5/2023 (shown «05/2023»), which is that month; any other date is left to be refused."""
    if isinstance(value, dt.datetime) and value.day == 1 and value.time() == dt.time(0):
        return f"{value.year:04d}-{value.month:02d}"
    return _norm(value)


def read_history(path: Path, cat: Catalogue) -> tuple[dict, list[Problem]]:
    """The import-history workbook: sheet ``Chỉ tiêu`` with the usual header plus
    ``Kỳ báo cáo`` (YYYY-MM) on each row. Returns ({(period, department): [(code, measure,
    value, sheet, cell)]}, problems)."""
    path = Path(path)
    fname = path.name
    problems: list[Problem] = []
    refused = preflight(path)
    if refused is not None:
        return {}, [refused]
    try:
        wb = GridBook(path, limits=False, sheets=(layout.SHEET_DATA,))   # years of history: more rows than a month's
    except PackageError as e:
        return {}, [make(e.key, dict(file=fname), **e.fields)]
    except Exception as e:  # noqa: BLE001 - any unreadable file is the same problem for the user
        return {}, [_not_a_workbook(fname, e)]
    found = active_content(wb, wb.part_names) or (("macro (VBA)", "") if wb.macro_declared else None)
    if found is not None:
        return {}, [make("active-content", dict(file=fname, sheet=found[1]), what=found[0])]
    ws = wb.find(layout.SHEET_DATA)
    if ws is None:
        return {}, [make("sheet-missing:history", dict(file=fname), sheet_data=layout.SHEET_DATA)]
    found = _find_header(ws, layout.COL_CODE)
    if not found or layout.COL_PERIOD not in found[1]:
        return {}, [make("header-missing:history_header", dict(file=fname, sheet=layout.SHEET_DATA), col_period=layout.COL_PERIOD, col_code=layout.COL_CODE)]
    hrow, titles = found
    cols = {t: c[0] for t, c in titles.items()}
    out: dict = {}
    seen: dict = {}
    for r in range(hrow + 1, min(ws.max_row, hrow + 200000) + 1):
        code = _norm(ws.cell(r, cols[layout.COL_CODE]).value)
        period_cell = ws.cell(r, cols[layout.COL_PERIOD])
        period_text = _period_text(period_cell.value)
        has_values = any(ws.cell(r, cols[t]).value not in (None, "") for t in layout.MEASURE_OF if t in cols)
        if not code and not period_text or not period_text and not has_values:
            continue  # a blank row, or a template row left unfilled
        if code not in cat.indicators:
            problems.append(make("unknown-indicator",
                                 dict(file=fname, sheet=layout.SHEET_DATA, cell=ws.cell(r, cols[layout.COL_CODE]).coordinate, indicator=brief(code, 40)),
                                 code=brief(code, 40)))
            continue
        try:
            period = str(Period.parse(period_text))
        except ValueError as e:
            problems.append(make("bad-period", dict(file=fname, sheet=layout.SHEET_DATA, cell=period_cell.coordinate,
                                                    indicator=code), reason=str(e)))
            continue
        if (period, code) in seen:
            problems.append(make("duplicate-indicator:history", dict(file=fname, sheet=layout.SHEET_DATA, cell=f"A{r}", indicator=code), code=code,
                                 period=period, seen=seen[(period, code)]))
            continue
        seen[(period, code)] = r
        ind = cat.indicators[code]
        unit = _norm(ws.cell(r, cols[layout.COL_UNIT]).value) if layout.COL_UNIT in cols else ""
        rows = out.setdefault((period, ind.department), [])
        for title, measure in layout.MEASURE_OF.items():
            c = cols.get(title)
            if c is None:
                continue
            cell = ws.cell(r, c)
            place = dict(file=fname, sheet=layout.SHEET_DATA, cell=cell.coordinate, indicator=code)
            if measure not in layout.measures_for(ind):
                if cell.value not in (None, ""):   # as check says of a workbook: never dropped without a word
                    problems.append(make("not-applicable", place, title=title, kind_name=ind.kind_name))
                continue
            value = _cell_number(cell, title, ind, place, problems)
            if value is not None:
                rows.append((code, measure, value, layout.SHEET_DATA, cell.coordinate, unit or ind.unit))
    return out, problems
