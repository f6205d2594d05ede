"""The one registry of what the narrative markup ``{MÃ:từ}`` can print: each word, what it
prints (a key of the figure's texts, or one of the phrases' composite forms), whether it is a
magnitude without its own direction word, and its Vietnamese explanation. The reader of the
narrative, the template's ``so()``, the workbook's «Hướng dẫn», the template checks and the
direction check all read this table; adding a comparison is adding a row.

(The values a workbook carries — plan, month, cumulative, last year's — are ``VALUES``; the
figures derived from them are computed in ``compute.derive``.)"""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import FLOW, INDEX, KIND_NAMES, RATE, STOCK

ALL = frozenset((FLOW, STOCK, INDEX, RATE))
LEVELS = frozenset((FLOW, STOCK))          # kinds with an absolute change and a month on month
NO_INDEX = frozenset((FLOW, STOCK, RATE))  # kinds with last year's values
WITH_YTD = frozenset((FLOW, INDEX, RATE))  # kinds with a year to date
# the values a department enters, in the order of the workbook's columns
VALUES = ("plan", "plan2", "month", "cumulative", "month_last_year", "cumulative_last_year")


@dataclass(frozen=True)
class Markup:
    """One word of the narrative's ``{MÃ:word}`` markup: what it prints (a phrases text key
    or a composite form), its Vietnamese explanation for the guide, the indicator kinds it
    applies to and what the indicator must have in the catalogue."""
    word: str                 # after the colon in {MÃ:word}; "" for {MÃ}
    prints: str               # "text:<key of phrases.texts>" or a composite form of phrases
    explain: str              # for the «Hướng dẫn» sheet and the README
    magnitude_only: bool = False   # a size without its direction: the writer's word must agree
    kinds: frozenset = ALL         # the indicator kinds (catalogue «Loại») the word applies to
    directed: bool = False         # prints its own direction word (tăng/giảm): none may be typed before it
    needs: str = ""                # what the indicator must have in the catalogue: "plan", "plan2", "parent"


MARKUP = (
    Markup("", "main", "số liệu chính (lũy kế; với chỉ tiêu thời điểm là số cuối kỳ)"),
    Markup("thang", "text:month", "số thực hiện tháng"),
    Markup("luyke", "text:cumulative", "lũy kế từ đầu năm", kinds=WITH_YTD),
    Markup("kehoach", "text:plan", "kế hoạch năm", needs="plan"),
    Markup("cungky", "main_last_year", "số cùng kỳ năm trước của số liệu chính", kinds=NO_INDEX),
    Markup("cungky_thang", "text:month_last_year", "số tháng cùng kỳ năm trước", kinds=NO_INDEX),
    Markup("cungky_luyke", "text:cumulative_last_year", "lũy kế cùng kỳ năm trước", kinds=frozenset((FLOW, RATE))),
    Markup("dat", "text:pct_plan", "tỷ lệ % kế hoạch (77,5%)", needs="plan"),
    Markup("dat2", "text:pct_plan2", "tỷ lệ % kế hoạch thứ hai (cột «Kế hoạch khác»: dự toán HĐND tỉnh giao…)", needs="plan2"),
    Markup("tang", "main_change", "tăng/giảm so với cùng kỳ (tăng 45%)", directed=True),
    Markup("tang_ck", "main_change_compare", "như trên, kèm «so với cùng kỳ»", directed=True),
    Markup("tang_thang", "text:yoy_month", "tăng/giảm của riêng số tháng", directed=True),
    Markup("tang_luyke", "text:yoy_cumulative", "tăng/giảm của lũy kế", kinds=WITH_YTD, directed=True),
    Markup("tyle_tang", "main_change_pct", "độ lớn của mức tăng/giảm, không kèm chữ (81,8%)", magnitude_only=True),
    Markup("chenh", "main_abs", "số tăng/giảm tuyệt đối, không kèm chữ (54)", magnitude_only=True, kinds=LEVELS),
    Markup("chenh_thang", "text:abs_change_month", "số tăng/giảm tuyệt đối của tháng, không kèm chữ",
           magnitude_only=True, kinds=LEVELS),
    Markup("tang_giam", "main_direction", "số tăng/giảm tuyệt đối kèm chữ chiều (tăng 54, giảm 3, bằng)", kinds=LEVELS, directed=True),
    Markup("bang_ck", "ratio_compare", "bằng bao nhiêu phần trăm cùng kỳ (bằng 105,3% so với cùng kỳ)", kinds=frozenset((FLOW, STOCK, INDEX))),
    Markup("bang_kh", "ratio_plan", "bằng bao nhiêu phần trăm kế hoạch (bằng 61,6% kế hoạch)", needs="plan"),
    Markup("tang_tt", "month_on_month", "tăng/giảm so với tháng trước (tăng 15,4% so với tháng trước)", kinds=LEVELS, directed=True),
    Markup("quy", "text:quarter", "số của quý (tháng cuối quý: tổng ba tháng của quý)", kinds=frozenset((FLOW,))),
    Markup("tang_quy", "quarter_change", "tăng/giảm của quý so với cùng quý năm trước", kinds=frozenset((FLOW,)), directed=True),
    Markup("tytrong", "text:share", "tỷ trọng trong chỉ tiêu cha", needs="parent"),
    Markup("cau", "sentence", "cả câu (2.945 triệu USD, đạt 77,5% kế hoạch, tăng 45% so với cùng kỳ)"),
)
BY_WORD = {m.word: m for m in MARKUP}
WORDS = tuple(m.word for m in MARKUP if m.word)
MAGNITUDE_ONLY = tuple(m.word for m in MARKUP if m.magnitude_only)
DIRECTED = tuple(m.word for m in MARKUP if m.directed)


