"""Where a value came from: a cell of a workbook (the period's own, or an earlier period's),
or a submission recorded in the history store. One type, so that no stage splits text back
apart; ``figures.json`` writes it as text (``str``):

* ``<file>!<sheet>!<cell>`` — the period's workbook, e.g. ``so-cong-thuong.xlsx!Chỉ tiêu!F3``;
* ``<YYYY-MM>/<file>!<sheet>!<cell>`` — an earlier period's workbook (month on month);
* ``store:<revision>`` — a submission in the history store;
* ``form:<department>!<CODE>!<column>`` — a field of the web form (the workbook the form wrote
  keeps the cell, for problems and the store).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True)
class Source:
    """Where one value came from: a workbook cell (``file``, ``sheet``, ``cell``; ``period`` when
    the workbook is an earlier period's), a store submission (``revision``), or a web form
    field (``form``). ``str`` gives the figures.json text (module docstring)."""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    period: str = ""              # an earlier period's workbook ("": the period's own)
    revision: int | None = None   # a submission in the history store
    form: str = ""                # typed into the web form: "<department>!<CODE>!<column>"

    @classmethod
    def workbook(cls, file: str, sheet: str, cell: str) -> Source:
        """A cell of the period's own workbook: ``so-y-te.xlsx``, ``Chỉ tiêu``, ``F3``."""
        return cls(file, sheet, cell)

    @classmethod
    def stored(cls, revision: int) -> Source:
        """A value of the store's submission ``revision``."""
        return cls(revision=revision)

    def of_period(self, period) -> Source:
        """The same cell, in the workbook of an earlier period."""
        return replace(self, period=str(period))

    @property
    def entered(self) -> bool:
        """Typed into the period's own workbook (not carried from the store or another period)."""
        return self.revision is None and not self.period

    @property
    def place(self) -> dict:
        """``file``, ``sheet``, ``cell`` for a problem about this value (empty from the store)."""
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell} if self.file else {}

    def __str__(self) -> str:
        if self.revision is not None:
            return f"store:{self.revision}"
        text = f"form:{self.form}" if self.form else f"{self.file}!{self.sheet}!{self.cell}"
        return f"{self.period}/{text}" if self.period else text


def entered(source) -> bool:
    """True for a value typed into the period's own workbook; False for one carried in."""
    return isinstance(source, Source) and source.entered


@dataclass(frozen=True)
class Entered:
    """What a period holds for one indicator before computing: its values by measure
    (``month``, ``cumulative``, ``plan``, …, and ``month_previous``, ``quarter``,
    ``quarter_last_year`` carried in; Decimal), the source of each (a Source, or a text for a
    sum) and, for a value from the store, the submission's revision; the department's «Ghi chú»
    on the indicator's row and its Source."""
    values: dict = field(default_factory=dict)      # measure -> Decimal | None
    sources: dict = field(default_factory=dict)     # measure -> Source (or a text)
    revisions: dict = field(default_factory=dict)   # measure -> int
    note: str = ""                                  # the department's «Ghi chú»
    note_source: object = None                      # the Source of its cell (or form field)

    def adding(self, values: dict, sources: dict, revisions: dict | None = None) -> "Entered":
        """The same with more measures (a measure given again replaces the one held)."""
        return Entered({**self.values, **values}, {**self.sources, **sources}, {**self.revisions, **(revisions or {})},
                       self.note, self.note_source)


class Sourced(NamedTuple):
    """A value carried into a period (an earlier month, a quarter's months) with its source
    and, when it came from the store, the submission's revision."""
    value: Decimal
    source: object        # a Source; for a sum, the text naming each month's source
    revision: int | None = None

