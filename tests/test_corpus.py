"""The bad-input corpus: every case is made by code from a valid workbook and asserts the
exact problem (code, severity, file, sheet, cell, a Vietnamese message) and the exit codes of
`baocao check` and `baocao build`."""
from __future__ import annotations

import datetime
import io
import shutil
import struct
import zipfile
from dataclasses import dataclass
from typing import Callable

import pytest
from openpyxl import load_workbook

from generator import cli, pipeline

from .conftest import fill

CT, NN = "so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"
DATA, TEXT = "Chỉ tiêu", "Thuyết minh"
# rows fixed by the small catalogue: CT: XNK_TONG 2, XNK_XK 3, XNK_NK 4, CSSX 5; NN: NN_TRAU 2, NN_HOP 3


@dataclass
class Case:
    name: str
    mutate: Callable
    code: str | None          # expected problem code (None: no problem expected)
    severity: str = "lỗi"
    file: str = CT
    sheet: str = DATA
    cell: str = ""
    fragment: str = ""        # part of the Vietnamese message
    check_exit: int = 1
    build_exit: int = 1


def cell(file, coord, value):
    def mutate(folder):
        wb = load_workbook(folder / file)
        wb[DATA][coord] = value
        wb.save(folder / file)
    return mutate


def edit(file, fn):
    def mutate(folder):
        wb = load_workbook(folder / file)
        fn(wb)
        wb.save(folder / file)
    return mutate


def raw(file, data: bytes):
    def mutate(folder):
        (folder / file).write_bytes(data)
    return mutate


def narrative(text, section="II.1.2"):
    def mutate(folder):
        fill(folder / CT, narrative=[(section, text)])
    return mutate


