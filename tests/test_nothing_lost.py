"""Submitted content is never dropped without a word (issue 21, points 3–7 and 17): a second
history import adds to a period, an import is checked like a workbook, a corrected earlier
month in its folder is used, a replaced folder file is archived, a build knows which
submissions it read, and ``init`` takes each plan value from wherever it is known."""
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator import pipeline

from .conftest import GOOD_VALUES, fill, make_templates, row_of, run_cli


@pytest.fixture
def office(tmp_path):
    """An office folder with the small catalogue; commands run inside it like a clerk's."""
    make_templates(tmp_path / "templates")
    for name in ("inputs", "data", "build"):
        (tmp_path / name).mkdir()
    return tmp_path


def cli(office, *args):
    return run_cli(*args, "--templates", office / "templates", "--db", office / "data" / "baocao.sqlite",
                   *(("--inputs", office / "inputs", "--out", office / "build") if args[0] not in (
                       "import-history", "history") else ()), cwd=office)


def history_file(office, name: str, rows: list) -> Path:
    """An import-history workbook made by the real ``--template``, filled with rows
    [period, code, plan, month, cumulative] as an office would type them."""
    path = office / name
    assert cli(office, "import-history", path, "--template").returncode == 0
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    for period, code, plan, month, cum, *more in rows:
        r = code_row(ws, code)
        if ws.cell(r, 1).value:       # the template has one row per indicator: a second period is a new row
            r = ws.max_row + 1
            ws.cell(r, 2).value = code
        ws.cell(r, 1).value = period
        for col, v in {"E": plan, "F": month, "G": cum, **(more[0] if more else {})}.items():
            ws[f"{col}{r}"] = v
    wb.save(path)
    return path


def code_row(ws, code: str) -> int:
    """The row of an indicator in an import-history sheet (its code in column B)."""
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == code)


def store_rows(office) -> list:
    with sqlite3.connect(office / "data" / "baocao.sqlite") as c:
        return [c.execute("SELECT * FROM submission ORDER BY revision").fetchall(),
                c.execute("SELECT * FROM value ORDER BY revision, indicator, measure").fetchall(),
                c.execute("SELECT * FROM acceptance ORDER BY id").fetchall()]


def history_row(stdout: str, period: str) -> list:
    line = next(ln for ln in stdout.splitlines() if ln.startswith(period))
    return line.split()


# ---- point 3: a second import of the same period and department adds, never replaces ----

def test_a_second_history_file_of_a_period_adds_to_it(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729),
                                                ("2022-08", "XNK_XK", None, 90, 433)])
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_NK", 2000, 210, 1296)])
    assert cli(office, "import-history", first).returncode == 0
    proc = cli(office, "import-history", second)
    assert proc.returncode == 0, proc.stderr
    assert "gộp" in proc.stdout
    # every value of both files is the period's
    for code, month, cum in (("XNK_TONG", "300", "1.729"), ("XNK_XK", "90", "433"), ("XNK_NK", "210", "1.296")):
        shown = cli(office, "history", code)
        assert shown.returncode == 0, shown.stderr
        row = history_row(shown.stdout, "2022-08")
        assert month in row and cum in row, (code, shown.stdout)
    # a new period's blanks carry last year's values of both files
    assert cli(office, "init", "--period", "2023-08").returncode == 0
    ws = load_workbook(office / "inputs" / "2023-08" / "so-cong-thuong.xlsx")["Chỉ tiêu"]
    got = {code: (ws[f"G{row_of(ws, code)}"].value, ws[f"H{row_of(ws, code)}"].value)
           for code in ("XNK_TONG", "XNK_XK", "XNK_NK")}
    assert got == {"XNK_TONG": (300, 1729), "XNK_XK": (90, 433), "XNK_NK": (210, 1296)}
    # the same files again add nothing
    before = store_rows(office)
    for f in (first, second):
        again = cli(office, "import-history", f)
        assert again.returncode == 0 and "Không có gì mới" in again.stdout
    assert store_rows(office) == before


