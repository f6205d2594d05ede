"""Every submitted indicator reaches the report (issue 21, points 1 and 2): cited by a narrative,
a footnote or the template, shown in the annex, or else printed as its automatic sentence
under its «Mục báo cáo» — even where another department wrote — and ``check`` names any
that is printed nowhere; a narrative for a section the template no longer has is an error of
the template check naming the section and the departments that wrote in it."""
import json
import re
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal

from docx import Document
from lxml import etree
from openpyxl import load_workbook

from .conftest import ROOT, fill, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
COLUMNS = ("Mã chỉ tiêu,Tên chỉ tiêu,Đơn vị tính,Đơn vị báo cáo,Loại,Số lẻ tháng,Số lẻ lũy kế,Số lẻ % kế hoạch,"
           "Số lẻ tăng giảm,Số lẻ tỷ trọng,Kế hoạch,Bắt buộc,Cho phép âm,Số nguyên,Đệm số 0,Thuộc chỉ tiêu,"
           "Dung sai (%),Ngưỡng tương đương (%),Mục báo cáo,Kế hoạch khác,Từ kỳ,Đến kỳ,Phụ lục,Biểu đồ")
DEPARTMENTS = "Mã đơn vị,Tên đơn vị\nso-giao-duc,Sở Giáo dục và Đào tạo\nso-y-te,Sở Y tế\n"
# name, unit, department, kind, section, annex order
ROWS = {
    "GD_HS": ("Học sinh đến lớp", "học sinh", "so-giao-duc", "cộng dồn", "II.2", ""),
    "YT_BHYT": ("Tỷ lệ dân số tham gia bảo hiểm y tế", "%", "so-y-te", "tỷ lệ", "II.2", ""),
    "YT_TIEM": ("Trẻ em được tiêm chủng đầy đủ", "trẻ", "so-y-te", "cộng dồn", "II.2", ""),
    "YT_GIUONG": ("Giường bệnh kế hoạch", "giường", "so-y-te", "thời điểm", "II.2", "1"),
    "YT_HIENMAU": ("Đơn vị máu tiếp nhận", "đơn vị", "so-y-te", "cộng dồn", "", ""),
}
VALUES = {   # columns E (month), F (year to date), G (month last year), H (year to date last year)
    "GD_HS": {"E": 800, "F": 6400, "G": 700, "H": 6000},
    "YT_BHYT": {"E": 93.5, "F": 93.5, "G": 92.1, "H": 92.1},
    "YT_TIEM": {"E": 1500, "F": 12000, "G": 1400, "H": 10000},
    "YT_GIUONG": {"E": 3120, "G": 3050},
    "YT_HIENMAU": {"E": 410, "F": 3275, "G": 380, "H": 2990},
}
TITLE = "2. Lĩnh vực văn hoá - xã hội"


