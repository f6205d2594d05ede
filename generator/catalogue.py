"""The indicator catalogue: ``templates/don-vi.csv`` (departments) and
``templates/chi-tieu.csv`` (indicators), plain CSV files the office edits in Excel or a text
editor. Adding an indicator is adding a row; nothing here needs a code change.

``load_catalogue`` returns ``(Catalogue, problems)``; every catalogue mistake is a Problem
naming the file, line and column, all of them at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .officecsv import read_csv
from .periods import Period
from .problems import Problem, make
from .units import UnitTable, load_units

DEPARTMENTS_FILE = "don-vi.csv"
INDICATORS_FILE = "chi-tieu.csv"

FLOW, STOCK, INDEX, RATE = "flow", "stock", "index", "rate"
KINDS = {"cộng dồn": FLOW, "thời điểm": STOCK, "chỉ số": INDEX, "tỷ lệ": RATE}
KIND_NAMES = {v: k for k, v in KINDS.items()}
PLAN_WORDS = {"": None, "không": None, "kế hoạch": "kế hoạch", "dự toán": "dự toán"}
YES = {"có": True, "x": True, "1": True, "không": False, "": False, "0": False}

# column titles of chi-tieu.csv -> attribute
COLUMNS = {
    "Mã chỉ tiêu": "code",
    "Tên chỉ tiêu": "name",
    "Đơn vị tính": "unit",
    "Đơn vị báo cáo": "department",
    "Loại": "kind",
    "Số lẻ tháng": "dec_month",
    "Số lẻ lũy kế": "dec_cumulative",
    "Số lẻ % kế hoạch": "dec_pct_plan",
    "Số lẻ tăng giảm": "dec_change",
    "Số lẻ tỷ trọng": "dec_share",
    "Kế hoạch": "plan_word",
    "Bắt buộc": "required",
    "Cho phép âm": "allow_negative",
    "Số nguyên": "integer",
    "Đệm số 0": "pad",
    "Thuộc chỉ tiêu": "parent",
    "Dung sai (%)": "tolerance",
    "Ngưỡng tương đương (%)": "band",
    "Mục báo cáo": "section",
    "Kế hoạch khác": "plan2_word",
    "Từ kỳ": "valid_from",
    "Đến kỳ": "valid_to",
    "Phụ lục": "annex_order",
    "Biểu đồ": "chart",
}
REQUIRED_COLUMNS = ("Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Đơn vị báo cáo", "Loại")
DEFAULT_DECIMALS = {"dec_month": 0, "dec_cumulative": 0, "dec_pct_plan": 1, "dec_change": 1, "dec_share": 1}
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
DEPT_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Department:
    """A row of ``templates/don-vi.csv``: the department's ``code`` (``so-y-te``), its Vietnamese
    ``name``, the CSV ``line`` it came from and its range of periods (Period or None)."""
    code: str
    name: str
    line: int = 0
    valid_from: object = None     # Period or None: in force from this period (inclusive)
    valid_to: object = None       # Period or None: up to this period (inclusive)

    def in_force(self, period) -> bool:
        """True when ``period`` lies within the row's «Từ kỳ»..«Đến kỳ» (both included)."""
        return _within(period, self.valid_from, self.valid_to)


@dataclass(frozen=True)
class Indicator:
    """A row of ``templates/chi-tieu.csv``: the indicator's code, name, unit and reporting
    department; its ``kind`` (flow, stock, index, rate); decimals to print each figure with;
    its plan word (None: no plan column), the flags and thresholds of the checks (tolerance
    and band in %, as Decimals), its parent, report section, CSV ``line`` and range of periods."""
    code: str
    name: str
    unit: str
    department: str
    kind: str = FLOW
    dec_month: int = 0
    dec_cumulative: int = 0
    dec_pct_plan: int = 1
    dec_change: int = 1
    dec_share: int = 1
    plan_word: str | None = None
    required: bool = True
    allow_negative: bool = False
    integer: bool = False
    pad: int = 0
    parent: str | None = None
    tolerance: Decimal | None = None
    band: Decimal | None = None
    section: str | None = None
    line: int = 0
    plan2_word: str | None = None  # a second target's name («dự toán HĐND tỉnh giao»), column «Kế hoạch khác»
    valid_from: object = None     # Period or None (columns «Từ kỳ», «Đến kỳ» of chi-tieu.csv)
    valid_to: object = None
    annex_order: int | None = None  # column «Phụ lục»: its place in the annex table (None: not in it)
    chart: bool = False             # column «Biểu đồ»: a line chart in the annex workbook

    def in_force(self, period) -> bool:
        """True when ``period`` lies within the row's «Từ kỳ»..«Đến kỳ» (both included)."""
        return _within(period, self.valid_from, self.valid_to)

    @property
    def has_plan(self) -> bool:
        """True when the department enters an annual plan (the catalogue names its word)."""
        return self.plan_word is not None

    @property
    def kind_name(self) -> str:
        """The kind in Vietnamese, as the catalogue writes it (``cộng dồn``, ``thời điểm`` …)."""
        return KIND_NAMES[self.kind]

    def decimals(self, measure: str) -> int:
        """Decimals to print a measure with (month, cumulative, plan, last-year values, ...)."""
        return {
            "month": self.dec_month, "month_last_year": self.dec_month,
            "cumulative": self.dec_cumulative, "cumulative_last_year": self.dec_cumulative,
            "plan": self.dec_cumulative if self.kind == FLOW else self.dec_month,
            "plan2": self.dec_cumulative if self.kind == FLOW else self.dec_month,
            "quarter": self.dec_month, "quarter_last_year": self.dec_month, "month_previous": self.dec_month,
            "pct_plan": self.dec_pct_plan, "change": self.dec_change, "share": self.dec_share,
        }[measure]


