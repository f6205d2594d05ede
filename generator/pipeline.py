"""The library API: ``init``, ``check``, ``build``. Every function takes plain arguments and
returns plain data (paths, problems, figures); nothing here prints or exits. The CLI and the
web intake are shells around these."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import bounds, earlier, history, intake, narrative, owners
from . import store as storage
from .annex import annex_settings, build_annex
from .annex.xlsx import annex_workbook
from .catalogue import load_catalogue
from .compose import render_report
from .compose.pdf import FONT, docx_to_pdf, font_substitute
from .compute import compute
from .context import Context
from .edits import apply_automatic, apply_narrative, edits_path
from .files import atomic_write_bytes, sha256_or_none
from .history import known_for_init
from .kept import Kept, read_key, stored_state, templates_state
from .outputs import figures_document, forget_manifest, output_path, write_json, write_manifest, write_problems_xlsx
from .periods import Period
from .printed import PeriodTexts, print_figures
from .problems import BaocaoError, InputError, UsageError, Problem, has_errors, make
from .settings import changes_since, load_settings, package_sample, package_templates, resolve_templates
from .intake import DepartmentIntake
from .sources import Entered
from .status import HAS_ERRORS, MISSING, SUBMITTED, DepartmentStatus, is_blank  # noqa: F401 - the statuses' one definition
from .store import open_store
from .timefmt import format_time, utc_now_text, zone_setting
from .versions import keep
from .vi_numbers import brief
from .workbooks import layout
from .workbooks.sandbox import elsewhere, read_workbooks, ready


@dataclass
class CheckResult:
    """A period checked: each department's intake (``intake.DepartmentIntake``) and what the
    period step made of them all. ``problems`` is every problem in the order they are listed
    (kiem-tra.xlsx, the CLI); ``by_department`` the same problems by the department they
    belong to (``add``)."""
    context: Context
    statuses: list[DepartmentStatus] = field(default_factory=list)   # errors and warnings count every problem,
    # ``hidden`` those of them past bounds.PROBLEMS_PER_FILE, not kept
    problems: list[Problem] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    printed: PeriodTexts | None = None                # the figures' printed texts, computed once (printed.py)
    narrative: dict = field(default_factory=dict)     # section -> [(department, segments, place)]
    data: dict = field(default_factory=dict)          # department -> WorkbookData read from its workbook
    automatic: dict = field(default_factory=dict)     # section -> [codes printed as automatic sentences]
    edits: dict = field(default_factory=dict)         # paragraph key -> the office's edit applied (edits.py)
    overrides: dict = field(default_factory=dict)     # (section, code) -> an edited automatic sentence's segments
    compose_problems: list = field(default_factory=list)  # paragraphs the build replaced by a marked line
    inputs: dict = field(default_factory=dict)        # department -> SHA-256 of the file or submission read
    intakes: dict[str, DepartmentIntake] = field(default_factory=dict)   # department -> its intake
    by_department: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        """True when any problem is an error (the build cannot go on)."""
        return has_errors(self.problems)

    def add(self, problems: list, department: str | None = None, first: bool = False) -> None:
        """List problems (``first``: before those listed so far), each under the department
        it belongs to: ``department`` for an intake's own; otherwise the department it names,
        the one whose file it is in, and the department of the indicator it is about when it
        is in no file (or is a components check)."""
        problems = list(problems)
        found: dict = {}
        for p in problems:
            for owner in ({department} if department else self._owners(p)):
                found.setdefault(owner, []).append(p)
        for owner, mine in found.items():
            held = self.by_department.setdefault(owner, [])
            at = 0 if first else len(held)
            held[at:at] = mine
        at = 0 if first else len(self.problems)
        self.problems[at:at] = problems

    def _owners(self, p: Problem) -> set:
        owners = {p.department} if p.department else set()
        owners |= {s.department for s in self.statuses if s.file == p.file}
        ind = self.context.catalogue.indicators.get(p.indicator) if p.indicator else None
        if ind is not None and ((not p.file and not p.department) or p.code == "components-sum"):
            owners.add(ind.department)
        return owners


def open_context(period: str | Period, inputs="inputs", out="build", templates=None, db=None) -> Context:
    """Settings and catalogue; a broken catalogue raises InputError with every problem.
    ``db``: path of the history store (the CLI's default is data/baocao.sqlite)."""
    p = period if isinstance(period, Period) else Period.parse(period)
    templates, origin = resolve_templates(templates)
    settings = load_settings(templates).for_period(p)
    cat, problems = load_catalogue(templates)
    if has_errors(problems):
        raise InputError("Danh mục chỉ tiêu có lỗi", problems)
    _check_writers(settings)
    return Context(p, Path(inputs), Path(out), templates, settings, cat.in_force(p), Path(db) if db else None, origin)


def _check_writers(settings) -> None:
    """``[muc_don_vi]`` names sections of ``[muc]`` (a department code it has that is no
    department's is said when a department is refused that section: owners.refusal)."""
    wrong = owners.unknown_sections(settings)
    if wrong:
        where = settings.get("_path", "cai-dat.toml")
        raise BaocaoError(f"Tệp cài đặt {where}, {wrong[0]}" if len(wrong) == 1 else
                          f"Tệp cài đặt {where} có {len(wrong)} lỗi:\n" + "\n".join(f"- {w}" for w in wrong))


def open_office(inputs="inputs", out="build", templates=None, db=None) -> Context:
    """The context of a command of no one period (history, import-history, user, serve,
    backup): ``period`` is None, the catalogue has every row of every period, the settings are
    the file's own (no period's [[theo_ky]] blocks); a broken catalogue raises InputError."""
    templates, origin = resolve_templates(templates)
    cat, problems = load_catalogue(templates)
    if has_errors(problems):
        raise InputError("Danh mục chỉ tiêu có lỗi", problems)
    return Context(None, Path(inputs), Path(out), templates, load_settings(templates), cat.full,
                   Path(db) if db else None, origin)


GUIDE = """THƯ MỤC LẬP BÁO CÁO KINH TẾ - XÃ HỘI (baocao)

templates/   mẫu và danh mục của văn phòng: cai-dat.toml (tên tỉnh, người ký, nơi nhận...),
             chi-tieu.csv, don-vi.csv, doi-don-vi.csv (mở bằng Excel, lưu dạng CSV UTF-8),
             BC-UBND.docx (mẫu Word). Sửa các tệp này, không cần sửa chương trình.
inputs/      biểu của các đơn vị: inputs/<YYYY-MM>/<mã-đơn-vị>.xlsx
data/        lịch sử số liệu (baocao.sqlite), tài khoản trang web, bản nộp đã nhận
build/       báo cáo đã lập: build/<YYYY-MM>/ (báo cáo DOCX có phụ lục, figures.json,
             phụ lục Excel phu-luc-<YYYY-MM>.xlsx)

Chạy các lệnh trong thư mục này:
  baocao init --period 2026-12        tạo biểu trống cho các đơn vị
  baocao check --period 2026-12       kiểm tra biểu đã nộp
  baocao build --period 2026-12       lập báo cáo (thêm --pdf để có bản PDF)
  baocao serve                        trang web nhận biểu (xem README của chương trình)
  baocao backup THƯ_MỤC_SAO_LƯU        sao lưu toàn bộ thư mục này

TÀI KHOẢN TRANG WEB
  Tài khoản văn phòng đầu tiên tạo bằng lệnh (chương trình hỏi mật khẩu, ít nhất 10 ký tự):
  baocao user add vanphong --office
  Sau đó đăng nhập trang web bằng tài khoản này, vào «Tài khoản» để tạo tài khoản cho từng
  đơn vị và cho cán bộ văn phòng khác. Mật khẩu do trang tạo chỉ hiện một lần: hãy chuyển
  cho người dùng, họ đổi mật khẩu tại «Đổi mật khẩu» sau khi đăng nhập. Cũng tại trang
  «Tài khoản»: đặt lại mật khẩu, khóa hoặc mở khóa tài khoản, xem lần đăng nhập gần nhất.
"""


def new_office(folder: Path | str, sample: bool = False) -> list[Path]:
    """An office folder: its own copies of the templates, ``inputs/``, ``data/``, ``build/``, a
    short guide, and with ``sample`` the 2023-08 sample; returns what it made. ``UsageError``
    for a folder that is not empty."""

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"Thư mục {folder} đã có nội dung; hãy chọn một thư mục mới hoặc trống")
    made = []
    shutil.copytree(package_templates(), folder / "templates",
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "~$*"))
    made.append(folder / "templates")
    for name in ("inputs", "data", "build"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        made.append(folder / name)
    (folder / "HUONG-DAN.txt").write_text(GUIDE, encoding="utf-8")
    made.append(folder / "HUONG-DAN.txt")
    if sample:
        shutil.copytree(package_sample(), folder / "inputs" / "2023-08",
                        ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        made.append(folder / "inputs" / "2023-08")
    return made


def for_period(ctx: Context, period: Period) -> Context:
    """The same settings and catalogue for another period (a range is built without reloading)."""
    return replace(ctx, period=period, catalogue=ctx.catalogue.in_force(period), settings=ctx.settings.for_period(period))


def _open_store(ctx: Context):
    if not ctx.db:
        return None
    return open_store(ctx.db)


def init(ctx: Context, force: bool = False) -> dict:
    """Blank workbooks for the period. Returns {"written", "skipped", "warnings"}."""
    # deferred on purpose: openpyxl loads only for init
    from .workbooks.init import write_blank_workbooks  # noqa: PLC0415
    prefill, problems = known_values(ctx)
    got = write_blank_workbooks(ctx.catalogue, ctx.period, ctx.settings, ctx.inputs, force=force, prefill=prefill)
    got["warnings"] = problems
    return got


def known_values(ctx: Context) -> tuple[dict, list]:
    """Values a new period's workbook can be prefilled with: the annual plan from the
    previous period of the same year, last year's values from the same period last year —
    from the history store, else from those periods' workbooks; always in today's units
    (converted by the office's table, else left blank with a warning)."""
    stored, stored_problems = {}, []
    store = _open_store(ctx)
    if store is not None:
        with store:
            stored, stored_problems = known_for_init(store, ctx.catalogue, ctx.period)
    found, problems = _known_from_workbooks(ctx)
    # each value from wherever it is known: the store first, then the earlier workbooks
    out = {code: dict(measures) for code, measures in found.items()}
    for code, measures in stored.items():
        out.setdefault(code, {}).update(measures)
    return out, stored_problems + [p for p in problems if not stored.get(p.indicator)]


def _known_from_workbooks(ctx: Context) -> tuple[dict, list]:
    out: dict = {}
    problems: list = []
    prev, ly = ctx.period.previous(), ctx.period.same_month_last_year()
    # each earlier period's workbooks as that period's catalogue made them; the values follow
    # the indicator code into today's departments
    for code in sorted(set(ctx.catalogue.in_force(prev).departments) | set(ctx.catalogue.in_force(ly).departments)):
        if prev.year == ctx.period.year and code in ctx.catalogue.in_force(prev).departments:
            data = earlier.quiet_read(ctx, prev, code)
            if data:
                for ind_code, vals in data.values.items():
                    if vals.get("plan") is not None:
                        _carry(ctx, data, ind_code, "plan", vals["plan"], "plan", out, problems)
        data = earlier.quiet_read(ctx, ly, code) if code in ctx.catalogue.in_force(ly).departments else None
        if data:
            for ind_code, vals in data.values.items():
                for src, dst in (("month", "month_last_year"), ("cumulative", "cumulative_last_year")):
                    if vals.get(src) is not None:
                        _carry(ctx, data, ind_code, src, vals[src], dst, out, problems)
    return out, problems


def _carry(ctx: Context, data, code: str, src: str, value, dst: str, out: dict, problems: list) -> None:
    """Carry a value read from an earlier period's workbook, in the unit its row states."""
    ind = ctx.catalogue.indicators.get(code)
    if ind is None:
        return  # retired since
    unit = data.units.get(code) or ind.unit
    conv = ctx.catalogue.units.in_unit(value, unit, ind.unit)
    if conv is None:
        problems.append(make("unit-changed:earlier", dict(file=layout.filename(ind.department), sheet=layout.SHEET_DATA,
                                                          indicator=code),
                             name=ind.name, code=code, file=f"{data.path.parent.name}/{data.path.name}",
                             column=layout.COLUMN_OF[src], unit=unit, new_unit=ind.unit, target=layout.COLUMN_OF[dst]))
        return
    out.setdefault(code, {})[dst] = conv


def check(ctx: Context, progress=None, override: dict | None = None, record: bool = True,
          reading=None, only: str | None = None, kept: Kept | None = None) -> CheckResult:
    """Read and validate every department's workbook of the period, collecting every problem.
    ``override``: {department: path} read instead of the folder's file (an upload being
    checked before it is accepted); ``record``: store accepted workbooks as revisions, and
    first record an earlier period's workbook that differs from its stored submission (a
    correction put in that period's folder), or name it in an error. ``reading(i, n, name)``:
    told as each of the n workbooks has been read; ``progress(i, n, name)``: as each
    department's figures are checked.
    ``only``: a department's verdict — its own intake alone (no other workbook read), its
    figures computed from its own values, its narrative's references to other departments'
    indicators checked for existence and syntax only (``narrative.check_refs``'s ``blind``);
    the checks across departments (their figures, coverage, the office's edits) are the
    office's build's: a department never learns another's unreleased figures from its verdict.
    ``kept`` (a check that records nothing): the readings and intakes a long-running process
    keeps (``kept.Kept``): a workbook whose bytes, templates and store's other periods are
    those of a kept one is neither read nor taken in again."""
    kept = None if record else kept
    if kept is None:   # (a server's readers come from a forkserver: nothing to fork now)
        ready(ctx.catalogue)   # a command forks its readers now, the catalogue in their memory
    store = _open_store(ctx)
    if store is None:
        return _check(ctx, None, progress, override or {}, record, reading, only, kept)
    with store:
        earlier = _refresh_earlier(ctx, store) if record and only is None else []
        res = _check(ctx, store, progress, override or {}, record, reading, only, kept)
        res.add(earlier, first=True)
        return res


def _refresh_earlier(ctx: Context, store) -> list:
    """An earlier period this one reads (``earlier.consulted``) whose folder holds a workbook
    that is not the department's stored current submission: that period is checked as
    ``check`` would, which records the workbook (a warning says so), or, when it has errors,
    an error names it — a build never uses the stored number the folder corrects."""
    out = []
    zone = zone_setting(ctx.settings)
    for p in earlier.consulted(ctx.period):
        depts = earlier.differing_files(ctx, store, p)
        if not depts:
            continue
        before = storage.submissions.current_files(store, str(p))
        got = _check(for_period(ctx, p), store, None, {}, True)
        after = storage.submissions.current_files(store, str(p))
        for dept in depts:
            path = earlier.folder_file(ctx, p, dept)
            name = f"{p}/{path.name}"
            rev, _sha, at = before[dept]
            errs = [x for x in department_problems(got, dept) if x.is_error]
            if not errs and after.get(dept, before[dept])[0] != rev:
                out.append(make("earlier-file-recorded", dict(file=name, department=dept), file=name, period=p, revision=rev,
                                at=format_time(at, zone), new_revision=after[dept][0], report_period=ctx.period))
                continue
            first = errs[0] if errs else None
            where = "!".join(x for x in (first.sheet, first.position) if x) if first else ""
            if first:
                out.append(make("earlier-file-differs", dict(file=name, department=dept), file=name, period=p, revision=rev,
                                at=format_time(at, zone), count=len(errs), where=where, first=first.message,
                                report_period=ctx.period))
            else:
                out.append(make("earlier-file-differs:no_example", dict(file=name, department=dept), file=name, period=p,
                                revision=rev, at=format_time(at, zone), count=len(errs), report_period=ctx.period))
    return out



CHECK_REPORT = "kiem-tra.xlsx"


def write_check_report(ctx: Context, problems: list) -> Path:
    """``<out>/<YYYY-MM>/kiem-tra.xlsx``: one row per problem, each cell a link into the
    department's workbook (relative to the report, so the folder can be moved). Returns its path."""
    target = ctx.period_out / CHECK_REPORT
    prefix = Path(os.path.relpath(ctx.period_inputs.resolve(), ctx.period_out.resolve())).as_posix() + "/"
    write_problems_xlsx(target, problems, link_prefix=prefix)
    return target


def _check(ctx: Context, store, progress, override: dict, record: bool, reading=None,
           only: str | None = None, kept: Kept | None = None) -> CheckResult:
    """The period step: every department's intake (``intake.py``), then what needs them all —
    the figures, the references between departments' texts and figures, coverage, the
    office's edits — and each department's status from its problems (``only``: see ``check``)."""
    res = CheckResult(ctx)
    cat = ctx.catalogue
    departments = {only: cat.departments[only]} if only is not None else cat.departments
    stored_ctx = history.stored_context(store, ctx.period) if store is not None else None
    folder = ctx.period_inputs
    head: list = []
    wrong = _wrong_format_files(ctx, folder, head)
    if only is not None:   # the folder's other files are no business of a department's verdict
        head, wrong = [], {c: p for c, p in wrong.items() if c == only}
    paths, early = {}, {}
    for code in departments:
        found = [Path(override[code])] if code in override else layout.workbook_files(folder, code)
        if len(found) > 1:
            early[code] = intake.two_workbooks(ctx, code, found)
            wrong.pop(code, None)
            continue
        paths[code] = found[0] if found else folder / layout.filename(code)
    intakes: dict = {}
    # what every kept result of this check depends on besides its file, looked up once
    states = (templates_state(ctx.templates), str(ctx.db), stored_state(store, ctx.period)) if kept else None
    read, shas = _read_all(ctx, paths, reading, kept, states, intakes)
    res.inputs = {c: s for c, s in shas.items() if s is not None}
    for i, (code, dept) in enumerate(departments.items(), start=1):
        if progress:
            progress(i, len(departments), dept.name)
        if code in intakes:   # kept: the same bytes, templates and store's other periods as before
            continue
        if code in early:
            got = early[code]
        elif code not in read and code in wrong:
            got = intake.wrong_format(ctx, code, wrong[code])
        elif intake.is_blank_read(read.get(code)) and code in override:   # an upload nobody filled in
            got = intake.blank_upload(ctx, code, paths[code])
        elif code not in read or intake.is_blank_read(read[code]):
            # (the files present were listed once, before reading: one consistent view)
            got = intake.from_store(ctx, store, code, stored_ctx) if store is not None else None
            if got is not None:   # no workbook in the folder, but an accepted submission for the period
                res.inputs[code] = got.sha256
            else:
                got = intake.missing(ctx, code, paths[code], blank=code in read)
        else:
            got = intake.of_workbook(ctx, store, code, paths[code], read[code], shas.get(code), stored_ctx, record)
            if kept is not None and shas.get(code):
                kept.keep_intake(_intake_key(ctx, states, code, paths[code], shas[code]), got)
        intakes[code] = got
    intakes = {code: intakes[code] for code in departments}   # the catalogue's order, kept ones too
    return _period(ctx, store, res, stored_ctx, intakes, head, only)


def _intake_key(ctx: Context, states: tuple, department: str, path: Path, sha256: str) -> tuple:
    """What an intake of a workbook depends on (``kept``): the reading's key, the store (which
    one, and its acceptances of the other periods). ``states``: (the templates' state, the
    store's path, its state), as ``_check`` found them."""
    templates, db, stored = states
    return read_key(ctx, department, path, sha256, templates), db, stored


def _read_all(ctx: Context, paths: dict, reading=None, kept: Kept | None = None, states: tuple | None = None,
              intakes: dict | None = None) -> tuple[dict, dict]:
    """Every workbook present read at once, in the bounded workers (memory and time capped):
    ({department: (WorkbookData or None, problems)}, {department: SHA-256 as read}). With
    ``kept``, a workbook whose intake is kept is not read (its intake put in ``intakes``), one
    whose reading is kept is taken from there (a copy: the intake completes it in place), and
    each one read is kept."""
    cat = ctx.catalogue
    present = [c for c, p in paths.items() if p.exists()]
    sha_of = sha256_or_none if kept is None else kept.sha256
    # each file's SHA-256 as read: one replaced while it was read (an upload accepted meanwhile) is read again
    shas = {c: sha_of(paths[c]) for c in present}
    read: dict = {}
    if kept is not None:
        state = states[0]
        for c in present:
            if shas[c] is None:
                continue
            got = kept.intake(_intake_key(ctx, states, c, paths[c], shas[c]))
            if got is not None:
                intakes[c] = got
                continue
            got = kept.read(read_key(ctx, c, paths[c], shas[c], state))
            if got is not None:
                read[c] = got
        present = [c for c in present if c not in intakes and c not in read]
    done = None if reading is None else \
        (lambda i, n: reading(i, n, cat.departments[present[i - 1]].name))
    fresh = dict(zip(present, read_workbooks([(paths[c], cat, ctx.period, c) for c in present], done)))
    for _attempt in range(3):
        moved = [c for c in present if sha_of(paths[c]) != shas[c]]
        if not moved:
            break
        shas.update({c: sha_of(paths[c]) for c in moved})
        fresh.update(zip(moved, read_workbooks([(paths[c], cat, ctx.period, c) for c in moved])))
    if kept is not None:
        for c, got in fresh.items():
            if shas[c] is not None:
                kept.keep_read(read_key(ctx, c, paths[c], shas[c], state), got)
    read.update(fresh)
    return read, shas


def _period(ctx: Context, store, res: CheckResult, stored_ctx, intakes: dict, head: list,
            only: str | None = None) -> CheckResult:
    """The intakes combined: figures, cross-department checks, coverage, statuses. ``only``:
    one department's verdict — the figures of its own indicators alone, other departments'
    figures never resolved, nothing of the report's coverage or the office's edits."""
    cat, settings = ctx.catalogue, ctx.settings
    ectx = ctx
    if only is not None:   # the earlier periods' figures of this department's indicators alone
        ectx = replace(ctx, catalogue=replace(cat, departments={only: cat.departments[only]}, indicators={
            c: i for c, i in cat.indicators.items() if i.department == only}))
    res.intakes = intakes
    res.statuses = [got.status_row() for got in intakes.values()]
    res.add(head)
    for got in sorted(intakes.values(), key=lambda got: not got.ahead):   # two workbooks said first, as found
        res.add(got.problems, got.department)
    res.data = {code: got.data for code, got in intakes.items() if got.data is not None}
    broken = {code for code, got in intakes.items() if got.broken}
    entered: dict[str, Entered] = {}
    for got in intakes.values():
        entered.update(got.entered)
    quarters, qprobs = earlier.quarters(ectx, store, entered)
    res.add(qprobs)
    for code, got in quarters.items():
        entered[code] = entered.get(code, Entered()).adding({k: v.value for k, v in got.items()},
                                                             {k: v.source for k, v in got.items()})
    for code, (value, source, revision) in earlier.previous_months(ectx, store, stored_ctx).items():
        entered[code] = entered.get(code, Entered()).adding({"month_previous": value}, {"month_previous": source},
                                                            {"month_previous": revision} if revision else {})
    figures, cprobs = compute(cat, entered, settings)
    # one cause, one message: a workbook with errors already says why its figures are missing
    res.add([p for p in cprobs if not (p.indicator and cat.indicators[p.indicator].department in broken)])
    res.figures = figures
    res.printed = print_figures(figures, settings)
    for got in intakes.values():
        blind = (lambda ref, d=got.department: _blind(cat, ref, d)) if only is not None else (lambda ref: None)
        for section, dept, segments, place in got.narrative:
            res.narrative.setdefault(section, []).append((dept, segments, place))
            res.add(intake.of_department([replace(p, **place) for p in narrative.check_refs(
                segments, res.printed, skip=lambda c: cat.indicators[c].department in broken, blind=blind)], dept))
    if only is None:
        _across(ctx, res, broken)
    _with_notes(res, figures)
    for s in res.statuses:   # counted once everything is known: the narrative's and the figures' warnings too
        if s.status != MISSING:
            mine = department_problems(res, s.department)
            # capped again with the problems found since (the references against the figures)
            kept, s.hidden = bounds.capped(mine, s.hidden, s.file)
            if kept != mine:
                _replace_problems(res, s.department, mine, intake.of_department(kept, s.department))
            s.errors, s.warnings = bounds.counts(kept, s.hidden)
            if s.errors and s.status == SUBMITTED:
                s.status = HAS_ERRORS
    return res


NOTE_QUOTED = 500   # characters of a department's «Ghi chú» quoted beside each of its problems


def _with_notes(res: CheckResult, figures: dict) -> None:
    """Each problem about an indicator whose department wrote a «Ghi chú» on its row gets that
    note (``Problem.note``), in the period's list and its department's: the office reads the
    department's explanation beside the warning (a long note quoted briefly: its first 500
    characters and its length; figures.json keeps it whole). A problem of another department's
    text that names the indicator gets no note."""
    noted = {}
    for p in res.problems:
        fig = figures.get(p.indicator)
        if fig is not None and fig.note and p.department in ("", fig.indicator.department) and not p.note:
            noted[id(p)] = replace(p, note=brief(fig.note, NOTE_QUOTED))
    if noted:
        res.problems = [noted.get(id(p), p) for p in res.problems]
        for department, held in res.by_department.items():
            res.by_department[department] = [noted.get(id(p), p) for p in held]


def _across(ctx: Context, res: CheckResult, broken: set) -> None:
    """What only the office's build (and its dashboard) checks: the office's edits, where each
    indicator reaches the report, the sections nobody wrote."""
    cat, settings, figures = ctx.catalogue, ctx.settings, res.figures
    # deferred on purpose: the template checks load Jinja2 and lxml
    from .coverage import place_indicators, template_uses  # noqa: PLC0415
    res.add(apply_narrative(ctx, res))   # the office's wording, before the automatic sentences are placed
    res.automatic, lost = place_indicators(cat, figures, res.narrative, settings, template_uses(ctx.templates), broken)
    res.add(lost)
    res.add(apply_automatic(ctx, res))
    if not broken and not any(s.status == MISSING for s in res.statuses):
        written = set(res.narrative) | {i.section for i in cat.indicators.values() if i.section}
        res.add([make("empty-section", None, section=section, title=title)
                 for section, title in settings["muc"].items() if section not in written])


def _blind(cat, ref, department: str) -> str | None:
    """The name of the department whose figures a reference prints when it is not
    ``department`` (a share depends on its parent's figure too), else None."""
    ind = cat.indicators[ref.code]
    other = None
    if ind.department != department:
        other = ind.department
    elif ref.measure == "tytrong" and ind.parent in cat.indicators and cat.indicators[ind.parent].department != department:
        other = cat.indicators[ind.parent].department
    if other is None:
        return None
    return cat.departments[other].name if other in cat.departments else other


def _replace_problems(res: CheckResult, department: str, old: list, new: list) -> None:
    """A department's problems ``old`` replaced by ``new`` (capped), in its list and in the
    period's, where the first of them stood."""
    gone = {id(p) for p in old}
    at = next((i for i, p in enumerate(res.problems) if id(p) in gone), len(res.problems))
    rest = [p for p in res.problems if id(p) not in gone]
    res.problems = rest[:at] + new + rest[at:]
    res.by_department[department] = list(new)


def _wrong_format_files(ctx: Context, folder: Path, problems: list) -> dict:
    """Files in the period's folder that are not a department's workbook: a department's
    file saved in another format (``so-y-te.ods``) is returned {department: path}; any other
    file is named in a warning (added to ``problems``) and not read."""
    cat = ctx.catalogue
    out: dict = {}
    if not folder.is_dir():
        return out
    for extra in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))):
        stem = extra.name.split(".")[0]
        if stem in cat.departments and layout.is_workbook_name(extra.name, stem):
            continue
        if stem in cat.departments:
            if not layout.workbook_files(folder, stem):
                out[stem] = extra
            else:
                problems.append(make("extra-file", dict(file=extra.name), name=extra.name,
                                     department=cat.departments[stem].name, file=layout.filename(stem)))
            continue
        problems.append(make("unknown-file", dict(file=extra.name), name=extra.name))
    return out


