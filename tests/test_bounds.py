"""Issue 22 point 4: bounded work per upload. Whatever a workbook holds, checking it builds at
most a few hundred problems, reads a bounded narrative, and stores and shows a bounded record;
the counts stay true. Workbooks are built here from the sample and sent to a real uvicorn
server on 127.0.0.1 as a department's account would."""
from __future__ import annotations

import io
import re
import sqlite3
import time
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from generator import bounds, pipeline
from generator.workbooks.grid import GridBook
from generator.workbooks.package import PackageError
from generator.workbooks.read import read_workbook

from .conftest import ROOT
from .test_isolation import CT, PERIOD, client, last_row, sample_bytes, send, text_of, with_narrative
from .web_helpers import Server, login, web_setup


def narrative_chars(data: bytes) -> int:
    """The characters of a workbook's narrative cells, as a reader counts them."""
    sheet = load_workbook(io.BytesIO(data))["Thuyết minh"]
    return sum(len(str(r[1]).strip()) for r in sheet.iter_rows(min_row=2, values_only=True) if r[1])


def stored_upload(db) -> tuple[int, int, int]:
    """(errors, warnings, bytes of the stored problems) of the one upload recorded."""
    with sqlite3.connect(db) as con:
        (row,) = con.execute("SELECT errors, warnings, length(CAST(problems AS BLOB)) FROM upload").fetchall()
    return row


def test_a_markup_bomb_is_bounded_in_time_store_and_pages(tmp_path):
    """A small workbook whose «Thuyết minh» repeats an unknown code a hundred thousand times:
    the first problems are kept and shown with one line counting the rest; the store's record,
    the result page and the office's page stay small; the narrative past the file's length
    limit is not read, and an error says so at the cell where reading stopped."""
    rows, per_row = 100, 1000
    data = with_narrative(sample_bytes(CT), [("II.1.3", "{A}" * per_row)] * rows)
    assert len(data) < 40_000   # shared strings: one copy of the long text
    first = last_row(data) - rows + 1
    before = narrative_chars(sample_bytes(CT))
    limit = 200_000
    read_rows = (limit - before) // (3 * per_row)          # whole rows within the file's limit
    stopped_at = first + read_rows                         # the row whose characters pass it
    total_errors = read_rows * per_row + 1                 # each {A} once, and the «too long» error
    shown = 200
    rest = total_errors - shown
    app, config = web_setup(tmp_path)
    with Server(app) as server, client(server) as dept, client(server) as office:
        login(dept, CT)
        start = time.perf_counter()
        page = send(dept, data)
        took = time.perf_counter() - start
        words = " ".join(text_of(page.text).split())
        assert f"Biểu chưa được nhận: có {total_errors} lỗi" in words, words[:600]
        more = re.search(r"… và ([\d.]+) lỗi(?: và (\d+) cảnh báo)? khác \(chỉ hiện (\d+) mục đầu", words)
        assert more and int(more[1].replace(".", "")) == rest and int(more[3]) == shown, words[-800:]
        assert len(page.content) < 200_000, len(page.content)
        assert took < 30, took
        assert f"B{stopped_at}Thuyết minh của biểu dài quá 200.000 ký tự" in words
        # the problems shown: the first ones, the length error among them, one line for the rest
        lines = re.findall(r"<tr[^>]*>(.*?)</tr>", page.text, re.S)
        assert sum("không có trong danh mục" in r for r in lines) == shown - 1
        login(office, "vanphong")
        detail = office.get(f"/van-phong/{PERIOD}/don-vi/{CT}")
        assert detail.status_code == 200 and len(detail.content) < 200_000, len(detail.content)
        assert "dài quá 200.000 ký tự" in detail.text
    errors, warnings, stored = stored_upload(config.db)
    assert errors == total_errors and stored < 100_000, (errors, stored)
    assert f"có {total_errors} lỗi và {warnings} cảnh báo" in words or not warnings


