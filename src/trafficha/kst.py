"""Korea Standard Time: every upstream time is KST, and every time we serve carries +09:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def now_kst() -> datetime:
    """The current time as an aware KST datetime."""
    return datetime.now(UTC).astimezone(KST)


def parse_kst(date: str, time: str) -> datetime:
    """Parse KEC's split date and time fields into an aware KST datetime.

    Accepts ``YYYY.MM.DD``/``YYYYMMDD``/``YYYY-MM-DD`` dates and ``HH:MM:SS``/``HHMMSS``/``HHMM``
    times. ``24:00`` (end of day, used by some slot-based feeds) rolls over to the next day.

    Raises:
        ValueError: the fields are not a valid date and time.
    """
    d = "".join(ch for ch in date if ch.isdigit())
    t = "".join(ch for ch in time if ch.isdigit())
    if len(d) != 8 or not d.isascii() or len(t) not in (4, 6) or not t.isascii():
        raise ValueError(f"not a KEC date/time: {date!r} {time!r}")
    hour, minute = int(t[0:2]), int(t[2:4])
    second = int(t[4:6]) if len(t) == 6 else 0
    rollover = hour == 24 and minute == 0 and second == 0
    try:
        base = datetime(
            int(d[0:4]),
            int(d[4:6]),
            int(d[6:8]),
            0 if rollover else hour,
            minute,
            second,
            tzinfo=KST,
        )
        return base + timedelta(days=1) if rollover else base
    except OverflowError:
        raise ValueError(f"date out of range: {date!r} {time!r}") from None


def to_kst(value: datetime) -> datetime:
    """Express an aware datetime in KST (naive values are taken to be KST already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=KST)
    return value.astimezone(KST)
