"""The web intake through Starlette's test client: sign-in, isolation, CSRF, upload limits and
content checks, the office's dashboard and build, and a bounded load test on loopback."""
import io
import json
import subprocess
import sys
import time

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from generator import store as storage

from .conftest import REFCHECK, REFERENCE, ROOT, require_shared
from .web_helpers import MISSING, PASSWORD, csrf_of, login, web_setup


@pytest.fixture
def web(tmp_path):
    app, config = web_setup(tmp_path)
    return app, config


def sample_bytes(dept: str) -> bytes:
    return (ROOT / "inputs" / "2023-08" / f"{dept}.xlsx").read_bytes()


def upload(client, data: bytes, name="bieu.xlsx", period="2023-08"):
    page = client.get("/don-vi")
    return client.post(f"/don-vi/{period}/nop", data={"csrf": csrf_of(page.text)},
                       files={"tep": (name, data, "application/octet-stream")})


def broken(data: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Chỉ tiêu"]
    ws["E2"] = "khoảng 600"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_sign_in(web):
    app, _ = web
    with TestClient(app) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/dang-nhap"
        page = c.get("/dang-nhap")
        bad = c.post("/dang-nhap", data={"ten": "vanphong", "mat_khau": "sai", "csrf": csrf_of(page.text)})
        assert bad.status_code == 401 and "không đúng" in bad.text
        ok = login(c, MISSING)
        assert ok.url.path == "/don-vi" and "Sở Nông nghiệp" in ok.text
        cookie = ok.history[0].headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_department_downloads_uploads_broken_then_fixed(web):
    app, config = web
    with TestClient(app) as c:
        login(c, MISSING)
        blank = c.get("/don-vi/2023-08/bieu-trong.xlsx")
        assert blank.status_code == 200 and "attachment" in blank.headers["content-disposition"]
        wb = load_workbook(io.BytesIO(blank.content))
        assert wb["_baocao"]["B2"].value == MISSING and wb["_baocao"]["B1"].value == "2023-08"
        bad = upload(c, broken(sample_bytes(MISSING)), name="../../../etc/passwd")
        assert "Biểu chưa được nhận" in bad.text and "E2" in bad.text and "khoảng 600" in bad.text
        target = config.inputs / "2023-08" / f"{MISSING}.xlsx"
        assert not target.exists()
        good = upload(c, sample_bytes(MISSING))
        assert "Đã nhận biểu" in good.text
        assert target.read_bytes() == sample_bytes(MISSING)
        assert not (config.inputs / "2023-08" / ".tai-len").exists() or not any(
            (config.inputs / "2023-08" / ".tai-len").iterdir())
        store = storage.open_store(config.db)
        assert len(storage.submissions.revisions(store, "2023-08", MISSING)) == 1
        assert "đã nộp" in c.get("/don-vi").text


def test_department_cannot_reach_other_files(web):
    app, config = web
    with TestClient(app) as c:
        login(c, MISSING)
        for url in ("/van-phong", "/van-phong/2023-08", "/van-phong/2023-08/don-vi/so-cong-thuong",
                    "/van-phong/2023-08/tai/docx", "/van-phong/2023-08/tai/json"):
            r = c.get(url)
            assert r.status_code == 403 and "không có quyền" in r.text and "Traceback" not in r.text, url
        # another department's workbook, uploaded under this account, is refused
        r = upload(c, sample_bytes("so-cong-thuong"))
        assert "Biểu chưa được nhận" in r.text and "Đây là biểu của «Sở Công Thương»" in r.text
        assert not (config.inputs / "2023-08" / f"{MISSING}.xlsx").exists()
        before = (config.inputs / "2023-08" / "so-cong-thuong.xlsx").read_bytes()
        upload(c, sample_bytes(MISSING))  # its own accepted upload never touches another's file
        assert (config.inputs / "2023-08" / "so-cong-thuong.xlsx").read_bytes() == before


def test_not_signed_in_goes_to_sign_in(web):
    app, _ = web
    with TestClient(app) as c:
        for url in ("/don-vi", "/van-phong/2023-08", "/van-phong/2023-08/tai/docx"):
            r = c.get(url, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/dang-nhap"


def test_csrf_less_posts_are_refused(web):
    app, config = web
    with TestClient(app) as c:
        r = c.post("/dang-nhap", data={"ten": "vanphong", "mat_khau": PASSWORD})
        assert r.status_code == 403 and "mã chống giả mạo" in r.text
        login(c, MISSING)
        r = c.post("/don-vi/2023-08/nop", files={"tep": ("a.xlsx", sample_bytes(MISSING))})
        assert r.status_code == 403
        assert not (config.inputs / "2023-08" / f"{MISSING}.xlsx").exists()
        r = c.post("/don-vi/2023-08/nop", data={"csrf": "gia-mao"}, files={"tep": ("a.xlsx", sample_bytes(MISSING))})
        assert r.status_code == 403
        r = c.post("/dang-xuat")
        assert r.status_code == 403


def test_oversized_and_disguised_uploads(web):
    app, config = web
    with TestClient(app) as c:
        login(c, MISSING)
        r = upload(c, b"x" * (3 * 2**20))
        assert r.status_code == 413 and "vượt giới hạn 2 MB" in r.text
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 500
        r = upload(c, png, name="bieu.xlsx")
        assert "Biểu chưa được nhận" in r.text and "không phải bảng tính Excel" in r.text
        text = "Mã chỉ tiêu,Thực hiện tháng\nNN_TRAU,1\n".encode()
        r = upload(c, text, name="bieu.xlsx")
        assert "Biểu chưa được nhận" in r.text
        assert not (config.inputs / "2023-08" / f"{MISSING}.xlsx").exists()


def test_unknown_period_is_a_clear_page(web):
    app, _ = web
    with TestClient(app) as c:
        login(c, MISSING)
        r = c.get("/don-vi/2031-01/bieu-trong.xlsx")
        assert r.status_code == 404 and "chưa được mở" in r.text
        r = c.get("/don-vi/abc/bieu-trong.xlsx")
        assert r.status_code == 404 and "không hợp lệ" in r.text


def test_office_dashboard_build_and_download(web, tmp_path):
    require_shared()
    app, config = web
    with TestClient(app) as dept, TestClient(app) as office:
        login(office, "vanphong")
        page = office.get("/van-phong/2023-08")
        assert 'id="dv-so-nong-nghiep"' in page.text and "chưa nộp" in page.text.split('id="dv-so-nong-nghiep"')[1][:300]
        login(dept, MISSING)
        upload(dept, broken(sample_bytes(MISSING)))
        page = office.get("/van-phong/2023-08")
        row = page.text.split('id="dv-so-nong-nghiep"')[1][:400]
        assert "có lỗi" in row and "bị từ chối" in row
        detail = office.get(f"/van-phong/2023-08/don-vi/{MISSING}")
        assert "khoảng 600" in detail.text
        upload(dept, sample_bytes(MISSING))
        page = office.get("/van-phong/2023-08")
        assert "đã nộp" in page.text.split('id="dv-so-nong-nghiep"')[1][:300]
        r = office.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        progress = r.headers["location"]
        for _ in range(300):
            state = office.get(progress)
            if "lap-xong" in state.text or "lap-loi" in state.text:
                break
            time.sleep(0.1)
        assert "Đã lập báo cáo" in state.text
        docx = office.get("/van-phong/2023-08/tai/docx")
        assert docx.status_code == 200
        out = tmp_path / "web.docx"
        out.write_bytes(docx.content)
        proc = subprocess.run([sys.executable, str(REFCHECK), str(out), str(REFERENCE), "--min-footnotes", "1.0",
                               "--min-numbers", "0.99"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
        figures = json.loads(office.get("/van-phong/2023-08/tai/json").content)
        assert figures["period"] == "2023-08"
        # the annex workbook is one of the build's outputs, listed and downloadable
        assert "Phụ lục (Excel)" in office.get("/van-phong/2023-08").text
        annex = office.get("/van-phong/2023-08/tai/annex")
        assert annex.status_code == 200 and annex.content[:2] == b"PK"
        assert "phu-luc-2023-08.xlsx" in annex.headers["content-disposition"]


def test_office_opens_a_period(web):
    app, config = web
    with TestClient(app) as c:
        login(c, "vanphong")
        page = c.get("/van-phong")
        from generator.web.office import plausible_periods
        first, last = plausible_periods()
        old = c.post("/van-phong/mo-ky", data={"csrf": csrf_of(page.text), "ky": str(first.previous())})
        assert old.status_code == 400 and "hai năm trước" in old.text
        written = f"tháng {last.month}/{last.year}"    # as the office writes it
        ask = c.post("/van-phong/mo-ky", data={"csrf": csrf_of(page.text), "ky": written})
        assert ask.status_code == 200 and "Xác nhận mở kỳ" in ask.text and not (config.inputs / str(last)).exists()
        r = c.post("/van-phong/mo-ky", data={"csrf": csrf_of(page.text), "ky": f"{last.month}/{last.year}",
                                              "xac_nhan": "1"})
        assert r.url.path == f"/van-phong/{last}" and (config.inputs / str(last)).is_dir()
        r = c.post("/van-phong/mo-ky", data={"csrf": csrf_of(page.text), "ky": "2023/9"})
        assert r.status_code == 400 and "ví dụ «11/2026»" in r.text


def test_secure_cookies_setting(tmp_path):
    from generator.web import WebConfig, create_app
    from .web_helpers import web_setup as _setup
    _, config = _setup(tmp_path)
    app = create_app(WebConfig(inputs=config.inputs, out=config.out, db=config.db, secure_cookies=True))
    with TestClient(app, base_url="https://testserver") as c:
        r = login(c, MISSING)
        assert "secure" in r.history[0].headers["set-cookie"].lower()


def test_a_restart_loses_nothing(web):
    from generator.web import WebConfig, create_app
    app, config = web
    with TestClient(app) as c:
        login(c, MISSING)
        assert "Đã nhận biểu" in upload(c, sample_bytes(MISSING)).text
        cookies = dict(c.cookies)
    again = create_app(WebConfig(inputs=config.inputs, out=config.out, db=config.db))
    with TestClient(again, cookies=cookies) as c:
        page = c.get("/don-vi")  # the old session is still valid: the signing key was kept
        assert page.status_code == 200 and "đã nộp" in page.text


def test_an_unexpected_failure_is_a_vietnamese_page(web, monkeypatch):
    from generator import pipeline
    app, _ = web

    def boom(*a, **k):
        raise RuntimeError("hỏng")
    with TestClient(app, raise_server_exceptions=False) as c:
        login(c, "vanphong")
        monkeypatch.setattr(pipeline, "check", boom)
        r = c.get("/van-phong/2023-08")
        assert r.status_code == 500 and "lỗi ngoài ý muốn" in r.text.lower() and "Traceback" not in r.text
        assert "RuntimeError" not in r.text


def test_office_downloads_the_pdf(web):
    from .conftest import require_program
    require_program("soffice")
    app, config = web
    with TestClient(app) as c:
        login(c, "vanphong")
        page = c.get("/van-phong/2023-08")
        r = c.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text), "cho_phep_thieu": "1",
                                                          "pdf": "1"}, follow_redirects=False)
        for _ in range(600):
            state = c.get(r.headers["location"])
            if "lap-xong" in state.text or "lap-loi" in state.text:
                break
            time.sleep(0.1)
        assert 'id="tai-pdf"' in state.text, state.text
        pdf = c.get("/van-phong/2023-08/tai/pdf")
        assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_build_refused_is_shown_with_its_problems(web):
    """A department missing is said before anything starts, with «Vẫn lập» in one click."""
    app, config = web
    with TestClient(app) as c:
        login(c, "vanphong")
        page = c.get("/van-phong/2023-08")
        r = c.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text)}, follow_redirects=True)
        assert r.status_code == 409 and 'id="don-vi-chua-nop"' in r.text
        missing = r.text.split('id="don-vi-chua-nop"')[1]
        assert "Sở Nông nghiệp" in missing and 'id="van-lap"' in missing and "chưa có số liệu" in missing
        assert not (config.out / "2023-08").exists()                     # nothing started
        r = c.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text), "cho_phep_thieu": "1"},
                   follow_redirects=True)
        for _ in range(600):
            if "lap-loi" in r.text or "lap-xong" in r.text:
                break
            time.sleep(0.1)
            r = c.get(r.url)
        assert "lap-xong" in r.text and 'id="buoc-read"' in r.text and "(22/22)" in r.text, r.text


def test_user_command(tmp_path):
    from .conftest import run_cli
    db = tmp_path / "db.sqlite"
    proc = subprocess.run([sys.executable, "-m", "generator", "user", "add", "ct", "--department", "so-cong-thuong",
                           "--password-stdin", "--db", str(db)], input="mat-khau-dai\n", capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0 and "Đã lưu tài khoản ct" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "generator", "user", "add", "x", "--department", "so-khong-co",
                           "--password-stdin", "--db", str(db)], input="mat-khau-dai\n", capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2 and "không có trong danh mục" in proc.stderr
    proc = run_cli("user", "list", "--db", db)
    assert "ct" in proc.stdout and "Sở Công Thương" in proc.stdout
    store = storage.open_store(db)
    assert storage.web.get_account(store, "ct")["password_hash"].startswith("scrypt$")
