"""Checks on the Word template before anything is rendered: every problem at once, in
Vietnamese, each with the paragraph's text and the heading it stands under.

docxtpl turns the template into one Jinja source; a missing ``}`` there makes Jinja swallow
everything up to the next ``}}`` (a whole section can vanish with exit 0), and Jinja's own
messages are English with no place. So the tags are taken out paragraph by paragraph first:
unbalanced ``{{ }}`` / ``{% %}`` are found before Jinja sees them; then the tags alone, one
paragraph per line, are parsed (a syntax error names its paragraph), and the names, functions,
indicator codes and sections they use are checked against what the report provides.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ..measures import BY_WORD, WORDS, not_applicable
from ..narrative import suggest
from ..problems import BaocaoError
from .wordml import W

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
FUNCTIONS = {"cau", "so", "muc", "chu_thich", "ten_muc", "in_de_muc"}
HEADING_STYLES = ("Đề mục", "DeMuc", "Heading", "heading")


@dataclass
class Para:
    """A paragraph of the template: its text (runs joined) and its heading style's name (``""``
    for body text)."""
    text: str
    heading: str


class TemplateProblems(BaocaoError):
    """The Word template has mistakes; ``problems`` lists them all (Vietnamese)."""

    def __init__(self, name: str, problems: list[str]):
        super().__init__(f"Mẫu báo cáo {name} có {len(problems)} lỗi; chưa ghi gì:\n" + "\n".join(
            f"  - {p}" for p in problems))
        self.problems = problems


def paragraphs(template: Path) -> list[Para]:
    """The template's paragraphs (body, headers, footers), each with the heading above it."""
    with zipfile.ZipFile(template) as z:
        parts = ["word/document.xml"] + sorted(n for n in z.namelist()
                                               if re.match(r"word/(header|footer)\d*\.xml$", n))
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        styles = _style_names(z, parser)
        roots = [etree.fromstring(z.read(part), parser) for part in parts if part in z.namelist()]
    return paragraphs_in(roots, styles)


def paragraphs_in(roots: list, styles: dict) -> list[Para]:
    """``paragraphs`` of parts already parsed (the composer has them in memory)."""
    out: list[Para] = []
    for root in roots:
        heading = ""
        for p in root.iter(W + "p"):
            text = "".join(t.text or "" for t in p.iter(W + "t"))
            style = p.find(f"{W}pPr/{W}pStyle")
            name = styles.get(style.get(W + "val"), style.get(W + "val")) if style is not None else ""
            # a heading's text: a tag-only paragraph ({%p endif %}) in a heading style is none
            if name.startswith(HEADING_STYLES) and (TAG.sub("", text).strip() or "ten_muc(" in text):
                heading = text.strip()
            out.append(Para(text, heading))
    return out


def style_names_of(root) -> dict:
    """styleId → the style's display name, from the ``word/styles.xml`` root element."""
    out = {}
    for st in root.iter(W + "style"):
        name = st.find(W + "name")
        out[st.get(W + "styleId")] = name.get(W + "val") if name is not None else st.get(W + "styleId")
    return out


def _style_names(z: zipfile.ZipFile, parser) -> dict:
    try:
        return style_names_of(etree.fromstring(z.read("word/styles.xml"), parser))
    except KeyError:
        return {}


def _where(p: Para) -> str:
    shown = " ".join(p.text.split())
    shown = shown if len(shown) <= 90 else shown[:87] + "…"
    return f"đoạn «{shown}»" + (f" (dưới đề mục «{p.heading[:70]}»)" if p.heading else " (phần đầu văn bản)")


PAIRS = (("{{", "}}"), ("{%", "%}"))


def unbalanced(text: str) -> str | None:
    """What is unbalanced in one paragraph's tags, or None."""
    i, n = 0, len(text)
    while i < n:
        opened = next(((o, c) for o, c in PAIRS if text.startswith(o, i)), None)
        closed = next((c for _o, c in PAIRS if text.startswith(c, i)), None)
        if opened:
            o, c = opened
            end = text.find(c, i + 2)
            nxt = min((k for k in (text.find(x, i + 2) for x, _ in PAIRS) if k != -1), default=-1)
            if end == -1 or (nxt != -1 and nxt < end):
                return f"mở «{o}» ở «{text[i:i + 40]}» nhưng chưa đóng bằng «{c}»"
            i = end + 2
        elif closed:
            o = next(o for o, c in PAIRS if c == closed)
            return f"có «{closed}» không có «{o}» mở tương ứng (ở «{text[max(0, i - 30):i + 2]}»)"
        else:
            i += 1
    return None


