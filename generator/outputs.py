"""Output files: written to a temporary file beside the target and renamed into place, so a
failed build leaves the previous good output intact. figures.json, kiem-tra.xlsx; the list of
a build's outputs (``OUTPUTS``: the report, its PDF, figures.json, the annex workbook, and a
draft's DOCX and PDF under their own names)."""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .files import OUTPUT_MODE, atomic_save_workbook, atomic_write_bytes  # noqa: F401  (also importable from here, as before files.py)
from .printed import PeriodTexts
from .problems import NOTE_LABEL, meaning


@dataclass(frozen=True)
class Output:
    """One file a build writes into ``<out>/<YYYY-MM>/``: the build, the PDF step and the web's
    downloads all take names and media types from ``OUTPUTS``."""
    kind: str
    label: str          # as the web lists it
    media: str
    draft: bool = False   # a draft's file (build --du-thao): never the final's name

    def name(self, settings: dict, period) -> str:
        """The file's name in the period's output folder, from ``[co_quan] ten_tep`` for the
        report and its PDF and drafts (``BC-UBND-2023-08.docx``), fixed for the others."""
        docx = settings["co_quan"]["ten_tep"].format(ky=str(period))
        draft = str(Path(docx).with_name(Path(docx).stem + DRAFT_SUFFIX + ".docx"))
        return {"docx": docx, "pdf": str(Path(docx).with_suffix(".pdf")), "json": "figures.json",
                "annex": f"phu-luc-{period}.xlsx", "draft": draft,
                "draft-pdf": str(Path(draft).with_suffix(".pdf"))}[self.kind]


DRAFT_SUFFIX = "-du-thao"   # BC-UBND-2023-08-du-thao.docx: a draft never takes the final's place
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OUTPUTS = (
    Output("docx", "Báo cáo (DOCX)", DOCX_MEDIA),
    Output("pdf", "Báo cáo (PDF)", "application/pdf"),
    Output("json", "Số liệu (figures.json)", "application/json"),
    Output("annex", "Phụ lục (Excel)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    Output("draft", "Dự thảo (DOCX)", DOCX_MEDIA, draft=True),
    Output("draft-pdf", "Dự thảo (PDF)", "application/pdf", draft=True),
)
OUTPUT_OF = {o.kind: o for o in OUTPUTS}


def output_path(out: Path, settings: dict, period, kind: str) -> Path:
    """``<out>/<YYYY-MM>/<name>`` of the output ``kind`` (``docx``, ``pdf``, ``json``, ``annex``,
    ``draft``, ``draft-pdf``); ``KeyError`` for another kind."""
    return Path(out) / str(period) / OUTPUT_OF[kind].name(settings, period)


MANIFEST = "lap-bao-cao.json"   # the last build's outputs, as one set with its time and warnings
DRAFT_MANIFEST = "lap-du-thao.json"   # the last draft's (build --du-thao), kept apart from the final's


def write_manifest(folder: Path, files: dict, warnings: list, at: str, read_at: str = "",
                   inputs: dict | None = None, draft: bool = False) -> None:
    """``at``: when the outputs were written; ``read_at``: when the build started reading its
    inputs; ``inputs``: {period: {department: SHA-256}} of the workbooks and submissions it read
    (the period's and the earlier periods'), which the dashboard compares with what is there now;
    ``draft``: a draft's manifest, kept apart from the final's."""
    doc = {"time": at, "read_at": read_at or at, "files": {k: Path(v).name for k, v in files.items()},
           "warnings": [p.to_dict() for p in warnings], "inputs": inputs or {}}
    write_json(Path(folder) / (DRAFT_MANIFEST if draft else MANIFEST), doc)


def read_manifest(folder: Path, draft: bool = False) -> dict | None:
    """The last build's manifest (``lap-bao-cao.json``, or the draft's) as a dict; None when
    there is none or it cannot be read."""
    try:
        return json.loads((Path(folder) / (DRAFT_MANIFEST if draft else MANIFEST)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def forget_manifest(folder: Path, draft: bool = False) -> None:
    """A build starting: until it finishes, no earlier output (of its kind: final or draft) is
    offered as current."""
    try:
        (Path(folder) / (DRAFT_MANIFEST if draft else MANIFEST)).unlink()
    except FileNotFoundError:
        pass


def _num(v):
    if v is None:
        return None
    if isinstance(v, Decimal):
        i = v.to_integral_value()
        return int(i) if v == i else float(v)
    return v


def figures_document(period, printed: PeriodTexts, settings: dict) -> dict:
    """The figures contract (README) of ``printed`` (the period's figures with their printed
    texts): values and derived as JSON numbers from the exact decimals, text exactly as
    printed (``FigureTexts.texts``), sources as ``<file>!<sheet>!<cell>``; ``settings``: the
    settings in force for the period (``Settings.record``)."""
    out = []
    for code, got in printed.items():
        fig, ind = got.figure, got.indicator
        out.append({
            "code": code, "name": ind.name, "unit": ind.unit, "department": ind.department,
            "kind": ind.kind,
            "values": {k: _num(v) for k, v in fig.values.items() if v is not None},
            "derived": {k: _num(v) for k, v in fig.derived.items() if v is not None},
            "text": dict(got.texts),
            "sources": {k: str(v) for k, v in sorted(fig.sources.items())},
        })
        if fig.note:   # the department's «Ghi chú», and its cell among the sources
            out[-1]["note"] = fig.note
            if fig.note_source is not None:
                out[-1]["sources"]["note"] = str(fig.note_source)
        if fig.revisions:
            out[-1]["revisions"] = dict(sorted(fig.revisions.items()))
    return {"period": str(period), "indicators": out, "settings": settings.record()}


def write_json(path: Path, doc: dict) -> None:
    """``doc`` as UTF-8 JSON (one-space indent, Vietnamese kept as is, a final newline),
    written whole or not at all (``atomic_write_bytes``)."""
    data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    atomic_write_bytes(path, data.encode("utf-8"))


def write_problems_xlsx(path: Path, problems: list, link_prefix: str = "") -> None:
    """kiem-tra.xlsx: one row per problem, its cell a link into the department's workbook.
    Written with XlsxWriter (a write-only library that loads in a fraction of openpyxl's time)."""
    # deferred on purpose: only a check writing kiem-tra.xlsx loads it
    import xlsxwriter  # noqa: PLC0415
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_urls": False})
    wb.set_properties({"title": "Kết quả kiểm tra biểu", "created": dt.datetime(2000, 1, 1)})
    ws = wb.add_worksheet("Kiểm tra")
    bold = wb.add_format({"bold": True})
    link = wb.add_format({"font_color": "#0563C1", "underline": 1})
    for col, (title, width) in enumerate(zip(("Mức độ", "Tệp", "Sheet", "Ô", "Mã chỉ tiêu", "Nội dung", NOTE_LABEL,
                                              "Mã lỗi", "Loại lỗi"), (10, 26, 14, 8, 20, 100, 40, 22, 40))):
        ws.write(0, col, title, bold)
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    for r, p in enumerate(problems, start=1):
        for col, value in enumerate((p.severity, p.file, p.sheet, p.position, p.indicator, p.message, p.note,
                                     p.code, meaning(p.code))):
            ws.write_string(r, col, value or "")
        if p.file and p.sheet and p.cell:   # a cell is always an A1 reference: a link opens it
            ws.write_url(r, 3, f"external:{link_prefix}{p.file}#'{p.sheet}'!{p.cell}", link, p.cell)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
