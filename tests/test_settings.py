"""cai-dat.toml read through one schema: the shipped file agrees with it, a wrong value is a
Vietnamese message naming the setting, its line and what is allowed (exit 3, no traceback),
a key left out takes the schema's default, and no unexpected failure shows a traceback."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from decimal import Decimal

import pytest

from generator.settings_schema import REQUIRED, SCHEMA

from .conftest import ROOT

SHIPPED = ROOT / "templates" / "cai-dat.toml"


def baocao(cwd, *args):
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """An office folder made by ``baocao new --sample``, built once with its shipped settings."""
    root = tmp_path_factory.mktemp("settings")
    folder = root / "vp"
    proc = baocao(root, "new", folder, "--sample")
    assert proc.returncode == 0, proc.stderr
    proc = baocao(folder, "build", "--period", "2023-08", "--db", "")
    assert proc.returncode == 0, proc.stderr
    return folder


def line_of(text: str, pattern: str) -> int:
    """The line (from 1) of the first line matching ``pattern``, found by the test itself."""
    for n, line in enumerate(text.splitlines(), start=1):
        if re.match(pattern, line):
            return n
    raise AssertionError(pattern)


def with_settings(office, tmp_path, edit) -> tuple:
    """A copy of the office's templates with cai-dat.toml edited; returns (folder, text)."""
    import shutil
    templates = tmp_path / "templates"
    shutil.copytree(office / "templates", templates)
    path = templates / "cai-dat.toml"
    text = edit(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return templates, text


def test_the_shipped_file_has_every_key_of_the_schema_with_its_default():
    shipped = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    text = SHIPPED.read_text(encoding="utf-8")
    for section in SCHEMA:
        assert section.meaning and section.name in shipped, section.name
        for s in section.settings:
            assert s.meaning, s.name
            assert s.key in shipped[section.name], f"{s.name} is not in the shipped cai-dat.toml"
            if s.default not in (REQUIRED, ""):   # "": computed from other keys (ten_day_du)
                value = shipped[section.name][s.key]
                want = s.default
                if isinstance(want, Decimal):
                    value = Decimal(str(value))
                assert value == want, f"{s.name}: shipped {value!r}, schema default {want!r}"
            if s.kind in ("int", "number"):
                assert s.low is not None, f"{s.name} has no range"
        if section.open_defaults:   # a table left out is the shipped one
            assert dict(section.open_defaults) == {k: v for k, v in shipped[section.name].items()
                                                   if k not in {x.key for x in section.settings}}
        for key in shipped[section.name]:
            assert section.setting(key) is not None, f"[{section.name}] {key} is not in the schema"
    assert set(shipped) == {s.name for s in SCHEMA}
    # each setting of the fixed tables carries a comment or a comment above it, for the clerk
    assert text.count("#") >= 20


@pytest.mark.parametrize("key", ["nguong_tuong_duong", "dung_sai_thanh_phan"])
def test_a_decimal_comma_in_quotes_is_a_message_with_the_line(office, tmp_path, key):
    templates, text = with_settings(office, tmp_path,
                                    lambda t: re.sub(rf"(?m)^{key} = [0-9.]+", f'{key} = "0,5"', t))
    line = line_of(text, rf'{key} = "0,5"')
    for command in ("check", "build"):
        proc = baocao(office, command, "--period", "2023-08", "--templates", templates, "--db", "",
                      "--out", tmp_path / "out")
        assert proc.returncode == 3, proc.stderr
        assert "Traceback" not in proc.stderr and "InvalidOperation" not in proc.stderr
        assert f'Cài đặt {key} = "0,5" không phải là số: viết 0.5 (dấu chấm, không có ngoặc kép)' in proc.stderr
        assert f"dòng {line}, mục [kiem_tra]: Cài đặt {key}" in proc.stderr
        assert "từ 0 đến 100" in proc.stderr   # what is allowed
    assert not (tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx").exists()


@pytest.mark.parametrize("written, said", [
    ("0,5", "số viết dấu chấm thập phân, không có ngoặc kép: nguong_tuong_duong = 0.5"),
    ("có", "giá trị không hợp lệ; chữ viết trong ngoặc kép"),
])
def test_a_syntax_error_is_vietnamese_with_its_line(office, tmp_path, written, said):
    templates, text = with_settings(office, tmp_path, lambda t: re.sub(r"(?m)^nguong_tuong_duong = [0-9.]+",
                                                                       f"nguong_tuong_duong = {written}", t))
    line = line_of(text, f"nguong_tuong_duong = {written}")
    proc = baocao(office, "check", "--period", "2023-08", "--templates", templates, "--db", "")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert f"viết sai cú pháp: dòng {line}" in proc.stderr and f"«nguong_tuong_duong = {written}»" in proc.stderr
    assert said in proc.stderr and "at line" not in proc.stderr


def test_a_deadline_day_not_in_every_month_is_refused_before_init(office, tmp_path):
    templates, text = with_settings(office, tmp_path,
                                    lambda t: re.sub(r"(?m)^han_nop_ngay = \d+", "han_nop_ngay = 31", t))
    line = line_of(text, r"han_nop_ngay = 31")
    proc = baocao(office, "init", "--period", "2024-02", "--templates", templates, "--db", "",
                  "--inputs", tmp_path / "in")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert f"dòng {line}, mục [nop_bao_cao]: Cài đặt han_nop_ngay = 31 nằm ngoài khoảng cho phép" in proc.stderr
    assert "từ 1 đến 28" in proc.stderr
    assert not (tmp_path / "in" / "2024-02").exists() or not any((tmp_path / "in" / "2024-02").iterdir())


def test_every_mistake_is_listed_once_with_its_line(office, tmp_path):
    def edit(t):
        t = t.replace('huong = "tu_dong"', 'huong = "dọc"')
        t = t.replace("in_de_muc_trong = true", 'in_de_muc_trong = "có"')
        t = t.replace('tang = "tăng {pt}"', 'tang = "tăng {p}"')
        t = t.replace("ngay_chot_cuoi = 14", "ngay_chot_cuoi = 14\nhan_nop = 20")
        return t.replace('ho_ten = "Lương Trọng Quỳnh"\n', "")
    templates, text = with_settings(office, tmp_path, edit)
    proc = baocao(office, "check", "--period", "2023-08", "--templates", templates, "--db", "")
    err = proc.stderr
    assert proc.returncode == 3 and "Traceback" not in err, err
    assert f'dòng {line_of(text, "huong = ")}, mục [phu_luc]: Cài đặt huong = "dọc" không hợp lệ' in err
    assert '"doc", "ngang"' in err
    assert f"dòng {line_of(text, 'in_de_muc_trong')}, mục [cach_viet]: Cài đặt in_de_muc_trong = \"có\"" in err
    assert "true hoặc false" in err
    assert "{p} không dùng được ở đây" in err and "{pt}" in err
    assert f"dòng {line_of(text, 'han_nop = 20')}, mục [nop_bao_cao]: cài đặt han_nop không có" in err
    assert "có phải han_nop_ngay?" in err
    signer = line_of(text, r"\[ky_ten\]")
    assert f"dòng {signer}, mục [ky_ten]: thiếu cài đặt ho_ten" in err
    assert "có 5 lỗi" in err
    assert len([x for x in err.splitlines() if x.startswith("- ")]) == 5


@pytest.mark.parametrize("key, written, said", [
    ("ten_tep", '"../../bao-cao-{ky}.docx"', "không phải tên tệp báo cáo"),
    ("ten_tep", '"BC-{thang}.docx"', "có {thang} không dùng được ở đây"),
    ("mui_gio", '"Asia/Ha_Noi"', "không phải múi giờ"),
])
def test_a_file_name_or_time_zone_that_cannot_work_is_refused(office, tmp_path, key, written, said):
    templates, text = with_settings(office, tmp_path, lambda t: re.sub(rf"(?m)^{key} = \S+", f"{key} = {written}", t))
    proc = baocao(office, "build", "--period", "2023-08", "--templates", templates, "--db", "",
                  "--out", tmp_path / "out")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert f"dòng {line_of(text, key)}" in proc.stderr and f"Cài đặt {key} = {written} {said}" in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.docx"))


def test_keys_left_out_take_the_schema_defaults(office, tmp_path):
    """An office's older file without the newer keys builds the same report."""
    def edit(t):
        t = re.sub(r"(?ms)^\[phu_luc\].*", "", t)
        for key in ("dung_sai_luy_ke", "tang_so", "giam_so", "bang_so", "in_de_muc_trong", "ten_tep", "ky_hieu"):
            t = re.sub(rf"(?m)^{key} = .*\n", "", t)
        return re.sub(r"(?ms)^\[web\].*?(?=^\[)", "", t)
    templates, text = with_settings(office, tmp_path, edit)
    assert "[phu_luc]" not in text and "ten_tep" not in text
    proc = baocao(office, "build", "--period", "2023-08", "--templates", templates, "--db", "",
                  "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    for name in ("BC-UBND-2023-08.docx", "phu-luc-2023-08.xlsx"):
        assert (tmp_path / "out" / "2023-08" / name).read_bytes() == \
            (office / "build" / "2023-08" / name).read_bytes(), name
    import json
    # the same figures and the same settings in force (recorded in the order the file gives)
    assert json.loads((tmp_path / "out" / "2023-08" / "figures.json").read_text(encoding="utf-8")) == \
        json.loads((office / "build" / "2023-08" / "figures.json").read_text(encoding="utf-8"))


def test_the_two_agency_names_agree_when_the_full_name_is_left_out(office, tmp_path):
    templates, _ = with_settings(office, tmp_path, lambda t: re.sub(r"(?m)^ten_day_du = .*\n", "", t))
    proc = baocao(office, "build", "--period", "2023-08", "--templates", templates, "--db", "",
                  "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        body = z.read("word/document.xml").decode("utf-8")
    agency = "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
    assert f"<dc:creator>{agency}</dc:creator>" in core
    # the annex's «Kèm theo» line never breaks inside the name: non-breaking spaces in it
    assert f"của {agency.replace(' ', chr(0xA0))})" in re.sub(r"<[^>]+>", "", body)


def test_an_unexpected_failure_shows_no_traceback_on_the_terminal(tmp_path):
    """A real process (no test harness capturing logging): the traceback goes to the log only."""
    log = tmp_path / "baocao.log"
    code = ("import sys\nfrom generator import cli, pipeline\n"
            "def boom(*a, **k):\n    raise RuntimeError('hỏng giữa chừng')\n"
            "pipeline.check = boom\n"
            f"sys.exit(cli.main(['check', '--period', '2023-08', '--db', '', '--out', {str(tmp_path)!r}]))\n")
    import os
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "BAOCAO_LOG": str(log)})
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and "hỏng giữa chừng" in proc.stderr and str(log) in proc.stderr
    assert "Traceback" in log.read_text(encoding="utf-8")


OLD_SIGNER, NEW_SIGNER = "Lương Trọng Quỳnh", "Nguyễn Văn A"
OLD_LINE, NEW_LINE = "UBND các huyện, thành phố;", "UBND các xã, phường;"


def document_text(docx) -> str:
    with zipfile.ZipFile(docx) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))


