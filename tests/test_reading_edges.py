"""Workbooks a careless clerk or a hostile insider makes, read exactly as the department saw
them or refused with a message saying what to do (issue: reading, found by trying to break it).

Every file is real: a workbook made by ``init``, filled with openpyxl, sometimes its package
rewritten the way another program writes it.
"""
from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal

from lxml import etree
from openpyxl import load_workbook

from generator import pipeline
from generator.workbooks.read import read_workbook

from .conftest import fill, row_of, run_cli
from .test_reading import NS, rewrite, sheet_part


def _formatted(path, cells: dict) -> None:
    """cells: {(code, column): (value, number format)} written into «Chỉ tiêu»."""
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    for (code, col), (value, fmt) in cells.items():
        cell = ws[f"{col}{row_of(ws, code)}"]
        cell.value = value
        cell.number_format = fmt
    wb.save(path)


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


def test_a_percent_sign_in_another_section_of_the_format_does_not_scale_the_number(filled, tmp_path):
    """Excel shows a number through the section of its format that applies to it (positive;
    negative;zero, or the first whose [condition] holds): «0.0;-0.0%» shows 100,8 as 100,8, so
    it is 100,8 — never 10.080 — while «[<2]0.0%;0.0» shows 1,008 as 100,8%."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    _formatted(path, {("CSSX", "E"): (100.8, "0.0;-0.0%"),          # shown 100,8: a plain number
                      ("CSSX", "F"): (1.0667, "[<2]0.00%;0.00"),    # shown 106,67%: a percentage
                      ("XNK_XK", "F"): (1620, "#,##0;-0%"),         # shown 1.620 triệu USD
                      ("XNK_NK", "F"): (1325, '#,##0" %"')})        # a quoted % is text, not a percentage
    res = pipeline.check(filled)
    mine = [p for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.code == "percent-cell"]
    assert [(p.severity, p.cell) for p in mine] == [("cảnh báo", f"F{row_of(load_workbook(path)['Chỉ tiêu'], 'CSSX')}")]
    assert not [p for p in res.problems if p.is_error], [str(p) for p in res.problems if p.is_error]
    assert res.figures["CSSX"].values["month"] == Decimal("100.8")
    assert res.figures["CSSX"].values["cumulative"] == Decimal("106.67")
    assert res.figures["XNK_XK"].values["cumulative"] == 1620
    assert res.figures["XNK_NK"].values["cumulative"] == 1325
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads((tmp_path / "out" / "2023-08" / "figures.json").read_text(encoding="utf-8"))
    cssx = next(i for i in figures["indicators"] if i["code"] == "CSSX")
    assert cssx["values"]["month"] == 100.8 and cssx["values"]["cumulative"] == 106.67
    # the same format with a negative number, in an indicator not counted in %: it is shown as
    # a percentage, so it is refused (never read as the stored number)
    _formatted(path, {("XNK_XK", "F"): (-16.2, "#,##0;-0%")})
    res = pipeline.check(filled)
    assert [(p.code, p.severity) for p in res.problems if p.indicator == "XNK_XK" and p.is_error] == \
        [("percent-cell", "lỗi")]


# ------------------------------------------------------------------- elements the reader cannot know

NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def to_shared_strings(parts: dict, ns: str = NS) -> dict:
    """The inline strings of every sheet moved to a sharedStrings part written in namespace
    ``ns`` (as LibreOffice, Excel and most writers store text), each kept in one rich-text run
    after a phonetic guide that must not be read."""
    strings: list[str] = []
    for name in [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]:
        root = etree.fromstring(parts[name])
        for c in root.iter(f"{{{NS}}}c"):
            if c.get("t") != "inlineStr":
                continue
            text = "".join(t.text or "" for t in c.iter(f"{{{NS}}}t"))
            for child in list(c):
                c.remove(child)
            c.set("t", "s")
            etree.SubElement(c, f"{{{NS}}}v").text = str(len(strings))
            strings.append(text)
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    sst = etree.Element(f"{{{ns}}}sst", nsmap={None: ns})
    for text in strings:
        si = etree.SubElement(sst, f"{{{ns}}}si")
        run = etree.SubElement(si, f"{{{ns}}}r")
        etree.SubElement(etree.SubElement(run, f"{{{ns}}}rPr"), f"{{{ns}}}b")
        t = etree.SubElement(run, f"{{{ns}}}t")
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        ph = etree.SubElement(si, f"{{{ns}}}rPh", sb="0", eb="1")
        etree.SubElement(ph, f"{{{ns}}}t").text = "PHIÊN ÂM"
        etree.SubElement(si, f"{{{ns}}}phoneticPr", fontId="1")
    parts["xl/sharedStrings.xml"] = etree.tostring(sst, xml_declaration=True, encoding="UTF-8", standalone=True)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')).encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>')).encode()
    return parts


def _reading(ctx, path):
    data, problems = read_workbook(path, ctx.catalogue, ctx.period, path.stem)
    return data, problems


def test_shared_strings_in_their_own_namespace_with_phonetic_guides_read_the_same(filled):
    """Rich-text shared strings with phonetic guides (the guide is not text), in the
    transitional namespace or the strict one while the workbook is transitional."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Xuất khẩu đạt {XNK_XK:thang} triệu USD.")])
    want, want_problems = _reading(filled, path)
    original = path.read_bytes()
    for ns in (NS, NS_STRICT):
        path.write_bytes(original)
        rewrite(path, lambda parts: to_shared_strings(parts, ns))
        assert b"PHI\xc3\x8aN \xc3\x82M" in zipfile.ZipFile(path).read("xl/sharedStrings.xml")
        got, problems = _reading(filled, path)
        assert got is not None, [str(p) for p in problems]
        assert got.values == want.values and got.narrative == want.narrative, ns
        assert [body for _, body, _ in got.narrative] == ["Xuất khẩu đạt {XNK_XK:thang} triệu USD."]
        assert sorted(map(str, problems)) == sorted(map(str, want_problems))


