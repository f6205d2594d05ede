r"""The narrative markup departments write in their ``Thuyết minh`` sheet.

Learnable in a minute:

* ``{MÃ}`` prints an indicator's figure as the report prints it (the year-to-date of a flow,
  the level of a stock); ``{MÃ:đo}`` picks what to print, ``đo`` a word of ``measures.MARKUP``,
  e.g. ``{KKT_XNK:luyke}`` → ``2.945``, ``{KKT_XNK:dat}`` → ``77,5%``,
  ``{KKT_XNK:tang}`` → ``tăng 70,3%``.
* ``[[ … ]]`` is a footnote: its text goes to the bottom of the page, numbered
  automatically; it may contain ``{MÃ…}`` references but not another footnote.
* ``*nghiêng*`` and ``**đậm**`` set emphasis (body and footnotes); ``\*`` prints a star.
* Anything else is plain text and printed as it is (``{{ 7*7 }}``, ``&``, ``<`` included).

``parse`` turns a cell's text into segments and problems (unknown code or measure, unclosed
or stray footnote brackets); ``resolve`` turns segments into printed text given the figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .phrases import (direction_text, main_abs_change, main_change, main_change_pct, month_on_month,
                      quarter_change, ratio_compare, ratio_plan, sentence, texts, with_comparison)
from .vi_numbers import format_number, format_percent, round_half_up

from .measures import BY_WORD, MAGNITUDE_ONLY, WORDS

REF = re.compile(r"\{([A-Z][A-Z0-9_]*)(?::([a-z_]*))?\}")
NOTE_OPEN, NOTE_CLOSE = "[[", "]]"


@dataclass(frozen=True)
class Ref:
    code: str
    measure: str


@dataclass(frozen=True)
class Note:
    parts: tuple  # of str | Ref


@dataclass(frozen=True)
class MarkupProblem:
    code: str
    message: str
    indicator: str = ""


def _inline(text: str, known_codes, problems: list) -> list:
    out, pos = [], 0
    for m in REF.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        code, measure = m.group(1), m.group(2) or ""
        if code not in known_codes:
            problems.append(MarkupProblem("markup-unknown-code",
                                          f"Mã chỉ tiêu «{code}» trong «{m.group(0)}» không có trong danh mục",
                                          code))
            out.append(m.group(0))
        elif measure not in BY_WORD:
            problems.append(MarkupProblem("markup-unknown-measure",
                                          f"«{m.group(0)}»: «{measure}» không hợp lệ; dùng một trong: "
                                          + ", ".join(WORDS), code))
            out.append(m.group(0))
        else:
            out.append(Ref(code, measure))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def parse(text: str, known_codes) -> tuple[list, list[MarkupProblem]]:
    """Segments (str, Ref, Note) of a narrative cell, and its markup problems."""
    from .compose.emphasis import unclosed
    problems: list[MarkupProblem] = []
    parts = re.split(r"\[\[|\]\]", text)
    for part in ["".join(parts[0::2])] + parts[1::2]:  # stars pair up in the body and in each note
        why = unclosed(REF.sub("", part))
        if why:
            problems.append(MarkupProblem("markup-emphasis", why))
            break
    segments: list = []
    pos = 0
    while pos < len(text):
        start = text.find(NOTE_OPEN, pos)
        stray = text.find(NOTE_CLOSE, pos)
        if stray != -1 and (start == -1 or stray < start):
            problems.append(MarkupProblem("markup-stray-close",
                                          f"Có «]]» không có «[[» mở tương ứng (ở ký tự thứ {stray + 1})"))
            segments += _inline(text[pos:stray + 2], known_codes, problems)
            pos = stray + 2
            continue
        if start == -1:
            segments += _inline(text[pos:], known_codes, problems)
            break
        segments += _inline(text[pos:start], known_codes, problems)
        end = text.find(NOTE_CLOSE, start + 2)
        if end == -1:
            problems.append(MarkupProblem("markup-unclosed-note",
                                          f"Chú thích mở bằng «[[» ở ký tự thứ {start + 1} chưa được đóng bằng «]]»"))
            segments += _inline(text[start:], known_codes, problems)
            break
        inner = text[start + 2:end]
        if NOTE_OPEN in inner:
            problems.append(MarkupProblem("markup-nested-note", "Chú thích không được lồng trong chú thích khác"))
        segments.append(Note(tuple(_inline(inner.strip(), known_codes, problems))))
        pos = end + 2
    return segments, problems


# the composite forms of the registry's ``prints``, each a function of (figure, settings)
COMPOSITES = {
    "main": lambda fig, st: texts(fig, st).get(fig.main_measure()),
    "main_last_year": lambda fig, st: texts(fig, st).get(fig.main_measure() + "_last_year")
    if fig.main_measure() in ("month", "cumulative") else None,
    "main_change": main_change,
    "main_change_compare": lambda fig, st: with_comparison(main_change(fig, st), st),
    "main_change_pct": main_change_pct,
    "main_abs": lambda fig, st: texts(fig, st).get("abs_change_" + fig.main_measure()),
    "main_direction": direction_text,
    "sentence": sentence,
    "ratio_compare": ratio_compare,
    "ratio_plan": ratio_plan,
    "month_on_month": month_on_month,
    "quarter_change": quarter_change,
}


def print_ref(ref: Ref, figures: dict, settings: dict) -> str:
    """The text a reference prints (the setting's missing-data wording when it has none)."""
    out = printed(ref, figures, settings)
    return settings["cach_viet"]["thieu_so_lieu"] if out is None else out


def printed(ref: Ref, figures: dict, settings: dict) -> str | None:
    """The text a reference prints, or None when the figures do not support one."""
    how = BY_WORD[ref.measure].prints
    fig = figures[ref.code]
    if how.startswith("text:"):
        return texts(fig, settings).get(how[5:])
    return COMPOSITES[how](fig, settings)


def refs(segments: list):
    """Every Ref in segments, footnotes included."""
    for seg in segments:
        if isinstance(seg, Ref):
            yield seg
        elif isinstance(seg, Note):
            yield from (p for p in seg.parts if isinstance(p, Ref))


# direction words a narrative may write before a magnitude-only reference: word -> +1 / -1
DIRECTION_WORDS = {"tăng": 1, "cao hơn": 1, "nhiều hơn": 1, "giảm": -1, "thấp hơn": -1, "ít hơn": -1}
_WORD_BEFORE = re.compile(r"(" + "|".join(sorted(DIRECTION_WORDS, key=len, reverse=True)) + r")\s*$", re.I)


def _signed_change(ref: Ref, fig) -> tuple[int, str] | None:
    """(+1/-1, «tăng 54» as the figure goes) of a magnitude-only reference, or None (no
    figure, or a change that rounds to nothing)."""
    ind = fig.indicator
    if ref.measure == "tyle_tang":
        d = fig.derived.get(fig.main_change_key())
        if d is None:
            return None
        r = round_half_up(d, ind.dec_change)
        shown = format_percent(abs(r), ind.dec_change) if fig.main_change_key().endswith("_pct") else \
            f"{format_number(abs(r), ind.dec_change)} điểm phần trăm"
    else:
        if ref.measure == "chenh":
            got = main_abs_change(fig)
        else:
            d = fig.derived.get("abs_change_month")
            got = None if d is None else (round_half_up(d, ind.decimals("month")), ind.decimals("month"))
        if got is None:
            return None
        r, places = got
        shown = format_number(abs(r), places)
    if r == 0:
        return None
    sign = 1 if r > 0 else -1
    return sign, ("tăng " if sign > 0 else "giảm ") + shown


def direction_conflicts(segments: list, figures: dict, settings: dict):
    """(word written, the figure's own change, ref) wherever a narrative writes a direction
    word just before a magnitude-only reference and the figure goes the other way."""
    def walk(parts):
        prev = None
        for part in parts:
            if isinstance(part, Ref) and part.measure in MAGNITUDE_ONLY and isinstance(prev, str):
                m = _WORD_BEFORE.search(prev)
                got = _signed_change(part, figures[part.code]) if m else None
                if got is not None and got[0] != DIRECTION_WORDS[m.group(1).lower()]:
                    yield m.group(1), got[1], part
            elif isinstance(part, Note):
                yield from walk(part.parts)
            prev = part
    yield from walk(segments)


def resolve(segments: list, figures: dict, settings: dict) -> list:
    """Printed pieces: ``str`` and ``list[str]`` for a footnote's text."""
    out: list = []
    for seg in segments:
        if isinstance(seg, Ref):
            out.append(print_ref(seg, figures, settings))
        elif isinstance(seg, Note):
            out.append(["".join(print_ref(p, figures, settings) if isinstance(p, Ref) else p for p in seg.parts)])
        else:
            out.append(seg)
    # merge adjacent strings
    merged: list = []
    for piece in out:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged
