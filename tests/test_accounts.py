"""Hostile accounts: throttled sign-in, server-side sessions that end, accounts that are not
overwritten, passwords that hold; every upload on record."""
from __future__ import annotations

import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from generator import store as storage
from generator.web import auth

from .conftest import ROOT, run_cli
from .web_helpers import MISSING, PASSWORD, Server, csrf_of, login, upload_at_once, web_setup


def sample_bytes(dept: str) -> bytes:
    return (ROOT / "inputs" / "2023-08" / f"{dept}.xlsx").read_bytes()


def try_login(client, username, password):
    page = client.get("/dang-nhap")
    return client.post("/dang-nhap", data={"ten": username, "mat_khau": password, "csrf": csrf_of(page.text)},
                       follow_redirects=True)


def test_brute_force_is_slowed_then_locked(tmp_path):
    app, config = web_setup(tmp_path)
    db = config.db
    t0 = 1_800_000_000.0
    # five wrong passwords: no delay yet
    for i in range(5):
        assert auth.sign_in(db, MISSING, "sai-mat-khau-1", "10.0.0.1", now=t0 + i).account is None
    # the sixth attempt right away waits (a growing delay), even with the right password
    got = auth.sign_in(db, MISSING, PASSWORD, "10.0.0.1", now=t0 + 5)
    assert got.account is None and got.wait > 0 and not got.locked and "hãy đợi" in got.message
    # after the delay, the right password works and starts the count again
    assert auth.sign_in(db, MISSING, PASSWORD, "10.0.0.2", now=t0 + 60).account is not None
    # ten failures within 15 minutes (waiting out each delay) lock the account
    t, failures, delays = t0 + 100, 0, []
    while failures < 10:
        got = auth.sign_in(db, MISSING, "sai-mat-khau-2", "10.0.0.3", now=t)
        if got.wait:  # a throttled attempt is refused unchecked and not counted: wait it out
            delays.append(round(got.wait))
            t += got.wait + 0.5
            continue
        failures += 1
        t += 0.5
    assert delays == sorted(delays) and delays[-1] > delays[0]   # the delay grows
    assert t - (t0 + 100) < 15 * 60
    got = auth.sign_in(db, MISSING, PASSWORD, "10.0.0.3", now=t)
    assert got.account is None and got.locked and "tạm khóa" in got.message and "phút" in got.message
    # the lock is of that account from that address: its owner at another machine signs in
    assert auth.sign_in(db, MISSING, PASSWORD, "10.0.0.4", now=t + 1).account is not None
    # fifteen minutes after the last failure the right password is accepted again there too
    assert auth.sign_in(db, MISSING, PASSWORD, "10.0.0.3", now=t + 15 * 60 + 1).account is not None
    store = storage.open_store(db)
    log = storage.web.signins(store, 1000)
    store.close()
    assert {row[3] for row in log} == {"ok", "failed", "throttled"}
    assert all(row[1] == MISSING and row[2].startswith("10.0.0.") for row in log)


def test_hundred_wrong_passwords_then_the_right_one_is_refused_over_http(tmp_path):
    app, config = web_setup(tmp_path)
    with TestClient(app) as c:
        for _ in range(12):
            try_login(c, MISSING, "doan-mo-mat-khau")
        r = try_login(c, MISSING, PASSWORD)
        assert r.status_code == 429 and ("tạm khóa" in r.text or "hãy đợi" in r.text)
        assert c.get("/don-vi", follow_redirects=False).status_code == 303


