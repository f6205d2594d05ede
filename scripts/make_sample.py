"""Derive the sample period (inputs/2023-08/) and the catalogue (templates/don-vi.csv,
templates/chi-tieu.csv) from scripts/sample/2023-08.txt, the reference report annotated
with the indicators behind its figures.

For every percentage and change the reference prints, it solves for a plan or last-year
value that the real computation turns back into the printed text; then it checks every
annotation by running the real pipeline (compute + narrative) and refuses to write anything
if a single figure would print differently. One-off; kept to show where the sample comes from.

    python scripts/make_sample.py            # writes templates/*.csv and inputs/2023-08/
"""
from __future__ import annotations

import csv
import re
import shutil
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import narrative  # noqa: E402
from generator.catalogue import COLUMNS  # noqa: E402
from generator.compute import compute  # noqa: E402
from generator.pipeline import init, open_context  # noqa: E402
from generator.vi_numbers import parse_number, round_half_up  # noqa: E402
from generator.workbooks import layout  # noqa: E402

SOURCE = ROOT / "scripts" / "sample" / "2023-08.txt"
PERIOD = "2023-08"
MONTHS = 8
ANNOT = re.compile(r"\{([A-Z][A-Z0-9_]*)(?::([a-z_]*))?=([^}|]*)((?:\|[^}|]*)*)\}")
KIND = {"cd": "cộng dồn", "td": "thời điểm", "cs": "chỉ số", "tl": "tỷ lệ"}


@dataclass
class Ind:
    code: str
    name: str = ""
    unit: str = ""
    kind: str = "cd"
    parent: str = ""
    dept: str = ""
    section: str = ""
    dutoan: bool = False
    printed: dict = field(default_factory=dict)   # measure -> [printed]
    sets: dict = field(default_factory=dict)      # measure -> Decimal
    values: dict = field(default_factory=dict)
    dec: dict = field(default_factory=dict)
    pad: int = 0


