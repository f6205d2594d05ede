"""What earlier periods contribute to a period's figures: their workbooks, read quietly
(bounded, cached per process while a file is unchanged, never carried when the reader faults
them); the previous period's month values (month on month); a quarter's months and the same
quarter last year (``cộng dồn`` indicators, in a quarter's last month). From the history store
when there is one, else from those periods' workbooks; always in today's units."""
from __future__ import annotations

import copy
from decimal import Decimal

from .catalogue import FLOW, STOCK
from .context import Context
from .history import StoredContext, months_in_unit
from .periods import Period
from .problems import has_errors, make
from .sources import Entered, Sourced
from .store import submissions
from .workbooks import layout
from .workbooks.sandbox import read_workbook_bounded
from .history import sha256_of
from . import store as storage

_EARLIER: dict = {}   # earlier periods' workbooks read in this process, by file identity


def quiet_read(ctx: Context, period: Period, dept: str):
    """An earlier period's workbook, read (bounded) once per process while the file is
    unchanged: a range of periods reads each month for the next month and the quarter.
    None when the reader faults it (another period's or department's file, unreadable cells):
    nothing is carried, compared or summed from a workbook that would not be accepted."""
    found = layout.workbook_files(ctx.inputs / str(period), dept)
    if len(found) != 1:
        return None    # none, or two: nothing is carried from a folder the department must resolve
    path = found[0]
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, str(period), dept, id(ctx.catalogue.all_indicators))
    if key not in _EARLIER:
        if len(_EARLIER) > 512:
            _EARLIER.clear()
        data, problems = read_workbook_bounded(path, ctx.catalogue.in_force(period), period, dept)
        _EARLIER[key] = None if has_errors(problems) else data
    return copy.deepcopy(_EARLIER[key])


def months_of(ctx: Context, store, period: Period, wanted: dict, stored: dict | None = None) -> dict:
    """{code: Sourced(the month value of ``period`` in today's unit, its source, its store
    revision or None)}: from the store's current submissions of that period, else from that
    period's workbooks. ``stored``: the store's values of the period when already read."""
    cat = ctx.catalogue
    out: dict = {}
    if stored is None and store is not None:
        stored = submissions.latest(store, str(period))
    if stored:
        for code, conv in months_in_unit(cat, stored, wanted).items():
            out[code] = Sourced(conv.value, conv.source, conv.revision)
    folder = ctx.inputs / str(period)
    if folder.is_dir():
        for dept in cat.in_force(period).departments:
            if not any(c not in out and i.department == dept for c, i in wanted.items()):
                continue
            data = quiet_read(ctx, period, dept)
            for code, vals in (data.values.items() if data else ()):
                if code in wanted and code not in out and vals.get("month") is not None:
                    unit = data.units.get(code) or wanted[code].unit
                    value = cat.units.in_unit(vals["month"], unit, wanted[code].unit)
                    if value is not None:
                        out[code] = Sourced(value, data.sources[code]["month"].of_period(period))
    return out


def previous_months(ctx: Context, store, known: StoredContext | None) -> dict:
    """The previous period's month values, for month-on-month comparisons."""
    wanted = {c: i for c, i in ctx.catalogue.indicators.items() if i.kind in (FLOW, STOCK)}
    return months_of(ctx, store, ctx.period.previous(), wanted, known.prior if known is not None else None)


