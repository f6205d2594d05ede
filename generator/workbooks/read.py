"""Reading a department's workbook: headers found by their titles, every cell checked, every
problem collected (never stopping at the first), values returned with their source cells.

Tolerated with a warning: numbers typed as text the Vietnamese way (``1.234,5``), hidden
rows and sheets, extra columns, blank rows. Errors: anything that cannot be read as the
number it should be, a formula with no cached value, merged data cells, a workbook made for
another period or department, a file that is not a workbook.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from pathlib import Path

from ..catalogue import Catalogue
from ..problems import Problem, error, warning
from ..sources import Source
from ..vi_numbers import NumberTextError, parse_number, to_decimal
from . import layout as L

HEADER_SCAN_ROWS = 20
MAX_ROWS = 5000                      # data rows read from a sheet
MAX_FILE_BYTES = 50 * 2**20          # a department workbook is a few hundred kB
MAX_UNZIPPED_BYTES = 200 * 2**20     # total uncompressed size: above this, a zip bomb
MAX_PART_BYTES = 10 * 2**20          # one XML part (a 5.000-row sheet is well under 2 MB)
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
MAX_COLUMNS = 60                     # a department workbook uses 9; «Hướng dẫn» a few
VBA_STREAM = "_VBA_PROJECT".encode("utf-16-le")
EXCEL_ERRORS = ("#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


@dataclass
class WorkbookData:
    path: Path
    department: str
    values: dict = field(default_factory=dict)     # code -> {measure: Decimal}
    sources: dict = field(default_factory=dict)    # code -> {measure: "file!sheet!cell"}
    notes: dict = field(default_factory=dict)      # code -> Ghi chú text
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


def open_workbook(path: Path):
    """Both .xlsx and .xls through python-calamine, behind openpyxl's small interface (grid.py)."""
    from .grid import GridBook
    return GridBook(path)