def test_the_cli_check_of_a_bomb_in_the_folder_prints_the_first_problems_and_the_true_count(tmp_path):
    """The same cap in ``check`` (a file put in the folder): the status counts every problem,
    the problems listed are the first ones and the counting line."""
    per_row = 2000
    _, config = web_setup(tmp_path, remove=())
    ctx = pipeline.open_context(PERIOD, config.inputs, tmp_path / "build", None, None)
    clean = pipeline.department_problems(pipeline.check(ctx, record=False), CT)
    assert not any(p.is_error for p in clean)
    data = with_narrative(sample_bytes(CT), [("II.1.3", "{A} " * per_row)] * 10)
    (config.inputs / PERIOD / f"{CT}.xlsx").write_bytes(data)
    res = pipeline.check(ctx, record=False)
    (status,) = [s for s in res.statuses if s.department == CT]
    assert (status.errors, status.warnings) == (10 * per_row, len(clean))
    assert status.status == "có lỗi"
    mine = pipeline.department_problems(res, CT)
    assert len(mine) == bounds.PROBLEMS_PER_FILE + 1
    assert all(p.is_error for p in mine)   # errors first
    assert mine[-1].code == "too-many-problems"
    assert mine[-1].message.startswith(f"… và {10 * per_row - 200:,} lỗi và {len(clean)} cảnh báo khác (chỉ hiện 200 "
                                       f"mục đầu".replace(",", "."))


def test_a_narrative_cell_past_its_limit_is_an_error_naming_it(tmp_path):
    app, config = web_setup(tmp_path)
    text = "Rất dài " * 3000
    data = with_narrative(sample_bytes(CT), [("II.1.3", text)])
    row = last_row(data)
    with Server(app) as server, client(server) as dept:
        login(dept, CT)
        page = send(dept, data)
    words = " ".join(text_of(page.text).split())
    assert "Biểu chưa được nhận: có 1 lỗi" in words
    size = f"{len(text.strip()):,}".replace(",", ".")
    assert f"B{row}Ô thuyết minh dài {size} ký tự, quá giới hạn 20.000 ký tự" in words, words[-800:]


def test_a_narrative_just_within_its_limits_is_accepted(tmp_path):
    """The limits refuse only what passes them: a cell of exactly 20.000 characters is read."""
    app, config = web_setup(tmp_path)
    text = ("Sản xuất công nghiệp ổn định. " * 700)[:20_000 - 1] + "."
    assert len(text) == 20_000
    with Server(app) as server, client(server) as dept:
        login(dept, CT)
        page = send(dept, with_narrative(sample_bytes(CT), [("II.1.3", text)]))
    assert "Đã nhận biểu" in page.text, " ".join(text_of(page.text).split())[:600]


# --- sheets the reader does not use: never parsed, still looked at for what calls out

WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def with_sheets(data: bytes, sheets: list) -> bytes:
    """The workbook with more sheets [(name, part bytes)] added to its package, as another
    program (or a hand) would add them: the workbook's list, its relationships, content types."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {i.filename: src.read(i) for i in src.infolist()}
    book, rels, types = (parts[n].decode() for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                                      "[Content_Types].xml"))
    for n, (name, xml) in enumerate(sheets, start=1):
        part = f"xl/worksheets/them{n}.xml"
        parts[part] = xml
        book = book.replace("</sheets>", f'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                                         f'relationships" name="{name}" sheetId="{100 + n}" r:id="rIdThem{n}"/></sheets>')
        rels = rels.replace("</Relationships>", f'<Relationship Type="{WORKSHEET}" Target="/{part}" '
                                                f'Id="rIdThem{n}"/></Relationships>')
        types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{SHEET_TYPE}"/></Types>')
    parts.update({"xl/workbook.xml": book.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
                  "[Content_Types].xml": types.encode()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    return out.getvalue()


def sheet_xml(rows: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>', prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return f"{head}<{p}worksheet{ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>".encode()


def digits_sheet(n_rows: int, n_cols: int = 60) -> bytes:
    """A sheet of numbers only, ``n_rows`` × ``n_cols`` (the junk that made every check slow)."""
    row = "".join(f'<c r="{get_column_letter(c)}{{r}}"><v>{c * 1234567}</v></c>' for c in range(1, n_cols + 1))
    return sheet_xml("".join(f'<row r="{r}">' + row.replace("{r}", str(r)) + "</row>" for r in range(1, n_rows + 1)))


def read_as_the_product(tmp_path, data: bytes, name: str = f"{CT}.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    ctx = pipeline.open_context(PERIOD, ROOT / "inputs", tmp_path / "build", None, None)
    return path, read_workbook(path, ctx.catalogue, PERIOD, CT)


def test_sheets_the_reader_does_not_use_are_never_parsed(tmp_path):
    """A sheet that is not XML at all and one with data far beyond a workbook's limits: the
    reader never parses them, so the workbook reads exactly as without them (a parser that
    looked at them would refuse the file)."""
    broken = b'<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData><row><c><v>1</v></row>'
    far = sheet_xml('<row r="90000"><c r="A90000"><v>1</v></c></row>')
    plain_path, (plain, plain_probs) = read_as_the_product(tmp_path, sample_bytes(CT), "plain.xlsx")
    data = with_sheets(sample_bytes(CT), [("Nháp", broken), ("Số liệu thô", far), ("Cũ", digits_sheet(50))])
    path, (got, probs) = read_as_the_product(tmp_path, data)
    assert [str(p).replace(path.name, "") for p in probs] == [str(p).replace(plain_path.name, "") for p in plain_probs]
    assert got.values == plain.values and got.narrative == plain.narrative
    with pytest.raises(PackageError):   # what a parser of every sheet says of this file
        GridBook(path)


@pytest.mark.parametrize("formula_sheet", [
    sheet_xml('<row r="1"><c r="A1"><f>WEBSERVICE("http://vi-du.invalid/")</f><v>0</v></c></row>'),
    sheet_xml('<x:row r="1"><x:c r="A1"><x:f\n>WEBSERVICE("http://vi-du.invalid/")</x:f><x:v>0</x:v></x:c></x:row>',
              prefix="x"),
    sheet_xml('<row r="1"><c r="A1"><f>FILTERXML(WEBSERVICE("http://vi-du.invalid/"),"//a")</f><v>0</v></c></row>',
              head='<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
], ids=["plain", "prefixed", "utf-16"])
def test_an_unused_sheet_with_a_formula_calling_out_is_still_refused(tmp_path, formula_sheet):
    data = with_sheets(sample_bytes(CT), [("Nháp", formula_sheet)])
    _, (got, probs) = read_as_the_product(tmp_path, data)
    assert got is None and [p.code for p in probs] == ["active-content"], [str(p) for p in probs]
    assert "công thức gọi ra ngoài" in probs[0].message and probs[0].sheet == "Nháp"


def test_an_unused_sheet_declaring_a_dtd_is_still_refused(tmp_path):
    evil = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>',
                     head='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')
    _, (got, probs) = read_as_the_product(tmp_path, with_sheets(sample_bytes(CT), [("Nháp", evil)]))
    assert got is None and "khai báo DTD" in probs[0].message


def test_a_workbook_with_ninety_megabytes_of_junk_sheets_is_read_in_the_time_of_its_own_sheets(tmp_path):
    """Twelve sheets of 5.000 × 60 numbers (about 90 MB of sheet XML in a 10 MB upload limit):
    the upload's verdict comes as fast as a plain workbook's, through a real server."""
    junk = digits_sheet(5000)
    data = with_sheets(sample_bytes(CT), [(f"Rác {n}", junk) for n in range(12)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sum(i.file_size for i in z.infolist()) > 85 * 2**20
    app, config = web_setup(tmp_path)
    config.max_upload_bytes = len(data) + 1
    with Server(app) as server, client(server) as dept:
        login(dept, CT)
        start = time.perf_counter()
        page = send(dept, sample_bytes(CT))
        plain = time.perf_counter() - start
        assert "Đã nhận biểu" in page.text
        start = time.perf_counter()
        page = send(dept, data)
        took = time.perf_counter() - start
    assert "Đã nhận biểu" in page.text, " ".join(text_of(page.text).split())[:600]
    assert took < plain + 15, (took, plain)


def test_past_the_cap_the_markup_check_counts_without_building_messages_or_suggestions(monkeypatch):
    """Ten thousand misspelt and unknown codes in one cell: «did you mean» is looked for only
    for the problems kept; the others are counted."""
    from generator import narrative
    asked = []
    real = narrative.suggest
    monkeypatch.setattr(narrative, "suggest", lambda typed, choices: asked.append(typed) or real(typed, choices))
    codes = {"XNK_TONG", "XNK_XK"}
    text = " ".join(["{xnk_tong}", "{XNK_TONGG}", "{XNK_XK:thangg}"] * 3400)
    _, found = narrative.parse(text, codes, limit=50)
    assert len(found) == 50 and found.dropped == 3 * 3400 - 50
    assert len(asked) <= 2 * 50, len(asked)
    _, everything = narrative.parse(text, codes)
    assert len(everything) == 3 * 3400 and everything.dropped == 0