def not_applicable(word: str, ind) -> str | None:
    """Why a markup word cannot apply to an indicator (Vietnamese, naming the word and the
    indicator's kind or what its catalogue row lacks), or None when it applies."""
    m = BY_WORD[word]
    shown = f"{{{ind.code}:{word}}}" if word else f"{{{ind.code}}}"
    if ind.kind not in m.kinds:
        fit = ", ".join(w for w in WORDS if ind.kind in BY_WORD[w].kinds and not _lacks(BY_WORD[w], ind))
        return (f"«{shown}»: từ «{word}» ({m.explain}) không dùng được cho chỉ tiêu loại «{ind.kind_name}»; "
                f"với loại này dùng một trong: {fit}")
    lack = _lacks(m, ind)
    if lack:
        return f"«{shown}»: từ «{word}» ({m.explain}) không dùng được vì {lack}"
    return None


def _lacks(m: Markup, ind) -> str | None:
    if m.needs == "plan" and not ind.has_plan:
        return f"chỉ tiêu «{ind.name}» không có kế hoạch (cột «Kế hoạch» của danh mục để trống)"
    if m.needs == "plan2" and not ind.plan2_word:
        return f"chỉ tiêu «{ind.name}» không có kế hoạch thứ hai (cột «Kế hoạch khác» của danh mục để trống)"
    if m.needs == "parent" and not ind.parent:
        return f"chỉ tiêu «{ind.name}» không thuộc chỉ tiêu cha nào (cột «Thuộc chỉ tiêu» để trống)"
    return None


def help_lines() -> list[str]:
    """Every markup word with its explanation, one per line (the workbook's «Hướng dẫn»)."""
    return [f"  {{MÃ{':' + m.word if m.word else ''}}} — {m.explain}" + _fits(m) for m in MARKUP]


def _fits(m: Markup) -> str:
    """`` (chỉ tiêu loại cộng dồn, thời điểm)`` for a word that some kinds cannot use."""
    if m.kinds == ALL:
        return ""
    return " (chỉ dùng cho chỉ tiêu loại " + ", ".join(KIND_NAMES[k] for k in (FLOW, STOCK, INDEX, RATE)
                                                        if k in m.kinds) + ")"