def is_blank_workbook(path: Path, cat: Catalogue) -> bool:
    """True when no value cell of ``Chỉ tiêu`` and no narrative cell holds anything."""
    if preflight(path) is not None:
        return False  # a file the reader refuses is never treated as blank (nor opened here)
    try:
        wb = open_workbook(path)
    except Exception:
        return False
    if L.SHEET_DATA in wb.sheetnames:
        ws = wb[L.SHEET_DATA]
        hdr = _find_header(ws, L.COL_CODE)
        if hdr:
            row, cols = hdr
            for r in range(row + 1, ws.max_row + 1):
                for title in (L.COL_MONTH, L.COL_CUM):
                    c = cols.get(title, [None])[0]
                    if c and ws.cell(r, c).value not in (None, ""):
                        return False
    if L.SHEET_TEXT in wb.sheetnames:
        for row in wb[L.SHEET_TEXT].iter_rows(min_row=2, values_only=True):
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
    """Refuse, before any parser sees it, a file that is empty, not a workbook, encrypted,
    a zip bomb or too large to read in bounded time and memory."""
    import zipfile as zf

    from .grid import sheet_name_of, sheet_parts
    fname = path.name
    size = path.stat().st_size
    if size == 0:
        return error("empty-file", "Tệp rỗng (0 byte): hãy gửi lại biểu đã điền", file=fname)
    if size > MAX_FILE_BYTES:
        return error("file-too-large", f"Tệp nặng {_mb(size)}, vượt giới hạn {_mb(MAX_FILE_BYTES)} của một biểu",
                     file=fname)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == CFB_MAGIC:
        blob = path.read_bytes()
        if path.suffix.lower() == ".xls":
            if VBA_STREAM in blob:
                return error("active-content", "Biểu chứa macro (VBA), không được nhận vì lý do an toàn: hãy chép số "
                             "liệu sang biểu mẫu trống của Văn phòng và lưu dạng «Excel Workbook (.xlsx)»", file=fname)
            return None  # the old format is a compound file: calamine reads it (and knows passwords)
        if path.suffix.lower() == ".xls" and VBA_STREAM in blob:
            return error("active-content", "Biểu chứa macro (VBA), không được nhận vì lý do an toàn: hãy chép số liệu "
                         "sang biểu mẫu trống của Văn phòng và lưu dạng «Excel Workbook (.xlsx)»", file=fname)
        if ENCRYPTION_INFO in blob:
            return error("password-protected", "Biểu được đặt mật khẩu mở tệp nên không đọc được: hãy bỏ mật khẩu "
                         "(File > Info > Protect Workbook) rồi gửi lại", file=fname)
        return error("not-a-workbook", "Tệp là bảng tính Excel 97-2003 nhưng mang đuôi .xlsx: hãy đổi đuôi thành .xls "
                     "hoặc lưu lại dạng «Excel Workbook (.xlsx)»", file=fname)
    if path.suffix.lower() == ".xls":
        return error("not-a-workbook", "Tệp mang đuôi .xls nhưng không phải bảng tính Excel 97-2003", file=fname)
    if head[:4] != b"PK\x03\x04":
        return error("not-a-workbook", "Tệp không phải bảng tính Excel (.xlsx) (có thể là tệp khác bị đổi tên): "
                     "hãy mở bằng Excel và lưu dạng «Excel Workbook (.xlsx)»", file=fname)
    try:
        with zf.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNZIPPED_BYTES:
                return error("zip-bomb", f"Tệp giải nén ra {_mb(total)}, vượt giới hạn {_mb(MAX_UNZIPPED_BYTES)}: "
                             f"không đọc tệp này (tệp hỏng hoặc độc hại)", file=fname)
            names = {i.filename for i in infos}
            big = next((i for i in infos if i.file_size > MAX_PART_BYTES), None)
            if big is not None:
                return error("part-too-large", f"Một phần của tệp ({big.filename}) giải nén ra {_mb(big.file_size)}, "
                             f"vượt giới hạn {_mb(MAX_PART_BYTES)}: biểu có quá nhiều dòng hoặc dữ liệu thừa",
                             file=fname, sheet=sheet_name_of(z, big.filename))
            if "xl/workbook.xml" not in names:
                return error("not-a-workbook", "Tệp nén không chứa bảng tính Excel (thiếu xl/workbook.xml)", file=fname)
            found = active_content(z, names)
            if found is not None:
                what, sheet = found
                return error("active-content", f"Biểu chứa {what}, không được nhận vì lý do an toàn: hãy mở tệp, "
                             f"chép phần số liệu sang biểu mẫu trống của Văn phòng (dán dạng giá trị: Paste Special > "
                             f"Values) rồi lưu dạng «Excel Workbook (.xlsx)» và gửi lại", file=fname, sheet=sheet)
            for name, part in sheet_parts(z).items():
                if part not in names:
                    continue
                row, col, coord = real_extent(z.read(part))
                if row > MAX_ROWS + HEADER_SCAN_ROWS or col > MAX_COLUMNS:
                    return error("too-large-sheet", f"Sheet «{name}» có dữ liệu ở ô {coord}, ngoài giới hạn "
                                 f"{MAX_ROWS + HEADER_SCAN_ROWS:,} dòng × {MAX_COLUMNS} cột của một biểu".replace(",", ".")
                                 + ": hãy xóa các ô thừa (Ctrl+End cho biết ô cuối cùng có dữ liệu) rồi gửi lại",
                                 file=fname, sheet=name, cell=coord)
    except zf.BadZipFile:
        return error("not-a-workbook", "Tệp .xlsx bị hỏng hoặc bị cắt cụt (gửi chưa hết?): hãy gửi lại tệp", file=fname)
    return None


# rows and cells in document order; a cell's content is what calamine would place in its grid
_ROW_OR_CELL = re.compile(rb'<(?:\w+:)?row\b(?P<row>[^>]*?)/?>|'
                          rb'<(?:\w+:)?c\b(?P<cell>[^>]*?)(?:/>|>(?P<body>.*?)</(?:\w+:)?c>)', re.S)
_R_ATTR = re.compile(rb'\br="([A-Z]*)(\d*)"')


