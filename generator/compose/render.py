"""Rendering the Word template with docxtpl through a sandboxed, autoescaping Jinja
environment. Workbook text is only ever *data* here: it reaches the template as values,
never as template source, so ``{{ 7*7 }}`` in a narrative prints literally."""
from __future__ import annotations

import io
import re
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from .. import narrative, stars
from ..annex.docx import append_annex
from ..measures import BY_WORD
from ..periods import month_text, period_phrase, subject_line, task_phrase
from ..problems import BaocaoError, make
from . import emphasis, footnotes
from .checks import Parsed, TemplateProblems, check_template, paragraphs_in, parse_template, style_names_of, translate
from .closing import close_body, renumber
from .header import fit_header
from .package import read_parts, write_parts
from .properties import build_time, finalize

# characters XML 1.0 cannot carry (control characters from pasted text)
# ... and the private-use code points the composer marks footnotes and emphasis with: text from
# a workbook or the settings never carries them into the composer, whatever the intake let through
ILLEGAL = narrative.UNPRINTABLE
END_MARK = "./."


# a document number such as 93/NQ-CP, 01/2023/QĐ-UBND or the Party's 127-KH/TU never breaks at
# its hyphens: each is followed by a WORD JOINER (U+2060, no width, no break on either side), so the
# hyphen itself stays the ordinary one in the text (searching, copying, the reference's words) and
# in the font of the report (U+2011 is missing from Times New Roman's substitutes)
DOC_NUMBER = re.compile(r"\b\d+(?:/\d+)*/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)+"
                        r"|\b\d+(?:-[A-ZĐ][A-ZĐ0-9]*)+(?:/[A-ZĐ][A-ZĐ0-9]*)+")
JOINED_HYPHEN = "-\u2060"
# a number stays on the line of the word after it: its unit or counted noun («3.947 doanh
# nghiệp», «30 ha»)
NUMBER_NOUN = re.compile(r"(\d) (?=[^\W\d_])")
NBSP = "\u00a0"


def clean(text: str) -> str:
    """Text ready for the template: characters XML cannot hold dropped, line breaks as spaces,
    document numbers' hyphens and numbers with their units held together (``keep_units``)."""
    text = ILLEGAL.sub("", text)
    if "\n" in text or "\r" in text:
        text = " ".join(text.replace("\r", " ").replace("\n", " ").split())
    text = DOC_NUMBER.sub(lambda m: m.group(0).replace("-", JOINED_HYPHEN), text)
    return keep_units(text)


def keep_units(text: str) -> str:
    """A non-breaking space between a number and the word after it (its unit or counted noun)."""
    return NUMBER_NOUN.sub(r"\1" + NBSP, text)


def _placeholder(ctx, res, dept: str, place: dict, exc: Exception) -> str:
    """The marked line printed instead of a department's paragraph that cannot be composed,
    and the build's warning naming the department and the cell (once per paragraph)."""
    got = ctx.catalogue.full.departments.get(dept)
    name = got.name if got else dept
    where = "!".join(x for x in (place.get("file", ""), place.get("sheet", ""), place.get("cell", "")) if x)
    problems = res.compose_problems
    if (dept, where) not in {(p.department, p.place) for p in problems}:
        problems.append(make("paragraph-not-composed", dict(department=dept, **place), name=name, where=where, error=type(exc).__name__))
    return f"[Chưa lập được đoạn thuyết minh của {name} ({where}): văn phòng hãy xem lại ô này]"


class Notes:
    """Footnote texts registered while rendering, keyed by the marker put in the text."""

    def __init__(self):
        self.texts: dict[int, str] = {}

    def add(self, text: str) -> str:
        """Register a footnote's ``text``; returns the marker standing for it in the body's text."""
        key = len(self.texts) + 1
        self.texts[key] = stars.to_markers(clean(text).strip())
        return footnotes.marker(key)


