"""Blank department workbooks, generated from the catalogue (never edited by hand)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..catalogue import Catalogue, Department
from ..files import atomic_save_workbook
from ..measures import WORDS, help_lines
from ..periods import Period, date_long, date_short, period_phrase
from . import layout
from .read import is_blank_workbook

GREY = PatternFill("solid", fgColor="D9D9D9")
INPUT = PatternFill("solid", fgColor="FFF2CC")
HEAD = PatternFill("solid", fgColor="BDD7EE")
BOLD = Font(bold=True)
FIXED_TIME = dt.datetime(2000, 1, 1)

def markup_help(example: str = "KKT_XNK", note_example: str = "NN_DX_DT") -> list[str]:
    """How to write the narrative, the examples with ``example`` (an indicator of the reader's
    own department: the office's own codes)."""
    return [
        "Cách viết thuyết minh (sheet «Thuyết minh»): mỗi dòng là một đoạn văn; cột «Mục» ghi mục của báo cáo (ví dụ II.1.2).",
        f"• Chèn số liệu: viết {{MÃ_CHỈ_TIÊU}} để in số liệu chính của chỉ tiêu (lũy kế, hoặc số thời điểm), ví dụ {{{example}}}.",
        "• Chọn số liệu khác: {MÃ:từ}, với các từ sau:",
        *help_lines(),
        f"• Khi số liệu có thể tăng hoặc giảm: viết {{{example}:tang_giam}} (in «tăng 54», «giảm 3», hoặc «bằng») thay cho "
        f"«tăng {{{example}:chenh}}»;",
        "  nếu tự viết chữ tăng/giảm trước {MÃ:chenh} hay {MÃ:tyle_tang} mà số liệu đi ngược chiều, phần mềm sẽ cảnh báo.",
        "• Ô định dạng phần trăm: gõ 77,5% vào ô dạng % thì Excel lưu 0,775; chỉ dùng cho chỉ tiêu tính bằng %.",
        f"• Chú thích cuối trang: đặt nội dung trong [[ và ]], ví dụ: đạt kết quả tốt[[Số liệu chi tiết: {{{note_example}}}.]]",
        "• Chữ nghiêng: *Đánh giá chung:*; chữ đậm: **1.**; muốn in dấu sao thì viết \\* (dùng được cả trong chú thích).",
        "• Phần mềm tự tính tỷ lệ % và tăng/giảm; không gõ tay các con số đã có trong sheet «Chỉ tiêu».",
    ]


MARKUP_HELP = markup_help()


def department_workbook(cat: Catalogue, dept: Department, period: Period, settings: dict,
                        prefill: dict | None = None) -> Workbook:
    """The blank workbook of one department for one period.
    ``prefill``: code -> {measure: Decimal} already known (plan, last year's values)."""
    prefill = prefill or {}
    wb = Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    guide = wb.active
    guide.title = layout.SHEET_GUIDE
    _guide(guide, cat, dept, period, settings)

    ws = wb.create_sheet(layout.SHEET_DATA)
    headers = layout.headers_for(cat.of_department(dept.code))
    ws.append(list(headers))
    for c in ws[1]:
        c.font, c.fill = BOLD, HEAD
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    widths = (16, 50, 14, 14, 14, 14, 14, 14, 30, 16)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "D2"
    col = {title: i + 1 for i, title in enumerate(headers)}
    dv_nonneg = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               promptTitle="Nhập số", prompt="Nhập một số không âm, không gõ chữ hay đơn vị.",
                               errorTitle="Giá trị không hợp lệ", error="Ô này chỉ nhận số không âm.",
                               showInputMessage=True, showErrorMessage=True)
    dv_any = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                            allow_blank=True, promptTitle="Nhập số",
                            prompt="Nhập một số (có thể âm), không gõ chữ hay đơn vị.",
                            errorTitle="Giá trị không hợp lệ", error="Ô này chỉ nhận số.",
                            showInputMessage=True, showErrorMessage=True)
    dv_int = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            promptTitle="Nhập số nguyên", prompt="Nhập một số nguyên không âm.",
                            errorTitle="Giá trị không hợp lệ", error="Ô này chỉ nhận số nguyên không âm.",
                            showInputMessage=True, showErrorMessage=True)
    for dv in (dv_nonneg, dv_any, dv_int):
        ws.add_data_validation(dv)
    for r, ind in enumerate(cat.of_department(dept.code), start=2):
        ws.cell(r, col[layout.COL_CODE], ind.code)
        ws.cell(r, col[layout.COL_NAME], ind.name).alignment = Alignment(wrap_text=True)
        ws.cell(r, col[layout.COL_UNIT], ind.unit)
        fill = layout.measures_for(ind)
        for measure, title in layout.COLUMN_OF.items():
            if title not in col:
                continue
            cell = ws.cell(r, col[title])
            if measure in fill:
                cell.protection = Protection(locked=False)
                cell.fill = INPUT
                known = prefill.get(ind.code, {}).get(measure)
                if known is not None:
                    cell.value = known
                dv = dv_int if ind.integer and not ind.allow_negative else dv_any if ind.allow_negative else dv_nonneg
                dv.add(cell.coordinate)
                cell.number_format = "#,##0" if ind.integer else "#,##0.######"
            else:
                cell.fill = GREY
        ws.cell(r, col[layout.COL_NOTE]).protection = Protection(locked=False)
    ws.protection.sheet = True  # no password: a clerk can lift it

    text = wb.create_sheet(layout.SHEET_TEXT)
    text.append(list(layout.TEXT_HEADERS))
    for c in text[1]:
        c.font, c.fill = BOLD, HEAD
    text.column_dimensions["A"].width = 10
    text.column_dimensions["B"].width = 120
    for r in range(2, 202):
        for c in (1, 2):
            text.cell(r, c).protection = Protection(locked=False)
        text.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
    text.protection.sheet = True

    meta = wb.create_sheet(layout.SHEET_META)
    meta.append([layout.META_PERIOD, str(period)])
    meta.append([layout.META_DEPARTMENT, dept.code])
    meta.sheet_state = "veryHidden"
    wb.defined_names[layout.META_PERIOD] = DefinedName(layout.META_PERIOD, attr_text=f"'{layout.SHEET_META}'!$B$1")
    wb.defined_names[layout.META_DEPARTMENT] = DefinedName(layout.META_DEPARTMENT, attr_text=f"'{layout.SHEET_META}'!$B$2")
    wb.active = 0
    return wb


def _guide(ws, cat: Catalogue, dept: Department, period: Period, settings: dict) -> None:
    sub = settings["nop_bao_cao"]
    start, end, ytd = period.coverage(sub["ngay_chot_dau"], sub["ngay_chot_cuoi"])
    deadline = dt.date(period.year, period.month, sub["han_nop_ngay"])   # 1–28 (the schema): in every month
    own = cat.of_department(dept.code)   # the office's own codes for the examples
    example = next((i for i in own if i.kind == "flow"), own[0] if own else None)
    notes = next((i for i in own if example is not None and i.code != example.code), None)
    lines = [
        ("BIỂU SỐ LIỆU BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI", True),
        (f"Đơn vị: {dept.name} (mã {dept.code})", True),
        (f"Kỳ báo cáo: {period_phrase(period, settings)} ({period})", False),
        (f"Số liệu tháng tính từ ngày {date_short(start)} đến ngày {date_short(end)}; "
         f"số lũy kế tính từ ngày {date_short(ytd)} đến ngày {date_short(end)}.", False),
        (f"Hạn gửi: {date_long(deadline)}.", False),
        (f"Liên hệ: {sub['lien_he']}.", False),
        ("", False),
        ("Cách điền sheet «Chỉ tiêu»:", True),
        ("• Chỉ điền vào các ô màu vàng; ô màu xám không áp dụng cho loại chỉ tiêu đó và bị khóa.", False),
        ("• Nhập số, không gõ đơn vị hay chữ; dấu phẩy là dấu thập phân (ví dụ 1.234,5).", False),
        ("• «Lũy kế» là cộng dồn từ đầu năm; chỉ tiêu thời điểm (đàn vật nuôi, số doanh nghiệp...) ghi số tại cuối kỳ "
         "vào «Thực hiện tháng»; chỉ tiêu chỉ số ghi chỉ số so với cùng kỳ năm trước = 100.", False),
        ("• «Ghi chú»: lời giải thích ngắn gửi Văn phòng (số ước tính, điều chỉnh số kỳ trước, lý do tăng, giảm bất "
         "thường). Ghi chú không in vào báo cáo; Văn phòng đọc nó ngay cạnh cảnh báo của chỉ tiêu đó.", False),
        ("• Không thêm, xóa hay đổi mã chỉ tiêu; không đổi tên các sheet và tiêu đề cột.", False),
        ("• Sheet được khóa không có mật khẩu; nếu cần mở khóa, chọn thẻ «Xem lại» > «Bỏ bảo vệ Trang tính» "
         "(Excel tiếng Anh: Review > Unprotect Sheet).", False),
        ("• Khi lưu: chọn «Tệp» > «Lưu thành», ở ô «Lưu dưới dạng» chọn «Sổ làm việc Excel (*.xlsx)» "
         "(Excel tiếng Anh: File > Save As > Excel Workbook); giữ nguyên tên tệp.", False),
        ("• Nếu Excel hiện dấu chấm là dấu thập phân: «Tệp» > «Tùy chọn» > «Nâng cao», bỏ chọn «Sử dụng dấu phân "
         "cách hệ thống» và đặt «Dấu phân cách thập phân» là dấu phẩy (hoặc cứ nhập theo cách máy đang hiển thị: "
         "phần mềm đọc đúng giá trị số của ô).", False),
        (f"• Ví dụ với chỉ tiêu của đơn vị: dòng «{example.code}» ({example.name}) — «Thực hiện tháng» là số của tháng "
         f"{period.month}, «Lũy kế» là cộng dồn từ tháng 1 đến tháng {period.month}.", False) if example else ("", False),
        ("", False),
    ] + [(t, i == 0) for i, t in enumerate(markup_help(example.code if example else "KKT_XNK",
                                                       (notes.code if notes else example.code) if example
                                                       else "NN_DX_DT"))] + [
        ("", False),
        ("Các mục của báo cáo (cột «Mục»):", True),
    ] + [(f"  {k}: {settings['muc'][k]}", False) for k in settings["muc"]] + [
        ("", False),
        ("Các cách chọn số liệu: " + ", ".join(WORDS), False),
    ]
    for text, bold in lines:
        ws.append([text])
        if bold:
            ws.cell(ws.max_row, 1).font = BOLD
    ws.column_dimensions["A"].width = 140


