"""The office's pages: periods, the dashboard of one period, a department's problems,
building the report and downloading its outputs."""
from __future__ import annotations

import json
import threading
import time
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from .. import pipeline
from ..periods import Period, period_phrase
from ..problems import BaocaoError, InputError
from ..outputs import OUTPUT_OF, OUTPUTS, output_path
from .common import Web, check_csrf, user_of, web_of


async def office_home(request: Request):
    web = web_of(request)
    user_of(request, "office")
    rows = [{"period": p, "phrase": period_phrase(Period.parse(p), web.base_ctx.settings)} for p in web.periods()]
    return web.render(request, "van-phong.html", rows=rows)


def plausible_periods(today=None) -> tuple[Period, Period]:
    """The periods the office may open from the web: two years back to next month."""
    import datetime as dt
    today = today or dt.date.today()
    now = Period(today.year, today.month)
    first = Period(now.year - 2, now.month)
    return first, now.next()


async def open_new_period(request: Request):
    web = web_of(request)
    user_of(request, "office")
    form = await request.form(max_files=0, max_fields=4)
    check_csrf(request, form)
    try:
        p = Period.parse(str(form.get("ky", "")))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    first, last = plausible_periods()
    if not first <= p <= last:
        raise HTTPException(400, f"Chỉ mở được kỳ từ {first} đến {last} (hai năm trước đến tháng sau); kỳ cũ hơn "
                                 f"hãy nhập bằng «import-history»")
    if (web.config.inputs / str(p)).is_dir():
        return RedirectResponse(f"/van-phong/{p}", 303)
    if form.get("xac_nhan") != "1":
        return web.render(request, "xac-nhan-mo-ky.html", period=str(p),
                          phrase=period_phrase(p, web.base_ctx.settings))
    (web.config.inputs / str(p)).mkdir(parents=True, exist_ok=True)
    return RedirectResponse(f"/van-phong/{p}", 303)


async def dashboard(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    res = await run_in_threadpool(pipeline.check, web.ctx_for(period), None, None, False)
    last = web.uploads(str(period))
    rows = []
    for s in res.statuses:
        up = last.get(s["department"])
        status = s["status"]
        note = ""
        if up and not up["accepted"]:
            status, note = pipeline.HAS_ERRORS, "lần gửi gần nhất bị từ chối"
        rows.append({**s, "status": status, "note": note, "uploaded_at": up["uploaded_at"] if up else ""})
    files = available_outputs(web, period)
    counts = {k: sum(1 for r in rows if r["status"] == k)
              for k in (pipeline.SUBMITTED, pipeline.MISSING, pipeline.HAS_ERRORS)}
    return web.render(request, "bang-theo-doi.html", period=str(period), rows=rows, files=files, counts=counts,
                      phrase=period_phrase(period, web.base_ctx.settings))


def available_outputs(web: Web, period: Period) -> dict:
    return {o.kind: output_path(web.config.out, web.base_ctx.settings, period, o.kind).exists() for o in OUTPUTS}


async def dept_problems(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    dept = request.path_params["dept"]
    if dept not in web.departments:
        raise HTTPException(404)
    res = await run_in_threadpool(pipeline.check, web.ctx_for(period), None, None, False)
    problems = pipeline.department_problems(res, dept)
    up = web.uploads(str(period)).get(dept)
    rejected = json.loads(up["problems"]) if up and not up["accepted"] else []
    return web.render(request, "loi-don-vi.html", period=str(period), department=web.departments[dept],
                      problems=problems, rejected=rejected, last=up)


async def start_build(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    form = await request.form(max_files=0, max_fields=5)
    check_csrf(request, form)
    job = uuid.uuid4().hex[:12]
    state = {"period": str(period), "done": False, "ok": False, "step": "Bắt đầu", "i": 0, "n": 0, "message": "",
             "problems": [], "started": time.time()}
    with web.config.lock:
        web.config.jobs[job] = state
    allow = form.get("cho_phep_thieu") == "1"
    pdf = form.get("pdf") == "1"
    threading.Thread(target=run_build, args=(web, state, period, allow, pdf), daemon=True).start()
    return RedirectResponse(f"/van-phong/{period}/tien-do/{job}", 303)


def run_build(web: Web, state: dict, period: Period, allow: bool, pdf: bool) -> None:
    def progress(i, n, name):
        state.update(step=f"Đang đọc biểu: {name}", i=i, n=n)
    try:
        got = pipeline.build(web.ctx_for(period), allow_missing=allow, pdf=pdf, progress=progress)
        state.update(ok=True, step="Xong", message=f"Đã lập báo cáo ({len(got['warnings'])} cảnh báo).")
    except InputError as e:
        state.update(step="Không lập được", message=str(e), problems=[p.to_dict() for p in e.problems][:200])
    except BaocaoError as e:
        state.update(step="Không lập được", message=str(e))
    except Exception as e:  # noqa: BLE001 - shown as a message, never as a trace
        state.update(step="Không lập được", message=f"Lỗi ngoài ý muốn ({type(e).__name__}).")
    finally:
        state["done"] = True


async def build_progress(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    state = web.config.jobs.get(request.path_params["job"])
    if state is None or state["period"] != str(period):
        raise HTTPException(404, "Không tìm thấy lượt lập báo cáo này (máy chủ có thể đã khởi động lại).")
    return web.render(request, "tien-do.html", period=str(period), state=state, files=available_outputs(web, period))


async def download(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    kind = request.path_params["kind"]
    if kind not in OUTPUT_OF:
        raise HTTPException(404)
    path = output_path(web.config.out, web.base_ctx.settings, period, kind)
    if not path.exists():
        raise HTTPException(404, "Chưa có tệp này: hãy lập báo cáo trước.")
    return FileResponse(path, media_type=OUTPUT_OF[kind].media, filename=path.name)
