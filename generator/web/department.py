"""The department's pages: its periods, the blank workbook, sending a filled one."""
from __future__ import annotations

import io
import json
import os
import shutil
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .. import pipeline
from .. import store as S
from ..periods import Period, period_phrase
from ..workbooks import layout as L
from .common import XLSX, Web, check_csrf, user_of, web_of


async def dept_home(request: Request):
    web = web_of(request)
    user = user_of(request, "department")
    dept = user["department"]
    rows = []
    for p in web.periods():
        last = web.uploads(p).get(dept)
        exists = (web.config.inputs / p / L.filename(dept)).exists()
        rows.append({"period": p, "phrase": period_phrase(Period.parse(p), web.base_ctx.settings),
                     "submitted": exists, "last": last})
    return web.render(request, "don-vi.html", rows=rows, department=web.departments[dept])


async def blank_workbook(request: Request):
    web = web_of(request)
    user = user_of(request, "department")
    period = web.open_period(request.path_params["period"])

    def make() -> bytes:
        from ..workbooks.init import department_workbook
        ctx = web.ctx_for(period)
        wb = department_workbook(ctx.catalogue, web.departments[user["department"]], period, ctx.settings,
                                 pipeline.known_values(ctx)[0])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    data = await run_in_threadpool(make)
    name = f"{user['department']}-{period}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def upload(request: Request):
    web = web_of(request)
    user = user_of(request, "department")
    period = web.open_period(request.path_params["period"])
    limit = web.config.max_upload_bytes
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411)
    if not length.isdigit() or int(length) > limit + 65536:
        raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {limit // 2**20} MB.")
    form = await request.form(max_files=1, max_fields=5)
    check_csrf(request, form)
    sent = form.get("tep")
    if not isinstance(sent, UploadFile):
        raise HTTPException(400, "Chưa chọn tệp biểu để gửi.")
    data = await sent.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {limit // 2**20} MB.")
    result = await run_in_threadpool(accept_upload, web, period, user["department"], user["username"], data)
    return web.render(request, "ket-qua.html", period=str(period), **result)


def accept_upload(web: Web, period: Period, dept: str, username: str, data: bytes) -> dict:
    """Stage the upload under a name of our own, check it like `baocao check`, and only if it has
    no error move it into place atomically (the store keeps the previous file's revision)."""
    folder = web.config.inputs / str(period)
    staging = folder / ".tai-len" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    staged = staging / L.filename(dept)  # the uploaded file's own name is never used
    try:
        staged.write_bytes(data)
        ctx = web.ctx_for(period)
        res = pipeline.check(ctx, override={dept: staged}, record=False)
        problems = pipeline.department_problems(res, dept)
        accepted = not any(p.is_error for p in problems)
        if accepted:
            os.replace(staged, folder / L.filename(dept))
            pipeline.check(ctx)  # records the accepted file as a new revision
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    n_err = sum(p.is_error for p in problems)
    store = S.open_store(web.config.db)
    try:
        S.log_upload(store, str(period), dept, username, accepted, n_err, len(problems) - n_err,
                     json.dumps([p.to_dict() for p in problems], ensure_ascii=False))
    finally:
        store.close()
    return {"accepted": accepted, "problems": problems, "errors": n_err, "warnings": len(problems) - n_err}
