"""Installable anywhere: the office's own folder, its own settings, backups, the web under a
sub-path and its health check; the wheel installed outside the checkout."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import zipfile

import pytest
from starlette.testclient import TestClient

from generator import cli
from generator import store as storage

from .conftest import REFCHECK, REFERENCE, ROOT, STRICT, require_shared
from .web_helpers import login, web_setup


def baocao(cwd, *args):
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_new_office_folder_uses_its_own_settings(tmp_path):
    office = tmp_path / "van-phong"
    proc = baocao(tmp_path, "new", office, "--sample")
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in office.iterdir()} == {"templates", "inputs", "data", "build", "HUONG-DAN.txt"}
    assert len(list((office / "inputs" / "2023-08").glob("*.xlsx"))) == 23
    settings = office / "templates" / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('ten_tinh = "TỈNH LẠNG SƠN"',
                                                                     'ten_tinh = "TỈNH CAO BẰNG"'), encoding="utf-8")
    check = baocao(office, "check", "--period", "2023-08")
    assert check.returncode == 0 and check.stdout.splitlines()[0].startswith("Mẫu và danh mục: ")
    assert "templates/ tại nơi chạy lệnh" in check.stdout.splitlines()[0]
    assert baocao(office, "build", "--period", "2023-08").returncode == 0
    with zipfile.ZipFile(office / "build" / "2023-08" / "BC-UBND-2023-08.docx") as z:
        doc = z.read("word/document.xml").decode("utf-8")
    assert "TỈNH CAO BẰNG" in doc and "TỈNH LẠNG SƠN" not in doc
    again = baocao(tmp_path, "new", office)
    assert again.returncode == 2 and "đã có nội dung" in again.stderr


def test_without_a_templates_folder_the_package_defaults_are_used(tmp_path):
    (tmp_path / "inputs" / "2023-08").mkdir(parents=True)
    proc = baocao(tmp_path, "check", "--period", "2023-08", "--allow-missing", "--db", "")
    assert proc.returncode == 0 and "mẫu mặc định của chương trình" in proc.stdout.splitlines()[0]


def test_backup_while_the_store_is_written_and_restore(tmp_path):
    from decimal import Decimal
    office = tmp_path / "van-phong"
    assert baocao(tmp_path, "new", office, "--sample").returncode == 0
    assert baocao(office, "build", "--period", "2023-08").returncode == 0
    db = office / "data" / "baocao.sqlite"
    stop = threading.Event()
    written = []

    def writer():  # as `baocao serve` would: submissions recorded while the backup runs
        store = storage.open_store(db)
        i = 0
        while not stop.is_set():
            storage.submissions.record(store, "2023-09", "so-y-te", "so-y-te.xlsx", f"sha-{i}",
                     [("YT_KCB", "month", Decimal(i), "Chỉ tiêu", "E2", "lượt")], narrative=[])
            written.append(i)
            i += 1
        store.close()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert cli.main(["backup", str(tmp_path / "sao-luu"), "--inputs", str(office / "inputs"), "--out",
                         str(office / "build"), "--templates", str(office / "templates"), "--db", str(db)]) == 0
    finally:
        stop.set()
        thread.join()
    assert written, "the writer never ran"
    copy = tmp_path / "sao-luu" / "data" / "baocao.sqlite"
    with sqlite3.connect(copy) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT COUNT(*) FROM submission WHERE period='2023-08'").fetchone()[0] == 23
    # restore into a fresh folder, then refuse to overwrite it without --force
    target = tmp_path / "khoi-phuc"
    target.mkdir()
    assert cli.main(["restore", str(tmp_path / "sao-luu"), "--to", str(target)]) == 0
    assert (target / "inputs" / "2023-08" / "so-y-te.xlsx").read_bytes() == \
        (office / "inputs" / "2023-08" / "so-y-te.xlsx").read_bytes()
    assert baocao(target, "build", "--period", "2023-08").returncode == 0
    assert cli.main(["restore", str(tmp_path / "sao-luu"), "--to", str(target)]) == 2   # usage: needs --force
    # a damaged copy is refused
    (tmp_path / "sao-luu" / "inputs" / "2023-08" / "so-y-te.xlsx").write_bytes(b"hong")
    assert cli.main(["restore", str(tmp_path / "sao-luu"), "--to", str(target), "--force"]) == 3


def test_the_web_under_a_sub_path_and_its_health_check(tmp_path):
    app, config = web_setup(tmp_path)
    with TestClient(app, root_path="/baocao") as c:
        assert c.get("/suc-khoe").json() == {"trang_thai": "tốt"}
        page = c.get("/dang-nhap")
        assert 'action="/baocao/dang-nhap"' in page.text and 'href="/baocao/kieu.css"' in page.text
        r = login(c, "vanphong")
        assert r.status_code == 200 and 'href="/baocao/van-phong/2023-08"' in r.text


def test_deploy_examples_name_the_health_check_and_https():
    unit = (ROOT / "deploy" / "baocao.service").read_text(encoding="utf-8")
    assert "--secure-cookies" in unit and "--root-path /baocao" in unit
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "listen 443 ssl" in nginx and "/suc-khoe" in nginx and "proxy_pass http://127.0.0.1:8000/;" in nginx


def test_the_wheel_installed_outside_the_checkout_builds_the_sample(tmp_path):
    """CI: build the wheel, install it in a fresh virtual environment, make an office folder
    with the sample in a scratch folder and build; refcheck the DOCX."""
    require_shared()
    wheels = tmp_path / "wheels"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(wheels)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    wheel = next(wheels.glob("baocao-*.whl"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}   # only the venv's own packages
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True,
                          timeout=900, env=env)
    if proc.returncode != 0:
        if STRICT:
            pytest.fail(f"installing the wheel failed: {proc.stderr[-2000:]}")
        pytest.skip(f"the package index is not reachable to install the wheel's dependencies: {proc.stderr[-300:]}")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    exe = venv / "bin" / "baocao"
    proc = subprocess.run([str(exe), "new", "vp", "--sample"], cwd=scratch, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(exe), "build", "--period", "2023-08"], cwd=scratch / "vp", capture_output=True,
                          text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    where = subprocess.run([str(py), "-c", "import generator; print(generator.__file__)"], cwd=scratch,
                           capture_output=True, text=True, env=env).stdout
    assert str(ROOT) not in where and "site-packages" in where
    docx = scratch / "vp" / "build" / "2023-08" / "BC-UBND-2023-08.docx"
    ref = subprocess.run([sys.executable, str(REFCHECK), str(docx), str(REFERENCE)], capture_output=True, text=True)
    assert ref.returncode == 0, ref.stdout
