"""Figures typed on the page (/don-vi/<kỳ>/bieu-mau), through Starlette's test client: the
same checks and words as the workbook, nothing stored before «Gửi», a draft, one kind of
submission (a form submission and an upload of the same figures give byte-identical reports;
each replaces the other), sources naming the form, and the safety of uploads."""
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from generator import store as storage

from .conftest import ROOT
from .web_helpers import csrf_of, login, web_setup

PERIOD = "2023-08"
TITLES = {"Kế hoạch năm": "plan", "Thực hiện tháng": "month", "Lũy kế": "cumulative", "Cùng kỳ tháng": "month_last_year",
          "Cùng kỳ lũy kế": "cumulative_last_year", "Kế hoạch khác": "plan2"}


def vi_text(value) -> str:
    """A number as a department types it the Vietnamese way: 1.234,5 (written here, not by the code under test)."""
    d = Decimal(str(value))
    sign = "-" if d < 0 else ""
    whole, _, frac = format(abs(d), "f").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    frac = frac.rstrip("0")
    return sign + grouped + ("," + frac if frac else "")


def sample_fields(dept: str) -> dict:
    """The form's fields holding what the sample workbook of ``dept`` holds."""
    wb = load_workbook(ROOT / "inputs" / PERIOD / f"{dept}.xlsx")
    ws = wb["Chỉ tiêu"]
    head = [c.value for c in ws[1]]
    fields = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        if not row[0]:
            continue
        for title, value in zip(head, row):
            if title in TITLES and value is not None:
                fields[f"v:{row[0]}:{TITLES[title]}"] = vi_text(value)
            if title == "Ghi chú" and value:
                fields[f"n:{row[0]}"] = str(value)
    sections: dict = {}
    for section, body in wb["Thuyết minh"].iter_rows(min_row=2, values_only=True):
        if body:
            sections.setdefault(section, []).append(body)
    for section, bodies in sections.items():
        fields[f"t:{section}"] = "\n".join(bodies)
    return fields


def form_post(client, action: str, fields: dict, period=PERIOD):
    page = client.get(f"/don-vi/{period}/bieu-mau")
    assert page.status_code == 200
    return client.post(f"/don-vi/{period}/bieu-mau", data={"csrf": csrf_of(page.text), "viec": action, **fields})


def build(config, out: Path) -> Path:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "generator", "build", "--period", PERIOD, "--inputs", str(config.inputs),
                          "--out", str(out), "--db", str(config.db)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return out / PERIOD


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode()
    return re.sub(r"<[^>]+>", "", xml).replace("\u00a0", " ")   # a number's non-breaking space read as a space


