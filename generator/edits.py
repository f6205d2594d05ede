"""The office's edits («biên tập»): the wording of any paragraph of the report — a department's
narrative or an automatic sentence — replaced without touching the department's file, kept in
a file of the office's own, ``bien-tap/<YYYY-MM>.xlsx`` beside ``inputs/`` (one row per
paragraph; Excel-editable; the web's «Biên tập» page writes the same file).

An edit is markup like a department's narrative (``{MÃ…}`` stays live, so a corrected figure
still flows through). Each edit keeps the department's text it was made on («Văn bản của đơn
vị»): when the department's text changes afterwards, the build warns (``edit-stale``) naming
the paragraph and showing both texts, and prints the edit until the office settles it; an edit
whose paragraph is gone is named too (``edit-orphan``). Nothing is ever dropped silently."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from . import narrative
from .outputs import atomic_write_bytes
from .problems import ERROR, BaocaoError, InputError, framed, make, quoted
from .versions import AUTOMATIC, paragraph_keys, paragraph_model, unparse

FOLDER = "bien-tap"
SHEET = "Biên tập"
COLUMNS = ("Mục", "Đơn vị", "Đoạn", "Văn bản của đơn vị", "Văn bản biên tập", "Người sửa", "Thời điểm",
           "Bản in hiện nay")
WIDTHS = (8, 22, 12, 70, 70, 14, 20, 70)


def edits_path(ctx) -> Path:
    """``bien-tap/<YYYY-MM>.xlsx`` beside the inputs folder: the office's edits of the period."""
    return Path(ctx.inputs).parent / FOLDER / f"{ctx.period}.xlsx"


def _shown(path: Path) -> str:
    return f"{FOLDER}/{path.name}"


def read_edits(ctx) -> tuple[list[dict], list]:
    """The edits of the file (rows with a «Văn bản biên tập»), and its problems."""
    path = edits_path(ctx)
    if not path.is_file():
        return [], []
    from openpyxl import load_workbook  # deferred on purpose: openpyxl loads only when this workbook is written  # noqa: PLC0415
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file alike
        return [], [make("edit-file", dict(file=_shown(path)), path=_shown(path))]
    try:
        if SHEET not in wb.sheetnames:
            return [], [make("edit-file:sheet", dict(file=_shown(path)), path=_shown(path), sheet=SHEET)]
        rows = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    head = [str(c or "").strip() for c in (rows[0] if rows else ())]
    if head[:5] != list(COLUMNS[:5]):
        return [], [make("edit-file:columns", dict(file=_shown(path), sheet=SHEET), sheet=SHEET, path=_shown(path),
                         columns=quoted(COLUMNS[:5]))]
    out = []
    for r, row in enumerate(rows[1:], start=2):
        row = list(row) + [None] * (len(COLUMNS) - len(row))
        text = str(row[4]).strip() if row[4] is not None else ""
        if not text:
            continue
        section, dept, which = (str(x).strip() if x is not None else "" for x in row[:3])
        if which.endswith(".0"):
            which = which[:-2]
        out.append({"section": section, "department": dept, "which": which,
                    "key": f"{section}/{dept}/{which}", "base": str(row[3] or ""), "text": text,
                    "by": str(row[5] or ""), "at": str(row[6] or ""), "row": r})
    return out, []


def _place(path: Path, row: int, col: str = "E") -> dict:
    return dict(file=_shown(path), sheet=SHEET, cell=f"{col}{row}")


def _where(ctx, e: dict) -> str:
    if e["department"] == AUTOMATIC:
        return f"câu tự động của chỉ tiêu {e['which']} ở mục {e['section']}"
    dept = ctx.catalogue.departments.get(e["department"])
    name = dept.name if dept else e["department"]
    return f"đoạn {e['which']} của «{name}» ở mục {e['section']}"