def decimals(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def num(text: str) -> Decimal:
    return parse_number(text.strip()).value


def parse_source():
    depts, inds, paragraphs = {}, {}, []
    dept = section = None
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@dept"):
            parts = [p.strip() for p in line[5:].split("|")]
            dept = parts[0]
            if len(parts) > 1:
                depts[dept] = parts[1]
            continue
        if line.startswith("@section"):
            section = line.split()[1]
            continue
        if line.startswith("@set"):
            _, code, measure, value = line.split()
            inds[code].sets[{"thang": "month", "luyke": "cumulative"}[measure]] = num(value)
            continue

        def sub(m):
            code, measure, printed, decl = m.group(1), m.group(2) or "", m.group(3), m.group(4)
            ind = inds.setdefault(code, Ind(code, dept=dept, section=section))
            if decl:
                fields = decl.split("|")[1:]
                ind.name, ind.unit = fields[0], fields[1]
                flags = fields[2].split()
                ind.kind = flags[0]
                ind.dutoan = "dt" in flags
                for f in flags:
                    if f.startswith("@"):
                        ind.dept = f[1:]
                ind.parent = fields[3] if len(fields) > 3 else ""
            ind.printed.setdefault(measure, []).append(printed)
            return "{" + code + (":" + measure if measure else "") + "}"

        text = ANNOT.sub(sub, line)
        paragraphs.append((dept, section, text))
    return depts, inds, paragraphs


def change_of(printed: str):
    """'tăng 45%' -> (45, 0); 'giảm 3,2% so với cùng kỳ' -> (-3.2, 1); 'tương đương…' -> (0, None)."""
    p = printed.replace(" so với cùng kỳ", "").strip()
    if p.startswith("tương đương"):
        return Decimal(0), None
    m = re.fullmatch(r"(tăng|giảm)?\s*([\d.,]+)%", p)
    value = num(m.group(2))
    return (-value if m.group(1) == "giảm" else value), decimals(m.group(2))


def solve_base(value: Decimal, change: Decimal, places, start: int) -> Decimal:
    """A last-year value whose change to ``value`` rounds to ``change``."""
    if places is None:
        return value
    exact = value / (1 + change / 100)
    for d in range(0, start + 5):
        for cand in (round_half_up(exact, d),):
            if cand > 0 and round_half_up((value / cand - 1) * 100, places) == change:
                return cand
    raise SystemExit(f"không tìm được số cùng kỳ cho {value} {change}")


def solve_plan(value: Decimal, pct: Decimal, places: int) -> Decimal:
    exact = value * 100 / pct
    for d in range(0, 7):
        cand = round_half_up(exact, d)
        if cand > 0 and round_half_up(value / cand * 100, places) == pct:
            return cand
    raise SystemExit(f"không tìm được kế hoạch cho {value} {pct}")


def solve(inds: dict) -> None:
    order = sorted(inds.values(), key=lambda i: depth(i, inds))
    for ind in order:
        pr, v = ind.printed, ind.values
        allp = [x for xs in pr.values() for x in xs]
        if any(re.fullmatch(r"(?:-|tăng |giảm )?0\d+", x) for x in allp):
            ind.pad = 2
        main = "month" if ind.kind in ("td", "tl") else "cumulative"   # a rate (tl) as of the month
        if ind.kind == "cs":
            for key, measure in (("tang_thang", "month"), ("tang_luyke", "cumulative"), ("tang", "cumulative")):
                if key in pr:
                    c, places = change_of(pr[key][0])
                    v[measure] = 100 + c
                    ind.dec["change"] = places
            v.update(ind.sets)
            v.setdefault("month", v.get("cumulative"))
            v.setdefault("cumulative", v.get("month"))
            ind.dec["month"] = ind.dec["cumulative"] = ind.dec["change"]
            continue
        for key, measure in (("thang", "month"), ("luyke", "cumulative"), ("", main)):
            if key in pr:
                v[measure] = num(pr[key][0])
                ind.dec[measure] = decimals(pr[key][0])
        v.update(ind.sets)
        if ind.kind == "cd":
            parent = inds.get(ind.parent)
            if "month" not in v:
                if parent and parent.values.get("month") is not None:
                    v["month"] = round_half_up(parent.values["month"] * v["cumulative"] / parent.values["cumulative"],
                                               ind.dec.get("cumulative", 0))
                else:
                    v["month"] = round_half_up(v["cumulative"] / MONTHS, ind.dec.get("cumulative", 0))
            if "cumulative" not in v:
                v["cumulative"] = v["month"] * MONTHS
            ind.dec.setdefault("month", ind.dec.get("cumulative", 0))
            ind.dec.setdefault("cumulative", ind.dec["month"])
        else:
            ind.dec.setdefault("month", 0)
        base_key = "cumulative_last_year" if main == "cumulative" else "month_last_year"
        if "cungky" in pr:
            v[base_key] = num(pr["cungky"][0])
        sign = 1
        if "chenh" in pr:
            text = pr["chenh"][0]
            sign = -1 if text.startswith("-") else 1
            v[base_key] = v[main] - sign * num(text.lstrip("-"))
        if "tang_giam" in pr:  # "tăng 32" / "giảm 07": the change with its own direction word
            word, _, text = pr["tang_giam"][0].partition(" ")
            sign = -1 if word == "giảm" else 1
            v[base_key] = v[main] - sign * num(text)
        for key in ("tang", "tang_ck", "tyle_tang"):
            if key in pr:
                text = pr[key][0]
                c, places = change_of(text if key != "tyle_tang" else ("giảm " if sign < 0 else "tăng ") + text)
                ind.dec["change"] = places if places is not None else ind.dec.get("change", 1)
                if base_key not in v:
                    v[base_key] = solve_base(v[main], c, places, ind.dec[main])
        if "tang_thang" in pr:
            c, places = change_of(pr["tang_thang"][0])
            ind.dec["change"] = places if places is not None else ind.dec.get("change", 1)
            v["month_last_year"] = solve_base(v["month"], c, places, ind.dec["month"])
        if "tang_luyke" in pr:
            c, places = change_of(pr["tang_luyke"][0])
            ind.dec["change"] = places if places is not None else ind.dec.get("change", 1)
            v["cumulative_last_year"] = solve_base(v["cumulative"], c, places, ind.dec["cumulative"])
        if "dat" in pr:
            pct = pr["dat"][0].rstrip("%")
            ind.dec["pct_plan"] = decimals(pct)
            v["plan"] = solve_plan(v[main], num(pct), decimals(pct))
        if "tytrong" in pr:
            ind.dec["share"] = decimals(pr["tytrong"][0].rstrip("%"))


def depth(ind, inds):
    d = 0
    while ind.parent and ind.parent in inds and d < 10:
        ind, d = inds[ind.parent], d + 1
    return d


# the sample's annex: the indicators a provincial report's «Phụ lục» lists, in its order;
# those marked True also get a line chart in the annex workbook
ANNEX = {code: (n, code in ("KKT_XNK", "DL_KHACH", "KH_GN", "TC_THU")) for n, code in enumerate(
    "NN_DX_DT NN_DX_LT NN_RUNG NN_TRAU NN_BO NN_LON KKT_XNK KKT_XK KKT_NK CT_XK_DP CT_IIP CT_DIEN_TP "
    "CT_XIMANG DL_KHACH DL_DOANHTHU KH_KL KH_GN KH_DN_MOI KH_DN_MOI_VON KH_DA_MOI TC_THU THUE_THU_ND "
    "HQ_THU_XNK TC_CHI YT_KHAM GD_TRUONG_CHUAN LD_TL_QDT".split(), start=1)}


def write_catalogue(depts, inds, templates: Path) -> None:
    with open(templates / "don-vi.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["Mã đơn vị", "Tên đơn vị"])
        for code, name in depts.items():
            w.writerow([code, name])
    dept_order = list(depts)
    rows = sorted(inds.values(), key=lambda i: dept_order.index(i.dept))
    with open(templates / "chi-tieu.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(list(COLUMNS))
        for i in rows:
            plan = ("dự toán" if i.dutoan else "kế hoạch") if "dat" in i.printed else ""
            integer = "có" if i.unit not in ("%",) and i.dec.get("month", 0) == 0 and i.dec.get("cumulative", 0) == 0 \
                and i.kind != "cs" and not any(u in i.unit for u in ("đồng", "USD", "tấn", "ha", "km", "m³", "Kw", "gam",
                                                                       "nghìn", "triệu")) \
                and all(v == v.to_integral_value() for v in i.values.values()) else ""
            w.writerow([i.code, i.name, i.unit, i.dept, KIND[i.kind], i.dec.get("month", 0),
                        i.dec.get("cumulative", i.dec.get("month", 0)), i.dec.get("pct_plan", 1),
                        i.dec.get("change", 1), i.dec.get("share", 1), plan, "có", "", integer,
                        i.pad or "", i.parent, "100" if i.code == "TTR_KN_THAMQUYEN" else "", "", i.section,
                        "", "", "", ANNEX[i.code][0] if i.code in ANNEX else "",
                        "có" if ANNEX.get(i.code, (0, False))[1] else ""])


def verify(ctx, inds, paragraphs) -> list[str]:
    entered = {c: {"values": dict(i.values)} for c, i in inds.items()}
    figures, _ = compute(ctx.catalogue, entered, ctx.settings)
    bad = []
    for code, ind in inds.items():
        for measure, printed_list in ind.printed.items():
            for printed in printed_list:
                got = narrative.print_ref(narrative.Ref(code, measure), figures, ctx.settings)
                want = printed.lstrip("-") if measure == "chenh" else printed
                if got != want:
                    bad.append(f"{code}:{measure} in «{got}», bản gốc «{want}»")
    return bad


def main() -> int:
    depts, inds, paragraphs = parse_source()
    for ind in inds.values():
        if not ind.name:
            raise SystemExit(f"{ind.code}: chưa khai báo tên ở lần dùng đầu")
    solve(inds)
    templates = ROOT / "templates"
    write_catalogue(depts, inds, templates)
    ctx = open_context(PERIOD, ROOT / "inputs", ROOT / "build", templates)
    bad = verify(ctx, inds, paragraphs)
    if bad:
        print("\n".join(bad))
        print(f"{len(bad)} số liệu in khác bản gốc; chưa ghi biểu")
        return 1
    folder = ROOT / "inputs" / PERIOD
    if folder.exists():
        shutil.rmtree(folder)
    init(ctx)
    from openpyxl import load_workbook
    for dept in depts:
        path = folder / layout.filename(dept)
        wb = load_workbook(path)
        ws = wb[layout.SHEET_DATA]
        col = {c.value: c.column for c in ws[1]}
        for r in range(2, ws.max_row + 1):
            code = ws.cell(r, col[layout.COL_CODE]).value
            for measure, value in inds[code].values.items():
                if measure in layout.measures_for(ctx.catalogue.indicators[code]):
                    v = value.normalize()
                    ws.cell(r, col[layout.COLUMN_OF[measure]]).value = int(v) if v == v.to_integral_value() else float(v)
        text = wb[layout.SHEET_TEXT]
        row = 2
        for d, section, body in paragraphs:
            if d == dept:
                text.cell(row, 1).value = section
                text.cell(row, 2).value = body
                row += 1
        wb.save(path)
    print(f"{len(inds)} chỉ tiêu, {len(depts)} đơn vị, {len(paragraphs)} đoạn văn; đã ghi {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
