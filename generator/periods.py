"""Reporting periods and their Vietnamese phrases; Decree 30 dates.

The wording lives in the settings (``[cach_goi_ky]``, ``[cach_goi_ky_de_muc]``,
``[cach_viet]``); this module holds the mechanism once.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True, order=True)
class Period:
    """A monthly reporting period: ``year`` (four digits) and ``month`` (1–12); ordered in time,
    written ``YYYY-MM`` (``str``), the key of folders (``inputs/2023-08/``) and of the store."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        """``YYYY-MM`` exactly (a folder's or the store's key); ``ValueError`` with a Vietnamese
        message otherwise."""
        m = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"Kỳ báo cáo «{text}» không hợp lệ: cần dạng YYYY-MM, ví dụ 2023-08")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def from_text(cls, text: str) -> "Period":
        """A period as people write it: ``2026-11``, ``11/2026``, ``11-2026``, ``11.2026``,
        ``tháng 11/2026``, ``Tháng 11 năm 2026``, ``T11/2026``. ``ValueError`` (Vietnamese)
        otherwise. (Folder and store keys stay ``YYYY-MM``: ``parse``.)"""
        raw = " ".join(unicodedata.normalize("NFC", text or "").split())
        low = raw.lower()
        low = re.sub(r"^(tháng|thang|t)\s*", "", low)
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", low) or None
        if m:
            year, month = int(m.group(1)), int(m.group(2))
        else:
            m = re.fullmatch(r"(\d{1,2})\s*(?:[/.\-]|\s+năm\s+|\s+nam\s+|\s)\s*(\d{4})", low)
            if not m:
                raise ValueError(f"Kỳ báo cáo «{raw}» không hợp lệ: hãy ghi tháng và năm, ví dụ «11/2026», "
                                 f"«tháng 11/2026» hoặc «2026-11»")
            month, year = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"Kỳ báo cáo «{raw}» không hợp lệ: tháng phải từ 1 đến 12")
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def quarter(self) -> int:
        """The calendar quarter, 1–4."""
        return (self.month - 1) // 3 + 1

    def next(self) -> "Period":
        """The following month (December → January of the next year)."""
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> "Period":
        """The month before (January → December of the year before)."""
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    @classmethod
    def parse_range(cls, text: str) -> list["Period"]:
        """``2023-08`` or ``2023-01..2023-12`` (every period in between, in order), each end in any
        form ``from_text`` reads; ``ValueError`` (Vietnamese) for a bad end or a reversed range."""
        if ".." not in (text or ""):
            return [cls.from_text(text)]
        first, last = (cls.from_text(t) for t in text.split("..", 1))
        if last < first:
            raise ValueError(f"Khoảng kỳ «{text}» không hợp lệ: kỳ cuối đứng trước kỳ đầu")
        out = [first]
        while out[-1] < last:
            out.append(out[-1].next())
        return out

    def same_month_last_year(self) -> "Period":
        """The same month a year earlier: the period of «cùng kỳ»."""
        return Period(self.year - 1, self.month)

    def coverage(self, first_day: int = 15, last_day: int = 14) -> tuple[dt.date, dt.date, dt.date]:
        """(start of the month's figures, end, start of the year-to-date figures):
        the 15th of the previous month to the 14th of this one; the year from 15 December."""
        prev = self.previous()
        start = dt.date(prev.year, prev.month, first_day)
        end = dt.date(self.year, self.month, last_day)
        ytd = dt.date(self.year - 1, 12, first_day)
        return start, end, ytd


def month_text(month: int) -> str:
    """Decree 30: months 1 and 2 are written with a leading zero, the others not."""
    return f"{month:02d}" if month <= 2 else str(month)


def day_text(day: int) -> str:
    """Decree 30: days below 10 are written with a leading zero."""
    return f"{day:02d}"


def date_long(d: dt.date) -> str:
    """``ngày 05 tháng 01 năm 2024``."""
    return f"ngày {day_text(d.day)} tháng {month_text(d.month)} năm {d.year}"


def date_short(d: dt.date) -> str:
    """``15/12/2022`` as the reference writes dates inside sentences."""
    return f"{d.day}/{d.month}/{d.year}"


def _fields(period: Period) -> dict:
    return {"thang": month_text(period.month), "so_thang": str(period.month),
            "quy": ROMAN[period.quarter], "nam": str(period.year)}


def _pattern(table: dict, month: int) -> str:
    return table.get(f"thang_{month}", table["mac_dinh"])


def period_phrase(period: Period, settings: dict, with_year: bool = True, heading: bool = False) -> str:
    """``tháng 8 và 8 tháng đầu năm 2023``; ``heading=True`` gives the heading variant
    upper-cased (``THÁNG 8 VÀ 8 THÁNG NĂM 2023``)."""
    table = settings["cach_goi_ky_de_muc" if heading else "cach_goi_ky"]
    fields = _fields(period)
    year = f"năm {period.year}"
    fields.update(nam=year if with_year else "năm", nam_le=year if with_year else "")
    text = " ".join(_pattern(table, period.month).format(**fields).split())
    return text.upper() if heading else text


def task_phrase(period: Period, settings: dict) -> str:
    """``nhiệm vụ trọng tâm tháng 9 năm 2023`` — the month after the period (year rollover)."""
    return settings["cach_viet"]["nhiem_vu"].format(**_fields(period.next()))


def subject_line(period: Period, settings: dict) -> str:
    """The subject (trích yếu). The period phrase leaves out its year when the task phrase
    names the same year later in the sentence."""
    same_year = period.next().year == period.year
    return settings["cach_viet"]["trich_yeu"].format(
        ky=period_phrase(period, settings, with_year=not same_year),
        nhiem_vu=task_phrase(period, settings))
