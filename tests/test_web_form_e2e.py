"""The figures typed on the page, in a real headless Chromium (Selenium) on a desk (1366×768)
and on a phone (390×844): a department types its figures with one mistake, sees the message
beside the field, fixes it, sends and gets a receipt; the office builds on its page and the
report prints the typed figures, figures.json naming the form as their source. Screenshots go
to build/screenshots/."""
import json

import pytest

from .test_web_e2e import browser, shot, sign_in, sign_out, wait_file, wait_for  # noqa: F401 (fixture)
from .test_web_form import docx_text, sample_fields
from .web_helpers import Server, web_setup

DEPT = "so-ngoai-vu"


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["ban-lam-viec", "dien-thoai"])
def test_a_department_types_its_figures_in_a_browser(browser, tmp_path, size):
    from selenium.webdriver.common.by import By
    width, height = size
    tag = f"form-{width}"
    app, config = web_setup(tmp_path, remove=(DEPT,))
    with Server(app) as server:
        base = server.url
        browser.set_window_size(width, height)
        sign_in(browser, base, DEPT)
        wait_for(browser, "#nhap-2023-08").click()
        wait_for(browser, "#bieu-mau")
        assert no_sideways_scroll(browser)
        shot(browser, f"{tag}-01-trong")
        field = browser.find_element(By.ID, "o-NG_DOAN_DEN-cumulative")
        assert field.get_attribute("inputmode") == "decimal"
        if width < 500:   # one indicator per card: the card is as wide as the page, its fields stacked
            card = browser.find_element(By.ID, "ct-NG_DOAN_DEN")
            assert card.size["width"] <= width and card.find_element(By.ID, "o-NG_DOAN_DEN-month").location["y"] \
                < field.location["y"]
        fields = dict(sample_fields(DEPT), **{"v:NG_DOAN_DEN:cumulative": "6l"})    # a letter l for a one
        for name, value in fields.items():
            box = browser.find_element(By.NAME, name)
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.clear()
            box.send_keys(value)
        browser.find_element(By.ID, "nut-kiem-tra").click()
        message = wait_for(browser, "#vd-o-NG_DOAN_DEN-cumulative")
        assert "Ô «Lũy kế» chứa chữ: «6l» không phải là số" in message.text
        assert browser.find_element(By.ID, "co-loi").text.startswith("Có 1 lỗi")
        assert no_sideways_scroll(browser)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", message)
        shot(browser, f"{tag}-02-loi-canh-o")
        preview = browser.find_element(By.ID, "xt-tm-II-6")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", preview)
        shot(browser, f"{tag}-03-xem-truoc")
        field = browser.find_element(By.ID, "o-NG_DOAN_DEN-cumulative")
        field.clear()
        field.send_keys("61")
        browser.find_element(By.ID, "nut-gui").click()
        receipt = wait_for(browser, "#da-nhan")
        assert "Đã nhận biểu" in receipt.text
        assert no_sideways_scroll(browser)
        shot(browser, f"{tag}-04-da-nhan")
        sign_out(browser)
        # the office builds on its page and downloads the report and figures.json
        browser.set_window_size(1366, 768)
        sign_in(browser, base, "vanphong")
        browser.get(base + "/van-phong/2023-08")
        wait_for(browser, "#lap-bao-cao").click()
        wait_for(browser, "#lap-xong", timeout=180)
        browser.find_element(By.ID, "tai-docx").click()
        docx = wait_file(browser.downloads, "BC-UBND-2023-08.docx")
        browser.find_element(By.ID, "tai-json").click()
        figures = json.loads(wait_file(browser.downloads, "figures.json").read_text())
    assert "làm việc với 61 đoàn/" in docx_text(docx)
    got = {f["code"]: f for f in figures["indicators"]}
    assert got["NG_DOAN_DEN"]["values"]["cumulative"] == 61
    assert got["NG_DOAN_DEN"]["sources"]["cumulative"] == f"form:{DEPT}!NG_DOAN_DEN!Lũy kế"