SYNTAX_WORDS = [
    (r"unexpected '(.+?)', expected '(.+?)'", "gặp «{0}» trong khi cần «{1}»"),
    (r"unexpected '(.+?)'", "thừa hoặc sai ký tự «{0}»"),
    (r"expected token '(.+?)', got '(.+?)'", "cần «{0}» nhưng gặp «{1}»"),
    (r"Encountered unknown tag '(.+?)'", "thẻ «{0}» không có"),
    (r"Unexpected end of template.*?'(end\w+)'", "thiếu thẻ đóng «{{%p {0} %}}»"),
    (r"Unexpected end of template", "mẫu kết thúc khi còn thẻ chưa đóng (thiếu «{{%p endfor %}}» hoặc «{{%p endif %}}»?)"),
    (r"unexpected char '(.+?)'", "ký tự không hợp lệ «{0}»"),
    (r"unexpected end of template", "biểu thức chưa hoàn chỉnh"),
]


def translate(message: str) -> str:
    """A Jinja2 syntax error's English message in Vietnamese words (``SYNTAX_WORDS``); a general
    phrase when none matches."""
    for pattern, words in SYNTAX_WORDS:
        m = re.search(pattern, message)
        if m:
            return words.format(*m.groups())
    return "cú pháp thẻ không hợp lệ"


BLOCK = re.compile(r"\{%-?\s*(for|if|endfor|endif)\b")


def unclosed_block(lines: list[str], paras: list[Para]) -> str | None:
    """A ``for``/``if`` left without its ``endfor``/``endif`` (or closed by the other kind),
    named with its own paragraph and heading: Jinja only sees the template's end, or the next
    closing tag, and would point there."""
    stack: list = []
    for i, line in enumerate(lines):
        for m in BLOCK.finditer(line):
            kind = m.group(1)
            if kind in ("for", "if"):
                stack.append((kind, i))
            elif stack and stack[-1][0] == kind[3:]:
                stack.pop()
            elif stack:
                return _unclosed(*stack[-1], paras)
    return _unclosed(*stack[-1], paras) if stack else None


def _unclosed(kind: str, i: int, paras: list[Para]) -> str:
    return (f"{_where(paras[i])}: thẻ «{{%p {kind} %}}» mở ở đây chưa được đóng — thêm một đoạn "
            f"«{{%p end{kind} %}}» sau các đoạn nó bao")


@dataclass
class Parsed:
    """The template's paragraphs and their tags parsed, before any figure is known (so a build
    can do it while the workbooks are read); ``failed``: a problem found reading the file."""
    paras: list
    failed: str | None = None


def parse_template(template: Path) -> Parsed:
    """The paragraphs of the Word template at ``template`` (a .docx) as a Parsed; an unreadable
    file gives ``failed`` (Vietnamese), never an exception."""
    try:
        return Parsed(paragraphs(template))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as e:
        return Parsed([], f"không đọc được tệp mẫu Word ({e})")


def _tags_line(text: str) -> str:
    """A paragraph's tags alone, on one line (docxtpl's ``{%p``, ``{%tr``… read as ``{%``)."""
    return " ".join(re.sub(r"^\{%(?:p|tr|tc|r)\s", "{% ", t) for t in TAG.findall(text))


def _parse_tags(lines: list[str]):
    return SandboxedEnvironment(autoescape=True).parse("\n".join(lines))


def _constant_calls(ast, names: tuple) -> tuple[dict, set]:
    """{function: {first argument}} of the calls to ``names`` written with a constant first
    argument, and the functions some call of which names its argument otherwise (a variable:
    what it prints is not known before rendering)."""
    found: dict = {n: set() for n in names}
    dynamic = set()
    for call in ast.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in names:
            if call.args and isinstance(call.args[0], nodes.Const):
                found[call.node.name].add(call.args[0].value)
            else:
                dynamic.add(call.node.name)
    return found, dynamic


@dataclass(frozen=True)
class Uses:
    """What a template prints of the period's content: the indicators it cites (``cau``,
    ``so``) and the sections whose narrative it prints (``muc``); ``sections`` is None when
    that cannot be known (a section named by a variable, or tags that do not parse)."""
    codes: frozenset
    sections: frozenset | None


def template_uses(template: Path | Parsed) -> Uses:
    """What the template (a path or a Parsed) prints: the indicators it cites and the sections
    whose narrative it prints, read from its tags without rendering; ``sections`` None when
    that cannot be known."""
    parsed = template if isinstance(template, Parsed) else parse_template(template)
    if parsed.failed or any(unbalanced(p.text) for p in parsed.paras):
        return Uses(frozenset(), None)
    try:
        ast = _parse_tags([_tags_line(p.text) for p in parsed.paras])
    except TemplateSyntaxError:
        return Uses(frozenset(), None)
    return _uses(ast)


def _uses(ast) -> Uses:
    found, dynamic = _constant_calls(ast, ("cau", "so", "muc"))
    sections = None if "muc" in dynamic else frozenset(found["muc"])
    return Uses(frozenset(found["cau"] | found["so"]), sections)


