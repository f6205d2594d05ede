"""The period's figures as printed, computed once: the stage between the arithmetic
(``compute``) and everything that prints a figure (``narrative``, ``compose``, ``annex``,
``outputs``' figures.json, ``history``, the review's paragraphs, the web form's previews).

``print_figures(figures, settings)`` turns each ``compute.Figure`` into a ``FigureTexts``:
its texts keyed as in figures.json ``text`` (``2.945``, ``77,5%``, ``tăng 45%``, ``giảm 0,9
điểm phần trăm``), what each markup word ``{MÃ:từ}`` prints (``measures.MARKUP``), its sentence
in parts (``phrases.Sentence``: a template's options only choose among them) and the changes a
direction word typed before a magnitude must agree with. The wording is the period's
``[cach_viet]``; the numbers are ``phrases``' (the one place that formats a figure). The result
is read-only: a stage reads it, none changes it, so every reader prints the same text.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .compute import Figure
from .measures import MAGNITUDE_ONLY, MARKUP
from .phrases import (BASE_OF, Sentence, direction_text, main_abs_change, main_change, main_change_pct, month_on_month,
                      no_base, quarter_change, ratio_compare, ratio_plan, sentence_of, texts, with_comparison)
from .vi_numbers import format_number, format_percent, round_half_up

__all__ = ["BASE_OF", "FigureTexts", "PeriodTexts", "print_figure", "print_figures"]


@dataclass(frozen=True)
class FigureTexts:
    """One indicator's printed texts (read-only mappings)."""
    figure: Figure                     # what they print (values, derived, the catalogue row)
    texts: Mapping                     # figures.json ``text``: key -> text, in phrases.texts' order
    words: Mapping                     # markup word ("" for {MÃ}) -> what it prints, None when nothing
    sentence: Sentence                 # the phrase of ``{MÃ:cau}``, the automatic sentence and ``cau()``
    signed: Mapping                    # magnitude-only word -> (+1/-1/0, «tăng 54» / «0,0%») or None
    no_base: Mapping                   # change name (phrases.CHANGES) -> (value, base ≤ 0) when it has no percent

    @property
    def code(self) -> str:
        """The indicator's code."""
        return self.figure.code

    @property
    def indicator(self):
        """The indicator's catalogue row (``catalogue.Indicator``)."""
        return self.figure.indicator


@dataclass(frozen=True)
class PeriodTexts(Mapping):
    """code -> ``FigureTexts`` of a period's figures, with the wording they were printed in."""
    by_code: Mapping
    wording: Mapping                   # [cach_viet] of the period's settings

    def __getitem__(self, code: str) -> FigureTexts:
        return self.by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_code)

    def __len__(self) -> int:
        return len(self.by_code)

    def only(self, codes) -> PeriodTexts:
        """The same texts of the indicators ``codes`` only (a department's own figures)."""
        return PeriodTexts(MappingProxyType({c: t for c, t in self.by_code.items() if c in codes}), self.wording)


class _Printed(Mapping):
    """code -> FigureTexts, each printed the first time it is asked for (then kept): a check
    whose narratives cite a few figures — an upload's verdict — prints those, not all 261;
    a build, which writes them all, prints each once. The same texts either way."""

    def __init__(self, figures: Mapping, settings: Mapping):
        self._figures = figures
        self._settings = settings
        self._done: dict = {}

    def __getitem__(self, code: str) -> FigureTexts:
        got = self._done.get(code)
        if got is None:
            got = self._done[code] = print_figure(self._figures[code], self._settings)   # KeyError: not a figure
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)

    def __contains__(self, code) -> bool:
        return code in self._figures


def print_figures(figures: Mapping, settings: Mapping) -> PeriodTexts:
    """Every figure's printed texts, in the order of ``figures`` (code -> compute.Figure),
    each printed when first read."""
    return PeriodTexts(_Printed(MappingProxyType(dict(figures)), settings), MappingProxyType(dict(settings["cach_viet"])))


def print_figure(fig: Figure, settings: Mapping) -> FigureTexts:
    """One figure's printed texts, worded with ``settings`` (a period's settings)."""
    printed = texts(fig, settings)
    sentence = sentence_of(fig, printed, settings)
    main = fig.main_measure()
    change = main_change(fig, printed)
    forms = {
        "main": printed.get(main),
        "main_last_year": printed.get(main + "_last_year") if main in ("month", "cumulative") else None,
        "main_change": change,
        "main_change_compare": with_comparison(change, settings),
        "main_change_pct": main_change_pct(fig, settings),
        "main_abs": printed.get("abs_change_" + main),
        "main_direction": direction_text(fig, settings),
        "sentence": sentence.text(),
        "ratio_compare": ratio_compare(fig, printed, settings),
        "ratio_plan": ratio_plan(fig, printed, settings),
        "month_on_month": month_on_month(printed, settings),
        "quarter_change": quarter_change(printed, settings),
    }
    words = {m.word: printed.get(m.prints[5:]) if m.prints.startswith("text:") else forms[m.prints] for m in MARKUP}
    bases = {name: got for name in BASE_OF if (got := no_base(fig, name)) is not None}
    return FigureTexts(fig, MappingProxyType(printed), MappingProxyType(words), sentence,
                       MappingProxyType({word: _signed_change(word, fig) for word in MAGNITUDE_ONLY}),
                       MappingProxyType(bases))


def _signed_change(word: str, fig: Figure) -> tuple[int, str] | None:
    """(+1/-1, «tăng 54» as the figure goes) of a magnitude-only word, (0, «0,0%») for a
    change that rounds to nothing, or None (no figure): what a direction word typed before the
    word must agree with."""
    ind = fig.indicator
    if word == "tyle_tang" and fig.derived.get(fig.main_change_key()) is None and \
            no_base(fig, fig.main_change_text()):   # a base ≤ 0: the difference is printed
        got = main_abs_change(fig)
        if got is None:
            return None
        r, places = got
        shown = format_number(abs(r), places) + (f" {ind.unit}" if ind.unit else "")
    elif word == "tyle_tang":
        d = fig.derived.get(fig.main_change_key())
        if d is None:
            return None
        r = round_half_up(d, ind.dec_change)
        shown = format_percent(abs(r), ind.dec_change) if fig.main_change_key().endswith("_pct") else \
            f"{format_number(abs(r), ind.dec_change)} điểm phần trăm"
    else:
        if word == "chenh":
            got = main_abs_change(fig)
        else:
            d = fig.derived.get("abs_change_month")
            got = None if d is None else (round_half_up(d, ind.decimals("month")), ind.decimals("month"))
        if got is None:
            return None
        r, places = got
        shown = format_number(abs(r), places)
    if r == 0:
        return 0, shown
    sign = 1 if r > 0 else -1
    return sign, ("tăng " if sign > 0 else "giảm ") + shown
