"""The check in two steps (issue 26 point 4): each department's intake (its own workbook read,
validated, completed from the store) and the period step that combines them. The intake is
the department's alone; the period's problems stay under the department they belong to."""
import hashlib
from decimal import Decimal

from openpyxl import load_workbook

from generator import intake, pipeline
from generator.sources import Entered
from generator.status import DepartmentStatus, of_period
from generator.workbooks.sandbox import read_workbooks

from .conftest import GOOD_VALUES, fill, row_of

CT, NN = "so-cong-thuong", "so-nong-nghiep"


def _prepare(ctx):
    folder = ctx.period_inputs
    fill(folder / f"{CT}.xlsx", GOOD_VALUES, [("II.1.2", "Kim ngạch {XNK_TONG:thang} triệu USD.")])
    fill(folder / f"{NN}.xlsx", GOOD_VALUES, [("II.1.1", "Đàn trâu {NN_TRAU:thang} con; họp {NN_HOP:dat} kế hoạch.")])
    wb = load_workbook(folder / f"{CT}.xlsx")
    row = row_of(wb["Chỉ tiêu"], "XNK_XK")
    wb["Chỉ tiêu"][f"E{row}"] = "abc"
    wb.save(folder / f"{CT}.xlsx")
    return row


def test_each_department_has_its_own_typed_intake(small):
    row = _prepare(small)
    res = pipeline.check(small)
    assert list(res.intakes) == [CT, NN]
    ct, nn = res.intakes[CT], res.intakes[NN]
    assert isinstance(ct, intake.DepartmentIntake)
    for got in (ct, nn):
        path = small.period_inputs / f"{got.department}.xlsx"
        assert got.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == res.inputs[got.department]
        assert all(p.department == got.department for p in got.problems)
        assert all(p.file in ("", path.name) for p in got.problems)
    assert ct.status == pipeline.HAS_ERRORS and ct.broken
    assert [p.cell for p in ct.problems if p.is_error] == [f"E{row}"]
    assert nn.status == pipeline.SUBMITTED and not nn.broken
    # entered values are named, as typed in the workbook
    assert isinstance(nn.entered["NN_TRAU"], Entered)
    assert nn.entered["NN_TRAU"].values["month"] == Decimal(64075)
    assert nn.entered["NN_TRAU"].sources["month"].cell == f"E{row_of(load_workbook(small.period_inputs / f'{NN}.xlsx')['Chỉ tiêu'], 'NN_TRAU')}"
    assert [(r.section, r.department) for r in nn.narrative] == [("II.1.1", NN)]


def test_problems_stay_with_their_department(small):
    _prepare(small)
    res = pipeline.check(small)
    ct, nn = pipeline.department_problems(res, CT), pipeline.department_problems(res, NN)
    assert not set(map(id, ct)) & set(map(id, nn))
    # the plan phrase of an indicator with no plan is found once the figures are computed (the
    # period step), and is the writing department's: in its list and in its count
    late = [p for p in nn if p.indicator == "NN_HOP" and p.cell == "B2"]
    assert late and not [p for p in res.intakes[NN].problems if p in late]
    assert all(p in res.problems for p in ct + nn)
    statuses = {s.department: s for s in res.statuses}
    assert isinstance(statuses[NN], DepartmentStatus)
    assert (statuses[NN].errors, statuses[NN].warnings) == (sum(p.is_error for p in nn), sum(not p.is_error for p in nn))
    assert statuses[CT].status == pipeline.HAS_ERRORS and statuses[CT].errors >= 1
    # a late error in its text makes the department's status «có lỗi», in check and on the dashboard alike
    assert res.intakes[NN].status == pipeline.SUBMITTED and any(p.is_error for p in late)
    rows = {r["department"]: r for r in of_period(small, res)}
    assert rows[NN]["status"] == statuses[NN].status == pipeline.HAS_ERRORS and rows[CT]["status"] == pipeline.HAS_ERRORS


def test_an_intake_depends_on_its_own_workbook_only(small):
    _prepare(small)
    first = pipeline.check(small, record=False).intakes[CT]
    # another department's workbook changes (now with an error of its own): this one's intake does not
    fill(small.period_inputs / f"{NN}.xlsx", {"NN_TRAU": {"E": -5}})
    res = pipeline.check(small, record=False)
    assert res.intakes[NN].status == pipeline.HAS_ERRORS
    again = res.intakes[CT]
    assert (again.problems, again.entered, again.sha256, again.status) == \
        (first.problems, first.entered, first.sha256, first.status)
    # and the step on its own, from the one file read alone, gives the same
    path = small.period_inputs / f"{CT}.xlsx"
    [got] = read_workbooks([(path, small.catalogue, small.period, CT)])
    alone = intake.of_workbook(small, None, CT, path, got, first.sha256, None, record=False)
    assert alone.problems == first.problems and alone.entered == first.entered
    assert [r.segments for r in alone.narrative] == [r.segments for r in first.narrative]


def test_missing_and_blank_departments_are_intakes_too(small):
    fill(small.period_inputs / f"{CT}.xlsx", GOOD_VALUES)
    res = pipeline.check(small)
    nn = res.intakes[NN]   # left as init wrote it
    assert (nn.status, nn.blank, nn.file, nn.problems) == (pipeline.MISSING, True, f"{NN}.xlsx", [])
    [missing] = pipeline.missing_problems(res)
    assert missing.department == NN and "còn trống" in missing.message
