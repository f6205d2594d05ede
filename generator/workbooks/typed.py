"""Figures typed into the web form, as a department workbook: the blank workbook ``init``
writes (same writer, same layout), its yellow cells filled with the typed values, its
«Thuyết minh» rows with the typed paragraphs. The form's submission then takes the very path
an upload takes (``web.department.accept_upload`` → ``pipeline.check``), so the folder,
``check``, ``build`` and the history see one kind of submission.

The workbook carries a mark in its document properties (``Keywords``): ``baocao-bieu-mau`` and
the SHA-256 of every other part of the file. When a workbook is read whose mark matches its
content (the form wrote it and nobody changed it since), its values' sources name the form's
fields (``form:<đơn vị>!<MÃ>!<cột>``) instead of cells; a workbook saved again by Excel has
other parts, so its sources are cells again, as for any upload.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

from ..vi_numbers import NumberTextError, parse_number
from . import layout
from .read import MAX_MAGNITUDE

MARK = "baocao-bieu-mau"
CORE = "docProps/core.xml"
FORM_NAME = "Biểu mẫu trên trang"        # the upload event's file name of a form submission
MAX_CORE_BYTES = 65536
MAX_FORM_BYTES = 20 * 2**20   # the form's workbooks are tens of kB unpacked


def cells_of(cat, department: str) -> dict:
    """(code, measure) -> cell of «Chỉ tiêu» in the department's workbook, as
    ``init.department_workbook`` lays it out (the columns of the measures its kind uses)."""
    # deferred on purpose: openpyxl loads only when the form's workbook is made
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    own = cat.of_department(department)
    headers = layout.headers_for(own)
    col = {title: get_column_letter(i + 1) for i, title in enumerate(headers)}
    out = {}
    for r, ind in enumerate(own, start=2):
        for measure in layout.measures_for(ind):
            out[(ind.code, measure)] = f"{col[layout.COLUMN_OF[measure]]}{r}"
        out[(ind.code, "note")] = f"{col[layout.COL_NOTE]}{r}"
    return out


def clean_text(text: str) -> str:
    """What a cell can hold: the characters openpyxl refuses (control characters) dropped."""
    # deferred on purpose: openpyxl loads only when the form's workbook is made
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def filled_workbook(cat, dept, period, settings, prefill: dict, values: dict, notes: dict,
                    narrative: list) -> bytes:
    """The department's workbook with ``values`` ({code: {measure: Decimal | str}}: a number,
    or the text as typed when it is not one, so the reader says what is wrong in its own
    words), ``notes`` ({code: text}) and ``narrative`` ([(section, text)], one row each).
    Returns the bytes of the .xlsx, marked as the form's."""
    # deferred on purpose: init's writer loads openpyxl
    from .init import department_workbook  # noqa: PLC0415
    wb = department_workbook(cat, dept, period, settings, prefill)
    ws, text = wb[layout.SHEET_DATA], wb[layout.SHEET_TEXT]
    cells = cells_of(cat, dept.code)
    for (code, measure), coord in cells.items():
        if measure == "note":
            ws[coord].value = clean_text(notes.get(code, "")) or None
            continue
        v = values.get(code, {}).get(measure)
        ws[coord].value = clean_text(v) if isinstance(v, str) else v   # None: a blank cell
    for i, (section, body) in enumerate(narrative, start=2):
        text.cell(i, 1).value = clean_text(section)
        text.cell(i, 2).value = clean_text(body)
    wb.properties.keywords = f"{MARK} {PLACEHOLDER}"
    buf = io.BytesIO()
    wb.save(buf)
    return _marked(buf.getvalue())


PLACEHOLDER = "0" * 64


def _marked(data: bytes) -> bytes:
    """The .xlsx with the placeholder of its mark replaced by the digest of its other parts
    (copied member by member: openpyxl does not save the same workbook twice alike)."""
    digest = _digest(data)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == CORE:
                body = body.replace(f"{MARK} {PLACEHOLDER}".encode(), f"{MARK} {digest}".encode())
            dst.writestr(info, body)
    return out.getvalue()


def _digest(data: bytes) -> str:
    """SHA-256 of every part of the .xlsx but its core properties (where the mark is)."""
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.filename == CORE:
                continue
            h.update(info.filename.encode() + b"\0")
            h.update(hashlib.sha256(z.read(info)).digest())
    return h.hexdigest()


def made_by_form(path: Path) -> bool:
    """True when the workbook is the form's, unchanged since (its mark matches its parts)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return False
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo(CORE)
            if info.file_size > MAX_CORE_BYTES:
                return False
            core = z.read(info).decode("utf-8", "replace")
            if sum(i.file_size for i in z.infolist()) > MAX_FORM_BYTES:
                return False   # far bigger than any workbook the form writes: not hashed
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    m = re.search(MARK + r" ([0-9a-f]{64})", core)
    if not m:
        return False
    try:
        return _digest(path.read_bytes()) == m.group(1)
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def name_form_fields(data, path: Path) -> None:
    """A workbook the form wrote: each value's source names the form's field
    (``form:<đơn vị>!<MÃ>!<cột>``) — the cell stays in the source for problems and the store."""
    if data is None or not made_by_form(path):
        return
    for code, srcs in data.sources.items():
        for measure, src in list(srcs.items()):
            if getattr(src, "entered", False) and measure in layout.COLUMN_OF:
                srcs[measure] = replace(src, form=f"{data.department}!{code}!{layout.COLUMN_OF[measure]}")
    for code, src in data.note_sources.items():
        data.note_sources[code] = replace(src, form=f"{data.department}!{code}!{layout.COL_NOTE}")


def typed_number(text: str, unit: str):
    """A figure typed into the form: a Decimal; the text itself when it is no number (the
    reader then says what is wrong, in the workbook check's words); None when blank. Typed the
    Vietnamese way: ``1.234,5``, ``1234,5``, ``1 234,5``; in a form that asks for this way,
    ``1.234`` is one thousand two hundred and thirty-four and ``612,345`` is 612 point 345 (the
    workbook's «ambiguous» reading of a text cell does not arise). ``77,5%`` is 77,5 for an
    indicator counted in %."""
    text = " ".join(str(text or "").split())
    if not text:
        return None
    try:
        got = parse_number(text)
    except NumberTextError:
        return text
    if got.percent and unit.strip() != "%":
        return text      # the reader explains a percentage typed for another unit
    if abs(got.value) >= MAX_MAGNITUDE:
        return text      # past what a cell keeps: the reader says so of the text as typed
    return got.value
