"""The weekly timetable: slots as weekday and local time, turned into UTC instants."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SLOT_PATTERN = re.compile(r"^\s*([A-Za-z]{3})[a-z]*\s+([01]?\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True, order=True)
class Slot:
    """One weekly slot: a weekday (0 is Monday) and a local wall-clock time."""

    weekday: int
    time: time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.time:%H:%M}"


def parse_slot(text: str) -> Slot:
    """Parse "Mon 09:30" (or "Monday 9:30") into a Slot, raising ValueError saying what is wrong."""
    match = SLOT_PATTERN.match(text) if isinstance(text, str) else None
    day = match.group(1).title() if match else None
    if not match or day not in WEEKDAYS:
        raise ValueError(f"{text!r} is not a weekday and 24-hour time like \"Mon 09:30\"")
    return Slot(WEEKDAYS.index(day), time(int(match.group(2)), int(match.group(3))))


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Turn a naive local wall time into the UTC instant it names, once, even across DST changes.

    In the autumn overlap the wall time happens twice: we take the first, so a slot goes out
    once. In the spring gap it never happens: we take the first valid instant after the gap.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    if _exists(first):
        return first.astimezone(timezone.utc)
    return _end_of_gap(wall, tz)


def typed_local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Turn a local time a person typed into UTC: the first of two in the autumn overlap, as local_to_utc does.

    A time in the spring gap raises ValueError saying the clocks go forward then: moving it,
    as a slot is moved, would publish at a time the person never asked for.
    """
    try:
        first = wall.replace(tzinfo=tz, fold=0)
        if _exists(first):
            return first.astimezone(timezone.utc)
        jump = _end_of_gap(wall, tz).astimezone(tz)
    except OverflowError:
        raise ValueError(f"{wall.isoformat(' ', 'minutes')} is too far from today; choose a nearer date") from None
    before = jump - (jump.utcoffset() - (jump - timedelta(seconds=1)).utcoffset())
    raise ValueError(f"there is no {wall:%H:%M} on {wall:%a %d %b %Y} in {tz.key}: the clocks go forward from "
                     f"{before:%H:%M} to {jump:%H:%M} that night; choose another time")


def _exists(aware: datetime) -> bool:
    """Tell whether an aware local time survives a round trip through UTC (it is not in a gap)."""
    back = aware.astimezone(timezone.utc).astimezone(aware.tzinfo)
    return back.replace(tzinfo=None) == aware.replace(tzinfo=None)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """Find the UTC instant where the clocks jump past a wall time that does not exist."""
    low = wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
    low, high = min(low, high), max(low, high)
    # Wall time only moves forward inside this window, so bisect to the first instant past `wall`.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    # `high` is within a second after the transition, and transitions fall on whole seconds.
    return high.replace(microsecond=0)


def slot_instants(slots: list[Slot], tz: ZoneInfo, after: datetime, days: int = 800):
    """Yield the UTC instants of the slots strictly after `after`, in order, for `days` days."""
    ordered = sorted(set(slots))
    start: date = after.astimezone(tz).date() - timedelta(days=1)
    previous = None
    for offset in range(days + 2):
        day = start + timedelta(days=offset)
        for slot in ordered:
            if slot.weekday != day.weekday():
                continue
            instant = local_to_utc(datetime.combine(day, slot.time), tz)
            # Two slots inside one spring-forward gap land on the same instant: keep one.
            if instant > after and instant != previous:
                previous = instant
                yield instant


def next_free_instant(slots: list[Slot], tz: ZoneInfo, after: datetime, taken: set[datetime], closed=()):
    """Return the first slot instant after `after` not in `taken` nor in a `closed` (start, end) span, or None."""
    for instant in slot_instants(slots, tz, after):
        if instant not in taken and not any(start <= instant < end for start, end in closed):
            return instant
    return None
