"""The department's figures typed on the page (``/don-vi/<kỳ>/bieu-mau``): one row (on a phone,
one card) per indicator in force, the columns its kind uses, the narrative per section.

Nothing here checks or stores on its own: the typed figures become the department's workbook,
made by ``init``'s writer and filled with them (``workbooks.typed``), and that workbook goes
the way an upload goes — «Kiểm tra» through ``pipeline.check`` (nothing stored), «Gửi» through
``department.accept_upload`` (revision, time, account, receipt, the folder's file). So the rules,
their words, the history and every later path are the workbook's; the problems found are shown
beside the field their cell stands for. «Lưu nháp» keeps the typed text (``data/ban-nhap/``)
without checking or sending it."""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from .. import narrative, owners, pipeline, stars
from .. import store as storage
from ..outputs import atomic_write_bytes
from ..periods import Period, period_phrase
from ..vi_numbers import format_plain
from ..workbooks import layout, typed
from ..workbooks.sandbox import read_workbook_bounded
from . import pages, quotas
from .common import Web, check_csrf
from .department import accept_upload
from .pages import Visit

ACTIONS = ("kiem-tra", "luu-nhap", "bo-nhap", "gui")
TIME = "%Y-%m-%dT%H:%M:%SZ"


def draft_path(web: Web, period: str, dept: str) -> Path:
    """``data/ban-nhap/<YYYY-MM>/<department>.json``: the form's saved draft."""
    return web.config.db.parent / "ban-nhap" / str(period) / f"{dept}.json"


def _columns(own) -> list[tuple[str, str]]:
    """(measure, column title) of the department's workbook, in its order."""
    return [(layout.MEASURE_OF[t], t) for t in layout.headers_for(own) if t in layout.MEASURE_OF]


def _text_of(value) -> str:
    return "" if value is None else format_plain(value)


def _sections(ctx, dept: str, fields: dict) -> list[tuple[str, str]]:
    """The form's narrative sections: the department's own (owners.py), in the report's order,
    and any other one a text was typed or sent in (shown with its error, never lost)."""
    muc = ctx.settings["muc"]
    mine = set(owners.own_sections(owners.section_writers(ctx.catalogue, ctx.settings), dept))
    typed_in = [k[2:] for k, v in fields.items() if k.startswith("t:") and str(v).strip()]
    return [(k, v) for k, v in muc.items() if k in mine or k in typed_in] + [(s, "") for s in typed_in if s not in muc]


def _current(web: Web, period: Period, dept: str):
    """The department's workbook in the folder, read (values, notes, narrative), or None."""
    path = web.config.inputs / str(period) / layout.filename(dept)
    if not path.exists():
        return None
    ctx = web.ctx_for(period)
    data, _ = read_workbook_bounded(path, ctx.catalogue, period, dept)
    return data


def prefilled(web: Web, period: Period, dept: str) -> tuple[dict, str]:
    """The fields' text as the page opens: a draft saved after the current submission; else the
    current submission's values; else what the blank workbook would carry (plan, last year).
    Returns (fields, where from)."""
    ctx = web.ctx_for(period)
    own = ctx.catalogue.of_department(dept)
    with storage.open_store(web.config.db) as store:
        cur = storage.submissions.current(store, str(period), dept)
    draft = draft_path(web, str(period), dept)
    if draft.exists():
        saved = json.loads(draft.read_text(encoding="utf-8"))
        if cur is None or saved["saved_at"] > cur.accepted_at:
            return saved["fields"], "nhap:" + saved["saved_at"]
    fields: dict = {}
    data = _current(web, period, dept)
    if data is not None:
        for ind in own:
            for measure, _ in _columns(own):
                fields[f"v:{ind.code}:{measure}"] = _text_of(data.values.get(ind.code, {}).get(measure))
            fields[f"n:{ind.code}"] = data.notes.get(ind.code, "")
        by_section: dict = {}
        for section, body, _cell in data.narrative:
            by_section.setdefault(section, []).append(body)
        for section, bodies in by_section.items():
            fields[f"t:{section}"] = "\n".join(bodies)
        return fields, "hien-hanh"
    if cur is not None:   # accepted, but its file is no longer in the folder: the store's copy
        with storage.open_store(web.config.db) as store:
            stored, rows = storage.submissions.current_values(store, cur.revision), storage.submissions.narrative(store, cur.revision)
        for ind in own:
            for measure, _ in _columns(own):
                got = stored.get(ind.code, {}).get(measure)
                fields[f"v:{ind.code}:{measure}"] = _text_of(got.value if got is not None else None)
        by_section = {}
        for section, body, _cell in rows:
            by_section.setdefault(section, []).append(body)
        fields.update({f"t:{k}": "\n".join(v) for k, v in by_section.items()})
        return fields, "hien-hanh"
    known = pipeline.known_values(ctx)[0]
    for ind in own:
        for measure in layout.measures_for(ind):
            fields[f"v:{ind.code}:{measure}"] = _text_of(known.get(ind.code, {}).get(measure))
    return fields, "trong"


