"""Failures nobody foresaw leave a trace: the traceback goes to a log file (``data/baocao.log``
beside the store, or ``BAOCAO_LOG``) and to the server log; the user sees only the Vietnamese
message."""
from __future__ import annotations

import datetime as dt
import logging
import os
import traceback
from pathlib import Path

LOG_NAME = "baocao.log"
logger = logging.getLogger("baocao")


def log_path(db: Path | str | None = None) -> Path:
    """The failure log: ``$BAOCAO_LOG`` when set, else ``baocao.log`` beside the store ``db``
    (``data/`` without one). Only a path: nothing is created."""
    if os.environ.get("BAOCAO_LOG"):
        return Path(os.environ["BAOCAO_LOG"])
    return (Path(db).parent if db else Path("data")) / LOG_NAME


def record_failure(exc: BaseException, where: str, db: Path | str | None = None,
                   server_log: bool = True) -> Path | None:
    """Append the failure with its traceback to the log file; returns the file (None when it
    could not be written — the failure is then only in the server log). ``server_log``: also
    to the ``baocao`` logger, which the web server's stderr shows; the command line passes
    False, since a logger without handlers prints to the clerk's terminal."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if server_log:
        logger.error("%s: %s", where, text)
    return _append(log_path(db), f"=== {stamp} {where}\n{text}\n")


def record_event(line: str, db: Path | str | None = None) -> Path | None:
    """One line in the log file and the server log, without a traceback: something that is no
    failure of ours (a client that went away in the middle of its request)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    logger.warning("%s", line)
    return _append(log_path(db), f"--- {stamp} {line}\n")


def _append(path: Path, text: str) -> Path | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # owner only (0600) whatever the umask, a log from before narrowed: a traceback shows
        # paths, names and values
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
            fh.write(text)
        return path
    except OSError:
        return None
