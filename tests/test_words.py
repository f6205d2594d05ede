"""Issue 21, «Words that disagree with numbers»: every printed word agrees with the numbers.
Each test builds an office's workbooks with the real ``init``, fills them as a department
would, runs the real commands and reads the real DOCX; the expected text is recomputed here."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook

from generator.catalogue import RATE, load_catalogue
from generator.compute import compute
from generator.sources import Entered
from generator.narrative import Ref, print_ref
from generator.printed import print_figures

from .conftest import GOOD_VALUES, HEADER, ROOT, SMALL_DEPTS, SMALL_INDICATORS, fill, make_templates, row_of, run_cli

DEPT = "Mã đơn vị,Tên đơn vị\nso-a,Sở A\n"


def vi(x, places: int = 0) -> str:
    """A number as a Vietnamese report prints it, computed independently of the code under test."""
    v = Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(v):,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if v < 0 else "") + text


class Office:
    """A working folder: templates with a given catalogue, one period's blank workbooks from
    ``baocao init``, and the real CLI run on it."""

    def __init__(self, tmp_path, indicators: str, period: str, departments: str = DEPT, db: bool = False):
        self.root, self.period = tmp_path, period
        self.templates = make_templates(tmp_path / "templates", indicators=indicators, departments=departments)
        self.db = str(tmp_path / "data" / "baocao.sqlite") if db else ""
        (tmp_path / "data").mkdir(exist_ok=True)
        self.init(period)

    def opts(self, period=None):
        return ["--period", period or self.period, "--inputs", self.root / "inputs", "--out", self.root / "build",
                "--templates", self.templates, "--db", self.db]

    def init(self, period):
        got = run_cli("init", *self.opts(period))
        assert got.returncode == 0, got.stderr

    def workbook(self, dept="so-a", period=None):
        return self.root / "inputs" / (period or self.period) / f"{dept}.xlsx"

    def run(self, command, *extra, period=None):
        return run_cli(command, *self.opts(period), *extra)

    def docx(self, period=None):
        return self.root / "build" / (period or self.period) / f"BC-UBND-{period or self.period}.docx"

    def paragraphs(self, period=None) -> list[str]:
        with zipfile.ZipFile(self.docx(period)) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        # the words as read: a number's non-breaking space before its unit read as a space, the
        # body's end mark «./.» (on whichever paragraph is printed last: tests/test_closing.py) as «.»
        return [re.sub(r"\./\.$", ".", re.sub(r"<[^>]+>", "", p).replace("\u00a0", " "))
                for p in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)]

    def figures(self, period=None) -> dict:
        doc = json.loads((self.root / "build" / (period or self.period) / "figures.json").read_text(encoding="utf-8"))
        return {i["code"]: i for i in doc["indicators"]}


def problems_of(output: str, code_word: str) -> list[str]:
    return [line for line in output.splitlines() if code_word in line]


# ---------------------------------------------------------------- point 9 (and 16)

NEGATIVE = HEADER + "\n" + "\n".join([
    "A_CHENH,Chênh lệch huy động vốn và dư nợ,tỷ đồng,so-a,thời điểm,1,1,1,1,1,,có,có,,,,,,II.1.6",
    "A_LN,Lợi nhuận doanh nghiệp nhà nước,tỷ đồng,so-a,cộng dồn,1,1,1,1,1,,có,có,,,,,,II.1.6"]) + "\n"


def test_no_percent_against_a_negative_base_and_the_direction_follows_the_difference(tmp_path):
    office = Office(tmp_path, NEGATIVE, "2024-02")
    chenh, chenh_ly = Decimal("820"), Decimal("-528.5")
    # a profit: a good month (5) after earlier losses leaves the year to date (−10) below the month
    ln = {"E": 5, "F": -10, "G": -20, "H": -40}
    fill(office.workbook(), {"A_CHENH": {"E": float(chenh), "G": float(chenh_ly)}, "A_LN": ln}, narrative=[
        ("II.1.6", "Chênh lệch {A_CHENH:cau} ({A_CHENH:tang_giam} tỷ đồng, {A_CHENH:bang_ck}); lợi nhuận "
                   "{A_LN:cau}, tháng {A_LN:tang_thang}; giảm {A_CHENH:tyle_tang}.")])
    check = office.run("check")
    out = check.stdout + check.stderr
    assert check.returncode == 0, out
    assert "cumulative" not in out and "nhỏ hơn số thực hiện tháng" not in out   # point 16
    build = office.run("build")
    assert build.returncode == 0, build.stdout + build.stderr
    d = chenh - chenh_ly
    d_cum, d_month = Decimal(ln["F"] - ln["H"]), Decimal(ln["E"] - ln["G"])
    want = (f"Chênh lệch {vi(chenh, 1)} tỷ đồng, tăng {vi(d, 1)} tỷ đồng so với cùng kỳ (tăng {vi(d, 1)} tỷ đồng, "
            f"tăng {vi(d, 1)} tỷ đồng so với cùng kỳ); lợi nhuận {vi(ln['F'], 1)} tỷ đồng, tăng {vi(d_cum, 1)} tỷ đồng "
            f"so với cùng kỳ, tháng tăng {vi(d_month, 1)} tỷ đồng; giảm {vi(d, 1)} tỷ đồng.")
    assert want in office.paragraphs()
    assert not any("%" in p for p in office.paragraphs() if p.startswith("Chênh lệch"))
    figs = office.figures()
    assert figs["A_CHENH"]["text"]["yoy_month"] == f"tăng {vi(d, 1)} tỷ đồng"
    assert "ratio_month" not in figs["A_CHENH"]["text"]
    assert figs["A_CHENH"]["derived"].get("yoy_month_pct") is None
    assert figs["A_LN"]["text"]["yoy_cumulative"] == f"tăng {vi(d_cum, 1)} tỷ đồng"
    # check says why no percent was printed, at the narrative's cell
    why = problems_of(out, "không có tỷ lệ phần trăm")
    assert len(why) == 5 and all("Thuyết minh!B2" in line and "số âm" in line for line in why)
    assert any("-528,5" in line for line in why)
    # «giảm» typed before a magnitude whose difference is a rise
    assert any("Viết «giảm»" in line and f"tăng {vi(d, 1)} tỷ đồng" in line for line in out.splitlines())


def test_a_cumulative_below_its_month_is_still_an_error_where_negatives_are_not_allowed(tmp_path):
    office = Office(tmp_path, NEGATIVE.replace(",có,có,,,,,,II.1.6\n", ",có,,,,,,,II.1.6\n"), "2024-02")
    fill(office.workbook(), {"A_CHENH": {"E": 5, "G": 4}, "A_LN": {"E": 5, "F": 3, "G": 1, "H": 2}})
    check = office.run("check")
    assert check.returncode == 1 and "nhỏ hơn số thực hiện tháng" in check.stdout + check.stderr


# ---------------------------------------------------------------- point 10

ZEROS = HEADER + "\n" + "\n".join([
    "A_BOTH0,Vụ cháy rừng,vụ,so-a,thời điểm,0,0,1,1,1,,có,,có,2,,,,II.1.5",
    "A_ZERO_LY,Dự án FDI mới,dự án,so-a,cộng dồn,0,0,1,1,1,,có,,có,,,,,II.1.5",
    "A_PAD,Cuộc họp,cuộc,so-a,thời điểm,0,0,1,1,1,,có,,có,2,,,,II.1.5"]) + "\n"


def test_zero_against_zero_is_the_same_as_last_year_and_zero_is_never_padded(tmp_path):
    office = Office(tmp_path, ZEROS, "2024-05")
    pad_now, pad_ly = 5, 12
    fill(office.workbook(), {"A_BOTH0": {"E": 0, "G": 0}, "A_ZERO_LY": {"E": 2, "F": 5, "G": 0, "H": 0},
                             "A_PAD": {"E": pad_now, "G": pad_ly}}, narrative=[
        ("II.1.5", "Cháy rừng {A_BOTH0} vụ, {A_BOTH0:tang_ck}, {A_BOTH0:bang_ck}, {A_BOTH0:tang_giam}. "
                   "Thu hút {A_ZERO_LY:cau}, {A_ZERO_LY:tang}. Họp {A_PAD} cuộc, {A_PAD:tang_giam} cuộc.")])
    check = office.run("check")
    out = check.stdout + check.stderr
    assert check.returncode == 0, out
    assert "thiếu số liệu" not in out and "chưa có số liệu" not in out
    zero_ly = problems_of(out, "[A_ZERO_LY]")
    assert zero_ly and all("bằng 0" in line and "không có tỷ lệ phần trăm" in line for line in zero_ly)
    assert not problems_of(out, "[A_BOTH0]")
    assert office.run("build").returncode == 0
    same = "tương đương cùng kỳ"
    diff = pad_now - pad_ly
    want = (f"Cháy rừng 0 vụ, {same}, {same}, bằng. Thu hút 5 dự án, tăng {5 - 0} dự án so với cùng kỳ, "
            f"tăng {5 - 0} dự án. Họp {pad_now:02d} cuộc, {'giảm' if diff < 0 else 'tăng'} {abs(diff):02d} cuộc.")
    assert want in office.paragraphs()
    figs = office.figures()
    assert figs["A_BOTH0"]["text"]["month"] == "0" and figs["A_BOTH0"]["text"]["yoy_month"] == same


# ---------------------------------------------------------------- point 11

RATE_ROW = "R_GN,Tỷ lệ giải ngân,%,so-a,tỷ lệ,1,1,1,1,1,kế hoạch,có,,,,,,,II.1.4"


def test_history_and_its_export_speak_of_a_rate_in_percentage_points(tmp_path):
    office = Office(tmp_path, HEADER + "\n" + RATE_ROW + "\n", "2024-05", db=True)
    cum, cum_ly = Decimal("25.6"), Decimal("23.4")
    fill(office.workbook(), {"R_GN": {"D": 95, "E": 5.5, "F": float(cum), "G": 5.0, "H": float(cum_ly)}},
         narrative=[("II.1.4", "Tỷ lệ giải ngân lũy kế {R_GN:luyke}%, {R_GN:tang_ck}.")])
    assert office.run("build").returncode == 0
    points = f"tăng {vi(cum - cum_ly, 1)} điểm phần trăm"
    assert f"Tỷ lệ giải ngân lũy kế {vi(cum, 1)}%, {points} so với cùng kỳ." in office.paragraphs()
    for suffix in ("csv", "xlsx"):
        export = tmp_path / f"r_gn.{suffix}"
        shown = run_cli("history", "R_GN", "--templates", office.templates, "--db", office.db, "--export", export)
        assert shown.returncode == 0, shown.stderr
        assert points in shown.stdout and f"tăng {vi(cum - cum_ly, 1)}%" not in shown.stdout
        if suffix == "csv":
            rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8-sig"))))
        else:
            rows = [list(r) for r in load_workbook(export).active.iter_rows(values_only=True)]
        col = rows[0].index("So với cùng kỳ (điểm %)")
        assert Decimal(str(rows[1][col])) == cum - cum_ly


# ---------------------------------------------------------------- point 12

SMALL_WITH_RATE = SMALL_INDICATORS + "TL_GN,Tỷ lệ giải ngân vốn đầu tư công,%,so-cong-thuong,tỷ lệ,1,1,,1,,,,,,,,,,II.1.2\n"
WITH_RATE_VALUES = dict(GOOD_VALUES, TL_GN={"E": 6.0, "F": 48.2, "G": 5.5, "H": 47.0})


def small_office(tmp_path, indicators=SMALL_WITH_RATE, values=WITH_RATE_VALUES):
    office = Office(tmp_path, indicators, "2023-08", departments=SMALL_DEPTS)
    for dept in ("so-cong-thuong", "so-nong-nghiep"):
        fill(office.workbook(dept), values)
    return office


def test_a_markup_word_that_does_not_fit_the_kind_is_an_error_naming_word_and_kind(tmp_path):
    office = small_office(tmp_path)
    fill(office.workbook("so-cong-thuong"), narrative=[
        ("II.1.2", "Chỉ số {CSSX:tang_tt}; giải ngân {TL_GN:tang_giam}, {TL_GN:bang_ck}; kim ngạch {XNK_TONG:tytrong}."),
        ("II.1.2", "Kim ngạch tăng {XNK_TONG:tang}, xuất khẩu giảm {XNK_XK:tang_ck}.")])
    fill(office.workbook("so-nong-nghiep"), narrative=[("II.1.1", "Đàn trâu lũy kế {NN_TRAU:luyke} con.")])
    check = office.run("check")
    out = check.stdout + check.stderr
    assert check.returncode == 1
    wrong = problems_of(out, "không dùng được")
    assert len(wrong) == 5 and all(line.lstrip().startswith("LỖI") for line in wrong)
    for word, kind in (("tang_tt", "chỉ số"), ("tang_giam", "tỷ lệ"), ("bang_ck", "tỷ lệ"), ("luyke", "thời điểm")):
        assert any(f"từ «{word}»" in line and f"loại «{kind}»" in line for line in wrong), (word, kind)
    assert any("«tytrong»" in line and "chỉ tiêu cha" in line for line in wrong)
    assert "thiếu số liệu" not in out
    doubled = [line for line in out.splitlines() if "tự in chữ chỉ chiều" in line]
    assert len(doubled) == 2 and all("Thuyết minh!B3" in line and line.lstrip().startswith("CẢNH BÁO")
                                     for line in doubled)
    assert any("Viết «tăng» ngay trước «{XNK_TONG:tang}»" in line for line in doubled)
    assert office.run("build").returncode == 1 and not office.docx().exists()


# ---------------------------------------------------------------- point 13

def test_markup_typos_are_errors_at_their_cell_with_the_spelling_meant(tmp_path):
    office = small_office(tmp_path)
    typos = {"{XNK_TONG:tháng}": "{XNK_TONG:thang}", "{XNK_TONG:Luyke}": "{XNK_TONG:luyke}",
             "{xnk_tong}": "{XNK_TONG}", "{XNK_TONG: thang}": "{XNK_TONG:thang}",
             "{XNK_TONG:thang }": "{XNK_TONG:thang}", "{Xnk_Tông:DAT}": "{XNK_TONG:dat}",
             "{XNK_TONG:Tăng_CK}": "{XNK_TONG:tang_ck}"}
    fill(office.workbook("so-cong-thuong"), narrative=[
        ("II.1.2", "Kim ngạch {XNK_TONG:thang} triệu USD; {{ 7*7 }} và { 7*7 } in nguyên văn."),
        ("II.1.2", "Viết sai: " + ", ".join(typos) + ", {XNK_TONG:thangg}, {XNK_TONGG:thang}.")])
    check = office.run("check")
    out = check.stdout + check.stderr
    assert check.returncode == 1
    for typed, meant in typos.items():
        lines = [line for line in out.splitlines() if f"«{typed}»" in line]
        assert len(lines) == 1 and "Thuyết minh!B3" in lines[0] and lines[0].lstrip().startswith("LỖI"), typed
        assert f"có phải «{meant}»" in lines[0], lines[0]
    assert any("«thangg»" in line and "có phải «{XNK_TONG:thang}»" in line for line in out.splitlines())
    assert any("«XNK_TONGG»" in line and "có phải «XNK_TONG»" in line for line in out.splitlines())
    assert "Thuyết minh!B2" not in out
    assert office.run("build").returncode == 1 and not office.docx().exists()
    # the same text without the typos builds, and the braces that are not markup print as typed
    fill(office.workbook("so-cong-thuong"), narrative=[
        ("II.1.2", "Kim ngạch {XNK_TONG:thang} triệu USD; {{ 7*7 }} và { 7*7 } in nguyên văn."), ("II.1.2", "")])
    assert office.run("build").returncode == 0
    month = GOOD_VALUES["XNK_TONG"]["E"]
    assert f"Kim ngạch {vi(month)} triệu USD; {{{{ 7*7 }}}} và {{ 7*7 }} in nguyên văn." in office.paragraphs()


# ---------------------------------------------------------------- point 14

def test_stars_as_people_use_them_print_as_typed(tmp_path):
    office = small_office(tmp_path)
    fill(office.workbook("so-cong-thuong"), narrative=[
        ("II.1.2", "Thu nội địa (*) ước đạt {XNK_TONG:luyke} triệu USD; xuất nhập khẩu (*) giảm mạnh."),
        ("II.1.2", "* Về thu ngân sách: đôn đốc thu nợ thuế.\n* Về chi ngân sách: đảm bảo chi thường xuyên."),
        ("II.1.2", "Số liệu có dấu (*) là số ước tính; xuất khẩu *tăng mạnh*, 7*7 và **đạt {XNK_TONG:dat}**.")])
    check = office.run("check")
    out = check.stdout + check.stderr
    assert check.returncode == 0 and "Thuyết minh" not in out, out
    assert office.run("build").returncode == 0
    text = office.paragraphs()
    cum = GOOD_VALUES["XNK_TONG"]["F"]
    assert f"Thu nội địa (*) ước đạt {vi(cum)} triệu USD; xuất nhập khẩu (*) giảm mạnh." in text
    joined = "\n".join(text)
    assert "* Về thu ngân sách: đôn đốc thu nợ thuế." in joined and "* Về chi ngân sách: đảm bảo chi thường xuyên." in joined
    pct = vi(Decimal(cum) / Decimal(GOOD_VALUES["XNK_TONG"]["D"]) * 100, 1)
    assert f"Số liệu có dấu (*) là số ước tính; xuất khẩu tăng mạnh, 7*7 và đạt {pct}%." in text
    with zipfile.ZipFile(office.docx()) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    runs = re.findall(r"<w:r>(?:(?!</w:r>).)*</w:r>", xml, re.S)
    italic = [re.sub(r"<[^>]+>", "", r) for r in runs if "<w:i/>" in r]
    bold = [re.sub(r"<[^>]+>", "", r) for r in runs if "<w:b/>" in r]
    assert "tăng mạnh" in italic and not any("(" in t or "Về" in t for t in italic)
    assert f"đạt {pct}%" in bold


# ---------------------------------------------------------------- point 18

def test_a_change_of_the_second_target_within_the_year_is_flagged_like_the_plan(tmp_path):
    rows = SMALL_INDICATORS.strip().splitlines()[1:]
    inds = "\n".join([HEADER + ",Kế hoạch khác"] + [r + "," for r in rows] + [
        "TC_THU,Thu ngân sách nhà nước,tỷ đồng,so-cong-thuong,cộng dồn,1,1,1,1,,dự toán,,,,,,,,II.1.6,"
        "dự toán HĐND tỉnh giao"]) + "\n"
    office = Office(tmp_path, inds, "2023-07", departments=SMALL_DEPTS, db=True)
    july = dict(GOOD_VALUES, TC_THU={"D": 7000, "J": 7100, "E": 500, "F": 4386.6, "G": 480, "H": 4120})
    for dept in ("so-cong-thuong", "so-nong-nghiep"):
        fill(office.workbook(dept), july)
    assert office.run("build").returncode == 0
    office.init("2023-08")
    aug = dict(GOOD_VALUES, TC_THU={"D": 7000, "J": 7300, "E": 520.5, "F": 4907.1, "G": 480, "H": 4600})
    for dept in ("so-cong-thuong", "so-nong-nghiep"):
        fill(office.workbook(dept, "2023-08"), aug)
    check = office.run("check", period="2023-08")
    out = check.stdout + check.stderr
    r = row_of(load_workbook(office.workbook("so-cong-thuong", "2023-08"))["Chỉ tiêu"], "TC_THU")
    changed = [line for line in out.splitlines() if "[TC_THU]" in line and "thay đổi trong năm" in line]
    assert len(changed) == 1 and f"Chỉ tiêu!J{r}" in changed[0] and "dự toán HĐND tỉnh giao" in changed[0]
    assert vi(7300) in changed[0] and vi(7100) in changed[0] and "2023-07" in changed[0]


# ---------------------------------------------------------------- point 20

def test_the_sample_catalogue_declares_its_rates_as_rates_and_they_move_in_points(tmp_path):
    cat, problems = load_catalogue(ROOT / "templates")
    assert not problems
    rates = {c for c, i in cat.indicators.items() if i.kind == RATE}
    named = {c for c, i in cat.indicators.items() if i.name.lower().startswith(("tỷ lệ", "tỉ lệ"))}
    assert named and named <= rates and {"LD_TL_QDT", "CA_TL_KP", "CA_TL_KP_TA"} <= rates
    from generator.settings import load_settings
    settings = load_settings(ROOT / "templates")
    now, ly = Decimal("60.6"), Decimal("58.4")
    figures, _ = compute(cat, {"LD_TL_QDT": Entered({"month": now, "month_last_year": ly})}, settings)
    assert print_ref(Ref("LD_TL_QDT", "tang_ck"), print_figures(figures, settings)) == \
        f"tăng {vi(now - ly, 1)} điểm phần trăm so với cùng kỳ"


def test_month_on_month_against_a_negative_or_zero_previous_month(tmp_path):
    """A month cycle: April recorded, May compares with it (the store carries April's month)."""
    office = Office(tmp_path, NEGATIVE, "2024-04", db=True)
    april = {"A_LN": {"E": -20, "F": -50, "G": -10, "H": -30}, "A_CHENH": {"E": 0, "G": 3}}
    fill(office.workbook(), april)
    assert office.run("build").returncode == 0
    office.init("2024-05")
    may = {"A_LN": {"E": 5, "F": -45, "G": -5, "H": -35}, "A_CHENH": {"E": 0, "G": 0}}
    fill(office.workbook(period="2024-05"), may, narrative=[
        ("II.1.6", "Lợi nhuận tháng {A_LN:thang} tỷ đồng, {A_LN:tang_tt}; chênh lệch {A_CHENH:tang_tt}, "
                   "{A_CHENH:tang_ck}.")])
    check = office.run("check", period="2024-05")
    out = check.stdout + check.stderr
    assert check.returncode == 0, out
    assert office.run("build", period="2024-05").returncode == 0
    mom = Decimal(may["A_LN"]["E"] - april["A_LN"]["E"])
    want = (f"Lợi nhuận tháng {vi(may['A_LN']['E'], 1)} tỷ đồng, tăng {vi(mom, 1)} tỷ đồng so với tháng trước; "
            f"chênh lệch tương đương tháng trước, tương đương cùng kỳ.")
    assert want in office.paragraphs("2024-05")
    why = problems_of(out, "[A_LN]")
    assert len(why) == 1 and "số tháng trước là -20,0 (số âm)" in why[0] and "Thuyết minh!B2" in why[0]
    assert not problems_of(out, "[A_CHENH]") and "thiếu số liệu" not in out
