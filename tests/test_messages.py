"""Problems carry their message (issue 26 point 5): each code's Vietnamese templates live next
to the code in ``problems.TABLE``; a call site names a message and gives its fields, never
writes the text itself."""
from __future__ import annotations

import ast
import string

import pytest

from generator import problems
from generator.problems import FRAMES, MESSAGES, TABLE, Template, TemplateFieldError, framed, make

from .conftest import ROOT

PACKAGE = ROOT / "generator"
# the calls that name a message: problems.make / problems.text, and the reader's PackageError
# (its LimitExceeded passes the key up through super().__init__)
NAMING = {"make", "text", "PackageError", "__init__"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_data" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(func) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _keys(node) -> list[str] | None:
    """The message keys a call's first argument names: a literal, or a choice between literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _keys(node.body), _keys(node.orelse)
        return a + b if a is not None and b is not None else None
    return None


def _message_calls():
    """(path, line, keys, keywords or None when fields are passed on with **) for each call
    that names a problem message."""
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in NAMING and node.args):
                continue
            keys = _keys(node.args[0])
            if keys is None or not all(k.partition(":")[0] in problems.CODES for k in keys):
                continue
            named = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
            yield path, node.lineno, keys, named


def test_every_message_is_formatted_with_exactly_its_fields_at_every_call():
    """Statically: each call names a message of ``TABLE`` and gives exactly the fields its
    template uses (a forgotten or misspelt field fails here, not in front of a clerk)."""
    calls = list(_message_calls())
    assert len(calls) > 80
    wrong = []
    for path, line, keys, named in calls:
        for key in keys:
            if key not in MESSAGES:
                wrong.append(f"{path.name}:{line}: no message {key!r}")
            elif named is not None and named != MESSAGES[key].fields:
                wrong.append(f"{path.name}:{line}: {key!r} needs {sorted(MESSAGES[key].fields)}, given {sorted(named)}")
    assert wrong == []


def test_every_frame_is_used_with_exactly_its_fields():
    """A frame (a text around another problem's message, e.g. an office edit's) is named by a
    literal and given exactly its fields, as a message is."""
    used, wrong = set(), []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) == "framed" and path.name != "problems.py":
                keys = _keys(node.args[0]) or []
                used |= set(keys)
                named = {k.arg for k in node.keywords}
                for key in keys:
                    if key not in FRAMES or named != Template("", FRAMES[key]).fields:
                        wrong.append(f"{path.name}:{node.lineno}: {key!r} given {sorted(named)}")
    assert wrong == [] and used == set(FRAMES)
    p = framed("edit", "markup-unknown-code", problems.ERROR, dict(file="bien-tap.xlsx", cell="E4"),
               which="đoạn 2 của «Sở Y tế»", message="«{X}»: không có mã X")
    assert (p.code, p.severity, p.cell, p.message) == \
        ("markup-unknown-code", "lỗi", "E4", "Bản biên tập đoạn 2 của «Sở Y tế»: «{X}»: không có mã X")
    with pytest.raises(TemplateFieldError):
        framed("edit", "x", problems.ERROR, {}, message="m")


def test_every_message_of_the_table_is_made_somewhere():
    made = {key for _, _, keys, _ in _message_calls() for key in keys}
    assert sorted(set(MESSAGES) - made) == []


def test_no_call_site_writes_its_own_message():
    """Outside problems.py nothing builds a Problem from its own text: no ``Problem(…)``, no
    old-style ``error(code, f"…")``/``warning(…)`` (problems has none any more), and a message
    key is always a literal (or a choice between literals) of ``TABLE``."""
    assert not hasattr(problems, "error") and not hasattr(problems, "warning")
    found = []
    for path, tree in _modules():
        if path.name == "problems.py":
            continue
        # a function taking a message ``key`` (PackageError, MarkupProblem.make) passes it on
        forwarding = {id(call) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                      and "key" in [a.arg for a in fn.args.posonlyargs + fn.args.args]
                      for call in ast.walk(fn) if isinstance(call, ast.Call)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in ("Problem", "MarkupProblem"):
                found.append(f"{path.name}:{node.lineno}: {name}(…)")
            if name in ("error", "warning") and not isinstance(node.func, ast.Attribute):
                found.append(f"{path.name}:{node.lineno}: {name}(…)")
            forwarded = id(node) in forwarding and _name(node.args[0]) == "key" if node.args else False
            # a PackageError made into a Problem: its key and fields, checked where it was raised
            forwarded = forwarded or bool(node.args) and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "key" \
                and any(k.arg is None and isinstance(k.value, ast.Attribute) and k.value.attr == "fields"
                        and ast.dump(k.value.value) == ast.dump(node.args[0].value) for k in node.keywords)
            ours = isinstance(node.func, ast.Name) or _name(getattr(node.func, "value", None)) in ("problems", "MarkupProblem")
            if name in ("make", "text") and ours and node.args and _keys(node.args[0]) is None and not forwarded:
                found.append(f"{path.name}:{node.lineno}: {name}() with a key that is not a literal")
    assert found == []


def test_each_code_has_its_meaning_and_its_messages():
    assert all(c.meaning for c in TABLE)
    assert len({c.code for c in TABLE}) == len(TABLE)
    assert [c.code for c in TABLE if not c.templates] == []
    # every template is valid str.format text with named fields only
    for key, template in MESSAGES.items():
        assert template.severity in (problems.ERROR, problems.WARNING), key
        assert all(name is None or name.split(".")[0].isidentifier()
                   for _, name, _, _ in string.Formatter().parse(template.text)), key


def test_a_missing_or_unexpected_field_fails_loudly():
    with pytest.raises(TemplateFieldError, match=r"'percent-cell:typed'.*missing fields \['name', 'text', 'unit'\]"):
        make("percent-cell:typed", {}, title="Tháng")
    with pytest.raises(TemplateFieldError, match=r"unexpected fields \['colour'\]"):
        make("empty-file", {}, colour="đỏ")
    with pytest.raises(KeyError, match="no problem message 'percent-cell:nothing'"):
        make("percent-cell:nothing", {})


def test_a_message_is_its_template_filled_in_with_the_severity_and_place_of_its_code():
    p = make("percent-cell:typed", dict(file="so-y-te.xlsx", sheet="Chỉ tiêu", cell="F3", indicator="YT_GIUONG"),
             title="Thực hiện tháng", text="5%", name="Số giường bệnh", unit="giường")
    assert (p.code, p.severity, p.file, p.sheet, p.cell, p.indicator) == \
        ("percent-cell", "lỗi", "so-y-te.xlsx", "Chỉ tiêu", "F3", "YT_GIUONG")
    assert p.message == ("Ô «Thực hiện tháng» ghi «5%» (có dấu %), nhưng «Số giường bệnh» tính bằng «giường»: "
                         "hãy nhập số theo «giường», không có dấu %")
    w = make("percent-cell:shown", {}, title="Lũy kế", number="0,5", shown="50")
    assert w.severity == "cảnh báo" and w.message == \
        "Ô «Lũy kế» định dạng phần trăm: Excel lưu 0,5, hiển thị 50%; đã đọc là 50 (đơn vị %)"
    # a brace in a field's value is printed as it is, never read as a field
    assert make("bad-period", {}, reason="{x}").message == "{x}"
