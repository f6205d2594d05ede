"""The office's settings (``templates/cai-dat.toml``): agency, signer, recipients, deadlines,
thresholds and the report's wording, as one read-only ``Settings`` (a mapping, read like the
TOML: ``settings["co_quan"]["ten_tinh"]``). The file is read through ``settings_schema``: every
key is there and typed (its default where the file leaves it out), so readers never carry a
default of their own; a wrong value is a ``BaocaoError`` naming the setting, its line and what
is allowed. ``[[theo_ky]]`` blocks give values for a range of periods: ``Settings.for_period``
applies them (``pipeline.open_context`` does, so ``Context.settings`` is the period's).
Read-only, so that whatever is computed from it (the period's printed texts, ``printed.py``)
is the text of the settings it was computed with; a changed copy is
``settings.replace(cach_viet={...})``."""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .periods import Period
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
    """cai-dat.toml, read-only.

    Values that changed over time (``[[theo_ky]]`` blocks, README «Cài đặt theo kỳ»): the
    settings as loaded are those of no block; ``for_period(p)`` gives the settings in force in
    period ``p`` (the blocks covering it applied), and ``applied`` names those blocks."""
    __slots__ = ("dated", "applied", "_base", "_resolved")

    def __init__(self, data: Mapping, dated: tuple = (), applied: tuple = (), base: dict | None = None):
        super().__init__(data)
        self.dated = dated          # every [[theo_ky]] block of the file
        self.applied = applied      # the blocks in force in this Settings' period
        self._base = base           # the file's tables before blocks and derived defaults
        self._resolved = {} if base is not None else None

    def for_period(self, period) -> Settings:
        """The settings in force in ``period``: this same object when the file has no block
        (so a file without blocks behaves exactly as before), else the base tables with each
        block covering the period applied (one per key: overlaps are refused on loading)."""
        if not self.dated:
            return self
        key = str(period)
        cache = self._resolved
        if key not in cache:
            applied = tuple(b for b in self.dated if b.covers(period))
            data = {name: dict(table) if isinstance(table, dict) else table for name, table in self._base.items()}
            for block in applied:
                for section, values in block.values.items():
                    data[section] = {**data[section], **values}
            check_derived(data)
            got = Settings(data, self.dated, applied, self._base)
            got._resolved = cache
            cache[key] = got
        return cache[key]

    def record(self) -> dict:
        """What a build records of the settings in force (figures.json ``settings``): the
        blocks applied and every value, as JSON."""
        return {"theo_ky": [b.record() for b in self.applied],
                "values": {name: _json(table) for name, table in self.items() if not name.startswith("_")}}

    def replace(self, **tables) -> Settings:
        """A copy with whole tables replaced, e.g. ``replace(cach_viet={**s["cach_viet"], "tang": …})``."""
        return Settings({**self.thaw(), **tables})


def _json(value):
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        i = value.to_integral_value()
        return int(i) if value == i else float(value)
    return value


@dataclass(frozen=True)
class Dated:
    """A ``[[theo_ky]]`` block: values in force from ``first`` to ``last`` (both included;
    None: no limit on that side)."""
    first: Period | None
    last: Period | None
    values: dict              # {section: {key: typed value}}
    line: int | None

    def covers(self, period) -> bool:
        """True when ``period`` (a Period) lies in the block's range."""
        at = (period.year, period.month)
        return ((self.first is None or (self.first.year, self.first.month) <= at)
                and (self.last is None or at <= (self.last.year, self.last.month)))

    def overlaps(self, other: Dated) -> bool:
        """True when the two blocks' ranges share at least one period (an open side reaches
        as far as it may)."""
        low = max((p.year, p.month) for p in (self.first, other.first) if p is not None) \
            if (self.first or other.first) else (0, 0)
        high = min((p.year, p.month) for p in (self.last, other.last) if p is not None) \
            if (self.last or other.last) else (9999, 12)
        return low <= high

    def label(self) -> str:
        """The range in Vietnamese, for messages: ``từ kỳ 2024-01 đến kỳ 2024-06``."""
        if self.first and self.last:
            return f"từ kỳ {self.first} đến kỳ {self.last}"
        return f"từ kỳ {self.first}" if self.first else f"đến kỳ {self.last}"

    def record(self) -> dict:
        """The block's range as figures.json keeps it: ``tu_ky``/``den_ky`` (``YYYY-MM``, an
        open side left out) and ``dong``, its line in cai-dat.toml."""
        out = {"tu_ky": str(self.first) if self.first else None, "den_ky": str(self.last) if self.last else None}
        return {k: v for k, v in out.items() if v is not None} | {"dong": self.line}


