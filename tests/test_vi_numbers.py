from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.vi_numbers import (NumberTextError, brief, format_number, format_percent, parse_number, round_half_up,
                                  safe_div)


@pytest.mark.parametrize("value, places, expected", [
    ("0.125", 2, "0.13"), ("0.135", 2, "0.14"), ("2.5", 0, "3"), ("3.5", 0, "4"),
    ("-2.5", 0, "-3"), ("-0.04", 1, "0.0"), ("-0.0", 2, "0.00"), ("77.45", 1, "77.5"),
])
def test_round_half_up_not_half_even(value, places, expected):
    assert str(round_half_up(Decimal(value), places)) == expected


@pytest.mark.parametrize("value, places, pad, expected", [
    (2945, 0, 0, "2.945"), (Decimal("599.676"), 3, 0, "599,676"), (Decimal("48406.9"), 1, 0, "48.406,9"),
    (5049, 1, 0, "5.049,0"), (2, 0, 2, "02"), (29, 0, 2, "29"), (1396001, 0, 0, "1.396.001"),
    (Decimal("-0.04"), 1, 0, "0,0"), (Decimal("-1234.56"), 1, 0, "-1.234,6"), (Decimal("0.125"), 2, 0, "0,13"),
])
def test_format_number(value, places, pad, expected):
    assert format_number(value, places, pad) == expected


def test_format_percent_has_no_space():
    assert format_percent(Decimal("77.5"), 1) == "77,5%"
    assert format_percent(53, 0) == "53%"
    assert format_percent(Decimal("32.755"), 2) == "32,76%"


@pytest.mark.parametrize("text, value, percent", [
    ("1.234,5", "1234.5", False), ("1234,5", "1234.5", False), ("1 234,5", "1234.5", False),
    ("77,5%", "77.5", True), ("12.345.678", "12345678", False), ("-3,2", "-3.2", False), ("0,125", "0.125", False),
])
def test_parse_accepts_vietnamese_forms(text, value, percent):
    got = parse_number(text)
    assert got.value == Decimal(value) and got.percent is percent and not got.ambiguous


@pytest.mark.parametrize("text", ["1.234", "1,234", "599,676"])
def test_parse_flags_ambiguous(text):
    assert parse_number(text).ambiguous


@pytest.mark.parametrize("text", ["1234.5", "1,234.5", "abc", "1.23.4", "12 34", "1,2,3", ""])
def test_parse_refuses_other_forms(text):
    with pytest.raises(NumberTextError) as e:
        parse_number(text)
    assert "«" in str(e.value)  # a Vietnamese message quoting the text


@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=3))
def test_format_then_parse_gives_the_value_back(value, places):
    rounded = round_half_up(value, places)
    assert parse_number(format_number(value, places)).value == rounded


def test_safe_div_zero_or_missing_base():
    assert safe_div(5, 0) is None and safe_div(None, 3) is None and safe_div(5, None) is None
    assert safe_div(3, 4) == Decimal("0.75")


def test_brief_quotes_the_text_as_written():
    """A long text is quoted by its first characters and its length; its own commas stay commas
    (only the length is written with Vietnamese thousands)."""
    text = "Số ước tính, chưa chính thức; " * 100
    got = brief(text, 40)
    assert got == text[:40].rstrip() + "… (3.000 ký tự)"
    assert got.count(",") == text[:40].count(",") == 1
    assert brief("1,5 tỷ", 40) == "1,5 tỷ"
