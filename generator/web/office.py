"""The office's pages: periods, the dashboard of one period, a department's problems,
building the report and downloading its outputs."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import pipeline
from .. import store as storage
from ..workbooks import layout
from ..workbooks.grid import CFB_MAGIC
from ..failures import record_failure
from ..outputs import OUTPUT_OF, OUTPUTS, output_path, read_manifest
from ..periods import Period, period_phrase
from ..problems import BaocaoError, InputError
from ..status import AFTER_BUILD, CSS, HAS_ERRORS, MISSING, SUBMITTED, of_period
from ..status import counts as count_statuses
from ..timefmt import utc_now_text
from . import charts, quotas
from .common import Web, deadline_of
from .pages import OFFICE, Visit, page
from .reminders import sent_reminders
from .review import versions_of
from ..archive import replaced_files
from .common import XLSX


@page(OFFICE)
def office_home(visit: Visit):
    """GET /van-phong: the open periods and the form to open a new one."""
    web = visit.web
    rows = [{"period": p, "phrase": period_phrase(Period.parse(p), web.settings_for(Period.parse(p)))} for p in web.periods()]
    return visit.render("van-phong.html", rows=rows)


def plausible_periods(today=None) -> tuple[Period, Period]:
    """The periods the office may open from the web: two years back to next month."""
    today = today or dt.date.today()
    now = Period(today.year, today.month)
    first = Period(now.year - 2, now.month)
    return first, now.next()


@page(OFFICE, form=dict(max_files=0, max_fields=4))
def open_new_period(visit: Visit):
    """POST /van-phong/mo-ky (confirmed): create the period's folder, from two years back to next
    month (400 for a bad or out-of-range period)."""
    web, form = visit.web, visit.form
    try:
        p = Period.from_text(str(form.get("ky", "")))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    first, last = plausible_periods()
    if not first <= p <= last:
        raise HTTPException(400, f"Chỉ mở được kỳ từ {first} đến {last} (hai năm trước đến tháng sau); kỳ cũ hơn "
                                 f"hãy nhập bằng «import-history»")
    if (web.config.inputs / str(p)).is_dir():
        return visit.redirect("dashboard", period=p)
    if form.get("xac_nhan") != "1":
        return visit.render("xac-nhan-mo-ky.html", period=str(p), phrase=period_phrase(p, web.settings_for(p)))
    (web.config.inputs / str(p)).mkdir(parents=True, exist_ok=True)
    return visit.redirect("dashboard", period=p)


@page(OFFICE, period=True)
def dashboard(visit: Visit):
    """GET /van-phong/{period}: the period's dashboard: each department's status, deadline, last
    upload and sender, the last build and its warnings, the build button."""
    web, period = visit.web, visit.period
    ctx = web.ctx_for(period)
    res = web.check(ctx)
    rows = of_period(ctx, res)
    with storage.open_store(web.config.db) as store:
        newest = storage.submissions.last_acceptance(store, str(period))
    deadline = deadline_of(period, web.settings_for(period))
    overdue_now = deadline is not None and dt.date.today() > deadline
    for r in rows:
        r["overdue"] = overdue_now and r["status"] not in (SUBMITTED, AFTER_BUILD)
    counts = count_statuses(rows)
    manifest = read_manifest(web.config.out / str(period))
    files = current_outputs(web, period, manifest)
    # stale: a workbook or submission differs from those the build read (of this period or an earlier one it used)
    changes = pipeline.changed_inputs(web.ctx_for(period), manifest, web.kept)
    stale = bool(changes)
    if stale:
        newest = max((c["at"] for c in changes if c["at"]), default=newest)
        names = web.departments
        stale_list = [f"{names[c['department']].name if c['department'] in names else c['department']}"
                      + (f" (kỳ {c['period']})" if c["period"] != str(period) else "")
                      for c in changes if c["department"]]
    else:
        stale_list = []
    bar = charts.progress_chart([("Đã nộp", counts[SUBMITTED]), ("Đã nhận sau khi lập", counts[AFTER_BUILD]),
                          ("Có lỗi", counts[HAS_ERRORS]), ("Chưa nộp", counts[MISSING])])
    draft = read_manifest(web.config.out / str(period), draft=True)
    return visit.render("bang-theo-doi.html", period=str(period), rows=rows, files=files, counts=counts,
                        phrase=period_phrase(period, web.settings_for(period)), deadline=deadline, manifest=manifest,
                        stale=stale, newest=newest, outputs=OUTPUTS, css=CSS, stale_list=stale_list, bar=bar,
                        versions=versions_of(web, period), reminders=sent_reminders(web, str(period)),
                        mail=bool(web.base_ctx.settings["thu_nhac"]["may_chu"]), draft=draft,
                        intake=quotas.intake(web, period))


@page(OFFICE, period=True, form=dict(max_files=0, max_fields=3))
def set_intake(visit: Visit):
    """The office closes a period to the departments' uploads (``dong``) or reopens it (``mo``),
    then back to the dashboard (303); another ``trang_thai`` is a 400."""
    state = visit.form.get("trang_thai")
    if state not in ("dong", "mo"):
        raise HTTPException(400, "Thao tác không hợp lệ.")
    quotas.set_closed(visit.web, visit.period, state == "dong", visit.user["username"])
    return visit.redirect("dashboard", fragment="nhan-bieu", period=visit.period)


def current_outputs(web: Web, period: Period, manifest: dict | None) -> dict:
    """The outputs of the last finished build — one set: a file an earlier build left (a PDF
    the last build did not make) is never offered as current."""
    drafts = read_manifest(web.config.out / str(period), draft=True)   # a draft's files: their own set
    out = {}
    for o in OUTPUTS:
        made = ((drafts if o.draft else manifest) or {}).get("files", {})
        out[o.kind] = o.kind in made and output_path(web.config.out, web.base_ctx.settings, period, o.kind).exists()
    return out


@page(OFFICE, period=True, department=True)
def dept_problems(visit: Visit):
    """GET /van-phong/{period}/don-vi/{dept}: a department's errors and warnings as ``check`` sees
    them now, and a refused later upload's."""
    web, period, dept = visit.web, visit.period, visit.department
    res = web.check(web.ctx_for(period))
    problems = pipeline.department_problems(res, dept)
    up = web.uploads(str(period)).get(dept)
    rejected = json.loads(up["problems"]) if up and not up["accepted"] else []
    replaced = replaced_files(web.config.db.parent / "ban-nop", str(period), dept)
    return visit.render("loi-don-vi.html", period=str(period), department=web.departments[dept],
                        problems=problems, rejected=rejected, last=up, replaced=replaced)