_CELL_OPEN = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?<!/)>')
_CELL_AT = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')


def real_extent(xml: bytes) -> tuple[int, int, str]:
    """(largest row, largest column, its cell) of the cells that hold something, from the
    cells themselves — not from the recorded ``<dimension>``, which a crafted file can fake.
    Rows and cells without an ``r`` attribute take the position after the previous one."""
    # the usual file: every cell with content names its place; the largest is found at C
    # speed (columns compared as right-aligned letters: «  Z» < « AA»)
    opened = _CELL_OPEN.findall(xml)
    places = _CELL_AT.findall(b"\x00".join(opened))
    if len(places) == len(opened):
        if not places:
            return 0, 0, ""
        letters, digits = zip(*places)
        rows = list(map(int, digits))
        aligned = list(map(bytes.rjust, letters, repeat(3)))
        best_row, far_col = max(rows), max(aligned)
        best_col = 0
        for ch in far_col.strip().decode():
            best_col = best_col * 26 + ord(ch) - 64
        i_row, i_col = rows.index(best_row), aligned.index(far_col)
        # the cell that lies farthest out: the far column when that is the only excess
        i = i_col if best_col > MAX_COLUMNS and best_row <= MAX_ROWS + HEADER_SCAN_ROWS else i_row
        return best_row, best_col, f"{letters[i].decode()}{rows[i]}"
    return _real_extent_walk(xml)


def _real_extent_walk(xml: bytes) -> tuple[int, int, str]:
    """``real_extent`` for a sheet with cells or rows that do not name their place."""
    from .grid import get_column_letter
    row = col = max_row = max_col = 0
    last = ""
    for m in _ROW_OR_CELL.finditer(xml):
        if m.group("row") is not None:
            r = _R_ATTR.search(m.group("row"))
            row = int(r.group(2)) if r and r.group(2) else row + 1
            col = 0
            continue
        r = _R_ATTR.search(m.group("cell"))
        if r and r.group(1):
            col = 0
            for ch in r.group(1).decode():
                col = col * 26 + ord(ch) - 64
            row = int(r.group(2)) if r.group(2) else row
        else:
            col += 1
        body = m.group("body")
        if body and (b"<v" in body or b"<is" in body or b":v" in body or b":is" in body or b"<f" in body):
            if row > max_row or col > max_col:
                last = f"{get_column_letter(max(col, 1))}{row}"
            max_row, max_col = max(max_row, row), max(max_col, col)
    return max_row, max_col, last


_CALLOUT = re.compile(r"\b(WEBSERVICE|CALL|REGISTER(?:\.ID)?|EXEC|FILTERXML)\s*\(|"
                      r"HYPERLINK\s*\(\s*\"\s*(?:file:|\\\\|[A-Za-z]:\\)|"
                      r"(?:^|[=(,+\-*/&\s])'?[A-Za-z][\w.]*'?\|", re.I)
_FORMULA_TEXT = re.compile(rb'<(?:\w+:)?(?:f|definedName)\b[^>]*>(.*?)</(?:\w+:)?(?:f|definedName)>', re.S)


def active_content(z, names: set) -> tuple[str, str] | None:
    """(what was found, sheet) for content that runs or reaches out: macros, external links,
    OLE and ActiveX objects, DDE and formulas that call out; None for a plain workbook."""
    import html as _html

    from .grid import sheet_parts
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lowered):
        return "macro (VBA)", ""
    if any(n.startswith("xl/externallinks/") for n in lowered):
        return "liên kết tới tệp khác (External Links)", ""
    if any(n.startswith(("xl/embeddings/", "xl/activex/")) for n in lowered):
        return "đối tượng nhúng (OLE/ActiveX)", ""
    try:
        types = z.read("[Content_Types].xml")
    except KeyError:
        types = b""
    if b"macroEnabled" in types or b"vbaProject" in types:
        return "macro (VBA)", ""
    parts = {part: name for name, part in sheet_parts(z).items()}
    for part in ["xl/workbook.xml"] + sorted(parts):
        if part not in names:
            continue
        xml = z.read(part)
        if b"<f" not in xml and b":f" not in xml and b"definedName" not in xml:
            continue
        for m in _FORMULA_TEXT.finditer(xml):
            text = _html.unescape(m.group(1).decode("utf-8", "replace"))
            text_wo_strings = re.sub(r'"[^"]*"', '""', text)
            hit = _CALLOUT.search(text) if "HYPERLINK" in text.upper() else _CALLOUT.search(text_wo_strings)
            if hit:
                return f"công thức gọi ra ngoài («={text[:60]}»)", parts.get(part, "")
    return None


