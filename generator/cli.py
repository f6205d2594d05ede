"""``baocao`` — the command line. A thin shell: parse options, call the library
(``generator.pipeline``), print in Vietnamese, exit 0 (thành công), 1 (đầu vào có lỗi),
2 (sai cách dùng), 3 (lỗi khác: mẫu, cài đặt, thiếu chương trình)."""
from __future__ import annotations

import argparse
import csv
import getpass
import io
import signal
import sys
from pathlib import Path

from . import pipeline
from . import store as storage
from .archive import replaced_files
from .backup import backup, restore
from .catalogue import RATE
from .failures import record_failure
from .files import atomic_save_workbook, atomic_write_bytes
from .history import history_template
from .outputs import read_manifest
from .periods import Period
from .problems import EXIT_INPUT, EXIT_OK, EXIT_OTHER, EXIT_USAGE, NOTE_LABEL, BaocaoError, InputError, UsageError
from .review_cli import COMMANDS, add_parsers, who
from .review_cli import run as run_review
from .status import of_period
from .timefmt import format_time, zone_setting
from .vi_numbers import format_number
from .workbooks import sandbox


class Parser(argparse.ArgumentParser):
    """argparse's parser speaking Vietnamese: its usage, help and error messages translated; a
    usage error exits 2."""

    def error(self, message):
        """Print the usage and ``message`` in Vietnamese to stderr and exit 2 (``EXIT_USAGE``)."""
        message = (message.replace("the following arguments are required", "thiếu tham số bắt buộc")
                   .replace("invalid choice", "lựa chọn không hợp lệ")
                   .replace("unrecognized arguments", "tham số không nhận ra")
                   .replace("expected one argument", "cần một giá trị")
                   .replace("choose from", "chọn một trong"))
        self.print_usage(sys.stderr)
        print(f"baocao: lỗi cách dùng: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)

    def format_help(self):
        """The help text with argparse's English headings in Vietnamese."""
        return (super().format_help().replace("usage:", "cách dùng:").replace("options:", "tùy chọn:")
                .replace("positional arguments:", "tham số:").replace("show this help message and exit",
                                                                       "in hướng dẫn này rồi thoát"))

    def format_usage(self):
        """The usage line, «cách dùng:»."""
        return super().format_usage().replace("usage:", "cách dùng:")


DEFAULT_DB = "data/baocao.sqlite"


def _db(p):
    p.add_argument("--db", default=DEFAULT_DB, metavar="TỆP",
                   help=f"cơ sở dữ liệu lịch sử SQLite (mặc định: {DEFAULT_DB}); --db '' để không dùng")


def _catalogue_only(p):
    p.add_argument("--templates", default=None, metavar="THƯ_MỤC", help="thư mục danh mục chỉ tiêu và đơn vị")
    _db(p)


def _common(p):
    p.add_argument("--period", required=True, metavar="YYYY-MM",
                   help="kỳ báo cáo, ví dụ 2023-08; hoặc một khoảng, ví dụ 2023-01..2023-12")
    p.add_argument("--inputs", default="inputs", metavar="THƯ_MỤC", help="thư mục biểu của các đơn vị (mặc định: inputs/)")
    p.add_argument("--out", default="build", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: build/)")
    p.add_argument("--templates", default=None, metavar="THƯ_MỤC",
                   help="thư mục mẫu, danh mục chỉ tiêu và cài đặt (mặc định: templates/ tại nơi chạy lệnh nếu có, "
                        "nếu không thì mẫu mặc định của chương trình)")
    _db(p)


def make_parser() -> Parser:
    """The ``baocao`` command line: every subcommand with its Vietnamese help and options."""
    parser = Parser(prog="baocao", description="Lập báo cáo tình hình kinh tế - xã hội hằng tháng (BC-UBND) "
                    "từ biểu chỉ tiêu Excel của các sở, ban, ngành.")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", parser_class=Parser)
    p = sub.add_parser("init", help="tạo biểu trống cho từng đơn vị", description="Tạo biểu Excel trống cho từng đơn vị "
                       "vào <inputs>/<YYYY-MM>/<mã-đơn-vị>.xlsx (không ghi đè biểu đã có).")
    _common(p)
    p.add_argument("--force", action="store_true", help="thay biểu đã có nhưng còn trống")
    p = sub.add_parser("check", help="kiểm tra biểu đã nộp", description="Đọc và kiểm tra mọi biểu của kỳ; in bảng "
                       "tình hình nộp và mọi lỗi, cảnh báo; ghi <out>/<YYYY-MM>/kiem-tra.xlsx. Đơn vị chưa nộp là lỗi "
                       "(như khi lập báo cáo), trừ khi có --allow-missing.")
    _common(p)
    p.add_argument("--allow-missing", action="store_true",
                   help="không coi đơn vị chưa nộp là lỗi (như «build --allow-missing»)")
    p = sub.add_parser("build", help="lập báo cáo", description="Kiểm tra rồi lập báo cáo DOCX (có phụ lục), "
                       "figures.json và phụ lục Excel phu-luc-<YYYY-MM>.xlsx vào <out>/<YYYY-MM>/ (phụ lục: mục "
                       "[phu_luc] của cai-dat.toml).")
    _common(p)
    p.add_argument("--allow-missing", action="store_true",
                   help="vẫn lập báo cáo khi có đơn vị chưa nộp (số liệu của đơn vị đó ghi là chưa có)")
    p.add_argument("--pdf", action="store_true", help="tạo thêm bản PDF/A bằng LibreOffice")
    p.add_argument("--du-thao", action="store_true", help="bản dự thảo (gửi xin ý kiến trước khi ký): đóng khung «DỰ THẢO», ghi "
                   "…-du-thao.docx (và .pdf), không thay bản chính thức, figures.json hay phụ lục Excel")
    add_parsers(sub, _common)
    p = sub.add_parser("import-history", help="nhập số liệu các năm trước vào cơ sở dữ liệu",
                       description="Nhập một lần số liệu các kỳ trước từ một tệp Excel (sheet «Chỉ tiêu» có thêm cột "
                       "«Kỳ báo cáo» dạng YYYY-MM). Có lỗi thì không ghi gì.")
    p.add_argument("file", metavar="TỆP", help="tệp .xlsx cần nhập (hoặc tệp mẫu cần tạo, với --template)")
    p.add_argument("--template", action="store_true", help="tạo tệp mẫu trống để điền rồi nhập")
    _catalogue_only(p)
    p = sub.add_parser("history", help="xem chuỗi số liệu của một chỉ tiêu",
                       description="In số liệu của một chỉ tiêu qua các kỳ (số tháng, lũy kế, % kế hoạch, so cùng kỳ); "
                       "có thể xuất ra .xlsx hoặc .csv.")
    p.add_argument("code", metavar="MÃ", help="mã chỉ tiêu, ví dụ KKT_XNK")
    p.add_argument("--from", dest="first", metavar="YYYY-MM", help="từ kỳ")
    p.add_argument("--to", dest="last", metavar="YYYY-MM", help="đến kỳ")
    p.add_argument("--export", metavar="TỆP", help="ghi ra tệp .xlsx hoặc .csv")
    _catalogue_only(p)
    p = sub.add_parser("serve", help="chạy trang web nhận biểu và theo dõi",
                       description="Chạy ứng dụng web: các đơn vị tải biểu, gửi biểu và xem lỗi ngay; văn phòng theo "
                       "dõi tình hình nộp, lập báo cáo và tải về.")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="cổng (mặc định 8000)")
    p.add_argument("--inputs", default="inputs", metavar="THƯ_MỤC", help="thư mục biểu (mặc định inputs/)")
    p.add_argument("--out", default="build", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định build/)")
    p.add_argument("--templates", default=None, metavar="THƯ_MỤC", help="thư mục mẫu và danh mục")
    p.add_argument("--secure-cookies", action="store_true",
                   help="đặt cookie Secure (khi chạy sau proxy HTTPS của tỉnh)")
    p.add_argument("--max-upload-mb", type=int, default=10, help="giới hạn kích thước tệp gửi lên (MB)")
    p.add_argument("--root-path", default="", metavar="/ĐƯỜNG_DẪN",
                   help="đường dẫn con khi chạy sau proxy, ví dụ /baocao (proxy bỏ tiền tố này trước khi chuyển)")
    p.add_argument("--proxy-headers", action="store_true",
                   help="tin X-Forwarded-For/Proto của proxy trên 127.0.0.1 (để ghi đúng địa chỉ người đăng nhập)")
    _db(p)
    p = sub.add_parser("user", help="tạo, đặt lại mật khẩu hoặc liệt kê tài khoản web",
                       description="Tài khoản cho trang web: một tài khoản cho mỗi đơn vị, và tài khoản văn phòng.")
    p.add_argument("action", choices=["add", "reset", "disable", "enable", "list"],
                   help="add: tạo tài khoản mới; reset: đặt lại mật khẩu hoặc đổi đơn vị; disable/enable: khóa/mở "
                        "khóa; list: liệt kê")
    p.add_argument("username", nargs="?", metavar="TÊN", help="tên đăng nhập")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--department", metavar="MÃ_ĐƠN_VỊ", help="tài khoản của đơn vị này")
    who.add_argument("--office", action="store_true", help="tài khoản văn phòng (xem mọi đơn vị, lập báo cáo)")
    p.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ đầu vào chuẩn thay vì hỏi")
    _catalogue_only(p)
    p = sub.add_parser("new", help="tạo thư mục làm việc của văn phòng",
                       description="Tạo thư mục làm việc: templates/ (bản riêng của văn phòng để sửa), inputs/, data/, "
                       "build/ và HUONG-DAN.txt; --sample chép thêm bộ biểu mẫu tháng 8/2023.")
    p.add_argument("folder", metavar="THƯ_MỤC", help="thư mục mới (hoặc trống)")
    p.add_argument("--sample", action="store_true", help="chép thêm bộ biểu mẫu tháng 8/2023 vào inputs/2023-08")
    p = sub.add_parser("backup", help="sao lưu thư mục làm việc",
                       description="Sao lưu nhất quán (kể cả khi trang web đang chạy): cơ sở dữ liệu, inputs/, "
                       "templates/, build/ và data/ vào THƯ_MỤC mới.")
    p.add_argument("folder", metavar="THƯ_MỤC", help="thư mục sao lưu (mới hoặc trống)")
    p.add_argument("--inputs", default="inputs", metavar="THƯ_MỤC", help="thư mục biểu (mặc định inputs/)")
    p.add_argument("--out", default="build", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định build/)")
    _catalogue_only(p)
    p = sub.add_parser("restore", help="khôi phục từ bản sao lưu",
                       description="Kiểm tra bản sao lưu (mọi tệp, tính toàn vẹn của cơ sở dữ liệu) rồi chép trả vào "
                       "thư mục làm việc; không ghi đè thư mục đã có dữ liệu nếu không có --force.")
    p.add_argument("folder", metavar="SAO_LƯU", help="thư mục sao lưu")
    p.add_argument("--to", default=".", metavar="THƯ_MỤC", help="thư mục làm việc (mặc định: thư mục hiện tại)")
    p.add_argument("--force", action="store_true", help="ghi đè dữ liệu đang có")
    p = sub.add_parser("submissions", help="liệt kê các lần gửi biểu qua trang web",
                       description="Liệt kê mọi lần gửi biểu của một kỳ (mới nhất trước): thời điểm, tài khoản, "
                       "SHA-256, kết quả, cỡ tệp.")
    p.add_argument("--period", required=True, metavar="YYYY-MM", help="kỳ báo cáo")
    p.add_argument("--department", metavar="MÃ_ĐƠN_VỊ", help="chỉ một đơn vị")
    _catalogue_only(p)
    return parser