def test_a_copied_cookie_dies_on_logout_reset_disable_and_role_change(tmp_path):
    app, config = web_setup(tmp_path)
    cat = app.state.web.base_ctx.catalogue
    for end in ("logout", "reset", "disable", "role"):
        with TestClient(app) as c:
            login(c, MISSING)
            stolen = dict(c.cookies)
            assert c.get("/don-vi").status_code == 200
            if end == "logout":
                c.post("/dang-xuat", data={"csrf": csrf_of(c.get("/don-vi").text)})
            elif end == "reset":
                auth.reset_account(config.db, MISSING, cat, password="mat-khau-moi-2026")
            elif end == "disable":
                auth.reset_account(config.db, MISSING, cat, disabled=True)
            else:
                auth.reset_account(config.db, MISSING, cat, department="so-y-te")
        with TestClient(app, cookies=stolen) as thief:
            r = thief.get("/don-vi", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/dang-nhap", end
        auth.reset_account(config.db, MISSING, cat, password=PASSWORD, department=MISSING, disabled=False)


def test_users_change_their_own_password(tmp_path):
    app, config = web_setup(tmp_path)
    with TestClient(app) as c, TestClient(app) as other:
        login(c, MISSING)
        login(other, MISSING)
        token = csrf_of(c.get("/mat-khau").text)
        weak = c.post("/mat-khau", data={"csrf": token, "cu": PASSWORD, "moi": "1234567890", "nhap_lai": "1234567890"})
        assert weak.status_code == 400 and "phổ biến" in weak.text
        ok = c.post("/mat-khau", data={"csrf": token, "cu": PASSWORD, "moi": "Ngay-mai-troi-mua", "nhap_lai":
                                       "Ngay-mai-troi-mua"})
        assert ok.status_code == 200 and "Đã đổi mật khẩu" in ok.text
        assert c.get("/don-vi").status_code == 200                              # this browser goes on
        assert other.get("/don-vi", follow_redirects=False).status_code == 303  # the other session ended
    assert auth.authenticate(config.db, MISSING, "Ngay-mai-troi-mua") is not None


def test_user_command_refuses_an_existing_name_and_resets(tmp_path):
    db = tmp_path / "db.sqlite"

    def user(*args, password="mat-khau-dai-hon"):
        return subprocess.run([sys.executable, "-m", "generator", "user", *args, "--password-stdin", "--db", str(db)],
                              input=password + "\n", capture_output=True, text=True, cwd=ROOT)
    assert user("add", "ct", "--department", "so-cong-thuong").returncode == 0
    again = user("add", "ct", "--office", password="mat-khau-khac-nua")
    assert again.returncode == 2 and "đã có" in again.stderr and "baocao user reset ct" in again.stderr
    store = storage.open_store(db)
    assert storage.web.get_account(store, "ct")["role"] == "department"
    store.close()
    short = user("add", "ngan", "--office", password="ngan")
    assert short.returncode == 2 and "ít nhất 10 ký tự" in short.stderr
    assert user("reset", "ct", password="mot-mat-khau-moi").returncode == 0
    assert auth.authenticate(db, "ct", "mot-mat-khau-moi") is not None
    assert run_cli("user", "disable", "ct", "--db", db).returncode == 0
    assert auth.authenticate(db, "ct", "mot-mat-khau-moi") is None
    listing = run_cli("user", "list", "--db", db).stdout
    assert "đã khóa" in listing


def test_user_list_names_an_account_whose_department_left_the_catalogue(tmp_path):
    from .conftest import make_templates
    db = tmp_path / "db.sqlite"
    store = storage.open_store(db)
    storage.web.add_account(store, "cu", "department", "so-da-giai-the", auth.hash_password("mat-khau-dai-hon"))
    store.close()
    templates = make_templates(tmp_path / "templates")
    proc = run_cli("user", "list", "--db", db, "--templates", templates)
    assert proc.returncode == 0 and "so-da-giai-the (đơn vị không còn trong danh mục" in proc.stdout


def test_every_upload_is_on_record_and_concurrent_uploads_all_land(tmp_path):
    depts = ["van-phong-ubnd", "so-nong-nghiep", "ban-quan-ly-kkt", "so-cong-thuong", "ngan-hang-nha-nuoc",
             "so-giao-duc", "so-van-hoa", "so-y-te", "so-lao-dong", "so-ke-hoach", "so-tai-chinh", "cuc-thue",
             "cuc-hai-quan", "so-thong-tin", "so-tai-nguyen", "so-khoa-hoc", "thanh-tra-tinh", "ban-chi-dao-389",
             "bo-chqs", "cong-an-tinh"]
    app, config = web_setup(tmp_path, remove=depts)
    with Server(app) as server:
        answers = [r for _, r, _ in upload_at_once(server, depts)]
    assert all(r.status_code == 200 and "Đã nhận biểu" in r.text for r in answers)
    proc = run_cli("submissions", "--period", "2023-08", "--db", config.db)
    lines = [line for line in proc.stdout.splitlines()[1:] if line.strip()]
    assert proc.returncode == 0 and len(lines) == 20
    import hashlib
    for d in depts:
        line = next(x for x in lines if f" {d} " in x)
        assert hashlib.sha256(sample_bytes(d)).hexdigest() in line and "đã nhận" in line and "ngày" in line
    store = storage.open_store(config.db)
    try:
        assert all(storage.submissions.current(store, "2023-08", d) is not None for d in depts)
    finally:
        store.close()


def test_a_never_recorded_file_is_recorded_before_it_is_replaced(tmp_path):
    import io

    from openpyxl import load_workbook
    app, config = web_setup(tmp_path)
    target = config.inputs / "2023-08" / "so-y-te.xlsx"
    first = target.read_bytes()          # in the folder since before the web: never recorded
    wb = load_workbook(io.BytesIO(first))
    ws = wb["Chỉ tiêu"]
    ws["G2"] = (ws["G2"].value or 0) + 1
    buf = io.BytesIO()
    wb.save(buf)
    with TestClient(app) as c:
        login(c, "so-y-te")
        r = c.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                   files={"tep": ("moi.xlsx", buf.getvalue())}, follow_redirects=False)
        assert r.status_code == 303 and "/ket-qua/" in r.headers["location"]   # Post/Redirect/Get
        page = c.get(r.headers["location"])
        assert "Đã nhận biểu" in page.text
        assert c.get(r.headers["location"]).text == page.text                 # F5 sends nothing again
    store = storage.open_store(config.db)
    try:
        import hashlib
        revs = storage.submissions.revisions(store, "2023-08", "so-y-te")
        assert [r[2] for r in revs] == [hashlib.sha256(first).hexdigest(), hashlib.sha256(buf.getvalue()).hexdigest()]
        assert storage.submissions.current(store, "2023-08", "so-y-te").revision == revs[1][0]
        assert len(storage.web.uploads(store, "2023-08", "so-y-te")) == 1
    finally:
        store.close()


