"""Docs that cannot drift: every module of the package is named in the README's module map,
and every module the map names exists; every problem code has its one entry."""
from __future__ import annotations

import re

from .conftest import ROOT


def test_readme_module_map_matches_the_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For developers"):]
    named = set(re.findall(r"`([a-z_]+\.py)`", section)) - {"refcheck.py", "layoutcheck.py"}  # ../shared tools
    modules = {p.name for p in (ROOT / "generator").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py") and "_data" not in p.parts}
    assert modules - named == set(), f"modules missing from the README's map: {sorted(modules - named)}"
    assert named - modules == set(), f"the README names modules that do not exist: {sorted(named - modules)}"


def test_every_problem_code_is_listed_once_with_its_meaning():
    """The package uses exactly the codes of ``problems.CODES`` (each with its Vietnamese
    meaning): a new code without an entry, or an entry no code uses, fails here."""
    import re

    from generator.problems import CODES
    made = re.compile(r'\b(?:error|warning|MarkupProblem|Problem|PackageError|super\(\)\.__init__|make|text)\(\s*"([a-z0-9-]+)[:"]', re.S)
    used = set()
    for path in (ROOT / "generator").rglob("*.py"):
        if path.name == "problems.py":
            continue
        used |= set(made.findall(path.read_text(encoding="utf-8")))
    assert sorted(used - set(CODES)) == [] and sorted(set(CODES) - used) == []
    assert all(CODES.values())



def test_every_package_directory_is_in_the_wheel():
    """pyproject lists its packages by hand (the data folders map elsewhere): a new
    subpackage left out would be missing from an installed baocao."""
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "generator").rglob("__init__.py")}
    assert found - listed == set()


def test_the_template_script_reproduces_the_committed_template(tmp_path):
    """scripts/make_template.py is the template's source: run afresh it writes
    templates/BC-UBND.docx byte for byte (a change to the composer's package clean-up that
    would alter the template shows here)."""
    import subprocess
    import sys
    out = tmp_path / "BC-UBND.docx"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_template.py"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes() == (ROOT / "templates" / "BC-UBND.docx").read_bytes()
