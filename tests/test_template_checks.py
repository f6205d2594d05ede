"""A clerk editing the Word template is protected: every mistake found before rendering, in
Vietnamese, with the paragraph and its heading; nothing written."""
from __future__ import annotations

import re
import zipfile

import pytest

from generator import cli, pipeline
from generator.compose.checks import TemplateProblems


def edit_template(templates, change):
    path = templates / "BC-UBND.docx"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    parts["word/document.xml"] = change(xml).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def after_heading(heading: str, text: str):
    def change(xml):
        i = xml.index(heading)
        end = xml.index("</w:p>", i) + len("</w:p>")
        return xml[:end] + f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>" + xml[end:]
    return change


CASES = [
    ("missing-brace", after_heading('ten_muc("II.1.3")', 'Kim ngạch {{ cau("XNK_TONG") }'),
     ["Kim ngạch {{ cau(", "dưới đề mục «1.3. Sản xuất công nghiệp", "chưa đóng bằng «}}»"]),
    ("misspelt-setting", lambda x: x.replace("co_quan.ten_tinh }}", "co_quan.ten_tinhh }}"),
     ["«co_quan.ten_tinhh» không có trong cài đặt", "ten_tinh", "phần đầu văn bản"]),
    ("syntax", after_heading('ten_muc("II.1.2")', 'Tổng {{ cau("XNK_TONG" }}'),
     ["dưới đề mục «1.2. Phát triển kinh tế cửa khẩu»", "lỗi cú pháp", "gặp «}» trong khi cần «)»"]),
    ("unknown-code", after_heading('ten_muc("II.1.2")', 'Tổng {{ cau("XNK_SAI") }}'),
     ["mã chỉ tiêu «XNK_SAI» không có"]),
    ("unknown-function", after_heading('ten_muc("II.1.2")', "Tổng {{ cau_moi(1) }}"),
     ["hàm «cau_moi» không có", "cau, chu_thich, in_de_muc, muc, so, ten_muc"]),
    ("unknown-section", lambda x: x.replace('{%p for doan in muc("II.3") %}', '{%p for doan in muc("II.9") %}'),
     ["muc(«II.9»): mục «II.9» không có trong [muc]"]),
    # a word that does not fit the indicator's kind (issue 21, point 12): a stock has no year to date
    ("word-not-for-kind", after_heading('ten_muc("II.1.1")', 'Đàn trâu {{ so("NN_TRAU", "luyke") }} con'),
     ["so(«NN_TRAU», «luyke»)", "từ «luyke»", "loại «thời điểm»"]),
    ("word-misspelt", after_heading('ten_muc("II.1.2")', 'Tổng {{ so("XNK_TONG", "Lũy_kế") }}'),
     ["so(«XNK_TONG», «Lũy_kế»)", "có phải «luyke»?"]),
]


@pytest.mark.parametrize("name, change, fragments", CASES, ids=[c[0] for c in CASES])
def test_template_mistakes_are_found_before_rendering(filled, name, change, fragments, capsys):
    edit_template(filled.templates, change)
    with pytest.raises(TemplateProblems) as e:
        pipeline.build(filled)
    message = str(e.value)
    for fragment in fragments:
        assert fragment in message, message
    assert not filled.period_out.exists() or not list(filled.period_out.glob("*.docx"))
    code = cli.main(["build", "--period", "2023-08", "--inputs", str(filled.inputs), "--out", str(filled.out),
                     "--templates", str(filled.templates), "--db", ""])
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and fragments[0] in err
    assert not re.search(r"\b(unexpected|expected token|undefined)\b", message)


def test_all_mistakes_at_once(filled):
    edit_template(filled.templates, lambda x: after_heading('ten_muc("II.1.2")',
                                                            'A {{ cau("XNK_SAI") }} B {{ so("XNK_TONG", "sai") }}')(
        x.replace("co_quan.ten_tinh }}", "co_quan.ten_tinhh }}")))
    with pytest.raises(TemplateProblems) as e:
        pipeline.build(filled)
    assert len(e.value.problems) == 3, e.value.problems


def test_the_shipped_template_passes(filled):
    assert pipeline.build(filled)["paths"]["docx"].exists()


def test_a_section_nobody_wrote_is_a_warning_and_its_heading_follows_the_setting(filled):
    import zipfile as zf

    from .conftest import fill
    # the last section written: the empty ones stand in the middle of the body (an empty
    # section at the very end never prints its heading alone)
    fill(filled.period_inputs / "so-cong-thuong.xlsx", narrative=[("III", "Tiếp tục đẩy mạnh xuất khẩu.")])
    res = pipeline.check(filled)
    empty = [p for p in res.problems if p.code == "empty-section"]
    assert any("II.3" in p.message for p in empty)       # the small catalogue has nothing for II.3
    with zf.ZipFile(pipeline.build(filled)["paths"]["docx"]) as z:
        assert "3. Lĩnh vực chuyển đổi số" in z.read("word/document.xml").decode()
    settings = filled.templates / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("in_de_muc_trong = true",
                                                                     "in_de_muc_trong = false"), encoding="utf-8")
    ctx = pipeline.open_context("2023-08", filled.inputs, filled.out, filled.templates)
    with zf.ZipFile(pipeline.build(ctx)["paths"]["docx"]) as z:
        doc = z.read("word/document.xml").decode()
    assert "3. Lĩnh vực chuyển đổi số" not in doc and "1.2. Phát triển kinh tế cửa khẩu" in doc


def test_a_missing_or_broken_template_file_says_so_in_vietnamese(filled):
    """No Word file, or a file that is not one: a Vietnamese message naming the file and what
    to do, nothing written (not python-docx's «Package not found»)."""
    from generator.problems import BaocaoError
    template = filled.templates / "BC-UBND.docx"
    template.write_text("không phải tài liệu Word", encoding="utf-8")
    with pytest.raises(BaocaoError) as e:
        pipeline.build(filled)
    assert "không phải tài liệu Word (.docx)" in str(e.value) and "Package" not in str(e.value)
    template.unlink()
    with pytest.raises(BaocaoError) as e:
        pipeline.build(filled)
    assert str(e.value).startswith("Không có mẫu báo cáo") and "--templates" in str(e.value)
    assert not (filled.period_out / "BC-UBND-2023-08.docx").exists()