def department_problems(res: CheckResult, department: str) -> list[Problem]:
    """The problems that belong to one department: its intake's, and those of the period step
    about its text or its indicators (``CheckResult.add``)."""
    return list(res.by_department.get(department, []))


def missing_problems(res: CheckResult) -> list[Problem]:
    """One ``not-submitted`` error per department with no workbook (status «chưa nộp»), naming
    the file expected and whether it is there but still blank."""
    return [make("not-submitted:blank" if s.blank else "not-submitted", dict(file=s.file, department=s.department),
                 name=s.name, file=s.file)
            for s in res.statuses if s.status == MISSING]


def import_history(ctx: Context, path: Path) -> dict:
    """Record earlier periods' figures from one workbook, in one transaction: every row is
    recorded, or (on any error) none. A period and department the store already holds are
    merged with it (a value given again with another number is an error naming both); every
    value is checked as ``check`` checks a workbook's. Returns {"recorded": [(period, dept,
    revision)], "merged": [(period, dept)], "problems"}. ``BaocaoError`` without a store,
    ``InputError`` (every problem, nothing written) when the file has errors."""
    if ctx.db is None:
        raise BaocaoError("Cần chỉ ra cơ sở dữ liệu lịch sử (--db)")
    subs, problems = history.import_rows(ctx.catalogue, Path(path))
    if has_errors(problems):
        raise InputError("Tệp lịch sử có lỗi; chưa ghi gì vào cơ sở dữ liệu", problems)
    recorded, merged = [], []
    with storage.open_store(ctx.db) as store, storage.transaction(store):
        plan = []
        for sub in subs:
            got, mprobs = history.merge_import(store, ctx.catalogue, sub, ctx.inputs)
            problems += mprobs
            if got is not None:
                problems += history.import_checks(ctx.catalogue, ctx.settings, sub[0], sub[1], sub[2], sub[4], got[4])
                plan.append((got, len(got[4]) > len(sub[4])))
        if has_errors(problems):   # leaving the transaction by an exception: nothing is written
            raise InputError("Tệp lịch sử có lỗi; chưa ghi gì vào cơ sở dữ liệu", problems)
        for sub, with_stored in plan:
            rev, new = storage.submissions.insert_submission(store, *sub)
            if new:
                recorded.append((sub[0], sub[1], rev))
                if with_stored:
                    merged.append((sub[0], sub[1]))
    return {"recorded": recorded, "merged": merged, "problems": problems}