@pytest.mark.parametrize("password, ok", [("ngan", False), ("1234567890", False), ("so-y-te-12345", False),
                                          ("Hoa-ban-no-tren-doi", True)])
def test_password_policy(password, ok):
    assert (auth.password_problem(password, "so-y-te") is None) is ok


def test_http_hygiene_headers_and_files(tmp_path):
    import stat
    app, config = web_setup(tmp_path)
    with TestClient(app) as c:
        login(c, "vanphong")
        for path in ("/dang-nhap", "/van-phong", "/van-phong/2023-08"):
            r = c.get(path)
            csp = r.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "'unsafe-inline'" not in csp
            assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
            assert r.headers["cache-control"] == "no-store"
            assert "<style" not in r.text and "<script" not in r.text
        assert c.get("/kieu.css").headers["content-type"].startswith("text/css")
        # the framework's own refusal (too many files in one form) comes out in Vietnamese
        token = csrf_of(c.get("/van-phong").text)
        r = c.post("/van-phong/mo-ky", data={"csrf": token, "ky": "2026-11"},
                   files=[("a", ("a.txt", b"x")), ("b", ("b.txt", b"y"))])
        assert r.status_code == 400 and "Yêu cầu không hợp lệ" in r.text and "Too many" not in r.text
    assert stat.S_IMODE(config.db.stat().st_mode) == 0o600
    assert stat.S_IMODE((config.db.parent / "web-secret.key").stat().st_mode) == 0o600


def test_outputs_are_readable_by_the_group(filled):
    import stat

    from generator import pipeline
    got = pipeline.build(filled)
    for path in got["paths"].values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_an_honest_dashboard(tmp_path):
    import io
    import time as _time

    from openpyxl import load_workbook

    from generator import pipeline
    app, config = web_setup(tmp_path)
    ctx = pipeline.open_context("2023-08", config.inputs, config.out, None, config.db)
    stale_pdf = config.out / "2023-08" / "BC-UBND-2023-08.pdf"
    stale_pdf.parent.mkdir(parents=True)
    stale_pdf.write_bytes(b"%PDF-1.4 an older build's PDF")
    pipeline.build(ctx, allow_missing=True)          # this build makes no PDF
    _time.sleep(1.1)                                  # times are kept to the second
    with TestClient(app) as office, TestClient(app) as dept:
        login(office, "vanphong")
        page = office.get("/van-phong/2023-08").text
        assert "tai-docx" in page and "tai-pdf" not in page and "Lập lúc" in page
        assert office.get("/van-phong/2023-08/tai/pdf").status_code == 404
        assert "cu-hon-bieu" not in page
        assert "Hạn gửi biểu: <b id=\"han-nop\">ngày 16/08/2023" in page
        row = page.split(f'id="dv-{MISSING}"')[1].split("</tr>")[0]
        assert "quá hạn" in row                       # 2023-08 is long past its deadline
        # the department sends its workbook, then a broken one
        login(dept, MISSING)
        good = dept.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(dept.get("/don-vi").text)},
                         files={"tep": ("a.xlsx", sample_bytes(MISSING))})
        assert "Đã nhận biểu" in good.text
        wb = load_workbook(io.BytesIO(sample_bytes(MISSING)))
        wb["Chỉ tiêu"]["E2"] = "khoảng 600"
        buf = io.BytesIO()
        wb.save(buf)
        bad = dept.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(dept.get("/don-vi").text)},
                        files={"tep": ("b.xlsx", buf.getvalue())})
        assert "Biểu chưa được nhận" in bad.text
        page = office.get("/van-phong/2023-08").text
        assert "cu-hon-bieu" in page and "Báo cáo cũ hơn biểu" in page
        row = page.split(f'id="dv-{MISSING}"')[1].split("</tr>")[0]
        # accepted after the build: the report does not have it yet (status.py)
        assert "đã nhận sau khi lập" in row and "đang dùng bản nộp lúc" in row and "bị từ chối" in row and MISSING in row
        assert "quá hạn" not in row and " ngày " in row
        # the department sees both sends and downloads the accepted one
        mine = dept.get("/don-vi").text
        assert "Các lần gửi (2)" in mine and "(đang dùng)" in mine
        link = mine.split('href="/don-vi/2023-08/ban-nop/')[1].split('"')[0]
        got = dept.get(f"/don-vi/2023-08/ban-nop/{link}")
        assert got.status_code == 200 and got.content == sample_bytes(MISSING)
        # another department cannot fetch it
        other = TestClient(app)
        login(other, "so-y-te")
        assert other.get(f"/don-vi/2023-08/ban-nop/{link}").status_code == 404


