"""Vietnamese number text, both ways. The one home of rounding for print.

* ``round_half_up`` — half-up rounding to a number of decimals (never Babel's half-even,
  never a negative zero).
* ``format_number`` / ``format_percent`` — ``2.945``, ``599,676``, ``48.406,9``, ``77,5%``,
  ``02`` (zero-padded small counts), through Babel's ``vi`` locale on an already rounded value.
* ``parse_number`` — strict reading of number text typed the Vietnamese way (``1.234,5``,
  ``1234,5``, ``1 234,5``, ``77,5%``); it refuses other forms and flags the ambiguous ones
  (``1.234`` could be one thousand two hundred and thirty-four or 1,234 in English style).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from functools import lru_cache

from babel import Locale
from babel.numbers import parse_pattern

LOCALE = "vi"


def to_decimal(value) -> Decimal:
    """Exact Decimal from an int, str, Decimal or float (floats via their shortest repr).
    ``TypeError`` for a bool; ``decimal.InvalidOperation`` for a text that is no number."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_half_up(value, places: int) -> Decimal:
    """Round half away from zero to ``places`` decimals; -0 becomes 0. Any finite value rounds
    (the precision grows with its digits); the reader keeps entered values, and ``compute`` the
    percentages, under ``workbooks.read.MAX_MAGNITUDE``, so what prints stays short."""
    value = to_decimal(value)
    with localcontext() as ctx:
        ctx.prec = _precision(value, places)
        ctx.rounding = ROUND_HALF_UP
        out = value.quantize(Decimal(1).scaleb(-places))
    if out.is_zero():
        out = abs(out)  # never print "-0,0"
    return out


def _precision(value: Decimal, places: int) -> int:
    """Digits enough to hold ``value`` rounded to ``places`` decimals (at least 60)."""
    return max(60, value.adjusted() + places + 3) if value.is_finite() else 60


def format_number(value, places: int = 0, pad: int = 0) -> str:
    """``2945 -> '2.945'``, ``(48406.9, 1) -> '48.406,9'``, ``(2, 0, pad=2) -> '02'`` (zero is never
    padded: ``0 vụ``)."""
    rounded = round_half_up(value, places)
    with localcontext() as ctx:
        ctx.prec = _precision(rounded, places)
        ctx.rounding = ROUND_HALF_UP
        text = _pattern(places).apply(rounded, _locale())
    if pad and rounded > 0 and rounded == rounded.to_integral_value() and places == 0:   # «05 vụ», never «00 vụ»
        text = text.zfill(pad)
    return text


@lru_cache(maxsize=None)
def _locale() -> Locale:
    return Locale.parse(LOCALE)


@lru_cache(maxsize=None)
def _pattern(places: int):
    """Babel's parsed pattern for a number of decimals (parsed once, not at every call)."""
    return parse_pattern("#,##0" + ("." + "0" * places if places > 0 else ""))


def format_plain(value) -> str:
    """A value as entered, Vietnamese style, without trailing zeros: ``1.234,5``, ``310``
    (for messages that quote what a department typed)."""
    text = format_number(value, 6)
    return text.rstrip("0").rstrip(",") if "," in text else text


def format_percent(value, places: int = 1) -> str:
    """``77.5 -> '77,5%'`` (no space before the sign)."""
    return format_number(value, places) + "%"


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text (``parse_number``): its exact Decimal ``value``; ``percent`` when
    the text ended with «%» (``value`` is then the number before it: ``77,5%`` → 77.5);
    ``ambiguous`` when the separators allow two readings."""
    value: Decimal
    percent: bool = False      # the text ended with "%"
    ambiguous: bool = False    # e.g. "1.234": Vietnamese 1234, or 1.234 in English style


def brief(text: str, limit: int = 50) -> str:
    """A cell's text as a message quotes it: whole when short, else its first ``limit``
    characters, «…» and its length (a 32.767-character paste stays one readable line)."""
    text = str(text)
    if len(text) <= limit:
        return text
    length = f"{len(text):,}".replace(",", ".")   # the count in Vietnamese digits, the quoted text as it is
    return f"{text[:limit].rstrip()}… ({length} ký tự)"


class NumberTextError(ValueError):
    """Text that is not a number written the Vietnamese way; the message is Vietnamese."""


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_VI = re.compile(r"""^(?P<sign>[-+−]?)
    (?P<int>\d{1,3}(?:\.\d{3})+|\d+)
    (?:,(?P<frac>\d+))?$""", re.X)


def parse_number(text: str) -> ParsedNumber:
    """Strictly read Vietnamese number text. Raises NumberTextError (Vietnamese message)."""
    raw = text
    text = text.strip()
    if any(ch.isalpha() for ch in text):
        raise NumberTextError(f"«{brief(raw)}» không phải là số (ví dụ hợp lệ: 1.234,5 hoặc 1234,5 hoặc 77,5%)")
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip()
    # "1 234,5": spaces may group thousands, but only in groups of three
    if _SPACES.search(text):
        parts = _SPACES.split(text)
        if not (parts[0].lstrip("-+−").isdigit() and len(parts[0].lstrip("-+−")) <= 3
                and all(len(p.split(",")[0]) == 3 and p.split(",")[0].isdigit() for p in parts[1:])):
            raise NumberTextError(f"«{brief(raw)}» không phải là số (khoảng trắng chỉ được dùng để phân nhóm hàng nghìn)")
        text = "".join(parts)
        if "." in text:
            raise NumberTextError(f"«{brief(raw)}» trộn khoảng trắng và dấu chấm để phân nhóm hàng nghìn")
    m = _VI.match(text)
    if not m:
        english = (re.match(r"^[-+−]?\d{1,3}(,\d{3})+(\.\d+)?$", text)
                   or re.match(r"^[-+−]?\d+\.\d+$", text))
        if english:
            raise NumberTextError(
                f"«{brief(raw)}» viết theo kiểu tiếng Anh; hãy dùng dấu chấm phân cách hàng nghìn và "
                f"dấu phẩy thập phân, ví dụ 1.234,5")
        raise NumberTextError(f"«{brief(raw)}» không phải là số (ví dụ hợp lệ: 1.234,5 hoặc 1234,5 hoặc 77,5%)")
    digits = m.group("int").replace(".", "")
    frac = m.group("frac")
    sign = "-" if m.group("sign") in ("-", "−") else ""
    value = Decimal(f"{sign}{digits}.{frac}" if frac else f"{sign}{digits}")
    # one separator followed by exactly three digits reads two ways (vi group / en decimal)
    single_dot = "." in m.group("int") and m.group("int").count(".") == 1 and not frac
    single_comma = (frac is not None and len(frac) == 3 and "." not in m.group("int")
                    and digits.lstrip("0") != "")
    ambiguous = single_dot or single_comma
    if value.is_zero():
        value = abs(value)
    return ParsedNumber(value, percent, ambiguous)


def safe_div(numerator, denominator) -> Decimal | None:
    """numerator / denominator, or None when the base is missing or zero (no 'inf')."""
    if numerator is None or denominator is None:
        return None
    numerator, denominator = to_decimal(numerator), to_decimal(denominator)
    if denominator.is_zero():
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        try:
            return numerator / denominator
        except InvalidOperation:
            return None