def vi(value, places: int) -> str:
    """A number as the report prints it: «.» between thousands, «,» before the decimals."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(q):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return ("-" if q < 0 else "") + groups + ("," + frac if frac else "")


def catalogue(rows=ROWS) -> str:
    lines = [COLUMNS]
    for code, (name, unit, dept, kind, section, annex) in rows.items():
        places = 1 if unit == "%" else 0
        lines.append(f"{code},{name},{unit},{dept},{kind},{places},{places},1,1,1,,có,,,,,,,{section},,,,{annex},")
    return "\n".join(lines) + "\n"


def office(tmp_path, narrative: dict, rows=ROWS):
    """A templates folder with this catalogue, 2024-05 workbooks made by ``init`` and filled
    as the departments would; narrative {department: [(section, text)]}."""
    t = tmp_path / "templates"
    t.mkdir()
    for name in ("cai-dat.toml", "BC-UBND.docx"):
        shutil.copy(ROOT / "templates" / name, t / name)
    (t / "don-vi.csv").write_text(DEPARTMENTS, encoding="utf-8")
    (t / "chi-tieu.csv").write_text(catalogue(rows), encoding="utf-8")
    common = ("--period", "2024-05", "--inputs", tmp_path / "in", "--out", tmp_path / "out", "--templates", t,
              "--db", "")
    proc = run_cli("init", *common)
    assert proc.returncode == 0, proc.stderr
    for dept in ("so-giao-duc", "so-y-te"):
        fill(tmp_path / "in" / "2024-05" / f"{dept}.xlsx", {c: v for c, v in VALUES.items() if c in rows},
             narrative.get(dept))
    return common


def paragraphs(docx) -> list[str]:
    with zipfile.ZipFile(docx) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
    # the words as read: a number's non-breaking space before its unit read as a space
    return ["".join(t.text or "" for t in p.iter(W + "t")).replace("\u00a0", " ") for p in doc.iter(W + "p")]


def section_body(paras: list[str], title: str) -> list[str]:
    start = paras.index(title) + 1
    # up to the next heading, or the closing block when the empty sections after it print no
    # heading (an empty section at the very end never prints its heading alone)
    end = next(i for i in range(start, len(paras)) if re.match(r"^(\d+\.|III\.) ", paras[i]) or paras[i] == "Nơi nhận:")
    return [p for p in paras[start:end] if p.strip()]


def test_figures_without_narrative_follow_another_departments_paragraph(tmp_path):
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")]})
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr
    body = section_body(paragraphs(tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx"), TITLE)
    gd = f"{vi(6400, 0)} học sinh, tăng {vi((Decimal(6400) / 6000 - 1) * 100, 1)}% so với cùng kỳ"
    bhyt = f"{vi(93.5, 1)}%, tăng {vi(Decimal('93.5') - Decimal('92.1'), 1)} điểm phần trăm so với cùng kỳ"
    tiem = f"{vi(12000, 0)} trẻ, tăng {vi((Decimal(12000) / 10000 - 1) * 100, 1)}% so với cùng kỳ"
    assert body == [f"Ngành giáo dục có {gd}.",
                    f"Tỷ lệ dân số tham gia bảo hiểm y tế: {bhyt}.",
                    f"Trẻ em được tiêm chủng đầy đủ: {tiem}./."]   # the body's last paragraph
    # the annex shows the beds: reported there, no sentence; the blood units have no section
    whole = paragraphs(tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx")
    assert not any(p.startswith("Giường bệnh kế hoạch:") for p in whole)
    assert "Giường bệnh kế hoạch" in whole and vi(3120, 0) in whole
    assert not any(vi(3275, 0) in p for p in whole)
    proc = run_cli("check", *common)
    assert proc.returncode == 0, proc.stdout
    lost = [line for line in proc.stdout.splitlines() if "không được in ở đâu" in line]
    assert len(lost) == 1 and "[YT_HIENMAU]" in lost[0] and "Sở Y tế" in lost[0], proc.stdout


def test_a_department_cited_elsewhere_gets_no_sentence(tmp_path):
    """A figure a narrative cites (here in a footnote of another section) is reported: no
    automatic sentence repeats it."""
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")],
                               "so-y-te": [("II.3", "Khám chữa bệnh từ xa[[Tỷ lệ tham gia BHYT {YT_BHYT}.]].")]})
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr
    body = section_body(paragraphs(tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx"), TITLE)
    assert len(body) == 2 and body[1].startswith("Trẻ em được tiêm chủng đầy đủ: "), body


def _drop_section(template, section: str) -> None:
    """The clerk deletes a section's block (its heading, loop and paragraphs) from the template."""
    d = Document(template)
    paras = d.paragraphs
    start = next(i for i, p in enumerate(paras) if f'in_de_muc("{section}")' in p.text)
    end = next(i for i in range(start, len(paras)) if "endif" in paras[i].text)
    for p in paras[start:end + 1]:
        p._element.getparent().remove(p._element)
    d.save(template)


def test_narrative_for_a_section_the_template_lost_is_a_template_error(tmp_path):
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")],
                               "so-y-te": [("II.2", "Y tế dự phòng được tăng cường[[Tiêm chủng {YT_TIEM}.]]."),
                                           ("II.3", "Đã triển khai bệnh án điện tử.")]})
    _drop_section(tmp_path / "templates" / "BC-UBND.docx", "II.2")
    proc = run_cli("build", *common)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "mục II.2" in line]
    assert len(lines) == 1, proc.stderr
    assert "Sở Giáo dục và Đào tạo" in lines[0] and "Sở Y tế" in lines[0] and "không còn trong mẫu" in lines[0]
    assert "Traceback" not in proc.stderr and "II.3" not in proc.stderr
    assert not (tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx").exists()
    # check names the figures the lost section would have printed
    proc = run_cli("check", *common)
    lost = [line for line in proc.stdout.splitlines() if "không được in ở đâu" in line]
    assert {re.search(r"\[(\w+)\]", line).group(1) for line in lost} == {"YT_BHYT", "YT_HIENMAU"}, proc.stdout


def test_a_section_the_template_lost_without_narrative_still_builds(tmp_path):
    common = office(tmp_path, {"so-giao-duc": [("II.3", "Ngành giáo dục có {GD_HS:cau}.")]})
    _drop_section(tmp_path / "templates" / "BC-UBND.docx", "II.2")
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ the sample, indicator by indicator

def docx_text(path) -> str:
    """Body and footnotes of a DOCX, read from its XML, paragraphs joined by new lines."""
    with zipfile.ZipFile(path) as z:
        parts = [etree.fromstring(z.read(n)) for n in ("word/document.xml", "word/footnotes.xml")
                 if n in z.namelist()]
    return "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for root in parts for p in root.iter(W + "p"))


def shown(text: str, whole: str) -> bool:
    return re.search(r"(?<![\d.,])" + re.escape(text) + r"(?![\d]|[.,]\d)", whole) is not None


def build_and_check(tmp_path, inputs):
    common = ("--period", "2023-08", "--inputs", inputs, "--out", tmp_path / "out", "--db", "")
    built = run_cli("build", *common)
    assert built.returncode == 0, built.stderr
    checked = run_cli("check", *common)
    assert checked.returncode == 0, checked.stdout
    out = tmp_path / "out" / "2023-08"
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))["indicators"]
    return docx_text(out / "BC-UBND-2023-08.docx"), figures, checked.stdout


