"""The whole journey of issue 24 in a real headless Chromium, at a desk (1366×768) and on a
phone (390×844), asserting on every page that nothing scrolls sideways: the first office
account (as serve and the sign-in page say), a department account made on the office's page,
«11/2026» opened as people write it, another department's workbook sent by mistake, the fix,
its receipt, the office's build with its steps (after «Vẫn lập»: the other departments have not
sent), every download, the indicator chart. Screenshots go to build/screenshots/webux-*.png."""
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from generator.web import WebConfig, create_app

from .conftest import ROOT
from .test_web_e2e import SHOTS, browser, wait_file, wait_for  # noqa: F401  (browser: the fixture)
from .web_helpers import Server

DEPT = "so-nong-nghiep"
SIZES = (("ban", 1366, 768, False), ("dien-thoai", 390, 844, True))


def at_size(driver, width, height, mobile):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def overflow(driver) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return driver.execute_script(
        "const d = document.documentElement;"
        "return Math.max(d.scrollWidth, document.body.scrollWidth) - d.clientWidth;")


def look(driver, name, keep="ban"):
    """This page at both sizes: no sideways scroll, a screenshot of each; back to ``keep``."""
    for label, w, h, mobile in SIZES:
        at_size(driver, w, h, mobile)
        time.sleep(0.3)
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / f"webux-{name}-{label}.png"))
        assert overflow(driver) <= 0, f"{name} at {w}px scrolls sideways by {overflow(driver)} px"
    for label, w, h, mobile in SIZES:
        if label == keep:
            at_size(driver, w, h, mobile)


