"""The period's figures are printed once (``printed.py``), right after they are computed, and
every stage that prints a figure reads those texts: none calls ``phrases`` itself."""
from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from generator import phrases, pipeline
from generator import printed as stage
from generator.catalogue import FLOW

from .conftest import ROOT

grimp = pytest.importorskip("grimp", reason="import-linter (the test extras) is not installed")


def vi(x: Decimal, places: int = 1) -> str:
    """A number as the report prints it, computed here: rounded half up, «.» for thousands, «,» decimals."""
    q = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{q:f}".partition(".")
    whole = f"{int(whole):,}".replace(",", ".")
    return whole + ("," + frac if frac else "")


def test_only_the_printing_stage_imports_phrases():
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("generator", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    assert graph.find_modules_that_directly_import("generator.phrases") == {"generator.printed"}


def test_a_build_prints_each_figure_once_and_every_output_reads_those_texts(tmp_path, monkeypatch):
    calls: Counter = Counter()
    real = phrases.texts

    def counting(fig, settings):
        calls[fig.code] += 1
        return real(fig, settings)
    monkeypatch.setattr(phrases, "texts", counting)
    monkeypatch.setattr(stage, "texts", counting)
    got = pipeline.build(pipeline.open_context("2023-08", ROOT / "inputs", tmp_path / "out", db=None))
    res = got["check"]
    assert set(calls) == set(res.figures) and set(calls.values()) == {1}, calls.most_common(3)

    # the stage's texts are what figures.json prints, indicator by indicator, in the same order
    doc = json.loads(got["paths"]["figures"].read_text(encoding="utf-8"))
    assert [i["code"] for i in doc["indicators"]] == list(res.printed)
    assert all(i["text"] == dict(res.printed[i["code"]].texts) for i in doc["indicators"])

    # a flow with a plan: its sentence and the template's variants, computed here from its values
    code = next(c for c, f in res.figures.items() if f.indicator.kind == FLOW and f.indicator.unit
                and f.indicator.dec_pct_plan == 1 and f.indicator.dec_change == 1 and f.indicator.decimals("cumulative") == 0
                and all(f.values.get(m) for m in ("plan", "cumulative", "cumulative_last_year"))
                and f.values["cumulative"] > f.values["cumulative_last_year"] and not f.indicator.plan2_word)
    fig = res.figures[code]
    v = fig.values
    plan = vi(v["cumulative"] / v["plan"] * 100) + "%"
    change = "tăng " + vi(v["cumulative"] / v["cumulative_last_year"] * 100 - 100) + "%"
    value = vi(v["cumulative"], 0) + " " + fig.indicator.unit
    mine = res.printed[code]
    word = fig.indicator.plan_word
    assert mine.sentence.text() == mine.words["cau"] == f"{value}, đạt {plan} {word}, {change} so với cùng kỳ"
    assert mine.sentence.text(plan_word="", compare=False) == f"{value}, đạt {plan}, {change}"
    assert mine.sentence.text(unit=False, change=False) == f"{vi(v['cumulative'], 0)}, đạt {plan} {word}"
    assert mine.words["tang"] == change and mine.words["dat"] == plan

    # read-only: no stage can change what another prints
    with pytest.raises(TypeError):
        mine.texts["cumulative"] = "0"
    with pytest.raises(TypeError):
        mine.words["cau"] = ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.sentence = None
    with pytest.raises(TypeError):
        res.printed.by_code[code] = mine


def test_a_template_s_plan_word_names_the_first_target_only(tmp_path):
    """``cau(ke_hoach=…)`` renames the first target; the second target («Kế hoạch khác») keeps
    its own word, also when the first one has no figure and only the second prints."""
    from generator.catalogue import load_catalogue
    from generator.compute import compute
    from generator.settings import load_settings
    from generator.sources import Entered

    from .conftest import HEADER, SMALL_DEPTS, SMALL_INDICATORS, make_templates
    rows = SMALL_INDICATORS.strip().splitlines()[1:]
    inds = "\n".join([HEADER + ",Kế hoạch khác"] + [r + "," for r in rows] + [
        "TC_THU,Thu ngân sách nhà nước,tỷ đồng,so-cong-thuong,cộng dồn,1,1,1,1,,dự toán,,,,,,,,II.1.6,"
        "dự toán HĐND tỉnh giao"]) + "\n"
    cat, problems = load_catalogue(make_templates(tmp_path / "t", indicators=inds, departments=SMALL_DEPTS))
    assert not [p for p in problems if p.is_error]
    settings = load_settings()
    now, last, plan, plan2 = Decimal("4907.1"), Decimal(4600), Decimal(7000), Decimal(7100)
    first = "đạt " + vi(now / plan * 100) + "%"
    second = "đạt " + vi(now / plan2 * 100) + "% dự toán HĐND tỉnh giao"
    change = "tăng " + vi(now / last * 100 - 100) + "% so với cùng kỳ"
    both, _ = compute(cat, {"TC_THU": Entered({"plan": plan, "plan2": plan2, "cumulative": now,
                                               "cumulative_last_year": last})}, settings)
    got = stage.print_figure(both["TC_THU"], settings).sentence
    assert got.text() == f"4.907,1 tỷ đồng, {first} dự toán, {second}, {change}"
    assert got.text(plan_word="") == f"4.907,1 tỷ đồng, {first}, {second}, {change}"
    alone, _ = compute(cat, {"TC_THU": Entered({"plan2": plan2, "cumulative": now, "cumulative_last_year": last})},
                       settings)
    got = stage.print_figure(alone["TC_THU"], settings).sentence
    assert got.text(plan_word="") == got.text() == f"4.907,1 tỷ đồng, {second}, {change}"
