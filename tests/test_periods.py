import datetime as dt

import pytest

from generator.periods import Period, date_long, period_phrase, subject_line, task_phrase
from generator.settings import load_settings

S = load_settings()

# written out by hand from DOMAIN.md and the issue, not produced by the code
PHRASES = {
    1: "tháng 01 năm {y}", 2: "tháng 02 và 2 tháng đầu năm {y}", 3: "tháng 3 và quý I năm {y}",
    4: "tháng 4 và 4 tháng đầu năm {y}", 5: "tháng 5 và 5 tháng đầu năm {y}",
    6: "tháng 6, quý II và 6 tháng đầu năm {y}", 7: "tháng 7 và 7 tháng đầu năm {y}",
    8: "tháng 8 và 8 tháng đầu năm {y}", 9: "tháng 9, quý III và 9 tháng năm {y}",
    10: "tháng 10 và 10 tháng đầu năm {y}", 11: "tháng 11 và 11 tháng đầu năm {y}",
    12: "tháng 12, quý IV và năm {y}",
}
HEADINGS = {1: "THÁNG 01 NĂM {y}", 2: "THÁNG 02 VÀ 2 THÁNG NĂM {y}", 3: "THÁNG 3 VÀ QUÝ I NĂM {y}",
            6: "THÁNG 6, QUÝ II VÀ 6 THÁNG NĂM {y}", 8: "THÁNG 8 VÀ 8 THÁNG NĂM {y}",
            9: "THÁNG 9, QUÝ III VÀ 9 THÁNG NĂM {y}", 12: "THÁNG 12, QUÝ IV VÀ NĂM {y}"}
TASK_MONTH = {1: "02", 2: "3", 3: "4", 4: "5", 5: "6", 6: "7", 7: "8", 8: "9", 9: "10", 10: "11", 11: "12"}


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("month", range(1, 13))
def test_period_phrase_every_month(year, month):
    assert period_phrase(Period(year, month), S) == PHRASES[month].format(y=year)
    if month in HEADINGS:
        assert period_phrase(Period(year, month), S, heading=True) == HEADINGS[month].format(y=year)
    if month == 12:
        assert task_phrase(Period(year, 12), S) == f"nhiệm vụ trọng tâm tháng 01 năm {year + 1}"
    else:
        assert task_phrase(Period(year, month), S) == f"nhiệm vụ trọng tâm tháng {TASK_MONTH[month]} năm {year}"


def test_subject_line_leaves_out_the_year_named_later():
    assert subject_line(Period(2023, 8), S) == ("Tình hình kinh tế - xã hội tháng 8 và 8 tháng đầu năm, "
                                               "nhiệm vụ trọng tâm tháng 9 năm 2023")
    assert subject_line(Period(2023, 12), S) == ("Tình hình kinh tế - xã hội tháng 12, quý IV và năm 2023, "
                                                "nhiệm vụ trọng tâm tháng 01 năm 2024")


@pytest.mark.parametrize("d, expected", [
    (dt.date(2024, 1, 5), "ngày 05 tháng 01 năm 2024"), (dt.date(2023, 8, 15), "ngày 15 tháng 8 năm 2023"),
    (dt.date(2023, 2, 28), "ngày 28 tháng 02 năm 2023"), (dt.date(2023, 12, 9), "ngày 09 tháng 12 năm 2023"),
])
def test_decree_30_dates(d, expected):
    assert date_long(d) == expected


@pytest.mark.parametrize("text", ["2023-13", "2023-8", "23-08", "", "2023/08"])
def test_bad_period(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse(text)


@pytest.mark.parametrize("text", ["11/2026", "tháng 11/2026", "Tháng 11 năm 2026", "2026-11", "T11/2026", "11-2026",
                                  " 11 / 2026 "])
def test_a_period_as_people_write_it(text):
    assert str(Period.from_text(text)) == "2026-11"


@pytest.mark.parametrize("text, fragment", [("13/2026", "tháng phải từ 1 đến 12"), ("2026/11", "ví dụ «11/2026»"),
                                            ("", "ví dụ «11/2026»")])
def test_a_period_that_is_not_one_is_a_sentence(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        Period.from_text(text)


def test_the_cli_takes_a_period_as_people_write_it(tmp_path):
    from .conftest import ROOT, run_cli
    proc = run_cli("check", "--period", "tháng 8/2023", "--inputs", ROOT / "inputs", "--out", tmp_path / "out",
                   "--db", "")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "2023-08" / "kiem-tra.xlsx").exists()