def write_blank_workbooks(cat: Catalogue, period: Period, settings: dict, inputs: Path,
                          force: bool = False, prefill: dict | None = None,
                          departments: list[str] | None = None) -> dict:
    """Write ``<inputs>/<period>/<dept>.xlsx`` for each department. Never overwrites a
    workbook that exists unless ``force`` (and then only a blank one: one without any
    filled value). Returns {"written": [...], "skipped": [(path, reason)]}."""
    folder = Path(inputs) / str(period)
    folder.mkdir(parents=True, exist_ok=True)
    written, skipped = [], []
    for code, dept in cat.departments.items():
        if departments and code not in departments:
            continue
        path = folder / layout.filename(code)
        existing = layout.workbook_files(folder, code)
        if existing and existing != [path]:
            skipped.append((existing[0], "đã có biểu của đơn vị (tên tệp khác); không ghi thêm biểu trống"))
            continue
        if path.exists():
            if not force:
                skipped.append((path, "đã có; không ghi đè (dùng --force để thay một biểu còn trống)"))
                continue
            if not is_blank_workbook(path, cat):
                skipped.append((path, "đã có số liệu; --force chỉ thay biểu còn trống, hãy chuyển tệp này đi trước"))
                continue
        wb = department_workbook(cat, dept, period, settings, prefill)
        atomic_save_workbook(wb, path)
        written.append(path)
    return {"written": written, "skipped": skipped}
