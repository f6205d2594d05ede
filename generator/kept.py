"""What a long-running process (``baocao serve``) keeps of the workbooks it has read, so a
page answers from what was read before instead of reading every workbook again: a workbook is
read once per content (its SHA-256), whoever asks next — the dashboard, a department's page,
another department's upload — takes the kept reading, and the department's intake made from it.

A kept reading is valid exactly as long as what it was made from: the file's bytes (SHA-256
and name), the templates folder (catalogue and settings: its files' names, sizes and times)
and the period; an intake, as long as that and the store's acceptances of the other periods
(the year's plan, last year's and the previous period's values the intake completes and
compares with, ``history.StoredContext``). Any of them changed, the key is another one and
the workbook is read, or its intake made, again. Only checks that record nothing use it
(``pipeline.check(record=False)``): a build reads every workbook itself.

The reader's result is kept pristine and handed out as a copy (the intake completes its
WorkbookData in place); an intake is shared as it is (the period step only reads it).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from pathlib import Path

READS = 256     # readers' results kept (23 departments × a few periods, with room)
INTAKES = 512   # intakes kept (several store states of the same files)
SHAS = 2048     # files' SHA-256 kept by their (path, inode, size, time)


class Kept:
    """Bounded, thread-safe memory of readers' results and files' SHA-256 (least recently used out)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._reads: OrderedDict = OrderedDict()
        self._intakes: OrderedDict = OrderedDict()
        self._shas: OrderedDict = OrderedDict()

    def _get(self, table: OrderedDict, key):
        with self._lock:
            got = table.get(key)
            if got is not None:
                table.move_to_end(key)
            return got

    def _put(self, table: OrderedDict, key, value, size: int) -> None:
        with self._lock:
            table[key] = value
            table.move_to_end(key)
            while len(table) > size:
                table.popitem(last=False)

    def sha256(self, path: Path) -> str | None:
        """The file's SHA-256, hashed again only when its inode, size or time changed (a
        replaced file is a new inode; an edited one a new time). A file renamed keeps its
        inode and time: an upload's staged file, hashed for its verdict, is not hashed again
        once moved into the period's folder."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        got = self._get(self._shas, key)
        if got is None:
            h = hashlib.sha256()
            try:
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
            except OSError:
                return None
            got = h.hexdigest()
            self._put(self._shas, key, got, SHAS)
        return got

    def read(self, key) -> tuple | None:
        """A copy of the reader's result kept under ``key`` (``read_key``), or None."""
        got = self._get(self._reads, key)
        return None if got is None else pickle.loads(got)

    def keep_read(self, key, got: tuple) -> None:
        """Keep the reader's result, before the check completes it: as the bytes it crossed
        from the reading worker in (a copy made from them is several times faster than
        ``copy.deepcopy``, and they take less memory than the objects)."""
        self._put(self._reads, key, pickle.dumps(got, pickle.HIGHEST_PROTOCOL), READS)


    def intake(self, key):
        """The department's intake kept under ``key`` (``pipeline``'s intake key), or None:
        shared, never changed by its users."""
        return self._get(self._intakes, key)

    def keep_intake(self, key, intake) -> None:
        """Keep a department's intake under ``key`` (the least recently used one goes past ``INTAKES``)."""
        self._put(self._intakes, key, intake, INTAKES)


def templates_state(folder: Path) -> tuple:
    """The templates folder as it stands: each file's name, size and time."""
    out = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return ()
    for e in entries:
        try:
            if e.is_file():
                st = e.stat()
                out.append((e.name, st.st_size, st.st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


def read_key(ctx, department: str, path: Path, sha256: str, templates: tuple) -> tuple:
    """What a reader's result depends on: the file (name and bytes), the period's catalogue."""
    return str(ctx.period), department, path.name, sha256, str(ctx.templates), templates


def stored_state(store, period) -> tuple:
    """The store's acceptances of every other period (what ``history.stored_context`` reads)."""
    if store is None:
        return ()
    return tuple(store.execute("SELECT MAX(id), COUNT(*) FROM acceptance WHERE period <> ?", (str(period),)).fetchone())
