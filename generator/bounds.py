"""The bounded work of one department's file: whatever a workbook holds, checking it builds at
most ``PROBLEMS_PER_FILE`` problems (the rest are counted, never built, and one line says how
many), and reads at most ``NARRATIVE_CELL_CHARS`` characters of one narrative cell and
``NARRATIVE_FILE_CHARS`` of the whole file's narrative (past either, one error names the cell and
the limit). The counts of errors and warnings stay true: what is hidden is counted.

The intake of a file calls ``capped`` on its problems (``Budget`` carries what its narrative
check counted without building); the period's check calls it again once the problems found
later (the references against the figures) are known.
"""
from __future__ import annotations

from dataclasses import dataclass

from .problems import make

PROBLEMS_PER_FILE = 200          # problems kept and shown per file; the rest are counted
NARRATIVE_CELL_CHARS = 20_000    # one narrative cell
NARRATIVE_FILE_CHARS = 200_000   # a file's narrative, every cell together
SUMMARY = "too-many-problems"


class Found(list):
    """Problems collected up to ``limit``; past it only counted (``dropped`` errors,
    ``dropped_warnings``), never kept — and a caller that sees ``full`` builds none."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = limit
        self.dropped = 0
        self.dropped_warnings = 0

    @property
    def full(self) -> bool:
        """True once ``limit`` problems are kept: the caller should build no more."""
        return self.limit is not None and len(self) >= self.limit

    def append(self, problem) -> None:
        """Keep ``problem`` while not full; past the limit only count it (as a warning when its
        ``warning`` attribute says so, else as an error)."""
        if not self.full:
            super().append(problem)
        elif getattr(problem, "warning", False):
            self.dropped_warnings += 1
        else:
            self.dropped += 1


@dataclass
class Budget:
    """One file's narrative as it is checked: characters read so far, whether the file's limit
    was passed (nothing more is read), errors counted past the cap without being built."""
    chars: int = 0
    over: bool = False
    dropped: int = 0
    dropped_warnings: int = 0


def thousands(n: int) -> str:
    """``99.800``: a count as a Vietnamese reader writes it."""
    return f"{n:,}".replace(",", ".")


def counts(problems, hidden: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """(errors, warnings) of a file: those shown and those ``hidden`` past the cap."""
    shown = [p for p in problems if p.code != SUMMARY]
    errors = sum(p.is_error for p in shown)
    return errors + hidden[0], len(shown) - errors + hidden[1]


def capped(problems: list, hidden: tuple[int, int] = (0, 0), file: str = "",
           limit: int = PROBLEMS_PER_FILE) -> tuple[list, tuple[int, int]]:
    """(the first ``limit`` problems of a file — errors first, among them those that are not
    one markup mistake repeated (a length limit, a structural error), then in the file's
    order — and one line counting the rest; (errors, warnings) counted but not kept).
    ``hidden``: counted earlier and not kept (a line of an earlier call is replaced)."""
    problems = [p for p in problems if p.code != SUMMARY]
    if len(problems) <= limit and hidden == (0, 0):
        return problems, hidden
    order = sorted(range(len(problems)),
                   key=lambda i: (not problems[i].is_error, problems[i].code.startswith("markup-")))[:limit]
    kept = [problems[i] for i in sorted(order)]
    n_err, n_warn = counts(problems, hidden)
    k_err, k_warn = counts(kept)
    rest_err, rest_warn = n_err - k_err, n_warn - k_warn
    if not rest_err and not rest_warn:
        return kept, (0, 0)
    if rest_err and rest_warn:
        summary = make("too-many-problems:both", dict(file=file), errors=thousands(rest_err), warnings=thousands(rest_warn),
                       limit=limit)
    elif rest_err:
        summary = make("too-many-problems", dict(file=file), errors=thousands(rest_err), limit=limit)
    else:
        summary = make("too-many-problems:warnings", dict(file=file), warnings=thousands(rest_warn), limit=limit)
    return kept + [summary], (rest_err, rest_warn)