def changed_for_2026(text: str, keep_old: bool) -> str:
    """The office changes the signer and the recipients; with ``keep_old`` it keeps the old
    ones for the periods up to 2025-06 in a [[theo_ky]] block, as the README says."""
    old_list = tomllib.loads(text)["noi_nhan"]["danh_sach"]
    text = text.replace(f'ho_ten = "{OLD_SIGNER}"', f'ho_ten = "{NEW_SIGNER}"').replace(OLD_LINE, NEW_LINE)
    if keep_old:
        listed = ",\n  ".join(f'"{x}"' for x in old_list)
        text += (f'\n[[theo_ky]]\nden_ky = "2025-06"\nky_ten.ho_ten = "{OLD_SIGNER}"\n'
                 f"noi_nhan.danh_sach = [\n  {listed},\n]\n")
    return text


def test_a_rebuilt_old_report_keeps_the_signer_and_recipients_of_its_time(tmp_path):
    root = tmp_path
    folder = root / "vp"
    assert baocao(root, "new", folder, "--sample").returncode == 0
    proc = baocao(folder, "build", "--period", "2023-08", "--db", "")
    assert proc.returncode == 0, proc.stderr
    out = folder / "build" / "2023-08"
    first = (out / "BC-UBND-2023-08.docx").read_bytes()
    import json
    recorded = json.loads((out / "figures.json").read_text(encoding="utf-8"))["settings"]
    assert recorded["theo_ky"] == [] and recorded["values"]["ky_ten"]["ho_ten"] == OLD_SIGNER
    assert OLD_LINE in recorded["values"]["noi_nhan"]["danh_sach"]
    assert recorded["values"]["kiem_tra"]["dung_sai_thanh_phan"] == 0.5

    settings = folder / "templates" / "cai-dat.toml"
    text = changed_for_2026(settings.read_text(encoding="utf-8"), keep_old=True)
    settings.write_text(text, encoding="utf-8")
    proc = baocao(folder, "build", "--period", "2023-08", "--db", "")
    assert proc.returncode == 0, proc.stderr
    assert "cài đặt khác lần lập trước" not in proc.stdout + proc.stderr
    # the 2023 report is the one first built, byte for byte: its signer and recipients
    assert (out / "BC-UBND-2023-08.docx").read_bytes() == first
    body = document_text(out / "BC-UBND-2023-08.docx")
    assert OLD_SIGNER in body and OLD_LINE in body and NEW_SIGNER not in body and NEW_LINE not in body
    recorded = json.loads((out / "figures.json").read_text(encoding="utf-8"))["settings"]
    block = line_of(text, r"\[\[theo_ky\]\]")
    assert recorded["theo_ky"] == [{"den_ky": "2025-06", "dong": block}]
    assert recorded["values"]["ky_ten"]["ho_ten"] == OLD_SIGNER

    # a 2026 period prints the new ones and records no block
    proc = baocao(folder, "build", "--period", "2026-01", "--db", "", "--allow-missing")
    assert proc.returncode == 0, proc.stderr
    body = document_text(folder / "build" / "2026-01" / "BC-UBND-2026-01.docx")
    assert NEW_SIGNER in body and NEW_LINE in body and OLD_SIGNER not in body and OLD_LINE not in body
    recorded = json.loads((folder / "build" / "2026-01" / "figures.json").read_text(encoding="utf-8"))["settings"]
    assert recorded["theo_ky"] == [] and recorded["values"]["ky_ten"]["ho_ten"] == NEW_SIGNER