def _wrap_first_value(parts, how):
    name = sheet_part(parts, "Chỉ tiêu")
    xml = parts[name].decode()
    parts[name] = how(xml).encode()


def test_an_element_the_format_does_not_allow_refuses_the_file(filled):
    """A value in another namespace inside a cell, a row wrapped in markup-compatibility
    content, a sheet written without the spreadsheet namespace: what Excel shows there cannot be
    known, so the file is refused with what to do — never read with that value left out or
    taken from the wrong element."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    ws = load_workbook(path)["Chỉ tiêu"]
    r = row_of(ws, "XNK_XK")
    original = path.read_bytes()
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    cases = {
        "foreign value": lambda xml: re.sub(rf'(<c r="E{r}"[^>]*>)', r'\1<q:v xmlns:q="urn:other">999</q:v>', xml),
        "alternate content": lambda xml: re.sub(rf'(<row r="{r}"[^>]*>.*?</row>)',
                                                rf'<mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="x14">'
                                                r'\1</mc:Choice></mc:AlternateContent>', xml, flags=re.S),
        "no namespace": lambda xml: xml.replace(f'xmlns="{NS}"', ""),
    }
    for what, how in cases.items():
        path.write_bytes(original)
        rewrite(path, lambda parts: _wrap_first_value(parts, how))
        data, problems = _reading(filled, path)
        assert data is None, what
        assert [p.code for p in problems] == ["not-a-workbook"], (what, [str(p) for p in problems])
        assert "phần tử lạ" in problems[0].message and "lưu lại dạng «Excel Workbook (.xlsx)»" in problems[0].message
        assert problems[0].sheet == "Chỉ tiêu"


def test_a_dtd_after_a_long_prolog_in_a_part_nothing_reads_is_found(filled):
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    comment = b"<!-- " + b"x" * 20000 + b" -->"
    rewrite(path, lambda parts: parts.update({"customXml/item1.xml": b'<?xml version="1.0"?>' + comment
                                              + b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'}))
    data, problems = _reading(filled, path)
    assert data is None and [p.code for p in problems] == ["not-a-workbook"]
    assert "customXml/item1.xml" in problems[0].message and "DTD" in problems[0].message


def test_a_hidden_narrative_row_or_sheet_is_said_to_be_printed(filled):
    """A clerk hides a paragraph (or the whole narrative sheet) thinking it will not be
    printed: it is printed, and check says so at the cell."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, narrative=[("II.1.2", "Đoạn một."), ("II.1.2", "Đoạn hai, bị ẩn.")])
    wb = load_workbook(path)
    wb["Thuyết minh"].row_dimensions[3].hidden = True
    wb.save(path)
    data, problems = _reading(filled, path)
    assert [b for _, b, _ in data.narrative] == ["Đoạn một.", "Đoạn hai, bị ẩn."]
    hidden = [p for p in problems if p.code == "row-hidden"]
    assert [(p.severity, p.sheet, p.cell) for p in hidden] == [("cảnh báo", "Thuyết minh", "B3")]
    assert "vẫn được in" in hidden[0].message
    wb = load_workbook(path)
    wb["Thuyết minh"].sheet_state = "hidden"
    wb.save(path)
    data, problems = _reading(filled, path)
    assert ("sheet-hidden", "cảnh báo", "Thuyết minh") in {(p.code, p.severity, p.sheet) for p in problems}


