"""Composition: the Word template rendered with the period's figures and narrative
(``render``), real footnotes (``footnotes``), the DOCX package (``package``), PDF (``pdf``)."""
from __future__ import annotations

from pathlib import Path

TEMPLATE_FILE = "BC-UBND.docx"


def render_report(ctx, res, draft: bool = False, annex=None) -> bytes:
    """The DOCX as bytes (with ``annex``: its own section after the signature); raises
    (TemplateProblems) before anything is written."""
    # deferred on purpose: docxtpl, Jinja2 and lxml load only to render
    from .render import render_docx  # noqa: PLC0415
    return render_docx(Path(ctx.templates) / TEMPLATE_FILE, ctx, res, draft, annex=annex)