def read_workbook(path: Path, cat: Catalogue, period, department: str) -> tuple[WorkbookData | None, list[Problem]]:
    path = Path(path)
    fname = path.name
    problems: list[Problem] = []
    data = WorkbookData(path, department, period=str(period))
    refused = preflight(path)
    if refused is not None:
        return None, [refused]
    try:
        wb = open_workbook(path)
    except Exception as e:  # noqa: BLE001 - calamine raises several kinds for broken files
        return None, [_not_a_workbook(fname, e)]

    def formula_at(sheet: str, coord: str):
        """The formula of a cell that has no cached value (found by the XML scan), or None."""
        return getattr(wb[sheet], "formulas", {}).get(coord)

    def percent_at(sheet: str, coord: str) -> bool:
        """True when the cell's number format shows a percentage (Excel stores 77,5% as 0,775)."""
        return coord in getattr(wb[sheet], "percent_cells", ())

    _check_identity(wb, fname, period, department, problems)

    if L.SHEET_DATA not in wb.sheetnames:
        near = [s for s in wb.sheetnames if _norm(s).lower().replace(" ", "") in ("chitieu", "chỉtiêu")]
        problems.append(error("sheet-missing", f"Không có sheet «{L.SHEET_DATA}»"
                              + (f" (có sheet «{near[0]}»: hãy đổi tên đúng là «{L.SHEET_DATA}»)" if near else
                                 f"; các sheet hiện có: {', '.join(wb.sheetnames)}; hãy dùng biểu mẫu Văn phòng gửi"),
                              file=fname))
        data.structure_broken = True
    else:
        _read_data(wb[L.SHEET_DATA], cat, department, fname, data, problems, formula_at, percent_at)
    if L.SHEET_TEXT in wb.sheetnames:
        _read_text(wb[L.SHEET_TEXT], fname, data, problems)
    return data, problems


def _not_a_workbook(fname: str, exc) -> Problem:
    kind = type(exc).__name__
    if kind == "PasswordError" or "password" in str(exc).lower():
        return error("password-protected", "Biểu được đặt mật khẩu mở tệp nên không đọc được: hãy bỏ mật khẩu "
                     "rồi gửi lại", file=fname)
    if kind == "BadZipFile" or "zip" in str(exc).lower() or "calamine" in kind.lower():
        why = "tệp không phải bảng tính Excel (.xlsx) hoặc đã bị hỏng, cắt cụt"
    else:
        why = "không đọc được tệp như một bảng tính Excel (.xlsx)"
    return error("not-a-workbook", f"{why}; hãy mở lại bằng Excel và lưu dạng «Excel Workbook (.xlsx)»", file=fname)


def _check_identity(wb, fname, period, department, problems):
    if L.SHEET_META not in wb.sheetnames:
        problems.append(warning("identity-missing",
                                "Biểu không mang dấu nhận dạng kỳ báo cáo và đơn vị (không phải biểu mẫu "
                                "Văn phòng gửi cho kỳ này); không kiểm tra được kỳ và đơn vị", file=fname))
        return
    ws = wb[L.SHEET_META]
    meta = {_norm(r[0]): _norm(r[1]) for r in ws.iter_rows(min_row=1, max_row=10, max_col=2, values_only=True) if r[0]}
    got_period, got_dept = meta.get(L.META_PERIOD, ""), meta.get(L.META_DEPARTMENT, "")
    if got_period and got_period != str(period):
        problems.append(error("wrong-period", f"Biểu này được tạo cho kỳ {got_period}, không phải kỳ {period}: "
                              f"hãy dùng biểu của kỳ {period}", file=fname, sheet=L.SHEET_META, cell="B1"))
    if got_dept and got_dept != department:
        problems.append(error("wrong-department", f"Biểu này được tạo cho đơn vị «{got_dept}», nhưng tệp mang tên "
                              f"của đơn vị «{department}»: có thể đã chép nhầm biểu của đơn vị khác",
                              file=fname, sheet=L.SHEET_META, cell="B2"))