def test_a_value_given_twice_with_another_number_names_both_and_writes_nothing(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729)])
    assert cli(office, "import-history", first).returncode == 0
    before = store_rows(office)
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_TONG", 3000, 301, None),
                                                 ("2022-08", "XNK_NK", 2000, 210, 1296)])
    proc = cli(office, "import-history", second)
    assert proc.returncode == 1
    ws = load_workbook(second)["Chỉ tiêu"]
    r1, r2 = code_row(load_workbook(first)["Chỉ tiêu"], "XNK_TONG"), code_row(ws, "XNK_TONG")
    msg = next(ln for ln in proc.stderr.splitlines() if "XNK_TONG" in ln and "hai lần" in ln)
    assert f"ls-2.xlsx!Chỉ tiêu!F{r2}" in msg and f"ls-1.xlsx!Chỉ tiêu!F{r1}" in msg
    assert "301" in msg and "300" in msg
    assert store_rows(office) == before


def test_an_import_never_changes_a_period_whose_workbook_is_in_its_folder(office):
    ctx = pipeline.open_context("2023-08", office / "inputs", office / "build", office / "templates",
                                office / "data" / "baocao.sqlite")
    pipeline.init(ctx)
    fill(ctx.period_inputs / "so-cong-thuong.xlsx", {**GOOD_VALUES, "XNK_NK": {"D": 2500, "E": 148, "F": 1325}})
    fill(ctx.period_inputs / "so-nong-nghiep.xlsx", GOOD_VALUES)
    assert not pipeline.check(ctx).has_errors
    before = store_rows(office)
    # the same numbers and one the workbook left blank (last year's month)
    extra = history_file(office, "them.xlsx", [("2023-08", "XNK_NK", 2500, 148, 1325, {"H": 210})])
    proc = cli(office, "import-history", extra)
    assert proc.returncode == 1 and "2023-08/so-cong-thuong.xlsx" in proc.stderr
    assert store_rows(office) == before


# ---- point 17: an import runs the checks of `check` and refuses, writing nothing ----

def test_import_history_refuses_what_check_refuses(office):
    ok = history_file(office, "ok.xlsx", [("2022-07", "XNK_TONG", 3000, 280, 1400)])
    assert cli(office, "import-history", ok).returncode == 0
    before = store_rows(office)
    bad = history_file(office, "sai.xlsx", [("2022-08", "XNK_TONG", 3000, -5, 1395),          # negative
                                            ("2022-08", "NN_HOP", None, Decimal("2.5"), 16),   # not an integer
                                            ("2022-08", "XNK_XK", 1300, 182, 100)])           # cumulative < month
    proc = cli(office, "import-history", bad)
    assert proc.returncode == 1, proc.stdout
    ws = load_workbook(bad)["Chỉ tiêu"]
    lines = proc.stderr.splitlines()

    def line_at(cell):
        return next((ln for ln in lines if f"Chỉ tiêu!{cell} " in ln), "")
    assert "số âm" in line_at(f"F{code_row(ws, 'XNK_TONG')}")
    assert "số nguyên" in line_at(f"F{code_row(ws, 'NN_HOP')}")
    assert "nhỏ hơn" in line_at(f"G{code_row(ws, 'XNK_XK')}")
    assert "chưa ghi gì" in proc.stderr
    assert store_rows(office) == before


def test_an_imported_part_is_checked_with_what_the_period_already_holds(office):
    first = history_file(office, "ls-1.xlsx", [("2022-08", "XNK_TONG", 3000, 300, None)])
    assert cli(office, "import-history", first).returncode == 0
    before = store_rows(office)
    second = history_file(office, "ls-2.xlsx", [("2022-08", "XNK_TONG", None, None, 250)])
    proc = cli(office, "import-history", second)
    assert proc.returncode == 1 and "nhỏ hơn số thực hiện tháng (300)" in proc.stderr
    assert store_rows(office) == before


# ---- point 7: init takes each prefilled value from wherever it is known ----

