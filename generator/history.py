"""What the history store adds to a period: values carried from earlier submissions, the
cross-period checks, recording accepted workbooks, the one-time import of earlier years and
an indicator's series. Works on plain data; talks to the store only through ``store``."""
from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from . import store as S
from .catalogue import FLOW, STOCK
from .compute import derive
from .periods import Period
from .problems import warning
from .vi_numbers import format_number, format_plain, safe_div
from .workbooks import layout as L

LAST_YEAR_OF = L.LAST_YEAR_OF


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stored_context(store, period: Period) -> dict:
    """Everything a period needs from the store, read once."""
    ly = period.same_month_last_year()
    prev = period.previous()
    return {
        "same": S.latest(store, str(period)),
        "last_year": S.latest(store, str(ly)),
        "previous": S.latest(store, str(prev)) if prev.year == period.year else {},
        "plans": S.plans(store, period.year, str(period)),
    }


def fill_missing(cat, data, known: dict) -> None:
    """Complete a workbook's values from the store, marking their sources ``store:<rev>``:
    the same period's newest revision, the year's plan, last year's same period."""
    for code in data.rows:
        ind = cat.indicators[code]
        vals = data.values.setdefault(code, {})
        srcs = data.sources.setdefault(code, {})
        for measure in L.measures_for(ind):
            if vals.get(measure) is not None or measure in data.bad_cells.get(code, set()):
                continue
            got = _stored_value(known, code, measure)
            if got is not None:
                vals[measure] = got.value
                srcs[measure] = got.source
                data.revisions.setdefault(code, {})[measure] = got.revision


def _stored_value(known: dict, code: str, measure: str):
    same = known["same"].get(code, {}).get(measure)
    if same is not None:
        return same
    if measure == "plan" and known["plans"].get(code):
        return known["plans"][code][-1][1]
    if measure in LAST_YEAR_OF:
        return known["last_year"].get(code, {}).get(LAST_YEAR_OF[measure])
    return None


def values_from_store(cat, department: str, known: dict) -> dict:
    """For a department with no workbook: its indicators' values as stored for the period."""
    out = {}
    for ind in cat.of_department(department):
        vals, srcs, revs = {}, {}, {}
        for measure in L.measures_for(ind):
            got = _stored_value(known, ind.code, measure)
            if got is not None:
                vals[measure], srcs[measure], revs[measure] = got.value, got.source, got.revision
        if vals:
            out[ind.code] = {"values": vals, "sources": srcs, "revisions": revs}
    return out


def cross_period_checks(cat, data, known: dict, settings: dict) -> list:
    """Warnings: a cumulative that is not last period's plus this month, a plan changed within
    the year, a last-year value typed differently from the stored one."""
    out = []
    tol = Decimal(str(settings["kiem_tra"].get("dung_sai_luy_ke", 0.5)))
    fname = data.path.name
    for code, row in data.rows.items():
        ind = cat.indicators[code]
        vals, srcs = data.values.get(code, {}), data.sources.get(code, {})

        def typed(measure):
            return vals.get(measure) if not str(srcs.get(measure, "store:")).startswith("store:") else None

        def place(measure):
            col = data.columns.get(measure, "")
            return dict(file=fname, sheet=L.SHEET_DATA, cell=f"{col}{row}" if col else "", indicator=code)

        dec = ind.decimals("cumulative")
        prev = known["previous"].get(code, {}).get("cumulative")
        cum, month = typed("cumulative"), typed("month")
        if ind.kind == FLOW and prev is not None and cum is not None and month is not None:
            expected = prev.value + month
            diff = cum - expected
            rel = abs(safe_div(diff, expected) or 0) * 100 if expected else abs(diff)
            if rel > tol:
                out.append(warning(
                    "cumulative-jump", f"Lũy kế {format_number(cum, dec)} khác lũy kế kỳ trước "
                    f"{format_number(prev.value, dec)} (lần nộp {prev.revision}) cộng số tháng {format_number(month, dec)} "
                    f"= {format_number(expected, dec)}: lệch {format_number(diff, dec)} {ind.unit} "
                    f"(nếu là điều chỉnh số ước tính kỳ trước thì ghi rõ ở cột «Ghi chú»)", **place("cumulative")))
        plan, history = typed("plan"), known["plans"].get(code, [])
        if plan is not None and history and history[-1][1].value != plan:
            p_period, stored = history[-1]
            out.append(warning(
                "plan-changed", f"Kế hoạch năm {format_plain(plan)} khác kế hoạch đã "
                f"báo ở kỳ {p_period} ({format_plain(stored.value)}, lần nộp "
                f"{stored.revision}): kế hoạch thay đổi trong năm?", **place("plan")))
        for measure, src in LAST_YEAR_OF.items():
            v, stored = typed(measure), known["last_year"].get(code, {}).get(src)
            if v is not None and stored is not None and v != stored.value:
                out.append(warning(
                    "last-year-differs", f"«{L.COLUMN_OF[measure]}» ghi {format_plain(v)}, nhưng số đã lưu của cùng kỳ năm "
                    f"trước là {format_plain(stored.value)} (lần nộp {stored.revision}, {stored.file_name}!{stored.sheet}!"
                    f"{stored.cell})", **place(measure)))
    return out