def _read_fields(form, own, settings) -> dict:
    """The posted fields, each the department's own: an unknown field is refused."""
    allowed = {f"v:{i.code}:{m}" for i in own for m in layout.measures_for(i)} | {f"n:{i.code}" for i in own}
    fields = {}
    for key, value in form.multi_items():
        if key in ("csrf", "viec"):
            continue
        if not isinstance(value, str):
            raise HTTPException(400, "Biểu mẫu không nhận tệp.")
        if key.startswith("t:"):
            if not key[2:] or len(key) > 40:
                raise HTTPException(400, "Biểu mẫu có ô không thuộc đơn vị.")
        elif key not in allowed:
            raise HTTPException(400, "Biểu mẫu có ô không thuộc đơn vị (chỉ nhập được các chỉ tiêu của đơn vị mình).")
        fields[key] = value.replace("\r\n", "\n").replace("\r", "\n")
    return fields


def _as_workbook(ctx, dept: str, fields: dict) -> bytes:
    """The typed fields as the department's workbook (init's writer, filled)."""
    cat = ctx.catalogue
    own = cat.of_department(dept)
    values, notes = {}, {}
    for ind in own:
        for measure in layout.measures_for(ind):
            v = typed.typed_number(fields.get(f"v:{ind.code}:{measure}", ""), ind.unit)
            if v is not None:
                values.setdefault(ind.code, {})[measure] = v
        note = " ".join(fields.get(f"n:{ind.code}", "").split())
        if note:
            notes[ind.code] = note
    narrative = []
    for section, _ in _sections(ctx, dept, fields):
        for line in fields.get(f"t:{section}", "").split("\n"):
            if line.strip():
                narrative.append((section, line.strip()))
    return typed.filled_workbook(cat, cat.departments[dept], ctx.period, ctx.settings, {}, values, notes, narrative)


def _rows_of_narrative(ctx, dept: str, fields: dict) -> dict:
    """Row of «Thuyết minh» -> (section, paragraph number), as ``_as_workbook`` writes them."""
    out, row = {}, 2
    for section, _ in _sections(ctx, dept, fields):
        n = 0
        for line in fields.get(f"t:{section}", "").split("\n"):
            if line.strip():
                n += 1
                out[row] = (section, n)
                row += 1
    return out


def check_typed(web: Web, period: Period, dept: str, fields: dict):
    """Check the typed figures as an upload is checked, storing nothing: (problems, result,
    (errors, warnings)). The problems and their true counts are the department's verdict
    (``pipeline.check``'s ``only``: its own figures alone, never another department's); the
    result, for the preview of its own paragraphs and automatic sentences, is the full check
    (the preview prints its own figures only)."""
    ctx = web.ctx_for(period)
    data = _as_workbook(ctx, dept, fields)
    with tempfile.TemporaryDirectory(prefix="baocao-bieu-mau-") as tmp:
        path = Path(tmp) / layout.filename(dept)
        path.write_bytes(data)
        own = web.check(ctx, override={dept: path}, only=dept)
        res = web.check(ctx, override={dept: path})
    status = next(s for s in own.statuses if s.department == dept)
    return [p.to_dict() for p in pipeline.department_problems(own, dept)], res, (status.errors, status.warnings)


def send_typed(web: Web, period: Period, dept: str, username: str, fields: dict) -> int:
    """Send the typed figures: the very path of an upload (``accept_upload``). Returns the
    upload event's id; the draft is dropped once the figures are accepted."""
    ctx = web.ctx_for(period)
    upload_id = accept_upload(web, period, dept, username, _as_workbook(ctx, dept, fields), typed.FORM_NAME)
    with storage.open_store(web.config.db) as store:
        row = next(u for u in storage.web.uploads(store, str(period), dept) if u["id"] == upload_id)
    if row["accepted"]:
        draft_path(web, str(period), dept).unlink(missing_ok=True)
    return upload_id


def save_draft(web: Web, period: Period, dept: str, username: str, fields: dict) -> str:
    """Keep the form's ``fields`` (name → typed text) as the department's draft, written whole
    (mode 0600); returns when it was saved (UTC, ``TIME`` format)."""
    at = dt.datetime.now(dt.timezone.utc).strftime(TIME)
    body = json.dumps({"saved_at": at, "username": username, "fields": fields}, ensure_ascii=False, sort_keys=True)
    atomic_write_bytes(draft_path(web, str(period), dept), body.encode("utf-8"), mode=0o600)
    return at


