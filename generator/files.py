"""Writing a file whole or not at all: a temporary file beside the target, fsynced, then renamed
into place, so a failed step leaves the previous good file intact. The lowest layer: the
composer's PDF, ``init``'s blank workbooks, the history export and the outputs all write
through it."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

OUTPUT_MODE = 0o640   # outputs: readable by the office's group (mkstemp alone would leave 0600)


def atomic_write_bytes(path: Path, data: bytes, mode: int = OUTPUT_MODE) -> None:
    """Write ``data`` to ``path`` whole or not at all (temporary file in the same folder,
    fsynced, renamed over the target) with permissions ``mode``; parent folders are made.
    Raises ``OSError`` when it cannot be written (the target is then as it was)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """A new file with exactly ``mode`` whatever the umask (``O_EXCL``: never an existing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fd, mode)
        fh.write(data)


def make_dirs(path: Path, mode: int = 0o750) -> None:
    """The folder ``path`` and its missing parents, each made with exactly ``mode`` whatever the
    umask; folders already there are left as they are."""
    path = Path(path)
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode)
        except FileExistsError:   # another request made it meanwhile
            continue
        os.chmod(folder, mode)


def atomic_save_workbook(wb, path: Path) -> None:
    """An openpyxl ``Workbook`` saved to ``path`` through ``atomic_write_bytes``."""
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())


def sha256_of(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read in 1 MiB blocks; ``OSError`` when it cannot be read."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_or_none(path: Path) -> str | None:
    """``sha256_of``, or None when the file is gone or unreadable."""
    try:
        return sha256_of(path)
    except OSError:
        return None
