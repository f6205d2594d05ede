"""Shared by the web tests: a copy of the sample period with one department left to submit,
accounts, and a real uvicorn server on 127.0.0.1 in a thread."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from generator.pipeline import open_context
from generator.web import WebConfig, create_app
from generator.web.auth import create_account

from .conftest import ROOT

PASSWORD = "mat-khau-thu-nghiem"
MISSING = "so-nong-nghiep"


def web_setup(tmp_path: Path, remove=(MISSING,)):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
    for dept in remove:
        (inputs / "2023-08" / f"{dept}.xlsx").unlink()
    db = tmp_path / "data" / "baocao.sqlite"
    config = WebConfig(inputs=inputs, out=tmp_path / "build", db=db, max_upload_bytes=2 * 2**20)
    app = create_app(config)
    cat = open_context("2023-08").catalogue
    create_account(db, "vanphong", PASSWORD, None, cat)
    for code in cat.departments:
        create_account(db, code, PASSWORD, code, cat)
    return app, config


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, username: str):
    page = client.get("/dang-nhap")
    return client.post("/dang-nhap", data={"ten": username, "mat_khau": PASSWORD, "csrf": csrf_of(page.text)},
                       follow_redirects=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_process(config, cwd, **popen) -> tuple:
    """A real «baocao serve» process over ``config``'s folders on a free port, started in
    ``cwd`` with this tree's code and waited for until /suc-khoe answers (up to 30 s):
    (the Popen, its base URL). ``popen``: more Popen arguments (output, preexec_fn)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", str(port), "--inputs",
                             str(config.inputs), "--out", str(config.out), "--db", str(config.db)],
                            cwd=cwd, env=env, **popen)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/suc-khoe", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


class Server:
    """uvicorn serving the app on 127.0.0.1 in a background thread, stopped by stop()."""

    def __init__(self, app):
        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=20)


def upload_at_once(server: "Server", departments: list[str], period: str = "2023-08", first_alone: bool = False):
    """Each department signs in on its own client and sends its sample workbook, all at the
    same moment: [(department, response, seconds)] (with ``first_alone``, the first one is sent
    alone before the others)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    clients = []
    for d in departments:
        c = httpx.Client(base_url=server.url, timeout=300, follow_redirects=True)
        login(c, d)
        clients.append((d, c, csrf_of(c.get("/don-vi").text)))

    def send(item):
        d, c, token = item
        data = (ROOT / "inputs" / period / f"{d}.xlsx").read_bytes()
        start = time.perf_counter()
        r = c.post(f"/don-vi/{period}/nop", data={"csrf": token}, files={"tep": (f"{d}.xlsx", data)})
        return d, r, time.perf_counter() - start
    try:
        alone = [send(clients[0])] if first_alone else []
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            return alone + list(pool.map(send, clients))
    finally:
        for _, c, _ in clients:
            c.close()