def _own_only(segments, own: set):
    """Narrative segments with references to other departments' indicators left as written:
    the preview never prints another department's figure."""

    def keep(part):
        if isinstance(part, narrative.Ref) and part.code not in own:
            return "{" + part.code + (":" + part.measure if part.measure else "") + "}"
        return part
    out = []
    for seg in segments:
        if isinstance(seg, narrative.Note):
            out.append(narrative.Note(tuple(keep(p) for p in seg.parts)))
        else:
            out.append(keep(seg))
    return out


def _runs(text: str) -> list[tuple[str, bool, bool]]:
    """Printed text as (text, bold, italic) runs: the emphasis markup as the report sets it."""
    runs, bold, italic, cur = [], False, False, []
    for ch in stars.to_markers(text):
        if ch in stars.MARKS:
            if cur:
                runs.append(("".join(cur), bold, italic))
                cur = []
            bold = {stars.B_ON: True, stars.B_OFF: False}.get(ch, bold)
            italic = {stars.I_ON: True, stars.I_OFF: False}.get(ch, italic)
        else:
            cur.append(ch)
    if cur:
        runs.append(("".join(cur), bold, italic))
    return runs


def previews(res, dept: str, own: set) -> dict:
    """{section: [paragraph]}: the department's paragraphs as the report prints them; a
    paragraph is a list of {"note": bool, "runs": [(text, bold, italic)]} (a footnote's text
    shown where its number will be)."""
    out: dict = {}
    printed = res.printed.only(own)
    for section, rows in res.narrative.items():
        for who, segments, _place in rows:
            if who != dept:
                continue
            pieces = narrative.resolve(_own_only(segments, own), printed)
            out.setdefault(section, []).append([
                {"note": not isinstance(p, str), "runs": _runs(p if isinstance(p, str) else "".join(p))}
                for p in pieces])
    return out


def automatic_sentences(res, own: set) -> dict:
    """{code: (section, sentence)} of the department's indicators no narrative, template or
    annex prints: the sentence the report prints for each under its «Mục báo cáo»."""
    out = {}
    for section, codes in res.automatic.items():
        for code in codes:
            if code in own and code in res.printed:
                got = res.printed[code]
                out[code] = (section, f"{got.indicator.name}: {got.sentence.text()}.")
    return out


