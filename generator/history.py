"""What the history store adds to a period: values carried from earlier submissions, the
cross-period checks, recording accepted workbooks, the one-time import of earlier years and
an indicator's series. Works on plain data; talks to the store only through ``store``."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import store as storage
from .catalogue import FLOW
from .compute import Figure, derive
from .files import atomic_save_workbook, sha256_of
from .periods import Period
from .printed import print_figure
from .problems import make
from .sources import Entered, Source, entered
from .units import UNITS_FILE, same_unit
from .vi_numbers import format_number, format_plain, safe_div
from .workbooks import layout
from .workbooks.validate import validate_values

LAST_YEAR_OF = layout.LAST_YEAR_OF


@dataclass(frozen=True)
class StoredContext:
    """Everything a period needs from the store, read once: what a workbook cannot carry
    (the year's plan from its earlier periods, last year's values) and what the cross-period
    checks compare against (the previous period's current submissions). The values are
    ``storage.submissions`` shapes: {code: {measure: Stored}} and, for the plans,
    {code: [(period, Stored), …]} oldest first."""
    last_year: dict        # the same month last year's current submissions
    previous: dict         # the period just before, within the same year ({} in January)
    prior: dict            # the period just before, across a new year too
    prior_period: str      # YYYY-MM of ``prior``
    plans: dict            # the year's plans of the earlier periods
    plans2: dict           # the same for the second plan (``plan2``)

    def plans_of(self, measure: str) -> dict:
        """The earlier periods' plans of ``measure``: ``plans2`` for ``plan2``, else ``plans``."""
        return self.plans2 if measure == "plan2" else self.plans


def stored_context(store, period: Period) -> StoredContext:
    """The period's ``StoredContext`` read from the store."""
    ly = period.same_month_last_year()
    prev = period.previous()
    prior = storage.submissions.latest(store, str(prev))
    return StoredContext(
        last_year=storage.submissions.latest(store, str(ly)),
        previous=prior if prev.year == period.year else {},
        prior=prior,
        prior_period=str(prev),
        plans=storage.submissions.plans(store, period.year, str(period)),
        plans2=storage.submissions.plans(store, period.year, str(period), "plan2"),
    )


def in_unit(cat, ind, stored: storage.submissions.Stored) -> storage.submissions.Stored | None:
    """A stored value in the indicator's unit of today's catalogue: as stored, converted by
    the office's table, or None when the units differ and no conversion is declared."""
    if stored.unit is None or same_unit(stored.unit, ind.unit):
        return stored   # as stored (its unit as written then)
    value = cat.units.in_unit(stored.value, stored.unit, ind.unit)
    return None if value is None else stored.converted(value, ind.unit)


def months_in_unit(cat, stored: dict, wanted: dict) -> dict:
    """{code: Stored}: the month value of each wanted indicator ({code: Indicator}) among a
    period's stored values, in today's unit (one whose unit cannot be converted is left out,
    never shown in another unit)."""
    out = {}
    for code, measures in stored.items():
        got = measures.get("month")
        if code in wanted and got is not None:
            conv = in_unit(cat, wanted[code], got)
            if conv is not None:
                out[code] = conv
    return out


def months_of_year(store, cat, period: Period, codes: list) -> dict:
    """{code: {month number: Decimal}}: each month's value from January to ``period``, the
    current submission of each month, in today's unit (``months_in_unit``)."""
    wanted = {code: cat.indicators[code] for code in codes if code in cat.indicators}
    out: dict = {code: {} for code in codes}
    for month in range(1, period.month + 1):
        known = storage.submissions.latest(store, f"{period.year:04d}-{month:02d}")
        for code, conv in months_in_unit(cat, known, wanted).items():
            out[code][month] = conv.value
    return out


def unit_problem(ind, measure: str, stored: storage.submissions.Stored, where: str, place: dict, prefill=False):
    """A stored value whose unit cannot be converted to the indicator's: an error, or a
    warning when it only would have prefilled a new blank workbook (``prefill``)."""
    return make("unit-changed:prefill" if prefill else "unit-changed", place, column=layout.COLUMN_OF[measure],
                name=ind.name, code=ind.code, where=where, value=format_plain(stored.value), stored_unit=stored.unit,
                file=stored.file_name, sheet=stored.sheet, cell=stored.cell, unit=ind.unit, units_file=UNITS_FILE)


def carried(known: StoredContext, code: str, measure: str) -> tuple[storage.submissions.Stored, str] | None:
    """What the store carries into a period for a measure a workbook left blank, with where
    it comes from: the plan of an earlier period of the same year, or last year's value.
    Never a value of the same period: a submission is a whole."""
    if measure in ("plan", "plan2") and known.plans_of(measure).get(code):
        p_period, stored = known.plans_of(measure)[code][-1]
        return stored, f"kỳ {p_period}"
    if measure in LAST_YEAR_OF:
        got = known.last_year.get(code, {}).get(LAST_YEAR_OF[measure])
        if got is not None:
            return got, "cùng kỳ năm trước"
    return None


def fill_missing(cat, data, known: StoredContext) -> list:
    """Complete a workbook's blank plan and last-year cells from the store, in the
    indicator's unit, marking their sources ``store:<rev>``. Returns problems (a unit change
    with no declared conversion is an error on that cell)."""
    out = []
    for code, row in data.rows.items():
        ind = cat.indicators[code]
        vals = data.values.setdefault(code, {})
        srcs = data.sources.setdefault(code, {})
        for measure in layout.measures_for(ind):
            if vals.get(measure) is not None or measure in data.bad_cells.get(code, set()) \
                    or measure in data.missing_columns:
                continue
            got = carried(known, code, measure)
            if got is None:
                continue
            stored, where = got
            conv = in_unit(cat, ind, stored)
            if conv is None:
                col = data.columns.get(measure, "")
                out.append(unit_problem(ind, measure, stored, where, dict(
                    file=data.path.name, sheet=layout.SHEET_DATA, cell=f"{col}{row}" if col else "", indicator=code)))
                data.bad_cells.setdefault(code, set()).add(measure)
                continue
            vals[measure] = conv.value
            srcs[measure] = conv.source
            data.revisions.setdefault(code, {})[measure] = conv.revision
    return out


def stored_submission(store, cat, period: Period, department: str, known: StoredContext):
    """A department with no workbook in the folder but an accepted submission for the period:
    that submission, whole — its values (in today's units) and its narrative — completed like
    a workbook. Returns (current, {code: Entered}, narrative rows, problems), or None."""
    cur = storage.submissions.current(store, str(period), department)
    if cur is None:
        return None
    stored = storage.submissions.current_values(store, cur.revision)
    entered, problems = {}, []
    for ind in cat.of_department(department):
        vals, srcs, revs = {}, {}, {}
        for measure in layout.measures_for(ind):
            got = stored.get(ind.code, {}).get(measure)
            where = f"lần nộp kỳ {period}"
            if got is None:
                c = carried(known, ind.code, measure)
                if c is None:
                    continue
                got, where = c
            conv = in_unit(cat, ind, got)
            if conv is None:
                problems.append(unit_problem(ind, measure, got, where, dict(file=cur.file_name, indicator=ind.code)))
                continue
            vals[measure], srcs[measure], revs[measure] = conv.value, conv.source, conv.revision
        if vals:
            entered[ind.code] = Entered(vals, srcs, revs)
    return cur, entered, storage.submissions.narrative(store, cur.revision), problems


def cross_period_checks(cat, data, known: StoredContext, settings: dict) -> list:
    """Warnings: a cumulative that is not last period's plus this month, a plan changed within
    the year, a last-year value typed differently from the stored one."""
    out = []
    tol = settings["kiem_tra"]["dung_sai_luy_ke"]
    fname = data.path.name
    for code, row in data.rows.items():
        ind = cat.indicators[code]
        vals, srcs = data.values.get(code, {}), data.sources.get(code, {})

        def typed(measure):
            return vals.get(measure) if entered(srcs.get(measure)) else None

        def place(measure):
            col = data.columns.get(measure, "")
            return dict(file=fname, sheet=layout.SHEET_DATA, cell=f"{col}{row}" if col else "", indicator=code)

        def stored_in_unit(stored):
            return None if stored is None else in_unit(cat, ind, stored)

        dec = ind.decimals("cumulative")
        prev = stored_in_unit(known.previous.get(code, {}).get("cumulative"))
        cum, month = typed("cumulative"), typed("month")
        if ind.kind == FLOW and prev is not None and cum is not None and month is not None:
            expected = prev.value + month
            diff = cum - expected
            rel = abs(safe_div(diff, expected) or 0) * 100 if expected else abs(diff)
            if rel > tol:
                out.append(make("cumulative-jump", place("cumulative"), cumulative=format_number(cum, dec), previous=format_number(prev.value, dec),
                                month=format_number(month, dec), expected=format_number(expected, dec), diff=format_number(diff, dec), unit=ind.unit))
        for key, label in (("plan", "Kế hoạch năm"), ("plan2", f"Kế hoạch khác ({ind.plan2_word})")):
            plan, history = typed(key), known.plans_of(key).get(code, [])
            last_plan = stored_in_unit(history[-1][1]) if history else None
            if plan is not None and last_plan is not None and last_plan.value != plan:
                p_period, stored = history[-1][0], last_plan
                out.append(make("plan-changed", place(key), label=label, plan=format_plain(plan), period=p_period,
                                stored=format_plain(stored.value)))
        for measure, src in LAST_YEAR_OF.items():
            v, stored = typed(measure), stored_in_unit(known.last_year.get(code, {}).get(src))
            if v is not None and stored is not None and v != stored.value:
                out.append(make("last-year-differs", place(measure), column=layout.COLUMN_OF[measure], value=format_plain(v),
                                stored=format_plain(stored.value), file_name=stored.file_name, sheet=stored.sheet, cell=stored.cell))
    return out


def submission_of(cat, period: Period, department: str, data, sha256: str) -> tuple:
    """A workbook as a submission for the store: the values read from it (not those carried
    from the store) in the unit they were entered in, and its narrative rows."""
    rows = []
    for code, srcs in data.sources.items():
        for measure, src in srcs.items():
            if not entered(src):
                continue
            rows.append((code, measure, data.values[code][measure], src.sheet, src.cell, cat.indicators[code].unit))
    return (str(period), department, data.path.name, sha256, rows, list(data.narrative))


def mark_recorded(data, revision: int) -> None:
    """Note in ``data.revisions`` (code → {measure: revision}) that every value typed into the
    workbook is now in the store's submission ``revision``."""
    for code, srcs in data.sources.items():
        for measure, src in srcs.items():
            if entered(src):
                data.revisions.setdefault(code, {})[measure] = revision


def record_workbook(store, cat, period: Period, department: str, data, sha256: str | None = None) -> int | None:
    """Record the workbook as the department's current submission. ``sha256``: the file's
    SHA-256 when it was read; a file replaced since (an upload accepted meanwhile, which
    recorded itself) is not recorded over it: None."""
    sub = submission_of(cat, period, department, data, sha256 or sha256_of(data.path))
    with storage.transaction(store):   # the upload moves its file inside its own transaction: one consistent view
        if sha256 is not None and (not data.path.exists() or sha256_of(data.path) != sha256):
            return None
        rev, _created = storage.submissions.insert_submission(store, *sub)
    mark_recorded(data, rev)
    return rev


def known_for_init(store, cat, period: Period) -> tuple[dict, list]:
    """Prefill for ``init``: the year's plan and last year's same-period values, from the
    store, in today's units; a value whose unit changed with no declared conversion is left
    blank with a warning. Returns ({code: {measure: Decimal}}, problems)."""
    out: dict = {}
    problems = []
    known = stored_context(store, period)
    for code, ind in cat.indicators.items():
        for measure in ("plan", "plan2") + tuple(LAST_YEAR_OF):
            got = carried(known, code, measure)
            if got is None:
                continue
            conv = in_unit(cat, ind, got[0])
            if conv is None:
                problems.append(unit_problem(ind, measure, got[0], got[1], dict(
                    file=f"{ind.department}.xlsx", sheet=layout.SHEET_DATA, indicator=code), prefill=True))
                continue
            out.setdefault(code, {})[measure] = conv.value
    return out, problems


def series_rows(store, cat, code: str, first: str, last: str, settings: dict) -> list[dict]:
    """An indicator's history: value, cumulative, % of plan and YoY per period, the texts
    as the report prints them (``printed.print_figure``: a rate's change in percentage points, a
    change against a base ≤ 0 as a difference), each worded with the settings in force in its
    period ([[theo_ky]]). ``yoy_pct`` is the number behind the change, in the unit ``yoy_unit``
    says: ``pct`` (percent) or ``pp`` (percentage points)."""
    ind = cat.indicators[code]
    out = []
    for period, measures in storage.submissions.series(store, code, first, last):
        rows = [r for r in cat.rows_of(code) if r.in_force(Period.parse(period))]
        unit = next((s.unit for s in measures.values() if s.unit), rows[0].unit if rows else ind.unit)
        department = next((s.department for s in measures.values() if s.department),
                          rows[0].department if rows else ind.department)
        vals = {m: s.value for m, s in measures.items()}
        ly = storage.submissions.latest(store, str(Period.parse(period).same_month_last_year())).get(code, {})
        for dst, src in LAST_YEAR_OF.items():
            if vals.get(dst) is None and src in ly:
                value = cat.units.in_unit(ly[src].value, ly[src].unit, unit)
                if value is not None:   # never compared across a unit change unconverted
                    vals[dst] = value
        fig = Figure(ind, vals, derived=derive(ind, vals))
        d, key = fig.derived, fig.main_change_key()   # the same "main change" as the report's
        here = settings.for_period(Period.parse(period)) if hasattr(settings, "for_period") else settings
        printed = print_figure(fig, here).texts        # and the same words: points for a rate
        out.append({
            "period": period, "unit": unit, "department": department,
            "month": vals.get("month"), "cumulative": vals.get("cumulative"), "plan": vals.get("plan"),
            "pct_plan": d.get("pct_plan"), "yoy_pct": d.get(key), "yoy_unit": "pp" if key.endswith("_pp") else "pct",
            "text_pct_plan": printed.get("pct_plan", ""),
            "text_yoy": printed.get(fig.main_change_text(), ""),
            "revisions": sorted({s.revision for s in measures.values()}),
            "received": max((s.accepted_at for s in measures.values() if s.accepted_at), default=""),
        })
    return out


def import_rows(cat, path: Path):
    """Read an import-history workbook: the ``Chỉ tiêu`` header plus ``Kỳ báo cáo``.
    Returns ([(period, department, file, sha, values)], problems)."""
    # deferred on purpose: the reader loads lxml
    from .workbooks.read import read_history  # noqa: PLC0415
    rows, problems = read_history(path, cat)
    sha = sha256_of(path)
    subs = []
    for (period, dept), values in sorted(rows.items()):
        subs.append((period, dept, path.name, sha, values))   # one file, one SHA-256, for each of its periods
    return subs, problems


def _same_value(cat, ind, a: Decimal, a_unit: str | None, b: Decimal, b_unit: str | None) -> bool:
    """Two values of one measure equal once in the same unit (a unit with no conversion: unequal)."""
    if a_unit is None:
        return a == b
    conv = cat.units.in_unit(b, b_unit, a_unit)
    return conv is not None and conv == a


def merge_import(store, cat, sub: tuple, inputs: Path | None = None) -> tuple[tuple | None, list]:
    """An imported (period, department) against what the store already holds for them: the
    values of the department's current submission that the file does not give are kept (a
    history file that covers some indicators adds to the period, never replaces it); a value
    given again with another number is an error naming both; a period whose workbook is in
    its folder is not changed by an import (an error: the workbook is the submission).
    Returns (the submission to record, or None when the file adds nothing, problems)."""
    # deferred on purpose: the reader loads lxml
    from .workbooks.read import is_blank_workbook  # noqa: PLC0415
    period, dept, fname, sha, values = sub
    cur = storage.submissions.current(store, period, dept)
    if cur is None:
        return sub, []
    stored = storage.submissions.current_values(store, cur.revision)
    problems, added = [], []
    given = set()
    for code, measure, value, sheet, cell, unit in values:
        given.add((code, measure))
        old = stored.get(code, {}).get(measure)
        if old is None:
            added.append(code)
            continue
        ind = cat.indicators.get(code)
        if ind is not None and not _same_value(cat, ind, old.value, old.unit, value, unit):
            problems.append(make("import-conflict", dict(file=fname, sheet=sheet, cell=cell, indicator=code),
                                 column=layout.COLUMN_OF[measure], code=code, period=period, department=dept,
                                 value=" ".join(filter(None, (format_plain(value), unit))), file=fname, sheet=sheet, cell=cell,
                                 stored=" ".join(filter(None, (format_plain(old.value), old.unit))), revision=old.revision,
                                 stored_file=old.file_name, stored_sheet=old.sheet, stored_cell=old.cell))
    if problems or not added:
        return None, problems
    if inputs is not None:
        folder = Path(inputs) / period
        present = [f for f in layout.workbook_files(folder, dept)
                   if not is_blank_workbook(f, cat.in_force(Period.parse(period)))]
        if present:
            return None, [make("import-over-workbook", dict(file=fname, indicator=added[0]), period=period, dept=dept,
                               name=present[0].name, added=', '.join(sorted(set(added))))]
    kept = [(code, measure, got.value, got.sheet, got.cell, got.unit)
            for code, measures in stored.items() for measure, got in measures.items() if (code, measure) not in given]
    narrative = storage.submissions.narrative(store, cur.revision) if cur.narrative_kept else None
    return (period, dept, fname, sha, kept + list(values), narrative), []


def import_checks(cat, settings: dict, period: str, dept: str, fname: str, own: list, merged: list) -> list:
    """The checks ``check`` runs on a workbook's values (signs, integers, cumulative below
    the month, January…) on each indicator the imported file gives for a period, with the
    values as they will be stored (``merged``: the file's and those kept from the store),
    each problem at its cell of the imported file; a value the file does not give is not
    required. ``own``: the file's rows [(code, measure, value, sheet, cell, unit)]."""
    p = Period.parse(period)
    cat_p = cat.in_force(p)
    # deferred on purpose: the reader loads lxml
    from .workbooks.read import WorkbookData  # noqa: PLC0415
    data = WorkbookData(Path(fname), dept, period=period)
    for code, measure, _value, _sheet, cell, _unit in own:
        if code in cat_p.indicators:
            col, row = re.match(r"([A-Z]+)(\d+)$", cell).groups()
            data.rows[code] = int(row)
            data.columns.setdefault(measure, col)   # one file, one header: a measure has one column
    for code, measure, value, _sheet, _cell, _unit in merged:
        if code in data.rows:
            data.values.setdefault(code, {})[measure] = value
            col = data.columns.get(measure, "")
            data.sources.setdefault(code, {})[measure] = Source.workbook(fname, layout.SHEET_DATA, f"{col}{data.rows[code]}")
    return [x for x in validate_values(cat_p, data, settings, p) if x.code not in ("required-empty", "optional-empty")]


def history_template(cat, path: Path) -> None:
    """A blank import-history workbook: one row per indicator, the period to fill in."""
    # deferred on purpose: openpyxl loads only when this workbook is written
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    wb = Workbook()
    ws = wb.active
    ws.title = layout.SHEET_DATA
    ws.append([layout.COL_PERIOD] + list(layout.DATA_HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for ind in cat.indicators.values():
        ws.append(["", ind.code, ind.name, ind.unit])
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["C"].width = 50
    atomic_save_workbook(wb, path)

