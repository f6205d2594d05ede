import subprocess
import sys

from .conftest import GOOD_VALUES, fill, make_templates, run_cli


def test_help_is_vietnamese():
    proc = run_cli("--help")
    assert proc.returncode == 0 and "cách dùng" in proc.stdout and "lập báo cáo" in proc.stdout.lower()


def test_bad_usage_exits_2_without_traceback():
    for args in (("build",), ("build", "--period", "2023-13"), ("xyz",)):
        proc = run_cli(*args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr and "lỗi cách dùng" in proc.stderr


def test_init_check_build_exit_codes(tmp_path):
    t = make_templates(tmp_path / "t")
    common = ("--period", "2023-08", "--inputs", tmp_path / "in", "--out", tmp_path / "out", "--templates", t,
              "--db", tmp_path / "store.sqlite")
    proc = run_cli("init", *common)
    assert proc.returncode == 0 and "Đã tạo" in proc.stdout
    proc = run_cli("check", *common)
    # the blanks init wrote are not submissions: «chưa nộp», an error unless --allow-missing
    assert proc.returncode == 1 and "chưa nộp" in proc.stdout and "còn trống" in proc.stdout and "LỖI" in proc.stdout
    assert "Chưa nhập" not in proc.stdout
    assert (tmp_path / "out" / "2023-08" / "kiem-tra.xlsx").exists()
    proc = run_cli("build", *common)
    assert proc.returncode == 1 and "chưa lập báo cáo" in proc.stderr and "Traceback" not in proc.stderr
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(tmp_path / "in" / "2023-08" / name, GOOD_VALUES)
    proc = run_cli("check", *common)
    assert proc.returncode == 0 and "đã nộp" in proc.stdout
    proc = run_cli("build", *common)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "2023-08" / "BC-UBND-2023-08.docx").exists()


def test_other_failures_exit_3(tmp_path):
    t = make_templates(tmp_path / "t")
    (t / "cai-dat.toml").write_text("[co_quan\n", encoding="utf-8")
    proc = run_cli("check", "--period", "2023-08", "--templates", t, "--inputs", tmp_path)
    assert proc.returncode == 3 and "cú pháp" in proc.stderr and "Traceback" not in proc.stderr


def test_catalogue_errors_exit_1(tmp_path):
    t = make_templates(tmp_path / "t")
    (t / "chi-tieu.csv").write_text((t / "chi-tieu.csv").read_text(encoding="utf-8") +
                                    "XNK_TONG,Trùng,tấn,so-cong-thuong,cộng dồn\n", encoding="utf-8")
    proc = run_cli("check", "--period", "2023-08", "--templates", t, "--inputs", tmp_path)
    assert proc.returncode == 1 and "chi-tieu.csv" in proc.stderr and "bị trùng" in proc.stderr


def test_pdf_without_libreoffice_is_a_clear_message(tmp_path, monkeypatch):
    from generator.compose import pdf
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    import pytest
    from generator.problems import BaocaoError
    with pytest.raises(BaocaoError, match="LibreOffice"):
        pdf.docx_to_pdf(tmp_path / "x.docx")


def test_problem_list_links_to_the_workbook_cells(tmp_path):
    from openpyxl import load_workbook
    t = make_templates(tmp_path / "t")
    common = ("--period", "2023-08", "--inputs", tmp_path / "in", "--out", tmp_path / "out", "--templates", t,
              "--db", "")
    run_cli("init", *common)
    fill(tmp_path / "in" / "2023-08" / "so-cong-thuong.xlsx", {"XNK_TONG": {"E": 330}})  # begun, not finished
    proc = run_cli("check", *common)
    assert proc.returncode == 1
    ws = load_workbook(tmp_path / "out" / "2023-08" / "kiem-tra.xlsx").active
    link = next(c.hyperlink for c in ws["D"][1:] if c.hyperlink)
    # XlsxWriter stores external paths Windows-style (the office opens it in Excel on Windows)
    target = (tmp_path / "out" / "2023-08" / link.target.replace("\\", "/")).resolve()
    assert target == (tmp_path / "in" / "2023-08" / "so-cong-thuong.xlsx").resolve() and target.exists()
    assert link.location.startswith("'Chỉ tiêu'!")


