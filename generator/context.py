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
        return self.inputs / str(self.period)

    @property
    def period_out(self) -> Path:
        return self.out / str(self.period)