@page(OFFICE, period=True, department=True)
def download_replaced(visit: Visit):
    """GET /van-phong/{period}/don-vi/{dept}/ban-thay/{sha}: the office opens a file it had put in
    the period's folder that an upload replaced; 404 when there is no such file."""
    web, period, dept = visit.web, visit.period, visit.department
    row = next((r for r in replaced_files(web.config.db.parent / "ban-nop", str(period), dept)
                if r["sha256"] == visit.request.path_params["sha"]), None)
    if row is None or not row["path"].exists():
        raise HTTPException(404, "Không tìm thấy tệp này.")
    return FileResponse(row["path"], media_type=XLSX, filename=f"{dept}-{period}-thu-muc-{row['sha256'][:8]}.xlsx")


def _blockers(web: Web, period: Period) -> tuple[list, list]:
    """The departments that stop a build before it starts: (not submitted, with errors)."""
    ctx = web.ctx_for(period)
    rows = of_period(ctx, web.check(ctx))
    return [r for r in rows if r["status"] == MISSING], [r for r in rows if r["status"] == HAS_ERRORS]


@page(OFFICE, period=True, form=dict(max_files=0, max_fields=5))
def start_build(visit: Visit):
    """POST /van-phong/{period}/lap-bao-cao: start a build (or a draft) in a thread and go to
    its progress page; 409 while one of the period runs (or too many do)."""
    web, period, form, user = visit.web, visit.period, visit.form, visit.user
    allow = form.get("cho_phep_thieu") == "1"
    pdf = form.get("pdf") == "1"
    draft = form.get("du_thao") == "1"
    reads = build_reads(web, period, allow, pdf, draft)
    kept = same_as_last_build(web, period, reads)
    if kept is None:
        # said before anything starts: who has not sent (and «vẫn lập» in one click), who has errors
        missing, broken = _blockers(web, period)
        if broken or (missing and not allow):
            return visit.render("chua-lap-duoc.html", status_code=409, period=str(period), missing=missing,
                                broken=broken, pdf=pdf)
    job = uuid.uuid4().hex[:12]
    with storage.open_store(web.config.db) as store:
        taken = storage.web.start_build_job(store, job, str(period), user["username"], utc_now_text(), MAX_BUILDS)
    if taken is None:
        raise HTTPException(409, f"Đang có một lượt lập báo cáo kỳ {period} (hoặc đã đủ {MAX_BUILDS} lượt cùng lúc): "
                                 f"hãy đợi lượt đó xong rồi lập lại.")
    state = {"period": str(period), "done": False, "ok": False, "step": "Bắt đầu", "i": 0, "n": 0, "message": "",
             "problems": [], "started": time.time(), "by": user["username"], "phases": [], "pdf": pdf}
    with web.config.lock:
        web.config.jobs[job] = state
    if kept is not None:
        # nothing a build reads changed since the last one (which passed these same checks): done
        # before its progress page is shown
        state.update(ok=True, step="Xong", message=kept, done=True, ended=time.time())
        with storage.open_store(web.config.db) as store:
            storage.web.finish_build_job(store, job, utc_now_text(), True, kept)
    else:
        threading.Thread(target=run_build, args=(web, job, state, period, allow, pdf, draft, reads),
                         daemon=True).start()
    return visit.redirect("build_progress", period=period, job=job)


