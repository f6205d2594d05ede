"""The web for the people who use it (issue 24): accounts from the office's page, the first
account, receipts, deadlines, downloads, build progress, charts."""
from __future__ import annotations

import re
import subprocess
import sys
import time

from starlette.testclient import TestClient

from generator.web import WebConfig, create_app
from generator.web.auth import authenticate

from .conftest import ROOT
from .web_helpers import MISSING, PASSWORD, csrf_of, login, web_setup


def _post(client, path, data, page="/van-phong/tai-khoan"):
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf": token}, follow_redirects=True)


def _shown_password(html: str) -> str:
    return re.search(r'id="mat-khau-hien">([^<]+)<', html).group(1)


def test_the_office_makes_resets_disables_and_enables_accounts_on_its_page(tmp_path):
    app, config = web_setup(tmp_path)
    with TestClient(app) as office, TestClient(app) as clerk:
        assert login(office, "vanphong").status_code == 200
        page = office.get("/van-phong/tai-khoan")
        assert page.status_code == 200 and 'id="tk-so-y-te"' in page.text
        # made on the page: the password is generated, shown once, and signs in
        made = _post(office, "/van-phong/tai-khoan/tao", {"ten": "ct-2", "don_vi": "so-cong-thuong"})
        first = _shown_password(made.text)
        assert "chỉ hiện một lần" in made.text
        assert first not in office.get("/van-phong/tai-khoan").text          # never shown again
        account = authenticate(config.db, "ct-2", first)
        assert account is not None and account["role"] == "department" and account["department"] == "so-cong-thuong"
        # a weak or taken name is a sentence on the page, nothing made
        taken = _post(office, "/van-phong/tai-khoan/tao", {"ten": "ct-2", "don_vi": "van-phong"})
        assert taken.status_code == 400 and "đã có" in taken.text
        office_made = _post(office, "/van-phong/tai-khoan/tao", {"ten": "vp-2", "don_vi": "van-phong"})
        assert authenticate(config.db, "vp-2", _shown_password(office_made.text))["role"] == "office"
        # the department signs in; its last sign-in appears on the office's list
        page = clerk.get("/dang-nhap")
        clerk.post("/dang-nhap", data={"ten": "ct-2", "mat_khau": first, "csrf": csrf_of(page.text)})
        assert clerk.get("/don-vi").status_code == 200
        row = re.search(r'<tr id="tk-ct-2">(.*?)</tr>', office.get("/van-phong/tai-khoan").text, re.S).group(1)
        assert "chưa đăng nhập" not in row and re.search(r"\d\d:\d\d ngày \d\d/\d\d/\d{4}", row)
        assert clerk.get("/van-phong/tai-khoan").status_code == 403             # the office's page only
        # reset: the old password and the department's session end, the new one works
        reset = _post(office, "/van-phong/tai-khoan/ct-2/dat-lai", {})
        second = _shown_password(reset.text)
        assert second != first and authenticate(config.db, "ct-2", first) is None
        assert authenticate(config.db, "ct-2", second) is not None
        assert clerk.get("/don-vi", follow_redirects=False).status_code in (302, 303, 307)
        # disable, enable
        _post(office, "/van-phong/tai-khoan/ct-2/khoa", {})
        assert authenticate(config.db, "ct-2", second) is None
        assert "đã khóa" in re.search(r'<tr id="tk-ct-2">(.*?)</tr>', office.get("/van-phong/tai-khoan").text,
                                      re.S).group(1)
        _post(office, "/van-phong/tai-khoan/ct-2/mo-khoa", {})
        assert authenticate(config.db, "ct-2", second) is not None
        # the office cannot lock itself out
        own = _post(office, "/van-phong/tai-khoan/vanphong/khoa", {})
        assert own.status_code == 400 and authenticate(config.db, "vanphong", PASSWORD) is not None


def test_with_no_account_serve_and_the_sign_in_page_say_how_to_make_the_first(tmp_path):
    db = tmp_path / "data" / "baocao.sqlite"
    app = create_app(WebConfig(inputs=ROOT / "inputs", out=tmp_path / "build", db=db))
    with TestClient(app) as c:
        page = c.get("/dang-nhap").text
        assert 'id="chua-co-tai-khoan"' in page and "baocao user add vanphong --office" in page
    from .web_helpers import free_port
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--db", str(db), "--port", str(free_port()),
                             "--out", str(tmp_path / "build")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if not line or line.startswith("Trang web"):
                break
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = "".join(lines)
    assert "Chưa có tài khoản nào" in text and f"baocao user add vanphong --office --db {db}" in text, text
    # once an account exists neither says it
    got = subprocess.run([sys.executable, "-m", "generator", "user", "add", "vanphong", "--office", "--password-stdin",
                          "--db", str(db)], input="mot-mat-khau-dai-9x\n", capture_output=True, text=True, cwd=ROOT)
    assert got.returncode == 0, got.stderr
    with TestClient(app) as c:
        assert 'id="chua-co-tai-khoan"' not in c.get("/dang-nhap").text


def test_the_office_folder_guide_explains_accounts(tmp_path):
    from generator.pipeline import new_office
    new_office(tmp_path / "vp")
    guide = (tmp_path / "vp" / "HUONG-DAN.txt").read_text(encoding="utf-8")
    assert "baocao user add vanphong --office" in guide and "«Tài khoản»" in guide and "một lần" in guide


def test_a_receipt_the_deadline_and_the_office_downloads_what_a_department_sent(tmp_path):
    import datetime as dt
    import hashlib
    app, config = web_setup(tmp_path)
    data = (ROOT / "inputs" / "2023-08" / f"{MISSING}.xlsx").read_bytes()
    with TestClient(app) as dept, TestClient(app) as office:
        login(dept, MISSING)
        home = dept.get("/don-vi").text
        # the sample's deadline: [nop_bao_cao] han_nop_ngay of the month, long past
        import tomllib
        day = tomllib.loads((ROOT / "templates" / "cai-dat.toml").read_text(encoding="utf-8"))["nop_bao_cao"][
            "han_nop_ngay"]
        late = (dt.date.today() - dt.date(2023, 8, day)).days
        assert f"ngày {day:02d}/08/2023" in home and f"đã quá hạn {late} ngày" in home
        got = dept.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(home)},
                        files={"tep": ("Biểu nông nghiệp T8.xlsx", data, "application/octet-stream")})
        assert got.status_code == 200 and 'id="da-nhan"' in got.text
        receipt = re.search(r'id="bien-nhan">(.*?)</div>', got.text, re.S).group(1)
        upload_id = int(str(got.url).rsplit("/", 1)[1])
        assert f"BN-2023-08-{upload_id:05d}" in receipt
        assert hashlib.sha256(data).hexdigest() in receipt and "Biểu nông nghiệp T8.xlsx" in receipt
        assert f"{len(data):,}".replace(",", ".") + " byte" in receipt
        assert re.search(r"\d\d:\d\d ngày \d\d/\d\d/\d{4}", receipt)
        # every upload is listed with its receipt number; the receipt page opens again from there
        home = dept.get("/don-vi").text
        assert f"BN-2023-08-{upload_id:05d}" in home and f"/don-vi/2023-08/ket-qua/{upload_id}" in home
        for word in ("README", "figures.json", "lần nộp 2", "baocao "):
            assert word not in home and word not in got.text, word
        # the office downloads the workbook in use
        login(office, "vanphong")
        board = office.get("/van-phong/2023-08").text
        assert f"/van-phong/2023-08/don-vi/{MISSING}/bieu" in board
        wb = office.get(f"/van-phong/2023-08/don-vi/{MISSING}/bieu")
        assert wb.status_code == 200 and wb.content == data
        assert dept.get(f"/van-phong/2023-08/don-vi/{MISSING}/bieu").status_code == 403