def truncate(folder):
    data = (folder / CT).read_bytes()
    (folder / CT).write_bytes(data[: len(data) // 2])


def encrypt_xlsx(folder):
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    with open(folder / CT, "rb") as fh:
        OOXMLFile(fh).encrypt("matkhau", out)
    (folder / CT).write_bytes(out.getvalue())


def encrypted_xls(folder):
    """An Excel 97-2003 workbook carrying a FILEPASS record (an encrypted .xls)."""
    import xlwt

    class Encrypted(xlwt.Workbook):
        def get_biff_data(self):
            data = super().get_biff_data()
            n = struct.unpack("<H", data[2:4])[0]
            filepass = struct.pack("<HH", 0x2F, 54) + struct.pack("<HHH", 1, 1, 1) + bytes(48)
            return data[: 4 + n] + filepass + data[4 + n:]
    book = Encrypted()
    book.add_sheet(DATA).write(0, 0, "Mã chỉ tiêu")
    (folder / NN).unlink()
    book.save(str(folder / "so-nong-nghiep.xls"))


def zip_bomb(folder):
    src = folder / CT
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
        with z.open("xl/media/bom.bin", "w", force_zip64=True) as fh:
            chunk = bytes(2**20)
            for _ in range(210):
                fh.write(chunk)


def many_rows(folder, rows=200_000, dimension=True):
    """The data sheet replaced by one of 200.000 rows, written as XML (openpyxl would take minutes)."""
    src = folder / CT
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    part = "xl/worksheets/sheet2.xml"
    body = io.StringIO()
    body.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        body.write(f'<dimension ref="A1:I{rows + 1}"/>')
    body.write('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã chỉ tiêu</t></is></c></row>')
    for r in range(2, rows + 2):
        body.write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>XNK_TONG</t></is></c><c r="E{r}"><v>{r}</v></c></row>')
    body.write("</sheetData></worksheet>")
    parts[part] = body.getvalue().encode()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def rewrite(folder, change, name=CT):
    """Rewrite a workbook's zip: ``change(parts)`` edits {part name: bytes} in place."""
    src = folder / name
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    change(parts)
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def far_cell(part, coord):
    """One cell written straight into a sheet's XML far away, the recorded dimension left small."""
    row = int("".join(ch for ch in coord if ch.isdigit()))

    def change(parts):
        parts[part] = parts[part].replace(b"</sheetData>", f'<row r="{row}"><c r="{coord}"><v>1</v></c></row>'
                                          f'</sheetData>'.encode())
    return lambda folder: rewrite(folder, change)


def add_part(name, content=b"x"):
    def change(parts):
        parts[name] = content
    return lambda folder: rewrite(folder, change)


def formula_cell(text):
    def mutate(folder):
        wb = load_workbook(folder / CT)
        wb[DATA]["F2"] = text
        wb.save(folder / CT)
    return mutate


def formula(folder):
    wb = load_workbook(folder / CT)
    wb[DATA]["F2"] = "=E2*9"
    wb.save(folder / CT)


def merged(folder):
    wb = load_workbook(folder / CT)
    wb[DATA].merge_cells("G3:H3")
    wb.save(folder / CT)


def rename_sheet(name):
    def fn(wb):
        wb[DATA].title = name
    return fn


def delete_sheet(wb):
    del wb[DATA]


def move_header_down(wb):
    wb[DATA].insert_rows(1, 2)
    wb[DATA]["A1"] = "BIỂU SỐ LIỆU THÁNG 8/2023"


def swap_columns(wb):
    ws = wb[DATA]
    for r in range(1, ws.max_row + 1):
        ws[f"E{r}"].value, ws[f"F{r}"].value = ws[f"F{r}"].value, ws[f"E{r}"].value


def hide_sheet(wb):
    wb[DATA].sheet_state = "hidden"


def hide_row(wb):
    wb[DATA].row_dimensions[3].hidden = True


def delete_row(wb):
    wb[DATA].delete_rows(5)


def meta(coord, value):
    def fn(wb):
        wb["_baocao"][coord] = value
    return fn


def text_header(wb):
    wb[TEXT]["A1"] = "Muc"


def remove(file):
    def mutate(folder):
        (folder / file).unlink()
    return mutate


def extra_file(folder):
    shutil.copy(folder / CT, folder / "ban-sao.xlsx")


CASES = [
    Case("sheet-renamed", edit(CT, rename_sheet("Chi tieu")), "sheet-missing", sheet="", fragment="Chi tieu"),
    Case("sheet-deleted", edit(CT, delete_sheet), "sheet-missing", sheet="", fragment="Không có sheet «Chỉ tiêu»"),
    Case("header-misspelt", cell(CT, "F1", "Luỹ kê"), "header-missing", cell="F1", fragment="có cột «Luỹ kê» ở ô F1"),
    Case("header-duplicated", cell(CT, "J1", "Thực hiện tháng"), "header-duplicate", cell="J1",
         fragment="xuất hiện 2 lần"),
    Case("header-moved-down", edit(CT, move_header_down), None, check_exit=0, build_exit=0),
    Case("columns-swapped", edit(CT, swap_columns), None, check_exit=0, build_exit=0),
    Case("unknown-code", cell(CT, "A4", "XNK_KHAC"), "unknown-indicator", cell="A4", fragment="không có trong danh mục"),
    Case("duplicate-code", cell(CT, "A5", "XNK_XK"), "duplicate-indicator", cell="A5", fragment="lặp lại (đã có ở dòng 3)"),
    Case("missing-code", edit(CT, delete_row), "missing-indicator", cell="", fragment="Thiếu dòng của chỉ tiêu «CSSX»"),
    Case("foreign-code", cell(CT, "A5", "NN_TRAU"), "foreign-indicator", cell="A5", fragment="thuộc đơn vị «Sở Nông nghiệp và Phát triển nông thôn»"),
    Case("required-empty", cell(CT, "E2", None), "required-empty", cell="E2", fragment="Chưa nhập «Thực hiện tháng»"),
    Case("text-in-number", cell(CT, "F2", "khoảng 3 nghìn"), "not-a-number", cell="F2", fragment="chứa chữ"),
    Case("date-in-number", cell(CT, "F2", datetime.datetime(2023, 8, 1)), "not-a-number", cell="F2",
         fragment="ngày tháng"),
    Case("boolean-in-number", cell(CT, "F2", True), "not-a-number", cell="F2", fragment="đúng/sai"),
    Case("div0", cell(CT, "F2", "#DIV/0!"), "excel-error", cell="F2", fragment="#DIV/0!"),
    Case("ref-error", cell(CT, "F2", "#REF!"), "excel-error", cell="F2", fragment="#REF!"),
    Case("text-1.234,5", cell(CT, "H2", "1.234,5"), "text-number", "cảnh báo", cell="H2", fragment="đã đọc là 1234,5",
         check_exit=0, build_exit=0),
    Case("text-1,234.5", cell(CT, "H2", "1,234.5"), "not-a-number", cell="H2", fragment="kiểu tiếng Anh"),
    Case("text-1 234,5", cell(CT, "H2", "1 234,5"), "text-number", "cảnh báo", cell="H2", fragment="đã đọc là 1234,5",
         check_exit=0, build_exit=0),
    # «12%» typed as text where the indicator counts triệu USD: an error, never read as 12
    Case("text-12%", cell(CT, "H2", "12%"), "percent-cell", cell="H2", fragment="«12%» (có dấu %)"),
    Case("text-ambiguous", cell(CT, "H2", "1.234"), "ambiguous-number", cell="H2", fragment="«1 nghìn 234» hoặc «1 phẩy 234»"),
    Case("formula-no-cache", formula, "formula-no-value", cell="F2", fragment="=E2*9"),
    Case("merged-cells", merged, "merged-cell", cell="G3", fragment="vùng ô gộp"),
    Case("hidden-sheet", edit(CT, hide_sheet), "sheet-hidden", "cảnh báo", fragment="đang bị ẩn", check_exit=0,
         build_exit=0),
    Case("hidden-row", edit(CT, hide_row), "row-hidden", "cảnh báo", cell="A3", fragment="Dòng 3 đang bị ẩn",
         check_exit=0, build_exit=0),
    Case("negative-count", cell(NN, "E2", -5), "negative", file=NN, cell="E2", fragment="không nhận số âm"),
    Case("not-integer", cell(NN, "E2", 10.5), "not-integer", file=NN, cell="E2", fragment="số nguyên"),
    Case("cumulative-below-month", cell(NN, "F3", 1), "cumulative-below-month", file=NN, cell="F3",
         fragment="nhỏ hơn số thực hiện tháng"),
    Case("components-not-adding", cell(CT, "F4", 1500), "components-sum", "cảnh báo", cell="F2",
         fragment="lệch 175 triệu USD", check_exit=0, build_exit=0),
    Case("plan-zero", cell(CT, "D2", 0), "plan-zero", "cảnh báo", cell="D2", fragment="Kế hoạch năm bằng 0",
         check_exit=0, build_exit=0),
    Case("far-from-last-year", cell(CT, "H4", 100), "far-from-last-year", "cảnh báo", cell="F4", fragment="±50%",
         check_exit=0, build_exit=0),
    Case("other-period", edit(CT, meta("B1", "2023-07")), "wrong-period", sheet="",
         fragment="kỳ tháng 7/2023, không phải kỳ tháng 8/2023"),
    Case("other-department", edit(CT, meta("B2", "so-nong-nghiep")), "wrong-department", sheet="",
         fragment="chép nhầm"),
    Case("empty-file", raw(CT, b""), "empty-file", sheet="", fragment="Tệp rỗng"),
    Case("text-renamed", raw(CT, "Báo cáo tháng 8\n".encode()), "not-a-workbook", sheet="", fragment="bị đổi tên"),
    Case("truncated-zip", truncate, "not-a-workbook", sheet="", fragment="bị cắt cụt"),
    Case("password-xlsx", encrypt_xlsx, "password-protected", sheet="", fragment="mật khẩu"),
    Case("password-xls", encrypted_xls, "password-protected", file="so-nong-nghiep.xls", sheet="", fragment="mật khẩu"),
    Case("zip-bomb", zip_bomb, "zip-bomb", sheet="", fragment="vượt giới hạn 200 MB"),
    Case("200000-rows", many_rows, "part-too-large", fragment="quá nhiều dòng"),
    Case("cell-at-XFD1048576", far_cell("xl/worksheets/sheet2.xml", "XFD1048576"), "too-large-sheet",
         cell="XFD1048576", fragment="ngoài giới hạn 5.020 dòng × 60 cột"),
    Case("hidden-sheet-XFD5000", far_cell("xl/worksheets/sheet4.xml", "XFD5000"), "too-large-sheet",
         sheet="_baocao", cell="XFD5000", fragment="ô XFD5000"),
    Case("macro", add_part("xl/vbaProject.bin"), "active-content", sheet="", fragment="macro (VBA)"),
    Case("external-link", add_part("xl/externalLinks/externalLink1.xml"), "active-content", sheet="",
         fragment="liên kết tới tệp khác"),
    Case("ole-object", add_part("xl/embeddings/oleObject1.bin"), "active-content", sheet="", fragment="OLE"),
    Case("webservice", formula_cell('=WEBSERVICE("http://example.org/")'), "active-content", fragment="WEBSERVICE"),
    Case("dde", formula_cell("=cmd|' /c calc'!A0"), "active-content", fragment="gọi ra ngoài"),
    Case("hyperlink-to-file", formula_cell('=HYPERLINK("\\\\server\\share\\a.xlsx","x")'), "active-content",
         fragment="HYPERLINK"),
    Case("200000-rows-no-dimension", lambda f: many_rows(f, dimension=False), "part-too-large", fragment="quá nhiều dòng"),
    Case("control-characters", narrative("Văn bản_x0001_ có_x000B_ ký tự_x001F_ điều khiển {XNK_TONG}."), None, check_exit=0,
         build_exit=0),
    Case("10000-characters", narrative("Rất dài " * 1250), None, check_exit=0, build_exit=0),
    Case("xml-specials", narrative("Ký tự & < > \" ' giữ nguyên."), None, check_exit=0, build_exit=0),
    Case("template-syntax", narrative("{{ 7*7 }} và {% for x in y %} in nguyên văn."), None, check_exit=0, build_exit=0),
    Case("markup-unclosed", narrative("Chú thích [[chưa đóng"), "markup-unclosed-note", sheet=TEXT, cell="B2",
         fragment="chưa được đóng"),
    Case("markup-unknown-code", narrative("Số {XNK_SAI}"), "markup-unknown-code", sheet=TEXT, cell="B2",
         fragment="«XNK_SAI»"),
    Case("unknown-section", narrative("Đoạn văn", section="IX"), "unknown-section", sheet=TEXT, cell="B2",
         fragment="Mục «IX»"),
    Case("text-header-missing", edit(CT, text_header), "header-missing", sheet=TEXT, fragment="thiếu dòng tiêu đề «Mục»"),
    Case("not-submitted", remove(NN), None, check_exit=1, build_exit=1),  # check and build agree
    Case("unknown-file", extra_file, "unknown-file", "cảnh báo", file="ban-sao.xlsx", sheet="", fragment="không mang tên",
         check_exit=0, build_exit=0),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(case, filled, capsys):
    folder = filled.period_inputs
    case.mutate(folder)
    common = ["--period", "2023-08", "--inputs", str(filled.inputs), "--out", str(filled.out),
              "--templates", str(filled.templates), "--db", ""]
    assert cli.main(["check", *common]) == case.check_exit
    assert cli.main(["build", *common]) == case.build_exit
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    res = pipeline.check(filled)
    if case.code is None:
        assert not res.has_errors, [str(p) for p in res.problems]
        return
    found = [p for p in res.problems if p.code == case.code and (p.file, p.cell) == (case.file, case.cell)] or \
        [p for p in res.problems if p.code == case.code]
    assert found, [str(p) for p in res.problems]
    p = found[0]
    assert (p.severity, p.file, p.sheet, p.cell) == (case.severity, case.file, case.sheet, case.cell), str(p)
    assert case.fragment in p.message, p.message


def test_corpus_is_large_enough():
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


def test_narrative_edge_cases_print_literally(filled):
    import zipfile as zf
    fill(filled.period_inputs / CT, narrative=[
        ("II.1.2", "A_x0001_B_x000B_C & < > \" ' {{ 7*7 }} {% if x %}"), ("II.1.2", "Rất dài " * 1250)])
    got = pipeline.build(filled)
    with zf.ZipFile(got["paths"]["docx"]) as z:
        doc = z.read("word/document.xml").decode("utf-8")
    # «_x0001_» (a control character) is dropped, «_x000B_» (a line break pasted from Word) is a space
    assert "AB C &amp; &lt; &gt; \" ' {{ 7*7 }} {% if x %}" in doc
    assert ("Rất dài " * 1250).strip() in doc