def build_reads(web: Web, period: Period, allow: bool, pdf: bool, draft: bool) -> tuple:
    """Everything a build of the period reads, as it stands now (``Web.reads_of``: the store's
    acceptances last), and the build's options."""
    return web.reads_of(web.ctx_for(period)), allow, pdf, draft


def _outputs_state(web: Web, period: Period, draft: bool):
    """The last build's manifest and its files as they stand now (None without one, or when
    one of its files is gone)."""
    where = web.config.out / str(period)
    manifest = read_manifest(where, draft=draft)
    if not manifest:
        return None
    files = []
    for name in sorted(manifest.get("files", {}).values()):
        try:
            st = (where / name).stat()
        except OSError:
            return None
        files.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
    return manifest.get("time"), tuple(files), len(manifest.get("warnings", []))


def same_as_last_build(web: Web, period: Period, reads: tuple) -> str | None:
    """When the last build from this server read exactly what a build would read now and its
    files are still those it wrote: the message of a build that keeps them (no new version:
    the report would be the same); else None."""
    draft = reads[-1]
    with web.config.lock:
        last = web.config.builds.get((str(period), draft))
    if last is None or last[0] != reads:
        return None
    now = _outputs_state(web, period, draft)
    if now is None or now != last[1]:
        return None
    return (f"Không có gì thay đổi từ lần lập trước (cùng các biểu, cài đặt, mẫu và bản biên tập): giữ nguyên "
            f"{'dự thảo' if draft else 'báo cáo'} đã lập ({now[2]} cảnh báo).")


MAX_BUILDS = 2   # builds running at once (each reads every workbook and may start LibreOffice)


PHASES = {"read": "Đọc biểu", "check": "Kiểm tra số liệu", "docx": "Soạn báo cáo (DOCX)",
          "annex": "Lập phụ lục Excel", "pdf": "Tạo bản PDF"}


