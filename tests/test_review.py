"""The review cycle (issue 25): every build kept as a numbered version, what changed between two
versions as data (so-sanh-<P>.json) and as Word tracked changes (so-sanh-<P>.docx, checked by
accepting / rejecting every change in LibreOffice), the office's edits surviving rebuilds."""
from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from .conftest import GOOD_VALUES, ROOT, fill, make_templates, require_program, row_of, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P = "2023-08"


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build(folder: Path, *extra) -> subprocess.CompletedProcess:
    got = run_cli("build", "--period", P, "--inputs", folder / "inputs", "--out", folder / "build", "--db", "",
                  *extra, cwd=folder)
    assert got.returncode == 0, got.stderr[-3000:]
    return got


def part(docx: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx) as z:
        return etree.fromstring(z.read(name))


def paragraphs(root) -> list[str]:
    """Paragraph texts (w:t only: deleted text is w:delText), the empty ones left out."""
    out = []
    for p in root.iter(W + "p"):
        # a number's non-breaking space before its unit read as a space
        text = "".join(t.text or "" for t in p.iter(W + "t")).replace("\u00a0", " ").strip()
        if text:
            out.append(text)
    return out


def set_cell(path: Path, sheet: str, cell: str, value) -> None:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def set_edit(path: Path, section: str, department: str, which: str, text: str, base: str | None = None) -> None:
    """Fill «Văn bản biên tập» of one row of the office's edits file, as a clerk does in Excel."""
    wb = load_workbook(path)
    ws = wb["Biên tập"]
    for r in range(2, ws.max_row + 1):
        if (ws.cell(r, 1).value, ws.cell(r, 2).value, str(ws.cell(r, 3).value)) == (section, department, which):
            ws.cell(r, 5).value = text
            if base is not None:
                ws.cell(r, 4).value = base
            wb.save(path)
            return
    raise KeyError((section, department, which))


# ------------------------------------------------------------------ LibreOffice: accept / reject all

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Changes" script:language="StarBasic">
Sub Resolve(inPath As String, outPath As String, mode As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), &quot;_blank&quot;, 0, args())
  disp = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
  frame = doc.getCurrentController().getFrame()
  If mode = &quot;accept&quot; Then
    disp.executeDispatch(frame, &quot;.uno:AcceptAllTrackedChanges&quot;, &quot;&quot;, 0, Array())
  ElseIf mode = &quot;reject&quot; Then
    disp.executeDispatch(frame, &quot;.uno:RejectAllTrackedChanges&quot;, &quot;&quot;, 0, Array())
  End If
  Dim out(0) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;MS Word 2007 XML&quot;
  doc.storeToURL(ConvertToURL(outPath), out())
  doc.close(True)