def check_template(template: Path | Parsed, context: dict, codes, sections: set, settings: dict,
                   written: dict | None = None) -> list[str]:
    """Every problem of the template, as Vietnamese sentences (empty: it can be rendered).
    ``codes``: the catalogue's codes, or its indicators by code (then a ``so()`` word that does
    not fit the indicator's kind is a problem too).
    ``written``: {section: [names of the departments whose narrative is in it]} — a section
    with narrative that the template no longer prints is a problem naming them."""
    problems: list[str] = []
    parsed = template if isinstance(template, Parsed) else parse_template(template)
    if parsed.failed:
        return [parsed.failed]
    paras = [Para(p.text, p.heading) for p in parsed.paras]

    def titled(text: str) -> str:  # a heading written as {{ ten_muc("X") }} is named by its title
        return re.sub(r'\{\{\s*ten_muc\(\s*"([^"]+)"\s*\)\s*(\|\s*upper\s*)?\}\}',
                      lambda m: settings["muc"].get(m.group(1), m.group(1)), text)
    for p in paras:
        p.heading = titled(p.heading)
    lines = []
    for p in paras:
        why = unbalanced(p.text)
        if why:
            problems.append(f"{_where(p)}: {why}")
            lines.append("")
            continue
        lines.append(_tags_line(p.text))
    if problems:
        return problems  # the tags cannot be trusted to parse until they are balanced
    try:
        ast = _parse_tags(lines)
    except TemplateSyntaxError as e:
        unclosed = unclosed_block(lines, paras)
        if unclosed:
            return [unclosed]
        line = (e.lineno or 1) - 1
        p = paras[line] if 0 <= line < len(paras) else None
        where = _where(p) if p else "mẫu"
        return [f"{where}: lỗi cú pháp — {translate(e.message or '')}"]

    def at(node) -> str:
        line = (getattr(node, "lineno", 1) or 1) - 1
        return _where(paras[line]) if 0 <= line < len(paras) else "mẫu"

    # one walk of the tree: its names, attribute reads and calls
    names, attrs, calls = [], [], []
    for node in ast.find_all((nodes.Name, nodes.Getattr, nodes.Call)):
        (names if isinstance(node, nodes.Name) else attrs if isinstance(node, nodes.Getattr) else calls).append(node)
    called = {id(c.node) for c in calls if isinstance(c.node, nodes.Name)}
    assigned = {n.name for n in names if n.ctx in ("store", "param")}
    known = set(context) | assigned
    for name in names:
        if name.ctx == "load" and name.name not in known:
            kind = "hàm" if id(name) in called else "tên"
            hint = f"; các hàm có: {', '.join(sorted(FUNCTIONS))}" if kind == "hàm" else \
                f"; các tên có: {', '.join(sorted(k for k in context if k not in FUNCTIONS))}"
            problems.append(f"{at(name)}: {kind} «{name.name}» không có{hint}")
    for attr in attrs:
        if isinstance(attr.node, nodes.Name) and isinstance(context.get(attr.node.name), Mapping):
            table = context[attr.node.name]
            if attr.attr not in table:
                problems.append(f"{at(attr)}: «{attr.node.name}.{attr.attr}» không có trong cài đặt "
                                f"(cai-dat.toml, mục [{attr.node.name}] có: {', '.join(table)})")
    for call in calls:
        if not isinstance(call.node, nodes.Name) or not call.args or not isinstance(call.args[0], nodes.Const):
            continue
        fn, first = call.node.name, call.args[0].value
        if fn in ("cau", "so") and first not in codes:
            problems.append(f"{at(call)}: {fn}(«{first}»): mã chỉ tiêu «{first}» không có trong danh mục của kỳ")
        if fn == "so" and len(call.args) > 1 and isinstance(call.args[1], nodes.Const):
            if call.args[1].value not in BY_WORD:
                near = suggest(str(call.args[1].value), WORDS)
                problems.append(f"{at(call)}: so(«{first}», «{call.args[1].value}»): «{call.args[1].value}» không "
                                f"hợp lệ; " + (f"có phải «{near}»? " if near else "") + f"dùng một trong: {', '.join(WORDS)}")
            elif isinstance(codes, Mapping) and first in codes:   # the catalogue's rows: the word must fit the kind
                why = not_applicable(call.args[1].value, codes[first])
                if why:
                    problems.append(f"{at(call)}: so(«{first}», «{call.args[1].value}»): {why}")
        if fn in ("muc", "ten_muc", "in_de_muc") and first not in sections:
            problems.append(f"{at(call)}: {fn}(«{first}»): mục «{first}» không có trong [muc] của cai-dat.toml")
    printed = _uses(ast).sections
    for section, departments in (written or {}).items():
        if printed is not None and section not in printed:
            title = settings["muc"].get(section, "")
            problems.append(f"mục {section}" + (f" «{title}»" if title else "") + " không còn trong mẫu (không có "
                            f"đoạn {{%p for doan in muc(\"{section}\") %}}), nhưng "
                            + ", ".join(f"«{d}»" for d in departments) + " đã viết thuyết minh cho mục này: "
                            "thuyết minh và chú thích của họ sẽ không được in; hãy thêm lại vào mẫu ba đoạn "
                            f"{{%p for doan in muc(\"{section}\") %}}, {{{{ doan }}}}, {{%p endfor %}} (như trong mẫu "
                            "gốc), hoặc đề nghị các đơn vị chuyển thuyết minh sang mục khác")
    return problems


