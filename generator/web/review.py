"""The office's review pages: the period's kept versions, «So sánh với lần lập trước» (the
changed figures as a table, the tracked-changes DOCX to download) and «Biên tập» (the wording
of each section's paragraphs, edited without touching the departments' files)."""
from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse

from .. import versions
from ..compare import write_comparison
from ..edits import placed, read_edits, set_edit
from ..problems import BaocaoError, InputError
from .common import DOCX
from .pages import OFFICE, Visit, page


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


@page(OFFICE, period=True)
def compare_page(visit: Visit):
    """GET /van-phong/{period}/so-sanh: two kept builds compared (``?tu=N&den=M``; default the
    last two): the changed figures and paragraphs."""
    web, period, query = visit.web, visit.period, visit.request.query_params
    first, last = _number(query.get("tu")), _number(query.get("den"))
    try:
        got = write_comparison(web.config.out, web.settings_for(period), period, first, last)
    except BaocaoError as e:
        return visit.render("so-sanh.html", period=str(period), doc=None, message=str(e))
    doc = got["doc"]
    names = {code: d.name for code, d in web.departments.items()}
    return visit.render("so-sanh.html", period=str(period), doc=doc, message="", names=names,
                        change_words={"added": "thêm", "removed": "bỏ", "changed": "sửa"})


@page(OFFICE, period=True)
def compare_download(visit: Visit):
    """GET /van-phong/{period}/so-sanh.docx: the comparison as tracked changes in Word; 404
    before a comparison was made."""
    period = visit.period
    path = visit.web.config.out / str(period) / f"so-sanh-{period}.docx"
    if not path.is_file():
        raise HTTPException(404, "Chưa có bản so sánh: hãy bấm «So sánh với lần lập trước» trước.")
    return FileResponse(path, media_type=DOCX, filename=path.name)


@page(OFFICE, period=True)
def version_download(visit: Visit):
    """GET /van-phong/{period}/lan-lap/{number}/bao-cao.docx: a kept version's report (DOCX), as
    it was built; 404 for a version not kept (400 for a number that is none: ``_number``)."""
    out, period = visit.web.config.out, visit.period
    number = _number(visit.request.path_params["number"])
    try:
        meta = versions.read(out, period, number)
    except BaocaoError as e:
        raise HTTPException(404, str(e)) from None
    path = versions.version_file(out, period, number, meta["files"]["docx"])
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


@page(OFFICE, period=True)
def edits_home(visit: Visit):
    """GET /van-phong/{period}/bien-tap: the report's sections with their paragraphs and the
    office's edits."""
    web, period = visit.web, visit.period
    res = web.check(web.ctx_for(period))
    paras = _paragraphs(res)
    settings = web.settings_for(period)
    sections = [{"section": s, "title": t, "count": sum(p["section"] == s for p in paras),
                 "edited": sum(p["section"] == s and bool(p["edit"]) for p in paras),
                 "stale": sum(p["section"] == s and p["stale"] for p in paras)}
                for s, t in settings["muc"].items()]
    return visit.render("bien-tap.html", period=str(period), sections=sections, section=None, paras=[],
                        problems=[p for p in res.problems if p.code.startswith("edit-")])


@page(OFFICE, period=True, form=dict(max_files=0, max_fields=4, max_part_size=200_000))
def edits_section(visit: Visit):
    """GET/POST /van-phong/{period}/bien-tap/{section}: read and edit the wording of one
    section's paragraphs; 404 for a section the report does not have, 400 for a paragraph not
    of it or an edit that cannot be made."""
    web, period = visit.web, visit.period
    section = visit.request.path_params["section"]
    settings = web.settings_for(period)
    if section not in settings["muc"]:
        raise HTTPException(404, f"Báo cáo không có mục «{section}»")
    ctx = web.ctx_for(period)
    message = ""
    if visit.form is not None:
        key, text = str(visit.form.get("doan", "")), str(visit.form.get("van_ban", ""))
        if not key.startswith(section + "/"):
            raise HTTPException(400, "Đoạn văn không thuộc mục này")
        res = web.check(ctx)
        try:
            set_edit(ctx, res, key, text, visit.user["username"])
        except (BaocaoError, InputError) as e:
            raise HTTPException(400, str(e)) from None
        return visit.redirect("edits_section", fragment="doan-" + key.replace("/", "-"), period=period,
                              section=section)
    res = web.check(ctx)
    paras = [p for p in _paragraphs(res) if p["section"] == section]
    problems = [p for p in res.problems if p.code.startswith("edit-") or
                (p.file and p.file.startswith("bien-tap/") and p.is_error)]
    return visit.render("bien-tap.html", period=str(period), sections=[], section=section,
                        title=settings["muc"][section], paras=paras, problems=problems, message=message)
