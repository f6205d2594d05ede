r"""The narrative markup departments write in their ``Thuyết minh`` sheet.

Learnable in a minute:

* ``{MÃ}`` prints an indicator's figure as the report prints it (the year-to-date of a flow,
  the level of a stock); ``{MÃ:đo}`` picks what to print, ``đo`` a word of ``measures.MARKUP``,
  e.g. ``{KKT_XNK:luyke}`` → ``2.945``, ``{KKT_XNK:dat}`` → ``77,5%``,
  ``{KKT_XNK:tang}`` → ``tăng 70,3%``.
* ``[[ … ]]`` is a footnote: its text goes to the bottom of the page, numbered
  automatically; it may contain ``{MÃ…}`` references but not another footnote.
* ``*nghiêng*`` and ``**đậm**`` set emphasis (body and footnotes); ``\*`` prints a star.
* Anything else is plain text and printed as it is (``{{ 7*7 }}``, ``&``, ``<`` included),
  except a code or a word in braces that is not written exactly (``{a_xk}``, ``{A_XK:tháng}``,
  ``{A_XK: thang}``): an error naming the spelling meant, found ignoring case and diacritics.

``parse`` turns a cell's text into segments and problems (unknown or misspelt code or word,
unclosed or stray footnote brackets, a star left open); ``check_refs`` checks the references
against the figures (a word that does not fit the indicator's kind, a comparison against a base
≤ 0, a missing figure, direction words); ``resolve`` turns segments into printed text. Both read
the period's printed texts (``printed.PeriodTexts``): the narrative formats no figure itself.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from .bounds import Found
from .measures import BY_WORD, DIRECTED, MAGNITUDE_ONLY, WORDS, not_applicable
from .printed import BASE_OF, PeriodTexts
from .problems import MESSAGES, WARNING, Problem, make
from .stars import unclosed
from .vi_numbers import format_number, format_plain

REF = re.compile(r"\{([A-Z][A-Z0-9_]*)(?::([a-z_]*))?\}")
# characters a department's text never prints and the composer may use internally: control
# characters (tab and line breaks aside), the private-use code points (the composer marks
# footnotes and emphasis with some of them), noncharacters
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff"
                         "\U000f0000-\U0010ffff]")


def neutralise(text: str) -> tuple[str, list[str]]:
    """(the text without unprintable characters, the code points removed as «U+E000»)."""
    found = sorted({f"U+{ord(c):04X}" for c in UNPRINTABLE.findall(text)})
    return (UNPRINTABLE.sub("", text), found) if found else (text, [])
# anything in single braces; it is markup when it looks like a code or a word (``LIKE``):
# ``{a_xk}``, ``{A_XK:tháng}``, ``{A_XK: thang}``; ``{{ 7*7 }}`` and ``{% if %}`` stay text
BRACES = re.compile(r"\{([^{}\n]{0,80})\}")
LIKE = re.compile(r"\s*([^\W\d_]\w*)\s*(?::\s*(\w[\w ]*?)?\s*)?\s*", re.UNICODE)
NOTE_OPEN, NOTE_CLOSE = "[[", "]]"


@dataclass(frozen=True)
class Ref:
    """A figure cited in a narrative, ``{MÃ}`` or ``{MÃ:word}``: the indicator's ``code`` and the
    markup word (``measures.MARKUP``; ``""``: its main value)."""
    code: str
    measure: str


@dataclass(frozen=True)
class Note:
    """A footnote ``[[…]]`` of a narrative: its parts, text (str) and cited figures (Ref)."""
    parts: tuple  # of str | Ref


@dataclass(frozen=True)
class MarkupProblem:
    """A mistake in a narrative's markup, before it has a place: a problem ``code`` of
    ``problems.CODES``, the Vietnamese ``message``, the indicator it names, and whether it is
    only a warning (the text prints, maybe not as meant)."""
    code: str
    message: str
    indicator: str = ""
    warning: bool = False      # a warning, not an error: the text prints, but maybe not as meant
    key: str = ""              # its message in problems.TABLE, and that message's fields
    fields: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def make(cls, key: str, indicator: str = "", /, **fields) -> MarkupProblem:
        """The markup problem of message ``key`` of ``problems.TABLE``, its severity the template's."""
        return cls(key.partition(":")[0], MESSAGES[key].format(key, fields), indicator,
                   MESSAGES[key].severity == WARNING, key, fields)

    def at(self, where: dict) -> Problem:
        """This problem at a place (``Problem``'s place fields: file, sheet, cell…)."""
        return make(self.key, dict(indicator=self.indicator, **where), **self.fields)


