from decimal import Decimal

import pytest

from generator.catalogue import load_catalogue
from generator.compute import compute
from generator.phrases import texts
from generator.printed import print_figure
from generator.sources import Entered
from generator.settings import load_settings

from .conftest import make_templates

S = load_settings()


def figures(tmp_path, entered, settings=S):
    cat, _ = load_catalogue(make_templates(tmp_path / "t"))
    return compute(cat, {k: Entered(v) for k, v in entered.items()}, settings)


def test_flow_plan_and_changes(tmp_path):
    figs, _ = figures(tmp_path, {"XNK_TONG": {"plan": Decimal(3800), "month": Decimal(330), "cumulative": Decimal(2945),
                                              "month_last_year": Decimal(300), "cumulative_last_year": Decimal(1729)}})
    f = figs["XNK_TONG"]
    assert f.derived["pct_plan"] == Decimal("77.5")
    assert f.derived["abs_change_cumulative"] == Decimal(1216)
    t = texts(f, S)
    assert t["pct_plan"] == "77,5%" and t["yoy_cumulative"] == "tăng 70,3%" and t["yoy_month"] == "tăng 10,0%"
    assert t["cumulative"] == "2.945"
    sentence = print_figure(f, S).sentence
    assert sentence.text() == "2.945 triệu USD, đạt 77,5% kế hoạch, tăng 70,3% so với cùng kỳ"
    assert sentence.text(plan_word="", compare=False) == "2.945 triệu USD, đạt 77,5%, tăng 70,3%"
    assert sentence.text(plan_word="dự toán", change=False) == "2.945 triệu USD, đạt 77,5% dự toán"


def test_decrease_and_equivalent(tmp_path):
    figs, _ = figures(tmp_path, {"XNK_TONG": {"cumulative": Decimal("96.8"), "cumulative_last_year": Decimal(100)},
                                 "XNK_XK": {"cumulative": Decimal("100.04"), "cumulative_last_year": Decimal(100)}})
    assert texts(figs["XNK_TONG"], S)["yoy_cumulative"] == "giảm 3,2%"
    # +0,04% rounds to 0,0%: never "tăng 0,0%" nor "-0,0"
    assert texts(figs["XNK_XK"], S)["yoy_cumulative"] == "tương đương cùng kỳ"


def test_band_from_settings(tmp_path):
    wide = dict(S, kiem_tra=dict(S["kiem_tra"], nguong_tuong_duong=1))
    figs, _ = figures(tmp_path, {"XNK_TONG": {"cumulative": Decimal("100.9"), "cumulative_last_year": Decimal(100)}}, wide)
    assert texts(figs["XNK_TONG"], wide)["yoy_cumulative"] == "tương đương cùng kỳ"


def test_zero_or_missing_base_gives_no_percent(tmp_path):
    figs, _ = figures(tmp_path, {"XNK_TONG": {"plan": Decimal(0), "cumulative": Decimal(10), "cumulative_last_year": Decimal(0)},
                                 "XNK_XK": {"cumulative": Decimal(5)}})
    for code in ("XNK_TONG", "XNK_XK"):
        t = texts(figs[code], S)
        assert "pct_plan" not in t and "%" not in t.get("yoy_cumulative", "")
    assert figs["XNK_TONG"].derived["pct_plan"] is None
    assert figs["XNK_TONG"].derived["yoy_cumulative_pct"] is None
    # against last year's 0 the change is the difference, with its unit; with no base at all, nothing
    assert texts(figs["XNK_TONG"], S)["yoy_cumulative"] == f"tăng {10 - 0} triệu USD"
    assert "yoy_cumulative" not in texts(figs["XNK_XK"], S)