def test_the_indicator_chart_and_the_periods_bar_are_svg_from_the_server(tmp_path):
    from openpyxl import load_workbook
    app, config = web_setup(tmp_path)
    ws = load_workbook(ROOT / "inputs" / "2023-08" / "ban-quan-ly-kkt.xlsx", read_only=True)["Chỉ tiêu"]
    head = None
    for row in ws.iter_rows(values_only=True):
        if head is None:
            head = list(row)
            continue
        if row[0] == "KKT_XNK":
            values = dict(zip(head, row))
            break
    col = {k: values[k] for k in ("Kế hoạch năm", "Lũy kế", "Cùng kỳ lũy kế")}
    with TestClient(app) as c:
        login(c, "vanphong")
        board = c.get("/van-phong/2023-08").text
        bar = board.split('id="thanh-tien-do"')[1].split("</div>")[0]
        assert "<svg" in bar and "Đã nộp: 22" in bar and "Chưa nộp: 1" in bar
        assert 'href="/van-phong/2023-08/chi-tieu"' in board
        listing = c.get("/van-phong/2023-08/chi-tieu").text
        assert 'href="/van-phong/2023-08/chi-tieu/KKT_XNK"' in listing
        page = c.get("/van-phong/2023-08/chi-tieu/KKT_XNK")
        assert page.status_code == 200
        chart = page.text.split('id="bieu-do-chi-tieu"')[1]
        assert "<svg" in chart and "Năm 2023" in chart and "Năm 2022" in chart and "Kế hoạch năm" in chart
        # nothing that runs, nothing from elsewhere, no inline style the CSP would refuse
        assert "<script" not in page.text and " style=" not in page.text and "http" not in chart.split("</svg>")[0] \
            .replace("http://www.w3.org", "")
        row8 = re.search(r"<td data-nhan=\"Tháng\">Tháng 8</td>(.*?)</tr>", page.text, re.S).group(1)

        def vi(x):
            return f"{x:,}".replace(",", ".")
        assert vi(col["Lũy kế"]) in row8 and vi(col["Cùng kỳ lũy kế"]) in row8
        assert f"Kế hoạch năm: <b>{vi(col['Kế hoạch năm'])}</b>" in page.text
        css = c.get("/bieu-do/chi-tieu.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert "#chart-bd-chi-tieu" in css.text and "&gt;" not in css.text
        assert c.get("/van-phong/2023-08/chi-tieu/KHONG_CO").status_code == 404


def test_reminders_by_email_to_the_departments_not_submitted(tmp_path):
    """A local SMTP server (aiosmtpd) receives one message per department not submitted that
    has an address; one without an address is said; the dashboard lists who was reminded."""
    import shutil
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from generator.pipeline import open_context
    from generator.web.auth import create_account

    from .web_helpers import free_port

    got = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    port = free_port()
    smtp = Controller(Keep(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        templates = tmp_path / "templates"
        shutil.copytree(ROOT / "templates", templates)
        toml = templates / "cai-dat.toml"
        text = toml.read_text(encoding="utf-8")
        text = text.replace('may_chu = ""', 'may_chu = "127.0.0.1"').replace("cong = 587", f"cong = {port}") \
            .replace('bao_mat = "starttls"', 'bao_mat = "khong"') \
            .replace('nguoi_gui = ""', 'nguoi_gui = "vanphong@tinh.gov.vn"') \
            .replace("[thu_nhac.dia_chi]\n", f'[thu_nhac.dia_chi]\n{MISSING} = "a@snn.gov.vn, b@snn.gov.vn"\n'
                                             'so-cong-thuong = "ct@sct.gov.vn"\n')
        toml.write_text(text, encoding="utf-8")
        inputs = tmp_path / "inputs"
        shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
        for dept in (MISSING, "so-y-te"):
            (inputs / "2023-08" / f"{dept}.xlsx").unlink()
        db = tmp_path / "data" / "baocao.sqlite"
        app = create_app(WebConfig(inputs=inputs, out=tmp_path / "build", db=db, templates=templates))
        create_account(db, "vanphong", PASSWORD, None, open_context("2023-08", templates=templates).catalogue)
        with TestClient(app) as c:
            login(c, "vanphong")
            board = c.get("/van-phong/2023-08").text
            assert "Gửi thư nhắc đến 2 đơn vị chưa nộp" in board
            after = c.post("/van-phong/2023-08/nhac-nop", data={"csrf": csrf_of(board)}, follow_redirects=True)
            assert after.status_code == 200
        # one message, to the department not submitted that has addresses; none to one that submitted
        assert len(got) == 1, got
        rcpt, msg = got[0]
        assert sorted(rcpt) == ["a@snn.gov.vn", "b@snn.gov.vn"]
        assert msg["From"] == "vanphong@tinh.gov.vn" and "tháng 8" in msg["Subject"]
        body = msg.get_body().get_content()
        assert "Sở Nông nghiệp và Phát triển nông thôn" in body and "/dang-nhap" in body
        import tomllib
        day = tomllib.loads(text)["nop_bao_cao"]["han_nop_ngay"]
        assert f"ngày {day:02d}/08/2023" in body
        table = after.text.split('id="bang-thu-nhac"')[1].split("</table>")[0]
        assert "Sở Nông nghiệp" in table and "đã gửi" in table and "a@snn.gov.vn, b@snn.gov.vn" in table
        assert "Sở Y tế" in table and "chưa có địa chỉ e-mail" in table
        assert re.search(r"\d\d:\d\d ngày \d\d/\d\d/\d{4}", table)
    finally:
        smtp.stop()


def test_the_month_on_month_warning_says_the_previous_month_is_missing(tmp_path):
    from generator import pipeline

    from .conftest import GOOD_VALUES, fill, make_templates
    templates = make_templates(tmp_path / "templates")
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates)
    pipeline.init(ctx)
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", GOOD_VALUES,
         narrative=[("II.1.2", "Kim ngạch xuất nhập khẩu {XNK_TONG:tang_tt}.")])
    fill(ctx.period_inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    res = pipeline.check(ctx, record=False)
    got = [p for p in res.problems if p.code == "markup-no-figure"]
    assert len(got) == 1, [str(p) for p in res.problems]
    assert "tháng trước" in got[0].message and "kế hoạch, cùng kỳ" not in got[0].message
    assert "XNK_TONG" in got[0].message


def test_the_guide_names_excels_vietnamese_menus_with_the_departments_own_codes(tmp_path):
    from openpyxl import load_workbook as load

    from generator import pipeline
    ctx = pipeline.open_context("2026-11", tmp_path / "inputs", tmp_path / "build")
    pipeline.init(ctx)
    for dept in ("so-nong-nghiep", "so-y-te"):
        own = {i.code for i in ctx.catalogue.of_department(dept)}
        others = {i.code for i in ctx.catalogue.indicators.values()} - own
        text = "\n".join(str(r[0]) for r in load(tmp_path / "inputs" / "2026-11" / f"{dept}.xlsx", read_only=True)[
            "Hướng dẫn"].iter_rows(values_only=True) if r[0])
        assert "«Xem lại» > «Bỏ bảo vệ Trang tính»" in text and "«Tệp» > «Lưu thành»" in text
        examples = set(re.findall(r"\{([A-Z][A-Z0-9_]+)(?::[a-z_]+)?\}", text)) - {"MÃ", "MÃ_CHỈ_TIÊU"}
        assert examples and examples <= own, (dept, examples - own)
        assert not examples & others
