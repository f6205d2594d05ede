"""Issue 22: departments isolated from each other, the server holding under abuse. Most
tests drive a real uvicorn server on 127.0.0.1 with the steps an insider would take with one
department's account."""
from __future__ import annotations

import io
import re
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