def history_series(ctx: Context, code: str, first: str | None = None, last: str | None = None) -> list[dict]:
    """An indicator's figures over the periods ``first``..``last`` (``YYYY-MM``; None: no limit)
    from the history store, as ``history.series_rows`` gives them: one dict per period.
    ``BaocaoError`` without a store, ``InputError`` for a code in no catalogue row."""
    if ctx.db is None:
        raise BaocaoError("Xem lịch sử chỉ tiêu cần cơ sở dữ liệu lịch sử (--db)")
    full = ctx.catalogue.full   # a retired indicator has a history too
    if code not in full.indicators:
        raise InputError(f"Mã chỉ tiêu «{code}» không có trong danh mục", [])
    with storage.open_store(ctx.db) as store:
        return history.series_rows(store, full, code, first or "0000-00", last or "9999-99", ctx.settings)


def _annex_workbook(ctx: Context, annex):
    """The annex workbook, written in a worker while the caller renders the DOCX (``.result()``
    gives its bytes): this period's table and the year's months from the history store
    (without a store, the months other than this one are blank)."""
    # deferred on purpose: lxml loads only when the annex is built
    from .compose.properties import build_time  # noqa: PLC0415
    months: dict = {}
    if ctx.db is not None:
        with storage.open_store(ctx.db) as store:
            months = history.months_of_year(store, ctx.catalogue, ctx.period, [r.code for r in annex.rows])
    for row in annex.rows:   # this period's own values are the report's, whatever the store holds
        months.setdefault(row.code, {})[ctx.period.month] = row.cells["month"].value
    return elsewhere(annex_workbook, annex, months, build_time(ctx.period, ctx.settings))


