"""What changed between two kept versions of a period («so sánh»), as data: every figure whose
printed text changed (with the submission that brought the new one), every paragraph and
footnote added, removed or changed (with its section and department); and as the leadership
reads it: the newer report with Word tracked changes against the older one (``redline``)."""
from __future__ import annotations

import json
from difflib import SequenceMatcher
from pathlib import Path

from . import versions
from .outputs import atomic_write_bytes, write_json
from .problems import BaocaoError

MEASURE_NAMES = {   # the figures.json text keys, as a reader calls them
    "month": "thực hiện tháng", "cumulative": "lũy kế", "plan": "kế hoạch năm", "pct_plan": "% kế hoạch",
    "month_last_year": "cùng kỳ tháng", "cumulative_last_year": "cùng kỳ lũy kế",
}


def _load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def pick(out: Path, period, first: int | None, last: int | None) -> tuple[dict, dict]:
    """The two versions compared: ``first`` → ``last`` (default: the last two). ``BaocaoError``
    (Vietnamese) when the period has fewer than two kept builds, no build before ``last``, or
    ``first`` is ``last``."""
    kept = versions.numbers(out, period)
    if len(kept) < 2 and (first is None or last is None):
        raise BaocaoError(f"Kỳ {period} mới có {len(kept)} lần lập: cần ít nhất hai lần lập để so sánh "
                          f"(lập lại báo cáo bằng «baocao build --period {period}»)")
    last = last if last is not None else kept[-1]
    if first is None:
        earlier = [n for n in kept if n < last]
        if not earlier:
            raise BaocaoError(f"Kỳ {period} không có lần lập nào trước lần lập số {last}")
        first = earlier[-1]
    if first == last:
        raise BaocaoError(f"--tu và --den cùng là lần lập số {first}: hãy chọn hai lần lập khác nhau")
    return versions.read(out, period, first), versions.read(out, period, last)


def _submission_of(version: dict, department: str) -> dict | None:
    for s in version.get("submissions", []):
        if s["department"] == department:
            return {k: s[k] for k in ("department", "name", "file", "time", "sha256", "revision") if k in s}
    return None


def changed_figures(old_doc: dict, new_doc: dict, old_v: dict, new_v: dict) -> list[dict]:
    """The indicators whose printed texts differ between two figures.json documents
    (``old_doc``, ``new_doc``), with the submissions of each version's record (``old_v``,
    ``new_v``: lan-lap.json): [{code, name, unit, department, changes: [{measure,
    measure_name, old, new}], submission, previous_submission?}], new order first."""
    old = {i["code"]: i for i in old_doc.get("indicators", [])}
    new = {i["code"]: i for i in new_doc.get("indicators", [])}
    out = []
    for code in list(new) + [c for c in old if c not in new]:
        a, b = old.get(code, {}), new.get(code, {})
        ta, tb = a.get("text", {}), b.get("text", {})
        changes = []
        for key in list(tb) + [k for k in ta if k not in tb]:
            if ta.get(key) != tb.get(key):
                changes.append({"measure": key, "measure_name": MEASURE_NAMES.get(key, key),
                                "old": ta.get(key), "new": tb.get(key)})
        if not changes:
            continue
        ind = b or a
        dept = ind.get("department", "")
        sub_new, sub_old = _submission_of(new_v, dept), _submission_of(old_v, dept)
        item = {"code": code, "name": ind.get("name", ""), "unit": ind.get("unit", ""), "department": dept,
                "changes": changes, "submission": sub_new}
        if sub_old != sub_new:
            item["previous_submission"] = sub_old
        out.append(item)
    return out


