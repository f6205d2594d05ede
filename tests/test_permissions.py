"""Issue 22 point 8: what the server writes is not world-readable, whoever starts it. A real
«baocao serve» started with umask 000 (every file it makes would be 0666, every folder 0777)
accepts uploads: the accepted workbooks are 0640, the archive's files and folders reach no
one outside the owner and the office's group, and the log is 0600."""
from __future__ import annotations

import os
import stat
import subprocess

import httpx

from generator.failures import record_failure

from .conftest import ROOT
from .web_helpers import MISSING, csrf_of, login, serve_process, web_setup

PERIOD = "2023-08"
CT = "so-cong-thuong"


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def send(c: httpx.Client, dept: str) -> httpx.Response:
    data = (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes()
    return c.post(f"/don-vi/{PERIOD}/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                  files={"tep": ("bieu.xlsx", data, "application/octet-stream")})


def test_a_server_started_with_umask_000_writes_nothing_world_readable(tmp_path):
    app, config = web_setup(tmp_path)
    # the office's own copy of a workbook, readable by anyone: an upload replaces (archives) it
    os.chmod(config.inputs / PERIOD / f"{CT}.xlsx", 0o644)
    proc, url = serve_process(config, tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=lambda: os.umask(0))
    try:
        for dept in (MISSING, CT):
            with httpx.Client(base_url=url, timeout=300, follow_redirects=True) as c:
                login(c, dept)
                assert "Đã nhận biểu" in send(c, dept).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for dept in (MISSING, CT):
        assert mode_of(config.inputs / PERIOD / f"{dept}.xlsx") == 0o640, dept
    archive = config.db.parent / "ban-nop"
    kept = sorted(archive.rglob("*"))
    assert [p for p in kept if p.suffix == ".xlsx"], "the archive holds the accepted workbooks"
    assert {p.parent.name for p in kept if p.suffix == ".xlsx"} == {MISSING, CT}
    for path in [archive, *kept]:
        assert mode_of(path) & 0o007 == 0, (path, oct(mode_of(path)))
        if path.is_file():
            assert mode_of(path) & 0o020 == 0, path          # nobody but the owner changes them
    # no staging folder left behind, and none was open to others while it lived
    assert not any((config.inputs / PERIOD / ".tai-len").iterdir())
    assert mode_of(config.inputs / PERIOD / ".tai-len") & 0o077 == 0


def test_the_log_is_the_owner_s_alone_whatever_the_umask(tmp_path, monkeypatch):
    monkeypatch.delenv("BAOCAO_LOG", raising=False)
    db = tmp_path / "data" / "baocao.sqlite"
    old = os.umask(0)
    try:
        try:
            raise RuntimeError("một lỗi ngoài ý muốn")
        except RuntimeError as e:
            path = record_failure(e, "thử", db=db, server_log=False)
        assert path == tmp_path / "data" / "baocao.log" and mode_of(path) == 0o600
        # a log from before, readable by anyone, is narrowed at the next failure
        os.chmod(path, 0o644)
        try:
            raise RuntimeError("lần nữa")
        except RuntimeError as e:
            record_failure(e, "thử", db=db, server_log=False)
        assert mode_of(path) == 0o600
        assert path.read_text(encoding="utf-8").count("=== ") == 2
    finally:
        os.umask(old)
