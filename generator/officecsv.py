"""The office's CSV tables (``don-vi.csv``, ``chi-tieu.csv``, ``doi-don-vi.csv``) read as Excel
saves them («CSV UTF-8», with its BOM): below the catalogue and the unit table, which both
read through it."""
from __future__ import annotations

import csv
from pathlib import Path

from .problems import make


def read_csv(path: Path, problems: list):
    """``(rows, header)`` with rows as (line number, {title: text}), or None after reporting
    why the file cannot be read. A UTF-8 BOM (Excel's «CSV UTF-8») is accepted."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            rows = list(reader)
    except FileNotFoundError:
        problems.append(make("catalogue-missing", dict(file=path.name), name=path.name))
        return None
    except UnicodeDecodeError:
        problems.append(make("catalogue-encoding", dict(file=path.name), name=path.name))
        return None
    if not rows:
        problems.append(make("catalogue-empty", dict(file=path.name), name=path.name))
        return None
    header = [h.strip() for h in rows[0]]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row) or row[0].strip().startswith("#"):
            continue
        out.append((n, {header[i]: (row[i].strip() if i < len(row) else "") for i in range(len(header))}))
    return out, header
