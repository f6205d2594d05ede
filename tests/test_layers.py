"""The package's structure holds: the layer contract of pyproject.toml is kept (the same
check `.ci/run` makes with `lint-imports`), no module imports one that imports it back, ruff
passes, vulture finds no dead code, and a public function's docstring names the errors it
raises."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

grimp = pytest.importorskip("grimp", reason="import-linter (the test extras) is not installed")


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return out


def test_no_module_imports_one_that_imports_it_back():
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("generator", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle():
    """The check above can fail: two modules importing each other are one cycle."""
    class Graph:
        modules = {"a", "b", "c"}
        edges = {"a": {"b"}, "b": {"a"}, "c": {"a"}}

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]
    assert _cycles(Graph()) == [["a", "b"]]


def test_the_layer_contract_is_kept():
    exe = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    if not os.path.exists(exe):
        pytest.skip("lint-imports is not installed")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_ruff_passes_with_the_chosen_rules():
    """pyproject.toml's [tool.ruff] rules (pyflakes, pycodestyle, imports at the top unless a
    heavy library is deferred on purpose, no single-letter module aliases) hold."""
    exe = os.path.join(os.path.dirname(sys.executable), "ruff")
    if not os.path.exists(exe):
        pytest.skip("ruff is not installed")
    proc = subprocess.run([exe, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_no_dead_code():
    """vulture ([tool.vulture] in pyproject.toml) finds no function, class, variable or attribute
    of the package that nothing uses."""
    exe = os.path.join(os.path.dirname(sys.executable), "vulture")
    if not os.path.exists(exe):
        if os.environ.get("BAOCAO_STRICT") == "1":
            pytest.fail("vulture is required under BAOCAO_STRICT=1 (pip install -e '.[test]')")
        pytest.skip("vulture is not installed")
    proc = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _raised_uncaught(func) -> set[str]:
    """The exception names a function raises itself (not in a nested function, not caught by
    an enclosing ``try`` of its own that names it or catches everything); for a web route's
    ``HTTPException(404, …)`` its status code."""
    import ast
    out: set[str] = set()

    def walk(node, caught: frozenset):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Try):
                names = set()
                for h in child.handlers:
                    if h.type is None:
                        names.add("*")
                    for t in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type] if h.type else []):
                        names.add(ast.unparse(t).split(".")[-1])
                for stmt in child.body:
                    walk_one(stmt, caught | names)
                for part in (child.handlers, child.orelse, child.finalbody):
                    for stmt in part:
                        walk_one(stmt, caught)
                continue
            walk_one(child, caught)

    def walk_one(node, caught):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = ast.unparse(exc).split(".")[-1]
            if name not in caught and "*" not in caught and "Exception" not in caught:
                # a web route's HTTP error is named by its status code («404»)
                args = node.exc.args if isinstance(node.exc, ast.Call) else []
                out.add(str(args[0].value) if name == "HTTPException" and args and isinstance(args[0], ast.Constant)
                        else name)
        walk(node, caught)
    walk(func, frozenset())
    return out


def test_public_docstrings_name_the_errors_raised():
    """Every public function or method of the package that raises an exception itself says
    which in its docstring, a web route the HTTP status codes it answers with (pydocstyle's D1
    only checks that there is a docstring)."""
    import ast
    missing = []
    for path in sorted((ROOT / "generator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        funcs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")):
            funcs += [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and not n.name.startswith("_")]
        for func in funcs:
            if func.name.startswith("_"):
                continue
            doc = ast.get_docstring(func) or ""
            for name in sorted(_raised_uncaught(func)):
                if name not in doc:
                    missing.append(f"{path.relative_to(ROOT)}:{func.lineno} {func.name} raises {name}")
    assert not missing, "\n".join(missing)
