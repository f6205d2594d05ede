"""Issue 22 point 4: bounded work per upload. Whatever a workbook holds, checking it builds at
most a few hundred problems, reads a bounded narrative, and stores and shows a bounded record;
the counts stay true. Workbooks are built here from the sample and sent to a real uvicorn
server on 127.0.0.1 as a department's account would."""
from __future__ import annotations

import io
import re
import sqlite3
import time

from openpyxl import load_workbook

from generator import bounds, pipeline

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
    (status,) = [s for s in res.statuses if s["department"] == CT]
    assert (status["errors"], status["warnings"]) == (10 * per_row, len(clean))
    assert status["status"] == "có lỗi"
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