def test_init_takes_each_value_from_the_store_or_else_the_earlier_workbooks(office):
    # last year's August is known only from an imported history, with XNK_TONG's plan of
    # this year's June; this year's July is a workbook never recorded (no check was run)
    imported = history_file(office, "ls.xlsx", [("2022-08", "XNK_TONG", 3000, 300, 1729),
                                                 ("2023-06", "XNK_TONG", 3700, 250, 2300, {"H": 240, "I": 1400})])
    assert cli(office, "import-history", imported).returncode == 0
    jul = pipeline.open_context("2023-07", office / "inputs", office / "build", office / "templates", None)
    pipeline.init(jul)
    july = {k: {c: v for c, v in cols.items() if c in "DEF"} for k, cols in GOOD_VALUES.items()}
    july["XNK_TONG"]["D"] = 3800
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(jul.period_inputs / name, july)
    assert cli(office, "init", "--period", "2023-08").returncode == 0
    ws = load_workbook(office / "inputs" / "2023-08" / "so-cong-thuong.xlsx")["Chỉ tiêu"]

    def cells(code):
        r = row_of(ws, code)
        return ws[f"D{r}"].value, ws[f"G{r}"].value, ws[f"H{r}"].value
    assert cells("XNK_TONG") == (3700, 300, 1729)        # all three from the store (the store first)
    assert cells("XNK_XK") == (1300, None, None)          # the plan the July workbook carries
    assert cells("XNK_NK") == (2500, None, None)


# ---- point 4 and 6: a corrected earlier month in its folder; what a build read ----

def one_indicator_office(tmp_path):
    from .conftest import HEADER
    make_templates(tmp_path / "templates", HEADER + "\nQ_XK,Kim ngạch xuất khẩu,triệu USD,so-a,cộng dồn,0,0,1,1,,,,,,,,,,"
                   "II.1.2\n", "Mã đơn vị,Tên đơn vị\nso-a,Sở Công Thương\n")
    for name in ("inputs", "data", "build"):
        (tmp_path / name).mkdir()
    return tmp_path


def month_workbook(office, period: str, month, cum, narrative=None) -> Path:
    """The department's workbook of a period, made by the real ``init`` and filled in."""
    path = office / "inputs" / period / "so-a.xlsx"
    if not path.exists():
        assert cli(office, "init", "--period", period).returncode == 0
    fill(path, {"Q_XK": {"E": month, "F": cum}}, narrative)
    return path


def docx_text(path: Path) -> str:
    import re
    import zipfile
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    # the words as read: a number's non-breaking space before its unit read as a space
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)).replace("\u00a0", " ")


def pct(new, old) -> str:
    from generator.vi_numbers import format_number
    return format_number((Decimal(new) / Decimal(old) - 1) * 100, 1) + "%"


