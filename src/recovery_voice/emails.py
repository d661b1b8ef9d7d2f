"""Who gets which email and when: the events that queue emails, each person's choices and quiet hours.

Every function here only adds rows to the outbox (the emails table) in the caller's session, so an email
is queued in the same transaction as the event that causes it, and is lost or kept with it. The worker
sends them (email_outbox.py). Password resets and invitations are always sent at once; everything else
follows the person's choice: one email per event, a daily digest, or none, held through quiet hours.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    EMAIL_DIGEST,
    EMAIL_EACH,
    EMAIL_HELD,
    EMAIL_OFF,
    EMAIL_QUEUED,
    Deactivation,
    Email,
    EmailSettings,
    User,
    utcnow,
)

ESSENTIAL = ("invitation", "password_reset")  # sent whatever a person chose, and at once
EXCERPT = 80  # characters of a post or story quoted in an email


@dataclass(frozen=True)
class Choices:
    """One person's email choices (the defaults until they change them)."""

    delivery: str = EMAIL_EACH
    quiet_start: time | None = None
    quiet_end: time | None = None


def choices(session: Session, user_id: int) -> Choices:
    """Return a person's email choices."""
    row = session.get(EmailSettings, user_id)
    if row is None:
        return Choices()
    return Choices(row.delivery, row.quiet_start, row.quiet_end)


class EmailSettingsProblem(ValueError):
    """Email choices that cannot be kept as given; `field` names the one to change."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def save_choices(session: Session, user_id: int, wanted: Choices) -> None:
    """Keep a person's email choices; quiet hours need both a start and an end, and they must differ."""
    if wanted.delivery not in (EMAIL_EACH, EMAIL_DIGEST, EMAIL_OFF):
        raise EmailSettingsProblem("choose one of the ways to get emails", "delivery")
    if (wanted.quiet_start is None) != (wanted.quiet_end is None):
        missing = "quiet_end" if wanted.quiet_end is None else "quiet_start"
        raise EmailSettingsProblem("quiet hours need both a start and an end (or leave both empty)", missing)
    if wanted.quiet_start is not None and wanted.quiet_start == wanted.quiet_end:
        raise EmailSettingsProblem("quiet hours must end at a different time from when they start", "quiet_end")
    row = session.get(EmailSettings, user_id) or EmailSettings(user_id=user_id)
    row.delivery, row.quiet_start, row.quiet_end = wanted.delivery, wanted.quiet_start, wanted.quiet_end
    session.add(row)


def quiet_until(wanted: Choices, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Return when the person's quiet hours end, if `now` falls within them (local times, may wrap midnight)."""
    start, end = wanted.quiet_start, wanted.quiet_end
    if start is None or end is None:
        return None
    here = now.astimezone(zone)
    clock = here.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = here.date() if clock < end else here.date() + timedelta(days=1)
    return datetime.combine(day, end, zone).astimezone(now.tzinfo)


def message_id() -> str:
    """The unique part of a Message-ID, chosen once when queued and kept for any resend (the domain is added
    when sent, from [email] from), so a mail client folds a repeat."""
    return f"rv-{uuid.uuid4().hex}"


def queue(session: Session, kind: str, facts: dict, *, user: User | None = None, address: str | None = None,
          now: datetime | None = None) -> Email | None:
    """Add one email to the outbox for a person (or a bare address), as their choices say; None when they chose none.

    Quiet hours are applied when it is sent, by the worker, in the organisation's zone.
    """
    now = now or utcnow()
    wanted = choices(session, user.id) if user is not None else Choices()
    essential = kind in ESSENTIAL
    if not essential and wanted.delivery == EMAIL_OFF:
        return None
    held = not essential and wanted.delivery == EMAIL_DIGEST
    email = Email(user_id=user.id if user is not None else None, to_address=address or user.email, kind=kind,
                  facts=facts, status=EMAIL_HELD if held else EMAIL_QUEUED, send_after=now,
                  message_id=message_id(), attempts=0, interrupted=0, created_at=now)
    session.add(email)
    return email


def excerpt(text: str | None) -> str:
    """The start of a post or story, on one line, for an email to quote."""
    line = " ".join((text or "").split())
    return line if len(line) <= EXCERPT else line[:EXCERPT - 1].rstrip() + "…"


# The events ----------------------------------------------------------------------------------------------------

def admins(session: Session) -> list[User]:
    """Every admin who may still sign in."""
    off = select(Deactivation.user_id)
    return list(session.scalars(select(User).where(User.role == "admin", User.id.not_in(off)).order_by(User.id)))


def to_admins(session: Session, kind: str, facts: dict, now: datetime | None = None) -> int:
    """Queue one email for each admin; return how many were queued."""
    return sum(queue(session, kind, facts, user=admin, now=now) is not None for admin in admins(session))


def author_of(session: Session, created_by: str | None) -> User | None:
    """The person a post's created_by names ("user ID" or an email), if they are a person who signs in."""
    if not created_by:
        return None
    if created_by.startswith("user ") and created_by[5:].isdigit():
        return session.get(User, int(created_by[5:]))
    return session.scalar(select(User).where(User.email == created_by.strip().lower()))
