"""Issue 22 point 7 against a real uvicorn server on 127.0.0.1, with the steps an insider with
one department's account would take: a closed period, the hourly quota and the archive's size
refuse an upload before its body is read (a request declaring megabytes and sending nothing is
answered at once); the office closes and reopens a period; a client leaving mid-upload is one
log line; a stalled body ends with a Vietnamese 408."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import secrets
import shutil
import socket
import time

import httpx
from openpyxl import load_workbook

from generator import store as storage
from generator.web import app as web_app
from generator.web import create_app

from .conftest import ROOT
from .web_helpers import Server, csrf_of, login, web_setup

CT = "so-cong-thuong"
OTHER = "so-y-te"
PERIOD = "2023-08"


def sample_bytes(dept: str) -> bytes:
    return (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes()


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=120, follow_redirects=True)


def send(c: httpx.Client, data: bytes) -> httpx.Response:
    return c.post(f"/don-vi/{PERIOD}/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                  files={"tep": ("bieu.xlsx", data, "application/octet-stream")})


def office_with_settings(tmp_path, keys: dict, remove=(CT,)):
    """web_setup with the office's own cai-dat.toml carrying ``keys`` {key: value}."""
    _, config = web_setup(tmp_path, remove=remove)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    text = (templates / "cai-dat.toml").read_text(encoding="utf-8")
    for key, value in keys.items():   # the shipped file has every key: change its line
        text, n = re.subn(rf"(?m)^{key} = [^#\n]*", f"{key} = {value} ", text)
        assert n == 1, key
    (templates / "cai-dat.toml").write_text(text, encoding="utf-8")
    config = dataclasses.replace(config, templates=templates)
    return create_app(config), config


def raw_upload(server, cookie: str, csrf: str, declared: int, sent: bytes, path: str = f"/don-vi/{PERIOD}/nop"):
    """A socket that starts a multipart upload declaring ``declared`` bytes and sends only the
    form's head and ``sent`` of the file (an attacker's, or a dropped line's, request)."""
    boundary = "xxBOUNDARYxx"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"tep\"; filename=\"a.xlsx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: baocao_phien={cookie}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n").encode()
              + head + sent)
    return s


def answer_of(s: socket.socket, wait: float = 30) -> tuple[bytes, float]:
    """The server's whole answer on the socket and how long it took to come."""
    s.settimeout(wait)
    start = time.monotonic()
    got = b""
    try:
        while b"</html>" not in got:
            part = s.recv(65536)
            if not part:
                break
            got += part
    except socket.timeout:
        pass
    finally:
        s.close()
    return got, time.monotonic() - start


def refused_without_the_body(server, c: httpx.Client, status: int, words: str) -> None:
    """A request declaring 1,5 MB and sending none of the file is refused at once."""
    s = raw_upload(server, c.cookies["baocao_phien"], csrf_of(c.get("/don-vi").text), 1_500_000, b"")
    got, took = answer_of(s)
    text = got.decode("utf-8", "replace")
    assert text.startswith(f"HTTP/1.1 {status}") and words in text, text[:300]
    assert took < 10


