"""The office's settings (``templates/cai-dat.toml``): agency, signer, recipients, deadlines,
thresholds and the report's wording, as one read-only ``Settings`` (a mapping, read like the
TOML: ``settings["co_quan"]["ten_tinh"]``). Read-only, so that whatever is computed from it
(the printed texts of a figure, cached under ``settings.wording_key``) can never be stale;
a changed copy is ``settings.replace(cach_viet={...})``."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
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


def wording_key_of(settings: Mapping) -> tuple:
    """What the printed texts depend on in the settings, as a value: a cache keyed by it can
    never return the text of other wording (``id(settings)`` could, for a dict changed in
    place or a new dict at a reused address)."""
    return (tuple(sorted((k, str(v)) for k, v in settings["cach_viet"].items())),
            str(settings["kiem_tra"].get("nguong_tuong_duong")))


class Frozen(Mapping):
    """A read-only TOML table: tables inside it frozen too, arrays as tuples."""
    __slots__ = ("_data",)

    def __init__(self, data: Mapping):
        self._data = {k: _freeze(v) for k, v in data.items()}

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def thaw(self) -> dict:
        """A plain, changeable copy."""
        return {k: v.thaw() if isinstance(v, Frozen) else list(v) if isinstance(v, tuple) else v
                for k, v in self._data.items()}


def _freeze(value):
    if isinstance(value, Mapping):
        return Frozen(value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


class Settings(Frozen):
    """cai-dat.toml, read-only. ``wording_key``: everything the printed texts depend on, as a
    value (a cache keyed by it never returns the text of other wording)."""
    __slots__ = ("wording_key",)

    def __init__(self, data: Mapping):
        super().__init__(data)
        self.wording_key = wording_key_of(self)

    def replace(self, **tables) -> Settings:
        """A copy with whole tables replaced, e.g. ``replace(cach_viet={**s["cach_viet"], "tang": …})``."""
        return Settings({**self.thaw(), **tables})


DEFAULT_TEMPLATES = package_templates()
WORDING_DEFAULTS = {"tang_so": "tăng {so}", "giam_so": "giảm {so}", "bang_so": "bằng",
                    "tang_diem": "tăng {so} điểm phần trăm", "giam_diem": "giảm {so} điểm phần trăm",
                    "diem": "{so} điểm phần trăm", "bang_ck": "bằng {pt} so với cùng kỳ",
                    "bang_kh": "bằng {pt} {ten_ke_hoach}", "so_voi_thang_truoc": "so với tháng trước",
                    "tuong_duong_thang_truoc": "tương đương tháng trước"}


def load_settings(templates: Path | str = DEFAULT_TEMPLATES) -> Settings:
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
    return Settings(data)
