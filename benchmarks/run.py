"""Whole-process wall time and peak memory of `baocao check` and `baocao build` on the sample
period, next to pandoc converting the reference markdown to DOCX as a yardstick.

    python benchmarks/run.py [--repeat 3]

Prints figures; asserts nothing (speed goals are not tests)."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "BC-UBND-LangSon-2023-08.md"


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process run to completion."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def pandoc_cmd(tmp: Path) -> list[str] | None:
    if not shutil.which("pandoc") or not REFERENCE.exists():
        return None
    text = REFERENCE.read_text(encoding="utf-8").replace("m<sup>3</sup>", "m³")
    notes = {}
    body = []
    for line in text.splitlines():
        m = re.match(r"^\s*<sup>(\d+)</sup>\s*(.*)$", line)
        if m:
            notes[m.group(1)] = m.group(2)
        else:
            body.append(re.sub(r"<sup>(\d+)</sup>", r"[^\1]", line))
    md = "\n".join(body) + "\n\n" + "\n".join(f"[^{n}]: {t}" for n, t in notes.items()) + "\n"
    src = tmp / "reference.md"
    src.write_text(md, encoding="utf-8")
    return ["pandoc", str(src), "-o", str(tmp / "reference.docx")]


def make_year(inputs: Path, year: int = 2023) -> None:
    """Twelve periods made with the real `init` and filled with numbers, as departments would."""
    sys.path.insert(0, str(ROOT))
    from openpyxl import load_workbook
    from generator import pipeline
    from generator.periods import Period
    from generator.workbooks import layout
    ctx = pipeline.open_context(f"{year}-01", inputs, inputs.parent / "out")
    for month in range(1, 13):
        c = pipeline.for_period(ctx, Period(year, month))
        pipeline.init(c)
        for path in sorted(c.period_inputs.glob("*.xlsx")):
            wb = load_workbook(path)
            ws = wb[layout.SHEET_DATA]
            for r in range(2, ws.max_row + 1):
                ind = ctx.catalogue.indicators[ws.cell(r, 1).value]
                base = 100 + r
                vals = {"plan": base * 24, "month": base, "cumulative": base * month,
                        "month_last_year": base - 3, "cumulative_last_year": (base - 3) * month}
                if ind.kind == "index":
                    vals = {"month": 100 + r / 10, "cumulative": 100 + r / 20}
                for measure in layout.measures_for(ind):
                    ws.cell(r, layout.DATA_HEADERS.index(layout.COLUMN_OF[measure]) + 1).value = vals[measure]
            wb.save(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--source-only", action="store_true",
                    help="do not compile the package's bytecode first (each run compiles every module)")
    args = ap.parse_args()
    if not args.source_only:
        # as `pip install .` leaves it (and as a clerk's second run finds it): bytecode
        # compiled. A machine that sets PYTHONDONTWRITEBYTECODE (this sandbox does) never
        # caches it, and an editable install compiles nothing: every run would recompile
        # every module (about 0,13 s here) — measure that with --source-only.
        import compileall
        compileall.compile_dir(str(ROOT / "generator"), quiet=1)
        print("bytecode: compiled first, as an installed package has it (--source-only: without)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        jobs = {
            "baocao check": [sys.executable, "-m", "generator", "check", "--period", "2023-08", "--out", str(tmp / "b"),
                             "--db", ""],
            "baocao build": [sys.executable, "-m", "generator", "build", "--period", "2023-08", "--out", str(tmp / "b"),
                             "--db", ""],
        }
        pc = pandoc_cmd(tmp)
        if pc:
            jobs["pandoc (reference.md -> docx)"] = pc
        make_year(tmp / "year" / "inputs")
        jobs["baocao build, 12 periods"] = [sys.executable, "-m", "generator", "build", "--period", "2023-01..2023-12",
                                            "--inputs", str(tmp / "year" / "inputs"), "--out", str(tmp / "year" / "out"),
                                            "--db", ""]
        print(f"machine: {os.cpu_count()} cores; {args.repeat} rounds (each runs every command once, so a "
              f"slow spell of a shared machine hits all of them), best time and its peak RSS")
        runs: dict[str, list] = {name: [] for name in jobs}
        for _ in range(args.repeat):
            for name, cmd in jobs.items():
                runs[name].append(measure(cmd, ROOT))
        for name in jobs:
            best = min(runs[name])
            print(f"  {name:32s} {best[0]:6.2f} s  {best[1]:6.1f} MB")
        if pc:
            import statistics
            yard = "pandoc (reference.md -> docx)"
            for name, goal in (("baocao check", 2), ("baocao build", 3)):
                best = min(runs[name])[0] / min(runs[yard])[0]
                rounds = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs[yard]))
                # judged on the rounds: each pairs the command with pandoc run moments apart, so a
                # slow spell of a shared machine does not decide it (the bests may come from
                # different spells)
                print(f"  {name} / pandoc: {rounds:.2f}x median of rounds (goal <= {goal}x: "
                      f"{'met' if rounds <= goal else 'NOT met'}); {best:.2f}x best against best")
        else:
            print("  pandoc: not installed (apt-get install pandoc) — no yardstick")
        reading_time()
        upload_latency(tmp / "web")
    return 0


def reading_time(rounds: int = 7) -> None:
    """The reader alone: the 23 sample workbooks read in this process (one parse each into the
    sheet model, every check on it), best of ``rounds``."""
    import time
    sys.path.insert(0, str(ROOT))
    from generator.catalogue import load_catalogue
    from generator.periods import Period
    from generator.workbooks.read import read_workbook
    cat, _ = load_catalogue(ROOT / "templates")
    files = sorted((ROOT / "inputs" / "2023-08").glob("*.xlsx"))
    period = Period.parse("2023-08")
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for f in files:
            read_workbook(f, cat, period, f.stem)
        best = min(best, time.perf_counter() - start)
    print(f"  reading {len(files)} workbooks in one process  {best:6.3f} s  (best of {rounds})")


def upload_latency(tmp: Path) -> None:
    """The web intake's verdict time: one upload alone, then 20 departments at the same moment
    (each upload is read in the bounded worker processes; p95 over the 20)."""
    import statistics
    sys.path.insert(0, str(ROOT))
    from tests.web_helpers import Server, upload_at_once, web_setup
    depts = sorted(p.stem for p in (ROOT / "inputs" / "2023-08").glob("*.xlsx"))[:20]
    app, _ = web_setup(tmp, remove=depts)
    with Server(app) as server:
        got = upload_at_once(server, depts, first_alone=True)
    assert all("Đã nhận biểu" in r.text for _, r, _ in got), [d for d, r, _ in got if "Đã nhận biểu" not in r.text]
    one = got[0][2]
    times = sorted(t for _, _, t in got[1:])
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"  web upload verdict, alone          {one:6.2f} s")
    print(f"  web upload verdict, 20 at once     {statistics.median(times):6.2f} s median, {p95:.2f} s p95")


if __name__ == "__main__":
    sys.exit(main())
