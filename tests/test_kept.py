"""Pages answer from what was read before (issue 22 point 5): the server keeps each workbook's
reading and each department's intake, keyed by what they depend on — the file's bytes, the
templates, the store's other periods — so a page or another department's upload never reads
a workbook again while none of those changed, and reads it (or makes its intake) again as soon
as one does. A web build when nothing it reads changed keeps the last build.

Reads are counted at the reader itself (``pipeline.read_workbooks``, the bounded workers),
with real files changed on disk."""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from generator import pipeline, versions
from generator.periods import Period
from generator.web import WebConfig, create_app
from generator.web.auth import create_account

from .conftest import GOOD_VALUES, fill, make_templates
from .web_helpers import PASSWORD, Server, csrf_of, login

CT, NN = "so-cong-thuong", "so-nong-nghiep"
CTX, NNX = f"{CT}.xlsx", f"{NN}.xlsx"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """The small office (two departments, both filled in), its web application, and the
    names of the workbooks the readers are given, in order."""
    templates = make_templates(tmp_path / "templates")
    inputs, db = tmp_path / "inputs", tmp_path / "data" / "baocao.sqlite"
    ctx = pipeline.open_context("2023-08", inputs, tmp_path / "build", templates, db)
    pipeline.init(ctx)
    fill(inputs / "2023-08" / CTX, GOOD_VALUES)
    fill(inputs / "2023-08" / NNX, GOOD_VALUES)
    app = create_app(WebConfig(inputs=inputs, out=tmp_path / "build", db=db, templates=templates))
    reads: list[str] = []
    real = pipeline.read_workbooks

    def counted(jobs, *args, **kwargs):
        reads.extend(Path(job[0]).name for job in jobs)
        return real(jobs, *args, **kwargs)
    monkeypatch.setattr(pipeline, "read_workbooks", counted)
    return app, reads, tmp_path


def _seen(res) -> tuple:
    """What a page shows of a check: each department's status and every problem."""
    return ([(s.department, s.name, s.status, s.file, s.errors, s.warnings) for s in res.statuses],
            [p.to_dict() for p in res.problems])


def _plain(web) -> tuple:
    """The same check keeping nothing (what the CLI's check gives)."""
    return _seen(pipeline.check(web.ctx_for("2023-08"), record=False))


def test_a_kept_check_is_reused_until_its_file_changes(served):
    app, reads, tmp = served
    web = app.state.web
    first = web.check(web.ctx_for("2023-08"))
    assert sorted(reads) == [CTX, NNX]
    reads.clear()
    again = web.check(web.ctx_for("2023-08"))
    assert reads == []                       # nothing read again
    assert _seen(again) == _seen(first) and again.figures == first.figures and again.inputs == first.inputs
    reads.clear()
    # Sở Nông nghiệp's file changes on disk: that file alone is read again, and the page says what it holds now
    fill(tmp / "inputs" / "2023-08" / NNX, {"NN_TRAU": {"E": "nhiều"}})
    reads.clear()
    changed = web.check(web.ctx_for("2023-08"))
    assert reads == [NNX]
    status = {s.department: s.status for s in changed.statuses}
    assert status == {CT: pipeline.SUBMITTED, NN: pipeline.HAS_ERRORS}
    assert any(p.is_error and p.indicator == "NN_TRAU" for p in changed.problems)
    assert _seen(changed) == _plain(web)


def test_changed_templates_read_every_workbook_again(served):
    app, reads, tmp = served
    web = app.state.web
    web.check(web.ctx_for("2023-08"))
    reads.clear()
    names = tmp / "templates" / "don-vi.csv"
    names.write_text(names.read_text(encoding="utf-8").replace("Sở Công Thương", "Sở Công Thương tỉnh"),
                     encoding="utf-8")
    got = web.check(web.ctx_for("2023-08"))
    assert sorted(reads) == [CTX, NNX]
    assert next(s.name for s in got.statuses if s.department == CT) == "Sở Công Thương tỉnh"
    assert _seen(got) == _plain(web)


def test_an_earlier_period_recorded_since_makes_the_intakes_again_without_reading(served):
    app, reads, tmp = served
    web = app.state.web
    before = web.check(web.ctx_for("2023-08"))
    assert "same-as-previous" not in {p.code for p in before.problems}
    # July is recorded with the same figures (another period's acceptances in the store)
    july = pipeline.open_context("2023-07", tmp / "inputs", tmp / "build", tmp / "templates",
                                 tmp / "data" / "baocao.sqlite")
    pipeline.init(july)
    fill(july.period_inputs / CTX, GOOD_VALUES)
    fill(july.period_inputs / NNX, GOOD_VALUES)
    pipeline.check(july)
    reads.clear()
    after = web.check(web.ctx_for("2023-08"))
    assert reads == []   # the files did not change: their readings are kept, their intakes made again
    warned = sorted(p.file for p in after.problems if p.code == "same-as-previous")
    assert warned == [CTX, NNX]
    assert _seen(after) == _plain(web)