def build_context(ctx, res, notes: Notes, annex=None) -> dict:
    """The Jinja2 context of the report template for the period: the settings' values, the
    functions ``cau``, ``so``, ``muc``, ``chu_thich``, ``ten_muc``, ``in_de_muc`` over
    ``res.figures`` and ``res.narrative``, and the annex; footnotes go into ``notes``. A
    function given an unknown code raises ``BaocaoError`` when the template calls it."""
    settings, period = ctx.settings, ctx.period
    printed = res.printed   # the figures' texts, printed once (printed.py)

    def paragraph(dept: str, segments: list, place: dict) -> str:
        try:
            pieces = narrative.resolve(segments, printed)
            text = "".join(notes.add(p[0]) if isinstance(p, list) else clean(p) for p in pieces)
            return stars.to_markers(text).strip()  # emphasis may run across a footnote reference
        except Exception as e:  # noqa: BLE001 - one department's text never stops the office's report
            return _placeholder(ctx, res, dept, place, e)

    def paragraphs_of(section: str) -> list[str]:
        out = []
        for dept, segments, place in res.narrative.get(section, []):
            text = paragraph(dept, segments, place)
            if text:
                out.append(text)
        for code in res.automatic.get(section, ()):   # figures no narrative, template or annex prints
            edited = getattr(res, "overrides", {}).get((section, code))   # the office's wording (edits.py)
            if edited is not None:
                pieces = narrative.resolve(edited, printed)
                text = stars.to_markers("".join(notes.add(p[0]) if isinstance(p, list) else clean(p) for p in pieces))
                if text.strip():
                    out.append(text.strip())
                continue
            out.append(keep_units(f"{printed[code].indicator.name}: {printed[code].sentence.text()}."))
        return out   # «./.» is put on the body's last printed paragraph after rendering (closing.py)

    def cau(code: str, ke_hoach: str | None = None, so_voi_cung_ky: bool = True, don_vi: bool = True) -> str:
        if code not in printed:
            raise BaocaoError(f"Mẫu báo cáo gọi chỉ tiêu «{code}» không có trong danh mục")
        return keep_units(printed[code].sentence.text(unit=don_vi, compare=so_voi_cung_ky, plan_word=ke_hoach))

    def so(code: str, do: str = "") -> str:
        if code not in printed:
            raise BaocaoError(f"Mẫu báo cáo gọi chỉ tiêu «{code}» không có trong danh mục")
        if do not in BY_WORD:
            raise BaocaoError(f"Mẫu báo cáo gọi so(«{code}», «{do}»): «{do}» không hợp lệ")
        return narrative.print_ref(narrative.Ref(code, do), printed)

    def ten_muc(section: str) -> str:
        return settings["muc"].get(section, section)

    def in_de_muc(section: str) -> bool:
        return settings["cach_viet"]["in_de_muc_trong"] or bool(paragraphs_of(section))

    return {
        "ten_muc": ten_muc,
        "in_de_muc": in_de_muc,
        "co_quan": settings["co_quan"],
        "ky_ten": settings["ky_ten"],
        "noi_nhan": settings["noi_nhan"]["danh_sach"],
        "ky": str(period),
        "thang_ky": month_text(period.month),
        "nam_ky": period.year,
        "trich_yeu": subject_line(period, settings),
        "ky_bao_cao": period_phrase(period, settings),
        "ky_de_muc": period_phrase(period, settings, heading=True),
        "nhiem_vu_de_muc": task_phrase(period, settings).upper(),
        "muc": paragraphs_of,
        "cau": cau,
        "so": so,
        "chu_thich": notes.add,
        # the sentence pointing to the annex the DOCX carries (Decree 30); empty without one
        "dan_chieu_phu_luc": settings["phu_luc"]["dan_chieu"] if annex is not None else "",
    }


def _open_template(template_path: Path):
    """(the template opened by docxtpl, its tags parsed for the checks); a file that cannot be
    opened raises BaocaoError."""
    if not template_path.is_file():
        raise BaocaoError(f"Không có mẫu báo cáo {template_path}: hãy chép lại tệp {template_path.name} vào thư mục "
                          f"mẫu (bản gốc có trong thư mục do «baocao new» tạo) hoặc chỉ đúng thư mục bằng --templates")
    try:
        tpl = DocxTemplate(str(template_path))
        tpl.init_docx()
    except Exception:  # noqa: BLE001 - docx/zip/xml errors alike, all «not a Word document»
        raise BaocaoError(f"Không mở được mẫu báo cáo {template_path}: tệp không phải tài liệu Word (.docx) hoặc đã "
                          f"hỏng; hãy mở bằng Word rồi lưu lại dạng «Tài liệu Word (.docx)»") from None
    return tpl, _parsed_in_memory(tpl) or parse_template(template_path)


