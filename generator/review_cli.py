"""The review cycle's commands (``lan-lap``, ``so-sanh``, ``bien-tap``): parsers and printing,
kept apart from cli.py, which only hands them the parsed arguments."""
from __future__ import annotations

import getpass
import sys

from . import versions
from .compare import write_comparison
from .edits import write_edits_file
from .problems import EXIT_OK
from .timefmt import format_time, zone_setting


def add_parsers(sub, common) -> None:
    """Add the review cycle's subcommands (``lan-lap``, ``so-sanh``, ``bien-tap``) to ``sub``;
    ``common(parser)`` adds the options every period command has."""
    p = sub.add_parser("lan-lap", help="liệt kê các lần lập báo cáo của kỳ",
                       description="Liệt kê mọi lần lập báo cáo đã lưu của kỳ (cũ trước): số, thời điểm, người lập, "
                       "các biểu đã đọc, tệp kết quả (lưu ở <out>/<YYYY-MM>/lan-lap/<số>/).")
    common(p)
    p = sub.add_parser("so-sanh", help="so sánh hai lần lập báo cáo",
                       description="So sánh hai lần lập báo cáo của kỳ (mặc định: hai lần gần nhất): in và ghi "
                       "so-sanh-<YYYY-MM>.json (số liệu, đoạn văn, chú thích thay đổi) và so-sanh-<YYYY-MM>.docx "
                       "(bản mới có theo dõi thay đổi của Word so với bản cũ).")
    common(p)
    p.add_argument("--tu", type=int, metavar="SỐ", help="lần lập cũ (mặc định: lần liền trước lần --den)")
    p.add_argument("--den", type=int, metavar="SỐ", help="lần lập mới (mặc định: lần gần nhất)")
    p = sub.add_parser("bien-tap", help="tạo hoặc cập nhật tệp biên tập của văn phòng",
                       description="Ghi bien-tap/<YYYY-MM>.xlsx (cạnh thư mục inputs/): mỗi đoạn văn của báo cáo một "
                       "dòng, cột «Văn bản biên tập» để văn phòng sửa câu chữ; bản biên tập đã có được giữ nguyên.")
    common(p)


COMMANDS = ("lan-lap", "so-sanh", "bien-tap")


def who() -> str:
    """The account that runs the command (who started a build)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name known (a bare container): not recorded
        return ""


def run(pipeline, ctx, args) -> int:
    """Run a review subcommand for the period of ``ctx``; returns its exit code.
    ``AssertionError`` for a command that is not one of ``add_parsers``' (a programming error)."""
    if args.command == "lan-lap":
        return _versions(ctx)
    if args.command == "so-sanh":
        return _compare(ctx, args)
    if args.command == "bien-tap":
        got = pipeline.check(ctx, record=False)
        path, n = write_edits_file(ctx, got)
        print(f"Đã ghi {path}: {n} đoạn văn; điền cột «Văn bản biên tập» của đoạn cần sửa rồi lập lại báo cáo.")
        return EXIT_OK
    raise AssertionError(args.command)


def _versions(ctx) -> int:
    kept = versions.listing(ctx.out, ctx.period)
    if not kept:
        print(f"Kỳ {ctx.period} chưa có lần lập nào được lưu.")
        return EXIT_OK
    zone = zone_setting(ctx.settings)
    for v in kept:
        sent = [s for s in v.get("submissions", []) if s.get("sha256")]
        edits = len(v.get("edits", []))
        print(f"Lần {v['number']}: {format_time(v['time'], zone)}, người lập: {v.get('by') or '(không rõ)'}; "
              f"{len(sent)} biểu đã đọc; {v.get('warnings', 0)} cảnh báo"
              + (f"; {edits} đoạn biên tập" if edits else "") + f"; tệp: {', '.join(v['files'].values())}")
        print(f"    {v['folder']}")
    return EXIT_OK


def _compare(ctx, args) -> int:
    got = write_comparison(ctx.out, ctx.settings, ctx.period, args.tu, args.den)
    doc, zone = got["doc"], zone_setting(ctx.settings)
    out = sys.stdout
    print(f"So sánh lần lập {doc['from']['number']} ({format_time(doc['from']['time'], zone)}) với lần lập "
          f"{doc['to']['number']} ({format_time(doc['to']['time'], zone)}):", file=out)
    print(f"\n{len(doc['figures'])} chỉ tiêu có số in khác:", file=out)
    for f in doc["figures"]:
        sub = f.get("submission") or {}
        by = f"{sub.get('name', f['department'])}, tệp {sub.get('file', '?')}" + (
            f", {format_time(sub['time'], zone)}" if sub.get("time") else "")
        for c in f["changes"]:
            print(f"  {f['code']} «{f['name']}» ({c['measure_name']}): {c['old'] or '—'} → {c['new'] or '—'} ({by})",
                  file=out)
    names = {"added": "thêm", "removed": "bỏ", "changed": "sửa"}
    print(f"\n{len(doc['paragraphs'])} đoạn văn thay đổi:", file=out)
    for p in doc["paragraphs"]:
        print(f"  Mục {p['section']}, {p['department']}: {names[p['change']]}", file=out)
    print(f"\n{len(doc['footnotes'])} chú thích thay đổi:", file=out)
    for p in doc["footnotes"]:
        print(f"  Mục {p['section']}, {p['department']}, chú thích {p['footnote']}: {names[p['change']]}", file=out)
    for path in got["paths"].values():
        print(f"Đã ghi {path}", file=out)
    return EXIT_OK
