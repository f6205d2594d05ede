"""Vietnamese text for computed figures: the values as printed, ``đạt 77,5% kế hoạch``,
``tăng 45%``, ``giảm 3,2%``, ``tương đương cùng kỳ``, and whole indicator phrases.

The wording comes from the settings' ``[cach_viet]`` table; numbers from ``vi_numbers``. Only the
printing stage (``printed.py``) calls these functions, once per figure of a period; every other
module reads what it printed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .catalogue import FLOW, INDEX, STOCK
from .compute import Figure
from .measures import VALUES
from .vi_numbers import format_number, format_percent, round_half_up


# each printed change: (texts key, derived percent key, the value measure, its base measure)
CHANGES = (("yoy_month", "yoy_month_pct", "month", "month_last_year"),
           ("yoy_cumulative", "yoy_cumulative_pct", "cumulative", "cumulative_last_year"),
           ("yoy_quarter", "yoy_quarter_pct", "quarter", "quarter_last_year"),
           ("mom_month", "mom_month_pct", "month", "month_previous"))
BASE_OF = {name: (value, base) for name, _key, value, base in CHANGES}


def value_text(fig: Figure, measure: str) -> str | None:
    """A measure of the figure as printed (Vietnamese separators, the indicator's decimals
    and zero padding): ``"48.406,9"``; None when the value was not entered."""
    v = fig.values.get(measure)
    if v is None:
        return None
    ind = fig.indicator
    return format_number(v, ind.decimals(measure), pad=ind.pad if ind.pad > 1 else 0)


def no_base(fig: Figure, name: str) -> tuple | None:
    """(value, base) when a change of a cộng dồn / thời điểm indicator has both its values but
    a base ≤ 0, so that no percent exists (``name``: a key of ``CHANGES``); else None."""
    if fig.indicator.kind not in (FLOW, STOCK) or name not in BASE_OF:
        return None
    value_m, base_m = BASE_OF[name]
    v, b = fig.values.get(value_m), fig.values.get(base_m)
    if v is None or b is None or b > 0:
        return None
    return v, b


def difference_text(fig: Figure, value, base, measure: str, wording: dict, same: str) -> str:
    """A change without a percent (its base is ≤ 0): ``tăng 1.348,5 tỷ đồng`` — the
    difference with its unit, the direction word from the difference's sign — or ``same``
    (``tương đương cùng kỳ``) when it rounds to nothing (0 against 0)."""
    ind = fig.indicator
    places = ind.decimals(measure)
    r = round_half_up(value - base, places)
    if r == 0:
        return same
    amount = format_number(abs(r), places, pad=ind.pad if ind.pad > 1 else 0)
    amount = f"{amount} {ind.unit}" if ind.unit else amount
    return wording["tang_so" if r > 0 else "giam_so"].format(so=amount)


def change_text(change: Decimal | None, places: int, band: Decimal, wording: dict) -> str | None:
    """``tăng 45%`` / ``giảm 3,2%`` / ``tương đương cùng kỳ`` from a change in percent."""
    if change is None:
        return None
    r = round_half_up(change, places)
    if abs(r) <= band:
        return wording["tuong_duong"]
    key = "tang" if r > 0 else "giam"
    return wording[key].format(pt=format_percent(abs(r), places))


def points_text(change: Decimal | None, places: int, wording: dict) -> str | None:
    """``tăng 2,2 điểm phần trăm`` / ``giảm 0,5 điểm phần trăm`` / ``tương đương cùng kỳ``."""
    if change is None:
        return None
    r = round_half_up(change, places)
    if r == 0:
        return wording["tuong_duong"]
    return wording["tang_diem" if r > 0 else "giam_diem"].format(so=format_number(abs(r), places))


def band_of(fig: Figure, settings: dict) -> Decimal:
    """The «tương đương» band in % for the figure: the indicator's own, else the setting
    ``[kiem_tra] nguong_tuong_duong``."""
    ind = fig.indicator
    if ind.band is not None:
        return ind.band
    return settings["kiem_tra"]["nguong_tuong_duong"]


def texts(fig: Figure, settings: dict) -> dict:
    """All printed strings of a figure, keyed as in figures.json ``text``, worded with
    ``settings`` (``printed.print_figures`` calls it once per figure of a period)."""
    ind, d, wording = fig.indicator, fig.derived, settings["cach_viet"]
    out: dict = {}
    for m in VALUES + ("quarter", "quarter_last_year"):
        t = value_text(fig, m)
        if t is not None:
            out[m] = t
    for key in ("pct_plan", "pct_plan2"):
        if d.get(key) is not None:
            out[key] = format_percent(d[key], ind.dec_pct_plan)
    band = band_of(fig, settings)
    for name, key, value_m, _base_m in CHANGES:
        words = dict(wording, tuong_duong=wording["tuong_duong_thang_truoc"]) if name == "mom_month" else wording
        t = change_text(d.get(key), ind.dec_change, band, words)
        if t is None and no_base(fig, name):   # no percent of a base ≤ 0: the difference, with its unit
            t = difference_text(fig, *no_base(fig, name), value_m, words, words["tuong_duong"])
        if t is not None:
            out[name] = t
    for key, name in (("yoy_month_pp", "yoy_month"), ("yoy_cumulative_pp", "yoy_cumulative")):
        t = points_text(d.get(key), ind.dec_change, wording)
        if t is not None:
            out[name] = t
    for key, name in (("ratio_month_pct", "ratio_month"), ("ratio_cumulative_pct", "ratio_cumulative")):
        if d.get(key) is not None:
            out[name] = format_percent(d[key], ind.dec_change)
    for key, measure in (("abs_change_month", "month"), ("abs_change_cumulative", "cumulative")):
        if d.get(key) is not None:
            out[key] = format_number(abs(d[key]), ind.decimals(measure), pad=ind.pad if ind.pad > 1 else 0)
    if d.get("share_pct") is not None:
        out["share"] = format_percent(d["share_pct"], ind.dec_share)
    return out


def main_change(fig: Figure, printed: dict) -> str | None:
    """The change phrase of the value a sentence speaks of (``printed``: the figure's texts)."""
    return printed.get(fig.main_change_text())


def main_change_pct(fig: Figure, settings: dict) -> str | None:
    """The size of the main change alone, ``81,8%`` (as in "tăng 18 vụ (81,8%)")."""
    d = fig.derived
    key = fig.main_change_key()
    places = fig.indicator.dec_change
    if d.get(key) is None:   # no percent of a base ≤ 0: the difference's size, with its unit
        got = no_base(fig, fig.main_change_text())
        if got is None:
            return None
        if got == (0, 0):
            return format_percent(0, places)
        text = difference_text(fig, *got, fig.main_measure(), {"tang_so": "{so}", "giam_so": "{so}"}, "0")
        return text
    if key.endswith("_pp"):
        return settings["cach_viet"]["diem"].format(so=format_number(abs(round_half_up(d[key], places)), places))
    return format_percent(abs(round_half_up(d[key], places)), places)


def ratio_compare(fig: Figure, printed: dict, settings: dict) -> str | None:
    """``bằng 105,3% so với cùng kỳ`` (the year to date for cộng dồn, the month for thời điểm)."""
    t = printed.get("ratio_" + fig.main_measure())
    if t is None:   # no ratio to a base ≤ 0: the change as a difference (0 against 0: «tương đương cùng kỳ»)
        return with_comparison(printed.get(fig.main_change_text()), settings) \
            if no_base(fig, fig.main_change_text()) else None
    return settings["cach_viet"]["bang_ck"].format(pt=t)


def ratio_plan(fig: Figure, printed: dict, settings: dict) -> str | None:
    """``bằng 61,6% kế hoạch``."""
    t = printed.get("pct_plan")
    if t is None:
        return None
    return " ".join(settings["cach_viet"]["bang_kh"].format(pt=t, ten_ke_hoach=fig.indicator.plan_word or "").split())


def quarter_change(printed: dict, settings: dict) -> str | None:
    """``tăng 12,5% so với cùng kỳ`` of the quarter."""
    return with_comparison(printed.get("yoy_quarter"), settings)


def month_on_month(printed: dict, settings: dict) -> str | None:
    """``tăng 15,4% so với tháng trước``."""
    t = printed.get("mom_month")
    if t is None:
        return None
    wording = settings["cach_viet"]
    return t if t == wording["tuong_duong_thang_truoc"] else f"{t} {wording['so_voi_thang_truoc']}"


def main_abs_change(fig: Figure) -> tuple[Decimal, int] | None:
    """The absolute change of the value a sentence speaks of, rounded as printed, and its
    decimals (month for a stock, year to date for a flow — as ``chenh`` prints it)."""
    m = fig.main_measure()
    d = fig.derived.get("abs_change_" + m)
    if d is None:
        return None
    places = fig.indicator.decimals(m)
    return round_half_up(d, places), places


def direction_text(fig: Figure, settings: dict) -> str | None:
    """``tăng 54`` / ``giảm 3,2`` / ``bằng``: the absolute change with its own direction word."""
    got = main_abs_change(fig)
    if got is None:
        return None
    r, places = got
    wording = settings["cach_viet"]
    if r == 0:
        return wording["bang_so"]
    pad = fig.indicator.pad if fig.indicator.pad > 1 else 0
    return wording["tang_so" if r > 0 else "giam_so"].format(so=format_number(abs(r), places, pad=pad))


def with_comparison(change: str | None, settings: dict) -> str | None:
    """``tăng 45%`` -> ``tăng 45% so với cùng kỳ``; ``tương đương cùng kỳ`` stays."""
    wording = settings["cach_viet"]
    if change is None or change == wording["tuong_duong"]:
        return change
    return f"{change} {wording['so_voi_cung_ky']}"


def with_unit(value: str, unit: str) -> str:
    """«600.000 lượt», and «93,5%»: the percent sign follows its number, as everywhere else."""
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


@dataclass(frozen=True)
class Sentence:
    """One indicator's phrase in parts, printed once: ``text()`` joins them as a template or
    the report asks (``2.945 triệu USD, đạt 77,5% kế hoạch, tăng 45% so với cùng kỳ``)."""
    value: str | None           # the main value as printed (None: missing, or an index, which prints none)
    value_with_unit: str | None
    has_value: bool             # False for an index: its sentence starts with its plan or change
    plan: tuple | None          # (percent of the plan, its word: kế hoạch, dự toán…), None without one
    plan2: tuple | None         # the same of the second target (cột «Kế hoạch khác»)
    plan_format: str            # [cach_viet] dat_ke_hoach: «đạt {pt} {ten_ke_hoach}»
    change: str | None          # the main change, «tăng 45%»
    change_compared: str | None   # «tăng 45% so với cùng kỳ»
    missing: str                # [cach_viet] thieu_so_lieu

    def text(self, unit: bool = True, plan: bool = True, change: bool = True, compare: bool = True,
             plan_word: str | None = None) -> str:
        """Options are wording choices, not new figures: ``plan_word`` overrides the first
        target's kế hoạch/dự toán (``""`` drops the word, as in short list items: ``đạt 53%``),
        ``compare=False`` drops "so với cùng kỳ", ``plan``/``change``/``unit`` leave parts out."""
        parts = []
        if self.has_value:
            if self.value is None:
                return self.missing
            parts.append(self.value_with_unit if unit and self.value_with_unit is not None else self.value)
        if plan and self.plan is not None:
            pct, word = self.plan
            word = word if plan_word is None else plan_word
            parts.append(" ".join(self.plan_format.format(pt=pct, ten_ke_hoach=word).split()))
        if plan and self.plan2 is not None:   # both targets: «đạt 70,1% dự toán Trung ương giao, đạt 69,2% dự toán tỉnh giao»
            pct, word = self.plan2
            parts.append(" ".join(self.plan_format.format(pt=pct, ten_ke_hoach=word).split()))
        got = (self.change_compared if compare else self.change) if change else None
        if got is not None:
            parts.append(got)
        if not parts:
            return self.missing
        return ", ".join(parts)


def sentence_of(fig: Figure, printed: dict, settings: dict) -> Sentence:
    """The parts of ``fig``'s phrase from its texts (``printed``, as ``texts`` gives them)."""
    wording = settings["cach_viet"]
    ind = fig.indicator
    value = printed.get(fig.main_measure()) if ind.kind != INDEX else None
    plan = (printed["pct_plan"], ind.plan_word) if "pct_plan" in printed else None
    plan2 = (printed["pct_plan2"], ind.plan2_word) if "pct_plan2" in printed else None
    change = main_change(fig, printed)
    return Sentence(value=value, value_with_unit=with_unit(value, ind.unit) if value is not None and ind.unit else None,
                    has_value=ind.kind != INDEX, plan=plan, plan2=plan2, plan_format=wording["dat_ke_hoach"],
                    change=change, change_compared=with_comparison(change, settings), missing=wording["thieu_so_lieu"])

