"""Issue 22, point 9: stopping «baocao serve» with SIGTERM (as systemd does) ends its reader
processes too; against a real server process with an upload that started them."""
from __future__ import annotations

import time

import httpx

from .conftest import ROOT
from .web_helpers import csrf_of, login, serve_process, web_setup

CT = "so-cong-thuong"
PERIOD = "2023-08"


def sample_bytes(dept: str) -> bytes:
    return (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes()


def send(c: httpx.Client, data: bytes, period: str = PERIOD) -> httpx.Response:
    return c.post(f"/don-vi/{period}/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                  files={"tep": ("bieu.xlsx", data, "application/octet-stream")})


def _descendants(pid: int) -> set:
    import os
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in os.listdir(f"/proc/{p}/task") if os.path.exists(f"/proc/{p}/task") else ():
            try:
                kids = open(f"/proc/{p}/task/{task}/children").read().split()
            except OSError:
                kids = []
            for k in map(int, kids):
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def test_sigterm_stops_the_server_and_its_reader_processes(tmp_path):
    import os
    import signal

    app, config = web_setup(tmp_path, remove=(CT,))
    proc, url = serve_process(config, tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=120, follow_redirects=True) as c:
            login(c, CT)
            assert "Đã nhận biểu" in send(c, sample_bytes(CT)).text   # the readers are running now
        helpers = _descendants(proc.pid)
        assert len(helpers) >= 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        alive = helpers
        while alive and time.monotonic() < deadline:
            alive = {p for p in alive if os.path.exists(f"/proc/{p}") and
                     open(f"/proc/{p}/stat").read().split(")")[1].split()[0] != "Z"}
            time.sleep(0.2)
        assert not alive, alive
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_does_not_wait_for_a_stalled_request(tmp_path):
    """A client that declared a body and stopped sending (a stalled upload) does not keep the
    server alive after SIGTERM until the slow-body limit (30 s): it is cut after a few seconds."""
    import signal
    import socket

    app, config = web_setup(tmp_path)
    proc, url = serve_process(config, tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as s:
            s.sendall(b"POST /dang-nhap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 1000\r\n\r\nten=a")
            time.sleep(1)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=25) == 0   # the stall limit would keep it 30 s
            assert time.monotonic() - started < 20
    finally:
        if proc.poll() is None:
            proc.kill()