def _print_problems(problems, out=None):
    out = out or sys.stdout
    by_file: dict = {}
    for p in problems:
        by_file.setdefault(p.file or "(chung)", []).append(p)
    for fname, items in by_file.items():
        print(f"\n{fname}:", file=out)
        for p in items:
            where = "!".join(x for x in (p.sheet, p.position) if x)
            code = f" [{p.indicator}]" if p.indicator else ""
            print(f"  {p.severity.upper():9s} {where}{code}: {p.message}", file=out)
            if p.note:   # the department's own explanation, on the line below its warning
                print(f"  {'':9s} {NOTE_LABEL}: {p.note}", file=out)


def _status_table(rows, out=None):
    """The same statuses as the office's dashboard (status.py), with the reason when there is one."""
    out = out or sys.stdout
    w = max([len(s["name"]) for s in rows] + [10])
    sw = max([len(s["status"]) for s in rows] + [10])
    print(f"{'Đơn vị':{w}s}  {'Tình trạng':{sw}s}  {'Lỗi':>4s}  {'Cảnh báo':>8s}", file=out)
    for s in rows:
        note = f"  ({s['note']})" if s.get("note") else ""
        print(f"{s['name']:{w}s}  {s['status']:{sw}s}  {s['errors']:4d}  {s['warnings']:8d}{note}", file=out)