def test_a_rebuild_with_changed_settings_and_no_block_is_warned(tmp_path):
    folder = tmp_path / "vp"
    assert baocao(tmp_path, "new", folder, "--sample").returncode == 0
    assert baocao(folder, "build", "--period", "2023-08", "--db", "").returncode == 0
    settings = folder / "templates" / "cai-dat.toml"
    settings.write_text(changed_for_2026(settings.read_text(encoding="utf-8"), keep_old=False), encoding="utf-8")
    proc = baocao(folder, "build", "--period", "2023-08", "--db", "")
    assert proc.returncode == 0, proc.stderr
    said = proc.stdout
    assert "Kỳ 2023-08 được lập lại với cài đặt khác lần lập trước" in said
    assert f"[ky_ten] ho_ten: «{OLD_SIGNER}» → «{NEW_SIGNER}»" in said
    assert f"[noi_nhan] danh_sach: thêm «{NEW_LINE}»; bỏ «{OLD_LINE}»" in said
    assert "[[theo_ky]]" in said
    import json
    manifest = json.loads((folder / "build" / "2023-08" / "lap-bao-cao.json").read_text(encoding="utf-8"))
    assert [w["code"] for w in manifest["warnings"]].count("settings-changed") == 1
    # built again with the same settings: nothing to warn about
    proc = baocao(folder, "build", "--period", "2023-08", "--db", "")
    assert proc.returncode == 0 and "lần lập trước" not in proc.stdout


