"""The annex as a workbook, ``phu-luc-<YYYY-MM>.xlsx`` (XlsxWriter): numbers as numbers with
the display format their text is printed with (``#,##0.0``, which Excel shows as ``#.##0,0``
under vi-VN), percentages as numbers (77,5 shown as 77,5 under «% kế hoạch»), a frozen
header, A4 landscape with the header rows repeated on every printed page; a second sheet
«Theo tháng» with each annex indicator's months of the year so far and a line chart for the
indicators the catalogue marks («Biểu đồ»)."""
from __future__ import annotations

import datetime as dt
import io

from . import COLUMNS, MISSING, Annex, header_groups

SHEET = "Phụ lục"
MONTHS_SHEET = "Theo tháng"
FONT = "Times New Roman"


def number_format(decimals: int, pad: int = 0) -> str:
    """Excel's stored (en-US) form; Excel shows it with the separators of the reader's locale."""
    if pad:
        return "0" * pad
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def column_width(annex: Annex, index: int, least: int) -> float:
    """A figure column's width (Excel's characters): its widest printed value and a margin."""
    key = COLUMNS[index][0]
    return max([least] + [len(r.cells[key].text) + 3 for r in annex.rows])


def annex_workbook(annex: Annex, months: dict, when: dt.datetime) -> bytes:
    """``months``: code -> {month number: Decimal or None} for the year so far (the store's)."""
    # deferred on purpose: XlsxWriter loads only when this workbook is written
    import xlsxwriter  # noqa: PLC0415
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": f"Phụ lục: {annex.title} {annex.period}".strip(), "created": when.replace(tzinfo=None)})
    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "border": 1, "text_wrap": True}
    title = wb.add_format({"font_name": FONT, "font_size": 13, "bold": True, "align": "center"})
    subtitle = wb.add_format({"font_name": FONT, "font_size": 12, "italic": True, "align": "center"})
    head = wb.add_format({**base, "bold": True, "align": "center"})
    group = wb.add_format({**base, "bold": True})
    text = wb.add_format(base)
    centre = wb.add_format({**base, "align": "center"})
    formats: dict = {}

    def num(fmt: str):
        if fmt not in formats:   # a number never wraps inside its cell
            formats[fmt] = wb.add_format({**base, "num_format": fmt, "align": "right", "text_wrap": False})
        return formats[fmt]

    ws = wb.add_worksheet(SHEET)
    last = 2 + len(COLUMNS)
    ws.merge_range(0, 0, 0, last, "PHỤ LỤC", title)
    ws.merge_range(1, 0, 1, last, f"{annex.title} {annex.period}".strip(), title)
    ws.merge_range(2, 0, 2, last, annex.attached, subtitle)
    top, sub = 4, 5
    for col, (header, width) in enumerate((("TT", 5), ("Chỉ tiêu", 44), ("Đơn vị tính", 12))):
        ws.merge_range(top, col, sub, col, header, head)
        ws.set_column(col, col, width)
    for header, cols in header_groups():
        first, last_col = 3 + cols[0][0], 3 + cols[-1][0]
        if cols[0][1]:   # a header over its sub-headers
            ws.merge_range(top, first, top, last_col, header, head)
            for i, subheader in cols:
                ws.write_string(sub, 3 + i, subheader, head)
                ws.set_column(3 + i, 3 + i, column_width(annex, i, 12))
        else:
            ws.merge_range(top, first, sub, first, header, head)
            ws.set_column(first, first, column_width(annex, cols[0][0], 14))
    r = sub + 1
    for g in annex.groups:
        for title in g.parents + [g.title]:   # the report's sections above the group, then its own
            ws.merge_range(r, 0, r, last, title, group)
            r += 1
        for row in g.rows:
            ws.write_number(r, 0, row.number, centre)
            ws.write_string(r, 1, row.name, text)
            ws.write_string(r, 2, row.unit, centre)
            for k, (key, *_rest) in enumerate(COLUMNS):
                cell = row.cells[key]
                if cell.value is None:
                    ws.write_string(r, 3 + k, MISSING, centre)
                else:
                    ws.write_number(r, 3 + k, float(cell.value), num(number_format(cell.decimals, cell.pad)))
            r += 1
    ws.write_string(r + 1, 1, annex.note, wb.add_format({"font_name": FONT, "italic": True}))
    ws.freeze_panes(sub + 1, 3)
    ws.repeat_rows(top, sub)
    ws.set_landscape()
    ws.set_paper(9)                 # A4
    ws.fit_to_pages(1, 0)           # as wide as one page, as long as it takes
    ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.6)
    ws.center_horizontally()
    _months_sheet(wb, annex, months, base, head, text, num)
    wb.close()
    return buf.getvalue()


