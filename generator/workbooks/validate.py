"""Checks on the values read from the workbooks (the reader already checked each cell)."""
from __future__ import annotations

from ..catalogue import FLOW, RATE, Catalogue
from ..problems import Problem, make
from ..sources import entered
from ..vi_numbers import format_percent, format_plain
from . import layout
from .read import MAX_MAGNITUDE

LABEL = layout.COLUMN_OF   # a value's column title is its name in messages


def validate_values(cat: Catalogue, data, settings: dict, period=None) -> list[Problem]:
    """Required values present, signs, integers, cumulative ≥ month, far from last year, and
    in January (Decree 09 cut-off: the month and the year to date cover the same days)
    month = cumulative."""
    out: list[Problem] = []
    fname, sheet = data.path.name, layout.SHEET_DATA
    far = settings["kiem_tra"]["nguong_bat_thuong"]
    for code, row in data.rows.items():
        ind = cat.indicators[code]
        vals = data.values.get(code, {})

        def place(measure):
            col = data.columns.get(measure, "")
            return dict(file=fname, sheet=sheet, cell=f"{col}{row}" if col else "", indicator=code)

        for measure in layout.measures_for(ind):
            v = vals.get(measure)
            if v is None:
                if measure in data.sources.get(code, {}) or measure in data.bad_cells.get(code, set()) \
                        or measure in data.missing_columns:
                    continue  # the reader already said what is wrong with this cell (or its column)
                if measure in layout.LAST_YEAR_OF:
                    continue  # only needed where the text compares; the narrative check says so
                if ind.kind == RATE and measure in ("month", "cumulative") and \
                        vals.get("cumulative" if measure == "month" else "month") is not None:
                    continue  # a rate as of the month (lao động qua đào tạo) or of the year to date: either is its figure
                if ind.required:
                    out.append(make("required-empty", place(measure), label=LABEL[measure], name=ind.name, unit=ind.unit))
                else:
                    out.append(make("optional-empty", place(measure), label=LABEL[measure], name=ind.name))
                continue
            if v < 0 and not ind.allow_negative:
                out.append(make("negative", place(measure), label=LABEL[measure], value=format_plain(v), name=ind.name))
            if ind.integer and v != v.to_integral_value():
                out.append(make("not-integer", place(measure), label=LABEL[measure], value=str(v).replace('.', ',')))
        if ind.has_plan and vals.get("plan") is not None and vals["plan"] == 0:
            out.append(make("plan-zero", place("plan"), plan_word=ind.plan_word))
        if ind.kind == FLOW:
            m, c = vals.get("month"), vals.get("cumulative")
            # a profit may lose money after a good month: only a quantity that cannot be negative
            # has a year to date at least its month
            if m is not None and c is not None and c < m and m >= 0 and not ind.allow_negative:
                out.append(make("cumulative-below-month", place("cumulative"), cumulative=format_plain(c), month=format_plain(m)))
        if ind.kind == FLOW and period is not None and period.month == 1:
            for m_key, c_key in (("month", "cumulative"), ("month_last_year", "cumulative_last_year")):
                m, c = vals.get(m_key), vals.get(c_key)
                srcs = data.sources.get(code, {})
                typed = all(entered(srcs.get(k)) for k in (m_key, c_key) if k in srcs)
                if m is not None and c is not None and m != c and typed:
                    cm, cc = place(m_key)["cell"], place(c_key)["cell"]
                    out.append(make("january-cumulative", place(c_key), day=settings['nop_bao_cao']['ngay_chot_dau'],
                                    month_label=LABEL[m_key], month_cell=cm, month=format_plain(m), cumulative_label=LABEL[c_key], cumulative_cell=cc,
                                    cumulative=format_plain(c)))
        for measure, base in (("month", "month_last_year"), ("cumulative", "cumulative_last_year")):
            v, b = vals.get(measure), vals.get(base)
            if v is None or b is None or b <= 0 or ind.kind not in (FLOW, "stock"):
                continue
            change = (v / b - 1) * 100
            if abs(change) >= MAX_MAGNITUDE:
                continue   # a change too large to print: compute says so (figure-too-large)
            if abs(change) > far:
                out.append(make("far-from-last-year", place(measure), label=LABEL[measure], value=format_plain(v),
                                change=format_percent(change, 1), last_year=format_plain(b), far=format_percent(far, 0)))
    return out