def _within(period, first, last) -> bool:
    return (first is None or period >= first) and (last is None or period <= last)


@dataclass
class Catalogue:
    """The rows in force: ``departments`` and ``indicators`` by code. A catalogue as loaded
    holds every row of every period in ``all_departments`` / ``all_indicators``; its own
    dicts show each code's latest row, and ``in_force(period)`` gives the catalogue of one
    period — every reader of a period goes through it."""
    departments: dict[str, Department] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    units: UnitTable = None     # the office's unit conversions (templates/doi-don-vi.csv)
    all_departments: list = field(default_factory=list)
    all_indicators: list = field(default_factory=list)
    period: object = None         # the period this view is in force for (None: latest rows)

    def __post_init__(self):
        if self.units is None:
            self.units = UnitTable()

    @property
    def full(self) -> "Catalogue":
        """Every code's latest row (departments that ended and retired indicators included)."""
        return _latest_view(self)

    def in_force(self, period) -> "Catalogue":
        """The catalogue of one period: the rows whose «Từ kỳ»..«Đến kỳ» contain it."""
        if not self.all_indicators and not self.all_departments:
            return self
        return Catalogue({d.code: d for d in self.all_departments if d.in_force(period)},
                         {i.code: i for i in self.all_indicators if i.in_force(period)},
                         self.units, self.all_departments, self.all_indicators, period)

    def rows_of(self, code: str) -> list[Indicator]:
        """Every row of an indicator code, oldest range first."""
        return [i for i in self.all_indicators if i.code == code] or (
            [self.indicators[code]] if code in self.indicators else [])

    def of_department(self, code: str) -> list[Indicator]:
        """The indicators in force that department ``code`` reports, in catalogue order."""
        return [i for i in self.indicators.values() if i.department == code]

    def components(self) -> dict[str, list[Indicator]]:
        """Each parent's code -> the indicators in force whose parent it is (its components), in
        catalogue order; one pass over the catalogue (a parent without components is absent)."""
        out: dict[str, list[Indicator]] = {}
        for i in self.indicators.values():
            if i.parent:
                out.setdefault(i.parent, []).append(i)
        return out


def _latest_view(cat: Catalogue) -> Catalogue:
    if not cat.all_indicators and not cat.all_departments:
        return cat
    depts: dict = {}
    for d in sorted(cat.all_departments, key=lambda r: (r.valid_to is None, _key(r.valid_to or (0, 0)), r.line)):
        depts[d.code] = d
    inds: dict = {}
    for i in sorted(cat.all_indicators, key=lambda r: (r.valid_to is None, _key(r.valid_to or (0, 0)), r.line)):
        inds[i.code] = i
    # keep the file's order of first appearance
    order = {}
    for i in cat.all_indicators:
        order.setdefault(i.code, len(order))
    dorder = {}
    for d in cat.all_departments:
        dorder.setdefault(d.code, len(dorder))
    return Catalogue(dict(sorted(depts.items(), key=lambda kv: dorder[kv[0]])),
                     dict(sorted(inds.items(), key=lambda kv: order[kv[0]])), cat.units,
                     cat.all_departments, cat.all_indicators, None)


def _range(row: dict, where, problems: list) -> tuple:
    """(Từ kỳ, Đến kỳ) of a row as Periods (None when empty), or None after reporting."""
    out = []
    for col in ("Từ kỳ", "Đến kỳ"):
        text = row.get(col, "")
        if not text:
            out.append(None)
            continue
        try:
            out.append(Period.parse(text))
        except ValueError:
            problems.append(make("catalogue-period", where(col), text=text))
            return None
    if out[0] is not None and out[1] is not None and out[1] < out[0]:
        problems.append(make("catalogue-period:reversed", where("Đến kỳ"), until=out[1], since=out[0]))
        return None
    return tuple(out)