def _parsed_in_memory(tpl):
    """The checks' paragraphs from the parts python-docx has already parsed (the same parts,
    in the same order, as ``checks.paragraphs`` reads from the file)."""
    try:
        package = tpl.docx.part.package
        parts = {str(part.partname).lstrip("/"): part for part in package.iter_parts()}
        names = sorted(n for n in parts if re.match(r"word/(header|footer)\d*\.xml$", n))
        roots = [parts["word/document.xml"].element] + [parts[n].element for n in names]
        styles = style_names_of(parts["word/styles.xml"].element) if "word/styles.xml" in parts else {}
        return Parsed(paragraphs_in(roots, styles))
    except (AttributeError, KeyError):   # a part python-docx keeps as bytes: read the file
        return None


def render_docx(template_path, ctx, res, draft: bool = False, annex=None) -> bytes:
    """The report: the Word template at ``template_path`` rendered (sandboxed Jinja2) with
    ``build_context``, then its real footnotes, annex and Decree 30 finish; returns the
    .docx bytes. ``BaocaoError`` when the template is missing or no Word file,
    ``TemplateProblems`` (every mistake listed) when its tags are wrong."""
    template_path = Path(template_path)
    tpl, parsed = _open_template(template_path)
    notes = Notes()
    context = build_context(ctx, res, notes, annex)
    written: dict = {}
    for section, rows in res.narrative.items():
        for dept, _segments, _place in rows:
            name = ctx.catalogue.departments[dept].name if dept in ctx.catalogue.departments else dept
            if name not in written.setdefault(section, []):
                written[section].append(name)
    problems = check_template(parsed, context, ctx.catalogue.indicators, set(ctx.settings["muc"]),
                              ctx.settings, written)
    if problems:
        raise TemplateProblems(template_path.name, problems)
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except UndefinedError as e:
        raise TemplateProblems(template_path.name, [f"tên không có trong báo cáo: {e.message}"]) from None
    except TemplateError as e:
        raise TemplateProblems(template_path.name, [f"lỗi cú pháp — {translate(str(e))}"]) from None
    buf = io.BytesIO()
    tpl.save(buf)
    settings = ctx.settings
    title = subject_line(ctx.period, settings)
    agency = settings["co_quan"]["ten_day_du"]
    return add_footnotes(buf.getvalue(), notes.texts,
                         lambda parts, trees: finalize(parts, title, agency, build_time(ctx.period, settings), draft,
                                                       trees), annex)


def add_footnotes(docx: bytes, texts: dict, finish=None, annex=None) -> bytes:
    """Real footnotes (and the annex) put into the rendered package; ``finish(parts, trees)``
    then cleans the package up, given the parts parsed here so none is parsed twice."""
    parts = read_parts(docx)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    trees: dict = {}

    def tree(name):
        if name not in trees:
            trees[name] = etree.fromstring(parts[name], parser)
        return trees[name]
    doc = tree("word/document.xml")
    notes = footnotes.replace_markers(doc, texts)
    emphasis.apply(doc)
    styles = style_names_of(tree("word/styles.xml")) if "word/styles.xml" in parts else {}
    close_body(doc, styles)
    renumber(doc, styles)
    fit_header(doc, styles)
    if annex is not None:
        append_annex(doc, annex)
    if notes:
        part = footnotes.ensure_relationship(tree("word/_rels/document.xml.rels"))
        notes_root = etree.fromstring(footnotes.footnotes_xml(notes), parser)
        emphasis.apply(notes_root)
        parts[part] = etree.tostring(notes_root, xml_declaration=True, encoding="UTF-8", standalone=True)
        footnotes.ensure_content_type(tree("[Content_Types].xml"), part)
        footnotes.ensure_styles(tree("word/styles.xml"))
        if "word/settings.xml" in parts:
            footnotes.ensure_settings(tree("word/settings.xml"))
    if finish is not None:
        parts = finish(parts, trees)
    for name, root in trees.items():
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return write_parts(parts)
