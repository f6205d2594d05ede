"""One status definition (issue 24 point 1, issue 21 point 8): «chưa nộp / đã nộp / có lỗi /
đã nhận sau khi lập» read the same in ``check``'s table, the office's dashboard and the
department's page; an untouched blank workbook is «chưa nộp» everywhere and ``--allow-missing``
accepts it as missing; a department's warning count includes its narrative's warnings."""
import io
import re
import time
import zipfile

import pytest
from lxml import etree

from .conftest import GOOD_VALUES, fill, make_templates, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CT, NN = "so-cong-thuong", "so-nong-nghiep"
NAMES = {CT: "Sở Công Thương", NN: "Sở Nông nghiệp và Phát triển nông thôn"}


def table(stdout: str) -> dict:
    """check's status table: {department name: (status, errors, warnings, note)}."""
    out = {}
    for line in stdout.splitlines():
        for dept, name in NAMES.items():
            m = re.match(re.escape(name) + r"\s+(.+?)\s+(\d+)\s+(\d+)(?:\s+\((.*)\))?$", line)
            if m:
                out[dept] = (m.group(1), int(m.group(2)), int(m.group(3)), m.group(4) or "")
    return out


def listed(stdout: str, file: str, severity: str) -> int:
    """How many problems check lists under a file's heading, of one severity."""
    block = stdout.split(f"\n{file}:\n", 1)[1].split("\n\n", 1)[0] if f"\n{file}:\n" in stdout else ""
    return sum(1 for line in block.splitlines() if line.strip().startswith(severity))


def cells(html: str, dept: str) -> list[str]:
    row = html.split(f'id="dv-{dept}"', 1)[1].split("</tr>", 1)[0]
    got = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return got[1:]   # status, errors, warnings, …  (after the department's name)


