"""The library API: ``init``, ``check``, ``build``. Every function takes plain arguments and
returns plain data (paths, problems, figures); nothing here prints or exits. The CLI and the
web intake are shells around these."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import narrative as N
from .catalogue import Catalogue, load_catalogue
from .compute import compute
from .periods import Period
from .problems import BaocaoError, InputError, Problem, error, has_errors, warning
from .settings import DEFAULT_TEMPLATES, load_settings
from .workbooks import layout as L
from .workbooks.read import read_workbook
from .workbooks.validate import validate_values

SUBMITTED, MISSING, HAS_ERRORS = "đã nộp", "chưa nộp", "có lỗi"


@dataclass
class Context:
    period: Period
    inputs: Path
    out: Path
    templates: Path
    settings: dict
    catalogue: Catalogue
    db: Path | None = None   # the history store; None: work from the workbooks alone

    @property
    def period_inputs(self) -> Path:
        return self.inputs / str(self.period)

    @property
    def period_out(self) -> Path:
        return self.out / str(self.period)


@dataclass
class CheckResult:
    context: Context
    statuses: list = field(default_factory=list)     # [{department, name, status, file, errors, warnings}]
    problems: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    narrative: dict = field(default_factory=dict)     # section -> [(department, segments, place)]

    @property
    def has_errors(self) -> bool:
        return has_errors(self.problems)


def open_context(period: str | Period, inputs="inputs", out="build", templates=None, db=None) -> Context:
    """Settings and catalogue; a broken catalogue raises InputError with every problem.
    ``db``: path of the history store (the CLI's default is data/baocao.sqlite)."""
    p = period if isinstance(period, Period) else Period.parse(period)
    templates = Path(templates) if templates else DEFAULT_TEMPLATES
    settings = load_settings(templates)
    cat, problems = load_catalogue(templates)
    if has_errors(problems):
        raise InputError("Danh mục chỉ tiêu có lỗi", problems)
    return Context(p, Path(inputs), Path(out), templates, settings, cat, Path(db) if db else None)


def for_period(ctx: Context, period: Period) -> Context:
    """The same settings and catalogue for another period (a range is built without reloading)."""
    from dataclasses import replace
    return replace(ctx, period=period)


def _open_store(ctx: Context):
    from .store import open_store
    return open_store(ctx.db) if ctx.db else None


def init(ctx: Context, force: bool = False) -> dict:
    from .workbooks.init import write_blank_workbooks
    prefill = known_values(ctx)
    return write_blank_workbooks(ctx.catalogue, ctx.period, ctx.settings, ctx.inputs, force=force, prefill=prefill)


def known_values(ctx: Context) -> dict:
    """Values a new period's workbook can be prefilled with: the annual plan from the
    previous period of the same year, last year's values from the same period last year —
    from the history store, else from those periods' workbooks."""
    store = _open_store(ctx)
    if store is not None:
        from .history import known_for_init
        try:
            found = known_for_init(store, ctx.catalogue, ctx.period)
        finally:
            store.close()
        if found:
            return found
    out: dict = {}
    prev, ly = ctx.period.previous(), ctx.period.same_month_last_year()
    for code, dept in ctx.catalogue.departments.items():
        if prev.year == ctx.period.year:
            data = _quiet_read(ctx, prev, code)
            if data:
                for ind_code, vals in data.values.items():
                    if vals.get("plan") is not None:
                        out.setdefault(ind_code, {})["plan"] = vals["plan"]
        data = _quiet_read(ctx, ly, code)
        if data:
            for ind_code, vals in data.values.items():
                for src, dst in (("month", "month_last_year"), ("cumulative", "cumulative_last_year")):
                    if vals.get(src) is not None:
                        out.setdefault(ind_code, {})[dst] = vals[src]
    return out


def _quiet_read(ctx: Context, period: Period, dept: str):
    path = ctx.inputs / str(period) / L.filename(dept)
    if not path.exists():
        return None
    data, _ = read_workbook(path, ctx.catalogue, period, dept)
    return data


def check(ctx: Context, progress=None, override: dict | None = None, record: bool = True) -> CheckResult:
    """Read and validate every department's workbook of the period, collecting every problem.
    ``override``: {department: path} read instead of the folder's file (an upload being
    checked before it is accepted); ``record``: store accepted workbooks as revisions."""
    store = _open_store(ctx)
    try:
        return _check(ctx, store, progress, override or {}, record)
    finally:
        if store is not None:
            store.close()


def _check(ctx: Context, store, progress, override: dict, record: bool) -> CheckResult:
    from . import history as H
    res = CheckResult(ctx)
    cat, settings = ctx.catalogue, ctx.settings
    stored_ctx = H.stored_context(store, ctx.period) if store is not None else None
    folder = ctx.period_inputs
    entered: dict = {}
    texts: list = []
    codes = set(cat.indicators)
    expected = {L.filename(c) for c in cat.departments} | {L.filename(c, ".xls") for c in cat.departments}
    if folder.is_dir():
        for extra in sorted(p.name for p in folder.iterdir()
                            if p.is_file() and p.name not in expected and not p.name.startswith((".", "~$"))):
            res.problems.append(warning("unknown-file", f"Tệp «{extra}» không mang tên của đơn vị nào trong danh mục "
                                        f"(cần <mã đơn vị>.xlsx); tệp này không được đọc", file=extra))
    for i, (code, dept) in enumerate(cat.departments.items(), start=1):
        path = Path(override[code]) if code in override else folder / L.filename(code)
        if not path.exists() and (folder / L.filename(code, ".xls")).exists():
            path = folder / L.filename(code, ".xls")  # an old-format submission
        if progress:
            progress(i, len(cat.departments), dept.name)
        if not path.exists():
            stored = H.values_from_store(cat, code, stored_ctx) if stored_ctx is not None and any(
                stored_ctx["same"].get(i.code) for i in cat.of_department(code)) else {}
            if stored:  # no workbook in the folder, but the store has this period's submission
                entered.update(stored)
                revs = sorted({r for v in stored.values() for r in v["revisions"].values()})
                res.statuses.append(dict(department=code, name=dept.name, status=SUBMITTED,
                                         file=f"store:{revs[-1]}", errors=0, warnings=0))
                continue
            res.statuses.append(dict(department=code, name=dept.name, status=MISSING, file=path.name,
                                     errors=0, warnings=0))
            continue
        data, probs = read_workbook(path, cat, ctx.period, code)
        if data is not None:
            if stored_ctx is not None:
                H.fill_missing(cat, data, stored_ctx)
            probs += validate_values(cat, data, settings)
            if stored_ctx is not None:
                probs += H.cross_period_checks(cat, data, stored_ctx, settings)
                if record and not has_errors(probs):
                    H.record_workbook(store, ctx.period, code, data)
            for ind_code, vals in data.values.items():
                entered[ind_code] = {"values": vals, "sources": data.sources.get(ind_code, {}),
                                     "revisions": data.revisions.get(ind_code, {})}
            for section, body, cell in data.narrative:
                place = dict(file=path.name, sheet=L.SHEET_TEXT, cell=cell)
                if section not in settings["muc"]:
                    probs.append(error("unknown-section", f"Mục «{section}» không có trong báo cáo; dùng một trong: "
                                       + ", ".join(settings["muc"]), **place))
                    continue
                if not body:
                    continue
                segments, mprobs = N.parse(body, codes)
                probs += [error(m.code, m.message, indicator=m.indicator, **place) for m in mprobs]
                texts.append((section, code, segments, place))
        n_err = sum(p.is_error for p in probs)
        res.statuses.append(dict(department=code, name=dept.name, status=HAS_ERRORS if n_err else SUBMITTED,
                                 file=path.name, errors=n_err, warnings=len(probs) - n_err))
        res.problems += probs
    figures, cprobs = compute(cat, entered, settings)
    res.problems += cprobs
    res.figures = figures
    missing_text = settings["cach_viet"]["thieu_so_lieu"]
    for section, dept, segments, place in texts:
        res.narrative.setdefault(section, []).append((dept, segments, place))
        for ref in N.refs(segments):
            if N.print_ref(ref, figures, settings) == missing_text:
                shown = "{" + ref.code + (":" + ref.measure if ref.measure else "") + "}"
                res.problems.append(warning(
                    "markup-no-figure", f"«{shown}» không tính được vì thiếu số liệu (kế hoạch, cùng kỳ hoặc số "
                    f"thực hiện của {ref.code}); báo cáo sẽ in «{missing_text}»", indicator=ref.code, **place))
    return res


def department_problems(res: CheckResult, department: str) -> list[Problem]:
    """The problems that belong to one department: its file's, and those of its indicators."""
    status = next(s for s in res.statuses if s["department"] == department)
    own = {i.code for i in res.context.catalogue.of_department(department)}
    return [p for p in res.problems if p.file == status["file"] or (not p.file and p.indicator in own)
            or (p.indicator in own and p.code == "components-sum")]


def missing_problems(res: CheckResult) -> list[Problem]:
    return [error("not-submitted", f"Đơn vị «{s['name']}» chưa nộp biểu {s['file']}", file=s["file"])
            for s in res.statuses if s["status"] == MISSING]


def import_history(ctx: Context, path: Path) -> dict:
    """Record earlier periods' figures from one workbook, in one transaction: every row is
    recorded, or (on any error) none. Returns {"recorded": [(period, dept, revision)], "problems"}."""
    from . import history as H
    from . import store as S
    if ctx.db is None:
        raise BaocaoError("Cần chỉ ra cơ sở dữ liệu lịch sử (--db)")
    subs, problems = H.import_rows(ctx.catalogue, Path(path))
    if has_errors(problems):
        raise InputError("Tệp lịch sử có lỗi; chưa ghi gì vào cơ sở dữ liệu", problems)
    store = S.open_store(ctx.db)
    try:
        got = S.record_many(store, subs)
    finally:
        store.close()
    return {"recorded": [(p, d, rev) for (p, d, *_), (rev, new) in zip(subs, got) if new], "problems": problems}


def history_series(ctx: Context, code: str, first: str | None = None, last: str | None = None) -> list[dict]:
    from . import history as H
    from . import store as S
    if code not in ctx.catalogue.indicators:
        raise InputError(f"Mã chỉ tiêu «{code}» không có trong danh mục", [])
    store = S.open_store(ctx.db)
    try:
        return H.series_rows(store, ctx.catalogue, code, first or "0000-00", last or "9999-99", ctx.settings)
    finally:
        store.close()


def build(ctx: Context, allow_missing: bool = False, pdf: bool = False, progress=None) -> dict:
    """Check, then write ``figures.json`` and the DOCX (and the PDF) into ``<out>/<period>/``.
    Refuses on any error in a submitted workbook; departments that have not submitted are an
    error unless ``allow_missing`` (their figures then print as missing, never as zero)."""
    from .outputs import figures_document, write_json
    res = check(ctx, progress=progress)
    problems = list(res.problems)
    if not allow_missing:
        problems += missing_problems(res)
    if has_errors(problems):
        raise InputError("Số liệu đầu vào có lỗi; chưa lập báo cáo", problems)
    out = ctx.period_out
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    from .compose import compose_report
    docx_path = out / ctx.settings["co_quan"]["ten_tep"].format(ky=str(ctx.period))
    compose_report(ctx, res, docx_path)
    paths["docx"] = docx_path
    figures_path = out / "figures.json"
    write_json(figures_path, figures_document(ctx.period, res.figures, ctx.settings))
    paths["figures"] = figures_path
    if pdf:
        from .compose.pdf import docx_to_pdf
        paths["pdf"] = docx_to_pdf(docx_path)
    return {"paths": paths, "check": res, "warnings": [p for p in problems if not p.is_error]}
