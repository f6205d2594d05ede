"""The department's pages: its periods, the blank workbook, sending a filled one."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import uuid
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response

from .. import pipeline
from .. import store as storage
from ..files import atomic_write_bytes, make_dirs, write_private
from ..history import submission_of
from ..periods import Period, period_phrase
from ..status import CSS, MISSING, of_period
from ..workbooks import layout
from ..workbooks.grid import CFB_MAGIC
from ..workbooks.sandbox import read_workbook_bounded
from .common import XLSX, Web, check_csrf, days_left_text, deadline_of
from . import quotas
from .pages import DEPARTMENT, Visit, page
from ..archive import record_replaced


@page(DEPARTMENT)
def dept_home(visit: Visit):
    """GET /don-vi: the department's open periods, each with its deadline, days left, status and
    every upload with its receipt."""
    web, dept = visit.web, visit.department
    # each open period's status of this department — the office's definition (status.py), so that it
    # agrees with the dashboard and the build — with the true counts of its own verdict (its own workbook
    # alone: how many problems another department's figures raise is not shown)
    states = {}
    for p in web.periods():
        ctx = web.ctx_for(p)
        row = of_period(ctx, web.check(ctx), {dept})[0]
        if row["status"] != MISSING:
            own = next(s for s in web.check(ctx, only=dept).statuses if s.department == dept)
            row["errors"], row["warnings"] = own.errors, own.warnings
        states[p] = row
    rows = []
    with storage.open_store(web.config.db) as store:
        for p in web.periods():
            deadline = deadline_of(Period.parse(p), web.settings_for(Period.parse(p)))
            sent = storage.web.uploads(store, p, dept)
            current = storage.submissions.current(store, p, dept)
            rows.append({"period": p, "phrase": period_phrase(Period.parse(p), web.settings_for(Period.parse(p))),
                         "state": states.get(p), "last": sent[0] if sent else None, "uploads": sent,
                         "current": current.revision if current else None,
                         "current_at": current.accepted_at if current else None,
                         "deadline": deadline, "days_left": days_left_text(deadline),
                         "open": quotas.intake(web, Period.parse(p)).open})
    return visit.render("don-vi.html", rows=rows, department=web.departments[dept], css=CSS)


@page(DEPARTMENT, period=True)
def download_revision(visit: Visit):
    """GET /don-vi/{period}/ban-nop/{upload}: a department downloads any of its own accepted
    uploads; 404 for another's, a refused one or a file no longer kept."""
    period, dept = visit.period, visit.department
    row = own_upload(visit)
    path = visit.web.archive_path(str(period), dept, row["sha256"]) if row["accepted"] and row["sha256"] else None
    if path is None or not path.exists():
        raise HTTPException(404, "Không tìm thấy bản nộp này.")
    with open(path, "rb") as fh:
        old_format = fh.read(8) == CFB_MAGIC   # an .xls upload is given back as the .xls it is
    return FileResponse(path, media_type="application/vnd.ms-excel" if old_format else XLSX,
                        filename=f"{dept}-{period}-lan-gui-{row['id']}" + (".xls" if old_format else ".xlsx"))


def own_upload(visit: Visit) -> dict:
    """The upload event the address names, if it is this department's (else 404)."""
    try:
        upload_id = int(visit.request.path_params["upload"])
    except ValueError:
        raise HTTPException(404) from None
    with storage.open_store(visit.web.config.db) as store:
        row = next((u for u in storage.web.uploads(store, str(visit.period), visit.department)
                    if u["id"] == upload_id), None)
    if row is None:
        raise HTTPException(404)
    return row


@page(DEPARTMENT, period=True)
def blank_workbook(visit: Visit):
    """GET /don-vi/{period}/bieu-trong.xlsx: the department's blank workbook of the period, as
    ``init`` makes it (plan and last year's values prefilled)."""
    web, period, dept = visit.web, visit.period, visit.department
    ctx = web.ctx_for(period)
    # deferred on purpose: openpyxl loads for a download only
    from ..workbooks.init import department_workbook  # noqa: PLC0415
    wb = department_workbook(ctx.catalogue, web.departments[dept], period, ctx.settings, pipeline.known_values(ctx)[0])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    name = f"{dept}-{period}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@page(DEPARTMENT, period=True)
