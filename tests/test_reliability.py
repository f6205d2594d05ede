"""No loss, no corruption, no surprises: atomic outputs, concurrent builds, untouched inputs,
safe XML, deterministic files."""
import hashlib
import io
import subprocess
import sys
import time
import zipfile

import pytest

from generator import files, outputs, pipeline

from .conftest import ROOT, fill


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_failed_write_keeps_the_previous_output(filled, monkeypatch):
    first = pipeline.build(filled)["paths"]["docx"]
    good = first.read_bytes()
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": 3000}})

    def crash(src, dst):
        raise OSError("ổ đĩa đầy")
    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        pipeline.build(filled)
    assert first.read_bytes() == good
    assert [p.name for p in filled.period_out.iterdir() if p.name.endswith(".tmp")] == []


def test_two_builds_at_once_do_not_corrupt_each_other(tmp_path):
    out, db = tmp_path / "out", tmp_path / "db.sqlite"
    cmd = [sys.executable, "-m", "generator", "build", "--period", "2023-08", "--out", str(out), "--db", str(db)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [0, 0, 0], [p.stderr.read().decode() for p in procs]
    single = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", tmp_path / "one"))
    docx = out / "2023-08" / "BC-UBND-2023-08.docx"
    assert docx.read_bytes() == single["paths"]["docx"].read_bytes()
    import sqlite3
    with sqlite3.connect(db) as c:  # each department recorded once, whichever build came first
        assert c.execute("SELECT COUNT(*) FROM submission").fetchone()[0] == 23


def test_sample_inputs_are_never_modified(tmp_path):
    before = digest(ROOT / "inputs" / "2023-08")
    for command in ("check", "build"):
        subprocess.run([sys.executable, "-m", "generator", command, "--period", "2023-08", "--out", str(tmp_path),
                        "--db", str(tmp_path / "db.sqlite")], cwd=ROOT, check=True, capture_output=True)
    assert digest(ROOT / "inputs" / "2023-08") == before


def test_problem_list_is_deterministic(filled, tmp_path):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", {"XNK_TONG": {"F": "abc"}})
    problems = pipeline.check(filled).problems
    outputs.write_problems_xlsx(tmp_path / "a.xlsx", problems)
    time.sleep(1.1)
    outputs.write_problems_xlsx(tmp_path / "b.xlsx", problems)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_xml_entity_bomb_in_a_workbook_is_harmless(filled):
    """A billion-laughs sharedStrings part: read without expanding, in bounded time."""
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           '<si><t>&lol9;</t></si></sst>')
    rewrite(filled.period_inputs / "so-cong-thuong.xlsx", lambda parts: parts.update({"xl/sharedStrings.xml": lol.encode()}))
    refused_quickly(filled)


def rewrite(path, edit) -> None:
    """The workbook's zip rewritten with ``edit(parts)`` applied to its parts (name -> bytes)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    edit(parts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    path.write_bytes(buf.getvalue())


def refused_quickly(filled):
    """The check returns in bounded time, the crafted workbook refused as not a workbook."""
    start = time.monotonic()
    res = pipeline.check(filled)  # must return, whatever it makes of the crafted parts
    assert time.monotonic() - start < 30
    refused = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.is_error]
    assert [p.code for p in refused] == ["not-a-workbook"] and "Excel Workbook (.xlsx)" in refused[0].message
    return res


@pytest.mark.parametrize("doctype", [
    # a billion laughs: ten levels of ten, 10^8 characters if anything expanded it
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefg", "bcdefgh")) + "]>",
    # an external entity naming a file of the server
    '<!DOCTYPE x [<!ENTITY h SYSTEM "file:///etc/passwd">]>',
])
def test_entities_in_a_sheet_are_refused_on_the_real_read_path(filled, doctype):
    """The path the product reads by (preflight, then the one model in a worker), not a
    library flag: a sheet declaring entities is refused quickly, nothing of them read."""
    import re
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Văn bản của sở.")])

    def declare(parts):
        for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
            xml = parts[name].decode("utf-8")
            xml = re.sub(r'(<c r="B2"[^>]*t="inlineStr"><is><t[^>]*>)[^<]*(</t>)', r"\1&h;\2", xml)
            parts[name] = (xml.replace("?>", "?>" + doctype, 1) if xml.startswith("<?xml") else doctype + xml).encode()
    rewrite(path, declare)
    res = refused_quickly(filled)
    assert "so-cong-thuong" not in res.data and not res.narrative.get("II.1.2")


def test_department_codes_cannot_name_paths(tmp_path):
    from generator.catalogue import load_catalogue
    from .conftest import SMALL_INDICATORS, make_templates
    t = make_templates(tmp_path / "t", SMALL_INDICATORS,
                       "Mã đơn vị,Tên đơn vị\nso-cong-thuong,A\nso-nong-nghiep,B\n../../etc/passwd,C\nx/y,D\n")
    _, problems = load_catalogue(t)
    assert [p.position for p in problems if p.code == "department-code"] == ["dòng 4", "dòng 5"]
