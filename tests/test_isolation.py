"""Issue 22: departments isolated from each other, the server holding under abuse. Most
tests drive a real uvicorn server on 127.0.0.1 with the steps an insider would take with one
department's account."""
from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile

import httpx
from openpyxl import load_workbook

from generator import pipeline

from .conftest import ROOT
from .web_helpers import Server, csrf_of, login, web_setup

CT = "so-cong-thuong"
PERIOD = "2023-08"


def sample_bytes(dept: str) -> bytes:
    return (ROOT / "inputs" / PERIOD / f"{dept}.xlsx").read_bytes()


def with_narrative(data: bytes, rows: list) -> bytes:
    """The workbook with more «Thuyết minh» rows appended, as a department would type them."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Thuyết minh"]
    for section, text in rows:
        ws.append([section, text])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def last_row(data: bytes) -> int:
    return load_workbook(io.BytesIO(data))["Thuyết minh"].max_row


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=120, follow_redirects=True)


def send(c: httpx.Client, data: bytes, period: str = PERIOD) -> httpx.Response:
    return c.post(f"/don-vi/{period}/nop", data={"csrf": csrf_of(c.get("/don-vi").text)},
                  files={"tep": ("bieu.xlsx", data, "application/octet-stream")})


def build_from_web(office: httpx.Client, period: str = PERIOD, allow_missing: bool = False) -> str:
    page = office.get(f"/van-phong/{period}")
    form = {"csrf": csrf_of(page.text)}
    if allow_missing:
        form["cho_phep_thieu"] = "1"
    r = office.post(f"/van-phong/{period}/lap-bao-cao", data=form)
    for _ in range(600):
        if "lap-xong" in r.text or "lap-loi" in r.text:
            return r.text
        time.sleep(0.1)
        r = office.get(str(r.url))
    raise AssertionError("the build never finished")


def document_xml(docx: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode(), z.read("word/footnotes.xml").decode()


def text_of(xml: str) -> str:
    """The text of some XML, a non-breaking space read as a space."""
    return re.sub(r"<[^>]+>", "", xml).replace("\u00a0", " ")


# --- point 1: the composer's private-use markers never break the build nor borrow a footnote


MARKED = ("II.1.3", "ĐOẠN-CT-THỬ chú thích giả \ue000999\ue001, mượn \ue0001\ue001 và \ue012đậm không đóng, "
                    "\ue010nghiêng không đóng_x0001_ hết đoạn.")


def test_private_use_markers_are_neutralised_at_intake_and_the_build_succeeds(tmp_path):
    app, config = web_setup(tmp_path, remove=())
    sample_docs = pipeline.build(pipeline.open_context(PERIOD, ROOT / "inputs", tmp_path / "ref", db=None))
    _, ref_notes = document_xml(sample_docs["paths"]["docx"].read_bytes())
    data = with_narrative(sample_bytes(CT), [MARKED])
    row = last_row(data)
    with Server(app) as server, client(server) as dept, client(server) as office:
        login(dept, CT)
        got = send(dept, data)
        assert "Đã nhận biểu" in got.text
        # the department is told, with the cell, that characters were dropped
        assert "không in được" in got.text and f"B{row}" in got.text and "U+E000" in got.text
        login(office, "vanphong")
        state = build_from_web(office)
        assert "Đã lập báo cáo" in state, state
        doc, notes = document_xml(office.get(f"/van-phong/{PERIOD}/tai/docx").content)
    body = text_of(doc)
    assert "ĐOẠN-CT-THỬ chú thích giả 999, mượn 1 và đậm không đóng, nghiêng không đóng hết đoạn." in body
    assert not re.search("[\ue000-\uf8ff\x01]", doc + notes)
    # no footnote borrowed: as many footnotes as the sample's, and none in that paragraph
    assert notes.count("<w:footnote ") == ref_notes.count("<w:footnote ")
    para = next(p for p in doc.split("</w:p>") if "ĐOẠN-CT-THỬ" in p)
    assert "footnoteReference" not in para
    # the rest of the paragraph is neither bold nor italic
    assert "<w:b/>" not in para and "<w:i/>" not in para


def test_an_uncomposable_paragraph_becomes_a_marked_line_naming_department_and_cell(tmp_path, monkeypatch):
    """Whatever fails in one department's paragraph, the office's report is written: that
    paragraph is a marked line, the build's warning names the department and the cell."""
    import shutil

    from generator import narrative
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / PERIOD, inputs / PERIOD)
    data = with_narrative(sample_bytes(CT), [("II.1.3", "ĐOẠN-HỎNG {CT_CLINKER:luyke} tấn.")])
    (inputs / PERIOD / f"{CT}.xlsx").write_bytes(data)
    row = last_row(data)
    real = narrative.resolve

    def failing(segments, printed):   # a fault in composing this one paragraph
        if any(isinstance(s, str) and "ĐOẠN-HỎNG" in s for s in segments):
            raise KeyError(999)
        return real(segments, printed)
    monkeypatch.setattr(narrative, "resolve", failing)
    got = pipeline.build(pipeline.open_context(PERIOD, inputs, tmp_path / "build", db=None))
    body = text_of(document_xml(got["paths"]["docx"].read_bytes())[0])
    assert f"[Chưa lập được đoạn thuyết minh của Sở Công Thương ({CT}.xlsx!Thuyết minh!B{row})" in body
    assert "ĐOẠN-HỎNG" not in body
    warned = [p for p in got["warnings"] if p.code == "paragraph-not-composed"]
    assert len(warned) == 1 and warned[0].department == CT and warned[0].cell == f"B{row}"
    # every other department's paragraphs are there
    assert "Hoạt động du lịch tiếp tục tăng" in body