def _recorded_settings(figures_path: Path):
    """The settings the period's last build recorded in its figures.json, or None."""
    try:
        return json.loads(figures_path.read_text(encoding="utf-8")).get("settings")
    except (OSError, ValueError, AttributeError):
        return None


def read_identities(ctx: Context) -> dict:
    """{period: {department: SHA-256}} of what the earlier periods a build reads hold now."""
    store = _open_store(ctx)
    try:
        return {str(p): earlier.identities(for_period(ctx, p), store, p) for p in earlier.consulted(ctx.period)}
    finally:
        if store is not None:
            store.close()


def changed_inputs(ctx: Context, manifest: dict | None, kept: Kept | None = None) -> list[dict]:
    """What changed since the build the manifest describes read its inputs: [{"period",
    "department", "at" (UTC text: the acceptance, or the file's time)}] for each department of
    the period or of an earlier period it read whose workbook or current submission is no
    longer the one the build read. A manifest of an older version (no inputs) compares times.
    ``kept``: a server's kept files' SHA-256 (hashed again only when a file changed)."""
    if not manifest:
        return []
    store = _open_store(ctx)
    try:
        if "inputs" not in manifest:
            newest = storage.submissions.last_acceptance(store, str(ctx.period)) if store is not None else None
            return [{"period": str(ctx.period), "department": "", "at": newest}] \
                if newest and newest > manifest.get("time", "") else []
        out = []
        for period, then in sorted(manifest["inputs"].items()):
            p = Period.parse(period)
            now = earlier.identities(for_period(ctx, p), store, p, *([kept.sha256] if kept is not None else []))
            current = {}
            if store is not None:
                current = storage.submissions.current_files(store, period)
            for dept in sorted(set(then) | set(now)):
                if then.get(dept) == now.get(dept):
                    continue
                at = ""
                if dept in current and current[dept][1] == now.get(dept):
                    at = current[dept][2]
                else:
                    path = earlier.folder_file(for_period(ctx, p), p, dept)
                    if path is not None:
                        at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                out.append({"period": period, "department": dept, "at": at})
        return out
    finally:
        if store is not None:
            store.close()


