"""Hostile files: no workbook takes the server down. The bounded reader refuses crafted
sheets before any parser runs, and the workers turn a parser failure nobody foresaw into a
refused file."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile

import httpx

from generator import cli
from generator.workbooks import sandbox

from .conftest import ROOT
from .web_helpers import MISSING, Server, csrf_of, login, web_setup


def far_cell_workbook(coord: str = "XFD1048576", part: str = "xl/worksheets/sheet2.xml") -> bytes:
    """The sample department's workbook with one cell written straight into a sheet's XML far
    away, the recorded dimension left small (a few kB, as an attacker would send it)."""
    src = ROOT / "inputs" / "2023-08" / f"{MISSING}.xlsx"
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    row = "".join(ch for ch in coord if ch.isdigit())
    parts[part] = parts[part].replace(b"</sheetData>", f'<row r="{row}"><c r="{coord}"><v>1</v></c></row>'
                                      f'</sheetData>'.encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return buf.getvalue()


def test_a_worker_that_dies_refuses_only_its_file(tmp_path):
    # a native abort in the parser ends its worker like this (os.abort would also make
    # pytest's faulthandler print a dump)
    got = sandbox.run_many(os._exit, [(134,), (134,)], [tmp_path / "a.xlsx", tmp_path / "b.xlsx"])
    assert all(data is None and probs[0].code == "unreadable" for data, probs in got)
    # an innocent job caught in the same crashed pool is read again, alone, and succeeds
    got = sandbox.run_many(os._exit, [(134,)], [tmp_path / "c.xlsx"])
    mixed = sandbox.run_many(abs, [(-3,)], [tmp_path / "d.xlsx"])
    assert got[0][0] is None and mixed == [3]


def test_a_worker_out_of_memory_refuses_the_file(tmp_path):
    data, probs = sandbox.run_one(bytearray, (sandbox.MEMORY_LIMIT + 2**30,), tmp_path / "big.xlsx")
    assert data is None and probs[0].code == "unreadable" and "MB" in probs[0].message
    assert probs[0].file == "big.xlsx"


def test_a_worker_past_the_time_limit_refuses_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.5)
    start = time.monotonic()
    data, probs = sandbox.run_one(time.sleep, (30,), tmp_path / "slow.xlsx")
    assert data is None and "0.5 giây" in probs[0].message
    assert time.monotonic() - start < 10
    assert sandbox.run_one(abs, (-1,), tmp_path / "ok.xlsx") == 1


def test_check_refuses_the_far_cell_workbook_without_dying(tmp_path, capsys):
    folder = tmp_path / "inputs" / "2023-08"
    folder.mkdir(parents=True)
    for p in (ROOT / "inputs" / "2023-08").iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / f"{MISSING}.xlsx").write_bytes(far_cell_workbook())
    code = cli.main(["check", "--period", "2023-08", "--inputs", str(tmp_path / "inputs"), "--out",
                     str(tmp_path / "build"), "--db", ""])
    out = capsys.readouterr().out
    assert code == 1
    assert "XFD1048576" in out and "ngoài giới hạn" in out


def test_the_server_refuses_crafted_workbooks_and_keeps_serving(tmp_path):
    app, config = web_setup(tmp_path)
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as c:
        login(c, MISSING)
        for crafted, cell in ((far_cell_workbook(), "XFD1048576"),
                              (far_cell_workbook("XFD5000", "xl/worksheets/sheet4.xml"), "XFD5000")):
            token = csrf_of(c.get("/don-vi").text)
            r = c.post("/don-vi/2023-08/nop", data={"csrf": token}, files={"tep": ("b.xlsx", crafted)})
            assert r.status_code == 200 and "Biểu chưa được nhận" in r.text and cell in r.text
        assert not (config.inputs / "2023-08" / f"{MISSING}.xlsx").exists()
        assert c.get("/don-vi").status_code == 200
        office = httpx.Client(base_url=server.url, timeout=120, follow_redirects=True)
        login(office, "vanphong")
        assert office.get("/van-phong/2023-08").status_code == 200
        office.close()


def test_forked_readers_take_the_catalogue_from_their_memory(tmp_path):
    """A command's readers are forked with the catalogue in memory and receive only a token
    for it; what they read is what this process reads itself. A catalogue made after the
    fork is sent whole (never the stale one)."""
    script = """
import sys
from dataclasses import replace
from generator import pipeline
from generator.workbooks import sandbox
from generator.workbooks.read import read_workbook
ctx = pipeline.open_context("2023-08", "inputs", sys.argv[1], None, None)
sandbox.ready(ctx.catalogue)
assert id(ctx.catalogue) in sandbox._pool_inherits
jobs = [(p, ctx.catalogue, ctx.period, p.stem) for p in sorted(ctx.period_inputs.glob("*.xlsx"))[:4]]
got = sandbox.read_workbooks(jobs)
assert got == [read_workbook(*j) for j in jobs], "read in a worker differs"
later = replace(ctx.catalogue, indicators={})   # a catalogue the workers never saw
assert id(later) not in sandbox._pool_inherits
(data, problems), = sandbox.read_workbooks([(jobs[0][0], later, ctx.period, jobs[0][3])])
assert (data, problems) == read_workbook(jobs[0][0], later, ctx.period, jobs[0][3])
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
