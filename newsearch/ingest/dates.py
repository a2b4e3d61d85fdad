"""Parse the date-times Vietnamese news sites write, into time-zone-aware datetimes.

A date without a zone is Vietnamese local time (+07:00), as every source we read publishes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

__all__ = ["VIETNAM_TZ", "parse_datetime", "parse_day_bound"]

VIETNAM_TZ = timezone(timedelta(hours=7), "+07:00")

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?!\d)")
_TIME = re.compile(r"(?<![\d/])(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?(?!\d)")
_GMT = re.compile(r"GMT\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.IGNORECASE)


def _offset(sign: int, hours: str, minutes: str | None) -> timezone | None:
    """A UTC offset; None for an impossible one (+25:00), which leaves the date in Vietnamese time."""
    try:
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
    except ValueError:
        return None


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return timezone.utc
    digits = text[1:].replace(":", "")
    return _offset(-1 if text[0] == "-" else 1, digits[:2], digits[2:4])


def _gmt_zone(text: str) -> timezone | None:
    match = _GMT.search(text)
    if not match:
        return None
    return _offset(-1 if match["sign"] == "-" else 1, match["h"], match["m"])


def _build(y: str, m: str, d: str, hh: str | None, mm: str | None, ss: str | None, tz: timezone | None) -> datetime | None:
    try:
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=tz or VIETNAM_TZ)
    except ValueError:  # 31/02/2024, 25:61 …
        return None


def _from_epoch(value: float) -> datetime | None:
    if value > 1e11:  # milliseconds
        value /= 1000
    try:
        return datetime.fromtimestamp(value, VIETNAM_TZ)
    except (OverflowError, OSError, ValueError):
        return None


def parse_datetime(value: object) -> datetime | None:
    """Parse ISO 8601, ``dd/mm/yyyy [HH:MM]``, ``HH:MM dd/mm/yyyy``, "Thứ hai, 17/12/2024, 12:11 (GMT+7)"
    or a Unix timestamp. Returns None for anything else, including impossible dates."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 200:
        return None
    if re.fullmatch(r"\d{9,13}", text):
        return _from_epoch(float(text))
    iso = _ISO.search(text)
    if iso:
        zone = _zone(iso["tz"]) or _gmt_zone(text)
        return _build(iso["y"], iso["m"], iso["d"], iso["H"], iso["M"], iso["S"], zone)
    dmy = _DMY.search(text)
    if dmy:
        rest = text[: dmy.start()] + " " + text[dmy.end() :]
        time = _TIME.search(rest)
        hh, mm, ss = (time["H"], time["M"], time["S"]) if time else (None, None, None)
        return _build(dmy["y"], dmy["m"], dmy["d"], hh, mm, ss, _gmt_zone(text))
    return None


def parse_day_bound(text: str, *, end: bool) -> datetime | None:
    """A ``--since``/``--until`` bound: a full date-time, or a day (its first or last instant, +07:00)."""
    parsed = parse_datetime(text)
    if parsed is None:
        return None
    if end and ":" not in text:  # a bare day: up to its last instant
        return parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed
