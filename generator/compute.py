"""Computation on exact decimals: % of plan, change against the same period last year,
absolute change, share of a parent, component sums against their parent.

Input: the catalogue and, per indicator code, the entered values
(``plan``, ``month``, ``cumulative``, ``month_last_year``, ``cumulative_last_year``, each a
Decimal or None) with their sources. Output: one ``Figure`` per indicator, derived figures
unrounded (rounding happens once, when printing). A missing, zero or negative base gives
None for a percent or a ratio, never an exception, infinity or a meaningless sign.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .catalogue import FLOW, INDEX, RATE, STOCK, Catalogue, Indicator
from .problems import Problem, make
from .sources import Entered
from .vi_numbers import format_number, safe_div
from .workbooks.layout import COLUMN_OF
from .workbooks.read import MAX_MAGNITUDE, scientific

from .measures import VALUES
HUNDRED = Decimal(100)


@dataclass
class Figure:
    """One indicator's figures for the period: ``values`` (measure → exact Decimal in the
    indicator's unit, or None: not entered), their ``sources`` and store ``revisions``,
    ``derived`` (name → Decimal: percentages in %, rates' changes in percentage points,
    absolute changes in the unit) and the department's «Ghi chú» with its cell."""
    indicator: Indicator
    values: dict = field(default_factory=dict)    # measure -> Decimal | None
    sources: dict = field(default_factory=dict)   # measure -> Source (sources.py)
    derived: dict = field(default_factory=dict)   # name -> Decimal | None
    revisions: dict = field(default_factory=dict)  # measure -> store revision holding it
    note: str = ""                # the department's «Ghi chú» on the indicator's row
    note_source: object = None    # the Source of that cell

    @property
    def code(self) -> str:
        """The indicator's code."""
        return self.indicator.code

    def main_measure(self) -> str:
        """The value a phrase speaks of (``main_measure``)."""
        return main_measure(self.indicator.kind, self.values)

    def main_change_key(self) -> str:
        """The derived change a phrase speaks of — one definition for the report's phrases,
        the direction check and ``history``: the year to date's when the main value is a year
        to date, else the month's."""
        unit = "pp" if self.indicator.kind == RATE else "pct"
        return f"yoy_{'cumulative' if self.main_measure() == 'cumulative' else 'month'}_{unit}"

    def main_change_text(self) -> str:
        """The texts key of the main change (``yoy_cumulative`` or ``yoy_month``)."""
        return "yoy_cumulative" if self.main_measure() == "cumulative" else "yoy_month"

    def main_value(self) -> Decimal | None:
        """The value a phrase speaks of (Decimal in the indicator's unit), None when not entered."""
        return self.values.get(self.main_measure())


def main_measure(kind: str, values: dict) -> str:
    """The one rule for the value a sentence speaks of (its phrase, its second target, the
    direction check, ``history``): the level of a stock (``month``), the year to date of a flow
    (``cumulative``), and for an index or a rate its year to date when entered, else its month."""
    if kind == STOCK:
        return "month"
    if kind in (INDEX, RATE) and values.get("cumulative") is None:
        return "month"
    return "cumulative"


def pct_change(value, base) -> Decimal | None:
    """The change in percent of ``base``; None when a value is missing or the base is zero
    or negative (a percent of a base ≤ 0 has no meaning: «820 against −528,5» did not fall
    255%; the phrases print the difference instead)."""
    ratio = _ratio(value, base)
    return None if ratio is None else ratio * HUNDRED - HUNDRED


def _ratio(value, base) -> Decimal | None:
    if base is None or base <= 0:
        return None
    return safe_div(value, base)


def derive(ind: Indicator, values: dict) -> dict:
    """The derived figures of one indicator from its entered ``values`` (measure → Decimal | None):
    ``pct_plan`` (% of the plan), ``yoy_*_pct`` (% change on last year), ``yoy_*_pp`` (a rate's
    change in percentage points), ``abs_change_*`` (in the unit); None where an input is missing
    or the base is zero or negative. An index is already against last year = 100."""
    v = values
    d: dict = {}
    if ind.kind == FLOW:
        d["pct_plan"] = _pct(v.get("cumulative"), v.get("plan")) if ind.has_plan else None
        d["yoy_month_pct"] = pct_change(v.get("month"), v.get("month_last_year"))
        d["yoy_cumulative_pct"] = pct_change(v.get("cumulative"), v.get("cumulative_last_year"))
        d["abs_change_month"] = _diff(v.get("month"), v.get("month_last_year"))
        d["abs_change_cumulative"] = _diff(v.get("cumulative"), v.get("cumulative_last_year"))
    elif ind.kind == STOCK:
        d["pct_plan"] = _pct(v.get("month"), v.get("plan")) if ind.has_plan else None
        d["yoy_month_pct"] = pct_change(v.get("month"), v.get("month_last_year"))
        d["abs_change_month"] = _diff(v.get("month"), v.get("month_last_year"))
    elif ind.kind == RATE:   # a rate moves in percentage points, never in a percent of a percent
        d["pct_plan"] = _pct(v.get(main_measure(ind.kind, v)), v.get("plan")) if ind.has_plan else None
        d["yoy_month_pp"] = _diff(v.get("month"), v.get("month_last_year"))
        d["yoy_cumulative_pp"] = _diff(v.get("cumulative"), v.get("cumulative_last_year"))
    else:  # index: last year = 100
        d["yoy_month_pct"] = None if v.get("month") is None else v["month"] - HUNDRED
        d["yoy_cumulative_pct"] = None if v.get("cumulative") is None else v["cumulative"] - HUNDRED
    # the second target, against the same value as the first
    if ind.plan2_word:
        d["pct_plan2"] = _pct(v.get(main_measure(ind.kind, v)), v.get("plan2"))
    # the ratio form, «bằng 105,3% so với cùng kỳ»: the index itself for an index
    if ind.kind == INDEX:
        d["ratio_month_pct"], d["ratio_cumulative_pct"] = v.get("month"), v.get("cumulative")
    elif ind.kind != RATE:
        d["ratio_month_pct"] = _pct(v.get("month"), v.get("month_last_year"))
        d["ratio_cumulative_pct"] = _pct(v.get("cumulative"), v.get("cumulative_last_year"))
    # the quarter, in a quarter's last month (the sum of its three months)
    if v.get("quarter") is not None:
        d["yoy_quarter_pct"] = pct_change(v.get("quarter"), v.get("quarter_last_year"))
    # month on month: this month against the previous period's month
    if ind.kind in (FLOW, STOCK) and v.get("month_previous") is not None:
        d["mom_month_pct"] = pct_change(v.get("month"), v.get("month_previous"))
    return d


def _pct(value, base):
    """``value`` in percent of ``base`` (a ratio: % of plan, «bằng …% cùng kỳ», a share);
    None against a missing, zero or negative base."""
    r = _ratio(value, base)
    return None if r is None else r * HUNDRED


def _diff(a, b):
    return None if a is None or b is None else a - b


def compute(catalogue: Catalogue, entered: dict, settings: dict | None = None) -> tuple[dict, list[Problem]]:
    """``entered``: code -> Entered (sources.py). Returns (code -> Figure, problems)."""
    figures: dict[str, Figure] = {}
    for code, ind in catalogue.indicators.items():
        got = entered.get(code) or Entered()
        values = {m: got.values.get(m) for m in VALUES + ("month_previous", "quarter", "quarter_last_year")}
        fig = Figure(ind, values, dict(got.sources), revisions=dict(got.revisions), note=got.note,
                     note_source=got.note_source)
        fig.derived = derive(ind, values)
        figures[code] = fig
    problems: list[Problem] = []
    for fig in figures.values():
        problems += too_large(fig, figures)
    default_tol = settings["kiem_tra"]["dung_sai_thanh_phan"]
    components = catalogue.components()
    for code, fig in figures.items():
        parent = fig.indicator.parent
        if parent and parent in figures:
            pfig = figures[parent]
            fig.derived["share_pct"] = _pct(fig.values.get(pfig.main_measure()), pfig.main_value())
        comps = [figures[c.code] for c in components.get(code, ())]
        if comps:
            problems += check_components(fig, comps, default_tol)
    return figures, problems


# a percentage's name -> (what it is called, the measures it divides: value, base)
PERCENTS = {
    "pct_plan": ("tỷ lệ % so với kế hoạch", (None, "plan")),
    "pct_plan2": ("tỷ lệ % so với kế hoạch khác", (None, "plan2")),
    "yoy_month_pct": ("% tăng, giảm tháng so với cùng kỳ", ("month", "month_last_year")),
    "ratio_month_pct": ("tỷ lệ % tháng so với cùng kỳ", ("month", "month_last_year")),
    "yoy_cumulative_pct": ("% tăng, giảm lũy kế so với cùng kỳ", ("cumulative", "cumulative_last_year")),
    "ratio_cumulative_pct": ("tỷ lệ % lũy kế so với cùng kỳ", ("cumulative", "cumulative_last_year")),
    "yoy_quarter_pct": ("% tăng, giảm quý so với cùng kỳ", ("quarter", "quarter_last_year")),
    "mom_month_pct": ("% tăng, giảm so với tháng trước", ("month", "month_previous")),
    "share_pct": ("tỷ trọng trong chỉ tiêu cha", (None, None)),
}
MEASURE_WORDS = COLUMN_OF | {"quarter": "Quý", "quarter_last_year": "Cùng kỳ quý", "month_previous": "Tháng trước"}


def too_large(fig: Figure, figures: dict) -> list[Problem]:
    """The percentages of ``fig`` whose magnitude is ``MAX_MAGNITUDE`` or more (a value divided
    by a tiny base): each becomes None (never printed) with one error naming the two values it
    divides and where they were entered. ``figures``: code -> Figure (a share's parent)."""
    out, said = [], set()
    for name, (what, (top, base)) in PERCENTS.items():
        d = fig.derived.get(name)
        if d is None or abs(d) < MAX_MAGNITUDE:
            continue
        fig.derived[name] = None
        if (top, base) in said:
            continue   # one message per cause: the change and the ratio of the same two values
        said.add((top, base))
        parts = []
        if name == "share_pct":
            parent = figures[fig.indicator.parent]
            top, base = parent.main_measure(), parent.main_measure()
            pairs = ((fig, top), (parent, base))
        else:
            top = top or fig.main_measure()
            pairs = ((fig, top), (fig, base))
        for owner, measure in pairs:
            src = owner.sources.get(measure)
            parts.append(f"«{MEASURE_WORDS.get(measure, measure)}» của {owner.code} = {scientific(owner.values[measure])}"
                         + (f" ({src})" if src is not None and str(src) else ""))
        place = getattr(fig.sources.get(pairs[1][1]) if pairs[1][0] is fig else fig.sources.get(top), "place", {})
        out.append(make("figure-too-large", dict(indicator=fig.code, **place), what=what, name=fig.indicator.name,
                        code=fig.code, value=scientific(d), limit=format_number(MAX_MAGNITUDE), parts="; ".join(parts)))
    return out


def check_components(parent: Figure, comps: list[Figure], default_tol: Decimal) -> list[Problem]:
    """Parents are entered, not summed: a sum that misses its parent is a warning."""
    out = []
    ind = parent.indicator
    tol = ind.tolerance if ind.tolerance is not None else default_tol
    for measure in ("month", "cumulative"):
        total = parent.values.get(measure)
        parts = [c.values.get(measure) for c in comps]
        if total is None or any(p is None for p in parts):
            continue
        s = sum(parts, Decimal(0))
        diff = s - total
        rel = abs(safe_div(diff, total) or Decimal(0)) * HUNDRED if not total.is_zero() else abs(diff)
        if rel > tol:
            dec = ind.decimals(measure)
            label = "tháng" if measure == "month" else "lũy kế"
            place = getattr(parent.sources.get(measure), "place", {})
            out.append(make("components-sum", dict(indicator=ind.code, **place), label=label, sum=format_number(s, dec),
                            diff=format_number(abs(diff), dec), unit=ind.unit, total=format_number(total, dec),
                            tolerance=format_number(tol, 2), codes=", ".join(c.code for c in comps)))
    return out
