"""Old Excel 97-2003 workbooks (.xls) through python-calamine, behind the small part of
openpyxl's interface the reader uses, so one reader serves both formats. Cached values only:
an .xls keeps a value for every formula."""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


@dataclass
class _Cell:
    value: object
    coordinate: str


class _Dim:
    hidden = False


class _Dims(dict):
    def __missing__(self, key):
        return _Dim()


class _Merged:
    def __init__(self, ranges):
        self.ranges = ranges


class XlsSheet:
    def __init__(self, name: str, rows: list, state: str, merged: list):
        self.title = name
        self.sheet_state = state
        self._rows = rows
        self.max_row = len(rows)
        self.max_column = max((len(r) for r in rows), default=0)
        self.merged_cells = _Merged(merged)
        self.row_dimensions = _Dims()

    def cell(self, row: int, column: int) -> _Cell:
        value = None
        if 1 <= row <= len(self._rows) and 1 <= column <= len(self._rows[row - 1]):
            value = self._rows[row - 1][column - 1]
            if value == "":
                value = None
        return _Cell(value, f"{get_column_letter(column)}{row}")

    def iter_rows(self, min_row=1, max_row=None, max_col=None, values_only=True):
        max_row = min(max_row or self.max_row, self.max_row)
        for r in range(min_row, max_row + 1):
            yield tuple(self.cell(r, c).value for c in range(1, (max_col or self.max_column) + 1))


class XlsBook:
    def __init__(self, path):
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_path(str(path))
        self.sheetnames = list(wb.sheet_names)
        states = {m.name: STATES.get(str(m.visible).split(".")[-1], "visible") for m in wb.sheets_metadata}
        self._sheets = {}
        for name in self.sheetnames:
            sh = wb.get_sheet_by_name(name)
            rows = sh.to_python()
            # calamine starts at the first used cell: pad so that row/column numbers are Excel's
            r0, c0 = sh.start if sh.start else (0, 0)
            rows = [[""] * c0 + list(r) for r in rows]
            rows = [[] for _ in range(r0)] + rows
            merged = [CellRange(min_row=a[0] + 1, min_col=a[1] + 1, max_row=b[0] + 1, max_col=b[1] + 1)
                      for a, b in (sh.merged_cell_ranges or [])]
            self._sheets[name] = XlsSheet(name, rows, states.get(name, "visible"), merged)

    def __getitem__(self, name):
        return self._sheets[name]
