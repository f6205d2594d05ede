from generator.catalogue import FLOW, INDEX, STOCK, load_catalogue

from .conftest import HEADER, SMALL_DEPTS, SMALL_INDICATORS, make_templates


def problems_of(tmp_path, indicators, departments=SMALL_DEPTS):
    folder = make_templates(tmp_path / "t", indicators, departments)
    return load_catalogue(folder)


def test_small_catalogue_loads(tmp_path):
    cat, problems = problems_of(tmp_path, SMALL_INDICATORS)
    assert problems == []
    assert cat.indicators["XNK_TONG"].kind == FLOW and cat.indicators["XNK_TONG"].plan_word == "kế hoạch"
    assert cat.indicators["CSSX"].kind == INDEX and cat.indicators["NN_TRAU"].kind == STOCK
    assert cat.indicators["NN_HOP"].pad == 2 and cat.indicators["NN_TRAU"].integer
    assert [c.code for c in cat.components()["XNK_TONG"]] == ["XNK_XK", "XNK_NK"]


def test_sample_catalogue_loads():
    from generator.settings import DEFAULT_TEMPLATES
    cat, problems = load_catalogue(DEFAULT_TEMPLATES)
    assert problems == [] and len(cat.indicators) > 250 and len(cat.departments) > 20


def test_catalogue_errors_name_line_and_column(tmp_path):
    rows = SMALL_INDICATORS + "\n".join([
        "XNK_TONG,Trùng mã,triệu USD,so-cong-thuong,cộng dồn,,,,,,,,,,,,,,",            # line 8
        "X_A,Chỉ tiêu A,tấn,so-khong-co,cộng dồn,,,,,,,,,,,,,,",                      # line 9
        "X_B,Chỉ tiêu B,tấn,so-cong-thuong,hằng năm,,,,,,,,,,,,,,",                    # line 10
        "X_C,Chỉ tiêu C,tấn,so-cong-thuong,cộng dồn,,,,,,,,,,,X_D,,,",                 # line 11
        "X_D,Chỉ tiêu D,tấn,so-cong-thuong,cộng dồn,,,,,,,,,,,X_C,,,",                 # line 12
        "x-bad,Mã sai,tấn,so-cong-thuong,cộng dồn,,,,,,,,,,,,,,",                      # line 13
        "X_E,Chỉ tiêu E,tấn,so-cong-thuong,cộng dồn,abc,,,,,khác,,,,,X_KHONG,,,",       # line 14
    ]) + "\n"
    _, problems = problems_of(tmp_path, rows)
    by = {(p.code, p.position) for p in problems}
    assert ("indicator-duplicate", "dòng 8, cột Mã chỉ tiêu") in by
    assert ("indicator-department", "dòng 9, cột Đơn vị báo cáo") in by
    assert ("indicator-kind", "dòng 10, cột Loại") in by
    assert ("indicator-code", "dòng 13, cột Mã chỉ tiêu") in by
    assert ("indicator-decimals", "dòng 14, cột Số lẻ tháng") in by
    assert ("indicator-plan", "dòng 14, cột Kế hoạch") in by
    cycles = [p for p in problems if p.code == "indicator-cycle"]
    assert len(cycles) == 1 and "X_C" in cycles[0].message and "X_D" in cycles[0].message
    assert all(p.file == "chi-tieu.csv" and p.severity == "lỗi" for p in problems)
    dup = next(p for p in problems if p.code == "indicator-duplicate")
    assert dup.message == "Mã chỉ tiêu «XNK_TONG» bị trùng (đã có ở dòng 2)"


def test_unknown_parent_and_department_errors(tmp_path):
    rows = HEADER + "\nX_A,A,tấn,so-cong-thuong,cộng dồn,,,,,,,,,,,X_KHONG,,,\n"
    depts = SMALL_DEPTS + "so-cong-thuong,Trùng\nSở Sai,Tên\n"
    _, problems = problems_of(tmp_path, rows, depts)
    codes = {p.code for p in problems}
    assert {"indicator-parent", "department-duplicate", "department-code"} <= codes


def test_missing_column(tmp_path):
    _, problems = problems_of(tmp_path, "Mã chỉ tiêu,Tên chỉ tiêu\nX,Y\n")
    assert any(p.code == "catalogue-column" and "Đơn vị tính" in p.message for p in problems)


def test_one_rule_for_an_earlier_value_in_todays_unit():
    """``UnitTable.in_unit`` is the one rule the history, the earlier periods' workbooks and
    init's carried plans use: the same unit (however spaced or cased) or no stored unit keeps
    the value as entered; another unit is converted by the table, either direction; no
    conversion gives None, never the value unconverted."""
    from decimal import Decimal

    from generator.units import UnitTable
    table = UnitTable({("ha", "nghìn ha"): Decimal("0.001")})
    v = Decimal("48995.0")
    assert table.in_unit(v, "ha", " HA ") is v
    assert table.in_unit(v, None, "nghìn ha") is v
    assert table.in_unit(v, "ha", "nghìn  ha") == Decimal("48.995")
    assert table.in_unit(Decimal("2.5"), "Nghìn ha", "ha") == Decimal("2500")
    assert table.in_unit(v, "ha", "tấn") is None