async def upload(visit: Visit):
    """POST /don-vi/{period}/nop: a department sends its filled workbook: its size is checked
    before the body is read (411 without a length, 413 beyond the limit, 400 without a file)."""
    request, web, period, user = visit.request, visit.web, visit.period, visit.user
    limit = web.config.max_upload_bytes
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411)
    if not length.isdigit() or int(length) > limit + 65536:
        raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {limit // 2**20} MB.")
    # a closed period, the hourly quota, the archive's size: refused before the body is read; the
    # slot held until the upload is logged, so uploads sent at once cannot all pass the quota
    slot = await run_in_threadpool(quotas.take_upload_slot, web, period, user["department"], int(length))
    try:
        form = await request.form(max_files=1, max_fields=5)
        check_csrf(request, form)
        sent = form.get("tep")
        if not isinstance(sent, UploadFile):
            raise HTTPException(400, "Chưa chọn tệp biểu để gửi.")
        data = await sent.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {limit // 2**20} MB.")
        shown_name = Path(str(sent.filename or "").replace("\\", "/")).name[:200]
        upload_id = await run_in_threadpool(accept_upload, web, period, user["department"], user["username"], data,
                                            shown_name)
    finally:
        quotas.give_back(slot, int(length))
    # Post/Redirect/Get: Back or F5 on the result never sends the file again
    return visit.redirect("upload_result", period=period, upload=upload_id)


@page(DEPARTMENT, period=True)
def upload_result(visit: Visit):
    """GET /don-vi/{period}/ket-qua/{upload}: the verdict and receipt of one of the department's
    own uploads (404 for another's: ``own_upload``)."""
    row = own_upload(visit)
    problems = json.loads(row["problems"])
    return visit.render("ket-qua.html", period=str(visit.period), accepted=bool(row["accepted"]), problems=problems,
                        errors=row["errors"], warnings=row["warnings"], upload=row)


def accept_upload(web: Web, period: Period, dept: str, username: str, data: bytes, shown_name: str = "") -> int:
    """Stage the upload under a name of our own and check it like `baocao check`. Without
    errors it is recorded as the department's current submission and moved into place
    atomically, in one store transaction with its upload event (SHA-256, account, time, file);
    a file already in place that was never recorded is recorded first. A refused upload is an
    event too. Returns the upload event's id."""
    folder = web.config.inputs / str(period)
    staging = folder / ".tai-len" / uuid.uuid4().hex
    make_dirs(staging, 0o700)
    # the uploaded file's own name is never used; its suffix follows its bytes (an Excel 97-2003
    # compound file is an .xls, whatever it was called)
    suffix = ".xls" if data[:8] == CFB_MAGIC else ".xlsx"
    staged = staging / layout.filename(dept, suffix)
    target = folder / layout.filename(dept, suffix)
    others = [p for p in layout.workbook_files(folder, dept) if p != target]   # replaced by this upload
    sha = hashlib.sha256(data).hexdigest()
    try:
        # the accepted workbook is not world-readable (the office's group reads it), whatever the
        # umask of whoever started the server: os.replace moves it into place with this mode
        write_private(staged, data, 0o640)
        ctx = web.ctx_for(period)
        # the verdict: its own workbook alone, never another department's figures (pipeline.check's only)
        res = web.check(ctx, override={dept: staged}, only=dept)
        problems = pipeline.department_problems(res, dept)   # capped: the first ones and a line counting the rest
        status = next(s for s in res.statuses if s.department == dept)
        n_err, n_warn = status.errors, status.warnings   # the true counts
        event = dict(errors=n_err, warnings=n_warn, sha256=sha, size=len(data), file_name=shown_name,
                     problems_json=json.dumps([p.to_dict() for p in problems], ensure_ascii=False))
        with storage.open_store(web.config.db) as store:
            if n_err or dept not in res.data:
                return storage.web.log_upload(store, str(period), dept, username, False, **event)
            subs = []
            kept = []   # folder files never archived before: (name, sha256, size, errors), recorded beside their bytes
            for old_path in ([target] if target.exists() else []) + others:
                old_bytes = old_path.read_bytes()
                old_sha = hashlib.sha256(old_bytes).hexdigest()
                archived = web.archive_path(str(period), dept, old_sha)
                known = any(r[2] == old_sha for r in storage.submissions.revisions(store, str(period), dept))
                if not known or not archived.exists():
                    old, old_probs = read_workbook_bounded(old_path, ctx.catalogue, period, dept)
                    errors = sum(p.is_error for p in old_probs) if old is not None else max(1, len(old_probs))
                    if not known and old is not None and not errors:
                        subs.append(submission_of(ctx.catalogue, period, dept, old, old_sha))
                    if not archived.exists():   # a file the office put in the folder, with or without errors
                        kept.append((old_path.name, old_sha, len(old_bytes), errors))
                # every file this upload replaces is kept in the archive first (its folders are
                # the owner's and the office group's, whatever the umask)
                make_dirs(archived.parent)
                atomic_write_bytes(archived, old_bytes, mode=0o600)
            subs.append(submission_of(ctx.catalogue, period, dept, res.data[dept], sha))
            make_dirs(web.archive_path(str(period), dept, sha).parent)
            atomic_write_bytes(web.archive_path(str(period), dept, sha), data, mode=0o600)

            def move_into_place():
                os.replace(staged, target)
                for other in others:   # the department's file of the other format, archived above
                    other.unlink(missing_ok=True)
            upload_id = storage.web.accept_upload(store, str(period), dept, username, move_into_place, subs, event)
            for name, old_sha, size, errors in kept:
                revision = next((r[0] for r in storage.submissions.revisions(store, str(period), dept) if r[2] == old_sha), None)
                record_replaced(web.archive_path(str(period), dept, old_sha), name, old_sha, size, errors, revision,
                                upload_id)
            return upload_id
    finally:
        shutil.rmtree(staging, ignore_errors=True)
