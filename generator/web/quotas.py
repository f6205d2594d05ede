"""Quotas and closing (issue 22 point 7): whether a department may send a workbook now.

* A period closes ``[nop_bao_cao] khoa_so_sau_ngay`` days after its deadline (0: never by
  itself); the office closes or reopens one from its dashboard, and its last decision holds
  (``store.web.period_state``).
* A department sends at most ``[web] gui_toi_da_moi_gio`` times in any hour (every period,
  refused uploads too).
* The archive of accepted uploads (``data/ban-nop/``) holds at most ``[web] luu_tru_toi_da_mb``.

``refuse_upload`` is called with the request's declared length before its body is read: an
upload past a limit costs the server nothing but this check. The refusals are Vietnamese pages
(403, 429, 507)."""
from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException

from .. import store as storage
from ..periods import Period
from ..timefmt import epoch_of, format_time, utc_now_text, zone_setting
from ..vi_numbers import format_plain
from .common import Web, deadline_of

TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Intake:
    """Whether a period takes the departments' workbooks: ``closes`` the last day it takes them
    by itself (None: never closes by itself); ``state`` the office's last decision, if any."""
    open: bool
    closes: dt.date | None
    state: storage.web.PeriodState | None


def intake(web: Web, period: Period, today: dt.date | None = None) -> Intake:
    """Whether ``period`` takes the departments' workbooks ``today`` (default: the server's date):
    the office's last decision if it made one, else open until ``khoa_so_sau_ngay`` days past
    the deadline (``[nop_bao_cao]`` of the period's settings). Reads the store."""
    with storage.open_store(web.config.db) as store:
        state = storage.web.period_state(store, str(period))
    settings = web.settings_for(period)
    days = settings["nop_bao_cao"]["khoa_so_sau_ngay"]
    closes = deadline_of(period, settings) + dt.timedelta(days=days) if days > 0 else None
    if state is not None:
        return Intake(not state.closed, closes, state)
    return Intake(closes is None or (today or dt.date.today()) <= closes, closes, None)


def archive_bytes(folder: Path) -> int:
    """What the archive of accepted uploads holds on disk, in bytes."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


# uploads let through and not yet logged (their checks still running), per (store, department):
# [count, bytes]. Counted with the logged ones, so uploads sent at the same instant cannot all
# pass the quota before the first of them is logged.
_PENDING: dict[tuple[str, str], list[int]] = {}
_PENDING_LOCK = threading.Lock()


def take_upload_slot(web: Web, period: Period, dept: str, length: int) -> tuple[str, str]:
    """``refuse_upload`` counting the department's uploads still being checked, and the slot
    held for this one (give it back with ``give_back``, whatever happens). Raises the same
    HTTPException (403, 429, 507)."""
    key = (str(web.config.db), dept)
    with _PENDING_LOCK:
        count, size = _PENDING.get(key, (0, 0))
        refuse_upload(web, period, dept, length, pending=count, pending_bytes=size)
        _PENDING[key] = [count + 1, size + length]
    return key


def give_back(key: tuple[str, str], length: int) -> None:
    """The upload's slot, once it is logged (accepted or refused) or has failed."""
    with _PENDING_LOCK:
        count, size = _PENDING.get(key, (1, length))
        if count <= 1:
            _PENDING.pop(key, None)
        else:
            _PENDING[key] = [count - 1, max(size - length, 0)]


def refuse_upload(web: Web, period: Period, dept: str, length: int, pending: int = 0, pending_bytes: int = 0) -> None:
    """Raise the Vietnamese refusal of an upload of ``length`` bytes the limits do not allow:
    a closed period (403), the department's hourly quota spent (429), an archive that would
    pass its size (507). ``pending``/``pending_bytes``: the department's uploads let through
    whose checks are still running, counted as sent."""
    got = intake(web, period)
    if not got.open:
        since = f" từ ngày {got.closes + dt.timedelta(days=1):%d/%m/%Y}" if got.closes and got.state is None else ""
        raise HTTPException(403, f"Kỳ {period} đã khóa sổ{since}: không nhận biểu nữa. Cần gửi bổ sung thì hãy liên "
                                 f"hệ Văn phòng để mở lại kỳ.")
    settings = web.base_ctx.settings["web"]
    per_hour, cap_mb = settings["gui_toi_da_moi_gio"], settings["luu_tru_toi_da_mb"]
    now = dt.datetime.now(dt.timezone.utc)
    with storage.open_store(web.config.db) as store:
        recent = storage.web.uploads_since(store, dept, (now - dt.timedelta(hours=1)).strftime(TIME))
    counted = [epoch_of(t) for t in recent] + [now.timestamp()] * pending
    if len(counted) >= per_hour:
        again = counted[-per_hour] + 3660   # the hour past the oldest upload counted, and a minute
        raise HTTPException(429, f"Đơn vị đã gửi {len(counted)} lần trong một giờ qua, quá số lần Văn phòng cho phép "
                                 f"({per_hour} lần mỗi giờ): hãy kiểm tra kỹ biểu rồi gửi lại sau "
                                 f"{format_time(again, zone_setting(web.base_ctx.settings))}.")
    held = archive_bytes(web.config.db.parent / "ban-nop")
    if held + pending_bytes + length > cap_mb * 2**20:
        raise HTTPException(507, f"Kho lưu các bản nộp đã gần đầy ({held / 2**20:.0f} MB, giới hạn {format_plain(cap_mb)} MB): "
                                 f"chưa nhận được biểu; hãy báo Văn phòng để dọn kho hoặc nâng giới hạn.")


def set_closed(web: Web, period: Period, closed: bool, username: str) -> None:
    """The office (``username``) closes ``period`` to the departments' uploads, or reopens it
    (``closed`` False); recorded in the store with the time (UTC)."""
    with storage.open_store(web.config.db) as store:
        storage.web.set_period_closed(store, str(period), closed, username, utc_now_text())