def _progress(i, n, name):
    print(f"[{i}/{n}] Đang đọc biểu: {name}", file=sys.stderr, flush=True)


def run(argv=None) -> int:
    """Parse, open the context the command needs, hand it to the command's one handler."""
    args = make_parser().parse_args(argv)
    if not args.command:
        make_parser().print_help()
        return EXIT_USAGE
    if args.command in WITHOUT_CONTEXT:
        return WITHOUT_CONTEXT[args.command](args)
    try:
        for name in ("first", "last"):
            if getattr(args, name, None):
                setattr(args, name, str(Period.from_text(getattr(args, name))))
        folders = (getattr(args, "inputs", "inputs"), getattr(args, "out", "build"), args.templates, args.db or None)
        if getattr(args, "period", None):
            periods = Period.parse_range(args.period)
            ctx = pipeline.open_context(periods[0], *folders)
        else:   # a command of no one period: no period is invented for it
            periods = []
            ctx = pipeline.open_office(*folders)
    except ValueError as e:
        print(f"baocao: lỗi cách dùng: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in OF_THE_OFFICE:
        return OF_THE_OFFICE[args.command](ctx, args)
    handler = OF_A_PERIOD.get(args.command) or (_review if args.command in COMMANDS else None)
    if handler is None:
        return EXIT_USAGE
    if len(periods) > 1:
        worst = EXIT_OK
        for period in periods:
            print(f"== Kỳ {period} ==")
            worst = max(worst, handler(pipeline.for_period(ctx, period), args))
        return worst
    return handler(ctx, args)


def _restore(args) -> int:
    for path in restore(args.folder, Path(args.to), force=args.force):
        print(f"Đã khôi phục {path}")
    return EXIT_OK


def _new(args) -> int:
    made = pipeline.new_office(args.folder, sample=args.sample)
    for path in made:
        print(f"Đã tạo {path}")
    print(f"Hãy chuyển vào thư mục {args.folder} rồi chạy các lệnh (xem HUONG-DAN.txt).")
    return EXIT_OK


def _backup(ctx, args) -> int:
    got = backup(args.folder, Path(args.inputs), Path(args.out), ctx.templates, ctx.db)
    print(f"Đã sao lưu {len(got['files'])} tệp vào {args.folder}")
    return EXIT_OK


def _init(ctx, args) -> int:
    got = pipeline.init(ctx, force=args.force)
    for path in got["written"]:
        print(f"Đã tạo {path}")
    for path, why in got["skipped"]:
        print(f"Bỏ qua {path}: {why}")
    if got["warnings"]:
        _print_problems(got["warnings"])
    return EXIT_OK


def _check(ctx, args) -> int:
    print(f"Mẫu và danh mục: {ctx.templates} ({ctx.templates_origin})")
    res = pipeline.check(ctx, progress=_progress)
    problems = list(res.problems) + ([] if args.allow_missing else pipeline.missing_problems(res))
    _status_table(of_period(ctx, res))
    _print_problems(problems)
    target = pipeline.write_check_report(ctx, problems)
    n_err = sum(p.is_error for p in problems)
    print(f"\n{n_err} lỗi, {len(problems) - n_err} cảnh báo. Danh sách: {target}")
    _say_if_stale(ctx)
    return EXIT_INPUT if n_err else EXIT_OK


def _build(ctx, args) -> int:
    try:
        got = pipeline.build(ctx, allow_missing=args.allow_missing, pdf=args.pdf, progress=_progress,
                             draft=args.du_thao, by=who())
    except InputError as e:
        _print_problems(e.problems, out=sys.stderr)
        n = sum(p.is_error for p in e.problems)
        print(f"\nbaocao: {e} ({n} lỗi).", file=sys.stderr)
        return EXIT_INPUT
    if got["warnings"]:   # every one, as check prints them (the same count for the same inputs)
        _print_problems(got["warnings"])
        print(f"\n{len(got['warnings'])} cảnh báo.")
    for kind, path in got["paths"].items():
        print(f"Đã ghi {path}")
    if got["version"] is not None:   # a draft is no numbered version
        print(f"Lần lập số {got['version']['number']} (xem «baocao lan-lap», «baocao so-sanh»)")
    else:
        print("Bản dự thảo: bản chính thức, figures.json và các lần lập không thay đổi.")
    return EXIT_OK


def _review(ctx, args) -> int:
    return run_review(pipeline, ctx, args)


def _serve(ctx, args) -> int:
    if ctx.db is None:
        print("baocao: trang web cần cơ sở dữ liệu (--db)", file=sys.stderr)
        return EXIT_USAGE
    # deferred on purpose: uvicorn loads only for serve
    import uvicorn  # noqa: PLC0415

    # deferred on purpose: Starlette loads only for serve
    from .web import WebConfig, create_app  # noqa: PLC0415
    app = create_app(WebConfig(inputs=Path(args.inputs), out=Path(args.out), db=ctx.db, templates=args.templates,
                               max_upload_bytes=args.max_upload_mb * 2**20, secure_cookies=args.secure_cookies))
    with storage.open_store(ctx.db) as store:
        empty = storage.web.count_accounts(store) == 0
    if empty:
        db = "" if str(ctx.db) == DEFAULT_DB else f" --db {ctx.db}"
        print("Chưa có tài khoản nào. Tạo tài khoản văn phòng đầu tiên (chương trình hỏi mật khẩu) bằng lệnh:\n"
              f"    baocao user add vanphong --office{db}\n"
              "rồi đăng nhập trang web và tạo tài khoản cho các đơn vị ở trang «Tài khoản».")
    print(f"Trang web: http://{args.host}:{args.port}/  (Ctrl+C để dừng)")
    # uvicorn stops gracefully on SIGTERM (systemd's stop), then raises the signal again with
    # the handler found at start: with the default one the process would die there, before
    # any clean-up, and leave its reading workers running. This one ends the run as an exit
    # (the clean-up below runs) — also when the signal comes before uvicorn has taken it over.
    # A request still open at the stop (a stalled upload) is given GRACEFUL_STOP_S seconds, not
    # the 30 s of the slow-body limit.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", root_path=args.root_path,
                    proxy_headers=args.proxy_headers, forwarded_allow_ips="127.0.0.1" if args.proxy_headers else None,
                    timeout_graceful_shutdown=GRACEFUL_STOP_S)
    finally:
        sandbox.stop_now()
    return EXIT_OK


