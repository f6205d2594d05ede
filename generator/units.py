"""Unit conversions the office declares: ``templates/doi-don-vi.csv`` (columns «Từ đơn vị»,
«Sang đơn vị», «Nhân với»), a small table edited in Excel. A value entered in one unit is
never carried, compared or divided in another unit unless this table says how to convert it.

``UnitTable.factor(a, b)`` is the exact factor from ``a`` to ``b``: 1 for the same unit, the
declared factor, or the inverse of the reverse declaration; None when nothing is declared.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .officecsv import read_csv
from .problems import Problem, make, quoted
from .vi_numbers import NumberTextError, parse_number

UNITS_FILE = "doi-don-vi.csv"
COLUMNS = ("Từ đơn vị", "Sang đơn vị", "Nhân với")


def same_unit(a: str | None, b: str | None) -> bool:
    """True when two unit texts are one unit (Unicode NFC, spaces and case aside; None is ``""``)."""
    return norm_unit(a) == norm_unit(b)


def norm_unit(u: str | None) -> str:
    """A unit as compared: NFC, single spaces, case-folded (``"Nghìn  Tấn"`` → ``"nghìn tấn"``)."""
    return " ".join(unicodedata.normalize("NFC", u or "").split()).casefold()


@dataclass
class UnitTable:
    """The office's declared conversions: ``factors`` maps (from, to), both ``norm_unit``-ed, to
    the exact Decimal multiplier read from ``doi-don-vi.csv``."""
    factors: dict = field(default_factory=dict)   # (from, to) normalised -> Decimal

    def factor(self, src: str | None, dst: str | None) -> Decimal | None:
        """The exact Decimal factor from unit ``src`` to ``dst``: 1 for the same unit, the declared
        factor, or 1/the reverse one; None when the table declares neither."""
        a, b = norm_unit(src), norm_unit(dst)
        if a == b:
            return Decimal(1)
        if (a, b) in self.factors:
            return self.factors[(a, b)]
        if (b, a) in self.factors:
            return Decimal(1) / self.factors[(b, a)]
        return None

    def in_unit(self, value: Decimal, unit: str | None, target: str | None) -> Decimal | None:
        """The one rule for carrying, comparing or summing an earlier value in today's unit:
        as entered when the units are the same (or it was stored without one), converted by
        the office's table otherwise; None when the table has no way (never carried as is)."""
        if unit is None or same_unit(unit, target):
            return value
        return self.convert(value, unit, target)

    def convert(self, value: Decimal, src: str | None, dst: str | None) -> Decimal | None:
        """``value`` (Decimal, in ``src``) in ``dst`` as a plain Decimal (``plain``); None when the
        table has no factor."""
        f = self.factor(src, dst)
        return None if f is None else plain(value * f)


def plain(v: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 48995 * 0.001 -> 48.995, 2.5 * 1000 -> 2500."""
    v = v.normalize()
    return v.quantize(Decimal(1)) if v == v.to_integral_value() else v


def load_units(templates: Path, problems: list[Problem]) -> UnitTable:
    """The table of ``templates/doi-don-vi.csv``; no file: no conversions (every unit change is
    then an error or a blank, never a silent carry)."""
    path = Path(templates) / UNITS_FILE
    table = UnitTable()
    if not path.exists():
        return table
    got = read_csv(path, problems)
    if not got:
        return table
    rows, header = got
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(make("catalogue-column:several", dict(file=path.name, line=1), columns=quoted(missing)))
        return table
    for n, row in rows:
        src, dst, text = row["Từ đơn vị"], row["Sang đơn vị"], row["Nhân với"]
        where = dict(file=path.name, line=n, column="Nhân với")
        if not src or not dst:
            problems.append(make("unit-row", dict(file=path.name, line=n)))
            continue
        try:
            parsed = parse_number(text)
            if parsed.ambiguous or parsed.percent or parsed.value <= 0:
                raise NumberTextError("")
        except NumberTextError:
            problems.append(make("unit-factor", where, text=text))
            continue
        key = (norm_unit(src), norm_unit(dst))
        if key in table.factors or key[::-1] in table.factors:
            problems.append(make("unit-duplicate", where, src=src, dst=dst))
            continue
        table.factors[key] = parsed.value
    return table