def _overlap(a, b) -> bool:
    lo = max(a.valid_from or (0, 0), b.valid_from or (0, 0), key=_key)
    hi = min(a.valid_to or (9999, 99), b.valid_to or (9999, 99), key=_key)
    return _key(lo) <= _key(hi)


def _key(p) -> tuple:
    return (p.year, p.month) if hasattr(p, "year") else p


def _span(row) -> str:
    first = str(row.valid_from) if row.valid_from else "đầu"
    last = str(row.valid_to) if row.valid_to else "nay"
    return f"{first} – {last}"


def load_catalogue(templates: Path | str) -> tuple[Catalogue, list[Problem]]:
    """The catalogue of the templates folder: ``don-vi.csv``, ``chi-tieu.csv`` and the unit
    table ``doi-don-vi.csv``, every row of every period. Returns (Catalogue, problems): a
    problem per bad cell or row (file, line, column), nothing raised for bad content."""
    templates = Path(templates)
    problems: list[Problem] = []
    cat = Catalogue()
    cat.units = load_units(templates, problems)

    dept_path = templates / DEPARTMENTS_FILE
    got = read_csv(dept_path, problems)
    if got:
        rows, header = got
        for col in ("Mã đơn vị", "Tên đơn vị"):
            if col not in header:
                problems.append(make("catalogue-column", dict(file=dept_path.name, line=1), column=col))
        for n, row in rows:
            code, name = row.get("Mã đơn vị", ""), row.get("Tên đơn vị", "")
            where = dict(file=dept_path.name, line=n)
            if not DEPT_RE.match(code):
                problems.append(make("department-code", where, code=code))
                continue
            span = _range(row, lambda col, n=n: dict(file=dept_path.name, line=n, column=col), problems)
            if span is None:
                continue
            dept = Department(code, name, n, *span)
            clash = next((d for d in cat.all_departments if d.code == code and _overlap(d, dept)), None)
            if clash is not None:
                timed = any(r.valid_from or r.valid_to for r in (clash, dept))
                if timed:
                    problems.append(make("department-duplicate:overlap", where, code=code, line=clash.line,
                                         span=_span(clash), other_span=_span(dept)))
                else:
                    problems.append(make("department-duplicate", where, code=code, line=clash.line))
                continue
            if not name:
                problems.append(make("department-name", where, code=code))
            cat.all_departments.append(dept)
            cat.departments[code] = dept

    ind_path = templates / INDICATORS_FILE
    got = read_csv(ind_path, problems)
    if not got:
        return cat, problems
    rows, header = got
    for col in REQUIRED_COLUMNS:
        if col not in header:
            problems.append(make("catalogue-column", dict(file=ind_path.name, line=1), column=col))
    if any(col not in header for col in REQUIRED_COLUMNS):
        return cat, problems
    for n, row in rows:
        ind = _indicator(row, n, ind_path.name, cat, problems)
        if ind is None:
            continue
        clash = next((i for i in cat.all_indicators if i.code == ind.code and _overlap(i, ind)), None)
        if clash is not None:
            timed = any(r.valid_from or r.valid_to for r in (clash, ind))
            where = dict(file=ind_path.name, line=n, column="Mã chỉ tiêu", indicator=ind.code)
            if timed:
                problems.append(make("indicator-duplicate:overlap", where, code=ind.code, line=clash.line,
                                     span=_span(clash), other_span=_span(ind)))
            else:
                problems.append(make("indicator-duplicate", where, code=ind.code, line=clash.line))
            continue
        gap = _department_gap(cat, ind)
        if gap:
            name, first, last = gap
            where = dict(file=ind_path.name, line=n, column="Đơn vị báo cáo", indicator=ind.code)
            if first and last:
                problems.append(make("indicator-department-ended:between", where, code=ind.code, span=_span(ind),
                                     name=name, first=first, last=last))
            elif first:
                problems.append(make("indicator-department-ended:since", where, code=ind.code, span=_span(ind),
                                     name=name, first=first))
            else:
                problems.append(make("indicator-department-ended", where, code=ind.code, span=_span(ind), name=name,
                                     last=last))
            continue
        cat.all_indicators.append(ind)
    view = _latest_view(cat)
    cat.departments, cat.indicators = view.departments, view.indicators
    _check_parents(cat, ind_path.name, problems)
    return cat, problems