def _error_values(parts, marks: dict) -> None:
    """Cells holding the text of a key of ``marks`` turned into error cells showing its value."""
    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        xml = parts[name].decode()
        for mark, shown in marks.items():
            xml = re.sub(rf'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"([^>]*)><is><t>{mark}</t></is></c>',
                         rf'<c r="\1"\2 t="e"\3><v>{shown}</v></c>', xml)
        parts[name] = xml.encode()


def test_an_error_value_in_a_note_or_a_narrative_cell_is_an_error_never_printed(filled, tmp_path):
    """«#N/A» in «Ghi chú», in a narrative's «Nội dung» or «Mục»: what the cell shows is an
    error, not text for the report; each is an error at its cell and nothing is built."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    fill(path, {"XNK_XK": {"I": "MARKNOTE"}},
         narrative=[("II.1.2", "MARKBODY"), ("MARKSEC", "Đoạn có mục lỗi."), ("II.1.2", "Đoạn đúng.")])
    rewrite(path, lambda parts: _error_values(parts, {"MARKNOTE": "#N/A", "MARKBODY": "#VALUE!",
                                                      "MARKSEC": "#REF!"}))
    data, problems = _reading(filled, path)
    got = {(p.code, p.severity, p.sheet, p.cell) for p in problems if p.is_error}
    r = row_of(load_workbook(path)["Chỉ tiêu"], "XNK_XK")
    assert got == {("excel-error", "lỗi", "Chỉ tiêu", f"I{r}"), ("excel-error", "lỗi", "Thuyết minh", "B2"),
                   ("excel-error", "lỗi", "Thuyết minh", "A3")}
    assert [b for _, b, _ in data.narrative] == ["Đoạn đúng."] and "XNK_XK" not in data.notes
    out = tmp_path / "out"
    proc = run_cli("build", "--period", "2023-08", "--inputs", filled.inputs, "--out", out,
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 1 and "#VALUE!" in proc.stdout + proc.stderr
    assert not (out / "2023-08" / "BC-UBND-2023-08.docx").exists()


def test_a_password_protected_xlsx_named_xls_is_said_to_have_a_password(filled):
    import msoffcrypto.format.ooxml
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    target = path.with_suffix(".xls")
    with open(path, "rb") as fi, open(target, "wb") as fo:
        msoffcrypto.format.ooxml.OOXMLFile(fi).encrypt("mat-khau", fo)
    path.unlink()
    data, problems = read_workbook(target, filled.catalogue, filled.period, "so-cong-thuong")
    assert data is None and [p.code for p in problems] == ["password-protected"]
    assert "mật khẩu" in problems[0].message and "OLE2" not in problems[0].message


def test_a_cell_whose_style_the_file_does_not_have_is_refused(filled):
    """A percent cell whose style index points past the file's cell formats: Excel repairs
    the file, nobody knows what it shows; refused, never read as a plain 0,606."""
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    r = row_of(load_workbook(path)["Chỉ tiêu"], "CSSX")
    _formatted(path, {("CSSX", "E"): (1.008, "0.0%")})

    def far_style(parts):
        name = sheet_part(parts, "Chỉ tiêu")
        parts[name] = re.sub(rf'(<c r="E{r}"[^>]*?) s="\d+"', r'\1 s="999"', parts[name].decode()).encode()
    rewrite(path, far_style)
    data, problems = _reading(filled, path)
    assert data is None and [p.code for p in problems] == ["not-a-workbook"]
    assert f"E{r}" in problems[0].message and "Excel Workbook (.xlsx)" in problems[0].message


def test_import_history_reads_a_period_excel_turned_into_a_date_and_warns_of_values_it_cannot_use(tmp_path):
    """Typing «2023-05» in Excel stores the date 1/5/2023 (in a 1904 workbook too): it is the
    period 2023-05; a value in a column the indicator's kind does not use is warned, as check
    warns of a workbook, never dropped without a word."""
    import datetime as dt

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from .conftest import make_templates
    templates = make_templates(tmp_path / "templates")
    db = tmp_path / "data" / "baocao.sqlite"
    for epoch in (None, CALENDAR_MAC_1904):
        hist = tmp_path / "lich-su.xlsx"
        proc = run_cli("import-history", hist, "--template", "--templates", templates, "--db", db)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        wb = load_workbook(hist)
        ws = wb["Chỉ tiêu"]
        head = {c.value: c.column for c in ws[1]}
        ws.delete_rows(2, ws.max_row)
        ws.cell(2, head["Kỳ báo cáo"]).value = dt.datetime(2022, 5, 1)
        ws.cell(2, head["Kỳ báo cáo"]).number_format = "mm/yyyy"
        ws.cell(2, head["Mã chỉ tiêu"]).value = "NN_TRAU"
        ws.cell(2, head["Thực hiện tháng"]).value = 64000
        ws.cell(2, head["Lũy kế"]).value = 5       # a stock indicator has no year to date
        if epoch is not None:
            wb.epoch = epoch
        wb.save(hist)
        proc = run_cli("import-history", hist, "--templates", templates, "--db", db)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "not-applicable" not in proc.stdout and "Lũy kế" in proc.stdout and "bị bỏ qua" in proc.stdout
        assert ("Đã ghi kỳ 2022-05" in proc.stdout) == (epoch is None), proc.stdout
        proc = run_cli("history", "NN_TRAU", "--templates", templates, "--db", db)
        assert "2022-05" in proc.stdout and "64.000" in proc.stdout, proc.stdout


def test_every_message_about_a_cell_quotes_it_briefly(filled, tmp_path):
    """A paste gone wrong in the code, unit or «Mục» cell, or in the identity sheet: each
    message quotes the first characters and the length, so the console line and kiem-tra.xlsx
    keep the explanation."""
    long_text = "X" * 32000
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    ws[f"C{row_of(ws, 'XNK_XK')}"] = long_text               # the unit
    ws[f"A{ws.max_row + 1}"] = long_text                     # a code
    wb["Thuyết minh"]["A2"], wb["Thuyết minh"]["B2"] = long_text, "Đoạn văn."
    wb.save(path)
    other = filled.period_inputs / "so-nong-nghiep.xlsx"
    wb = load_workbook(other)
    meta = wb["_baocao"]
    meta[next(f"B{c.row}" for c in meta["A"] if c.value == "don_vi")] = long_text
    wb.save(other)
    proc = run_cli("check", "--period", "2023-08", "--inputs", filled.inputs, "--out", tmp_path / "out",
                   "--templates", filled.templates, "--db", "")
    assert proc.returncode == 1
    quoted = [line for line in proc.stdout.splitlines() if "XXXXXXXXXX" in line]
    assert len(quoted) == 4, quoted      # unit, code, section, identity
    assert all(len(line) < 400 and "(32.000 ký tự)" in line for line in quoted), [len(x) for x in quoted]


def test_conditional_formatting_that_shows_a_number_another_way_is_an_error(filled):
    """A conditional format whose rule sets «0.0%» makes Excel show 1,008 as 100,8% while the
    cell's own format is General: which number the department meant cannot be known, so it is
    an error at the cell (never read as 1,008). A rule that only colours the cell, or shows the
    number the same way, changes nothing."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Font
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat
    path = filled.period_inputs / "so-cong-thuong.xlsx"
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    r, k = row_of(ws, "CSSX"), row_of(ws, "XNK_XK")
    ws[f"E{r}"] = 1.008
    percent = DifferentialStyle(numFmt=NumberFormat(numFmtId=170, formatCode="0.0%"))
    ws.conditional_formatting.add(f"E{r}", Rule(type="cellIs", operator="lessThan", formula=["2"], dxf=percent))
    plain = DifferentialStyle(numFmt=NumberFormat(numFmtId=171, formatCode="#,##0.0"), font=Font(color="FF0000"))
    ws.conditional_formatting.add(f"D{k}:H{k}", Rule(type="cellIs", operator="greaterThan", formula=["0"], dxf=plain))
    wb.save(path)
    res = pipeline.check(filled)
    got = [(p.code, p.severity, p.cell) for p in res.problems if p.file == "so-cong-thuong.xlsx" and p.is_error]
    assert got == [("conditional-number-format", "lỗi", f"E{r}")]
    msg = next(p.message for p in res.problems if p.code == "conditional-number-format")
    assert "«0.0%»" in msg and "Clear Rules" in msg
    assert res.figures["XNK_XK"].values["cumulative"] == 1620