def apply_narrative(ctx, res) -> list:
    """Put the office's edits of departments' paragraphs into ``res.narrative`` (before the
    report places its automatic sentences); returns the problems."""
    edits, problems = read_edits(ctx)
    res.pending_edits = [e for e in edits if e["department"] == AUTOMATIC]
    path = edits_path(ctx)
    codes = set(ctx.catalogue.indicators)
    rows: dict = {}
    for section, items in res.narrative.items():
        seen: dict = {}
        for i, (dept, _segments, _where_) in enumerate(items):
            seen[dept] = seen.get(dept, 0) + 1
            rows[f"{section}/{dept}/{seen[dept]}"] = (section, i)
    sources = {key: unparse(res.narrative[sec][i][1]) for key, (sec, i) in rows.items()}
    taken = {e["key"] for e in edits}
    for e in edits:
        if e["department"] == AUTOMATIC:
            continue
        row_key = e["key"]
        moved = _moved(e, rows, sources, taken)
        if moved is not None:   # the department added or removed a paragraph before it: the edit follows its text
            taken.add(moved)
            e = dict(e, key=moved, which=moved.rsplit("/", 1)[1])
        if e["key"] not in rows:
            problems.append(make("edit-orphan", dict(indicator="", **_place(path, e["row"])), which=_where(ctx, e), text=e['text']))
            continue
        section, i = rows[e["key"]]
        dept, segments, place = res.narrative[section][i]
        current = unparse(segments)
        new, probs = narrative.parse(e["text"], codes)
        if probs:
            problems += [framed("edit", m.code, ERROR, dict(indicator=m.indicator, **_place(path, e["row"])),
                                which=_where(ctx, e), message=m.message) for m in probs]
            continue
        problems += [framed("edit", p.code, p.severity, dict(indicator=p.indicator, **_place(path, e["row"])),
                            which=_where(ctx, e), message=p.message)
                     for p in narrative.check_refs(new, res.printed)]
        stale = e["base"].strip() != current.strip()
        if stale:
            problems.append(_stale(ctx, e, current, path))
        res.narrative[section][i] = (dept, new, _place(path, e["row"]))
        res.edits[e["key"]] = {"department_source": current, "text": e["text"], "stale": stale, "row_key": row_key}
    return problems


def _moved(e: dict, rows: dict, sources: dict, taken: set) -> str | None:
    """Where an edit's paragraph is now when the department's paragraphs of the section moved:
    the one other paragraph of the same department and section whose text is the edit's base."""
    base = e["base"].strip()
    if not base or sources.get(e["key"], "").strip() == base:
        return None
    prefix = f"{e['section']}/{e['department']}/"
    found = [k for k in rows if k.startswith(prefix) and k not in taken and sources[k].strip() == base]
    return found[0] if len(found) == 1 else None


def _stale(ctx, e: dict, current: str, path: Path):
    return make("edit-stale", _place(path, e["row"], "D"), which=_where(ctx, e), current=current, text=e['text'], base=e['base'],
                path=_shown(path))


def apply_automatic(ctx, res) -> list:
    """The office's edits of automatic sentences (after the report has placed them)."""
    problems = []
    path = edits_path(ctx)
    codes = set(ctx.catalogue.indicators)
    for e in getattr(res, "pending_edits", []):
        if e["which"] not in res.automatic.get(e["section"], ()):
            problems.append(make("edit-orphan:sentence", dict(indicator=e["which"] if e["which"] in codes else "", **_place(path, e["row"])),
                                 which=_where(ctx, e), text=e['text']))
            continue
        new, probs = narrative.parse(e["text"], codes)
        if probs:
            problems += [framed("edit", m.code, ERROR, dict(indicator=m.indicator, **_place(path, e["row"])),
                                which=_where(ctx, e), message=m.message) for m in probs]
            continue
        current = "{" + e["which"] + ":cau}"
        res.overrides[(e["section"], e["which"])] = new
        res.edits[e["key"]] = {"department_source": current, "text": e["text"], "stale": False}
    res.pending_edits = []
    return problems


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def placed(res, edits: list) -> list[dict]:
    """The file's edits at the paragraphs they apply to now (an edit whose paragraph moved
    — the department added or removed one before it — at its new place)."""
    moved = {info["row_key"]: key for key, info in (res.edits or {}).items()
             if info.get("row_key", key) != key}
    return [dict(e, key=moved[e["key"]], which=moved[e["key"]].rsplit("/", 1)[1]) if e["key"] in moved else e
            for e in edits]


