"""The bytes of what departments submitted, kept under ``data/ban-nop/<period>/<department>/``:
each accepted upload (``<sha256>.xlsx``), and each file the office had put in the period's
folder that an upload replaced, with a record beside it (``<sha256>.json``: where it came
from, its errors, its revision if it could be recorded, the upload that replaced it)."""
from __future__ import annotations

import json
from pathlib import Path
from .outputs import write_json
from .timefmt import utc_now_text


def record_replaced(archived: Path, file_name: str, sha256: str, size: int, errors: int,
                    revision: int | None, upload_id: int) -> None:
    """Beside the archived bytes of a folder file an upload replaced, what it was."""
    write_json(Path(archived).with_suffix(".json"), {
        "origin": "thu-muc", "file_name": file_name, "sha256": sha256, "size": size, "errors": errors,
        "revision": revision, "replaced_by_upload": upload_id, "replaced_at": utc_now_text()})


def replaced_files(archive_root: Path, period: str, department: str | None = None) -> list[dict]:
    """The folder files uploads replaced, as ``record_replaced`` kept them, oldest first."""
    out = []
    for meta in sorted((Path(archive_root) / period).glob(f"{department or '*'}/*.json")):
        try:
            row = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if row.get("origin") == "thu-muc":
            out.append({**row, "department": meta.parent.name, "path": meta.with_suffix(".xlsx")})
    return sorted(out, key=lambda r: (r["replaced_by_upload"], r["department"]))