def test_a_command_of_no_period_gets_none_not_an_invented_one(tmp_path):
    """history, import-history, user, serve and backup take no period: their context has
    period None (not the year 2000), every catalogue row, and the settings file's own values."""
    from generator import pipeline
    from generator.settings import load_settings
    templates = make_templates(tmp_path / "templates")
    ctx = pipeline.open_office(tmp_path / "inputs", tmp_path / "build", templates)
    assert ctx.period is None
    assert [i.code for i in ctx.catalogue.all_indicators] == [i.code for i in ctx.catalogue.full.all_indicators]
    assert ctx.settings.record() == load_settings(templates).record()
    proc = run_cli("history", "XNK_TONG", "--templates", templates, "--db", tmp_path / "db.sqlite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def _problem_lines(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.startswith("  CẢNH BÁO") or line.startswith("  LỖI"))


def test_build_lists_its_warnings_and_counts_them_as_check_does(tmp_path):
    t = make_templates(tmp_path / "t")
    common = ("--period", "2023-08", "--inputs", tmp_path / "in", "--out", tmp_path / "out", "--templates", t,
              "--db", "")
    assert run_cli("init", *common).returncode == 0
    for name in ("so-cong-thuong.xlsx", "so-nong-nghiep.xlsx"):
        fill(tmp_path / "in" / "2023-08" / name, GOOD_VALUES)
    # the cumulative export 1620 against 433 a year earlier is far beyond the ±50 % threshold
    checked = run_cli("check", *common)
    assert checked.returncode == 0, checked.stdout
    warned = _problem_lines(checked.stdout)
    assert warned and any("XNK_XK" in w and "1.620" in w for w in warned), checked.stdout
    n_check = int(checked.stdout.rsplit(" cảnh báo", 1)[0].rsplit(", ", 1)[1])
    built = run_cli("build", *common)
    assert built.returncode == 0, built.stderr
    assert _problem_lines(built.stdout) == warned
    assert f"\n{len(warned)} cảnh báo." in built.stdout and n_check == len(warned)


def test_usage_errors_exit_2(tmp_path):
    t = make_templates(tmp_path / "t")
    db = tmp_path / "data" / "store.sqlite"
    db.parent.mkdir()
    for weak in ("ngan", "1234567890", "vanphong-abc-123"):
        proc = subprocess.run([sys.executable, "-m", "generator", "user", "add", "vanphong", "--office",
                               "--password-stdin", "--templates", str(t), "--db", str(db)], input=weak + "\n",
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and "lỗi cách dùng" in proc.stderr and "Traceback" not in proc.stderr, weak
    good = "mot-mat-khau-dai-9x"
    args = ["user", "add", "vanphong", "--office", "--password-stdin", "--templates", str(t), "--db", str(db)]
    assert subprocess.run([sys.executable, "-m", "generator", *args], input=good + "\n", capture_output=True,
                          text=True, timeout=120).returncode == 0
    again = subprocess.run([sys.executable, "-m", "generator", *args], input=good + "\n", capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 2 and "đã có" in again.stderr
    proc = run_cli("user", "add", "x", "--department", "khong-co-don-vi-nay", "--password-stdin", "--templates", t,
                   "--db", db)
    assert proc.returncode == 2
    # a backup into a folder with content, and a restore over data without --force
    office = tmp_path / "vp"
    (office / "inputs" / "2023-08").mkdir(parents=True)
    (office / "inputs" / "2023-08" / "ghi-chu.txt").write_text("x")
    full = tmp_path / "day"
    full.mkdir()
    (full / "tep.txt").write_text("x")
    proc = run_cli("backup", full, "--inputs", office / "inputs", "--out", office / "build", "--templates", t,
                   "--db", db)
    assert proc.returncode == 2 and "đã có nội dung" in proc.stderr
    copy = tmp_path / "sao-luu"
    assert run_cli("backup", copy, "--inputs", office / "inputs", "--out", office / "build", "--templates", t,
                   "--db", db).returncode == 0
    proc = run_cli("restore", copy, "--to", office)
    assert proc.returncode == 2 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert run_cli("restore", copy, "--to", office, "--force").returncode == 0