# --- point 2: no leak of unreleased figures through what a department can reach


FOREIGN = ["THUE_THU_ND", "CA_HS", "YT_KHAM", "CA_TL_KP"]   # Cục Thuế's, Công an's, Sở Y tế's
PUBLISHED = {"plan", "plan2", "month_last_year", "cumulative_last_year"}   # given or last year's: not this period's


def _masked(html: str) -> str:
    """A page with what differs between two sessions or two minutes masked: the CSRF token and
    the times printed («09:41 ngày 30/11/2026»)."""
    html = re.sub(r'name="csrf" value="[^"]+"', 'name="csrf" value=""', html)
    return re.sub(r"\d{2}:\d{2} ngày \d{1,2}/\d{1,2}/\d{4}", "HH:MM", html)


def _problem_rows(html: str) -> list:
    return [" ".join(text_of(r).split()) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)]


def test_a_department_verdict_shows_nothing_of_another_department_figures(tmp_path):
    """Sở Công Thương writes direction words before other departments' changes and refers to
    their figures. Its verdict (an upload's page, the typed form's check) is the same whether
    they have submitted or not, or submitted other figures, and none of their figures' texts
    appears on any page it can reach."""
    cat = pipeline.open_context(PERIOD).catalogue
    owners = {cat.indicators[c].department for c in FOREIGN}
    assert CT not in owners and len(owners) == 3
    words = {"THUE_THU_ND": "chenh", "CA_HS": "chenh", "YT_KHAM": "tyle_tang", "CA_TL_KP": "tyle_tang"}
    text = "; ".join(f"giảm {{{c}:{w}}}, tăng {{{c}:{w}}}, {{{c}}}, {{{c}:tang}}" for c, w in words.items()) \
        + ", {THUE_THU_ND:dat} kế hoạch"
    data = with_narrative(sample_bytes(CT), [("II.1.3", "Thử nghiệm: " + text + ".")])
    # what the office's build prints for those indicators this period
    built = pipeline.build(pipeline.open_context(PERIOD, ROOT / "inputs", tmp_path / "ref", db=None))
    figures = {f["code"]: f for f in json.loads(built["paths"]["figures"].read_text(encoding="utf-8"))["indicators"]}
    secrets = {t.removeprefix("tăng ").removeprefix("giảm ") for c in FOREIGN
               for k, t in figures[c]["text"].items() if k not in PUBLISHED and re.search(r"\d[,.]\d|\d%", t)}
    assert len(secrets) >= 6, secrets

    def leaks(html: str) -> list:
        shown = " ".join(text_of(html).split())
        return [s for s in secrets if re.search(r"(?<![\d,.])" + re.escape(s) + r"(?![\d,])", shown)]

    # the office in three states: everybody submitted; those departments not yet; they sent other figures
    def changed(folder):
        for dept in owners:
            wb = load_workbook(folder / f"{dept}.xlsx")
            ws = wb["Chỉ tiêu"]
            for row in ws.iter_rows(min_row=2):
                if row[0].value in FOREIGN:
                    for cell in row[4:6]:
                        if isinstance(cell.value, (int, float)):
                            cell.value = cell.value * 3 + 7
            wb.save(folder / f"{dept}.xlsx")

    verdicts, forms, homes = [], [], []
    for state in ("all", "missing", "changed"):
        app, config = web_setup(tmp_path / state, remove=tuple(owners) if state == "missing" else ())
        if state == "changed":
            changed(config.inputs / PERIOD)
        with Server(app) as server, client(server) as dept:
            login(dept, CT)
            got = send(dept, data)
            assert "Đã nhận biểu" in got.text, got.text[:2000]
            assert not leaks(got.text), leaks(got.text)
            assert "chiều tăng/giảm sẽ được kiểm tra khi văn phòng lập báo cáo" in got.text
            assert "thiếu số liệu" not in got.text   # whether they have a figure yet is not said either
            verdicts.append(_masked(got.text))
            # the typed form's check: the same verdict, no figure of theirs
            fields = {"v:CT_XK_DP:month": "14", "t:II.1.3": "Thử nghiệm: " + text + "."}
            page = dept.get(f"/don-vi/{PERIOD}/bieu-mau")
            checked = dept.post(f"/don-vi/{PERIOD}/bieu-mau",
                                data={"csrf": csrf_of(page.text), "viec": "kiem-tra", **fields})
            assert checked.status_code == 200 and not leaks(checked.text), leaks(checked.text)
            assert "chiều tăng/giảm sẽ được kiểm tra khi văn phòng lập báo cáo" in checked.text
            forms.append([r for r in _problem_rows(checked.text) if "Thử nghiệm" not in r])
            # everything else it can reach: its home page, its receipt, its stored upload, the blank workbook
            home = dept.get("/don-vi")
            assert home.status_code == 200 and not leaks(home.text)
            homes.append(_masked(home.text))
            for path in (f"/don-vi/{PERIOD}/bieu-mau", str(got.url)):
                assert not leaks(dept.get(path).text)
            blank = dept.get(f"/don-vi/{PERIOD}/bieu-trong.xlsx")
            assert blank.status_code == 200
            wb = load_workbook(io.BytesIO(blank.content))
            cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
            assert not [c for c in FOREIGN if c in cells]
            # the office's pages are not the department's
            for path in (f"/van-phong/{PERIOD}", f"/van-phong/{PERIOD}/chi-tieu", f"/van-phong/{PERIOD}/tai/docx"):
                r = dept.get(path, follow_redirects=False)
                assert r.status_code in (302, 303, 403, 404) and not leaks(r.text), (path, r.status_code)
    # byte for byte (but the session's token and the minute), whatever the others have done
    assert verdicts[0] == verdicts[1] == verdicts[2]
    assert forms[0] == forms[1] == forms[2] and forms[0]
    assert homes[0] == homes[1] == homes[2]