def test_wrong_blocks_are_messages_with_their_lines(office, tmp_path):
    def edit(t):
        return t + ('\n[[theo_ky]]\ntu_ky = "2024-01"\nky_ten.ho_ten = "A"\nco_quan.ten_tep = "x-{ky}.docx"\n'
                    '\n[[theo_ky]]\nden_ky = "2024-06"\nky_ten.ho_ten = "B"\n'
                    '\n[[theo_ky]]\ntu_ky = "2024-13"\nky_ten.ho_ten = "C"\n'
                    '\n[[theo_ky]]\nnoi_nhan.danh_sach = []\n')
    templates, text = with_settings(office, tmp_path, edit)
    proc = baocao(office, "check", "--period", "2023-08", "--templates", templates, "--db", "")
    err = proc.stderr
    assert proc.returncode == 3 and "Traceback" not in err, err
    blocks = [n for n, line in enumerate(text.splitlines(), start=1) if line == "[[theo_ky]]"]
    assert f"dòng {line_of(text, 'co_quan.ten_tep')}: cài đặt co_quan.ten_tep" in err and "không đặt theo kỳ" in err
    assert (f"hai khối [[theo_ky]] (dòng {blocks[0]}: từ kỳ 2024-01; dòng {blocks[1]}: đến kỳ 2024-06) cùng đặt "
            f"ky_ten.ho_ten") in err
    assert f'dòng {blocks[2]}, khối [[theo_ky]]: tu_ky = "2024-13" không phải một kỳ' in err
    assert f"dòng {blocks[3]}, khối [[theo_ky]]: thiếu tu_ky hoặc den_ky" in err
    assert "có 4 lỗi" in err


