"""Where each submitted indicator reaches the report: nothing a department submitted is
dropped without a word.

An indicator with figures of the period (its month or year to date, from the department's
workbook or its accepted submission) is *reported* when a narrative cites it (in any section,
footnotes included), when the Word template cites it (``cau``, ``so``), or when the annex in
the DOCX shows it. Every other one is printed as its automatic sentence («Tên: câu.») under
its «Mục báo cáo», after that section's narrative — whichever department wrote it. A section
that no department wrote in prints its indicators' sentences as it always has (each indicator
that is not a component of another). An indicator that can be printed nowhere (no «Mục báo
cáo», or a section the template no longer prints) is named in a warning of ``check``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from .annex import annex_settings
from .compose import TEMPLATE_FILE
from .compose.checks import template_uses as uses
from .narrative import refs
from .problems import BaocaoError, make


def submitted(fig) -> bool:
    """The department gave the period's own figure (month or year to date)."""
    return fig is not None and (fig.values.get("month") is not None or fig.values.get("cumulative") is not None)


def in_annex_docx(settings: dict) -> bool:
    """Whether the annex is printed in the DOCX (``[phu_luc] trong_van_ban``)."""
    try:
        return bool(annex_settings(settings)["trong_van_ban"])
    except BaocaoError:   # a wrong [phu_luc] setting is the build's error to report
        return True


_USES: dict = {}   # (path, inode, size, time) -> Uses: the template parsed once per version of its file
_USES_LOCK = threading.Lock()


def template_uses(templates):
    """What the period's Word template prints (``compose.checks.Uses``); a template that cannot
    be read cites nothing and hides no section (its build names what is wrong). Parsed once
    for each version of the file (its inode, size and times): a server's every page and a
    range of periods share it."""
    path = Path(templates) / TEMPLATE_FILE
    try:
        st = os.stat(path)
        key = (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    except OSError:
        return uses(path)
    with _USES_LOCK:
        got = _USES.get(key)
    if got is None:
        got = uses(path)
        with _USES_LOCK:
            if len(_USES) >= 32:
                _USES.clear()
            _USES[key] = got
    return got


def cited_by_narrative(narrative: dict) -> set:
    """The indicator codes the period's narrative cites (``{MÃ…}``); ``narrative``: section →
    [(department, segments, place)] as ``pipeline.check`` collects it."""
    return {ref.code for rows in narrative.values() for _dept, segments, _place in rows for ref in refs(segments)}


def place_indicators(cat, figures: dict, narrative: dict, settings: dict, uses, skip=frozenset()):
    """({section: [codes printed as automatic sentences, in catalogue order]}, warnings for the
    submitted indicators printed nowhere). ``skip``: departments whose workbook has errors
    (their indicators are already the subject of an error)."""
    reported = cited_by_narrative(narrative) | set(uses.codes)
    annexed = in_annex_docx(settings)
    automatic: dict = {}
    problems = []
    for code, ind in cat.indicators.items():
        fig = figures.get(code)
        section = ind.section if ind.section in settings["muc"] else None
        alone = section is not None and not narrative.get(section) and not ind.parent
        lost = submitted(fig) and ind.department not in skip and code not in reported \
            and not (annexed and ind.annex_order is not None)
        if fig is not None and section is not None and (alone or lost):
            automatic.setdefault(section, []).append(code)
        printed = section is not None and (uses.sections is None or section in uses.sections)
        if lost and not printed:
            dept = cat.departments[ind.department].name if ind.department in cat.departments else ind.department
            if section is not None:
                where = f"mục {section} «{settings['muc'][section]}» của chỉ tiêu không còn trong mẫu báo cáo"
                fix = f"thêm lại khối mục {section} vào mẫu BC-UBND.docx, hoặc viết {{{code}}} trong thuyết minh"
            elif ind.section:
                where = f"«Mục báo cáo» của chỉ tiêu là «{ind.section}», không có trong [muc] của cai-dat.toml"
                fix = (f"sửa «Mục báo cáo» của {code} trong chi-tieu.csv thành một mục có trong [muc] ("
                       + ", ".join(settings["muc"]) + f"), hoặc viết {{{code}}} trong thuyết minh")
            else:
                where = "chỉ tiêu không có «Mục báo cáo» trong danh mục"
                fix = (f"viết {{{code}}} trong thuyết minh, hoặc ghi «Mục báo cáo» hay «Phụ lục» cho chỉ tiêu trong "
                       f"chi-tieu.csv")
            problems.append(make("not-printed", dict(indicator=code, department=ind.department), name=ind.name, code=code, dept=dept,
                                 where=where, fix=fix))
    return automatic, problems