def quarters(ctx: Context, store, entered: dict[str, Entered]) -> tuple[dict, list]:
    """In a quarter's last month, the quarter of each cộng dồn indicator (the sum of its three
    months) and the same quarter last year: {code: {"quarter": Sourced(value, sources),
    "quarter_last_year": …}}, and a warning for each quarter that lacks a month (never a guess)."""
    period = ctx.period
    if period.month % 3:
        return {}, []
    wanted = {c: i for c, i in ctx.catalogue.indicators.items() if i.kind == FLOW}
    months = [period.previous().previous(), period.previous(), period]
    last_year = [m.same_month_last_year() for m in months]
    this = {m: months_of(ctx, store, m, wanted) for m in months[:2]}
    this[period] = {c: Sourced(e.values["month"], e.sources.get("month", ""), e.revisions.get("month"))
                    for c, e in entered.items() if c in wanted and e.values.get("month") is not None}
    before = {m: months_of(ctx, store, m, wanted) for m in last_year}
    out: dict = {}
    problems: list = []
    quarter = (period.month - 1) // 3 + 1
    # a month of the quarter with no figure at all (not in the history: imported later, or the
    # first months of using the program) is one warning for every indicator, not one each
    absent = {m for m in months if not this[m]}
    unquoted: list = []
    for code, ind in wanted.items():
        for key, table, periods in (("quarter", this, months), ("quarter_last_year", before, last_year)):
            got = [table[m].get(code) for m in periods]
            if all(g is not None for g in got):
                out.setdefault(code, {})[key] = Sourced(sum((g.value for g in got), Decimal(0)),
                                                        ", ".join(f"{m}: {g.source}" for m, g in zip(periods, got)))
            elif key == "quarter" and any(g is not None for g in got):
                if {m for m, g in zip(periods, got) if g is None} <= absent:
                    unquoted.append(ind.name)
                    continue
                missing = ", ".join(str(m) for m, g in zip(periods, got) if g is None)
                problems.append(make("quarter-incomplete", dict(indicator=code), quarter=quarter, name=ind.name, missing=missing))
    if unquoted:
        names = ", ".join(f"«{n}»" for n in unquoted[:3]) + (f" và {len(unquoted) - 3} chỉ tiêu khác"
                                                              if len(unquoted) > 3 else "")
        problems.insert(0, make("quarter-incomplete:period_empty", None, quarter=quarter, count=len(unquoted), names=names,
                                months=', '.join(str(m) for m in months if m in absent)))
    return out, problems


def consulted(period: Period) -> list[Period]:
    """The earlier periods a period's figures and checks read: the previous month (month on
    month, the cumulative check), the same month last year, a quarter's other months and the
    same quarter last year, and the year's earlier months (the annual plan)."""
    out = {period.previous(), period.same_month_last_year()}
    if period.month % 3 == 0:
        for m in (period.previous().previous(), period.previous()):
            out |= {m, m.same_month_last_year()}
    out |= {Period(period.year, m) for m in range(1, period.month)}
    return sorted(out - {period}, key=str)


def folder_file(ctx: Context, period: Period, dept: str):
    """The department's workbook in the period's folder (.xlsx or .xls, in any case; the first
    by name when there are two, which ``check`` reports), or None."""
    found = layout.workbook_files(ctx.inputs / str(period), dept)
    return found[0] if found else None


def identities(ctx: Context, store, period: Period, sha256=sha256_of) -> dict:
    """{department: SHA-256} of what a build reads for ``period``: the workbook in its folder,
    else the department's current submission in the store. ``sha256(path)``: how a file's is
    found (a server passes the one it keeps by the file's inode, size and times)."""
    out = {}
    stored = {}
    if store is not None:
        stored = storage.submissions.current_files(store, str(period))
    for dept in sorted(set(ctx.catalogue.in_force(period).departments) | set(stored)):
        path = folder_file(ctx, period, dept)
        try:
            out[dept] = sha256(path) if path is not None else stored[dept][1] if dept in stored else None
        except FileNotFoundError:
            out[dept] = stored[dept][1] if dept in stored else None
    return {d: s for d, s in out.items() if s is not None}


def differing_files(ctx: Context, store, period: Period) -> list[str]:
    """Departments of an earlier period whose folder workbook (filled in, not a blank) is not
    their current submission in the store: a correction put in the folder by hand."""
    # deferred on purpose: the reader loads lxml
    from .workbooks.read import is_blank_workbook  # noqa: PLC0415
    stored = storage.submissions.current_files(store, str(period))
    out = []
    for dept, (_rev, sha, _at) in sorted(stored.items()):
        path = folder_file(ctx, period, dept)
        if path is not None and sha256_of(path) != sha and not is_blank_workbook(path, ctx.catalogue.in_force(period)):
            out.append(dept)
    return out