def test_a_period_closes_after_its_deadline_and_the_office_can_reopen_it(tmp_path):
    days = 5
    app, config = office_with_settings(tmp_path, {"khoa_so_sau_ngay": days})
    han = int(re.search(r"(?m)^han_nop_ngay = (\d+)", (ROOT / "templates" / "cai-dat.toml").read_text()).group(1))
    first_closed = dt.date(2023, 8, han) + dt.timedelta(days=days + 1)
    with Server(app) as server, client(server) as dept, client(server) as office:
        login(dept, CT)
        login(office, "vanphong")
        # 2023-08's deadline is long past: the period closed by itself
        home = dept.get("/don-vi").text
        assert f'id="khoa-so-{PERIOD}"' in home and f'id="gui-{PERIOD}"' not in home
        r = send(dept, sample_bytes(CT))          # sending anyway, by hand
        assert r.status_code == 403 and f"đã khóa sổ từ ngày {first_closed:%d/%m/%Y}" in r.text
        refused_without_the_body(server, dept, 403, "khóa sổ")
        # the typed form's «Gửi» too
        form = dept.get(f"/don-vi/{PERIOD}/bieu-mau").text
        assert 'id="khoa-so"' in form and re.search(r'id="nut-gui"[^>]* disabled', form)
        r = dept.post(f"/don-vi/{PERIOD}/bieu-mau", data={"csrf": csrf_of(form), "viec": "gui", "t:II.1.3": "Đoạn gõ dở."})
        assert r.status_code == 403 and "Chưa gửi được: Kỳ 2023-08 đã khóa sổ" in r.text
        assert "Đoạn gõ dở." in r.text    # the typed text stays on the page
        assert "Đã khóa sổ" in office.get(f"/van-phong/{PERIOD}").text

        def set_state(who: httpx.Client, state: str) -> httpx.Response:
            page = who.get(f"/van-phong/{PERIOD}" if who is office else "/don-vi")
            return who.post(f"/van-phong/{PERIOD}/nhan-bieu", data={"csrf": csrf_of(page.text), "trang_thai": state})
        assert set_state(office, "mo").status_code == 200
        assert "Đang nhận biểu" in office.get(f"/van-phong/{PERIOD}").text
        assert f'id="gui-{PERIOD}"' in dept.get("/don-vi").text
        form = dept.get(f"/don-vi/{PERIOD}/bieu-mau").text
        assert 'id="khoa-so"' not in form and not re.search(r'id="nut-gui"[^>]* disabled', form)
        assert "Đã nhận biểu" in send(dept, sample_bytes(CT)).text
        set_state(office, "dong")
        page = office.get(f"/van-phong/{PERIOD}").text
        assert "Đã khóa sổ" in page and "vanphong khóa lúc" in page
        assert send(dept, sample_bytes(CT)).status_code == 403
        # a department cannot reopen it
        assert set_state(dept, "mo").status_code == 403
        assert send(dept, sample_bytes(CT)).status_code == 403
    with storage.open_store(config.db) as store:
        assert len(storage.web.uploads(store, PERIOD, CT)) == 1      # refusals before the body are no uploads
        state = storage.web.period_state(store, PERIOD)
        assert state.closed and state.changed_by == "vanphong" and state.reopened_at


def test_a_period_without_closing_days_stays_open(tmp_path):
    app, _ = office_with_settings(tmp_path, {"khoa_so_sau_ngay": 0})
    with Server(app) as server, client(server) as dept:
        login(dept, CT)
        assert f'id="gui-{PERIOD}"' in dept.get("/don-vi").text
        assert "Đã nhận biểu" in send(dept, sample_bytes(CT)).text


