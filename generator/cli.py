"""``baocao`` — the command line. A thin shell: parse options, call the library
(``generator.pipeline``), print in Vietnamese, exit 0 (thành công), 1 (đầu vào có lỗi),
2 (sai cách dùng), 3 (lỗi khác: mẫu, cài đặt, thiếu chương trình)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import BaocaoError, InputError

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_OTHER = 0, 1, 2, 3


class Parser(argparse.ArgumentParser):
    def error(self, message):
        message = (message.replace("the following arguments are required", "thiếu tham số bắt buộc")
                   .replace("invalid choice", "lựa chọn không hợp lệ")
                   .replace("unrecognized arguments", "tham số không nhận ra")
                   .replace("expected one argument", "cần một giá trị")
                   .replace("choose from", "chọn một trong"))
        self.print_usage(sys.stderr)
        print(f"baocao: lỗi cách dùng: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)

    def format_help(self):
        return (super().format_help().replace("usage:", "cách dùng:").replace("options:", "tùy chọn:")
                .replace("positional arguments:", "tham số:").replace("show this help message and exit",
                                                                       "in hướng dẫn này rồi thoát"))

    def format_usage(self):
        return super().format_usage().replace("usage:", "cách dùng:")


def _common(p):
    p.add_argument("--period", required=True, metavar="YYYY-MM", help="kỳ báo cáo, ví dụ 2023-08")
    p.add_argument("--inputs", default="inputs", metavar="THƯ_MỤC", help="thư mục biểu của các đơn vị (mặc định: inputs/)")
    p.add_argument("--out", default="build", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: build/)")
    p.add_argument("--templates", default=None, metavar="THƯ_MỤC",
                   help="thư mục mẫu, danh mục chỉ tiêu và cài đặt (mặc định: templates/ của chương trình)")


def make_parser() -> Parser:
    parser = Parser(prog="baocao", description="Lập báo cáo tình hình kinh tế - xã hội hằng tháng (BC-UBND) "
                    "từ biểu chỉ tiêu Excel của các sở, ban, ngành.")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", parser_class=Parser)
    p = sub.add_parser("init", help="tạo biểu trống cho từng đơn vị", description="Tạo biểu Excel trống cho từng đơn vị "
                       "vào <inputs>/<YYYY-MM>/<mã-đơn-vị>.xlsx (không ghi đè biểu đã có).")
    _common(p)
    p.add_argument("--force", action="store_true", help="thay biểu đã có nhưng còn trống")
    p = sub.add_parser("check", help="kiểm tra biểu đã nộp", description="Đọc và kiểm tra mọi biểu của kỳ; in bảng "
                       "tình hình nộp và mọi lỗi, cảnh báo; ghi <out>/<YYYY-MM>/kiem-tra.xlsx.")
    _common(p)
    p = sub.add_parser("build", help="lập báo cáo", description="Kiểm tra rồi lập báo cáo DOCX và figures.json "
                       "vào <out>/<YYYY-MM>/.")
    _common(p)
    p.add_argument("--allow-missing", action="store_true",
                   help="vẫn lập báo cáo khi có đơn vị chưa nộp (số liệu của đơn vị đó ghi là chưa có)")
    p.add_argument("--pdf", action="store_true", help="tạo thêm bản PDF bằng LibreOffice")
    return parser


def _print_problems(problems, out=sys.stdout):
    by_file: dict = {}
    for p in problems:
        by_file.setdefault(p.file or "(chung)", []).append(p)
    for fname, items in by_file.items():
        print(f"\n{fname}:", file=out)
        for p in items:
            where = "!".join(x for x in (p.sheet, p.cell) if x)
            code = f" [{p.indicator}]" if p.indicator else ""
            print(f"  {p.severity.upper():9s} {where}{code}: {p.message}", file=out)


def _status_table(statuses, out=sys.stdout):
    w = max([len(s["name"]) for s in statuses] + [10])
    print(f"{'Đơn vị':{w}s}  {'Tình trạng':10s}  {'Lỗi':>4s}  {'Cảnh báo':>8s}", file=out)
    for s in statuses:
        print(f"{s['name']:{w}s}  {s['status']:10s}  {s['errors']:4d}  {s['warnings']:8d}", file=out)


def _progress(i, n, name):
    print(f"[{i}/{n}] Đang đọc biểu: {name}", file=sys.stderr, flush=True)


def run(argv=None) -> int:
    from . import pipeline
    args = make_parser().parse_args(argv)
    if not args.command:
        make_parser().print_help()
        return EXIT_USAGE
    try:
        ctx = pipeline.open_context(args.period, args.inputs, args.out, args.templates)
    except ValueError as e:
        print(f"baocao: lỗi cách dùng: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "init":
        got = pipeline.init(ctx, force=args.force)
        for path in got["written"]:
            print(f"Đã tạo {path}")
        for path, why in got["skipped"]:
            print(f"Bỏ qua {path}: {why}")
        return EXIT_OK
    if args.command == "check":
        res = pipeline.check(ctx, progress=_progress)
        _status_table(res.statuses)
        _print_problems(res.problems)
        from .outputs import write_problems_xlsx
        target = ctx.period_out / "kiem-tra.xlsx"
        write_problems_xlsx(target, res.problems)
        n_err = sum(p.is_error for p in res.problems)
        print(f"\n{n_err} lỗi, {len(res.problems) - n_err} cảnh báo. Danh sách: {target}")
        return EXIT_INPUT if n_err else EXIT_OK
    if args.command == "build":
        got = pipeline.build(ctx, allow_missing=args.allow_missing, pdf=args.pdf, progress=_progress)
        if got["warnings"]:
            print(f"{len(got['warnings'])} cảnh báo (xem «baocao check»).")
        for kind, path in got["paths"].items():
            print(f"Đã ghi {path}")
        return EXIT_OK
    return EXIT_USAGE


def main(argv=None) -> int:
    try:
        code = run(argv)
    except InputError as e:
        _print_problems(e.problems, out=sys.stderr)
        n = sum(p.is_error for p in e.problems)
        print(f"\nbaocao: {e} ({n} lỗi).", file=sys.stderr)
        code = EXIT_INPUT
    except BaocaoError as e:
        print(f"baocao: {e}", file=sys.stderr)
        code = EXIT_OTHER
    except KeyboardInterrupt:
        print("baocao: đã dừng theo yêu cầu", file=sys.stderr)
        code = EXIT_OTHER
    except Exception as e:  # never a traceback for a clerk
        print(f"baocao: lỗi không mong đợi ({type(e).__name__}: {e}). Hãy báo cho bộ phận kỹ thuật.", file=sys.stderr)
        code = EXIT_OTHER
    return code


def entry() -> None:
    sys.exit(main())