def assert_every_indicator_reaches(whole, figures, check_out):
    named = set(re.findall(r"\[([A-Z][A-Z0-9_]*)\]", check_out))
    missing = []
    for ind in figures:
        if ind["values"].get("month") is None and ind["values"].get("cumulative") is None:
            continue   # nothing submitted
        texts = [t for t in ind["text"].values() if re.search(r"\d", t)]
        if not any(shown(t, whole) for t in texts) and ind["code"] not in named:
            missing.append(ind["code"])
    assert not missing, missing


def test_every_submitted_indicator_of_the_sample_reaches_the_report(tmp_path):
    whole, figures, check_out = build_and_check(tmp_path, ROOT / "inputs")
    assert len([i for i in figures if i["values"].get("cumulative") is not None
                or i["values"].get("month") is not None]) > 150
    assert_every_indicator_reaches(whole, figures, check_out)


def test_the_sample_without_one_departments_narrative_still_prints_its_figures(tmp_path):
    """Sở Y tế writes nothing this month; other departments still write in section 2. Its
    figures the annex does not show are printed as sentences there."""
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs" / "2023-08", inputs / "2023-08")
    path = inputs / "2023-08" / "so-y-te.xlsx"
    wb = load_workbook(path)
    for row in wb["Thuyết minh"].iter_rows(min_row=2):
        for cell in row:
            cell.value = None
    wb.save(path)
    whole, figures, check_out = build_and_check(tmp_path, inputs)
    assert_every_indicator_reaches(whole, figures, check_out)
    import csv
    with open(ROOT / "templates" / "chi-tieu.csv", encoding="utf-8-sig") as fh:
        rows = {r["Mã chỉ tiêu"]: r for r in csv.DictReader(fh)}
    data = load_workbook(path, data_only=True)["Chỉ tiêu"]
    entered = {r[0]: r for r in data.iter_rows(min_row=2, values_only=True) if r[0]}
    lines = whole.replace("\u00a0", " ").splitlines()   # a number's non-breaking space read as a space
    for code, row in rows.items():
        if row["Đơn vị báo cáo"] != "so-y-te":
            continue
        name = row["Tên chỉ tiêu"]
        sentence = [line for line in lines if line.startswith(f"{name}: ")]
        if row["Phụ lục"]:
            assert not sentence, code   # the annex shows it
            continue
        plan, cumulative = entered[code][3], entered[code][5]
        start = f"{name}: {vi(cumulative, int(row['Số lẻ lũy kế']))} {row['Đơn vị tính']}"
        if plan:
            start += f", đạt {vi(Decimal(cumulative) / Decimal(plan) * 100, int(row['Số lẻ % kế hoạch']))}% kế hoạch"
        assert len(sentence) == 1 and sentence[0].startswith(start), (code, start, sentence)


def test_without_the_annex_in_the_docx_its_indicators_get_their_sentences(tmp_path):
    """The annex counts as reported only where the report carries it: with it in the Excel
    file alone, the beds are printed in their section too."""
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")]})
    settings = tmp_path / "templates" / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("trong_van_ban = true", "trong_van_ban = false"),
                        encoding="utf-8")
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr
    body = section_body(paragraphs(tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx"), TITLE)
    change = vi((Decimal(3120) / 3050 - 1) * 100, 1)
    assert f"Giường bệnh kế hoạch: {vi(3120, 0)} giường, tăng {change}% so với cùng kỳ./." in body, body   # the last


def test_a_section_named_by_a_variable_is_not_guessed(tmp_path):
    """A template that prints sections through a variable (a loop over names) cannot be checked
    section by section: it builds, and nothing is called lost."""
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")]})
    d = Document()
    d.add_paragraph('{%p for s in ["II.2", "II.3"] %}')
    d.add_paragraph("{%p for doan in muc(s) %}")
    d.add_paragraph("{{ doan }}")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{%p endfor %}")
    d.save(tmp_path / "templates" / "BC-UBND.docx")
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr
    paras = paragraphs(tmp_path / "out" / "2024-05" / "BC-UBND-2024-05.docx")
    assert paras[0].startswith("Ngành giáo dục có ") and paras[1].startswith("Tỷ lệ dân số tham gia bảo hiểm y tế: ")
    proc = run_cli("check", *common)
    lost = [line for line in proc.stdout.splitlines() if "không được in ở đâu" in line]
    assert len(lost) == 1 and "[YT_HIENMAU]" in lost[0], proc.stdout


def test_a_section_the_settings_do_not_have_is_named(tmp_path):
    rows = dict(ROWS, YT_HIENMAU=ROWS["YT_HIENMAU"][:4] + ("II.9", ""))
    common = office(tmp_path, {"so-giao-duc": [("II.2", "Ngành giáo dục có {GD_HS:cau}.")]}, rows)
    proc = run_cli("check", *common)
    lost = [line for line in proc.stdout.splitlines() if "không được in ở đâu" in line]
    assert len(lost) == 1 and "[YT_HIENMAU]" in lost[0] and "«II.9»" in lost[0], proc.stdout
