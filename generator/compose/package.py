"""Reading and writing the DOCX zip: parts as bytes in their original order, written back
with fixed timestamps so identical inputs give a byte-identical file."""
from __future__ import annotations

import io
import zipfile

FIXED = (1980, 1, 1, 0, 0, 0)


def read_parts(data: bytes) -> dict:
    """The parts of a .docx (its bytes): part name → bytes, in the zip's order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_parts(parts: dict) -> bytes:
    """The .docx bytes of ``parts`` (name → bytes): ``[Content_Types].xml`` first, deflated, every
    entry with the same fixed time, so the same parts give the same bytes."""
    buf = io.BytesIO()
    order = ["[Content_Types].xml"] + [n for n in parts if n != "[Content_Types].xml"]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, parts[name])
    return buf.getvalue()