def _department_gap(cat: Catalogue, ind: Indicator) -> tuple[str, Period | None, Period | None] | None:
    """Why an indicator row cannot be reported by its department over its whole range (the
    department has ended, or starts later): the department's name and the first and last
    periods it reports (either may be None), or None."""
    rows = sorted((d for d in cat.all_departments if d.code == ind.department),
                  key=lambda d: _key(d.valid_from or (0, 0)))
    if not rows:
        return None  # reported as indicator-department already
    start, end = ind.valid_from, ind.valid_to
    cursor = start
    for d in rows:
        if cursor is not None and d.valid_to is not None and _key(d.valid_to) < _key(cursor):
            continue
        if d.valid_from is not None and (cursor is None or _key(d.valid_from) > _key(cursor)):
            break
        if d.valid_to is None:
            return None
        if end is not None and _key(d.valid_to) >= _key(end):
            return None
        cursor = d.valid_to.next()
    name = rows[-1].name
    last = max((d.valid_to for d in rows if d.valid_to is not None), key=_key, default=None)
    first = min((d.valid_from for d in rows if d.valid_from is not None), key=_key, default=None)
    return name, first, last


def _indicator(row: dict, n: int, fname: str, cat: Catalogue, problems: list) -> Indicator | None:
    def where(col):
        return dict(file=fname, line=n, column=col, indicator=row.get("Mã chỉ tiêu", ""))

    ok = True
    code = row["Mã chỉ tiêu"]
    if not CODE_RE.match(code):
        problems.append(make("indicator-code", where("Mã chỉ tiêu"), code=code))
        return None
    if not row["Tên chỉ tiêu"]:
        problems.append(make("indicator-name", where("Tên chỉ tiêu")))
        ok = False
    dept = row["Đơn vị báo cáo"]
    if not any(d.code == dept for d in cat.all_departments):
        problems.append(make("indicator-department", where("Đơn vị báo cáo"), department=dept, file=DEPARTMENTS_FILE))
        ok = False
    kind = KINDS.get(row["Loại"].lower())
    if kind is None:
        problems.append(make("indicator-kind", where("Loại"), kind=row['Loại'], kinds=', '.join(KINDS)))
        ok = False
    values = {}
    for title, attr in COLUMNS.items():
        if attr in ("code", "name", "unit", "department", "kind"):
            continue
        text = row.get(title, "")
        if attr in DEFAULT_DECIMALS or attr == "pad":
            if text == "":
                values[attr] = DEFAULT_DECIMALS.get(attr, 0)
            elif text.isdigit() and int(text) <= 6:
                values[attr] = int(text)
            else:
                problems.append(make("indicator-decimals", where(title), text=text))
                ok = False
        elif attr == "plan_word":
            if text.lower() not in PLAN_WORDS:
                problems.append(make("indicator-plan", where(title), text=text))
                ok = False
            else:
                values[attr] = PLAN_WORDS[text.lower()]
        elif attr == "annex_order":
            if text == "":
                values[attr] = None
            elif text.isdigit() and 0 < int(text) < 10000:
                values[attr] = int(text)
            else:
                problems.append(make("indicator-annex", where(title), text=text))
                ok = False
        elif attr in ("required", "allow_negative", "integer", "chart"):
            default = attr == "required"
            if text == "":
                values[attr] = default
            elif text.lower() in YES:
                values[attr] = YES[text.lower()]
            else:
                problems.append(make("indicator-flag", where(title), text=text))
                ok = False
        elif attr in ("tolerance", "band"):
            if text == "":
                values[attr] = None
            else:
                try:
                    values[attr] = Decimal(text.replace(",", "."))
                    if values[attr] < 0:
                        raise InvalidOperation
                except InvalidOperation:
                    problems.append(make("indicator-number", where(title), text=text))
                    ok = False
        elif attr in ("parent", "section", "plan2_word"):
            values[attr] = text or None
        elif attr in ("valid_from", "valid_to"):
            continue  # read by _range
    span = _range(row, where, problems)
    if not ok or span is None:
        return None
    return Indicator(code=code, name=row["Tên chỉ tiêu"], unit=row["Đơn vị tính"], department=dept,
                     kind=kind, line=n, valid_from=span[0], valid_to=span[1], **values)


def _check_parents(cat: Catalogue, fname: str, problems: list) -> None:
    for ind in cat.indicators.values():
        if ind.parent and ind.parent not in cat.indicators:
            problems.append(make("indicator-parent", dict(file=fname, line=ind.line, column="Thuộc chỉ tiêu", indicator=ind.code),
                                 parent=ind.parent))
    reported = set()
    for ind in cat.indicators.values():
        seen, cur = [], ind
        while cur is not None and cur.parent:
            if cur.code in seen:
                cycle = seen[seen.index(cur.code):]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    problems.append(make("indicator-cycle", dict(file=fname, line=cat.indicators[cycle[0]].line,
                                                                 column="Thuộc chỉ tiêu", indicator=cycle[0]),
                                         cycle=" → ".join(cycle + [cur.code])))
                break
            seen.append(cur.code)
            cur = cat.indicators.get(cur.parent)
