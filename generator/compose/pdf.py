"""PDF through LibreOffice headless."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..outputs import atomic_write_bytes
from ..problems import BaocaoError


def find_office() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(docx: Path, target: Path | None = None, timeout: int = 180) -> Path:
    office = find_office()
    if office is None:
        raise BaocaoError("Không tìm thấy LibreOffice (soffice) để tạo PDF; cài đặt LibreOffice "
                          "(ví dụ: apt-get install libreoffice-writer) rồi chạy lại, hoặc bỏ --pdf")
    docx = Path(docx)
    target = Path(target) if target else docx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as tmp:
        env = dict(os.environ, HOME=tmp)
        cmd = [office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
               "--convert-to", "pdf", "--outdir", tmp, str(docx)]
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
