"""Builds kept as numbered versions («lần lập»): each build of a period copies what it wrote
into ``<out>/<period>/lan-lap/<n>/`` — the outputs, ``figures.json``, the build's manifest,
the report's paragraphs (``doan-van.json``), the office's edits in force, and ``lan-lap.json``
(number, time, who started it, the submissions and settings it read). The latest outputs stay
at today's paths; a version, once written, is never modified (its files are made read-only,
and a version is put in place by renaming a finished folder, so none is ever half-written)."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import narrative, stars
from . import store as storage
from .files import sha256_or_none
from .outputs import MANIFEST, write_json
from .problems import BaocaoError

FOLDER = "lan-lap"
META = "lan-lap.json"
PARAGRAPHS = "doan-van.json"
READ_ONLY = 0o440
AUTOMATIC = "tự động"    # the «department» of an automatic sentence in the paragraph model


def _mtime(path: Path) -> str:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OSError:
        return ""


# ---------------------------------------------------------------------------- paragraph model

def unparse(segments: list) -> str:
    """A narrative's segments written back as the department's markup (``{MÃ:do}``, ``[[…]]``)."""

    def one(seg) -> str:
        if isinstance(seg, narrative.Ref):
            return "{" + seg.code + (":" + seg.measure if seg.measure else "") + "}"
        if isinstance(seg, narrative.Note):
            return "[[" + "".join(one(p) for p in seg.parts) + "]]"
        return str(seg)
    return "".join(one(s) for s in segments)


def paragraph_keys(res) -> list[tuple[str, str, str, str]]:
    """(key, section, department, which) of every narrative row and automatic sentence, in the
    report's order: a department's n-th paragraph of a section is ``<section>/<department>/<n>``,
    an automatic sentence ``<section>/tự động/<CODE>``."""
    out = []
    settings = res.context.settings
    for section in settings["muc"]:
        seen: dict = {}
        for dept, _segments, _place in res.narrative.get(section, []):
            seen[dept] = seen.get(dept, 0) + 1
            out.append((f"{section}/{dept}/{seen[dept]}", section, dept, str(seen[dept])))
        for code in res.automatic.get(section, ()):
            out.append((f"{section}/{AUTOMATIC}/{code}", section, AUTOMATIC, code))
    return out


def _plain(text: str) -> str:
    # deferred on purpose: the renderer loads docxtpl, Jinja2 and lxml
    from .compose.render import clean  # noqa: PLC0415
    return stars.strip(stars.to_markers(clean(text))).strip()


def paragraph_model(res) -> list[dict]:
    """The report's paragraphs as printed (plain text, footnotes apart), each with its section
    and department: what ``so-sanh`` compares and the «Biên tập» page lists."""
    printed = res.printed
    rows = {}
    for section, items in res.narrative.items():
        seen: dict = {}
        for dept, segments, _place in items:
            seen[dept] = seen.get(dept, 0) + 1
            rows[f"{section}/{dept}/{seen[dept]}"] = segments
    edits = getattr(res, "edits", {}) or {}
    out = []
    for key, section, dept, which in paragraph_keys(res):
        if dept == AUTOMATIC:
            segments = (getattr(res, "overrides", {}) or {}).get((section, which))
            if segments is None:
                text, notes = f"{printed[which].indicator.name}: {printed[which].sentence.text()}.", []
                source = "{" + which + ":cau}"
            else:
                text, notes, source = None, None, unparse(segments)
        else:
            segments = rows[key]
            text, notes, source = None, None, unparse(segments)
        if text is None:
            try:
                pieces = narrative.resolve(segments, printed)
            except Exception:  # noqa: BLE001 - the report printed a marked line for it (compose.render)
                pieces = ["[Chưa lập được đoạn thuyết minh này]"]
            text = _plain("".join(p for p in pieces if isinstance(p, str)))
            notes = [_plain(p[0]) for p in pieces if isinstance(p, list)]
        if not text and not notes:
            continue
        item = {"key": key, "section": section, "department": dept, "text": text, "footnotes": notes,
                "source": source}
        if key in edits:
            item["edited"] = True
            item["department_source"] = edits[key].get("department_source", "")
        out.append(item)
    return out


# ---------------------------------------------------------------------------------- versions

def folder(out: Path, period) -> Path:
    """``<out>/<YYYY-MM>/lan-lap/``: where the period's kept builds are."""
    return Path(out) / str(period) / FOLDER


def numbers(out: Path, period) -> list[int]:
    """The numbers of the period's kept builds (folders holding a ``lan-lap.json``), ascending."""
    root = folder(out, period)
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit()
                  and (p / META).is_file())