def test_the_office_build_still_checks_directions_across_departments(tmp_path):
    """What the verdict leaves out is checked where the figures are the office's: a direction
    word against another department's figure is a warning of the build, naming the figure."""
    cat = pipeline.open_context(PERIOD).catalogue
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / PERIOD, inputs / PERIOD)
    (inputs / PERIOD / f"{CT}.xlsx").write_bytes(with_narrative(sample_bytes(CT), [
        ("II.1.3", "Thu nội địa tăng {THUE_THU_ND:chenh} tỷ đồng.")]))
    ctx = pipeline.open_context(PERIOD, inputs, tmp_path / "out", db=None)
    full = pipeline.department_problems(pipeline.check(ctx, record=False), CT)
    own = pipeline.department_problems(pipeline.check(ctx, record=False, only=CT), CT)
    conflict = [p for p in full if p.code == "direction-conflict" and p.indicator == "THUE_THU_ND"]
    assert conflict and "421,26" in conflict[0].message   # the change Cục Thuế's figures give
    assert not [p for p in own if p.code == "direction-conflict"]
    [note] = [p for p in own if p.code == "direction-unchecked"]
    assert note.indicator == "THUE_THU_ND" and cat.departments["cuc-thue"].name in note.message
    assert "421" not in note.message and not note.is_error
    # its own figures are still checked in full: a direction word against its own change
    (inputs / PERIOD / f"{CT}.xlsx").write_bytes(with_narrative(sample_bytes(CT), [
        ("II.1.3", "Điện thương phẩm giảm {CT_DIEN_TP:chenh} Tr Kw/h.")]))
    fig = pipeline.check(ctx, record=False).figures["CT_DIEN_TP"]
    assert fig.values["cumulative"] > fig.values["cumulative_last_year"]   # it went up: «giảm» is wrong
    own = pipeline.department_problems(pipeline.check(ctx, record=False, only=CT), CT)
    assert [p for p in own if p.code == "direction-conflict" and p.indicator == "CT_DIEN_TP"]


def test_a_share_of_another_department_parent_is_not_resolved_in_the_verdict(tmp_path):
    """Cục Thuế's share of the budget revenue depends on Sở Tài chính's total: in Cục Thuế's
    verdict it is checked for syntax only (nothing said of whether Sở Tài chính has a figure);
    the office's check says it cannot be computed while Sở Tài chính has not submitted."""
    cat = pipeline.open_context(PERIOD).catalogue
    ind = cat.indicators["THUE_THU_ND"]
    parent_dept = cat.indicators[ind.parent].department
    assert ind.department == "cuc-thue" and parent_dept != "cuc-thue"
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / PERIOD, inputs / PERIOD)
    (inputs / PERIOD / f"{parent_dept}.xlsx").unlink()
    (inputs / PERIOD / "cuc-thue.xlsx").write_bytes(with_narrative(sample_bytes("cuc-thue"), [
        ("II.1.6", "Thu nội địa chiếm {THUE_THU_ND:tytrong} tổng thu.")]))   # (II.1.6: Cục Thuế's own section)
    ctx = pipeline.open_context(PERIOD, inputs, tmp_path / "out", db=None)
    full = pipeline.department_problems(pipeline.check(ctx, record=False), "cuc-thue")
    own = pipeline.department_problems(pipeline.check(ctx, record=False, only="cuc-thue"), "cuc-thue")
    assert [p for p in full if p.code == "markup-no-figure" and p.indicator == "THUE_THU_ND"]
    assert not [p for p in own if p.indicator == "THUE_THU_ND" and p.sheet == "Thuyết minh"]
