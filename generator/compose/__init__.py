"""Composition: the Word template rendered with the period's figures and narrative
(``render``), real footnotes (``footnotes``), the DOCX package (``package``), PDF (``pdf``)."""
from __future__ import annotations

from pathlib import Path

from ..outputs import atomic_write_bytes

TEMPLATE_FILE = "BC-UBND.docx"


def render_report(ctx, res, draft: bool = False, annex=None) -> bytes:
    """The DOCX as bytes (with ``annex``: its landscape section after the signature); raises
    (TemplateProblems) before anything is written."""
    from .render import render_docx
    return render_docx(Path(ctx.templates) / TEMPLATE_FILE, ctx, res, draft, annex=annex)


def compose_report(ctx, res, path: Path) -> Path:
    atomic_write_bytes(path, render_report(ctx, res))
    return path