def own_status(html: str, period: str = "2023-08") -> str:
    box = html.split(f'id="ky-{period}"', 1)[1].split("Tình trạng:", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", box.split("</p>", 1)[0])).strip()


@pytest.fixture
def office(tmp_path):
    from generator.pipeline import open_context
    from generator.web import WebConfig, create_app
    from generator.web.auth import create_account

    from .web_helpers import PASSWORD
    t = make_templates(tmp_path / "t")
    db = tmp_path / "data" / "baocao.sqlite"
    common = ("--period", "2023-08", "--inputs", tmp_path / "in", "--out", tmp_path / "out", "--templates", t,
              "--db", db)
    assert run_cli("init", *common).returncode == 0
    blank = (tmp_path / "in" / "2023-08" / f"{NN}.xlsx").read_bytes()
    # Sở Công Thương fills its workbook; its narrative cites a month on month it has no base for
    fill(tmp_path / "in" / "2023-08" / f"{CT}.xlsx", GOOD_VALUES,
         [("II.1.2", "Kim ngạch {XNK_TONG:cau}, {XNK_TONG:tang_tt}.")])
    config = WebConfig(inputs=tmp_path / "in", out=tmp_path / "out", db=db, templates=t)
    app = create_app(config)
    cat = open_context("2023-08", templates=t).catalogue
    create_account(db, "vanphong", PASSWORD, None, cat)
    for code in cat.departments:
        create_account(db, code, PASSWORD, code, cat)
    return common, app, blank, tmp_path


def test_blank_workbook_and_warning_counts_agree_in_cli_office_and_department(office):
    from starlette.testclient import TestClient

    from .web_helpers import csrf_of, login
    common, app, blank, tmp_path = office
    proc = run_cli("check", *common)
    assert proc.returncode == 1, proc.stdout   # a department missing is an error without --allow-missing
    rows = table(proc.stdout)
    assert rows[NN][0] == "chưa nộp" and "còn trống" in rows[NN][3], proc.stdout
    warned = listed(proc.stdout, f"{CT}.xlsx", "CẢNH BÁO")
    assert "Thuyết minh!B2 [XNK_TONG]" in proc.stdout      # the narrative's own warning is one of them
    assert rows[CT][:3] == ("đã nộp", 0, warned) and warned >= 2, proc.stdout
    assert "Chưa nhập" not in proc.stdout                  # the blank's empty cells are not errors
    assert listed(proc.stdout, f"{NN}.xlsx", "LỖI") == 1 and "chưa nộp biểu" in proc.stdout

    with TestClient(app) as office_c, TestClient(app) as ct, TestClient(app) as nn:
        login(office_c, "vanphong")
        page = office_c.get("/van-phong/2023-08").text
        assert cells(page, NN)[0].startswith("chưa nộp") and "còn trống" in cells(page, NN)[0]
        assert cells(page, CT)[:3] == ["đã nộp", "0", str(warned)]
        assert re.search(r"Đã nộp: <b>1</b>.*Chưa nộp: <b>1</b> — Có lỗi: <b>0</b>", page)
        login(nn, NN)
        login(ct, CT)
        assert own_status(nn.get("/don-vi").text).startswith("chưa nộp")
        assert own_status(ct.get("/don-vi").text).startswith("đã nộp")
        assert f"0 lỗi, {warned} cảnh báo" in own_status(ct.get("/don-vi").text)

        # the blank sent through the web is refused, saying why; the accepted workbook stays in use
        page = ct.get("/don-vi")
        sent = ct.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(page.text)},
                       files={"tep": ("bieu.xlsx", blank_of(CT, tmp_path), "application/octet-stream")})
        assert "Biểu chưa được nhận" in sent.text and "còn trống" in sent.text
        state = own_status(ct.get("/don-vi").text)
        assert state.startswith("đã nộp") and "bị từ chối" in state
        assert cells(office_c.get("/van-phong/2023-08").text, CT)[0].startswith("đã nộp")

        # --allow-missing: the blank is missing-allowed, its figures print as missing
        assert run_cli("check", "--allow-missing", *common).returncode == 0
        built = run_cli("build", "--allow-missing", *common)
        assert built.returncode == 0, built.stderr
        with zipfile.ZipFile(tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx") as z:
            doc = etree.fromstring(z.read("word/document.xml"))
        paras = ["".join(t.text or "" for t in p.iter(W + "t")) for p in doc.iter(W + "p")]
        assert "Đàn trâu: [chưa có số liệu]." in paras

        # Sở Nông nghiệp sends its workbook after the build: «đã nhận sau khi lập» everywhere
        time.sleep(1.1)
        filled = tmp_path / "nn-filled.xlsx"
        filled.write_bytes(blank)
        fill(filled, {code: GOOD_VALUES[code] for code in ("NN_TRAU", "NN_HOP")})
        page = nn.get("/don-vi")
        ok = nn.post("/don-vi/2023-08/nop", data={"csrf": csrf_of(page.text)},
                     files={"tep": ("bieu.xlsx", filled.read_bytes(), "application/octet-stream")})
        assert "Đã nhận biểu" in ok.text
        assert cells(office_c.get("/van-phong/2023-08").text, NN)[0].startswith("đã nhận sau khi lập")
        assert cells(office_c.get("/van-phong/2023-08").text, CT)[0].startswith("đã nộp")
        assert own_status(nn.get("/don-vi").text).startswith("đã nhận sau khi lập")
        rows = table(run_cli("check", *common).stdout)
        assert rows[NN][0] == "đã nhận sau khi lập" and rows[CT][0] == "đã nộp"
        # built again, the report has it
        assert run_cli("build", *common).returncode == 0
        assert cells(office_c.get("/van-phong/2023-08").text, NN)[0].startswith("đã nộp")
        assert own_status(nn.get("/don-vi").text).startswith("đã nộp")


def blank_of(dept: str, tmp_path) -> bytes:
    """A blank workbook of ``dept`` as ``init`` writes it, made in a folder of its own."""
    from openpyxl import load_workbook

    from generator.pipeline import init, open_context
    ctx = open_context("2023-08", tmp_path / "other-inputs", tmp_path / "other-out", tmp_path / "t")
    init(ctx)
    data = (tmp_path / "other-inputs" / "2023-08" / f"{dept}.xlsx").read_bytes()
    assert load_workbook(io.BytesIO(data))["Chỉ tiêu"]["E2"].value is None
    return data