def folded(text: str) -> str:
    """A word as compared for «did you mean»: no case, no diacritics, no spaces or ``_``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in " _").casefold()


def suggest(typed: str, choices) -> str | None:
    """The choice ``typed`` was meant to be: the same ignoring case, diacritics, spaces and
    ``_``, else the closest spelling (``thangg`` → ``thang``), else None."""
    by_fold: dict = {}
    for c in choices:
        by_fold.setdefault(folded(c), c)
    key = folded(typed)
    if key in by_fold:
        return by_fold[key]
    close = difflib.get_close_matches(key, list(by_fold), n=1, cutoff=0.6)
    return by_fold[close[0]] if close else None


def _reference(raw: str, code: str, word: str, known_codes, problems: list):
    """A Ref for ``{code:word}`` written exactly, or a problem naming the fix."""
    if code not in known_codes:
        near = suggest(code, known_codes)
        if near:
            problems.append(MarkupProblem.make("markup-unknown-code:near", code, code=code, raw=raw, near=near))
        else:
            problems.append(MarkupProblem.make("markup-unknown-code", code, code=code, raw=raw))
        return None
    if word not in BY_WORD:
        near = suggest(word, WORDS)
        if near:
            problems.append(MarkupProblem.make("markup-unknown-measure:near", code, raw=raw, word=word, code=code, near=near,
                                               words=", ".join(WORDS)))
        else:
            problems.append(MarkupProblem.make("markup-unknown-measure", code, raw=raw, word=word, words=", ".join(WORDS)))
        return None
    return Ref(code, word)


def _misspelt(raw: str, code: str, word: str | None, known_codes, problems: list) -> None:
    """Braces that look like markup but are not written exactly (a code in lower case, a word
    with diacritics or capitals, spaces inside): an error with the spelling meant."""
    fix_code = code if code in known_codes else suggest(code, known_codes)
    fix_word = None if word is None else (word if word in BY_WORD else suggest(word, WORDS))
    if fix_code is None:
        word_only = next((w for w in WORDS if folded(w) == folded(code)), None) if word is None else None
        if word_only:
            problems.append(MarkupProblem.make("markup-unknown-code:word_only", "", raw=raw, word=word_only))
        else:
            problems.append(MarkupProblem.make("markup-unknown-code:misspelt", "", raw=raw, code=code))
        return
    if word is not None and fix_word is None:
        problems.append(MarkupProblem.make("markup-unknown-measure", fix_code, raw=raw, word=word, words=", ".join(WORDS)))
        return
    meant = "{" + fix_code + (":" + fix_word if fix_word else "") + "}"
    problems.append(MarkupProblem.make("markup-malformed", fix_code, raw=raw, meant=meant))


def _inline(text: str, known_codes, problems: list) -> list:
    out, pos = [], 0
    for m in BRACES.finditer(text):
        exact = REF.fullmatch(m.group(0))
        like = None if exact else LIKE.fullmatch(m.group(1))
        if not exact and not like:
            continue   # plain text in braces: ``{ 7*7 }``
        if m.start() > pos:
            out.append(text[pos:m.start()])
        ref = None
        full = getattr(problems, "full", False)
        if exact and not (full and (exact.group(1) not in known_codes or (exact.group(2) or "") not in BY_WORD)):
            ref = _reference(m.group(0), exact.group(1), exact.group(2) or "", known_codes, problems)
        elif full:
            problems.dropped += 1   # past the cap: counted, no message (nor «did you mean») built
        else:
            _misspelt(m.group(0), like.group(1), like.group(2), known_codes, problems)
        out.append(ref if ref is not None else m.group(0))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def parse(text: str, known_codes, limit: int | None = None) -> tuple[list, Found]:
    """Segments (str, Ref, Note) of a narrative cell, and its markup problems: the first
    ``limit`` of them built, the rest only counted (the returned list's ``dropped``)."""
    problems = Found(limit)
    parts = re.split(r"\[\[|\]\]", text)
    for part in ["".join(parts[0::2])] + parts[1::2]:  # stars pair up in the body and in each note
        why = unclosed(REF.sub("0", part))
        if why:
            problems.append(MarkupProblem.make("markup-emphasis", "", reason=why))
            break
    segments: list = []
    pos = 0
    while pos < len(text):
        start = text.find(NOTE_OPEN, pos)
        stray = text.find(NOTE_CLOSE, pos)
        if stray != -1 and (start == -1 or stray < start):
            problems.append(MarkupProblem.make("markup-stray-close", "", position=stray + 1))
            segments += _inline(text[pos:stray + 2], known_codes, problems)
            pos = stray + 2
            continue
        if start == -1:
            segments += _inline(text[pos:], known_codes, problems)
            break
        segments += _inline(text[pos:start], known_codes, problems)
        end = text.find(NOTE_CLOSE, start + 2)
        if end == -1:
            problems.append(MarkupProblem.make("markup-unclosed-note", "", position=start + 1))
            segments += _inline(text[start:], known_codes, problems)
            break
        inner = text[start + 2:end]
        if NOTE_OPEN in inner:
            problems.append(MarkupProblem.make("markup-nested-note"))
        segments.append(Note(tuple(_inline(inner.strip(), known_codes, problems))))
        pos = end + 2
    return segments, problems


def print_ref(ref: Ref, printed: PeriodTexts) -> str:
    """The text a reference prints (the setting's missing-data wording when it has none)."""
    out = text_of(ref, printed)
    return printed.wording["thieu_so_lieu"] if out is None else out


def text_of(ref: Ref, printed: PeriodTexts) -> str | None:
    """The text a reference prints, or None when the figures do not support one."""
    return printed[ref.code].words[ref.measure]


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


def direction_words(segments: list):
    """(word written, ref) wherever a narrative writes a direction word just before a
    magnitude-only reference, whatever the figure does."""
    return _words_before(segments, MAGNITUDE_ONLY)


def _words_before(segments: list, measures):
    """(direction word, ref) wherever a direction word stands just before a reference whose
    measure is one of ``measures``, also inside footnotes."""
    def walk(parts):
        prev = None
        for part in parts:
            if isinstance(part, Ref) and part.measure in measures and isinstance(prev, str):
                m = _WORD_BEFORE.search(prev)
                if m:
                    yield m.group(1), part
            elif isinstance(part, Note):
                yield from walk(part.parts)
            prev = part
    yield from walk(segments)


def direction_conflicts(segments: list, printed: PeriodTexts):
    """(word written, (the figure's direction, its change), ref) wherever a narrative writes a
    direction word just before a magnitude-only reference and the figure goes the other way
    or its change rounds to nothing (direction 0)."""
    def walk(parts):
        prev = None
        for part in parts:
            if isinstance(part, Ref) and part.measure in MAGNITUDE_ONLY and isinstance(prev, str):
                m = _WORD_BEFORE.search(prev)
                got = printed[part.code].signed[part.measure] if m else None
                if got is not None and got[0] != DIRECTION_WORDS[m.group(1).lower()]:
                    yield m.group(1), got, part
            elif isinstance(part, Note):
                yield from walk(part.parts)
            prev = part
    yield from walk(segments)


# the change a word compares (a key of phrases.CHANGES; None: the figure's main change)
COMPARES = {"tang": None, "tang_ck": None, "tyle_tang": None, "bang_ck": None, "cau": None,
            "tang_thang": "yoy_month", "tang_luyke": "yoy_cumulative", "tang_tt": "mom_month",
            "tang_quy": "yoy_quarter"}
BASE_NAMES = {"month_last_year": "số cùng kỳ tháng", "cumulative_last_year": "số cùng kỳ lũy kế",
              "month_previous": "số tháng trước", "quarter_last_year": "số cùng quý năm trước"}
# the words whose ratio has a base in the catalogue row: the plan, the second plan, the parent
RATIO_BASES = {"dat": "plan", "bang_kh": "plan", "dat2": "plan2", "tytrong": "parent"}


def shown(ref: Ref) -> str:
    """The markup of a Ref as the writer typed it: ``{MÃ}`` or ``{MÃ:word}``."""
    return "{" + ref.code + (":" + ref.measure if ref.measure else "") + "}"


def _base_problem(ref: Ref, printed: PeriodTexts, printed_text):
    """The problem of a reference whose comparison has all its values but a base ≤ 0: an
    error when the word can print nothing true (a percent or a ratio of that base), a warning
    saying what prints instead (the difference, with its unit); None otherwise (0 against 0
    is simply «tương đương cùng kỳ»)."""
    fig = printed[ref.code].figure
    ind = fig.indicator
    if ref.measure in RATIO_BASES:
        which = RATIO_BASES[ref.measure]
        if which == "parent":
            parent = printed[ind.parent].figure if ind.parent in printed else None
            base, label = (parent.main_value(), f"số của chỉ tiêu cha {ind.parent}") if parent else (None, "")
        else:
            base = fig.values.get(which)
            label = ind.plan2_word if which == "plan2" else f"{ind.plan_word} năm"
        if printed_text is None and fig.main_value() is not None and base is not None and base <= 0:
            return make("markup-no-base" if base == 0 else "markup-no-base:negative", dict(indicator=ref.code),
                        ref=shown(ref), label=label, base=format_plain(base))
        return None
    if ref.measure not in COMPARES:
        return None
    name = COMPARES[ref.measure] or fig.main_change_text()
    got = printed[ref.code].no_base.get(name)
    if got is None or got == (0, 0):
        return None
    value, base = got
    label = BASE_NAMES[BASE_OF[name][1]]
    if printed_text is None:
        return None
    return make("change-no-base" if base == 0 else "change-no-base:negative", dict(indicator=ref.code), ref=shown(ref),
                label=label, base=format_number(base, ind.decimals(BASE_OF[name][1])), printed=printed_text)


def check_refs(segments: list, printed: PeriodTexts, skip=lambda code: False,
               blind=lambda ref: None) -> list:
    """The problems of a parsed cell's references against the figures (problems.Problem, no
    place yet): a word that does not apply to the indicator's kind or catalogue row (an
    error naming the word and the kind), a comparison against a base ≤ 0, a figure that is
    missing, a direction word typed against the figure's direction or before a word that
    prints its own. ``skip(code)``: leave an indicator alone (its workbook has errors).
    ``blind(ref)``: the name of the department whose figures a reference prints when they are
    not this check's to show (a department's own verdict: another department's figures,
    unreleased) — only what the catalogue says is checked, never the figure, its direction or
    whether it exists yet, and a direction word before it gets one neutral note; None for a
    reference checked in full."""
    out = []
    wording = printed.wording
    for ref in refs(segments):
        fig = printed[ref.code].figure
        if skip(ref.code):
            continue
        why = not_applicable(ref.measure, fig.indicator)
        if why:
            out.append(make("markup-not-applicable", dict(indicator=ref.code), reason=why))
            continue
        if blind(ref) is not None:
            continue
        text = text_of(ref, printed)
        base = _base_problem(ref, printed, text)
        if base is not None:
            out.append(base)
        elif text is None and ref.measure == "tang_tt":   # says which month is missing
            out.append(make("markup-no-figure:previous_month" if fig.values.get("month_previous") is None else
                            "markup-no-figure:this_month", dict(indicator=ref.code), ref=shown(ref), code=ref.code,
                            missing=wording['thieu_so_lieu']))
        elif text is None:   # "no figure" is a value, not a wording
            out.append(make("markup-no-figure", dict(indicator=ref.code), ref=shown(ref), code=ref.code,
                            missing=wording['thieu_so_lieu']))
    unchecked: dict = {}   # code -> (department, [words]): one note per indicator not shown
    for word, ref in direction_words(segments):
        other = blind(ref)
        if other is not None and not skip(ref.code) and not not_applicable(ref.measure, printed[ref.code].indicator):
            words = unchecked.setdefault(ref.code, (other, []))[1]
            if word.lower() not in words:
                words.append(word.lower())
    for code, (other, words) in unchecked.items():
        itself = "tang" if not_applicable("tang_giam", printed[code].indicator) else "tang_giam"   # a word that fits its kind
        out.append(make("direction-unchecked", dict(indicator=code), words=", ".join(f"«{w}»" for w in words),
                        code=code, department=other, word=itself))
    for word, (sign, figure_text), ref in direction_conflicts(segments, printed):
        if skip(ref.code) or blind(ref) is not None or not_applicable(ref.measure, printed[ref.code].indicator):
            continue
        if sign == 0:
            out.append(make("direction-conflict:rounded", dict(indicator=ref.code), word=word, ref=shown(ref),
                            figure=figure_text, code=ref.code, same=wording['tuong_duong']))
            continue
        out.append(make("direction-conflict", dict(indicator=ref.code), word=word, figure=figure_text,
                        compared=wording['so_voi_cung_ky'], code=ref.code))
    for word, ref in doubled_directions(segments):
        if skip(ref.code) or not_applicable(ref.measure, printed[ref.code].indicator):
            continue
        text = text_of(ref, printed) if blind(ref) is None else None
        if text:
            out.append(make("direction-doubled", dict(indicator=ref.code), word=word, ref=shown(ref), text=text))
        else:
            out.append(make("direction-doubled:silent", dict(indicator=ref.code), word=word, ref=shown(ref)))
    return out


def doubled_directions(segments: list):
    """(word typed, ref) wherever a direction word stands just before a word that prints its
    own direction (``tăng {MÃ:tang}``)."""
    return _words_before(segments, DIRECTED)


def resolve(segments: list, printed: PeriodTexts) -> list:
    """Printed pieces: ``str`` and ``list[str]`` for a footnote's text."""
    out: list = []
    for seg in segments:
        if isinstance(seg, Ref):
            out.append(print_ref(seg, printed))
        elif isinstance(seg, Note):
            out.append(["".join(print_ref(p, printed) if isinstance(p, Ref) else p for p in seg.parts)])
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
