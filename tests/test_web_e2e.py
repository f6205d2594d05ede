"""End to end in a real headless Chromium (Selenium) against the server on 127.0.0.1: a
department downloads its blank workbook, fills it with openpyxl, uploads a broken then a fixed
one; the office sees the dashboard change, builds, downloads the DOCX and refcheck passes.
Screenshots of the main pages go to build/screenshots/."""
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import REFCHECK, REFERENCE, ROOT, require_program, require_shared
from .web_helpers import MISSING, PASSWORD, Server, web_setup

SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture
def browser(tmp_path):
    require_program("chromium")
    require_program("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else require_program("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(require_program("chromedriver")), options=options)
    driver.downloads = downloads
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def wait_for(driver, css, timeout=60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_file(folder: Path, name: str, timeout=30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = folder / name
        if path.exists() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.2)
    raise AssertionError(f"{name} not downloaded: {list(folder.iterdir())}")


def sign_in(driver, base, username, ok=True):
    from selenium.webdriver.common.by import By
    driver.get(base + "/dang-nhap")
    driver.find_element(By.ID, "ten").send_keys(username)
    driver.find_element(By.ID, "mat_khau").send_keys(PASSWORD)
    driver.find_element(By.ID, "nut-dang-nhap").click()
    wait_for(driver, "#dang-xuat" if ok else "#loi-dang-nhap")  # the answer has arrived (and its cookie)


def sign_out(driver):
    from selenium.webdriver.common.by import By
    driver.find_element(By.ID, "dang-xuat").click()
    wait_for(driver, "#nut-dang-nhap")


def filled_copy(blank: Path, target: Path, broken: bool) -> Path:
    """Fill the downloaded blank workbook with the department's figures and narrative, by openpyxl."""
    sample = load_workbook(ROOT / "inputs" / "2023-08" / f"{MISSING}.xlsx")
    values = {r[0].value: [c.value for c in r[3:8]] for r in sample["Chỉ tiêu"].iter_rows(min_row=2) if r[0].value}
    wb = load_workbook(blank)
    ws = wb["Chỉ tiêu"]
    for row in ws.iter_rows(min_row=2):
        for cell, value in zip(row[3:8], values[row[0].value]):
            if value is not None:
                cell.value = value
    if broken:
        ws["E2"] = "khoảng 600"
    text = wb["Thuyết minh"]
    for i, row in enumerate(sample["Thuyết minh"].iter_rows(min_row=2, values_only=True), start=2):
        text.cell(i, 1).value, text.cell(i, 2).value = row[0], row[1]
    wb.save(target)
    return target


def test_department_and_office_in_a_browser(browser, tmp_path):
    require_shared()
    from selenium.webdriver.common.by import By
    app, config = web_setup(tmp_path)
    with Server(app) as server:
        base = server.url
        sign_in(browser, base, "khong-co", ok=False)
        shot(browser, "01-dang-nhap-sai")
        # the office before the department submits
        sign_in(browser, base, "vanphong")
        browser.get(base + "/van-phong/2023-08")
        row = wait_for(browser, f"#dv-{MISSING}")
        assert "chưa nộp" in row.text
        shot(browser, "02-bang-theo-doi-truoc")
        sign_out(browser)
        # the department
        sign_in(browser, base, MISSING)
        wait_for(browser, "#ky-2023-08")
        shot(browser, "03-don-vi")
        browser.find_element(By.ID, "tai-bieu-2023-08").click()
        blank = wait_file(browser.downloads, f"{MISSING}-2023-08.xlsx")
        bad = filled_copy(blank, tmp_path / "bieu-loi.xlsx", broken=True)
        good = filled_copy(blank, tmp_path / "bieu-dung.xlsx", broken=False)
        browser.find_element(By.ID, "tep-2023-08").send_keys(str(bad))
        browser.find_element(By.ID, "gui-2023-08").click()
        wait_for(browser, "#bi-tu-choi")
        assert "E2" in browser.page_source and "khoảng 600" in browser.page_source
        shot(browser, "04-bi-tu-choi")
        browser.find_element(By.ID, "quay-lai").click()
        wait_for(browser, "#tep-2023-08").send_keys(str(good))
        browser.find_element(By.ID, "gui-2023-08").click()
        wait_for(browser, "#da-nhan")
        shot(browser, "05-da-nhan")
        # a refused re-send: the accepted workbook stays in use, and the revisions are listed
        browser.find_element(By.ID, "quay-lai").click()
        wait_for(browser, "#tep-2023-08").send_keys(str(bad))
        browser.find_element(By.ID, "gui-2023-08").click()
        wait_for(browser, "#bi-tu-choi")
        browser.refresh()  # Post/Redirect/Get: F5 shows the result again, sends nothing
        wait_for(browser, "#bi-tu-choi")
        browser.find_element(By.ID, "quay-lai").click()
        state = wait_for(browser, "#ky-2023-08")
        assert "đang dùng bản nộp lúc" in state.text and "bị từ chối" in state.text
        browser.find_element(By.CSS_SELECTOR, "#cac-lan-gui-2023-08 summary").click()
        listing = browser.find_element(By.ID, "cac-lan-gui-2023-08").text
        assert listing.count("bị từ chối") == 2 and "đã nhận (đang dùng)" in listing
        shot(browser, "05b-cac-lan-gui")
        sign_out(browser)
        # the office after: the dashboard changed; build; download
        sign_in(browser, base, "vanphong")
        browser.get(base + "/van-phong/2023-08")
        row = wait_for(browser, f"#dv-{MISSING}")
        assert "đã nộp" in row.text and "đang dùng bản nộp lúc" in row.text
        shot(browser, "06-bang-theo-doi-sau")
        browser.find_element(By.ID, "lap-bao-cao").click()
        wait_for(browser, "#lap-xong", timeout=120)
        shot(browser, "07-lap-xong")
        browser.find_element(By.ID, "tai-docx").click()
        docx = wait_file(browser.downloads, "BC-UBND-2023-08.docx")
    proc = subprocess.run([sys.executable, str(REFCHECK), str(docx), str(REFERENCE), "--min-words", "0.97",
                           "--min-numbers", "0.99", "--min-footnotes", "1.0", "--min-headings", "1.0"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    assert len(list(SHOTS.glob("*.png"))) >= 7