DATED = "theo_ky"


def dated_blocks(blocks, lines: dict, problems: list) -> tuple:
    """The ``[[theo_ky]]`` blocks, typed through the schema; what does not fit is appended to
    ``problems``."""
    if blocks is None:
        return ()
    if not isinstance(blocks, list) or not all(isinstance(b, Mapping) for b in blocks):
        problems.append(f"{DATED} phải là các khối [[{DATED}]] (dòng «[[{DATED}]]», rồi tu_ky, den_ky và các "
                        f"giá trị như «ky_ten.ho_ten = \"…\"»)")
        return ()
    out = []
    for i, block in enumerate(blocks):
        n = lines.get((DATED, i))
        at = f"dòng {n}, khối [[{DATED}]]" if n else f"khối [[{DATED}]] thứ {i + 1}"
        ends = {}
        for end in ("tu_ky", "den_ky"):
            text = block.get(end)
            if text is None:
                ends[end] = None
                continue
            try:
                ends[end] = Period.parse(text) if isinstance(text, str) else None
                if ends[end] is None:
                    raise ValueError
            except ValueError:
                problems.append(f"{at}: {end} = {_shown(text)} không phải một kỳ: viết \"YYYY-MM\" trong ngoặc kép, "
                                f"ví dụ \"2026-01\"")
                ends[end] = False
        if ends["tu_ky"] is None and ends["den_ky"] is None:
            problems.append(f"{at}: thiếu tu_ky hoặc den_ky (khối áp dụng từ kỳ nào, đến kỳ nào)")
            continue
        if False in ends.values():
            continue
        if ends["tu_ky"] and ends["den_ky"] and (ends["tu_ky"].year, ends["tu_ky"].month) > \
                (ends["den_ky"].year, ends["den_ky"].month):
            problems.append(f"{at}: tu_ky {ends['tu_ky']} sau den_ky {ends['den_ky']}")
            continue
        values: dict = {}
        for name, table in block.items():
            if name in ("tu_ky", "den_ky"):
                continue
            section = SECTIONS.get(name)
            if section is None or not isinstance(table, Mapping):
                problems.append(f"{at}: «{name}» không phải một mục của cài đặt; viết «mục.khóa = giá trị», ví dụ "
                                f"«ky_ten.ho_ten = \"…\"»")
                continue
            for key, value in table.items():
                setting = section.setting(key)
                where = f"dòng {lines[(DATED, i, name, key)]}" if (DATED, i, name, key) in lines else at
                if setting is None:
                    problems.append(f"{where}: cài đặt {name}.{key} không có trong mục [{name}]")
                elif not (section.dated and setting.dated):
                    problems.append(f"{where}: cài đặt {name}.{key} ({setting.meaning}) dùng chung cho mọi kỳ, "
                                    f"không đặt theo kỳ được; sửa ở mục [{name}]")
                else:
                    try:
                        values.setdefault(name, {})[key] = setting.coerce(value)
                    except SettingProblem as e:
                        problems.append(f"{where}: Cài đặt {name}.{key} = {_shown(value)} {e}")
        out.append(Dated(ends["tu_ky"], ends["den_ky"], values, n))
    for i, a in enumerate(out):
        for b in out[i + 1:]:
            if not a.overlaps(b):
                continue
            both = sorted(f"{s}.{k}" for s in a.values for k in a.values[s] if k in b.values.get(s, {}))
            if both:
                problems.append(f"hai khối [[{DATED}]] (dòng {a.line}: {a.label()}; dòng {b.line}: {b.label()}) cùng "
                                f"đặt {', '.join(both)} cho những kỳ chung: mỗi kỳ chỉ một giá trị")
    return tuple(out)


