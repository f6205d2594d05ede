"""The build's context: the period, its folders, the settings in force for it and the
catalogue. ``pipeline.open_context`` makes one; every stage below the API reads it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalogue import Catalogue
from .periods import Period
from .settings import Settings


@dataclass
class Context:
    """What every stage of one command reads: the ``period`` (None for a command of no one
    period), the folders (``inputs``, ``out``, ``templates``), the settings in force for the
    period, the catalogue in force, the store's path (None: none) and why these templates."""
    period: Period | None   # None: a command of no one period (pipeline.open_office)
    inputs: Path
    out: Path
    templates: Path
    settings: Settings   # in force for ``period`` ([[theo_ky]] blocks applied)
    catalogue: Catalogue
    db: Path | None = None   # the history store; None: work from the workbooks alone
    templates_origin: str = ""  # why these templates: --templates, ./templates or the package's

    @property
    def period_inputs(self) -> Path:
        """``<inputs>/<YYYY-MM>/``: the period's workbooks."""
        return self.inputs / str(self.period)

    @property
    def period_out(self) -> Path:
        """``<out>/<YYYY-MM>/``: the period's outputs (report, figures.json, kiem-tra.xlsx)."""
        return self.out / str(self.period)
