"""The office's review pages: the period's kept versions, «So sánh với lần lập trước» (the
changed figures as a table, the tracked-changes DOCX to download) and «Biên tập» (the wording
of each section's paragraphs, edited without touching the departments' files)."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from .. import pipeline, versions
from ..compare import write_comparison
from ..edits import placed, read_edits, set_edit
from ..problems import BaocaoError, InputError
from .common import DOCX, base_of, check_csrf, user_of, web_of


def versions_of(web, period) -> list[dict]:
    """The kept versions, newest first (for the dashboard)."""
    return list(reversed(versions.listing(web.config.out, period)))


def _number(text) -> int | None:
    if text in (None, ""):
        return None
    try:
        return int(str(text))
    except ValueError:
        raise HTTPException(400, f"«{text}» không phải số của một lần lập") from None


async def compare_page(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    first, last = _number(request.query_params.get("tu")), _number(request.query_params.get("den"))
    try:
        got = await run_in_threadpool(write_comparison, web.config.out, web.settings_for(period), period, first, last)
    except BaocaoError as e:
        return web.render(request, "so-sanh.html", period=str(period), doc=None, message=str(e))
    doc = got["doc"]
    names = {code: d.name for code, d in web.departments.items()}
    return web.render(request, "so-sanh.html", period=str(period), doc=doc, message="", names=names,
                      change_words={"added": "thêm", "removed": "bỏ", "changed": "sửa"})


async def compare_download(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    path = web.config.out / str(period) / f"so-sanh-{period}.docx"
    if not path.is_file():
        raise HTTPException(404, "Chưa có bản so sánh: hãy bấm «So sánh với lần lập trước» trước.")
    return FileResponse(path, media_type=DOCX, filename=path.name)


async def version_download(request: Request):
    """A kept version's report (DOCX), as it was built."""
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    number = _number(request.path_params["number"])
    try:
        meta = versions.read(web.config.out, period, number)
    except BaocaoError as e:
        raise HTTPException(404, str(e)) from None
    path = versions.version_file(web.config.out, period, number, meta["files"]["docx"])
    return FileResponse(path, media_type=DOCX, filename=f"lan-{number}-{path.name}")


def _paragraphs(res) -> list[dict]:
    """The report's paragraphs with what the edits page shows: the department's text (markup),
    the edit (if any), and whether the department changed its text after the edit."""
    model = versions.paragraph_model(res)
    edits = {e["key"]: e for e in placed(res, read_edits(res.context)[0])}
    printed = {p["key"]: p for p in model}
    out = []
    for key, section, dept, which in versions.paragraph_keys(res):
        p = printed.get(key, {"text": "", "source": ""})
        e = edits.get(key)
        applied = res.edits.get(key)
        source = applied["department_source"] if applied else p.get("source", "")
        out.append({"key": key, "section": section, "department": dept, "which": which, "printed": p["text"],
                    "source": source, "edit": e["text"] if e else "", "base": e["base"] if e else "",
                    "stale": bool(applied and applied.get("stale")), "by": e["by"] if e else "",
                    "at": e["at"] if e else ""})
    return out


async def edits_home(request: Request):
    web = web_of(request)
    user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    res = await run_in_threadpool(pipeline.check, web.ctx_for(period), None, None, False)
    paras = _paragraphs(res)
    settings = web.settings_for(period)
    sections = [{"section": s, "title": t, "count": sum(p["section"] == s for p in paras),
                 "edited": sum(p["section"] == s and bool(p["edit"]) for p in paras),
                 "stale": sum(p["section"] == s and p["stale"] for p in paras)}
                for s, t in settings["muc"].items()]
    return web.render(request, "bien-tap.html", period=str(period), sections=sections, section=None, paras=[],
                      problems=[p for p in res.problems if p.code.startswith("edit-")])


async def edits_section(request: Request):
    web = web_of(request)
    user = user_of(request, "office")
    period = web.open_period(request.path_params["period"])
    section = request.path_params["section"]
    settings = web.settings_for(period)
    if section not in settings["muc"]:
        raise HTTPException(404, f"Báo cáo không có mục «{section}»")
    ctx = web.ctx_for(period)
    message = ""
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=4, max_part_size=200_000)
        check_csrf(request, form)
        key, text = str(form.get("doan", "")), str(form.get("van_ban", ""))
        if not key.startswith(section + "/"):
            raise HTTPException(400, "Đoạn văn không thuộc mục này")
        res = await run_in_threadpool(pipeline.check, ctx, None, None, False)
        try:
            await run_in_threadpool(set_edit, ctx, res, key, text, user["username"])
        except (BaocaoError, InputError) as e:
            raise HTTPException(400, str(e)) from None
        return RedirectResponse(base_of(request) + f"/van-phong/{period}/bien-tap/{section}#doan-"
                                + key.replace("/", "-"), 303)
    res = await run_in_threadpool(pipeline.check, ctx, None, None, False)
    paras = [p for p in _paragraphs(res) if p["section"] == section]
    problems = [p for p in res.problems if p.code.startswith("edit-") or
                (p.file and p.file.startswith("bien-tap/") and p.is_error)]
    return web.render(request, "bien-tap.html", period=str(period), sections=[], section=section,
                      title=settings["muc"][section], paras=paras, problems=problems, message=message)