def _read_data(ws, cat, department, fname, data, problems, formula_at, percent_at):
    import difflib

    from ..units import same_unit
    from .grid import get_column_letter
    sheet = ws.title
    if ws.sheet_state != "visible":
        problems.append(warning("sheet-hidden", f"Sheet «{sheet}» đang bị ẩn; vẫn đọc số liệu", file=fname, sheet=sheet))
    found = _find_header(ws, L.COL_CODE)
    if not found:
        problems.append(error("header-missing", f"Không tìm thấy dòng tiêu đề có ô «{L.COL_CODE}» trong "
                              f"{HEADER_SCAN_ROWS} dòng đầu; tiêu đề cần có: " + ", ".join(L.DATA_HEADERS[:-1]),
                              file=fname, sheet=sheet))
        data.structure_broken = True
        return
    hrow, titles = found
    cols = {}
    for title in L.DATA_HEADERS:
        where = titles.get(title)
        if not where:
            if title != L.COL_NOTE:
                others = {_plain_letters(t): t for t in titles if t not in L.DATA_HEADERS}
                near = [others[k] for k in difflib.get_close_matches(_plain_letters(title), others, n=1, cutoff=0.75)]
                hint = (f"có cột «{near[0]}» ở ô {get_column_letter(titles[near[0]][0])}{hrow}: hãy sửa tiêu đề thành "
                        f"đúng «{title}»" if near else f"kiểm tra chính tả, viết đúng «{title}»")
                problems.append(error("header-missing", f"Thiếu cột «{title}» ở dòng tiêu đề {hrow} ({hint}); "
                                      f"các số của cột này chưa được đọc", file=fname, sheet=sheet,
                                      cell=f"{get_column_letter(titles[near[0]][0])}{hrow}" if near else f"{hrow}:{hrow}"))
                if title in L.MEASURE_OF:
                    data.missing_columns.add(L.MEASURE_OF[title])
                if title == L.COL_CODE:
                    data.structure_broken = True
            continue
        if len(where) > 1:
            problems.append(error("header-duplicate", f"Cột «{title}» xuất hiện {len(where)} lần (các cột "
                                  + ", ".join(get_column_letter(c) for c in where) + "); chỉ giữ một cột",
                                  file=fname, sheet=sheet, cell=f"{get_column_letter(where[1])}{hrow}"))
            continue
        cols[title] = where[0]
    if L.COL_CODE not in cols:
        return
    own_all = cat.of_department(department)
    if L.COL_PLAN2 in titles:
        cols[L.COL_PLAN2] = titles[L.COL_PLAN2][0]
    elif any(i.plan2_word for i in own_all):
        problems.append(error("header-missing", f"Thiếu cột «{L.COL_PLAN2}» (kế hoạch thứ hai của "
                              + ", ".join(i.code for i in own_all if i.plan2_word) + f") ở dòng tiêu đề {hrow}; "
                              f"hãy dùng biểu mẫu Văn phòng gửi cho kỳ này", file=fname, sheet=sheet, line=hrow))
        data.missing_columns.add("plan2")
    data.columns = {L.MEASURE_OF[t]: get_column_letter(c) for t, c in cols.items() if t in L.MEASURE_OF}
    merged = [m for m in ws.merged_cells.ranges if m.max_row > hrow]
    own = {i.code: i for i in cat.of_department(department)}
    seen: dict = {}
    last_row = min(ws.max_row, hrow + MAX_ROWS)
    if ws.max_row > hrow + MAX_ROWS:
        problems.append(error("too-many-rows", f"Sheet có {ws.max_row} dòng, vượt giới hạn {MAX_ROWS} dòng số liệu; "
                              f"chỉ đọc {MAX_ROWS} dòng đầu", file=fname, sheet=sheet))
    for r in range(hrow + 1, last_row + 1):
        code_cell = ws.cell(r, cols[L.COL_CODE])
        code = _norm(code_cell.value)
        if not code:
            continue
        coord = code_cell.coordinate
        if code not in cat.indicators:
            problems.append(error("unknown-indicator", f"Mã chỉ tiêu «{code}» không có trong danh mục",
                                  file=fname, sheet=sheet, cell=coord, indicator=code))
            continue
        if code not in own:
            owner = cat.departments.get(cat.indicators[code].department)
            problems.append(error("foreign-indicator", f"Chỉ tiêu «{code}» thuộc đơn vị «"
                                  f"{owner.name if owner else cat.indicators[code].department}», không thuộc biểu của "
                                  f"đơn vị này: hãy xóa dòng này", file=fname, sheet=sheet, cell=coord, indicator=code))
            continue
        if code in seen:
            problems.append(error("duplicate-indicator", f"Mã chỉ tiêu «{code}» lặp lại (đã có ở dòng {seen[code]})",
                                  file=fname, sheet=sheet, cell=coord, indicator=code))
            continue
        seen[code] = r
        data.rows[code] = r
        if ws.row_dimensions[r].hidden:
            problems.append(warning("row-hidden", f"Dòng {r} đang bị ẩn; vẫn đọc số liệu", file=fname, sheet=sheet,
                                    cell=coord, indicator=code))
        ind = own[code]
        if L.COL_UNIT in cols:
            unit_cell = ws.cell(r, cols[L.COL_UNIT])
            unit = _norm(unit_cell.value)
            data.units[code] = unit
            if unit and not same_unit(unit, ind.unit):
                problems.append(error("unit-column-differs", f"Biểu ghi đơn vị tính «{unit}» cho «{ind.name}», nhưng "
                                      f"kỳ {data_period(data)} chỉ tiêu này tính bằng «{ind.unit}»: biểu được làm từ mẫu "
                                      f"cũ; hãy nhập số theo «{ind.unit}» vào biểu mẫu mới của kỳ", file=fname,
                                      sheet=sheet, cell=unit_cell.coordinate, indicator=code))
                for measure in L.measures_for(ind):
                    data.bad_cells.setdefault(code, set()).add(measure)
        vals, srcs = {}, {}
        for title, measure in L.MEASURE_OF.items():
            c = cols.get(title)
            if c is None:
                continue
            cell = ws.cell(r, c)
            place = dict(file=fname, sheet=sheet, cell=cell.coordinate, indicator=code)
            if any(cell.coordinate in m for m in merged):
                problems.append(error("merged-cell", f"Ô {cell.coordinate} nằm trong vùng ô gộp; hãy bỏ gộp ô "
                                      f"và nhập số vào từng ô", **place))
                continue
            before = len(problems)
            value = _cell_number(cell, sheet, title, ind, place, problems, formula_at, percent_at)
            if any(p.is_error for p in problems[before:]):
                data.bad_cells.setdefault(code, set()).add(measure)
            if value is not None:
                if measure not in L.measures_for(ind):
                    problems.append(warning("not-applicable", f"Cột «{title}» không áp dụng cho chỉ tiêu "
                                            f"{ind.kind_name}; giá trị này bị bỏ qua", **place))
                    continue
                vals[measure] = value
                srcs[measure] = Source.workbook(fname, sheet, cell.coordinate)
        if L.COL_NOTE in cols:
            note = _norm(ws.cell(r, cols[L.COL_NOTE]).value)
            if note:
                data.notes[code] = note
        data.values[code] = vals
        data.sources[code] = srcs
    for code, ind in own.items():
        if code not in seen:
            problems.append(error("missing-indicator", f"Thiếu dòng của chỉ tiêu «{code}» ({ind.name}); "
                                  f"hãy dùng biểu mẫu Văn phòng gửi cho kỳ này", file=fname, sheet=sheet, indicator=code))