def test_history_words_each_period_with_its_own_settings(tmp_path):
    """`baocao history` prints each period's change with the wording in force then."""
    from openpyxl import load_workbook

    from generator import pipeline
    from generator.history import history_template

    from .conftest import make_templates
    templates = make_templates(tmp_path / "templates")
    settings = templates / "cai-dat.toml"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + '\n[[theo_ky]]\nden_ky = "2022-12"\ncach_viet.tang = "cao hơn {pt}"\n', encoding="utf-8")
    ctx = pipeline.open_context("2023-08", tmp_path / "inputs", tmp_path / "build", templates, tmp_path / "db.sqlite")
    target = tmp_path / "lich-su.xlsx"
    history_template(ctx.catalogue, target)
    wb = load_workbook(target)
    for row in (["2021-08", "XNK_TONG", "", "", 3000, 200, 1000], ["2022-08", "XNK_TONG", "", "", 3000, 300, 1729],
                ["2023-08", "XNK_TONG", "", "", 3800, 330, 2945]):
        wb["Chỉ tiêu"].append(row)
    wb.save(target)
    pipeline.import_history(ctx, target)
    proc = baocao(tmp_path, "history", "XNK_TONG", "--templates", templates, "--db", tmp_path / "db.sqlite")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line[:4].isdigit()}
    up_2022 = (Decimal(1729) / 1000 * 100 - 100).quantize(Decimal("0.1"))
    up_2023 = (Decimal(2945) / 1729 * 100 - 100).quantize(Decimal("0.1"))
    assert f"cao hơn {str(up_2022).replace('.', ',')}%" in lines["2022-08"]
    assert f"tăng {str(up_2023).replace('.', ',')}%" in lines["2023-08"] and "cao hơn" not in lines["2023-08"]
