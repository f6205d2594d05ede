"""Helpers shared by the tests: a small catalogue in a temporary templates folder, blank
workbooks made by the real ``init``, and filling them with openpyxl as a department would."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "BC-UBND-LangSon-2023-08.md"
REFCHECK = SHARED / "tools" / "refcheck.py"
LAYOUTCHECK = SHARED / "tools" / "layoutcheck.py"
STRICT = os.environ.get("BAOCAO_STRICT") == "1"

HEADER = ("Mã chỉ tiêu,Tên chỉ tiêu,Đơn vị tính,Đơn vị báo cáo,Loại,Số lẻ tháng,Số lẻ lũy kế,Số lẻ % kế hoạch,"
          "Số lẻ tăng giảm,Số lẻ tỷ trọng,Kế hoạch,Bắt buộc,Cho phép âm,Số nguyên,Đệm số 0,Thuộc chỉ tiêu,"
          "Dung sai (%),Ngưỡng tương đương (%),Mục báo cáo")
SMALL_DEPTS = "Mã đơn vị,Tên đơn vị\nso-cong-thuong,Sở Công Thương\nso-nong-nghiep,Sở Nông nghiệp và Phát triển nông thôn\n"
SMALL_INDICATORS = HEADER + "\n" + "\n".join([
    "XNK_TONG,Tổng kim ngạch xuất nhập khẩu,triệu USD,so-cong-thuong,cộng dồn,0,0,1,1,,kế hoạch,,,,,,,,II.1.2",
    "XNK_XK,Xuất khẩu,triệu USD,so-cong-thuong,cộng dồn,0,0,1,1,1,kế hoạch,,,,,XNK_TONG,,,II.1.2",
    "XNK_NK,Nhập khẩu,triệu USD,so-cong-thuong,cộng dồn,0,0,1,1,1,kế hoạch,,,,,XNK_TONG,,,II.1.2",
    "CSSX,Chỉ số sản xuất công nghiệp,%,so-cong-thuong,chỉ số,2,2,,2,,,,,,,,,,II.1.3",
    "NN_TRAU,Đàn trâu,con,so-nong-nghiep,thời điểm,0,,,1,,,,,có,,,,,II.1.1",
    "NN_HOP,Cuộc họp,cuộc họp,so-nong-nghiep,cộng dồn,0,0,,,,,,,có,2,,,,II.1.1",
]) + "\n"

# values a careful department enters (sheet "Chỉ tiêu", columns D..H)
GOOD_VALUES = {
    "XNK_TONG": {"D": 3800, "E": 330, "F": 2945, "G": 300, "H": 1729},
    "XNK_XK": {"D": 1300, "E": 182, "F": 1620, "G": 90, "H": 433},
    "XNK_NK": {"D": 2500, "E": 148, "F": 1325, "G": 210, "H": 1296},
    "CSSX": {"E": 100.79, "F": 106.67},
    "NN_TRAU": {"E": 64075, "G": 63252},
    "NN_HOP": {"E": 2, "F": 16, "G": 3, "H": 15},
}


def make_templates(folder: Path, indicators: str = SMALL_INDICATORS, departments: str = SMALL_DEPTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("cai-dat.toml", "BC-UBND.docx"):
        shutil.copy(ROOT / "templates" / name, folder / name)
    # the small office has no «van-phong-ubnd»: its departments are the writers the office names
    # for the sections the shipped settings give to it (I, II.DG, III)
    codes = [line.split(",")[0] for line in departments.splitlines()[1:] if line.strip()]
    settings = folder / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        '["van-phong-ubnd"]', "[" + ", ".join(f'"{c}"' for c in codes) + "]"), encoding="utf-8")
    (folder / "don-vi.csv").write_text(departments, encoding="utf-8")
    (folder / "chi-tieu.csv").write_text(indicators, encoding="utf-8")
    return folder


def row_of(ws, code: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == code:
            return r
    raise KeyError(code)


def codes_of(path: Path) -> set:
    wb = load_workbook(path, read_only=True)
    try:
        return {row[0] for row in wb["Chỉ tiêu"].iter_rows(min_row=2, max_col=1, values_only=True) if row[0]}
    finally:
        wb.close()


def fill(path: Path, values: dict | None = None, narrative: list | None = None) -> None:
    """Fill a workbook like a department: values {code: {column: value}}, narrative rows.
    One dict may hold the values of several departments (GOOD_VALUES is filled into each of
    their workbooks): a code that belongs to a sibling workbook is passed over, but a code
    in no workbook of the folder is a mistake in the test and raises KeyError."""
    wb = load_workbook(path)
    ws = wb["Chỉ tiêu"]
    siblings = None
    for code, cols in (values or {}).items():
        try:
            r = row_of(ws, code)
        except KeyError:
            if siblings is None:
                siblings = set().union(*(codes_of(other) for other in Path(path).parent.glob("*.xlsx")
                                         if other != Path(path) and not other.name.startswith("~$")))
            if code not in siblings:
                raise KeyError(f"{code}: in no workbook of {Path(path).parent}") from None
            continue
        for col, v in cols.items():
            ws[f"{col}{r}"] = v
    if narrative:
        t = wb["Thuyết minh"]
        for i, (section, text) in enumerate(narrative, start=2):
            t.cell(i, 1).value = section
            t.cell(i, 2).value = text
    wb.save(path)


@pytest.fixture
def small(tmp_path):
    """A templates folder with the small catalogue, and blank workbooks for 2023-08."""
    from generator import pipeline
    templates = make_templates(tmp_path / "templates")
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates)
    pipeline.init(ctx)
    return ctx


@pytest.fixture
def filled(small):
    folder = small.period_inputs
    fill(folder / "so-cong-thuong.xlsx", GOOD_VALUES)
    fill(folder / "so-nong-nghiep.xlsx", GOOD_VALUES)
    return small


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def require_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if STRICT:
            pytest.fail(f"{name} is required under BAOCAO_STRICT=1 but is not installed")
        pytest.skip(f"{name} is not installed")
    return found


def require_shared():
    if not REFCHECK.exists():
        if STRICT:
            pytest.fail(f"{REFCHECK} missing under BAOCAO_STRICT=1")
        pytest.skip("../shared/tools is not present")