def build(ctx: Context, allow_missing: bool = False, pdf: bool = False, progress=None, draft: bool = False,
          by: str = "", phase=None, reading=None) -> dict:
    """Check, then write ``figures.json`` and the DOCX (and the PDF) into ``<out>/<period>/``,
    and keep them as the period's next numbered version (``versions``; ``by``: who started it).
    ``draft``: only «…-du-thao.docx» (and its PDF), stamped «DỰ THẢO», the finals untouched and
    no version kept.
    Refuses on any error in a submitted workbook (``InputError`` with every problem; nothing
    written); departments that have not submitted are an error unless ``allow_missing`` (their
    figures then print as missing, never as zero). ``TemplateProblems``/``BaocaoError`` when the
    Word template is wrong or LibreOffice fails.
    ``phase(name)`` is told each step as it starts: "docx", "annex", "pdf" (the reading's
    progress goes to ``reading(i, n, name)``, the checking's to ``progress(i, n, name)``)."""
    phase = phase or (lambda name: None)
    # The composer is loaded after the check, not in a thread during it: on two cores the
    # workers already take both, and a thread would only contend for this process's lock
    # (measured: no faster).
    read_at = utc_now_text()   # the build reports the submissions as they were when it started reading
    earlier = read_identities(ctx)
    res = check(ctx, progress=progress, reading=reading)
    problems = list(res.problems)
    if not allow_missing:
        problems += missing_problems(res)
    if has_errors(problems):
        raise InputError("Số liệu đầu vào có lỗi; chưa lập báo cáo", problems)
    annex = build_annex(ctx.catalogue, res.printed, ctx.settings, ctx.period)
    conf = annex_settings(ctx.settings)
    # a draft (--du-thao) is its own DOCX (and PDF), «…-du-thao.docx»: the final report, its
    # figures.json and annex workbook are never touched by it
    pending = _annex_workbook(ctx, annex) if annex is not None and conf["bang_tinh"] and not draft else None
    phase("docx")
    docx = render_report(ctx, res, draft, annex=annex if conf["trong_van_ban"] else None)  # a broken template stops here
    if pending is not None:
        phase("annex")
    workbook = pending.result() if pending is not None else None
    problems += res.compose_problems   # a department's paragraph the composer replaced by a marked line
    out = ctx.period_out
    out.mkdir(parents=True, exist_ok=True)
    forget_manifest(out, draft)
    paths = {}
    docx_path = output_path(ctx.out, ctx.settings, ctx.period, "draft" if draft else "docx")
    atomic_write_bytes(docx_path, docx)
    paths["docx"] = docx_path
    if not draft:
        figures_path = output_path(ctx.out, ctx.settings, ctx.period, "json")
        changed = changes_since(_recorded_settings(figures_path), ctx.settings)
        if changed:
            problems.append(make("settings-changed", dict(file=figures_path.name), period=ctx.period, changes="; ".join(changed)))
        write_json(figures_path, figures_document(ctx.period, res.printed, ctx.settings))
        paths["figures"] = figures_path
        annex_path = output_path(ctx.out, ctx.settings, ctx.period, "annex")
        if workbook is not None:
            atomic_write_bytes(annex_path, workbook)
            paths["annex"] = annex_path
        elif annex_path.exists():
            annex_path.unlink()   # an annex no longer asked for is never left as if current
    if pdf:
        phase("pdf")
        paths["pdf"] = docx_to_pdf(docx_path, output_path(ctx.out, ctx.settings, ctx.period,
                                                          "draft-pdf" if draft else "pdf"))
        other = font_substitute()
        if other:
            problems.append(make("font-missing", dict(file=paths["pdf"].name), font=FONT, other=other))
    warnings = [p for p in problems if not p.is_error]
    at = utc_now_text()
    kinds = {"figures": "json", **({"docx": "draft", "pdf": "draft-pdf"} if draft else {})}
    write_manifest(out, {kinds.get(k, k): v for k, v in paths.items()}, warnings, at,
                   read_at=read_at, inputs={str(ctx.period): res.inputs, **earlier}, draft=draft)
    if draft:   # a draft is no version of the report
        return {"paths": paths, "check": res, "warnings": warnings, "version": None}
    version = keep(ctx, res, paths, at, by=by, edits_file=edits_path(ctx), warnings=warnings)
    return {"paths": paths, "check": res, "warnings": warnings, "version": version}