def test_index_and_stock(tmp_path):
    figs, _ = figures(tmp_path, {"CSSX": {"month": Decimal("100.79"), "cumulative": Decimal("106.67")},
                                 "NN_TRAU": {"month": Decimal(64075), "month_last_year": Decimal(63252)}})
    t = texts(figs["CSSX"], S)
    assert t["yoy_month"] == "tăng 0,79%" and t["yoy_cumulative"] == "tăng 6,67%"
    assert print_figure(figs["NN_TRAU"], S).sentence.text() == "64.075 con, tăng 1,3% so với cùng kỳ"


def test_share_and_component_warning(tmp_path):
    figs, problems = figures(tmp_path, {
        "XNK_TONG": {"month": Decimal(330), "cumulative": Decimal(2945)},
        "XNK_XK": {"month": Decimal(182), "cumulative": Decimal(1620)},
        "XNK_NK": {"month": Decimal(148), "cumulative": Decimal(1400)}})
    assert texts(figs["XNK_XK"], S)["share"] == "55,0%"
    assert len(problems) == 1
    p = problems[0]
    assert p.code == "components-sum" and p.severity == "cảnh báo" and p.indicator == "XNK_TONG"
    assert "3.020" in p.message and "lệch 75" in p.message


def test_padding(tmp_path):
    figs, _ = figures(tmp_path, {"NN_HOP": {"month": Decimal(2), "cumulative": Decimal(16)}})
    assert texts(figs["NN_HOP"], S)["month"] == "02" and texts(figs["NN_HOP"], S)["cumulative"] == "16"


def test_printed_texts_follow_changed_wording(filled):
    """Settings cannot be changed in place (what was printed with them stays their text); a
    changed copy prints its own wording, and a plain dict changed in place is never served
    stale text either; the period's printed texts (printed.py) are those of its settings."""
    from generator import pipeline
    from generator.phrases import texts
    from generator.printed import print_figures
    res = pipeline.check(filled)
    fig = res.figures["XNK_TONG"]
    settings = filled.settings
    assert texts(fig, settings)["yoy_cumulative"].startswith("tăng ")
    with pytest.raises(TypeError):
        settings["cach_viet"]["tang"] = "cao hơn {pt}"
    changed = settings.replace(cach_viet={**settings["cach_viet"], "tang": "cao hơn {pt}"})
    assert texts(fig, changed)["yoy_cumulative"].startswith("cao hơn ")
    assert texts(fig, settings)["yoy_cumulative"].startswith("tăng ")
    plain = settings.thaw()
    assert texts(fig, plain)["yoy_cumulative"].startswith("tăng ")
    plain["cach_viet"]["tang"] = "cao hơn {pt}"
    assert texts(fig, plain)["yoy_cumulative"].startswith("cao hơn ")
    assert res.printed["XNK_TONG"].texts["yoy_cumulative"].startswith("tăng ")
    assert print_figures(res.figures, changed)["XNK_TONG"].words["tang"].startswith("cao hơn ")


def test_an_index_second_target_is_against_the_value_its_sentence_speaks_of(tmp_path):
    """One rule for the value a sentence speaks of: an index entered for the month only
    speaks of its month, and its second target («Kế hoạch khác») is measured against that
    month too (it was measured against the missing year to date, so never printed)."""
    from dataclasses import replace

    from generator.catalogue import INDEX
    from generator.compute import derive, main_measure
    cat, _ = load_catalogue(make_templates(tmp_path / "t"))
    ind = next(i for i in cat.indicators.values() if i.kind == INDEX)
    ind = replace(ind, plan2_word="kế hoạch tỉnh giao")
    month_only = {"month": Decimal("104.5"), "plan2": Decimal("110")}
    assert main_measure(INDEX, month_only) == "month"
    assert derive(ind, month_only)["pct_plan2"] == Decimal("104.5") / Decimal("110") * 100
    both = {"month": Decimal("104.5"), "cumulative": Decimal("103"), "plan2": Decimal("110")}
    assert main_measure(INDEX, both) == "cumulative"
    assert derive(ind, both)["pct_plan2"] == Decimal("103") / Decimal("110") * 100
