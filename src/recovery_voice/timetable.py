"""The timetable an organisation actually uses: the config's slots until an admin edits them, then the stored ones."""

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import logbook
from .config import Config
from .models import TimetableSlot, utcnow
from .slots import WEEKDAYS, Slot, slot_instants


class TimetableProblem(Exception):
    """A slot cannot be added or removed as asked; the message says what to fix."""


def is_stored(session: Session) -> bool:
    """Tell whether an admin has edited the timetable, so the database (not the config) holds it."""
    return session.scalar(select(TimetableSlot.id).limit(1)) is not None


def current_slots(session: Session, config: Config) -> list[Slot]:
    """Return the weekly slots in use, in order: the stored ones once edited, else the config's."""
    rows = session.execute(select(TimetableSlot.weekday, TimetableSlot.local_time, TimetableSlot.active)).all()
    if not rows:
        return sorted(set(config.slots))
    return sorted({Slot(row.weekday, row.local_time) for row in rows if row.active})


def upcoming(session: Session, config: Config, after: datetime | None = None, count: int = 10) -> list[datetime]:
    """Return the next `count` UTC instants of the timetable after `after` (default now)."""
    found = []
    for instant in slot_instants(current_slots(session, config), config.timezone, after or utcnow()):
        found.append(instant)
        if len(found) == count:
            break
    return found


def _seed(session: Session, config: Config, actor: str) -> None:
    """Copy the config's slots into the database the first time the timetable is edited."""
    if is_stored(session):
        return
    now = utcnow()
    for slot in sorted(set(config.slots)):
        session.add(TimetableSlot(weekday=slot.weekday, local_time=slot.time, active=True, changed_by=actor,
                                  changed_at=now))
    session.flush()


def _row(session: Session, slot: Slot) -> TimetableSlot | None:
    """Return the stored row for a weekday and time, active or not."""
    return session.scalar(select(TimetableSlot).where(TimetableSlot.weekday == slot.weekday,
                                                      TimetableSlot.local_time == slot.time))


def make_slot(weekday: int, local_time: time) -> Slot:
    """Build a slot from a weekday number and a time, refusing anything that is not a whole minute of a day."""
    if weekday not in range(7):
        raise TimetableProblem(f"choose a day from {WEEKDAYS[0]} to {WEEKDAYS[-1]}")
    if local_time is None:
        raise TimetableProblem("choose a time like 09:30")
    return Slot(weekday, local_time.replace(second=0, microsecond=0, tzinfo=None))


def add_slot(session: Session, config: Config, slot: Slot, actor: str) -> None:
    """Add a weekly slot (seeding from the config first) and log who added it."""
    _seed(session, config, actor)
    row = _row(session, slot)
    if row is not None and row.active:
        raise TimetableProblem(f"{slot} is already in the timetable")
    if row is None:
        session.add(TimetableSlot(weekday=slot.weekday, local_time=slot.time, active=True))
        row = _row(session, slot)
    row.active, row.changed_by, row.changed_at = True, actor, utcnow()
    logbook.record(session, "timetable_slot_added", actor=actor, reason=str(slot))
    session.flush()


def remove_slot(session: Session, config: Config, slot: Slot, actor: str) -> None:
    """Remove a weekly slot and log who removed it; posts already given that time keep it."""
    _seed(session, config, actor)
    row = _row(session, slot)
    if row is None or not row.active:
        raise TimetableProblem(f"{slot} is not in the timetable")
    row.active, row.changed_by, row.changed_at = False, actor, utcnow()
    logbook.record(session, "timetable_slot_removed", actor=actor, reason=str(slot))
    session.flush()
