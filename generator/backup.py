"""Backups of an office folder: ``backup`` writes a consistent copy — the store through
SQLite's online backup API (safe while ``baocao serve`` writes), ``inputs/``, ``templates/``,
``build/`` and the rest of ``data/`` (accepted uploads, the cookie key) — with a list of every
file and its SHA-256; ``restore`` checks a copy (every file, the store's integrity) before it
puts it back, and never overwrites a folder that has content unless told to."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from .history import sha256_of
from .problems import BaocaoError, UsageError
from .timefmt import utc_now_text

MANIFEST = "SAO-LUU.json"
STORE_NAME = "baocao.sqlite"
SKIP = shutil.ignore_patterns("*.sqlite", "*.sqlite-wal", "*.sqlite-shm", "~$*", ".tai-len", "__pycache__")


def _files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): sha256_of(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def backup(target: Path | str, inputs: Path, out: Path, templates: Path, db: Path | None) -> dict:
    """Write the copy into ``target`` (new or empty). Returns the manifest. ``UsageError`` when
    ``target`` already has content."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"Thư mục sao lưu {target} đã có nội dung; hãy chọn thư mục mới")
    target.mkdir(parents=True, exist_ok=True)
    for src, name in ((Path(inputs), "inputs"), (Path(templates), "templates"), (Path(out), "build"),
                      (Path(inputs).parent / "bien-tap", "bien-tap")):   # the office's edits (edits.py)
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=SKIP)
    if db is not None and Path(db).exists():
        db = Path(db)
        data = target / "data"
        shutil.copytree(db.parent, data, ignore=SKIP)
        source = sqlite3.connect(db)
        copy = sqlite3.connect(data / STORE_NAME)
        try:
            with copy:
                source.backup(copy)   # a consistent snapshot even while another process writes
        finally:
            copy.close()
            source.close()
        (data / STORE_NAME).chmod(0o600)
    manifest = {"time": utc_now_text(), "files": _files(target)}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def verify(source: Path | str) -> list[str]:
    """What is wrong with a copy (empty when it is whole)."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"Không có {MANIFEST} hợp lệ trong {source}: đây không phải bản sao lưu của baocao"]
    problems = []
    have = _files(source)
    for name, digest in manifest["files"].items():
        if name not in have:
            problems.append(f"Thiếu tệp {name}")
        elif have[name] != digest:
            problems.append(f"Tệp {name} đã bị thay đổi hoặc hỏng (SHA-256 khác)")
    store = source / "data" / STORE_NAME
    if store.exists():
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            result = str(e)
        finally:
            conn.close()
        if result != "ok":
            problems.append(f"Cơ sở dữ liệu trong bản sao lưu bị hỏng: {result}")
    return problems


def restore(source: Path | str, target: Path | str, force: bool = False) -> list[Path]:
    """Put a checked copy back into ``target``; a folder with content needs ``force``.
    ``BaocaoError`` when the copy is not whole (its files against its manifest), ``UsageError``
    when ``target`` has data and ``force`` is not given."""
    source, target = Path(source), Path(target)
    problems = verify(source)
    if problems:
        raise BaocaoError("Bản sao lưu không dùng được: " + "; ".join(problems[:10]))
    parts = [p for p in ("inputs", "templates", "build", "data", "bien-tap") if (source / p).exists()]
    busy = [p for p in parts if (target / p).exists() and any((target / p).iterdir())]
    if busy and not force:
        raise UsageError(f"Thư mục {target} đã có dữ liệu ({', '.join(busy)}); khôi phục sẽ ghi đè: thêm --force "
                          f"nếu chắc chắn (nên sao lưu thư mục hiện tại trước)")
    made = []
    for part in parts:
        dest = target / part
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(source / part, dest)
        made.append(dest)
    return made
