"""PDF through LibreOffice headless."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..files import atomic_write_bytes
from ..problems import BaocaoError


def find_office() -> str | None:
    """The LibreOffice program (``soffice`` or ``libreoffice`` on PATH); None when not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


# PDF/A-2b (ISO 19005-2, fonts embedded, XMP identification) and tagged, through the PDF
# export filter's options (JSON form, LibreOffice 7.4 and later)
PDFA_FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
               '"UseTaggedPDF":{"type":"boolean","value":"true"}}')
FONT = "Times New Roman"


def font_substitute(font: str = FONT) -> str | None:
    """The font the PDF will use instead of ``font`` when it is not installed (from
    fontconfig's ``fc-match``), or None when it is installed or fontconfig is absent."""
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    try:
        got = subprocess.run([fc, "-f", "%{family}", font], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    families = [f.strip() for f in got.split(",") if f.strip()]
    return None if not families or font.lower() in (f.lower() for f in families) else families[0]


def docx_to_pdf(docx: Path, target: Path | None = None, timeout: int = 180) -> Path:
    """Convert the .docx at ``docx`` to PDF/A with LibreOffice (headless, a fresh profile) and
    write it to ``target`` (default: beside it, ``.pdf``) whole or not at all; returns the
    path. ``BaocaoError`` (Vietnamese) when LibreOffice is missing, fails or runs past
    ``timeout`` seconds."""
    office = find_office()
    if office is None:
        raise BaocaoError("Không tìm thấy LibreOffice (soffice) để tạo PDF; cài đặt LibreOffice "
                          "(ví dụ: apt-get install libreoffice-writer) rồi chạy lại, hoặc bỏ --pdf")
    docx = Path(docx)
    target = Path(target) if target else docx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as tmp:
        env = dict(os.environ, HOME=tmp)
        cmd = [office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
               "--convert-to", PDFA_FILTER, "--outdir", tmp, str(docx)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise BaocaoError(f"LibreOffice không chuyển xong sang PDF sau {timeout} giây") from None
        made = Path(tmp) / (docx.stem + ".pdf")
        if proc.returncode != 0 or not made.exists():
            raise BaocaoError("LibreOffice không tạo được PDF: "
                              + (proc.stderr.decode("utf-8", "replace").strip()[:300] or "không rõ lý do"))
        atomic_write_bytes(target, made.read_bytes())
    return target