def record_workbook(store, period: Period, department: str, data) -> int:
    """Record the values read from the workbook itself (not those carried from the store)."""
    rows = []
    for code, srcs in data.sources.items():
        for measure, src in srcs.items():
            if src.startswith("store:"):
                continue
            _file, sheet, cell = src.split("!")
            rows.append((code, measure, data.values[code][measure], sheet, cell))
    rev, _created = S.record(store, str(period), department, data.path.name, sha256_of(data.path), rows)
    for code, srcs in data.sources.items():
        for measure, src in srcs.items():
            if not src.startswith("store:"):
                data.revisions.setdefault(code, {})[measure] = rev
    return rev


def known_for_init(store, cat, period: Period) -> dict:
    """Prefill for ``init``: the year's plan and last year's same-period values, from the store."""
    out: dict = {}
    known = stored_context(store, period)
    for code in cat.indicators:
        plans = known["plans"].get(code)
        if plans:
            out.setdefault(code, {})["plan"] = plans[-1][1].value
        for dst, src in LAST_YEAR_OF.items():
            got = known["last_year"].get(code, {}).get(src)
            if got is not None:
                out.setdefault(code, {})[dst] = got.value
    return out


def series_rows(store, cat, code: str, first: str, last: str, settings: dict) -> list[dict]:
    """An indicator's history: value, cumulative, % of plan and YoY per period."""
    from .phrases import change_text
    from .vi_numbers import format_percent
    ind = cat.indicators[code]
    out = []
    for period, measures in S.series(store, code, first, last):
        vals = {m: s.value for m, s in measures.items()}
        ly = S.latest(store, str(Period.parse(period).same_month_last_year())).get(code, {})
        for dst, src in LAST_YEAR_OF.items():
            if vals.get(dst) is None and src in ly:
                vals[dst] = ly[src].value
        d = derive(ind, vals)
        key = "yoy_month_pct" if ind.kind == STOCK else "yoy_cumulative_pct"
        band = ind.band if ind.band is not None else Decimal(str(settings["kiem_tra"]["nguong_tuong_duong"]))
        out.append({
            "period": period,
            "month": vals.get("month"), "cumulative": vals.get("cumulative"), "plan": vals.get("plan"),
            "pct_plan": d.get("pct_plan"), "yoy_pct": d.get(key),
            "text_pct_plan": format_percent(d["pct_plan"], ind.dec_pct_plan) if d.get("pct_plan") is not None else "",
            "text_yoy": change_text(d.get(key), ind.dec_change, band, settings["cach_viet"]) or "",
            "revisions": sorted({s.revision for s in measures.values()}),
        })
    return out


def import_rows(cat, path: Path):
    """Read an import-history workbook: the ``Chỉ tiêu`` header plus ``Kỳ báo cáo``.
    Returns ([(period, department, file, sha, values)], problems)."""
    from .workbooks.read import read_history
    rows, problems = read_history(path, cat)
    sha = sha256_of(path)
    subs = []
    for (period, dept), values in sorted(rows.items()):
        subs.append((period, dept, path.name, f"{sha}:{period}:{dept}", values))
    return subs, problems


def history_template(cat, path: Path) -> None:
    """A blank import-history workbook: one row per indicator, the period to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from .outputs import atomic_save_workbook
    wb = Workbook()
    ws = wb.active
    ws.title = L.SHEET_DATA
    ws.append([L.COL_PERIOD] + list(L.DATA_HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for ind in cat.indicators.values():
        ws.append(["", ind.code, ind.name, ind.unit])
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["C"].width = 50
    atomic_save_workbook(wb, path)