def _rows(text: str) -> int:
    """A narrative box tall enough for what it holds (2 to 14 lines)."""
    return max(2, min(14, sum(1 + len(line) // 110 for line in text.split("\n")) + 1)) if text else 2


def page(web: Web, request: Request, period: Period, dept: str, fields: dict, origin: str = "",
         problems: list | None = None, res=None, status_code: int = 200, note: str = "",
         counts: tuple[int, int] | None = None):
    """The form page of ``dept`` for ``period``: one row per indicator in force with the columns
    its kind uses, the typed ``fields``, each problem beside its field, the narrative boxes
    and their preview (``res``: the check's result, when there was one; ``counts``: the verdict's true
    (errors, warnings), the problems shown being capped)."""
    ctx = web.ctx_for(period)
    own = ctx.catalogue.of_department(dept)
    cells = typed.cells_of(ctx.catalogue, dept)
    field_of = {coord: key for key, coord in cells.items()}
    rows_of = _rows_of_narrative(ctx, dept, fields)
    by_field: dict = {}
    by_indicator: dict = {}
    by_section: dict = {}
    general = []
    for p in problems or []:
        key = field_of.get(p.get("cell")) if p.get("sheet") == layout.SHEET_DATA else None
        if key:
            by_field.setdefault(key, []).append(p)
            continue
        if p.get("sheet") == layout.SHEET_TEXT and p.get("cell", "")[1:].isdigit() and int(p["cell"][1:]) in rows_of:
            section, n = rows_of[int(p["cell"][1:])]
            by_section.setdefault(section, []).append(dict(p, paragraph=n))
            continue
        if p.get("indicator") in {i.code for i in own}:
            by_indicator.setdefault(p["indicator"], []).append(p)
            continue
        general.append(p)
    columns = _columns(own)
    indicators = []
    for ind in own:
        applies = set(layout.measures_for(ind))
        indicators.append({
            "code": ind.code, "name": ind.name, "unit": ind.unit, "kind": ind.kind_name,
            "integer": ind.integer, "negative": ind.allow_negative,
            "cells": [{"measure": m, "title": t, "applies": m in applies, "name": f"v:{ind.code}:{m}",
                       "id": f"o-{ind.code}-{m}", "value": fields.get(f"v:{ind.code}:{m}", ""),
                       "problems": by_field.get((ind.code, m), [])} for m, t in columns],
            "note": fields.get(f"n:{ind.code}", ""), "note_problems": by_field.get((ind.code, "note"), []),
            "problems": by_indicator.get(ind.code, [])})
    automatic = automatic_sentences(res, {i.code for i in own}) if res is not None else {}
    for item in indicators:
        item["automatic"] = automatic.get(item["code"])
    shown = previews(res, dept, {i.code for i in own}) if res is not None else None
    sections = [{"key": k, "title": t, "text": fields.get(f"t:{k}", ""), "problems": by_section.get(k, []),
                 "rows": _rows(fields.get(f"t:{k}", "")),
                 "preview": (shown or {}).get(k, []), "id": "tm-" + k.replace(".", "-")}
                for k, t in _sections(ctx, dept, fields)]
    # deferred on purpose: init's writer loads openpyxl
    from ..workbooks.init import MARKUP_HELP  # noqa: PLC0415
    if counts is not None and problems is not None:   # the true counts (the problems shown may be capped)
        n_err, n_warn = counts
    else:
        n_err = sum(p["severity"] == "lỗi" for p in problems or [])
        n_warn = len(problems or []) - n_err
    return web.render(request, "bieu-mau.html", status_code=status_code, period=str(period),
                      phrase=period_phrase(period, ctx.settings), columns=columns, indicators=indicators,
                      sections=sections, general=general, checked=problems is not None, errors=n_err,
                      warnings=n_warn, origin=origin, note=note,
                      help=MARKUP_HELP[1:], codes=[(i.code, i.name) for i in own], previewed=shown is not None,
                      closed=not quotas.intake(web, period).open, refused=status_code >= 400)


@pages.page(pages.DEPARTMENT, period=True)
def form_page(visit: Visit):
    """GET /don-vi/{period}/bieu-mau: the form, filled from the draft, the current submission or
    the blank workbook's prefill."""
    fields, origin = prefilled(visit.web, visit.period, visit.department)
    note = "Đã lưu bản nháp (chưa gửi)." if visit.request.query_params.get("da-luu") else ""
    return page(visit.web, visit.request, visit.period, visit.department, fields, origin, note=note)


@pages.page(pages.DEPARTMENT, period=True)
async def form_post(visit: Visit):
    """POST /don-vi/{period}/bieu-mau: «Kiểm tra», «Lưu nháp», «Bỏ nháp» or «Gửi» the typed
    figures: the body's size is checked before it is read (411 without a length, 413 beyond the
    limit), the form's field count bounded by the department's indicators."""
    request, web = visit.request, visit.web
    limit = web.config.max_upload_bytes
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411)
    if not length.isdigit() or int(length) > limit:
        raise HTTPException(413, f"Nội dung gửi lên vượt giới hạn {limit // 2**20} MB.")
    fields_allowed = await run_in_threadpool(_fields_allowed, visit)
    visit.form = await request.form(max_files=0, max_fields=fields_allowed)
    check_csrf(request, visit.form)
    return await run_in_threadpool(_act, visit)


def _fields_allowed(visit: Visit) -> int:
    ctx = visit.web.ctx_for(visit.period)
    return 8 * len(ctx.catalogue.of_department(visit.department)) + len(ctx.settings["muc"]) + 20


def _act(visit: Visit):
    web, period, dept, form = visit.web, visit.period, visit.department, visit.form
    action = form.get("viec")
    if action not in ACTIONS:
        raise HTTPException(400, "Thao tác không hợp lệ.")
    if action == "bo-nhap":
        draft_path(web, str(period), dept).unlink(missing_ok=True)
        return visit.redirect("form", period=period)
    ctx = web.ctx_for(period)
    fields = _read_fields(form, ctx.catalogue.of_department(dept), ctx.settings)
    if action == "luu-nhap":
        save_draft(web, period, dept, visit.user["username"], fields)
        return visit.redirect("form", query="da-luu=1", period=period)
    if action == "kiem-tra":
        problems, res, counts = check_typed(web, period, dept, fields)
        return page(web, visit.request, period, dept, fields, problems=problems, res=res, counts=counts)
    try:   # a closed period, the hourly quota, the archive's size: said on the page, the typed figures kept
        slot = quotas.take_upload_slot(web, period, dept, 0)
    except HTTPException as e:
        return page(web, visit.request, period, dept, fields, status_code=e.status_code, note=f"Chưa gửi được: {e.detail}")
    try:
        upload_id = send_typed(web, period, dept, visit.user["username"], fields)
    finally:
        quotas.give_back(slot, 0)
    with storage.open_store(web.config.db) as store:
        row = next(u for u in storage.web.uploads(store, str(period), dept) if u["id"] == upload_id)
    if row["accepted"]:   # Post/Redirect/Get: the receipt has its own address, as for an upload
        return visit.redirect("upload_result", period=period, upload=upload_id)
    problems = json.loads(row["problems"])
    return page(web, visit.request, period, dept, fields, problems=problems,
                note=f"Chưa gửi được: có {row['errors']} lỗi. Hãy sửa các ô được đánh dấu rồi gửi lại.")
