"""The intake step: one department's submission for a period — its workbook (already read by
the bounded readers) validated, completed from the store and recorded, or, with no workbook
in the folder, its accepted submission taken whole from the store — as a
``DepartmentIntake``. Nothing here looks at another department's submission: the period step
(``pipeline.check``) combines the intakes, computes the figures and runs the checks across
departments (references, components, coverage, the office's edits).

A ``DepartmentIntake`` depends on the department's file (its SHA-256), the catalogue, the
settings and the store's ``StoredContext`` of the period, and on nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from . import bounds, history, narrative, owners
from . import store as storage
from .context import Context
from .history import StoredContext
from .problems import Problem, has_errors, make
from .sources import Entered, entered
from .status import HAS_ERRORS, MISSING, SUBMITTED, DepartmentStatus, is_blank
from .timefmt import format_time, zone_setting
from .vi_numbers import brief
from .workbooks import layout
from .workbooks.typed import name_form_fields
from .workbooks.validate import validate_values


class NarrativeRow(NamedTuple):
    """One ``Thuyết minh`` row parsed: the section it is written in, whose it is, its segments
    (``narrative.parse``) and its place ({file, sheet, cell}) for problems."""
    section: str
    department: str
    segments: list
    place: dict


@dataclass
class DepartmentIntake:
    """One department's submission for the period, read and checked on its own."""
    department: str
    name: str
    status: str                  # MISSING, SUBMITTED or HAS_ERRORS, by its own problems
    file: str                    # as shown: the workbook's name, «a.xlsx, a.xls», ``store:<revision>``
    sha256: str | None = None    # of the file read, or of the stored submission's file
    data: object = None          # the WorkbookData read from its workbook (None: none read)
    entered: dict[str, Entered] = field(default_factory=dict)   # indicator code -> its values
    problems: list[Problem] = field(default_factory=list)       # each naming the department
    narrative: list[NarrativeRow] = field(default_factory=list)
    broken: bool = False         # its figures are not to be trusted: unreadable, or with errors
    blank: bool = False          # MISSING because its workbook is as ``init`` wrote it
    ahead: bool = False          # its problems are listed before the other departments' (two workbooks)
    hidden: tuple[int, int] = (0, 0)   # (errors, warnings) past bounds.PROBLEMS_PER_FILE: counted, not kept

    def status_row(self) -> DepartmentStatus:
        """The department's status row (``status.DepartmentStatus``): its errors and warnings
        counted, those past the cap (``hidden``) included."""
        n_err, n_warn = bounds.counts(self.problems, self.hidden)
        return DepartmentStatus(self.department, self.name, self.status, self.file, n_err, n_warn, self.blank,
                                self.hidden)


def of_department(problems: list, department: str) -> list:
    """The problems of a department's submission, each naming the department."""
    return [p if p.department else replace(p, department=department) for p in problems]


def two_workbooks(ctx: Context, department: str, found: list[Path]) -> DepartmentIntake:
    """«so-a.xlsx» and a corrected «so-a.xls»: which one is meant is the department's call."""
    name = ctx.catalogue.departments[department].name
    problem = make("two-workbooks", dict(file=found[0].name), period=ctx.period, count=len(found), name=name,
                   files=", ".join(p.name for p in found))
    return DepartmentIntake(department, name, HAS_ERRORS, ", ".join(p.name for p in found),
                            problems=of_department([problem], department), broken=True, ahead=True)


def wrong_format(ctx: Context, department: str, other: Path) -> DepartmentIntake:
    """A department's workbook saved in a format the program does not read (``so-y-te.ods``)."""
    name = ctx.catalogue.departments[department].name
    problem = make("wrong-format", dict(file=other.name), name=name, suffix=other.suffix, file=layout.filename(department))
    return DepartmentIntake(department, name, HAS_ERRORS, other.name, problems=of_department([problem], department),
                            broken=True)