def rows_for(ctx, res, edits: list) -> list[list]:
    """The file's rows: every paragraph of the report now (its edit, if any), then the edits
    whose paragraph is gone (kept, never dropped)."""
    by_key = {e["key"]: e for e in edits}
    printed = {p["key"]: p["text"] for p in paragraph_model(res)}
    out, seen = [], set()
    for key, section, dept, which in paragraph_keys(res):
        e = by_key.get(key)
        edited = (res.edits or {}).get(key)
        source = edited["department_source"] if edited else _source(res, key, section, dept, which)
        out.append([section, dept, which, e["base"] if e else source, e["text"] if e else "",
                    e["by"] if e else "", e["at"] if e else "", printed.get(key, "")])
        seen.add(key)
    for e in edits:
        if e["key"] not in seen:
            out.append([e["section"], e["department"], e["which"], e["base"], e["text"], e["by"], e["at"], ""])
    return out


def _source(res, key, section, dept, which) -> str:
    if dept == AUTOMATIC:
        return "{" + which + ":cau}"
    seen = 0
    for d, segments, _place in res.narrative.get(section, []):
        if d == dept:
            seen += 1
            if str(seen) == which:
                return unparse(segments)
    return ""


def write_rows(path: Path, rows: list[list]) -> None:
    """The edits workbook: the header ``COLUMNS`` and ``rows`` (lists of cell texts, one per
    paragraph) on sheet «Biên tập», the edit column yellow, written whole or not at all."""
    import xlsxwriter  # deferred on purpose: XlsxWriter loads only when this workbook is written  # noqa: PLC0415

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False})
    wb.set_properties({"title": "Biên tập báo cáo", "created": dt.datetime(2000, 1, 1)})
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    edit = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#FFF2CC"})
    for c, (title, width) in enumerate(zip(COLUMNS, WIDTHS)):
        ws.write_string(0, c, title, bold)
        ws.set_column(c, c, width, edit if c == 4 else wrap)
    ws.freeze_panes(1, 3)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, str(value or ""), edit if c == 4 else wrap)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())


def write_edits_file(ctx, res) -> tuple[Path, int]:
    """``baocao bien-tap``: the file listing every paragraph, the edits already made kept.
    ``InputError`` (every problem) when the existing edits file has errors."""
    edits, problems = read_edits(ctx)
    if problems:
        raise InputError("Tệp biên tập có lỗi", problems)
    rows = rows_for(ctx, res, placed(res, edits))
    path = edits_path(ctx)
    write_rows(path, rows)
    return path, len(rows)


def set_edit(ctx, res, key: str, text: str, by: str) -> Path:
    """The web's «Biên tập»: set (or, with empty text, remove) the edit of one paragraph; the
    department's text it is made on is the one read now. ``InputError`` when the edits file
    has errors, ``BaocaoError`` when the report has no paragraph ``key``."""
    edits, problems = read_edits(ctx)
    if problems:
        raise InputError("Tệp biên tập có lỗi", problems)
    keys = {k: (s, d, w) for k, s, d, w in paragraph_keys(res)}
    others = [e for e in placed(res, edits) if e["key"] != key]
    if key not in keys:
        raise BaocaoError(f"Báo cáo kỳ {ctx.period} không có đoạn văn «{key}»")
    section, dept, which = keys[key]
    edited = (res.edits or {}).get(key)
    base = edited["department_source"] if edited else _source(res, key, section, dept, which)
    if text.strip() and text.strip() != base.strip():   # the department's own text again: no edit
        others.append({"key": key, "section": section, "department": dept, "which": which, "base": base,
                       "text": text.strip(), "by": by, "at": _now()})
    rows = rows_for(ctx, res, others)
    path = edits_path(ctx)
    write_rows(path, rows)
    return path