End Sub
</script:module>
"""
LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">{}</library:library>
"""
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{}.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
"""


class Office:
    """LibreOffice headless with a profile of its own holding one Basic macro that opens a
    document, accepts or rejects every tracked change (or neither), and saves it as DOCX."""

    def __init__(self, folder: Path):
        self.soffice = require_program("soffice")
        self.profile = folder / "lo-profile"
        # a first start creates the profile; the macro library is written into it afterwards
        subprocess.run([self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
                        "--terminate_after_init"], capture_output=True, timeout=180)
        basic = self.profile / "user" / "basic"
        (basic / "Standard").mkdir(parents=True, exist_ok=True)
        (basic / "Standard" / "Changes.xba").write_text(MACRO, encoding="utf-8")
        (basic / "Standard" / "script.xlb").write_text(
            LIBRARY.format('\n <library:element library:name="Changes"/>\n'), encoding="utf-8")
        (basic / "Standard" / "dialog.xlb").write_text(LIBRARY.format(""), encoding="utf-8")
        (basic / "script.xlc").write_text(CONTAINER.format("script"), encoding="utf-8")
        (basic / "dialog.xlc").write_text(CONTAINER.format("dialog"), encoding="utf-8")

    def resolve(self, src: Path, out: Path, mode: str) -> Path:
        subprocess.run([self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
                        f'macro:///Standard.Changes.Resolve("{src}","{out}","{mode}")'],
                       capture_output=True, timeout=300)
        assert out.is_file(), f"LibreOffice did not write {out}"
        return out

    def texts(self, src: Path, out: Path, mode: str) -> tuple[list, list]:
        """(the body's paragraphs, the footnotes' texts in the order of their references)."""
        got = self.resolve(src, out, mode)
        body, notes = part(got, "word/document.xml"), part(got, "word/footnotes.xml")
        by_id = {n.get(W + "id"): " ".join(paragraphs(n)) for n in notes.iter(W + "footnote")}
        return paragraphs(body), [by_id.get(r.get(W + "id")) for r in body.iter(W + "footnoteReference")]


# ------------------------------------------------------------------------------- the sample

@pytest.fixture
def sample(tmp_path):
    shutil.copytree(ROOT / "inputs" / P, tmp_path / "inputs" / P)
    return tmp_path


def test_two_builds_compared_as_data_and_as_tracked_changes(sample):
    folder = sample
    inputs = folder / "inputs" / P
    build(folder)
    v1 = folder / "build" / P / "lan-lap" / "1"
    kept = {p.name: sha(p) for p in v1.iterdir()}
    first = json.loads((v1 / "figures.json").read_text(encoding="utf-8"))
    old_xk = next(i for i in first["indicators"] if i["code"] == "CT_XK_DP")
    assert old_xk["text"]["cumulative"] == "97"

    # one department's figure, another's narrative (words put into a footnote, a sentence and a
    # footnote added), a third's paragraph (with its footnotes) removed; and an office edit whose markup cites the changed figure
    ws_path = inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(ws_path)
    r = row_of(wb["Chỉ tiêu"], "CT_XK_DP")
    wb["Chỉ tiêu"][f"F{r}"] = 99
    wb.save(ws_path)
    wb = load_workbook(inputs / "so-y-te.xlsx")
    old_health = wb["Thuyết minh"]["B2"].value
    start, end = old_health.index("[["), old_health.index("]]") + 2
    wb["Thuyết minh"]["B2"] = (old_health[:start] + "[[Theo số liệu mới, " + old_health[start + 2:end]
                               + old_health[end:] + " Câu mới thêm[[Chú thích mới thêm.]].")
    wb.save(inputs / "so-y-te.xlsx")
    wb = load_workbook(inputs / "so-van-hoa.xlsx")
    assert wb["Thuyết minh"]["A3"].value == "II.2"
    wb["Thuyết minh"]["A3"] = None
    wb["Thuyết minh"]["B3"] = None
    wb.save(inputs / "so-van-hoa.xlsx")
    got = run_cli("bien-tap", "--period", P, "--inputs", folder / "inputs", "--out", folder / "build", "--db", "",
                  cwd=folder)
    assert got.returncode == 0, got.stderr
    edits = folder / "bien-tap" / f"{P}.xlsx"
    set_edit(edits, "II.2", "so-giao-duc", "1", "Văn phòng biên tập: xuất khẩu địa phương lũy kế {CT_XK_DP:luyke} "
             "triệu USD, *đạt* {CT_XK_DP:dat} kế hoạch.")
    build(folder)

    # two versions listed; the first untouched and read-only
    listed = run_cli("lan-lap", "--period", P, "--out", folder / "build", "--db", "", cwd=folder)
    assert listed.returncode == 0, listed.stderr
    assert "Lần 1:" in listed.stdout and "Lần 2:" in listed.stdout and "Lần 3" not in listed.stdout
    assert {p.name: sha(p) for p in v1.iterdir()} == kept
    assert all(not (p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) for p in v1.iterdir())
    v2 = folder / "build" / P / "lan-lap" / "2"
    meta2 = json.loads((v2 / "lan-lap.json").read_text(encoding="utf-8"))
    assert (v2 / meta2["files"]["docx"]).read_bytes() == (folder / "build" / P / meta2["files"]["docx"]).read_bytes()
    assert meta2["edits"] == ["II.2/so-giao-duc/1"] and (v2 / f"bien-tap-{P}.xlsx").read_bytes() == edits.read_bytes()
    assert {s["department"]: s.get("sha256") for s in meta2["submissions"]}["so-cong-thuong"] == sha(ws_path)

    got = run_cli("so-sanh", "--period", P, "--out", folder / "build", "--db", "", cwd=folder)
    assert got.returncode == 0, got.stderr
    assert "CT_XK_DP" in got.stdout and "97 → 99" in got.stdout
    doc = json.loads((folder / "build" / P / f"so-sanh-{P}.json").read_text(encoding="utf-8"))
    assert (doc["from"]["number"], doc["to"]["number"]) == (1, 2)
    assert [f["code"] for f in doc["figures"]] == ["CT_XK_DP"]
    fig = doc["figures"][0]
    change = {c["measure"]: (c["old"], c["new"]) for c in fig["changes"]}
    assert change["cumulative"] == ("97", "99")
    assert change["pct_plan"][0] == old_xk["text"]["pct_plan"] and change["pct_plan"][1] != change["pct_plan"][0]
    assert fig["submission"]["department"] == "so-cong-thuong"
    assert fig["submission"]["file"] == "so-cong-thuong.xlsx" and fig["submission"]["sha256"] == sha(ws_path)
    assert fig["submission"]["time"]
    paras = {p["key"]: p for p in doc["paragraphs"]}
    assert paras["II.2/so-y-te/1"]["change"] == "changed" and "Câu mới thêm" in paras["II.2/so-y-te/1"]["new"]
    assert paras["II.2/so-van-hoa/1"]["change"] == "removed"
    edited = paras["II.2/so-giao-duc/1"]
    assert edited["change"] == "changed" and edited["new"].replace("\u00a0", " ").startswith(
        "Văn phòng biên tập: xuất khẩu địa phương lũy kế 99 triệu USD, đạt ")
    notes = [n for n in doc["footnotes"] if n["department"] == "so-y-te"]
    assert any(n.get("new") == "Chú thích mới thêm." for n in notes)
    assert any(n["change"] == "changed" and n["new"].startswith("Theo số liệu mới, ") for n in notes)
    # nothing else changed: kkt's narrative prints CT_XK_DP; the figures the removed and rewritten
    # paragraphs no longer cite come back as automatic sentences
    assert all(p["department"] in ("so-y-te", "so-van-hoa", "so-giao-duc", "ban-quan-ly-kkt")
               or (p["department"] == "tự động" and p["change"] == "added") for p in doc["paragraphs"])

    # the tracked changes: w:ins / w:del by «baocao» at the newer build's time, in body and footnotes
    redline = folder / "build" / P / f"so-sanh-{P}.docx"
    body, foot = part(redline, "word/document.xml"), part(redline, "word/footnotes.xml")
    for root in (body, foot):
        marks = list(root.iter(W + "ins")) + list(root.iter(W + "del"))
        assert root.find(f".//{W}ins") is not None or root.find(f".//{W}del") is not None
        assert {m.get(W + "author") for m in marks} == {"baocao"}
        assert {m.get(W + "date") for m in marks} == {meta2["time"]}
    assert body.find(f".//{W}ins") is not None and body.find(f".//{W}del") is not None
    deleted = "".join(t.text for t in body.iter(W + "delText"))
    assert "97" in deleted and "Văn phòng biên tập" not in deleted

    # accepting every change gives the newer report's text, rejecting every change the older one's
    office = Office(folder)
    v1_docx, v2_docx = v1 / meta2["files"]["docx"], v2 / meta2["files"]["docx"]
    newer = office.texts(v2_docx, folder / "newer.docx", "none")
    older = office.texts(v1_docx, folder / "older.docx", "none")
    assert newer != older
    assert office.texts(redline, folder / "accepted.docx", "accept") == newer
    assert office.texts(redline, folder / "rejected.docx", "reject") == older


# -------------------------------------------------------------------- the office's edits

@pytest.fixture
def small_office(tmp_path):
    templates = make_templates(tmp_path / "templates")
    got = run_cli("init", "--period", P, "--inputs", tmp_path / "inputs", "--templates", templates, "--db", "",
                  cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    return tmp_path


def small_run(folder: Path, *args):
    return run_cli(*args, "--period", P, "--inputs", folder / "inputs", "--out", folder / "build",
                   "--templates", folder / "templates", "--db", "", cwd=folder)


def body_text(folder: Path) -> str:
    return "\n".join(paragraphs(part(folder / "build" / P / f"BC-UBND-{P}.docx", "word/document.xml")))


def test_department_changes_a_paragraph_the_office_edited(small_office):
    folder = small_office
    inputs = folder / "inputs" / P
    fill(inputs / "so-cong-thuong.xlsx", GOOD_VALUES, [("II.1.2", "Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD.")])
    fill(inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert small_run(folder, "bien-tap").returncode == 0
    edits = folder / "bien-tap" / f"{P}.xlsx"
    set_edit(edits, "II.1.2", "so-cong-thuong", "1", "Văn phòng: kim ngạch đạt {XNK_TONG:luyke} triệu USD.")
    got = small_run(folder, "build")
    assert got.returncode == 0, got.stderr
    assert "edit-stale" not in got.stdout and "sau khi văn phòng biên tập" not in got.stdout
    assert "Văn phòng: kim ngạch đạt 2.945 triệu USD." in body_text(folder)
    assert "Kim ngạch lũy kế" not in body_text(folder)

    # the department corrects its paragraph and its figure after the office's edit
    set_cell(inputs / "so-cong-thuong.xlsx", "Thuyết minh", "B2", "Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD, vượt dự kiến.")
    wb = load_workbook(inputs / "so-cong-thuong.xlsx")
    wb["Chỉ tiêu"][f"F{row_of(wb['Chỉ tiêu'], 'XNK_TONG')}"] = 3000
    wb.save(inputs / "so-cong-thuong.xlsx")
    got = small_run(folder, "build")
    assert got.returncode == 0, got.stderr
    warned = [line for line in got.stdout.splitlines() if "sau khi văn phòng biên tập" in line]
    assert len(warned) == 1, got.stdout
    line = warned[0]
    assert "Sở Công Thương" in line and "II.1.2" in line
    assert "«Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD, vượt dự kiến.»" in line        # the department's new text
    assert "«Văn phòng: kim ngạch đạt {XNK_TONG:luyke} triệu USD.»" in line            # the office's edit
    # the edit is still printed (never dropped silently), its markup live: the corrected figure flows
    assert "Văn phòng: kim ngạch đạt 3.000 triệu USD." in body_text(folder)
    meta = json.loads((folder / "build" / P / "lan-lap" / "2" / "lan-lap.json").read_text(encoding="utf-8"))
    assert meta["edits"] == ["II.1.2/so-cong-thuong/1"]
    model = json.loads((folder / "build" / P / "lan-lap" / "2" / "doan-van.json").read_text(encoding="utf-8"))
    para = next(p for p in model["paragraphs"] if p["key"] == "II.1.2/so-cong-thuong/1")
    assert para["edited"] and para["department_source"].endswith("vượt dự kiến.")

    # the office settles it (the department's text it now edits is recorded): no warning any more
    set_edit(edits, "II.1.2", "so-cong-thuong", "1", "Văn phòng: kim ngạch đạt {XNK_TONG:luyke} triệu USD, vượt dự kiến.",
             base="Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD, vượt dự kiến.")
    got = small_run(folder, "build")
    assert got.returncode == 0 and "sau khi văn phòng biên tập" not in got.stdout, got.stdout
    assert "Văn phòng: kim ngạch đạt 3.000 triệu USD, vượt dự kiến." in body_text(folder)


def test_an_automatic_sentence_edited_and_an_edit_with_a_markup_error(small_office):
    folder = small_office
    inputs = folder / "inputs" / P
    fill(inputs / "so-cong-thuong.xlsx", GOOD_VALUES)
    fill(inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert small_run(folder, "bien-tap").returncode == 0
    edits = folder / "bien-tap" / f"{P}.xlsx"
    rows = list(load_workbook(edits)["Biên tập"].iter_rows(values_only=True))
    assert ("II.1.1", "tự động", "NN_TRAU") in [tuple(r[:3]) for r in rows]
    set_edit(edits, "II.1.1", "tự động", "NN_TRAU", "Tổng đàn trâu hiện có {NN_TRAU} con.")
    got = small_run(folder, "build")
    assert got.returncode == 0, got.stderr
    text = body_text(folder)
    assert "Tổng đàn trâu hiện có 64.075 con." in text and "Đàn trâu: " not in text
    assert "Cuộc họp: " in text   # the other automatic sentence is untouched

    set_edit(edits, "II.1.1", "tự động", "NN_TRAU", "Tổng đàn trâu {KHONG_CO} con.")
    before = (folder / "build" / P / f"BC-UBND-{P}.docx").read_bytes()
    got = small_run(folder, "build")
    assert got.returncode == 1
    assert f"bien-tap/{P}.xlsx" in got.stderr and "KHONG_CO" in got.stderr
    assert (folder / "build" / P / f"BC-UBND-{P}.docx").read_bytes() == before
    assert sorted(p.name for p in (folder / "build" / P / "lan-lap").iterdir()) == ["1"]


def test_so_sanh_needs_two_versions(small_office):
    folder = small_office
    fill(folder / "inputs" / P / "so-cong-thuong.xlsx", GOOD_VALUES)
    fill(folder / "inputs" / P / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert small_run(folder, "build").returncode == 0
    got = small_run(folder, "so-sanh")
    assert got.returncode == 3 and "cần ít nhất hai lần lập" in got.stderr
    assert small_run(folder, "build").returncode == 0
    got = small_run(folder, "so-sanh", "--tu", "1", "--den", "2")
    assert got.returncode == 0, got.stderr
    doc = json.loads((folder / "build" / P / f"so-sanh-{P}.json").read_text(encoding="utf-8"))
    assert doc["figures"] == [] and doc["paragraphs"] == [] and doc["footnotes"] == []
    body = part(folder / "build" / P / f"so-sanh-{P}.docx", "word/document.xml")
    assert body.find(f".//{W}ins") is None and body.find(f".//{W}del") is None
    assert small_run(folder, "so-sanh", "--tu", "1", "--den", "7").returncode == 3


# ------------------------------------------------------------------------------ the web pages

def test_office_web_versions_comparison_and_edits(tmp_path):
    import re
    import time

    from starlette.testclient import TestClient

    from .web_helpers import csrf_of, login, web_setup
    app, config = web_setup(tmp_path, remove=())

    def build_on(client) -> None:
        page = client.get("/van-phong/2023-08")
        r = client.post("/van-phong/2023-08/lap-bao-cao", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        for _ in range(600):
            state = client.get(r.headers["location"])
            if "lap-xong" in state.text or "lap-loi" in state.text:
                break
            time.sleep(0.1)
        assert "Đã lập báo cáo" in state.text

    with TestClient(app) as office:
        login(office, "vanphong")
        assert "Chưa có lần lập nào" in office.get("/van-phong/2023-08").text
        build_on(office)
        page = office.get("/van-phong/2023-08").text
        assert 'id="lan-1"' in page and "vanphong" in page.split('id="lan-1"')[1][:400]
        assert 'id="so-sanh"' not in page   # one version: nothing to compare yet
        assert "cần ít nhất hai lần lập" in office.get("/van-phong/2023-08/so-sanh").text

        # the «Biên tập» page of section II.2: the office rewrites Sở Giáo dục's paragraph, markup live
        home = office.get("/van-phong/2023-08/bien-tap")
        assert home.status_code == 200 and 'id="muc-II.2"' in home.text
        section = office.get("/van-phong/2023-08/bien-tap/II.2")
        assert 'id="doan-II.2-so-giao-duc-1"' in section.text
        text = "Văn phòng viết lại: xuất khẩu địa phương lũy kế {CT_XK_DP:luyke} triệu USD."
        r = office.post("/van-phong/2023-08/bien-tap/II.2", data={"csrf": csrf_of(section.text), "doan": "II.2/so-giao-duc/1",
                                                                 "van_ban": text}, follow_redirects=False)
        assert r.status_code == 303
        edits = load_workbook(tmp_path / "bien-tap" / "2023-08.xlsx")["Biên tập"]
        row = next(r for r in edits.iter_rows(values_only=True) if r[:3] == ("II.2", "so-giao-duc", "1"))
        assert row[4] == text and row[5] == "vanphong" and row[3].startswith("Triển khai nhiệm vụ năm học")
        assert "đã biên tập" in office.get("/van-phong/2023-08/bien-tap/II.2").text.split('id="doan-II.2-so-giao-duc-1"')[1][:800]
        assert office.post("/van-phong/2023-08/bien-tap/II.2", data={"csrf": "sai", "doan": "II.2/so-giao-duc/1",
                                                                     "van_ban": "x"}).status_code == 403

        # a department's corrected figure, then a second build: the comparison as a table and as tracked changes
        path = config.inputs / "2023-08" / "so-cong-thuong.xlsx"
        wb = load_workbook(path)
        wb["Chỉ tiêu"][f"F{row_of(wb['Chỉ tiêu'], 'CT_XK_DP')}"] = 99
        wb.save(path)
        build_on(office)
        page = office.get("/van-phong/2023-08").text
        assert 'id="lan-2"' in page and 'id="so-sanh"' in page
        cmp = office.get("/van-phong/2023-08/so-sanh")
        assert cmp.status_code == 200
        rows = re.findall(r'<tr class="thay-doi-([A-Z_0-9]+)">', cmp.text)
        assert set(rows) == {"CT_XK_DP"}
        first = cmp.text.split('class="thay-doi-CT_XK_DP"')[1][:600]
        assert "<td>97</td><td>99</td>" in first and "so-cong-thuong.xlsx" in first
        assert "Văn phòng viết lại: xuất khẩu địa phương lũy kế 99 triệu USD." in cmp.text.replace("\u00a0", " ")   # NBSP before the unit
        docx = office.get("/van-phong/2023-08/so-sanh.docx")
        assert docx.status_code == 200 and docx.content[:2] == b"PK"
        (tmp_path / "so-sanh.docx").write_bytes(docx.content)
        body = part(tmp_path / "so-sanh.docx", "word/document.xml")
        assert body.find(f".//{W}ins") is not None and body.find(f".//{W}del") is not None
        old = office.get("/van-phong/2023-08/lan-lap/1/bao-cao.docx")
        assert old.status_code == 200
        assert old.content == (config.out / "2023-08" / "lan-lap" / "1" / f"BC-UBND-{P}.docx").read_bytes()
        assert office.get("/van-phong/2023-08/lan-lap/9/bao-cao.docx").status_code == 404


def test_an_edit_follows_its_paragraph_when_the_department_adds_one_before_it(small_office):
    folder = small_office
    inputs = folder / "inputs" / P
    fill(inputs / "so-cong-thuong.xlsx", GOOD_VALUES, [("II.1.2", "Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD."),
                                                       ("II.1.2", "Xuất khẩu {XNK_XK:luyke} triệu USD.")])
    fill(inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert small_run(folder, "bien-tap").returncode == 0
    edits = folder / "bien-tap" / f"{P}.xlsx"
    set_edit(edits, "II.1.2", "so-cong-thuong", "2", "Văn phòng: xuất khẩu đạt {XNK_XK:luyke} triệu USD.")
    assert small_run(folder, "build").returncode == 0
    # the department puts a new paragraph first: its paragraphs are now 1 (new), 2, 3
    fill(inputs / "so-cong-thuong.xlsx", None, [("II.1.2", "Đoạn mới của sở đặt lên đầu."),
                                                ("II.1.2", "Kim ngạch lũy kế {XNK_TONG:luyke} triệu USD."),
                                                ("II.1.2", "Xuất khẩu {XNK_XK:luyke} triệu USD.")])
    got = small_run(folder, "build")
    assert got.returncode == 0, got.stderr
    assert "sau khi văn phòng biên tập" not in got.stdout and "không được in" not in got.stdout, got.stdout
    text = body_text(folder)
    assert text.count("Văn phòng: xuất khẩu đạt 1.620 triệu USD.") == 1
    assert "Xuất khẩu 1.620" not in text and "Đoạn mới của sở đặt lên đầu." in text
    assert small_run(folder, "so-sanh").returncode == 0
    doc = json.loads((folder / "build" / P / f"so-sanh-{P}.json").read_text(encoding="utf-8"))
    assert [(p["change"], p.get("new")) for p in doc["paragraphs"]] == [("added", "Đoạn mới của sở đặt lên đầu.")]
    # the office's file, written again, shows the edit at the paragraph it now applies to
    assert small_run(folder, "bien-tap").returncode == 0
    rows = {tuple(r[:3]): r for r in load_workbook(edits)["Biên tập"].iter_rows(values_only=True)}
    assert rows[("II.1.2", "so-cong-thuong", "3")][4] == "Văn phòng: xuất khẩu đạt {XNK_XK:luyke} triệu USD."
    assert not rows[("II.1.2", "so-cong-thuong", "2")][4] and not rows[("II.1.2", "so-cong-thuong", "1")][4]
    # an edit citing a figure that cannot be computed is warned about like a department's text
    set_edit(edits, "II.1.2", "so-cong-thuong", "3", "Văn phòng: chỉ số {CSSX:dat}.")
    got = small_run(folder, "build")
    said = [line for line in (got.stdout + got.stderr).splitlines() if "Bản biên tập đoạn 3" in line]
    assert said and all("CSSX" in line and "không được in" not in line for line in said), got.stdout + got.stderr