def blank_upload(ctx: Context, department: str, path: Path) -> DepartmentIntake:
    """An upload nobody filled in."""
    name = ctx.catalogue.departments[department].name
    problem = make("blank-workbook", dict(file=path.name, sheet=layout.SHEET_DATA, department=department), name=name)
    return DepartmentIntake(department, name, HAS_ERRORS, path.name, problems=[problem], broken=True)


def missing(ctx: Context, department: str, path: Path, blank: bool = False) -> DepartmentIntake:
    """No workbook (or one left as ``init`` wrote it) and no accepted submission."""
    return DepartmentIntake(department, ctx.catalogue.departments[department].name, MISSING, path.name, blank=blank)


def from_store(ctx: Context, store, department: str, known: StoredContext | None) -> DepartmentIntake | None:
    """No workbook in the folder, but an accepted submission for the period: that submission,
    whole (values and narrative), or None when there is none."""
    cat, settings = ctx.catalogue, ctx.settings
    got = history.stored_submission(store, cat, ctx.period, department, known)
    if got is None:
        return None
    cur, stored, rows, problems = got
    name = cat.departments[department].name
    problems.insert(0, make("from-store" if cur.narrative_kept else "from-store:no_narrative", dict(file=cur.file_name),
                            file=layout.filename(department), period=ctx.period, name=name,
                            at=format_time(cur.accepted_at, zone_setting(settings)), revision=cur.revision,
                            stored_file=cur.file_name))
    texts = []
    budget, codes, refused = bounds.Budget(), set(cat.indicators), _refusals(ctx)
    for section, body, cell in rows:
        texts += narrative_row(section, body, dict(file=cur.file_name, sheet=layout.SHEET_TEXT, cell=cell),
                               department, codes, settings, problems, budget, refused)
    problems, hidden = _capped(problems, budget, cur.file_name)
    sha = storage.submissions.current_files(store, str(ctx.period)).get(department, (0, None))[1]
    return DepartmentIntake(department, name, HAS_ERRORS if bounds.counts(problems, hidden)[0] else SUBMITTED,
                            f"store:{cur.revision}", sha256=sha, entered=stored,
                            problems=of_department(problems, department), narrative=texts, hidden=hidden)


def of_workbook(ctx: Context, store, department: str, path: Path, got: tuple, sha256: str | None,
                known: StoredContext | None, record: bool) -> DepartmentIntake:
    """A workbook read (``got``: the reader's (WorkbookData or None, problems)) validated on
    its own: completed from the store, checked against the earlier periods' submissions, and,
    with ``record`` and no error, recorded as the department's submission."""
    cat, settings = ctx.catalogue, ctx.settings
    name = cat.departments[department].name
    data, problems = got
    problems = list(problems)
    out = DepartmentIntake(department, name, SUBMITTED, path.name, sha256=sha256, data=data)
    budget = bounds.Budget()
    if data is None:
        out.broken = True
    else:
        name_form_fields(data, path)   # typed into the web form: sources name its fields
        if known is not None:
            problems += history.fill_missing(cat, data, known)
        problems += validate_values(cat, data, settings, ctx.period)
        if known is not None:
            problems += history.cross_period_checks(cat, data, known, settings)
            problems += same_as_previous(data, known, name)
            if record and not has_errors(problems):
                history.record_workbook(store, cat, ctx.period, department, data, sha256)
        for code, vals in data.values.items():
            out.entered[code] = Entered(vals, data.sources.get(code, {}), data.revisions.get(code, {}),
                                        data.notes.get(code, ""), data.note_sources.get(code))
        codes, refused = set(cat.indicators), _refusals(ctx)
        for section, body, cell in data.narrative:
            out.narrative += narrative_row(section, body, dict(file=path.name, sheet=layout.SHEET_TEXT, cell=cell),
                                           department, codes, settings, problems, budget, refused)
        out.broken = data.structure_broken
    problems, out.hidden = _capped(problems, budget, path.name)
    if bounds.counts(problems, out.hidden)[0]:
        out.broken = True
        out.status = HAS_ERRORS
    out.problems = of_department(problems, department)
    return out