def test_a_corrected_earlier_month_in_its_folder_is_used_by_the_quarter_and_month_on_month(tmp_path):
    office = one_indicator_office(tmp_path)
    ly = history_file(office, "ls.xlsx", [("2023-04", "Q_XK", None, 170, 370), ("2023-05", "Q_XK", None, 190, 560),
                                          ("2023-06", "Q_XK", None, 180, 740)])
    assert cli(office, "import-history", ly).returncode == 0
    month_workbook(office, "2024-04", 100, 400)
    assert cli(office, "build", "--period", "2024-04").returncode == 0
    may = month_workbook(office, "2024-05", 200, 600)
    assert cli(office, "build", "--period", "2024-05").returncode == 0
    may_manifest = json.loads((office / "build" / "2024-05" / "lap-bao-cao.json").read_text(encoding="utf-8"))
    # the department's corrected May, put in the May folder by the clerk
    fill(may, {"Q_XK": {"E": 250, "F": 650}})
    month_workbook(office, "2024-06", 300, 950, [("II.1.2", "Xuất khẩu tháng 6 {Q_XK:tang_tt}; quý II đạt {Q_XK:quy} "
                                                              "triệu USD, {Q_XK:tang_quy}.")])
    proc = cli(office, "build", "--period", "2024-06")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr
    assert "2024-05/so-a.xlsx" in said and "lập lại" in said
    figures = json.loads((office / "build" / "2024-06" / "figures.json").read_text(encoding="utf-8"))
    q = figures["indicators"][0]
    assert q["values"]["month_previous"] == 250 and q["values"]["quarter"] == 100 + 250 + 300
    text = docx_text(office / "build" / "2024-06" / "BC-UBND-2024-06.docx")
    assert f"tăng {pct(300, 250)} so với tháng trước" in text
    assert f"{100 + 250 + 300} triệu USD, tăng {pct(650, 170 + 190 + 180)} so với cùng kỳ" in text
    # May's report, built from the number since corrected, is older than its submissions
    ctx_may = pipeline.open_context("2024-05", office / "inputs", office / "build", office / "templates",
                                    office / "data" / "baocao.sqlite")
    assert [(c["period"], c["department"]) for c in pipeline.changed_inputs(ctx_may, may_manifest)] == \
        [("2024-05", "so-a")]
    ctx_jun = pipeline.for_period(ctx_may, ctx_may.period.next())
    june = json.loads((office / "build" / "2024-06" / "lap-bao-cao.json").read_text(encoding="utf-8"))
    assert pipeline.changed_inputs(ctx_jun, june) == []
    # a second correction of May recorded by its own check: June is stale too
    fill(may, {"Q_XK": {"E": 260, "F": 660}})
    assert cli(office, "check", "--period", "2024-05").returncode == 0
    assert ("2024-05", "so-a") in [(c["period"], c["department"]) for c in pipeline.changed_inputs(ctx_jun, june)]
    stale = cli(office, "check", "--period", "2024-06")
    assert "Báo cáo kỳ 2024-06" in stale.stdout and "cũ hơn biểu: Sở Công Thương (kỳ 2024-05)" in stale.stdout
    # a corrected May with an error is named, and June is not built from the stored number
    fill(may, {"Q_XK": {"E": "khoảng 270"}})
    proc = cli(office, "build", "--period", "2024-06")
    assert proc.returncode == 1
    assert any("2024-05/so-a.xlsx" in ln and "có 1 lỗi" in ln for ln in (proc.stdout + proc.stderr).splitlines())


# ---- points 5 and 6 on the web: a replaced folder file is kept; an upload during a build ----

def web_office(tmp_path):
    from .web_helpers import web_setup
    return web_setup(tmp_path, remove=())


def test_a_folder_file_an_upload_replaces_is_archived_with_its_record(tmp_path):
    import io

    from starlette.testclient import TestClient

    from .conftest import ROOT
    from .web_helpers import csrf_of, login
    app, config = web_office(tmp_path)
    dept = "so-cong-thuong"
    sample = (ROOT / "inputs" / "2023-08" / f"{dept}.xlsx").read_bytes()
    # the e-mailed version the office copied into the folder: one bad cell, one text only it has
    wb = load_workbook(io.BytesIO(sample))
    wb["Chỉ tiêu"]["E2"] = "14,5,3"
    text = wb["Thuyết minh"]
    text.cell(text.max_row + 1, 1).value = "II.1.3"
    text.cell(text.max_row, 2).value = "Đoạn chỉ có trong bản gửi qua thư."
    buf = io.BytesIO()
    wb.save(buf)
    emailed = buf.getvalue()
    target = config.inputs / "2023-08" / f"{dept}.xlsx"
    target.write_bytes(emailed)
    with TestClient(app) as office, TestClient(app) as client:
        login(office, "vanphong")
        assert "14,5,3" in office.get(f"/van-phong/2023-08/don-vi/{dept}").text
        login(client, dept)
        sent = client.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(client.get("/don-vi").text)},
                           files={"tep": ("bieu.xlsx", sample, "application/octet-stream")})
        assert "Đã nhận biểu" in sent.text
        assert target.read_bytes() == sample
        import hashlib
        sha = hashlib.sha256(emailed).hexdigest()
        kept = config.db.parent / "ban-nop" / "2023-08" / dept / f"{sha}.xlsx"
        assert kept.read_bytes() == emailed
        record = json.loads(kept.with_suffix(".json").read_text(encoding="utf-8"))
        from generator import store as storage
        with storage.open_store(config.db) as store:
            upload_id = storage.web.uploads(store, "2023-08", dept)[0]["id"]
        assert record["origin"] == "thu-muc" and record["errors"] == 1 and record["replaced_by_upload"] == upload_id
        # the office sees it and opens what the department e-mailed
        page = office.get(f"/van-phong/2023-08/don-vi/{dept}").text
        link = page.split('id="ban-thay"')[1].split('href="')[1].split('"')[0]
        got = office.get(link)
        assert got.status_code == 200 and got.content == emailed
        # a department cannot
        assert client.get(link).status_code == 403
    # the command line lists it
    proc = run_cli("submissions", "--period", "2023-08", "--db", config.db, cwd=tmp_path)
    assert proc.returncode == 0 and sha in proc.stdout and "có 1 lỗi" in proc.stdout


