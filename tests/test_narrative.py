import zipfile

from generator import narrative
from generator import pipeline

from .conftest import fill

CODES = {"XNK_TONG", "XNK_XK"}


def test_parse_references_and_notes():
    segs, problems = narrative.parse("Lũy kế {XNK_TONG} triệu USD, đạt {XNK_TONG:dat}[[Gồm {XNK_XK:luyke}.]] hết.", CODES)
    assert problems == []
    assert segs[1] == narrative.Ref("XNK_TONG", "") and segs[3] == narrative.Ref("XNK_TONG", "dat")
    assert isinstance(segs[4], narrative.Note) and narrative.Ref("XNK_XK", "luyke") in segs[4].parts


def test_markup_errors():
    _, problems = narrative.parse("{XNK_KHAC} và {XNK_TONG:sai} [[không đóng", CODES)
    assert [p.code for p in problems] == ["markup-unknown-code", "markup-unknown-measure", "markup-unclosed-note"]
    _, problems = narrative.parse("thừa ]] và [[lồng [[trong]]", CODES)
    assert {p.code for p in problems} == {"markup-stray-close", "markup-nested-note"}


def test_template_syntax_in_text_is_just_text():
    segs, problems = narrative.parse("{{ 7*7 }} {% if x %} { 7*7 } {1} & < >", CODES)
    assert problems == [] and segs == ["{{ 7*7 }} {% if x %} { 7*7 } {1} & < >"]
    # a code in braces written in lower case is a typo, not text (issue 21, point 13)
    _, problems = narrative.parse("{xnk_tong}", CODES)
    assert [p.code for p in problems] == ["markup-malformed"] and "«{XNK_TONG}»" in problems[0].message


def test_workbook_text_is_escaped_and_never_run(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[
        ("II.1.2", "Kim ngạch {XNK_TONG} triệu USD {{ 7*7 }} {% for x in y %} & <b> \"a\" 'b'[[Chú thích {{ 7*7 }} & <i>.]]"),
    ])
    got = pipeline.build(filled)
    with zipfile.ZipFile(got["paths"]["docx"]) as z:
        doc = z.read("word/document.xml").decode("utf-8")
        notes = z.read("word/footnotes.xml").decode("utf-8")
    assert "Kim ngạch 2.945\u00a0triệu USD {{ 7*7 }} {% for x in y %} &amp; &lt;b&gt;" in doc
    assert "49" not in doc.split("Kim ngạch")[1][:80]
    assert "Chú thích {{ 7*7 }} &amp; &lt;i&gt;." in notes


def test_markup_problems_are_validation_problems(filled):
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[
        ("II.1.2", "Số liệu {XNK_SAI} [[chưa đóng"), ("IX", "mục lạ"), ("II.1.3", "{XNK_XK:dat} {NN_TRAU:tang}")])
    res = pipeline.check(filled)
    probs = {p.code: p for p in res.problems}
    assert probs["markup-unknown-code"].cell == "B2" and probs["markup-unknown-code"].sheet == "Thuyết minh"
    assert probs["markup-unclosed-note"].severity == "lỗi"
    assert probs["unknown-section"].cell == "B3"
    # a reference whose figure cannot be computed is a warning on its cell
    fill(filled.period_inputs / "so-nong-nghiep.xlsx", {"NN_TRAU": {"G": None}})
    res = pipeline.check(filled)
    warn = [p for p in res.problems if p.code == "markup-no-figure"]
    assert warn and warn[0].cell == "B4" and warn[0].indicator == "NN_TRAU"
