"""The office's settings (``templates/cai-dat.toml``): agency, signer, recipients, deadlines,
thresholds and the report's wording. Plain data in, plain data out."""
from __future__ import annotations

import tomllib
from pathlib import Path

from .problems import BaocaoError

SETTINGS_FILE = "cai-dat.toml"
PACKAGE = Path(__file__).resolve().parent


def package_templates() -> Path:
    """The default templates: shipped inside the package (a wheel), or the source checkout's
    ``templates/`` (an editable install)."""
    shipped = PACKAGE / "_data" / "templates"
    return shipped if (shipped / SETTINGS_FILE).exists() else PACKAGE.parent / "templates"


def package_sample() -> Path:
    """The 2023-08 sample workbooks, shipped or in the checkout's ``inputs/2023-08``."""
    shipped = PACKAGE / "_data" / "sample"
    return shipped if any(shipped.glob("*.xlsx")) else PACKAGE.parent / "inputs" / "2023-08"


def resolve_templates(explicit: Path | str | None = None) -> tuple[Path, str]:
    """(folder, where it comes from): ``--templates``, else ``./templates`` of the folder the
    command runs in (the office's own copy), else the package's defaults."""
    if explicit:
        return Path(explicit), "--templates"
    local = Path.cwd() / "templates"
    if (local / SETTINGS_FILE).exists():
        return local, "thư mục templates/ tại nơi chạy lệnh"
    return package_templates(), "mẫu mặc định của chương trình"


DEFAULT_TEMPLATES = package_templates()
WORDING_DEFAULTS = {"tang_so": "tăng {so}", "giam_so": "giảm {so}", "bang_so": "bằng",
                    "tang_diem": "tăng {so} điểm phần trăm", "giam_diem": "giảm {so} điểm phần trăm",
                    "diem": "{so} điểm phần trăm", "bang_ck": "bằng {pt} so với cùng kỳ",
                    "bang_kh": "bằng {pt} {ten_ke_hoach}", "so_voi_thang_truoc": "so với tháng trước",
                    "tuong_duong_thang_truoc": "tương đương tháng trước"}


def load_settings(templates: Path | str = DEFAULT_TEMPLATES) -> dict:
    path = Path(templates) / SETTINGS_FILE
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise BaocaoError(f"Không tìm thấy tệp cài đặt {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise BaocaoError(f"Tệp cài đặt {path} viết sai cú pháp: {e}") from None
    for section in ("co_quan", "ky_ten", "noi_nhan", "nop_bao_cao", "kiem_tra",
                    "cach_goi_ky", "cach_goi_ky_de_muc", "cach_viet", "muc"):
        if section not in data:
            raise BaocaoError(f"Tệp cài đặt {path} thiếu mục [{section}]")
    # wording added after offices wrote their settings: defaults, so an older file keeps working
    for key, text in WORDING_DEFAULTS.items():
        data["cach_viet"].setdefault(key, text)
    data["_path"] = str(path)
    return data