def enter_phase(state: dict, key: str, i: int = 0, n: int = 0) -> None:
    """The build's step as it is now: each step's start time is kept, so the page lists every
    step passed with how long it took, and the current one with its n/N."""
    now = time.time()
    phases = state.setdefault("phases", [])
    if not phases or phases[-1]["key"] != key:
        if phases:
            phases[-1]["end"] = now
        phases.append({"key": key, "label": PHASES[key], "start": now, "end": None, "i": i, "n": n})
    phases[-1].update(i=i, n=n)
    state.update(step=PHASES[key], i=i, n=n)


def run_build(web: Web, job: str, state: dict, period: Period, allow: bool, pdf: bool, draft: bool = False,
              reads: tuple | None = None) -> None:
    """Run ``pipeline.build`` for the job, recording each phase in ``state`` (the progress page
    reads it) and the outcome in the store; input errors, a template's or LibreOffice's failure
    and any unforeseen failure end as a Vietnamese message, never an exception.
    ``reads`` (``build_reads``, taken before it starts): kept with its files when nothing changed
    while it ran, so the next build like it keeps them."""
    def reading(i, n, name):
        enter_phase(state, "read", i, n)

    def progress(i, n, name):
        enter_phase(state, "check", i, n)
    try:
        ctx = web.ctx_for(period)
        got = pipeline.build(ctx, allow_missing=allow, pdf=pdf, progress=progress, reading=reading,
                             phase=lambda key: enter_phase(state, key), by=state.get("by", ""), draft=draft)
        message = f"Đã lập {'dự thảo báo cáo' if draft else 'báo cáo'} ({len(got['warnings'])} cảnh báo)."
        late = [c for c in pipeline.changed_inputs(ctx, read_manifest(ctx.period_out, draft=draft)) if c["department"]]
        if late:   # accepted while the build was reading: the report does not have it
            names = web.departments
            message += " Có biểu được nhận trong lúc đang lập (" + ", ".join(
                names[c["department"]].name if c["department"] in names else c["department"] for c in late) + \
                "): báo cáo này chưa có biểu đó, hãy lập lại báo cáo."
        elif reads is not None:
            after = build_reads(web, period, allow, pdf, draft)   # the build records the folder's workbooks
            if (after[0][:-1],) + after[1:] == (reads[0][:-1],) + reads[1:]:
                with web.config.lock:   # what it read is all there is: the next build like it keeps these files
                    web.config.builds[(str(period), draft)] = (after, _outputs_state(web, period, draft))
        state.update(ok=True, step="Xong", message=message)
    except InputError as e:
        state.update(step="Không lập được", message=str(e), problems=[p.to_dict() for p in e.problems][:200])
    except BaocaoError as e:
        state.update(step="Không lập được", message=str(e))
    except Exception as e:  # noqa: BLE001 - shown as a message, never as a trace
        record_failure(e, f"lập báo cáo kỳ {period}", web.config.db)
        state.update(step="Không lập được", message=f"Lỗi ngoài ý muốn ({type(e).__name__}).")
    finally:
        if state.get("phases") and state["phases"][-1]["end"] is None:
            state["phases"][-1]["end"] = time.time()
        state["ended"] = time.time()
        state["done"] = True
        with storage.open_store(web.config.db) as store:
            storage.web.finish_build_job(store, job, utc_now_text(), state["ok"], state["message"],
                               json.dumps(state["problems"], ensure_ascii=False))


@page(OFFICE, period=True)
def build_progress(visit: Visit):
    """GET /van-phong/{period}/tien-do/{job}: the build's steps, times and outcome (refreshes
    itself while it runs); 404 for an unknown job."""
    web, period, job = visit.web, visit.period, visit.request.path_params["job"]
    state = web.config.jobs.get(job)
    if state is None:   # not in this server's memory: what the store recorded (after a restart)
        with storage.open_store(web.config.db) as store:
            row = storage.web.build_job(store, job)
        if row is not None:
            state = {"period": row["period"], "done": row["finished_at"] is not None, "ok": bool(row["ok"]),
                     "step": "Xong" if row["ok"] else "Không lập được", "i": 0, "n": 0,
                     "message": row["message"], "problems": json.loads(row["problems"])}
    if state is None or state["period"] != str(period):
        raise HTTPException(404, "Không tìm thấy lượt lập báo cáo này.")
    files = current_outputs(web, period, read_manifest(web.config.out / str(period)))
    now = time.time()
    elapsed = int((state.get("ended") or now) - state["started"]) if state.get("started") else None
    return visit.render("tien-do.html", period=str(period), state=state, files=files, outputs=OUTPUTS,
                        elapsed=elapsed, now=now)