def test_an_upload_accepted_while_the_build_reads_makes_the_report_older_than_the_submissions(tmp_path, monkeypatch):
    from starlette.testclient import TestClient

    from generator import store as storage

    from .conftest import ROOT
    from .web_helpers import csrf_of, login
    app, config = web_office(tmp_path)
    dept = "so-cong-thuong"
    ctx = pipeline.open_context("2023-08", config.inputs, config.out, None, config.db)
    sample = (ROOT / "inputs" / "2023-08" / f"{dept}.xlsx").read_bytes()
    wb = load_workbook(config.inputs / "2023-08" / f"{dept}.xlsx")
    text = wb["Thuyết minh"]
    text.cell(text.max_row + 1, 1).value = "II.1.3"
    text.cell(text.max_row, 2).value = "Đoạn gửi khi văn phòng đang lập báo cáo."
    late = tmp_path / "late.xlsx"
    wb.save(late)
    with TestClient(app) as office, TestClient(app) as client:
        login(office, "vanphong")
        login(client, dept)
        sent = []

        def progress(i, n, name):   # every workbook has been read: the department sends its new one
            if not sent:
                r = client.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(client.get("/don-vi").text)},
                                files={"tep": ("bieu.xlsx", late.read_bytes(), "application/octet-stream")})
                sent.append(r)
        pipeline.build(ctx, progress=progress)
        assert "Đã nhận biểu" in sent[0].text
        # the upload stays the current submission: the build never records its older read over it
        with storage.open_store(config.db) as store:
            cur = storage.submissions.current(store, "2023-08", dept)
            sha = storage.submissions.revisions(store, "2023-08", dept)
        import hashlib
        assert next(r[2] for r in sha if r[0] == cur.revision) == hashlib.sha256(late.read_bytes()).hexdigest()
        manifest = json.loads((config.out / "2023-08" / "lap-bao-cao.json").read_text(encoding="utf-8"))
        assert manifest["inputs"]["2023-08"][dept] == hashlib.sha256(sample).hexdigest()
        assert manifest["read_at"] <= manifest["time"]
        page = office.get("/van-phong/2023-08").text
        assert 'id="cu-hon-bieu"' in page and "Sở Công Thương" in page.split('id="cu-hon-bieu"')[1].split("</p>")[0]
        # the office's own build through the web says so when it ends
        from generator.web.office import run_build
        state = {"period": "2023-08", "done": False, "ok": False, "step": "", "i": 0, "n": 0, "message": "",
                 "problems": []}
        sent.clear()
        late.write_bytes(sample)   # the department sends its first version again, during this build
        with storage.open_store(config.db) as store:
            storage.web.start_build_job(store, "thu", "2023-08", "vanphong", "2023-08-20T00:00:00Z", 2)
        real = pipeline.build
        monkeypatch.setattr(pipeline, "build", lambda c, **kw: real(c, **{**kw, "progress": progress}))
        run_build(app.state.web, "thu", state, ctx.period, False, False)
        monkeypatch.setattr(pipeline, "build", real)
        assert "Đã nhận biểu" in sent[0].text
        assert state["ok"] and "trong lúc đang lập (Sở Công Thương)" in state["message"], state["message"]
        # built again: current
        pipeline.build(ctx)
        assert 'id="cu-hon-bieu"' not in office.get("/van-phong/2023-08").text