def _cell_number(cell, sheet, title, ind, place, problems, formula_at, percent_at=lambda *_: False) -> Decimal | None:
    v = cell.value
    if v is None or (isinstance(v, str) and not v.strip()):
        f = formula_at(sheet, cell.coordinate)
        if f:
            problems.append(error("formula-no-value", f"Ô có công thức «{f[:60]}» nhưng không có giá trị đã tính "
                                  f"(tệp do chương trình khác ghi, chưa được Excel tính lại): hãy mở bằng Excel, "
                                  f"lưu lại, hoặc nhập số trực tiếp", **place))
        return None
    if isinstance(v, bool):
        problems.append(error("not-a-number", f"Ô «{title}» chứa giá trị đúng/sai ({'TRUE' if v else 'FALSE'}); cần một số",
                              **place))
        return None
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        problems.append(error("not-a-number", f"Ô «{title}» chứa ngày tháng ({v}); cần một số — kiểm tra định dạng ô",
                              **place))
        return None
    if isinstance(v, (int, float)):
        number = Decimal(int(v)) if isinstance(v, float) and v.is_integer() else to_decimal(v)  # calamine: floats
        if percent_at(sheet, cell.coordinate):
            return _percent_cell(number, title, ind, place, problems)
        return number
    text = _norm(v)
    if text.upper() in EXCEL_ERRORS:
        problems.append(error("excel-error", f"Ô «{title}» chứa lỗi công thức {text}; cần một số", **place))
        return None
    try:
        parsed = parse_number(text)
    except NumberTextError as e:
        problems.append(error("not-a-number", f"Ô «{title}» chứa chữ: {e}", **place))
        return None
    if parsed.ambiguous:
        vi, en = readings(text)
        problems.append(error("ambiguous-number", f"Ô «{title}» ghi «{text}» dạng chữ, đọc được hai cách: «{vi}» "
                              f"hoặc «{en}»; hãy xóa ô rồi nhập lại số vào ô dạng số (Number) để không còn nhầm",
                              **place))
        return None
    problems.append(warning("text-number", f"Ô «{title}» ghi số dạng chữ «{text}»; đã đọc là "
                            f"{str(parsed.value).replace('.', ',')}" + (" (bỏ dấu %)" if parsed.percent else "")
                            + "; nên nhập dạng số", **place))
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
    from ..units import plain
    from ..vi_numbers import format_plain
    shown = plain(number * 100)
    if ind.unit.strip() == "%":
        problems.append(warning("percent-cell", f"Ô «{title}» định dạng phần trăm: Excel lưu {format_plain(number)}, "
                                f"hiển thị {format_plain(shown)}%; đã đọc là {format_plain(shown)} (đơn vị %)", **place))
        return shown
    problems.append(error("percent-cell", f"Ô «{title}» định dạng phần trăm (hiển thị {format_plain(shown)}%, Excel lưu "
                          f"{format_plain(number)}), nhưng «{ind.name}» tính bằng «{ind.unit}»: hãy đặt định dạng ô "
                          f"là số (Number) và nhập số theo «{ind.unit}»", **place))
    return None


