"""The annex («Phụ lục»): the table of the main indicators that follows the report, in the
DOCX (``annex.docx``: a landscape A4 section after the signature) and as a workbook
(``annex.xlsx``: ``phu-luc-<YYYY-MM>.xlsx`` with a sheet of the year's months and charts).

Which indicators and in which order is the catalogue's column «Phụ lục»; rows are grouped
under the report's sections (``[muc]`` of cai-dat.toml, in that order). Every number of the
table is the figure's printed text (``figures.json`` ``text``) and its exact value; a value
the inputs do not give prints ``-``, never a zero. Settings: ``[phu_luc]`` of cai-dat.toml."""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from decimal import Decimal

from ..periods import Period, month_text, period_phrase
from ..printed import PeriodTexts

MISSING = "-"

# (key, header, sub-header or "", what it prints: a figures.json text key, and the value it is)
COLUMNS = (
    ("plan", "Kế hoạch năm", "", "plan", ("values", "plan")),
    ("month", "Thực hiện tháng", "", "month", ("values", "month")),
    ("cumulative", "Lũy kế từ đầu năm", "", "cumulative", ("values", "cumulative")),
    ("pct_plan", "% kế hoạch", "", "pct_plan", ("derived", "pct_plan")),
    ("ratio_month", "So với cùng kỳ (%)", "Tháng", "ratio_month", ("derived", "ratio_month_pct")),
    ("ratio_cumulative", "So với cùng kỳ (%)", "Lũy kế", "ratio_cumulative", ("derived", "ratio_cumulative_pct")),
)
PERCENT_COLUMNS = ("pct_plan", "ratio_month", "ratio_cumulative")


def header_groups() -> list[tuple[str, list[tuple[int, str]]]]:
    """The figures' two header rows: [(header, [(column index in COLUMNS, sub-header)])] — a
    header with sub-headers spans them, one without takes both rows."""
    groups: list = []
    for i, (_key, header, sub, *_rest) in enumerate(COLUMNS):
        if sub and groups and groups[-1][0] == header:
            groups[-1][1].append((i, sub))
        else:
            groups.append((header, [(i, sub)]))
    return groups

NBSP = "\u00a0"


def annex_settings(settings: dict) -> dict:
    """``[phu_luc]``: typed, checked and with its defaults by the settings' schema (an office's
    older cai-dat.toml has no such table)."""
    return settings["phu_luc"]


@dataclass(frozen=True)
class Cell:
    """One figure of the annex table: its printed ``text`` (figures.json's, or «-»), the exact
    Decimal behind it, the decimals and zero padding it is printed with."""
    text: str                  # as printed: the figures.json text, or "-"
    value: Decimal | None      # the exact value behind the text (None: missing)
    decimals: int = 0          # the decimals the text is printed with
    pad: int = 0               # zero-padded to this many digits (the catalogue's «Đệm số 0»)


@dataclass
class Row:
    """One indicator's row: its number in the table, code, name, unit, cells by column key
    (``COLUMNS``) and whether the annex workbook charts it."""
    number: int
    code: str
    name: str
    unit: str
    cells: dict                # column key -> Cell
    chart: bool = False


@dataclass
class Group:
    """The rows of one report section (``II.1.2``) under its title, with the titles of the
    sections above it printed before it."""
    section: str
    title: str
    rows: list = field(default_factory=list)
    parents: list = field(default_factory=list)   # titles of the sections above it, printed before it


@dataclass
class Annex:
    """The annex «Phụ lục» of a period: its title, the period and «Kèm theo» lines, the note
    under the table, the groups of rows, and its page orientation in the DOCX."""
    title: str
    period: str                # «THÁNG 8 VÀ 8 THÁNG NĂM 2023»
    attached: str              # «(Kèm theo Báo cáo số …)»
    note: str
    groups: list               # [Group]
    period_key: str = ""       # «2023-08»
    orientation: str = "tu_dong"   # its DOCX pages: setting huong ("doc", "ngang", "tu_dong")

    @property
    def rows(self) -> list:
        """Every Row of every group, in table order."""
        return [r for g in self.groups for r in g.rows]


def _cell(fig, key: str, text_key: str, source: tuple, texts: dict) -> Cell:
    ind = fig.indicator
    where, name = source
    value = (fig.values if where == "values" else fig.derived).get(name)
    text = texts.get(text_key)
    if text is None or value is None:
        return Cell(MISSING, None)
    if key in PERCENT_COLUMNS:
        places = ind.dec_pct_plan if key == "pct_plan" else ind.dec_change
        return Cell(text, Decimal(value), places)
    return Cell(text, Decimal(value), ind.decimals(key), ind.pad if ind.pad > 1 else 0)


def build_annex(catalogue, printed: PeriodTexts, settings: dict, period: Period) -> Annex | None:
    """The annex of a period (``printed``: its figures' printed texts, code -> FigureTexts), or
    None when no indicator in force has a «Phụ lục» order."""
    chosen = sorted((ind for ind in catalogue.indicators.values() if ind.annex_order is not None),
                    key=lambda ind: (ind.annex_order, ind.line))
    if not chosen:
        return None
    sections = list(settings["muc"])
    groups: dict = {}
    for ind in chosen:
        key = ind.section if ind.section in settings["muc"] else ""
        groups.setdefault(key, Group(key, settings["muc"].get(key, "Chỉ tiêu khác")))
    ordered = [groups[s] for s in sections if s in groups] + ([groups[""]] if "" in groups else [])
    number = 0
    for group in ordered:
        for ind in chosen:
            if (ind.section if ind.section in settings["muc"] else "") != group.section:
                continue
            number += 1
            got = printed.get(ind.code)
            fig, shown = (got.figure, got.texts) if got is not None else (None, {})
            cells = {key: (_cell(fig, key, text_key, source, shown) if fig is not None else Cell(MISSING, None))
                     for key, _h, _s, text_key, source in COLUMNS}
            group.rows.append(Row(number, ind.code, ind.name, ind.unit, cells, ind.chart))
    conf = annex_settings(settings)
    printed: set = set()
    for group in ordered:
        parts = group.section.split(".")
        for depth in range(1, len(parts)):
            key = ".".join(parts[:depth])
            title = conf["muc_cha"].get(key) or settings["muc"].get(key)
            if title and key not in printed and key != group.section:
                group.parents.append(title)
                printed.add(key)
    agency = settings["co_quan"]["ten_day_du"]
    attached = attached_line(conf["kem_theo"], settings["co_quan"]["ky_hieu"], period, agency)
    return Annex(conf["tieu_de"], period_phrase(period, settings, heading=True), attached, conf["ghi_chu"],
                 ordered, str(period), conf["huong"])


def attached_line(form: str, symbol: str, period: Period, agency: str) -> str:
    """«(Kèm theo Báo cáo số …/BC-UBND ngày … tháng 8 năm 2023 của …)»: the month as the report
    writes it (Decree 30: «tháng 01»), and no line break inside the agency's name, the number's
    blank, the date or the symbol (non-breaking spaces there)."""
    text = form.format(ky_hieu=symbol.replace("-", "-\u2060"), thang=month_text(period.month), nam=period.year,
                       co_quan=agency.replace(" ", NBSP))
    text = re.sub(r"ngày.*?\d{4}", lambda m: m.group(0).replace(" ", NBSP), text, count=1)   # the date
    return re.sub(r" {2,}", lambda m: NBSP * len(m.group(0)), text)   # the blanks left to fill in by hand