def _client(server, name: str) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=120, follow_redirects=True)
    login(c, name)
    return c


def test_an_accepted_upload_is_never_read_again_by_pages_or_other_uploads(served):
    app, reads, tmp = served
    web = app.state.web
    cat = web.ctx_for("2023-08").catalogue
    db = tmp / "data" / "baocao.sqlite"
    create_account(db, "vanphong", PASSWORD, None, cat)
    for code in (CT, NN):
        create_account(db, code, PASSWORD, code, cat)
    folder = tmp / "inputs" / "2023-08"
    sent = (folder / NNX).read_bytes()
    (folder / NNX).unlink()
    with Server(app) as server:
        office, nn, ct = _client(server, "vanphong"), _client(server, NN), _client(server, CT)
        page = office.get("/van-phong/2023-08")
        assert "chưa nộp" in page.text and reads == [CTX]
        reads.clear()
        r = nn.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(nn.get("/don-vi").text)},
                    files={"tep": ("bieu.xlsx", sent)})
        assert "Đã nhận biểu" in r.text
        assert reads == [NNX]   # its own file (staged under its name); Sở Công Thương's was kept
        reads.clear()
        page = office.get("/van-phong/2023-08")
        row = re.search(r"Sở Nông nghiệp.*?</tr>", page.text, re.S).group(0)
        assert "đã nộp" in row and reads == []
        office.get(f"/van-phong/2023-08/don-vi/{NN}")
        nn.get("/don-vi")
        assert reads == []
        # Sở Công Thương sends a corrected file: only that one is read, the accepted one never again
        fill(folder / CTX, {"XNK_TONG": {"E": 331}})
        r = ct.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(ct.get("/don-vi").text)},
                    files={"tep": ("bieu.xlsx", (folder / CTX).read_bytes())})
        assert "Đã nhận biểu" in r.text
        assert reads == [CTX]
        for c in (office, nn, ct):
            c.close()


def docx_text(path: Path) -> str:
    """The report's words as read (a number's non-breaking space as a space)."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)).replace("\u00a0", " ")


def _build(office: httpx.Client) -> httpx.Response:
    r = office.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(office.get("/van-phong/2023-08").text)})
    for _ in range(600):
        if "lap-xong" in r.text or "lap-loi" in r.text:
            return r
        time.sleep(0.2)
        r = office.get(str(r.url))
    raise AssertionError("the build did not finish")


def test_a_web_build_with_nothing_changed_keeps_the_last_one(served):
    app, reads, tmp = served
    web = app.state.web
    cat = web.ctx_for("2023-08").catalogue
    db = tmp / "data" / "baocao.sqlite"
    create_account(db, "vanphong", PASSWORD, None, cat)
    create_account(db, NN, PASSWORD, NN, cat)
    report = tmp / "build" / "2023-08" / "BC-UBND-2023-08.docx"
    with Server(app) as server:
        office, nn = _client(server, "vanphong"), _client(server, NN)
        assert "lap-xong" in _build(office).text
        first = report.read_bytes(), report.stat().st_mtime_ns
        assert versions.numbers(tmp / "build", Period.parse("2023-08")) == [1]
        reads.clear()
        # nothing changed: finished before its progress page is shown, the report and its version as they were
        r = office.post("/van-phong/2023-08/lap-bao-cao",
                        data={"csrf": csrf_of(office.get("/van-phong/2023-08").text)})
        assert "lap-xong" in r.text and "Không có gì thay đổi" in r.text
        assert (report.read_bytes(), report.stat().st_mtime_ns) == first and reads == []
        assert versions.numbers(tmp / "build", Period.parse("2023-08")) == [1]
        # a department sends a corrected workbook: the next build is a new one
        fill(tmp / "inputs" / "2023-08" / NNX, {"NN_TRAU": {"E": 64100}})
        r = nn.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(nn.get("/don-vi").text)},
                    files={"tep": ("bieu.xlsx", (tmp / "inputs" / "2023-08" / NNX).read_bytes())})
        assert "Đã nhận biểu" in r.text
        r = _build(office)
        assert "lap-xong" in r.text and "Không có gì thay đổi" not in r.text
        assert versions.numbers(tmp / "build", Period.parse("2023-08")) == [1, 2]
        assert "64.100" in docx_text(report)
        # the settings change: built again too
        settings = tmp / "templates" / "cai-dat.toml"
        settings.write_text(settings.read_text(encoding="utf-8") + "\n# đổi\n", encoding="utf-8")
        assert "Không có gì thay đổi" not in _build(office).text
        assert versions.numbers(tmp / "build", Period.parse("2023-08")) == [1, 2, 3]
        assert "Không có gì thay đổi" in _build(office).text
        for c in (office, nn):
            c.close()