def field_messages(html: str, field_id: str) -> str:
    m = re.search(rf'<div id="vd-{field_id}">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", m.group(1)) if m else ""


def test_check_shows_the_workbook_words_beside_the_field_and_stores_nothing(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    fields = sample_fields(dept)
    fields["v:NG_DOAN_DEN:cumulative"] = "5,9.1"          # English-style number: not a number the Vietnamese way
    fields["v:NG_NGUOI_DEN:month"] = "-4"                 # negative where not allowed
    with TestClient(app) as c:
        login(c, dept)
        r = form_post(c, "kiem-tra", fields)
        assert r.status_code == 200 and 'id="co-loi"' in r.text
        # the message sits beside its own field, in the words the workbook check gives for its cell
        beside = field_messages(r.text, "o-NG_DOAN_DEN-cumulative")
        assert "Ô «Lũy kế» chứa chữ" in beside and "«5,9.1»" in beside
        assert "âm" in field_messages(r.text, "o-NG_NGUOI_DEN-month")
        assert field_messages(r.text, "o-NG_DOAN_DEN-month") == ""
        # all at once: both mistakes in one answer
        assert r.text.count('class="van-de loi"') >= 2
        # the preview of the narrative, with the typed figures
        assert 'id="xt-tm-II-6"' in r.text and "{NG_DOAN_DI:luyke}" not in r.text.split('id="xt-tm-II-6"')[1]
        # nothing stored, nothing written
        assert not (config.inputs / PERIOD / f"{dept}.xlsx").exists()
        with storage.open_store(config.db) as store:
            assert storage.web.uploads(store, PERIOD, dept) == []


def test_send_records_a_submission_like_an_upload_and_sources_name_the_form(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    fields = sample_fields(dept)
    fields["v:NG_DOAN_DEN:cumulative"] = "61"
    fields["n:NG_DOAN_DEN"] = "Gồm 3 đoàn cấp bộ"
    with TestClient(app) as c:
        login(c, dept)
        bad = form_post(c, "gui", dict(fields, **{"v:NG_DOAN_DEN:cumulative": "sáu mốt"}))
        assert bad.status_code == 200 and "Chưa gửi được" in bad.text
        assert "không phải là số" in field_messages(bad.text, "o-NG_DOAN_DEN-cumulative")
        assert not (config.inputs / PERIOD / f"{dept}.xlsx").exists()
        r = form_post(c, "gui", fields)
        assert r.status_code == 200 and 'id="da-nhan"' in r.text
        assert re.search(rf"/don-vi/{PERIOD}/ket-qua/\d+$", str(r.url))
        # a receipt: its number, time, account, the form as the file (one receipt, as for a file)
        assert r.text.count('id="bien-nhan"') == 1
        receipt = re.sub(r"<[^>]+>", " ", r.text.split('id="bien-nhan"')[1].split("</div>")[0])
        assert "Số biên nhận" in receipt and f"Người gửi {dept}" in re.sub(r"\s+", " ", receipt) \
            and "Biểu mẫu trên trang" in receipt
        # reopened: the current submission's values
        again = c.get(f"/don-vi/{PERIOD}/bieu-mau")
        assert 'id="dang-sua"' in again.text and 'name="v:NG_DOAN_DEN:cumulative" value="61"' in again.text
    with storage.open_store(config.db) as store:
        events = storage.web.uploads(store, PERIOD, dept)
        cur = storage.submissions.current(store, PERIOD, dept)
        values = storage.submissions.current_values(store, cur.revision)
    assert [e["accepted"] for e in events] == [1, 0]       # the refused send is an event too
    assert events[0]["username"] == dept and events[0]["revision"] == cur.revision
    assert f"BN-{PERIOD}-{events[0]['id']:05d}" in receipt and "lần nộp" not in receipt
    assert events[0]["sha256"] in receipt
    assert events[0]["file_name"] == "Biểu mẫu trên trang" and len(events[0]["sha256"]) == 64
    assert values["NG_DOAN_DEN"]["cumulative"].value == Decimal(61)
    # the folder holds the workbook: check reads it like any other
    wb = load_workbook(config.inputs / PERIOD / f"{dept}.xlsx")
    assert wb["Chỉ tiêu"]["F3"].value == 61 and wb["Chỉ tiêu"]["A3"].value == "NG_DOAN_DEN"
    out = build(config, tmp_path / "build")
    figures = {f["code"]: f for f in json.loads((out / "figures.json").read_text())["indicators"]}
    assert figures["NG_DOAN_DEN"]["sources"]["cumulative"] == "form:so-ngoai-vu!NG_DOAN_DEN!Lũy kế"
    assert figures["NG_DOAN_DEN"]["sources"]["month"] == "form:so-ngoai-vu!NG_DOAN_DEN!Thực hiện tháng"
    assert figures["NG_DOAN_DEN"]["note"] == "Gồm 3 đoàn cấp bộ"      # the note typed beside it, and its field
    assert figures["NG_DOAN_DEN"]["sources"]["note"] == "form:so-ngoai-vu!NG_DOAN_DEN!Ghi chú"
    assert figures["KKT_XNK"]["sources"]["cumulative"].startswith("ban-quan-ly-kkt.xlsx!Chỉ tiêu!")
    assert "làm việc với 61 đoàn/" in docx_text(out / f"BC-UBND-{PERIOD}.docx")


@pytest.mark.parametrize("dept", ["so-ngoai-vu", "so-ke-hoach"])
def test_a_form_submission_and_an_upload_of_the_same_figures_give_identical_reports(tmp_path, dept):
    outs = {}
    for how in ("upload", "form"):
        app, config = web_setup(tmp_path / how, remove=(dept,))
        with TestClient(app) as c:
            login(c, dept)
            if how == "upload":
                page = c.get("/don-vi")
                r = c.post(f"/don-vi/{PERIOD}/nop", data={"csrf": csrf_of(page.text)},
                           files={"tep": ("bieu.xlsx", (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes(),
                                          "application/octet-stream")})
            else:
                r = form_post(c, "gui", sample_fields(dept))
            assert 'id="da-nhan"' in r.text, r.text
        outs[how] = build(config, tmp_path / how / "build")
    for name in (f"BC-UBND-{PERIOD}.docx", f"phu-luc-{PERIOD}.xlsx"):
        assert (outs["upload"] / name).read_bytes() == (outs["form"] / name).read_bytes(), name
    # figures.json differs only where each value came from
    a, b = (json.loads((outs[h] / "figures.json").read_text()) for h in ("upload", "form"))
    own = {f["code"] for f in a["indicators"] if f["department"] == dept}
    for fa, fb in zip(a["indicators"], b["indicators"]):
        if fa["code"] in own:
            assert all(s.startswith(f"{dept}.xlsx!Chỉ tiêu!") for k, s in fa["sources"].items() if k in TITLES.values())
            assert all(s.startswith(f"form:{dept}!{fa['code']}!") for k, s in fb["sources"].items()
                       if k in TITLES.values())
            fa, fb = dict(fa, sources=None), dict(fb, sources=None)
        assert fa == fb


def test_an_upload_replaces_a_form_submission_and_back(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    sample = (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes()
    with TestClient(app) as c:
        login(c, dept)
        assert 'id="da-nhan"' in form_post(c, "gui", dict(sample_fields(dept), **{"v:NG_DOAN_HD:month": "31"})).text
        page = c.get("/don-vi")
        r = c.post(f"/don-vi/{PERIOD}/nop", data={"csrf": csrf_of(page.text)},
                   files={"tep": ("bieu.xlsx", sample, "application/octet-stream")})
        assert 'id="da-nhan"' in r.text
        assert (config.inputs / PERIOD / f"{dept}.xlsx").read_bytes() == sample
        assert 'name="v:NG_DOAN_HD:month" value="30"' in c.get(f"/don-vi/{PERIOD}/bieu-mau").text
        assert 'id="da-nhan"' in form_post(c, "gui", dict(sample_fields(dept), **{"v:NG_DOAN_HD:month": "32"})).text
        home = c.get("/don-vi").text
    with storage.open_store(config.db) as store:
        events = storage.web.uploads(store, PERIOD, dept)
        cur = storage.submissions.current(store, PERIOD, dept)
        assert storage.submissions.current_values(store, cur.revision)["NG_DOAN_HD"]["month"].value == 32
    assert [e["file_name"] for e in events] == ["Biểu mẫu trên trang", "bieu.xlsx", "Biểu mẫu trên trang"]
    assert all(e["accepted"] for e in events) and len({e["revision"] for e in events}) == 3
    assert home.count("đã nhận") == 3 and "(đang dùng)" in home


def test_a_draft_is_kept_without_checking_or_sending(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    with TestClient(app) as c:
        login(c, dept)
        r = form_post(c, "luu-nhap", {"v:NG_DOAN_HD:month": "4.321,5", "t:II.6": "Đang viết {NG_DOAN_HD}"})
        assert r.status_code == 200 and 'id="ghi-chu-trang"' in r.text and 'id="dang-nhap-nhap"' in r.text
        assert 'value="4.321,5"' in r.text and "Đang viết {NG_DOAN_HD}</textarea>" in r.text
        assert not (config.inputs / PERIOD / f"{dept}.xlsx").exists()
        with storage.open_store(config.db) as store:
            assert storage.web.uploads(store, PERIOD, dept) == []
        draft = config.db.parent / "ban-nhap" / PERIOD / f"{dept}.json"
        assert draft.stat().st_mode & 0o777 == 0o600
        # reopened: the draft, until it is dropped
        assert 'value="4.321,5"' in c.get(f"/don-vi/{PERIOD}/bieu-mau").text
        dropped = form_post(c, "bo-nhap", {})
        assert 'id="bieu-trong"' in dropped.text and "4.321,5" not in dropped.text and not draft.exists()
        form_post(c, "luu-nhap", {"v:NG_DOAN_HD:month": "4.321,5"})
        # another department never sees it
        c.post("/dang-xuat", data={"csrf": csrf_of(r.text)})
        login(c, "thanh-tra-tinh")
        other = c.get(f"/don-vi/{PERIOD}/bieu-mau").text
        assert "4.321,5" not in other and "NG_DOAN_HD" not in other


def test_safety_as_for_uploads(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    with TestClient(app) as c:
        login(c, dept)
        page = c.get(f"/don-vi/{PERIOD}/bieu-mau").text
        # only the department's own indicators are on the page
        assert "ct-KKT_XNK" not in page and "v:KKT_XNK" not in page and 'id="ct-NG_DOAN_HD"' in page
        # no CSRF token: refused
        r = c.post(f"/don-vi/{PERIOD}/bieu-mau", data={"viec": "gui", "v:NG_DOAN_HD:month": "3"})
        assert r.status_code == 403
        # another department's indicator: refused, nothing stored
        r = c.post(f"/don-vi/{PERIOD}/bieu-mau", data={"csrf": csrf_of(page), "viec": "gui", "v:KKT_XNK:month": "3"})
        assert r.status_code == 400 and "không thuộc đơn vị" in r.text
        # over the upload limit
        r = c.post(f"/don-vi/{PERIOD}/bieu-mau",
                   data={"csrf": csrf_of(page), "viec": "kiem-tra", "t:II.6": "x" * (config.max_upload_bytes + 10)})
        assert r.status_code == 413
        # a narrative referring to another department's indicator: its figure is never shown
        r = form_post(c, "kiem-tra", dict(sample_fields(dept), **{"t:II.6": "Xuất nhập khẩu {KKT_XNK:luyke} triệu USD."}))
        preview = r.text.split('id="xt-tm-II-6"')[1].split("</div>")[0]
        assert "{KKT_XNK:luyke}" in preview and "2.945" not in preview
        with storage.open_store(config.db) as store:
            assert storage.web.uploads(store, PERIOD, dept) == []
        # the office has no form
        c.post("/dang-xuat", data={"csrf": csrf_of(page)})
        login(c, "vanphong")
        assert c.get(f"/don-vi/{PERIOD}/bieu-mau").status_code == 403


def test_typed_numbers_the_vietnamese_way():
    from generator.workbooks.typed import typed_number
    assert typed_number("1.234,5", "tỷ đồng") == Decimal("1234.5")
    assert typed_number(" 1 234,5 ", "tỷ đồng") == Decimal("1234.5")
    assert typed_number("1.234", "con") == Decimal("1234")       # the form asks for the Vietnamese way
    assert typed_number("612,345", "tấn") == Decimal("612.345")
    assert typed_number("77,5%", "%") == Decimal("77.5")
    assert typed_number("77,5%", "tấn") == "77,5%"               # the reader explains it, in its words
    assert typed_number("1,234.5", "tấn") == "1,234.5"
    assert typed_number("", "tấn") is None and typed_number("  ", "tấn") is None


def test_a_form_workbook_saved_again_elsewhere_is_an_upload(tmp_path):
    """The mark holds only while the workbook is the form's own: saved again (Excel, openpyxl),
    its sources are cells again."""
    from generator.pipeline import open_context
    from generator.workbooks.typed import filled_workbook, made_by_form
    ctx = open_context(PERIOD)
    cat = ctx.catalogue
    data = filled_workbook(cat, cat.departments["so-ngoai-vu"], ctx.period, ctx.settings, {},
                           {"NG_DOAN_HD": {"month": Decimal(30)}}, {}, [("II.6", "Có {NG_DOAN_HD} đoàn.")])
    form = tmp_path / "so-ngoai-vu.xlsx"
    form.write_bytes(data)
    assert made_by_form(form)
    wb = load_workbook(io.BytesIO(data))
    assert wb["Chỉ tiêu"]["E2"].value == 30 and wb["Thuyết minh"]["B2"].value == "Có {NG_DOAN_HD} đoàn."
    again = tmp_path / "again.xlsx"
    wb.save(again)
    assert not made_by_form(again)
    assert not made_by_form(ROOT / "inputs" / PERIOD / "so-ngoai-vu.xlsx")


def test_the_preview_prints_emphasis_and_footnotes_and_the_store_copy_reopens(tmp_path):
    dept = "so-ngoai-vu"
    app, config = web_setup(tmp_path, remove=(dept,))
    text = "*Đánh giá chung:* đón **{NG_DOAN_DEN:luyke} đoàn**[[Trong đó {NG_DOAN_HD} đoàn liên ngành.]] \\* hết."
    with TestClient(app) as c:
        login(c, dept)
        r = form_post(c, "kiem-tra", dict(sample_fields(dept), **{"t:II.6": text}))
        preview = r.text.split('id="xt-tm-II-6"')[1].split("</div>")[0]
        assert "<i>Đánh giá chung:</i> đón <b>59 đoàn</b>" in preview
        assert '<span class="chu-thich">[chú thích: Trong đó 30 đoàn liên ngành.]</span> * hết.' in preview
        # an indicator the narrative no longer cites: the automatic sentence the report prints for it
        assert "NG_VIECRIENG" not in text
        auto = re.sub(r"<[^>]+>", "", r.text.split('id="cau-NG_VIECRIENG"')[1].split("</p>")[0])
        assert "Lượt công chức, viên chức đi nước ngoài về việc riêng: 207" in auto and "mục II.6" in auto
        assert 'id="cau-NG_DOAN_DEN"' not in r.text     # cited by the narrative
        assert 'id="da-nhan"' in form_post(c, "gui", dict(sample_fields(dept), **{"t:II.6": text})).text
        # the accepted file taken out of the folder: the form reopens with the stored submission
        (config.inputs / PERIOD / f"{dept}.xlsx").unlink()
        page = c.get(f"/don-vi/{PERIOD}/bieu-mau").text
        assert 'id="dang-sua"' in page and 'name="v:NG_NGUOI_DEN:cumulative" value="393"' in page
        assert "{NG_DOAN_DEN:luyke} đoàn**" in page
