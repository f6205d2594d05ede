"""Pictures for the office, drawn on the server as SVG with pygal: an indicator's months of
the year (this year against last year, the plan as a line) and the period's progress as a
bar. Nothing runs in the browser and nothing comes from elsewhere (the CSP is unchanged):
pygal's script is left out, its style sheet is served from this server (``/bieu-do/<kind>.css``)
and its one inline style becomes an attribute; each kind of chart has a fixed id, so its
style sheet is the same for every chart of that kind."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pygal
from pygal.style import Style

from .. import store as storage
from ..vi_numbers import format_number

KINDS = ("chi-tieu", "tien-do")


def _style(kind: str):
    colors = {"chi-tieu": ("#8b1a1a", "#7a7a7a", "#1d6b2f"),
              "tien-do": ("#1d6b2f", "#b07a00", "#a40000", "#9a9a9a")}[kind]
    return Style(background="#ffffff", plot_background="#ffffff", foreground="#1b1b1b",
                 foreground_strong="#1b1b1b", foreground_subtle="#c8cad0", colors=colors,
                 font_family='"Times New Roman", serif', title_font_size=20, legend_font_size=18,
                 label_font_size=16, major_label_font_size=16, value_font_size=18, stroke_width=3)


def _finish(svg: str, kind: str) -> tuple[str, str]:
    """(the SVG to put in the page, its style sheet) for a chart of ``kind``."""
    uid = re.search(r'id="chart-([0-9a-f-]+)"', svg).group(1)
    svg = svg.replace(uid, f"bd-{kind}")
    css = html.unescape("\n".join(re.findall(r"<style[^>]*>(.*?)</style>", svg, re.S)))
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"<script[^>]*>.*?</script>|<script[^>]*/>", "", svg, flags=re.S)
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)          # pygal's comment carries today's date
    svg = re.sub(r"<defs>\s*</defs>|<defs/>", "", svg)
    return svg, css


def _number(value) -> float | None:
    return None if value is None else float(value)


def _vi(value: float) -> str:
    d = Decimal(str(value))
    return format_number(d, 0 if d == d.to_integral_value() else 2)


def indicator_chart(title: str, unit: str, year: int, this_year: list, last_year: list, plan) -> str:
    """An indicator's 12 months (values or None), last year's and the plan as a flat line."""
    chart = pygal.Line(js=[], disable_xml_declaration=True, style=_style("chi-tieu"), width=640, height=420,
                       show_dots=True, dots_size=5, legend_at_bottom=True, legend_at_bottom_columns=3,
                       allow_interruptions=True, value_formatter=_vi, y_title=unit, truncate_legend=-1,
                       print_values=False, margin=12, margin_bottom=40, truncate_label=-1)
    chart.title = title
    chart.x_labels = [f"T{m}" for m in range(1, 13)]
    chart.add(f"Năm {year}", [_number(v) for v in this_year])
    chart.add(f"Năm {year - 1}", [_number(v) for v in last_year])
    if plan is not None:
        chart.add("Kế hoạch năm", [float(plan)] * 12, show_dots=False, stroke_style={"width": 2, "dasharray": "8,5"})
    return _finish(chart.render(is_unicode=True), "chi-tieu")[0]


def progress_chart(counts: list[tuple[str, int]]) -> str:
    """The period's departments as one bar: submitted, received after the build, with errors,
    not submitted."""
    chart = pygal.HorizontalStackedBar(js=[], disable_xml_declaration=True, style=_style("tien-do"), width=560,
                                       height=170, legend_at_bottom=True, legend_at_bottom_columns=2,
                                       show_y_labels=False, show_x_labels=False, print_values=True,
                                       print_zeroes=False, margin=6, margin_bottom=24, spacing=4, truncate_legend=-1,
                                       show_minor_x_labels=False, value_formatter=lambda v: f"{v:g}")
    chart.x_labels = [""]
    for label, n in counts:
        chart.add(f"{label}: {n}", [n])
    return _finish(chart.render(is_unicode=True), "tien-do")[0]


_CSS: dict = {}


def stylesheet(kind: str) -> str:
    """The style sheet of ``kind``'s charts (the same for every chart of the kind)."""
    if kind not in _CSS:
        if kind == "chi-tieu":
            chart = pygal.Line(js=[], disable_xml_declaration=True, style=_style(kind))
            for name in ("a", "b", "c"):
                chart.add(name, [1, 2])
        else:
            chart = pygal.HorizontalStackedBar(js=[], disable_xml_declaration=True, style=_style(kind))
            for name in ("a", "b", "c", "d"):
                chart.add(name, [1])
        _CSS[kind] = _finish(chart.render(is_unicode=True), kind)[1]
    return _CSS[kind]


def indicator_months(web, period, code: str, figures: dict) -> dict:
    """An indicator's months of ``period``'s year and of the year before, from the store (the
    current submission of each month) and, for ``period`` itself, from its workbooks as read
    now (``figures``: check's). The measure drawn is the year to date when the indicator has
    one, else the month's value."""
    fig = figures.get(code)
    values = fig.values if fig is not None else {}
    measure = "cumulative" if values.get("cumulative") is not None else "month"
    this, last = [None] * 12, [None] * 12
    plan = values.get("plan")
    with storage.open_store(web.config.db) as store:
        for m in range(1, 13):
            here = storage.submissions.latest(store, f"{period.year:04d}-{m:02d}").get(code, {})
            before = storage.submissions.latest(store, f"{period.year - 1:04d}-{m:02d}").get(code, {})
            if measure in here:
                this[m - 1] = here[measure].value
            if measure in before:
                last[m - 1] = before[measure].value
            elif f"{measure}_last_year" in here:
                last[m - 1] = here[f"{measure}_last_year"].value
            if plan is None and "plan" in here and m <= period.month:
                plan = here["plan"].value
    if values.get(measure) is not None:
        this[period.month - 1] = values[measure]
    if values.get(f"{measure}_last_year") is not None:
        last[period.month - 1] = values[f"{measure}_last_year"]
    for m in range(period.month, 12):   # months after the period: not reported yet
        this[m] = None if f"{period.year:04d}-{m + 1:02d}" > str(period) else this[m]
    return {"measure": measure, "this": this, "last": last, "plan": plan}
