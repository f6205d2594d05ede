"""What every department workbook looks like: sheet names, header titles, the hidden
identity sheet. Shared by the writer and the reader so they cannot drift apart."""
from __future__ import annotations

from pathlib import Path

from ..catalogue import FLOW, RATE, STOCK

SHEET_GUIDE = "Hướng dẫn"
SHEET_DATA = "Chỉ tiêu"
SHEET_TEXT = "Thuyết minh"
SHEET_META = "_baocao"          # hidden: period and department the workbook was made for

COL_CODE = "Mã chỉ tiêu"
COL_NAME = "Tên chỉ tiêu"
COL_UNIT = "Đơn vị tính"
COL_PLAN = "Kế hoạch năm"
COL_MONTH = "Thực hiện tháng"
COL_CUM = "Lũy kế"
COL_MONTH_LY = "Cùng kỳ tháng"
COL_CUM_LY = "Cùng kỳ lũy kế"
COL_NOTE = "Ghi chú"
COL_PLAN2 = "Kế hoạch khác"      # a second target (dự toán HĐND tỉnh giao…): only where the catalogue names one
DATA_HEADERS = (COL_CODE, COL_NAME, COL_UNIT, COL_PLAN, COL_MONTH, COL_CUM, COL_MONTH_LY, COL_CUM_LY, COL_NOTE)

# header title -> value of measures.VALUES
MEASURE_OF = {COL_PLAN: "plan", COL_MONTH: "month", COL_CUM: "cumulative",
              COL_MONTH_LY: "month_last_year", COL_CUM_LY: "cumulative_last_year", COL_PLAN2: "plan2"}
COLUMN_OF = {v: k for k, v in MEASURE_OF.items()}
# last year's measure -> the measure it is last year's value of
LAST_YEAR_OF = {"month_last_year": "month", "cumulative_last_year": "cumulative"}

COL_PERIOD = "Kỳ báo cáo"       # only in the import-history workbook

TEXT_SECTION = "Mục"
TEXT_BODY = "Nội dung"
TEXT_HEADERS = (TEXT_SECTION, TEXT_BODY)

META_PERIOD = "ky_bao_cao"
META_DEPARTMENT = "don_vi"


def measures_for(ind) -> tuple[str, ...]:
    """The measures a department fills for an indicator, by its kind."""
    if ind.kind in (FLOW, RATE):   # a rate (tỷ lệ giải ngân…): of the month and of the year to date
        base = ("month", "cumulative", "month_last_year", "cumulative_last_year")
    elif ind.kind == STOCK:
        base = ("month", "month_last_year")
    else:  # index: this year against last year = 100
        base = ("month", "cumulative")
    return (("plan",) if ind.has_plan else ()) + (("plan2",) if ind.plan2_word else ()) + base


def headers_for(indicators) -> tuple[str, ...]:
    """A department's header row: the second-target column only where one of its indicators has one."""
    return DATA_HEADERS + ((COL_PLAN2,) if any(i.plan2_word for i in indicators) else ())


def filename(department: str, suffix: str = ".xlsx") -> str:
    """The department's workbook name in a period's folder: ``<code>.xlsx`` (or ``suffix``)."""
    return f"{department}{suffix}"


WORKBOOK_SUFFIXES = (".xlsx", ".xls")   # compared without regard to case: «.XLSX» is an .xlsx


def is_workbook_name(name: str, department: str) -> bool:
    """``so-y-te.xlsx``, ``so-y-te.XLSX``, ``so-y-te.Xls``: a workbook of that department."""
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and stem == department and "." + suffix.lower() in WORKBOOK_SUFFIXES


def workbook_files(folder, department: str) -> list:
    """Every file in ``folder`` that is a workbook of ``department`` (``.xlsx``/``.xls`` in
    any case), sorted by name; more than one is the department's error to resolve."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and is_workbook_name(p.name, department))
