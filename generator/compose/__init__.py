"""Composition: the Word template rendered with the period's figures and narrative
(``render``), real footnotes (``footnotes``), the DOCX package (``package``), PDF (``pdf``)."""
from __future__ import annotations

from pathlib import Path

from ..outputs import atomic_write_bytes

TEMPLATE_FILE = "BC-UBND.docx"


def compose_report(ctx, res, path: Path) -> Path:
    from .render import render_docx
    data = render_docx(Path(ctx.templates) / TEMPLATE_FILE, ctx, res)
    atomic_write_bytes(path, data)
    return path