def _aligned(old_paras: list, new_paras: list) -> list[tuple]:
    """(old, new) pairs (None for an added or removed paragraph): within each section and
    department the paragraphs are aligned by their text, so a paragraph the department put
    before others is one added paragraph, not every later one changed."""

    def groups(paras):
        out: dict = {}
        for p in paras:
            out.setdefault((p["section"], p["department"]), []).append(p)
        return out
    old_g, new_g = groups(old_paras), groups(new_paras)
    pairs = []
    for group in list(new_g) + [g for g in old_g if g not in new_g]:
        a, b = old_g.get(group, []), new_g.get(group, [])
        if group[1] == versions.AUTOMATIC:   # an automatic sentence is its indicator's
            keys = {p["key"] for p in a} | {p["key"] for p in b}
            by_a, by_b = {p["key"]: p for p in a}, {p["key"]: p for p in b}
            order = [p["key"] for p in b] + [p["key"] for p in a if p["key"] not in by_b]
            pairs += [(by_a.get(k), by_b.get(k)) for k in order if k in keys]
            continue
        ta = [(p["text"], tuple(p.get("footnotes", []))) for p in a]
        tb = [(p["text"], tuple(p.get("footnotes", []))) for p in b]
        for op, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
            if op == "equal":
                pairs += list(zip(a[i1:i2], b[j1:j2]))
                continue
            n = min(i2 - i1, j2 - j1) if op == "replace" else 0
            pairs += list(zip(a[i1:i1 + n], b[j1:j1 + n]))
            pairs += [(None, p) for p in b[j1 + n:j2]] + [(p, None) for p in a[i1 + n:i2]]
    return pairs


def changed_paragraphs(old_paras: list, new_paras: list) -> tuple[list, list]:
    """(paragraphs, footnotes): each added, removed or changed, with its section, department
    and key (the paragraph's place in the newer version, or in the older one when removed)."""
    paras, notes = [], []
    for a, b in _aligned(old_paras, new_paras):
        key = (b or a)["key"]
        base = b or a
        where = {"key": key, "section": base["section"], "department": base["department"]}
        if a is None:
            paras.append({**where, "change": "added", "new": b["text"]})
        elif b is None:
            paras.append({**where, "change": "removed", "old": a["text"]})
        elif a["text"] != b["text"]:
            paras.append({**where, "change": "changed", "old": a["text"], "new": b["text"]})
        fa, fb = (a or {}).get("footnotes", []), (b or {}).get("footnotes", [])
        for i in range(max(len(fa), len(fb))):
            x = fa[i] if i < len(fa) else None
            y = fb[i] if i < len(fb) else None
            if x == y:
                continue
            change = "added" if x is None else "removed" if y is None else "changed"
            item = {**where, "footnote": i + 1, "change": change}
            if x is not None:
                item["old"] = x
            if y is not None:
                item["new"] = y
            notes.append(item)
    return paras, notes


def compare(out: Path, period, first: int | None = None, last: int | None = None) -> dict:
    """The difference document between two versions (``so-sanh-<P>.json``)."""
    old_v, new_v = pick(out, period, first, last)
    old_fig = _load(Path(old_v["folder"]) / old_v["files"]["json"])
    new_fig = _load(Path(new_v["folder"]) / new_v["files"]["json"])
    old_par = _load(Path(old_v["folder"]) / versions.PARAGRAPHS)["paragraphs"]
    new_par = _load(Path(new_v["folder"]) / versions.PARAGRAPHS)["paragraphs"]
    paras, notes = changed_paragraphs(old_par, new_par)
    brief = ("number", "time", "by")
    return {"period": str(period),
            "from": {k: old_v[k] for k in brief}, "to": {k: new_v[k] for k in brief},
            "figures": changed_figures(old_fig, new_fig, old_v, new_v),
            "paragraphs": paras, "footnotes": notes,
            "edits": {"from": old_v.get("edits", []), "to": new_v.get("edits", [])}}


def write_comparison(out: Path, settings: dict, period, first: int | None = None, last: int | None = None,
                     author: str = "baocao") -> dict:
    """Write ``so-sanh-<P>.json`` and ``so-sanh-<P>.docx`` (tracked changes) into
    ``<out>/<period>/``; returns {"doc", "paths"}."""
    doc = compare(out, period, first, last)
    old_v, new_v = pick(out, period, doc["from"]["number"], doc["to"]["number"])
    old_docx = (Path(old_v["folder"]) / old_v["files"]["docx"]).read_bytes()
    new_docx = (Path(new_v["folder"]) / new_v["files"]["docx"]).read_bytes()
    # deferred on purpose: the tracked-changes DOCX loads lxml
    from .redline import tracked_changes  # noqa: PLC0415
    redlined = tracked_changes(old_docx, new_docx, author=author, when=new_v["time"])
    folder = Path(out) / str(period)
    json_path, docx_path = folder / f"so-sanh-{period}.json", folder / f"so-sanh-{period}.docx"
    write_json(json_path, doc)
    atomic_write_bytes(docx_path, redlined)
    return {"doc": doc, "paths": {"json": json_path, "docx": docx_path}}