def with_bad_reference(data: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb["Thuyết minh"].append(["II.1.3", "{KHONG_CO}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_uploads_per_hour_are_bounded(tmp_path):
    app, config = office_with_settings(tmp_path, {"gui_toi_da_moi_gio": 3})
    with Server(app) as server, client(server) as dept, client(server) as other:
        login(dept, CT)
        # three uploads an hour (a refused one counts too): the fourth waits
        assert "Đã nhận biểu" in send(dept, sample_bytes(CT)).text
        broken = with_bad_reference(sample_bytes(CT))
        for _ in range(2):
            assert "Biểu chưa được nhận" in send(dept, broken).text
        r = send(dept, sample_bytes(CT))
        assert r.status_code == 429 and "3 lần mỗi giờ" in r.text and "gửi lại sau" in r.text
        refused_without_the_body(server, dept, 429, "3 lần mỗi giờ")
        # the typed form's «Gửi» is an upload too
        form = dept.get(f"/don-vi/{PERIOD}/bieu-mau").text
        r = dept.post(f"/don-vi/{PERIOD}/bieu-mau", data={"csrf": csrf_of(form), "viec": "gui"})
        assert r.status_code == 429 and "Chưa gửi được: Đơn vị đã gửi 3 lần" in r.text
        # another department is not held by this one's quota
        login(other, OTHER)
        assert "Đã nhận biểu" in send(other, sample_bytes(OTHER)).text
    with storage.open_store(config.db) as store:
        assert len(storage.web.uploads(store, PERIOD, CT)) == 3


def padded(data: bytes, size: int) -> bytes:
    """The workbook with one more sheet of random text, about ``size`` bytes zipped."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.create_sheet("Ghi chép riêng")
    for _ in range(size // 1200 + 1):
        ws.append([secrets.token_hex(100) for _ in range(6)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_archive_size_is_bounded(tmp_path):
    big_ct, big_other = padded(sample_bytes(CT), 1_150_000), padded(sample_bytes(OTHER), 1_150_000)
    assert len(big_ct) + len(big_other) > 2**20 > len(big_ct) + 70_000
    app, config = office_with_settings(tmp_path, {"luu_tru_toi_da_mb": 1}, remove=(CT, OTHER))
    with Server(app) as server, client(server) as dept, client(server) as dept2:
        login(dept, CT)
        assert "Đã nhận biểu" in send(dept, big_ct).text
        # the archive would pass its limit: refused before the file is read
        login(dept2, OTHER)
        r = send(dept2, big_other)
        assert r.status_code == 507 and "Kho lưu các bản nộp đã gần đầy" in r.text and "giới hạn 1 MB" in r.text
        refused_without_the_body(server, dept2, 507, "giới hạn 1 MB")
        assert not (config.inputs / PERIOD / f"{OTHER}.xlsx").exists()
        # a small one still fits
        assert "Đã nhận biểu" in send(dept2, sample_bytes(OTHER)).text


def test_a_client_leaving_mid_upload_is_one_log_line_and_a_stalled_one_is_timed_out(tmp_path, monkeypatch):
    monkeypatch.setattr(web_app, "BODY_CHUNK_SECONDS", 2)
    app, config = web_setup(tmp_path, remove=(CT,))
    log = config.db.parent / "baocao.log"
    with Server(app) as server, client(server) as c:
        login(c, CT)
        cookie, csrf = c.cookies["baocao_phien"], csrf_of(c.get("/don-vi").text)
        # the client closes its connection in the middle of the file
        s = raw_upload(server, cookie, csrf, 500_000, b"PK" + b"x" * 20_000)
        time.sleep(0.5)
        s.close()
        for _ in range(100):
            if log.exists() and "ngắt kết nối" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.1)
        text = log.read_text(encoding="utf-8")
        assert text.count("ngắt kết nối") == 1 and "Traceback" not in text
        assert len([line for line in text.splitlines() if line.strip()]) == 1
        # a client that stops sending (a stalled or trickling upload) gets a 408 page
        s = raw_upload(server, cookie, csrf, 500_000, b"PK" + b"x" * 1000)
        got, took = answer_of(s)
        shown = got.decode("utf-8", "replace")
        assert shown.startswith("HTTP/1.1 408") and "quá chậm" in shown and took < 15, shown[:300]
        # the server goes on serving, and nothing was received
        assert c.get("/don-vi").status_code == 200
        assert not (config.inputs / PERIOD / f"{CT}.xlsx").exists()
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_the_proxy_example_keeps_its_limits():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for directive in ("client_max_body_size", "client_body_timeout", "client_header_timeout", "send_timeout"):
        assert re.search(rf"(?m)^\s*{directive} \w+;", nginx), directive


def test_uploads_sent_at_the_same_instant_cannot_pass_the_hourly_quota_together(tmp_path):
    """Six uploads of one department at once, with three allowed an hour: the uploads still being
    checked count, so at most three are taken, whatever the order they finish in."""
    from concurrent.futures import ThreadPoolExecutor
    app, config = office_with_settings(tmp_path, {"gui_toi_da_moi_gio": 3})
    data = sample_bytes(CT)
    with Server(app) as server:
        clients = [client(server) for _ in range(6)]
        try:
            tokens = []
            for c in clients:
                login(c, CT)
                tokens.append(csrf_of(c.get("/don-vi").text))

            def post(i):
                return clients[i].post(f"/don-vi/{PERIOD}/nop", data={"csrf": tokens[i]},
                                       files={"tep": ("bieu.xlsx", data, "application/octet-stream")})
            with ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(post, range(6)))
        finally:
            for c in clients:
                c.close()
    codes = sorted(a.status_code for a in answers)
    assert codes.count(429) >= 3 and all(c in (200, 429) for c in codes), codes
    with storage.open_store(config.db) as store:
        assert len(storage.web.uploads(store, PERIOD, CT)) <= 3
