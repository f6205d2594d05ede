"""Times as the office reads them: «02:04 ngày 28/11/2026», in one time zone (the setting
``[web] mui_gio``, Asia/Ho_Chi_Minh by default). The store keeps UTC (ISO 8601, ``Z``)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def zone_of(name: str | None):
    """The time zone named ``name`` (IANA, e.g. ``Asia/Ho_Chi_Minh``; None: that default); a fixed
    UTC+7 when the name is unknown or the zone database is missing. Never raises."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=7), "ICT")  # Việt Nam has no daylight saving time


def utc_now_text() -> str:
    """Now in UTC as the store writes times: ``2026-11-28T19:04:05Z``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_text_ms(epoch: float) -> str:
    """A Unix time as the store keeps the times it computes with (sign-ins, sessions): UTC ISO
    text to the millisecond, fixed width so text order is time order,
    «2026-11-30T12:33:41.123Z» (SQLite's ``strftime('%Y-%m-%dT%H:%M:%fZ', …)`` writes the same)."""
    when = dt.datetime.fromtimestamp(round(epoch, 3), dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def epoch_of(text: str) -> float:
    """The Unix time of a stored UTC ISO text (``…Z``, with or without fractions)."""
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.timezone.utc).timestamp()


def parse_time(text: str | float | None, zone=None) -> dt.datetime | None:
    """A stored time: ISO text with ``Z`` (UTC), a Unix time, or (older rows) local text."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)):
        return dt.datetime.fromtimestamp(text, dt.timezone.utc)
    t = str(text).strip()
    utc = t.endswith("Z")
    try:
        when = dt.datetime.fromisoformat(t.rstrip("Z").replace(" ", "T"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc if utc else zone_of(zone))
    return when


def format_time(text, zone: str | None = None) -> str:
    """A stored time (``parse_time``'s forms) as the office reads it in ``zone``:
    ``02:04 ngày 28/11/2026``; the text itself when it is no time."""
    when = parse_time(text, zone)
    if when is None:
        return str(text or "")
    local = when.astimezone(zone_of(zone))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def zone_setting(settings: dict) -> str:
    """The office's time zone name: the setting ``[web] mui_gio`` of ``settings``."""
    return settings["web"]["mui_gio"]
