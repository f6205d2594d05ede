"""Drafts apart from finals: ``build --du-thao`` writes «…-du-thao.docx» (and .pdf), stamped
«DỰ THẢO», and never overwrites the final report, its PDF, figures.json or annex workbook; the
web lists a draft as a draft."""
from __future__ import annotations

import re
import time
import zipfile

from starlette.testclient import TestClient

from generator import cli

from .web_helpers import csrf_of, login, web_setup


def body(path) -> str:
    with zipfile.ZipFile(path) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))


def run(filled, *extra) -> int:
    return cli.main(["build", "--period", "2023-08", "--inputs", str(filled.inputs), "--out", str(filled.out),
                     "--templates", str(filled.templates), "--db", "", *extra])


def test_a_draft_never_overwrites_the_final(filled):
    assert run(filled) == 0
    folder = filled.period_out
    final = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert "BC-UBND-2023-08.docx" in final and "figures.json" in final
    assert run(filled, "--du-thao") == 0
    draft = folder / "BC-UBND-2023-08-du-thao.docx"
    assert "DỰ THẢO" in body(draft)
    for name, data in final.items():   # the final's files untouched, byte for byte (its manifest too)
        assert (folder / name).read_bytes() == data, name
    assert "DỰ THẢO" not in body(folder / "BC-UBND-2023-08.docx")
    # a final built after the draft leaves the draft where it is
    assert run(filled) == 0
    assert draft.exists() and "DỰ THẢO" in body(draft)


def test_the_draft_pdf_has_its_own_name(filled):
    from .conftest import require_program
    require_program("soffice")
    assert run(filled, "--pdf") == 0
    pdf = filled.period_out / "BC-UBND-2023-08.pdf"
    before = pdf.read_bytes()
    assert run(filled, "--du-thao", "--pdf") == 0
    assert (filled.period_out / "BC-UBND-2023-08-du-thao.pdf").read_bytes()[:4] == b"%PDF"
    assert pdf.read_bytes() == before


def test_the_web_lists_a_draft_as_a_draft(tmp_path):
    app, config = web_setup(tmp_path, remove=())
    with TestClient(app) as office:
        login(office, "vanphong")

        def build(**form):
            page = office.get("/van-phong/2023-08")
            r = office.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text), **form},
                            follow_redirects=False)
            for _ in range(600):
                state = office.get(r.headers["location"])
                if "lap-xong" in state.text or "lap-loi" in state.text:
                    return state
                time.sleep(0.1)
            raise AssertionError("the build did not finish")
        state = build(du_thao="1")
        assert "Đã lập dự thảo báo cáo" in state.text
        page = office.get("/van-phong/2023-08").text
        assert "Dự thảo lập lúc" in page and 'id="tai-draft"' in page
        assert 'id="tai-docx"' not in page   # no final yet: nothing offered as the report
        draft = office.get("/van-phong/2023-08/tai/draft")
        assert draft.status_code == 200 and "BC-UBND-2023-08-du-thao.docx" in draft.headers["content-disposition"]
        assert office.get("/van-phong/2023-08/tai/docx").status_code == 404
        build()
        page = office.get("/van-phong/2023-08").text
        finals = page.split("<h3>Báo cáo đã lập</h3>")[1].split("<h3>Dự thảo</h3>")
        assert 'id="tai-docx"' in finals[0] and "tai-draft" not in finals[0]
        assert 'id="tai-draft"' in finals[1]
        final = office.get("/van-phong/2023-08/tai/docx")
        assert "BC-UBND-2023-08.docx" in final.headers["content-disposition"]
        out = tmp_path / "final.docx"
        out.write_bytes(final.content)
        assert "DỰ THẢO" not in body(out)
