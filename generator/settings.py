"""The office's settings (``templates/cai-dat.toml``): agency, signer, recipients, deadlines,
thresholds and the report's wording, as one read-only ``Settings`` (a mapping, read like the
TOML: ``settings["co_quan"]["ten_tinh"]``). Read-only, so that whatever is computed from it
(the printed texts of a figure, cached under ``settings.wording_key``) can never be stale;
a changed copy is ``settings.replace(cach_viet={...})``."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from .problems import BaocaoError
from .settings_schema import REQUIRED, SCHEMA, SECTIONS, SettingProblem, check_derived

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


def load_settings(templates: Path | str = DEFAULT_TEMPLATES) -> Settings:
    """``cai-dat.toml`` read through the schema (``settings_schema``): every key typed and
    present (its default where the file leaves it out). A key the program does not know, a
    value of the wrong type or out of range, a missing required key: one ``BaocaoError``
    listing each, with the setting, its line in the file and what is allowed."""
    path = Path(templates) / SETTINGS_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BaocaoError(f"Không tìm thấy tệp cài đặt {path}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaocaoError(f"Tệp cài đặt {path} không phải văn bản UTF-8: hãy lưu lại với bảng mã UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BaocaoError(f"Tệp cài đặt {path} viết sai cú pháp: {e}") from None
    lines = key_lines(raw.decode("utf-8"))
    problems: list[str] = []
    typed = typed_tables(data, lines, problems)
    if len(problems) == 1:
        raise BaocaoError(f"Tệp cài đặt {path}, {problems[0]}")
    if problems:
        raise BaocaoError(f"Tệp cài đặt {path} có {len(problems)} lỗi:\n" + "\n".join(f"- {p}" for p in problems))
    typed["_path"] = str(path)
    return Settings(typed)


def _shown(value) -> str:
    """A value as the clerk wrote it in TOML."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_shown(v) for v in value)
        return f"[{inner[:60]}…]" if len(inner) > 60 else f"[{inner}]"
    return str(value)


def _where(lines: dict, path: tuple, section: str) -> str:
    """«dòng 43, mục [kiem_tra]»: where the clerk finds the value."""
    n = lines.get(path)
    return (f"dòng {n}, " if n else "") + f"mục [{section}]"


def typed_tables(data: Mapping, lines: dict, problems: list, prefix: tuple = ()) -> dict:
    """The schema's tables from ``data``, each value typed; what does not fit is appended to
    ``problems`` (Vietnamese, one per cause) and left out."""
    import difflib
    out: dict = {}
    for name in data:
        if name not in SECTIONS:
            close = difflib.get_close_matches(name, list(SECTIONS), n=1)
            n = lines.get(prefix + (name,))
            problems.append((f"dòng {n}: " if n else "") + f"mục [{name}] không có trong cài đặt của chương "
                            f"trình" + (f" (có phải [{close[0]}]?)" if close else "") + "; các mục: "
                            + ", ".join(f"[{s}]" for s in SECTIONS))
    for section in SCHEMA:
        table = data.get(section.name)
        if table is None:
            missing = [s.key for s in section.settings if s.default is REQUIRED]
            if missing or section.open_keys == ".+":
                problems.append(f"thiếu mục [{section.name}] ({section.meaning})")
                continue
            table = {}
            out[section.name] = dict(section.open_defaults)
        elif not isinstance(table, Mapping):
            problems.append(f"{_where(lines, prefix + (section.name,), section.name)}: phải là một mục "
                            f"(dòng «[{section.name}]» rồi các dòng «khóa = giá trị»)")
            continue
        else:
            out[section.name] = {}
        got = out[section.name]
        for key, value in table.items():
            setting = section.setting(key)
            where = _where(lines, prefix + (section.name, key), section.name)
            if setting is None:
                close = difflib.get_close_matches(key, [s.key for s in section.settings], n=1)
                problems.append(f"{where}: cài đặt {key} không có trong mục [{section.name}]"
                                + (f" (có phải {close[0]}?)" if close else "") + "; các cài đặt của mục: "
                                + ", ".join(s.key for s in section.settings))
                continue
            try:
                got[key] = setting.coerce(value)
            except SettingProblem as e:
                problems.append(f"{where}: Cài đặt {key} = {_shown(value)} {e}")
        for setting in section.settings:
            if setting.key in got or setting.key in table:
                continue
            if setting.default is REQUIRED:
                problems.append(f"{_where(lines, prefix + (section.name,), section.name)}: thiếu cài đặt "
                                f"{setting.key} ({setting.meaning}); "
                                f"cho phép: {setting.allowed()}")
            else:
                got[setting.key] = setting.default
        if section.open_keys == ".+" and table is not None and not table:
            problems.append(f"{_where(lines, prefix + (section.name,), section.name)}: mục trống ({section.meaning})")
    if not problems:
        check_derived(out)
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*\.\s*)*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))\s*=""")


def _key_path(text: str) -> tuple:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""", text)
    return tuple(a or b or c for a, b, c in parts)


def key_lines(text: str) -> dict:
    """Where each table and key is written: (table, …, key) -> line number (from 1). An
    element of an array of tables (``[[theo_ky]]``) is numbered: ("theo_ky", 0, "ky_ten", …).
    A plain reading of the lines, enough to point the clerk to a line; a key it cannot place
    simply has no line in the message."""
    out: dict = {}
    table: tuple = ()
    arrays: dict = {}
    depth = 0   # inside a multi-line array: no key starts there
    for n, line in enumerate(text.splitlines(), start=1):
        if depth > 0:
            depth += _brackets(line)
            continue
        head = _HEADER.match(line)
        if head and not _KEY.match(line):
            path = _key_path(head.group(2))
            if head.group(1) == "[[":
                arrays[path] = arrays.get(path, -1) + 1
                table = path + (arrays[path],)
            else:
                # a sub-table of the last element of an array of tables
                for arr, i in arrays.items():
                    if path[:len(arr)] == arr:
                        path = arr + (i,) + path[len(arr):]
                        break
                table = path
            out.setdefault(table, n)
            continue
        key = _KEY.match(line)
        if key:
            out.setdefault(table + _key_path(key.group(1)), n)
            depth = max(0, _brackets(line[key.end():]))
    return out


def _brackets(text: str) -> int:
    """Open minus closed square brackets outside strings and comments."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return text.count("[") - text.count("]")