def changes_since(previous: Mapping | None, now: Settings) -> list[str]:
    """What differs between the settings a period was last built with (its figures.json
    ``settings``) and those in force now, one Vietnamese phrase per setting; [] when the earlier
    build recorded none."""
    if not isinstance(previous, Mapping) or not isinstance(previous.get("values"), Mapping):
        return []
    before, after = previous["values"], now.record()["values"]
    out = []
    for name, table in after.items():
        old_table = before.get(name)
        if not isinstance(old_table, Mapping):
            continue
        for key in sorted(set(table) | set(old_table), key=lambda k: list(table).index(k) if k in table else 999):
            old, new = old_table.get(key), table.get(key)
            if old == new:
                continue
            if isinstance(old, list) and isinstance(new, list):
                added = [f"«{x}»" for x in new if x not in old]
                gone = [f"«{x}»" for x in old if x not in new]
                what = "; ".join(filter(None, ["thêm " + ", ".join(added) if added else "",
                                               "bỏ " + ", ".join(gone) if gone else ""])) or "đổi thứ tự"
                out.append(f"[{name}] {key}: {what}")
            else:
                out.append(f"[{name}] {key}: «{_plain(old)}» → «{_plain(new)}»")
    return out


def _plain(value) -> str:
    return "(không có)" if value is None else "true" if value is True else "false" if value is False else str(value)


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
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise BaocaoError(f"Tệp cài đặt {path} không phải văn bản UTF-8: hãy lưu lại với bảng mã UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BaocaoError(f"Tệp cài đặt {path} viết sai cú pháp: {syntax_message(str(e), text)}") from None
    lines = key_lines(raw.decode("utf-8"))
    problems: list[str] = []
    typed = typed_tables({k: v for k, v in data.items() if k != DATED}, lines, problems)
    dated = dated_blocks(data.get(DATED), lines, problems)
    if len(problems) == 1:
        raise BaocaoError(f"Tệp cài đặt {path}, {problems[0]}")
    if problems:
        raise BaocaoError(f"Tệp cài đặt {path} có {len(problems)} lỗi:\n" + "\n".join(f"- {p}" for p in problems))
    typed["_path"] = str(path)
    base = {name: dict(table) if isinstance(table, dict) else table for name, table in typed.items()}
    check_derived(typed)
    return Settings(typed, dated, (), base if dated else None)


# tomllib's reasons, in Vietnamese (its message is English: «Invalid value (at line 43, column 23)»)
_SYNTAX = (
    ("Expected newline or end of document after a statement", "sau giá trị còn chữ thừa"),
    ("Invalid value", "giá trị không hợp lệ"),
    ("Expected '=' after a key", "thiếu dấu = giữa khóa và giá trị"),
    ("Unterminated string", "chữ mở ngoặc kép mà chưa đóng"),
    ("Expected ']' at the end of a table declaration", "tên mục thiếu dấu ] ở cuối"),
    ("Cannot overwrite a value", "một khóa viết hai lần"),
    ("Cannot declare", "một mục viết hai lần"),
)
_HINT = ("chữ viết trong ngoặc kép (\"…\"), số không có ngoặc kép và dùng dấu chấm thập phân (0.5), "
         "true/false viết thường")


def syntax_message(reason: str, text: str) -> str:
    """A TOML syntax error in Vietnamese: the line, the line as written, why, and how values
    are written (a Vietnamese decimal comma gets its own advice)."""
    at = re.search(r"\(at line (\d+), column (\d+)\)", reason)
    why = next((vi for en, vi in _SYNTAX if reason.startswith(en)), reason)
    if not at:
        return f"{why} (ở cuối tệp); {_HINT}"
    n = int(at.group(1))
    line = text.splitlines()[n - 1].strip() if n <= len(text.splitlines()) else ""
    line = _without_comment(line)
    comma = re.match(r"([A-Za-z0-9_\-\.\"]+)\s*=\s*(-?\d+),(\d+)\s*(#.*)?$", line)
    if comma:
        return (f"dòng {n}: «{line}» — số viết dấu chấm thập phân, không có ngoặc kép: "
                f"{comma.group(1)} = {comma.group(2)}.{comma.group(3)}")
    return f"dòng {n}, cột {at.group(2)}: «{line}» — {why}; {_HINT}"


def _without_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip()
    return line


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