def data_period(data) -> str:
    return data.period or "này"


def _unescape_ooxml(text: str) -> str:
    """Excel writes characters XML cannot carry as ``_xHHHH_``; give them back (the composer
    then drops the control characters among them)."""
    import re
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _read_text(ws, fname, data, problems):
    sheet = ws.title
    found = _find_header(ws, L.TEXT_SECTION)
    if not found:
        problems.append(error("header-missing", f"Sheet «{sheet}» thiếu dòng tiêu đề «{L.TEXT_SECTION}», "
                              f"«{L.TEXT_BODY}»", file=fname, sheet=sheet))
        return
    hrow, titles = found
    if L.TEXT_BODY not in titles:
        problems.append(error("header-missing", f"Sheet «{sheet}» thiếu cột «{L.TEXT_BODY}»", file=fname, sheet=sheet,
                              line=hrow))
        return
    cs, cb = titles[L.TEXT_SECTION][0], titles[L.TEXT_BODY][0]
    for r in range(hrow + 1, min(ws.max_row, hrow + MAX_ROWS) + 1):
        sec = _norm(ws.cell(r, cs).value)
        body_cell = ws.cell(r, cb)
        raw = body_cell.value
        body = unicodedata.normalize("NFC", _unescape_ooxml(str(raw))).strip() if raw is not None else ""
        if not sec and not body:
            continue
        data.narrative.append((sec, body, body_cell.coordinate))