GRACEFUL_STOP_S = 5   # seconds the requests still open at a stop may take before they are cut


def _stop_on_sigterm(signum, frame):
    raise SystemExit(EXIT_OK)


def _user(ctx, args) -> int:
    # deferred on purpose: the web package loads Starlette; only the user commands need it
    from .web.auth import create_account, reset_account  # noqa: PLC0415
    if ctx.db is None:
        print("baocao: cần cơ sở dữ liệu (--db)", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "list":
        with storage.open_store(ctx.db) as store:
            for a in storage.web.list_accounts(store):
                if a["role"] == "office":
                    who = "văn phòng"
                elif a["department"] in ctx.catalogue.departments:
                    who = ctx.catalogue.departments[a["department"]].name
                else:
                    who = f"{a['department']} (đơn vị không còn trong danh mục: hãy đổi đơn vị hoặc khóa tài khoản)"
                print(f"{a['username']:20s} {who}" + (" — đã khóa" if a["disabled"] else ""))
        return EXIT_OK
    if not args.username:
        print("baocao: lỗi cách dùng: cần TÊN tài khoản", file=sys.stderr)
        return EXIT_USAGE
    if args.action in ("disable", "enable"):
        reset_account(ctx.db, args.username, ctx.catalogue, disabled=args.action == "disable")
        print(f"Đã {'khóa' if args.action == 'disable' else 'mở khóa'} tài khoản {args.username}; "
              f"các phiên đăng nhập của tài khoản đã kết thúc")
        return EXIT_OK
    if args.action == "add" and not (args.department or args.office):
        print("baocao: lỗi cách dùng: cần --department MÃ hoặc --office", file=sys.stderr)
        return EXIT_USAGE
    password = None
    if args.action == "add" or not (args.department or args.office) or args.password_stdin:
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Mật khẩu: ")
            if getpass.getpass("Nhập lại mật khẩu: ") != password:
                print("baocao: hai lần nhập mật khẩu không khớp", file=sys.stderr)
                return EXIT_USAGE
    if args.action == "add":
        account = create_account(ctx.db, args.username, password, None if args.office else args.department,
                                 ctx.catalogue)
    else:
        account = reset_account(ctx.db, args.username, ctx.catalogue, password=password, department=args.department,
                                office=args.office)
    who = "văn phòng" if account["role"] == "office" else account["department"]
    print(f"Đã lưu tài khoản {account['username']} ({who})"
          + ("; các phiên đăng nhập của tài khoản đã kết thúc" if args.action == "reset" else ""))
    return EXIT_OK


def _submissions(ctx, args) -> int:
    if ctx.db is None:
        print("baocao: cần cơ sở dữ liệu (--db)", file=sys.stderr)
        return EXIT_USAGE
    with storage.open_store(ctx.db) as store:
        rows = storage.web.uploads(store, str(ctx.period), args.department)
    zone = zone_setting(ctx.settings)
    head = ["Thời điểm", "Đơn vị", "Tài khoản", "Kết quả", "Cỡ (byte)", "SHA-256", "Lần nộp"]
    table = [[format_time(r["uploaded_at"], zone), r["department"], r["username"],
              "đã nhận" if r["accepted"] else f"bị từ chối ({r['errors']} lỗi)", str(r["size"] or ""),
              r["sha256"] or "", str(r["revision"] or "")] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
    for line in [head] + table:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())
    if not rows:
        print(f"(chưa có lần gửi biểu nào qua trang web cho kỳ {ctx.period})")
    replaced = replaced_files(Path(ctx.db).parent / "ban-nop", str(ctx.period), args.department)
    if replaced:
        print("\nTệp có sẵn trong thư mục kỳ đã bị thay bởi biểu gửi qua trang web (bản cũ được giữ lại):")
        for r in replaced:
            state = f"có {r['errors']} lỗi" if r["errors"] else f"đã ghi thành lần nộp {r['revision']}"
            print(f"  {format_time(r['replaced_at'], zone)}  {r['department']}  {r['file_name']} ({state}), thay bởi "
                  f"lần gửi {r['replaced_by_upload']}: {r['path']}")
    return EXIT_OK


def _say_if_stale(ctx) -> None:
    """After ``check``: the period's last report, when what it read has changed since."""
    manifest = read_manifest(ctx.period_out)
    changes = pipeline.changed_inputs(ctx, manifest)
    if not changes:
        return
    names = ctx.catalogue.full.departments
    which = ", ".join(f"{names[c['department']].name if c['department'] in names else c['department']}"
                      + (f" (kỳ {c['period']})" if c["period"] != str(ctx.period) else "")
                      for c in changes if c["department"])
    print(f"Báo cáo kỳ {ctx.period} lập lúc {format_time(manifest['time'], zone_setting(ctx.settings))} cũ hơn biểu"
          + (f": {which} đã khác" if which else "") + f"; hãy lập lại báo cáo («baocao build --period {ctx.period}»).")


def _import_history(ctx, args) -> int:
    if args.template:
        history_template(ctx.catalogue, Path(args.file))
        print(f"Đã tạo tệp mẫu {args.file}: điền cột «Kỳ báo cáo» (YYYY-MM) và số liệu, rồi chạy "
              f"«baocao import-history {args.file}»")
        return EXIT_OK
    if not Path(args.file).exists():
        print(f"baocao: không tìm thấy tệp {args.file}", file=sys.stderr)
        return EXIT_USAGE
    got = pipeline.import_history(ctx, Path(args.file))
    if got["problems"]:
        _print_problems(got["problems"])
    merged = set(got.get("merged", ()))
    for period, dept, rev in got["recorded"]:
        print(f"Đã ghi kỳ {period}, đơn vị {dept}: lần nộp {rev}"
              + (" (gộp với số liệu đã nhập trước của kỳ này: các chỉ tiêu tệp này không có được giữ nguyên)"
                 if (period, dept) in merged else ""))
    if not got["recorded"]:
        print("Không có gì mới: mọi số trong tệp này đã có sẵn trong lịch sử (cùng số), không ghi thêm gì.")
    return EXIT_OK


def _history(ctx, args) -> int:
    if ctx.db is None:
        print("baocao: lệnh history cần cơ sở dữ liệu (--db)", file=sys.stderr)
        return EXIT_USAGE
    rows = pipeline.history_series(ctx, args.code, args.first, args.last)
    ind = ctx.catalogue.full.indicators[args.code]
    print(f"{ind.code}: {ind.name}")
    names = ctx.catalogue.full.departments
    zone = zone_setting(ctx.settings)
    head = ["Kỳ", "Đơn vị báo cáo", "Đơn vị tính", "Thực hiện tháng", "Lũy kế", "Kế hoạch năm", "% kế hoạch",
            "So với cùng kỳ", "Lần nộp", "Nhận lúc"]
    table = []
    for r in rows:
        fmt = [format_number(r[k], ind.decimals(k)) if r[k] is not None else "" for k in ("month", "cumulative", "plan")]
        dept = names[r["department"]].name if r["department"] in names else r["department"]
        table.append([r["period"], dept, r["unit"], *fmt, r["text_pct_plan"], r["text_yoy"],
                      ",".join(map(str, r["revisions"])), format_time(r["received"], zone)])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
    for line in [head] + table:
        print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths))))
    if not rows:
        print("(chưa có số liệu nào của chỉ tiêu này trong cơ sở dữ liệu)")
    if args.export:
        _export(Path(args.export), head, rows, ind)
        print(f"Đã ghi {args.export}")
    return EXIT_OK