def _months_sheet(wb, annex: Annex, months: dict, base: dict, head, text, num) -> None:
    year = annex.period_key[:4]
    last = int(annex.period_key[5:7])
    ws = wb.add_worksheet(MONTHS_SHEET)
    ws.write_string(0, 0, f"Số thực hiện từng tháng năm {year} (ô trống: tháng chưa có số liệu)",
                    wb.add_format({"font_name": FONT, "bold": True}))
    headers = ["TT", "Chỉ tiêu", "Đơn vị tính"] + [f"Tháng {m}" for m in range(1, last + 1)]
    for c, h in enumerate(headers):
        ws.write_string(2, c, h, head)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 2 + last, max([11] + [len(f"{v:,.0f}") + 3 for m in months.values() for v in m.values()
                                           if v is not None]))
    ws.freeze_panes(3, 3)
    # printed: A4 landscape, as wide as one page, the header row on every page
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.6)
    centre = wb.add_format({**base, "align": "center"})
    charts = []
    r = 3
    for row in annex.rows:
        ws.write_number(r, 0, row.number, centre)
        ws.write_string(r, 1, row.name, text)
        ws.write_string(r, 2, row.unit, centre)
        decimals = row.cells["month"].decimals
        pad = row.cells["month"].pad
        shown = []
        for m in range(1, last + 1):
            value = months.get(row.code, {}).get(m)
            if value is None:   # blank, not «-»: never a zero in a chart
                ws.write_blank(r, 2 + m, None, centre)
            else:
                ws.write_number(r, 2 + m, float(value), num(number_format(decimals, pad)))
                shown.append(m)
        if row.chart and shown:
            charts.append((r, row, shown))
        r += 1
    place = r + 2
    for r, row, shown in charts:
        chart = wb.add_chart({"type": "line"})
        chart.add_series({
            "name": row.name,
            # only the months with data: a month the history lacks is neither a zero nor a gap
            "categories": _cells(2, shown),
            "values": _cells(r, shown),
            "marker": {"type": "circle"},
        })
        chart.set_title({"name": f"{row.name} ({row.unit})", "name_font": {"name": FONT, "size": 12}})
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_font": {"name": FONT}})
        chart.set_y_axis({"num_font": {"name": FONT}, "num_format": number_format(row.cells["month"].decimals)})
        chart.show_blanks_as("gap")
        ws.insert_chart(place, 1, chart, {"x_scale": 1.4, "y_scale": 1.0})
        place += 16


def _cells(row: int, months: list[int]) -> str:
    """A chart range over the given months' cells of a row of «Theo tháng»: one range when they
    follow each other, else Excel's union of ranges «=('Theo tháng'!$D$5,'Theo tháng'!$F$5:$G$5)»."""
    from xlsxwriter.utility import xl_rowcol_to_cell  # noqa: PLC0415 - deferred on purpose: XlsxWriter loads in the annex worker only
    runs: list = []
    for m in months:
        if runs and runs[-1][1] == m - 1:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    refs = []
    for a, b in runs:
        first = xl_rowcol_to_cell(row, 2 + a, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(row, 2 + b, row_abs=True, col_abs=True)
        refs.append(f"'{MONTHS_SHEET}'!{first}" + (f":{last}" if b != a else ""))
    return "=" + refs[0] if len(refs) == 1 else "=(" + ",".join(refs) + ")"
