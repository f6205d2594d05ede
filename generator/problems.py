"""Problems are data: every stage returns a list of them, never raises one at a time.

A Problem has a stable code, a severity (``lỗi`` blocks the build, ``cảnh báo`` does not),
a Vietnamese message saying what is wrong and what is expected, and its place.
The CLI table, ``kiem-tra.xlsx`` and (later) the web page are renderings of the same list.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "lỗi"
WARNING = "cảnh báo"


@dataclass(frozen=True)
class Problem:
    """One problem and one structured position: a workbook cell (``sheet`` + ``cell``, always an
    A1 reference a link can open), or a line of a CSV file / a row of a sheet (``line``, with
    the CSV ``column`` title when it is one cell of that line). ``department``: whose file."""
    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    indicator: str = ""
    line: int = 0
    column: str = ""
    department: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def position(self) -> str:
        """Within the file, as a clerk reads it: ``F3``, ``dòng 8, cột Loại``, ``dòng 3``."""
        if self.cell:
            return self.cell
        if self.line:
            return f"dòng {self.line}" + (f", cột {self.column}" if self.column else "")
        return ""

    @property
    def place(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.position) if p]
        return "!".join(parts)

    def to_dict(self) -> dict:
        return dict(asdict(self), position=self.position)

    def __str__(self) -> str:  # one line, as the CLI prints it
        where = self.place
        code = f" [{self.indicator}]" if self.indicator else ""
        return f"{self.severity.upper()}: {where}{code}: {self.message}" if where else \
            f"{self.severity.upper()}{code}: {self.message}"


def error(code: str, message: str, **place) -> Problem:
    return Problem(code, ERROR, message, **place)


def warning(code: str, message: str, **place) -> Problem:
    return Problem(code, WARNING, message, **place)


def has_errors(problems) -> bool:
    return any(p.is_error for p in problems)


class BaocaoError(Exception):
    """A failure that is not the inputs' fault (template, settings, missing program).

    Its message is Vietnamese and shown to the user as is; the CLI exits 3.
    """


class InputError(BaocaoError):
    """The inputs (catalogue, workbooks) have errors; ``problems`` lists them all. Exit 1."""

    def __init__(self, message: str, problems=()):
        super().__init__(message)
        self.problems = list(problems)