def read(out: Path, period, number: int) -> dict:
    """The record (``lan-lap.json``, a dict) of kept build ``number``, with ``folder`` (its
    folder's path) added; ``BaocaoError`` (Vietnamese) when there is no such build."""
    path = folder(out, period) / str(number) / META
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BaocaoError(f"Kỳ {period} không có lần lập số {number} (xem «baocao lan-lap --period {period}»)") \
            from None
    doc["folder"] = str(path.parent)
    return doc


def listing(out: Path, period) -> list[dict]:
    """Every kept version of the period, oldest first."""
    return [read(out, period, n) for n in numbers(out, period)]


def version_file(out: Path, period, number: int, name: str) -> Path:
    """The path of file ``name`` kept with build ``number`` (it may not exist)."""
    return folder(out, period) / str(number) / name


def _settings_read(ctx) -> dict:
    """The settings files the build read, each by its SHA-256 (and the settings in force,
    when figures.json records them)."""
    files = {}
    for name in ("cai-dat.toml", "chi-tieu.csv", "don-vi.csv", "doi-don-vi.csv", "BC-UBND.docx"):
        path = Path(ctx.templates) / name
        if path.is_file():
            files[name] = sha256_or_none(path)
    return {"templates": str(ctx.templates), "files": files}


def _submissions(ctx, res) -> list[dict]:
    """The submissions the build read: department, file, SHA-256, time (the acceptance's, or
    the file's modification time)."""
    inputs = getattr(res, "inputs", {}) or {}
    current = {}
    if ctx.db is not None:
        with storage.open_store(ctx.db) as store:
            for s in res.statuses:
                cur = storage.submissions.current(store, str(ctx.period), s.department)
                if cur is not None:
                    current[s.department] = cur
    out = []
    for s in res.statuses:
        dept = s.department
        item = {"department": dept, "name": s.name, "status": s.status, "file": s.file}
        if not s.file.startswith("store:"):
            path = ctx.period_inputs / s.file
            if path.is_file():
                item["sha256"] = inputs.get(dept) or sha256_or_none(path)
                item["time"] = _mtime(path)
        else:
            item["sha256"] = inputs.get(dept)
        cur = current.get(dept)
        if cur is not None:
            item["revision"] = cur.revision
            item["time"] = cur.accepted_at
        out.append(item)
    return out


def keep(ctx, res, paths: dict, at: str, by: str = "", edits_file: Path | None = None,
         warnings: list | None = None) -> dict:
    """Copy the build just written into the next numbered version; returns its metadata.
    ``BaocaoError`` when no new number can be taken in ``lan-lap/``."""
    period_out = ctx.period_out
    root = folder(ctx.out, ctx.period)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dang-ghi-", dir=root))
    try:
        files = {}
        for kind, path in paths.items():
            path = Path(path)
            shutil.copyfile(path, tmp / path.name)
            files["json" if kind == "figures" else kind] = path.name
        if (period_out / MANIFEST).is_file():
            shutil.copyfile(period_out / MANIFEST, tmp / MANIFEST)
        write_json(tmp / PARAGRAPHS, {"period": str(ctx.period), "paragraphs": paragraph_model(res)})
        edits = []
        if edits_file is not None and Path(edits_file).is_file():
            shutil.copyfile(edits_file, tmp / f"bien-tap-{ctx.period}.xlsx")
            files["edits"] = f"bien-tap-{ctx.period}.xlsx"
            edits = sorted((getattr(res, "edits", {}) or {}).keys())
        meta = {"period": str(ctx.period), "number": 0, "time": at, "by": by,
                "submissions": _submissions(ctx, res), "settings": _settings_read(ctx), "files": files,
                "edits": edits, "warnings": len(warnings or [])}
        for n in range(1 + max(numbers(ctx.out, ctx.period) or [0]), 100000):
            meta["number"] = n
            write_json(tmp / META, meta)
            for p in tmp.iterdir():
                os.chmod(p, READ_ONLY)
            os.chmod(tmp, 0o750)
            try:
                os.rename(tmp, root / str(n))   # fails when another build took this number
            except OSError:
                if (root / str(n)).exists():
                    os.chmod(tmp / META, 0o640)
                    continue
                raise
            meta["folder"] = str(root / str(n))
            return meta
        raise BaocaoError(f"Không đánh số được lần lập mới trong {root}")
    except BaseException:
        if tmp.exists():
            for p in tmp.iterdir():
                os.chmod(p, 0o640)
            shutil.rmtree(tmp, ignore_errors=True)
        raise