def _export(path: Path, head, rows, ind) -> None:
    # the change's number says its unit: a rate moves in percentage points, never in percent
    head = [f"{h} ({'điểm %' if ind.kind == RATE else '%'})" if h == "So với cùng kỳ" else h for h in head]
    data = [[r["period"], r["department"], r["unit"], _plain(r["month"]), _plain(r["cumulative"]), _plain(r["plan"]),
             _plain(r["pct_plan"]), _plain(r["yoy_pct"]), ",".join(map(str, r["revisions"])), r["received"]]
            for r in rows]
    if path.suffix.lower() == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(head)
        w.writerows(data)
        atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"))
        return
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"Chỉ xuất được .xlsx hoặc .csv, không phải «{path.suffix}»")
    # deferred on purpose: openpyxl loads only when this workbook is written
    from openpyxl import Workbook  # noqa: PLC0415
    wb = Workbook()
    ws = wb.active
    ws.title = ind.code[:31]
    ws.append(head)
    for row in data:
        ws.append(row)
    atomic_save_workbook(wb, path)


def _plain(v):
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() else float(v)


def main(argv=None) -> int:
    """Run the command ``argv`` (default: ``sys.argv[1:]``) and return its exit code: 0 done, 1
    input errors (printed with their places), 2 wrong usage, 3 anything else (a Vietnamese
    message; an unforeseen failure's trace goes to the log file)."""
    try:
        code = run(argv)
    except InputError as e:
        _print_problems(e.problems, out=sys.stderr)
        n = sum(p.is_error for p in e.problems)
        print(f"\nbaocao: {e} ({n} lỗi).", file=sys.stderr)
        code = EXIT_INPUT
    except UsageError as e:
        print(f"baocao: lỗi cách dùng: {e}", file=sys.stderr)
        code = EXIT_USAGE
    except BaocaoError as e:
        print(f"baocao: {e}", file=sys.stderr)
        code = EXIT_OTHER
    except KeyboardInterrupt:
        print("baocao: đã dừng theo yêu cầu", file=sys.stderr)
        code = EXIT_OTHER
    except Exception as e:  # never a traceback for a clerk; the log file keeps it
        db = _db_of(argv)
        logged = record_failure(e, "baocao " + " ".join(argv if argv is not None else sys.argv[1:]), db,
                                server_log=False)
        print(f"baocao: lỗi không mong đợi ({type(e).__name__}: {e}). Hãy báo cho bộ phận kỹ thuật"
              + (f" (chi tiết trong {logged})" if logged else "") + ".", file=sys.stderr)
        code = EXIT_OTHER
    return code


def _db_of(argv) -> str | None:
    args = list(argv if argv is not None else sys.argv[1:])
    if "--db" in args and args.index("--db") + 1 < len(args):
        return args[args.index("--db") + 1] or None
    return "data/baocao.sqlite"



# one handler per subcommand: without a context, over the office (no one period), for each period
WITHOUT_CONTEXT = {"restore": _restore, "new": _new}
OF_THE_OFFICE = {"import-history": _import_history, "serve": _serve, "user": _user, "submissions": _submissions,
                 "backup": _backup, "history": _history}
OF_A_PERIOD = {"init": _init, "check": _check, "build": _build}


def entry() -> None:
    """The console script ``baocao``: ``main()``'s code as the process's exit status."""
    sys.exit(main())
