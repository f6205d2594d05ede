"""Who writes in which section of the report (issue 22 point 3: sections have owners).

``[muc_don_vi]`` in ``cai-dat.toml`` names, for a section, the departments that may write
narrative there (``"III" = ["van-phong-ubnd"]``). A section it does not name belongs to the
departments whose indicators the catalogue places there (column «Mục báo cáo»): another
department needs the office's permission to write there. Section III (the month ahead's tasks)
is nobody's until the office names its writers; a section without indicators is anyone's.
"""
from __future__ import annotations

from .problems import Problem, make, quoted

OFFICE_SECTION = "III"   # the month ahead's tasks: written by whom the office names
KEY = "muc_don_vi"


def section_writers(cat, settings) -> dict:
    """{section: the departments that may write in it (a frozenset), or None for anyone}."""
    named = dict(settings.get(KEY) or {})
    owners: dict = {}
    for ind in cat.indicators.values():
        if ind.section:
            owners.setdefault(ind.section, set()).add(ind.department)
    out = {}
    for section in settings["muc"]:
        if section in named:
            out[section] = frozenset(named[section])
        elif section in owners:
            out[section] = frozenset(owners[section])
        elif section == OFFICE_SECTION:
            out[section] = frozenset()
        else:
            out[section] = None
    return out


def own_sections(writers: dict, department: str) -> list[str]:
    """The sections a department may write in, in the report's order."""
    return [s for s, w in writers.items() if w is None or department in w]


def _names(cat, codes) -> str:
    names = [cat.departments[c].name for c in sorted(codes)]
    if len(names) > 3:
        return ", ".join(names[:3]) + f" và {len(names) - 3} đơn vị khác"
    return ", ".join(names[:-1]) + (" và " if len(names) > 1 else "") + names[-1]


def refusal(section: str, department: str, writers: dict, settings, cat, where: dict) -> Problem | None:
    """The error at ``where`` when ``department`` may not write in ``section`` (naming the
    section, who writes there and the department's own sections), or None when it may."""
    allowed = writers.get(section)
    if allowed is None or department in allowed:
        return None
    title = settings["muc"][section]
    mine = ", ".join(own_sections(writers, department))
    known = {c for c in allowed if c in cat.departments}
    unknown = quoted(sorted(allowed - known))   # a code of [muc_don_vi] that is no department: mistyped?
    if not mine:
        return make("section-not-allowed:alone", where, section=section, title=title)
    if known and unknown:
        return make("section-not-allowed:unknown", where, section=section, title=title, writers=_names(cat, known),
                    unknown=unknown, mine=mine)
    if known:
        return make("section-not-allowed", where, section=section, title=title, writers=_names(cat, known), mine=mine)
    if unknown:
        return make("section-not-allowed:nobody_unknown", where, section=section, title=title, unknown=unknown, mine=mine)
    return make("section-not-allowed:nobody", where, section=section, title=title, mine=mine)


def unknown_sections(settings) -> list[str]:
    """``[muc_don_vi]``'s keys that are no section of ``[muc]``, one Vietnamese line each."""
    return [f"mục [{KEY}]: «{section}» không phải mục nào của [muc]; các mục: " + ", ".join(settings["muc"])
            for section in (settings.get(KEY) or {}) if section not in settings["muc"]]