def fill_from_sample(blank: Path, target: Path) -> Path:
    """The department's blank 11/2026 workbook filled with its 2023-08 sample figures and narrative."""
    sample = load_workbook(ROOT / "inputs" / "2023-08" / f"{DEPT}.xlsx")
    values = {r[0].value: [c.value for c in r[3:8]] for r in sample["Chỉ tiêu"].iter_rows(min_row=2) if r[0].value}
    wb = load_workbook(blank)
    ws = wb["Chỉ tiêu"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            for cell, value in zip(row[3:8], values[row[0].value]):
                if value is not None:
                    cell.value = value
    text = wb["Thuyết minh"]
    for i, row in enumerate(sample["Thuyết minh"].iter_rows(min_row=2, values_only=True), start=2):
        text.cell(i, 1).value, text.cell(i, 2).value = row[0], row[1]
    wb.save(target)
    return target


def test_the_issue_24_journey_at_a_desk_and_on_a_phone(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from generator import pipeline
    inputs, db = tmp_path / "inputs", tmp_path / "data" / "baocao.sqlite"
    inputs.mkdir()
    config = WebConfig(inputs=inputs, out=tmp_path / "build", db=db)
    app = create_app(config)
    # another department's blank workbook of 11/2026 (the one sent by mistake)
    other_ctx = pipeline.open_context("2026-11", tmp_path / "khac", tmp_path / "khac-build")
    pipeline.init(other_ctx)
    wrong = tmp_path / "khac" / "2026-11" / "so-cong-thuong.xlsx"
    with Server(app) as server:
        base = server.url
        # 1. no account yet: the sign-in page says how to make the first one; make it as it says
        browser.get(base + "/dang-nhap")
        assert "baocao user add vanphong --office" in wait_for(browser, "#chua-co-tai-khoan").text
        look(browser, "01-chua-co-tai-khoan")
        office_password = "mat-khau-van-phong-7q"
        made = subprocess.run([sys.executable, "-m", "generator", "user", "add", "vanphong", "--office",
                               "--password-stdin", "--db", str(db)], input=office_password + "\n",
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert made.returncode == 0, made.stderr

        def sign_in(name, password):
            browser.get(base + "/dang-nhap")
            browser.find_element(By.ID, "ten").send_keys(name)
            browser.find_element(By.ID, "mat_khau").send_keys(password)
            browser.find_element(By.ID, "nut-dang-nhap").click()
            wait_for(browser, "#dang-xuat")

        sign_in("vanphong", office_password)
        # 2. a department account made on the office's page, its password shown once
        browser.find_element(By.ID, "tai-khoan").click()
        wait_for(browser, "#ten-moi").send_keys("nong-nghiep")
        from selenium.webdriver.support.ui import Select
        Select(browser.find_element(By.ID, "don-vi-moi")).select_by_value(DEPT)
        browser.find_element(By.ID, "tao-tai-khoan").click()
        dept_password = wait_for(browser, "#mat-khau-hien").text.strip()
        assert len(dept_password) >= 10
        look(browser, "02-tai-khoan-moi")
        # 3. «11/2026» opened as people write it
        browser.get(base + "/van-phong")
        wait_for(browser, "#ky").send_keys("11/2026")
        browser.find_element(By.ID, "mo-ky").click()
        wait_for(browser, "#xac-nhan-mo-ky")
        look(browser, "03-xac-nhan-mo-ky")
        browser.find_element(By.ID, "xac-nhan-mo-ky").click()
        wait_for(browser, "#bang-don-vi")
        assert (inputs / "2026-11").is_dir()
        browser.find_element(By.ID, "dang-xuat").click()
        wait_for(browser, "#nut-dang-nhap")
        # 4. the department: deadline, blank workbook, another department's workbook by mistake
        sign_in("nong-nghiep", dept_password)
        home = wait_for(browser, "#ky-2026-11")
        assert "Hạn gửi biểu" in home.text and re.search(r"còn \d+ ngày|hôm nay là hạn cuối|quá hạn", home.text)
        look(browser, "04-don-vi")
        browser.find_element(By.ID, "tai-bieu-2026-11").click()
        blank = wait_file(browser.downloads, f"{DEPT}-2026-11.xlsx")
        browser.find_element(By.ID, "tep-2026-11").send_keys(str(wrong))
        browser.find_element(By.ID, "gui-2026-11").click()
        refused = wait_for(browser, "#bi-tu-choi")
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "Sở Công Thương" in page and "có 1 lỗi" in refused.text, page
        look(browser, "05-nham-don-vi")
        # 5. the fix, sent from the phone's file picker; the receipt
        browser.find_element(By.ID, "quay-lai").click()
        at_size(browser, 390, 844, True)
        good = fill_from_sample(blank, tmp_path / "Biểu nông nghiệp T11.xlsx")
        wait_for(browser, "#tep-2026-11").send_keys(str(good))
        browser.find_element(By.ID, "gui-2026-11").click()
        wait_for(browser, "#da-nhan")
        receipt = browser.find_element(By.ID, "bien-nhan").text
        import hashlib
        assert hashlib.sha256(good.read_bytes()).hexdigest() in receipt.replace("\n", "")
        assert re.search(r"BN-2026-11-\d{5}", receipt) and "Biểu nông nghiệp T11.xlsx" in receipt
        look(browser, "06-bien-nhan", keep="dien-thoai")
        for word in ("README", "figures.json", "lần nộp 2"):
            assert word not in browser.page_source
        browser.find_element(By.ID, "quay-lai").click()
        wait_for(browser, "#ky-2026-11")
        browser.find_element(By.CSS_SELECTOR, "#cac-lan-gui-2026-11 summary").click()
        look(browser, "07-cac-lan-gui")
        browser.find_element(By.ID, "dang-xuat").click()
        wait_for(browser, "#nut-dang-nhap")
        # 6. the office: the bar, the build stopped by missing departments, «Vẫn lập», its steps
        sign_in("vanphong", office_password)
        browser.get(base + "/van-phong/2026-11")
        bar = wait_for(browser, "#thanh-tien-do")
        assert "Đã nộp: 1" in bar.text and "Chưa nộp: 22" in bar.text, bar.text
        look(browser, "08-bang-theo-doi")
        browser.find_element(By.ID, "tao-pdf").click()
        browser.find_element(By.ID, "lap-bao-cao").click()
        missing = wait_for(browser, "#don-vi-chua-nop")
        assert "22 đơn vị chưa nộp" in missing.text and "Sở Công Thương" in missing.text
        look(browser, "09-chua-lap-duoc")
        browser.find_element(By.ID, "van-lap").click()
        seen = set()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if browser.find_elements(By.ID, "lap-xong") or browser.find_elements(By.ID, "lap-loi"):
                    break
                step = browser.find_elements(By.ID, "dang-lap")
                if step:
                    seen.add(step[0].text.split("—")[0])
                    if len(seen) == 1:
                        SHOTS.mkdir(parents=True, exist_ok=True)
                        browser.save_screenshot(str(SHOTS / "webux-10-dang-lap-ban.png"))
            except Exception:  # noqa: BLE001 - the page refreshed under us
                pass
            time.sleep(0.2)
        done = wait_for(browser, "#lap-xong").text
        assert "Thời gian lập" in done
        steps = browser.find_element(By.ID, "cac-buoc").text
        for label in ("Đọc biểu (1/1)", "Kiểm tra số liệu (23/23)", "Soạn báo cáo (DOCX)", "Lập phụ lục Excel",
                      "Tạo bản PDF", "Xong"):
            assert label in steps, steps
        assert seen, "the progress page never showed a step while the build ran"
        look(browser, "11-lap-xong")
        # 7. every download: the build's outputs, the department's workbook
        names = {"docx": "BC-UBND-2026-11.docx", "pdf": "BC-UBND-2026-11.pdf", "json": "figures.json",
                 "annex": "phu-luc-2026-11.xlsx"}
        got = {}
        for kind, name in names.items():
            browser.find_element(By.ID, f"tai-{kind}").click()
            got[kind] = wait_file(browser.downloads, name, timeout=60)
        assert got["pdf"].read_bytes()[:5] == b"%PDF-" and got["docx"].read_bytes()[:2] == b"PK"
        assert json.loads(got["json"].read_text(encoding="utf-8"))
        assert load_workbook(got["annex"], read_only=True).sheetnames
        browser.get(base + "/van-phong/2026-11")
        browser.find_element(By.ID, f"tai-bieu-{DEPT}").click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            copies = [p for p in browser.downloads.glob(f"{DEPT}-2026-11*.xlsx") if p.read_bytes() == good.read_bytes()]
            if copies:
                break
            time.sleep(0.2)
        assert copies, list(browser.downloads.iterdir())
        look(browser, "12-bang-theo-doi-sau")
        # 8. the indicator chart, reached from the dashboard
        browser.find_element(By.ID, "bieu-do-chi-tieu").click()
        code = next(r[0].value for r in load_workbook(good, read_only=True)["Chỉ tiêu"].iter_rows(min_row=2)
                    if r[0].value and r[5].value is not None)
        browser.get(base + f"/van-phong/2026-11/chi-tieu/{code}")
        chart = wait_for(browser, "#bieu-do-chi-tieu svg")
        assert "Năm 2026" in chart.text and "Năm 2025" in chart.text
        assert chart.size["width"] > 200
        look(browser, "13-bieu-do-chi-tieu")
        at_size(browser, 390, 844, True)
        assert wait_for(browser, "#bieu-do-chi-tieu svg").size["width"] <= 390