@page(OFFICE, period=True)
def download(visit: Visit):
    """GET /van-phong/{period}/tai/{kind}: a file of the last build (``outputs.OUTPUTS`` kinds);
    404 for another kind or when that build has none."""
    web, period = visit.web, visit.period
    kind = visit.request.path_params["kind"]
    if kind not in OUTPUT_OF:
        raise HTTPException(404)
    path = output_path(web.config.out, web.base_ctx.settings, period, kind)
    if not current_outputs(web, period, read_manifest(web.config.out / str(period))).get(kind):
        raise HTTPException(404, "Lần lập báo cáo gần nhất không có tệp này: hãy lập báo cáo trước.")
    return FileResponse(path, media_type=OUTPUT_OF[kind].media, filename=path.name)


@page(OFFICE, period=True, department=True)
def dept_workbook(visit: Visit):
    """GET /van-phong/{period}/don-vi/{dept}/bieu: the office downloads the workbook a department
    has in use for the period (its accepted upload, or the file placed in the folder); 404 when
    it has not submitted."""
    web, period, dept = visit.web, visit.period, visit.department
    files = layout.workbook_files(web.config.inputs / str(period), dept)
    if not files:
        raise HTTPException(404, f"{web.departments[dept].name} chưa nộp biểu kỳ {period}.")
    path = files[0]
    with open(path, "rb") as fh:
        old_format = fh.read(8) == CFB_MAGIC
    return FileResponse(path, media_type="application/vnd.ms-excel" if old_format else
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        filename=f"{dept}-{period}" + (".xls" if old_format else ".xlsx"))


@page(OFFICE, period=True)
def indicators(visit: Visit):
    """The indicators of the period, each a link to its chart (reached from the dashboard)."""
    web, period = visit.web, visit.period
    ctx = web.ctx_for(period)
    groups: dict = {}
    for ind in ctx.catalogue.indicators.values():
        dept = web.departments[ind.department].name if ind.department in web.departments else ind.department
        groups.setdefault(dept, []).append(ind)
    return visit.render("chi-tieu.html", period=str(period), groups=sorted(groups.items()), chart=None)


@page(OFFICE, period=True)
def indicator_chart(visit: Visit):
    """GET /van-phong/{period}/chi-tieu/{code}: one indicator's months of the year as a chart:
    this year, last year, the plan; 404 for a code not in the period's catalogue."""
    web, period = visit.web, visit.period
    ctx = web.ctx_for(period)
    code = visit.request.path_params["code"]
    if code not in ctx.catalogue.indicators:
        raise HTTPException(404, f"Chỉ tiêu «{code}» không có trong danh mục kỳ {period}.")
    ind = ctx.catalogue.indicators[code]

    res = web.check(ctx)
    got = charts.indicator_months(web, period, code, res.figures)
    what = "lũy kế từ đầu năm" if got["measure"] == "cumulative" else "thực hiện từng tháng"
    svg = charts.indicator_chart(f"{ind.name} ({what})", ind.unit, period.year, got["this"], got["last"], got["plan"])
    rows = [{"month": m + 1, "this": got["this"][m], "last": got["last"][m]} for m in range(12)]
    return visit.render("chi-tieu.html", period=str(period), indicator=ind, chart=svg, rows=rows,
                        plan=got["plan"], measure=got["measure"])


async def chart_stylesheet(request: Request):
    """GET /bieu-do/{kind}.css: the charts' stylesheet (served, so the CSP stays strict); 404 for
    an unknown kind."""
    kind = request.path_params["kind"]
    if kind not in charts.KINDS:
        raise HTTPException(404)
    return Response(charts.stylesheet(kind), media_type="text/css")
