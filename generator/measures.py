"""The one registry of what the narrative markup ``{MÃ:từ}`` can print: each word, what it
prints (a key of the figure's texts, or one of the phrases' composite forms), whether it is a
magnitude without its own direction word, and its Vietnamese explanation. The reader of the
narrative, the template's ``so()``, the workbook's «Hướng dẫn», the template checks and the
direction check all read this table; adding a comparison is adding a row.

(The values a workbook carries — plan, month, cumulative, last year's — are ``VALUES``; the
figures derived from them are computed in ``compute.derive``.)"""
from __future__ import annotations

from dataclasses import dataclass

# the values a department enters, in the order of the workbook's columns
VALUES = ("plan", "plan2", "month", "cumulative", "month_last_year", "cumulative_last_year")


@dataclass(frozen=True)
class Markup:
    word: str                 # after the colon in {MÃ:word}; "" for {MÃ}
    prints: str               # "text:<key of phrases.texts>" or a composite form of phrases
    explain: str              # for the «Hướng dẫn» sheet and the README
    magnitude_only: bool = False   # a size without its direction: the writer's word must agree


MARKUP = (
    Markup("", "main", "số liệu chính (lũy kế; với chỉ tiêu thời điểm là số cuối kỳ)"),
    Markup("thang", "text:month", "số thực hiện tháng"),
    Markup("luyke", "text:cumulative", "lũy kế từ đầu năm"),
    Markup("kehoach", "text:plan", "kế hoạch năm"),
    Markup("cungky", "main_last_year", "số cùng kỳ năm trước của số liệu chính"),
    Markup("cungky_thang", "text:month_last_year", "số tháng cùng kỳ năm trước"),
    Markup("cungky_luyke", "text:cumulative_last_year", "lũy kế cùng kỳ năm trước"),
    Markup("dat", "text:pct_plan", "tỷ lệ % kế hoạch (77,5%)"),
    Markup("dat2", "text:pct_plan2", "tỷ lệ % kế hoạch thứ hai (cột «Kế hoạch khác»: dự toán HĐND tỉnh giao…)"),
    Markup("tang", "main_change", "tăng/giảm so với cùng kỳ (tăng 45%)"),
    Markup("tang_ck", "main_change_compare", "như trên, kèm «so với cùng kỳ»"),
    Markup("tang_thang", "text:yoy_month", "tăng/giảm của riêng số tháng"),
    Markup("tang_luyke", "text:yoy_cumulative", "tăng/giảm của lũy kế"),
    Markup("tyle_tang", "main_change_pct", "độ lớn của mức tăng/giảm, không kèm chữ (81,8%)", magnitude_only=True),
    Markup("chenh", "main_abs", "số tăng/giảm tuyệt đối, không kèm chữ (54)", magnitude_only=True),
    Markup("chenh_thang", "text:abs_change_month", "số tăng/giảm tuyệt đối của tháng, không kèm chữ",
           magnitude_only=True),
    Markup("tang_giam", "main_direction", "số tăng/giảm tuyệt đối kèm chữ chiều (tăng 54, giảm 3, bằng)"),
    Markup("bang_ck", "ratio_compare", "bằng bao nhiêu phần trăm cùng kỳ (bằng 105,3% so với cùng kỳ)"),
    Markup("bang_kh", "ratio_plan", "bằng bao nhiêu phần trăm kế hoạch (bằng 61,6% kế hoạch)"),
    Markup("tang_tt", "month_on_month", "tăng/giảm so với tháng trước (tăng 15,4% so với tháng trước)"),
    Markup("quy", "text:quarter", "số của quý (tháng cuối quý: tổng ba tháng của quý)"),
    Markup("tang_quy", "quarter_change", "tăng/giảm của quý so với cùng quý năm trước"),
    Markup("tytrong", "text:share", "tỷ trọng trong chỉ tiêu cha"),
    Markup("cau", "sentence", "cả câu (2.945 triệu USD, đạt 77,5% kế hoạch, tăng 45% so với cùng kỳ)"),
)
BY_WORD = {m.word: m for m in MARKUP}
WORDS = tuple(m.word for m in MARKUP if m.word)
MAGNITUDE_ONLY = tuple(m.word for m in MARKUP if m.magnitude_only)


def help_lines() -> list[str]:
    """Every markup word with its explanation, one per line (the workbook's «Hướng dẫn»)."""
    return [f"  {{MÃ{':' + m.word if m.word else ''}}} — {m.explain}" for m in MARKUP]