def test_unexpected_failures_leave_a_trace_but_show_none(tmp_path, monkeypatch, capsys):
    from generator import cli, pipeline
    from generator.problems import BaocaoError
    log = tmp_path / "baocao.log"
    monkeypatch.setenv("BAOCAO_LOG", str(log))

    def boom(*a, **k):
        raise RuntimeError("hỏng giữa chừng")
    monkeypatch.setattr(pipeline, "build", boom)
    assert cli.main(["build", "--period", "2023-08", "--db", "", "--out", str(tmp_path / "b")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(log) in err
    assert "Traceback" in log.read_text(encoding="utf-8") and "hỏng giữa chừng" in log.read_text(encoding="utf-8")
    # a web route: the page shows the Vietnamese message, the log keeps the traceback
    app, config = web_setup(tmp_path / "web")
    monkeypatch.setattr(pipeline, "check", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        login(c, "vanphong")
        r = c.get("/van-phong/2023-08")
        assert r.status_code == 500 and "Traceback" not in r.text
    assert log.read_text(encoding="utf-8").count("Traceback") == 2 and "GET /van-phong/2023-08" in log.read_text(
        encoding="utf-8")
    # the library without a store: a typed error with a Vietnamese message
    ctx = pipeline.open_context("2023-08")
    with pytest.raises(BaocaoError, match="cần cơ sở dữ liệu"):
        pipeline.history_series(ctx, "KKT_XNK")


def test_build_jobs_are_bounded_and_survive_a_restart(tmp_path):
    import time as _time

    from generator.web import WebConfig, create_app
    app, config = web_setup(tmp_path)
    with TestClient(app) as c:
        login(c, "vanphong")
        token = csrf_of(c.get("/van-phong/2023-08").text)
        r = c.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": token, "cho_phep_thieu": "1"},
                   follow_redirects=False)
        progress = r.headers["location"]
        for _ in range(200):
            if "lap-xong" in c.get(progress).text or "Không lập được" in c.get(progress).text:
                break
            _time.sleep(0.2)
        assert "lap-xong" in c.get(progress).text
        cookies = dict(c.cookies)
    # a build "running" when the server stopped: closed as interrupted at the next start
    store = storage.open_store(config.db)
    assert storage.web.start_build_job(store, "dangchay", "2023-08", "vanphong", "2026-11-28T00:00:00Z", 2) == "dangchay"
    store.close()
    again = create_app(WebConfig(inputs=config.inputs, out=config.out, db=config.db))
    with TestClient(again, cookies=cookies) as c:
        assert "Đã lập báo cáo" in c.get(progress).text          # known from the store after the restart
        page = c.get("/van-phong/2023-08/tien-do/dangchay").text
        assert "Máy chủ đã dừng khi đang lập báo cáo" in page
        # bounded: while one build of the period runs, another is refused in Vietnamese
        store = storage.open_store(config.db)
        storage.web.start_build_job(store, "thu-hai", "2023-08", "vanphong", "2026-11-28T00:00:01Z", 2)
        store.close()
        r = c.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(c.get("/van-phong/2023-08").text),
                                                          "cho_phep_thieu": "1"})
        assert r.status_code == 409 and "Đang có một lượt lập báo cáo kỳ 2023-08" in r.text
