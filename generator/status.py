"""One definition of where a department stands for a period — the same words in ``check``'s
table, the office's dashboard and the department's own page:

* «chưa nộp»: no workbook in the period's folder and no accepted submission; a workbook left
  as ``init`` wrote it (no month, year to date or narrative typed in) counts as none;
* «có lỗi»: its workbook has errors — or nothing is accepted and its last upload was refused;
* «đã nộp»: read without errors (and, when the period has a report, the report has it);
* «đã nhận sau khi lập»: read without errors, but received after the period's last report
  was made: the report does not have it yet.

``check`` gives the first three (``CheckResult.statuses``); ``of_period`` adds what the store
(uploads, acceptances) and the last build's manifest know.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from . import store as storage
from .outputs import read_manifest
from .timefmt import format_time, zone_setting

MISSING, SUBMITTED, HAS_ERRORS, AFTER_BUILD = "chưa nộp", "đã nộp", "có lỗi", "đã nhận sau khi lập"
STATUSES = (SUBMITTED, AFTER_BUILD, HAS_ERRORS, MISSING)
# the dashboard's colour of each status (CSS classes of the web's kieu.css)
CSS = {SUBMITTED: "dat", AFTER_BUILD: "moi", HAS_ERRORS: "loi", MISSING: "chua"}


@dataclass
class DepartmentStatus:
    """``check``'s row for one department: where it stands (MISSING, SUBMITTED, HAS_ERRORS),
    the file it was read from as shown to the office (the workbook's name; «a.xlsx, a.xls» for
    two; ``store:<revision>`` for an accepted submission used whole), and the counts of its
    problems (``pipeline.department_problems``)."""
    department: str
    name: str
    status: str
    file: str
    errors: int = 0
    warnings: int = 0
    blank: bool = False      # MISSING because its workbook is as ``init`` wrote it
    hidden: tuple = (0, 0)   # (errors, warnings) counted but past bounds.PROBLEMS_PER_FILE, not kept

    def row(self) -> dict:
        """The dashboard's row (``of_period`` adds note, received_at, by, uploaded_at)."""
        return asdict(self)


def is_blank(data, problems) -> bool:
    """A workbook nobody filled in: read whole and without errors, with no month, year to date
    or narrative in it (the plan and last year's figures ``init`` prefilled do not count)."""
    if data is None or data.structure_broken or data.narrative or data.bad_cells:
        return False
    if any(p.is_error for p in problems):
        return False
    return all(v.get("month") is None and v.get("cumulative") is None for v in data.values.values())


def of_period(ctx, res, departments=None) -> list[dict]:
    """The period's rows, one per department (``departments``: only those): ``check``'s status
    row with ``status`` made final and ``note`` (why), ``received_at`` (the accepted submission's
    time) and ``by`` (the account that sent it through the web)."""
    zone = zone_setting(ctx.settings)
    manifest = read_manifest(ctx.period_out)
    built_at = (manifest.get("read_at") or manifest.get("time")) if manifest else None
    rows = [s.row() for s in res.statuses if departments is None or s.department in departments]
    uploads, current = {}, {}
    if ctx.db is not None and Path(ctx.db).exists():
        with storage.open_store(ctx.db) as store:
            for row in rows:
                uploads[row["department"]] = storage.web.uploads(store, str(ctx.period), row["department"])
                current[row["department"]] = storage.submissions.current(store, str(ctx.period), row["department"])
    for row in rows:
        dept = row["department"]
        mine = uploads.get(dept, [])
        last = mine[0] if mine else None
        accepted = next((u for u in mine if u["accepted"]), None)
        cur = current.get(dept)
        row["note"] = ""
        row["by"] = accepted["username"] if accepted else ""
        row["received_at"] = cur.accepted_at if cur is not None and row["status"] != MISSING else ""
        if row["status"] == SUBMITTED and not row["received_at"]:
            row["received_at"] = _file_time(ctx, row["file"])
        row["uploaded_at"] = (accepted or last or {}).get("uploaded_at", "")
        if last and not last["accepted"]:
            if row["status"] == SUBMITTED and cur is not None:
                # a refused re-send: the accepted submission is still the one in use
                row["note"] = (f"đang dùng bản nộp lúc {format_time(cur.accepted_at, zone)}; lần gửi lúc "
                               f"{format_time(last['uploaded_at'], zone)} bị từ chối")
            elif row["status"] == MISSING:
                row["status"] = HAS_ERRORS
                row["note"] = f"lần gửi lúc {format_time(last['uploaded_at'], zone)} bị từ chối"
        if manifest and "inputs" in manifest:   # the build recorded what it read: compare the files themselves
            then = manifest["inputs"].get(str(ctx.period), {})
            after = getattr(res, "inputs", {}).get(dept) != then.get(dept)
        else:
            after = bool(built_at and row["received_at"] and row["received_at"] > built_at)
        if row["status"] == SUBMITTED and after:
            row["status"] = AFTER_BUILD
            row["note"] = row["note"] or (f"nhận lúc {format_time(row['received_at'], zone)}, sau khi báo cáo được "
                                          f"lập lúc {format_time(manifest['time'], zone)}; báo cáo chưa có biểu này")
        if row.get("blank") and row["status"] == MISSING:
            row["note"] = f"biểu {row['file']} còn trống"
    return rows


def _file_time(ctx, name: str) -> str:
    """The UTC time a workbook of the period's folder was last written (without a store, the
    time it was received), or ""."""
    path = ctx.period_inputs / name
    try:
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except OSError:
        return ""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def counts(rows: list[dict]) -> dict:
    """How many of the status ``rows`` ({"status": …}) have each status: {status: count} for
    every status of ``STATUSES``, zeros included."""
    return {k: sum(1 for r in rows if r["status"] == k) for k in STATUSES}