def read_history(path: Path, cat: Catalogue) -> tuple[dict, list[Problem]]:
    """The import-history workbook: sheet ``Chỉ tiêu`` with the usual header plus
    ``Kỳ báo cáo`` (YYYY-MM) on each row. Returns ({(period, department): [(code, measure,
    value, sheet, cell)]}, problems)."""
    from ..periods import Period
    path = Path(path)
    fname = path.name
    problems: list[Problem] = []
    try:
        wb = open_workbook(path)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the same problem for the user
        return {}, [_not_a_workbook(fname, e)]
    if L.SHEET_DATA not in wb.sheetnames:
        return {}, [error("sheet-missing", f"Không có sheet «{L.SHEET_DATA}»", file=fname)]
    ws = wb[L.SHEET_DATA]
    found = _find_header(ws, L.COL_CODE)
    if not found or L.COL_PERIOD not in found[1]:
        return {}, [error("header-missing", f"Cần dòng tiêu đề có «{L.COL_PERIOD}», «{L.COL_CODE}» và các cột số liệu",
                          file=fname, sheet=L.SHEET_DATA)]
    hrow, titles = found
    cols = {t: c[0] for t, c in titles.items()}
    out: dict = {}
    seen: dict = {}
    for r in range(hrow + 1, min(ws.max_row, hrow + 200000) + 1):
        code = _norm(ws.cell(r, cols[L.COL_CODE]).value)
        period_cell = ws.cell(r, cols[L.COL_PERIOD])
        period_text = _norm(period_cell.value)
        has_values = any(ws.cell(r, cols[t]).value not in (None, "") for t in L.MEASURE_OF if t in cols)
        if not code and not period_text or not period_text and not has_values:
            continue  # a blank row, or a template row left unfilled
        if code not in cat.indicators:
            problems.append(error("unknown-indicator", f"Mã chỉ tiêu «{code}» không có trong danh mục", file=fname,
                                  sheet=L.SHEET_DATA, cell=ws.cell(r, cols[L.COL_CODE]).coordinate, indicator=code))
            continue
        try:
            period = str(Period.parse(period_text))
        except ValueError as e:
            problems.append(error("bad-period", str(e), file=fname, sheet=L.SHEET_DATA,
                                  cell=period_cell.coordinate, indicator=code))
            continue
        if (period, code) in seen:
            problems.append(error("duplicate-indicator", f"Chỉ tiêu «{code}» kỳ {period} lặp lại (đã có ở dòng "
                                  f"{seen[(period, code)]})", file=fname, sheet=L.SHEET_DATA,
                                  cell=f"A{r}", indicator=code))
            continue
        seen[(period, code)] = r
        ind = cat.indicators[code]
        unit = _norm(ws.cell(r, cols[L.COL_UNIT]).value) if L.COL_UNIT in cols else ""
        rows = out.setdefault((period, ind.department), [])
        for title, measure in L.MEASURE_OF.items():
            c = cols.get(title)
            if c is None or measure not in L.measures_for(ind):
                continue
            cell = ws.cell(r, c)
            place = dict(file=fname, sheet=L.SHEET_DATA, cell=cell.coordinate, indicator=code)
            value = _cell_number(cell, L.SHEET_DATA, title, ind, place, problems, lambda *_: None)
            if value is not None:
                rows.append((code, measure, value, L.SHEET_DATA, cell.coordinate, unit or ind.unit))
    return out, problems