def _capped(problems: list, budget: bounds.Budget, file: str) -> tuple[list, tuple[int, int]]:
    """A file's problems capped (``bounds.capped``), with those its narrative check counted
    without building them: (the problems kept, (errors, warnings) hidden)."""
    return bounds.capped(problems, (budget.dropped, budget.dropped_warnings), file)


def is_blank_read(got: tuple | None) -> bool:
    """A workbook read as ``init`` wrote it (``status.is_blank``)."""
    return got is not None and is_blank(*got)


def _refusals(ctx: Context):
    """``refused(section, department, where)``: the error when the department may not write
    in the section (``owners.py``: the office's ``[muc_don_vi]``, else the catalogue), or None."""
    cat, settings = ctx.catalogue, ctx.settings
    writers = owners.section_writers(cat, settings)
    return lambda section, department, where: owners.refusal(section, department, writers, settings, cat, where)


def narrative_row(section, body, place, department, codes, settings, probs,
                  budget: bounds.Budget | None = None, refused=None) -> list[NarrativeRow]:
    """One ``Thuyết minh`` row parsed: [NarrativeRow], problems added to ``probs`` (at most
    ``bounds.PROBLEMS_PER_FILE`` of them built per file: ``budget`` counts the rest, and the
    characters read; a cell or a file past its length limit is an error naming it, and a file's
    narrative past its limit is not read further). ``refused`` (``_refusals``): a section the
    department may not write in is an error naming it, and the row is not read further."""
    budget = budget if budget is not None else bounds.Budget()
    if budget.over:
        return []
    size = len(body or "")
    budget.chars += size
    if budget.chars > bounds.NARRATIVE_FILE_CHARS:
        budget.over = True
        probs.append(make("narrative-too-long:file", place, limit=bounds.thousands(bounds.NARRATIVE_FILE_CHARS)))
        return []
    if size > bounds.NARRATIVE_CELL_CHARS:
        probs.append(make("narrative-too-long", place, size=bounds.thousands(size),
                          limit=bounds.thousands(bounds.NARRATIVE_CELL_CHARS)))
        return []
    if section not in settings["muc"]:
        probs.append(make("unknown-section", place, section=brief(section, 40), sections=", ".join(settings["muc"])))
        return []
    why = refused(section, department, place) if refused is not None else None
    if why is not None:
        probs.append(why)
        return []
    body, removed = narrative.neutralise(body)
    if removed:
        if len(removed) > 5:
            probs.append(make("unprintable-character:more", place, shown=", ".join(removed[:5]), more=len(removed) - 5))
        else:
            probs.append(make("unprintable-character", place, shown=", ".join(removed)))
    if not body:
        return []
    segments, mprobs = narrative.parse(body, codes, limit=max(bounds.PROBLEMS_PER_FILE + 1 - len(probs), 0))
    probs += [m.at(place) for m in mprobs]
    budget.dropped += mprobs.dropped
    budget.dropped_warnings += mprobs.dropped_warnings
    return [NarrativeRow(section, department, segments, place)]


def same_as_previous(data, known: StoredContext, name: str) -> list:
    """One warning when a workbook's figures are those of the previous period, unchanged."""
    typed, before = {}, {}
    for code in data.rows:
        for measure in ("month", "cumulative"):
            if entered(data.sources.get(code, {}).get(measure)):
                typed[(code, measure)] = data.values[code][measure]
            got = known.prior.get(code, {}).get(measure)
            if got is not None:
                before[(code, measure)] = got.value
    if len(typed) >= 2 and typed == before:
        return [make("same-as-previous", dict(file=data.path.name, sheet=layout.SHEET_DATA), name=name,
                     previous=known.prior_period)]
    return []
