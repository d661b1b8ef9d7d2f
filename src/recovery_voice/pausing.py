"""The organisation-wide pause of all publishing, and blackout days when nothing goes out.

Both are conditions inside the one conditional UPDATE with which a worker claims due deliveries
(dispatch.claim_due), so a pause or a blackout day committed before a claim is honoured by any number
of workers, on SQLite and PostgreSQL alike: there is no moment between "is it paused?" and "take it".
A blackout day is such a condition too, rather than a sweep that moves run_at off the day: a move races
with workers claiming, and misses every other way a time lands on the day (a retry's backoff, a rate
limit's reset, a reschedule by hand), while the claim's condition holds them all.

Taking down is not publishing: deletions (a storyteller's withdrawal, the end of their consent, a cancelled
post) go on during a pause and on blackout days. A pause is for the community's grief; holding back a
storyteller's wish to be taken down would put the organisation's timing before their safety and consent.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from . import logbook
from .config import Config
from .models import CLAIMED, PAUSED, PENDING, SCHEDULED, Account, BlackoutDate, Delivery, PublishingPause
from .slots import local_to_utc

MAX_REASON = 500  # a pause's reason
MAX_DAY_REASON = 300  # a blackout day's reason (its column's size)
MAX_DAYS = 366  # blackout days still to come, at most
DAYS_AHEAD = 730  # how far ahead a day can be added: next-slot scheduling looks about two years ahead
# What a pause holds back: due and waiting on the queue, or claimed by a worker that was then refused the send.
HELD = (SCHEDULED, CLAIMED)
# What a new blackout day offers to move: the deliveries a person may move (posts.RESCHEDULABLE).
ON_A_DAY = (PENDING, SCHEDULED, PAUSED)


class PauseProblem(Exception):
    """A pause, resume or blackout day cannot be done as asked; the message says what to fix.

    `field` names the input at fault ("reason", "day") and `kind` what is wrong, so each door can choose its words.
    """

    def __init__(self, message: str, field: str | None = None, kind: str = ""):
        super().__init__(message)
        self.field, self.kind = field, kind


@dataclass(frozen=True)
class Held:
    """What waits on one account: how many deliveries and the earliest time among them."""

    account: str
    count: int
    earliest: datetime


# The conditions the worker's claim and sweep use ---------------------------------------------------------------

def may_publish(now: datetime):
    """A condition: no pause is in force and `now` falls in no blackout day."""
    in_blackout = exists().where(BlackoutDate.starts_at <= now, BlackoutDate.ends_at > now)
    return ~exists().where(PublishingPause.ended_at.is_(None)) & ~in_blackout


def missed_clock_runs(cutoff: datetime):
    """A condition for marking deliveries missed: no pause is in force, or ended after `cutoff`.

    So time spent paused never makes a post late: after a resume, the missed clock starts again.
    """
    return ~exists().where(or_(PublishingPause.ended_at.is_(None), PublishingPause.ended_at > cutoff))


# Pausing and resuming -------------------------------------------------------------------------------------------

def in_force(session: Session) -> PublishingPause | None:
    """The pause in force, if publishing is paused (the earliest, should two admins have paused at once)."""
    return session.scalars(select(PublishingPause).where(PublishingPause.ended_at.is_(None))
                           .order_by(PublishingPause.started_at, PublishingPause.id).limit(1)).first()


def pause(session: Session, reason: str | None, actor: str, now: datetime) -> PublishingPause:
    """Pause all publishing, with a reason, and log it; approvals and scheduling go on as before."""
    reason = _reason(reason, MAX_REASON, required=True)
    current = in_force(session)
    if current is not None:
        raise PauseProblem(f"publishing is already paused (since {current.started_at:%Y-%m-%d %H:%M} UTC)",
                           kind="already")
    # People are named as the log names them ("user N"), so erasing an account leaves no email here either.
    row = PublishingPause(reason=reason, started_by=logbook.as_ref(session, actor), started_at=now)
    session.add(row)
    session.flush()
    logbook.record(session, "publishing_paused", actor=actor, at=now, reason=reason)
    return row


def paused_by(session: Session, pause: PublishingPause) -> str:
    """The name of whoever paused, as the log shows people (their display name; "erased" once erased)."""
    return logbook.names(session, [pause.started_by]).get(pause.started_by, pause.started_by)


def held(session: Session, now: datetime) -> list[Held]:
    """What was due by `now` and is held back, per account: how many and the earliest."""
    rows = session.execute(select(Account.name, func.count(Delivery.id), func.min(Delivery.due_at))
                           .join(Account, Account.id == Delivery.account_id).where(_due(now))
                           .group_by(Account.name).order_by(Account.name)).all()
    return [Held(name, count, earliest) for name, count, earliest in rows]


def resume(session: Session, config: Config, actor: str, now: datetime, send_now: bool = False) -> int:
    """End the pause, moving what fell due to the next free slots (or sending it now); return how many moved.

    Moved before the pause ends, in one transaction, so no worker claims them at their old times in between.
    """
    current = in_force(session)
    if current is None:
        raise PauseProblem("publishing is not paused", kind="not_paused")
    due = list(session.scalars(select(Delivery).where(_due(now)).order_by(Delivery.due_at, Delivery.id)))
    how = "to go out now" if send_now else "to the next free slot"
    moved = _move(session, config, due, now, None if send_now else now, actor, f"publishing resumed: moved {how}")
    session.execute(update(PublishingPause).where(PublishingPause.ended_at.is_(None))
                    .values(ended_by=logbook.as_ref(session, actor), ended_at=now))
    logbook.record(session, "publishing_resumed", actor=actor, at=now,
                   reason=f"{moved} held {_deliveries(moved)} moved {how}")
    return moved


def _due(now: datetime):
    """A condition: the delivery was due by `now` and is held back (never started sending)."""
    return (Delivery.status == CLAIMED) | ((Delivery.status == SCHEDULED) & (Delivery.run_at <= now))


# Blackout days ---------------------------------------------------------------------------------------------------

def day_span(day: date, config: Config) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends, however long the clocks make it (23, 24 or 25 hours)."""
    start = local_to_utc(datetime.combine(day, time()), config.timezone)
    return start, local_to_utc(datetime.combine(day + timedelta(days=1), time()), config.timezone)


def local_today(config: Config, now: datetime) -> date:
    """The organisation's date at `now`."""
    return now.astimezone(config.timezone).date()


def upcoming_days(session: Session, now: datetime) -> list[BlackoutDate]:
    """The blackout days not yet over, soonest first."""
    return list(session.scalars(select(BlackoutDate).where(BlackoutDate.ends_at > now).order_by(BlackoutDate.day)))


def closed_spans(session: Session, after: datetime) -> list[tuple[datetime, datetime]]:
    """The (start, end) instants of blackout days ending after `after`, for next-slot scheduling to skip."""
    return [tuple(row) for row in session.execute(select(BlackoutDate.starts_at, BlackoutDate.ends_at)
                                                  .where(BlackoutDate.ends_at > after))]


def outside_blackout(session: Session, instants: list[datetime]) -> list[datetime]:
    """The instants that fall on no blackout day (the timetable page's next slots, as next-slot sees them)."""
    closed = closed_spans(session, min(instants)) if instants else []
    return [moment for moment in instants if not any(start <= moment < end for start, end in closed)]


def check_day(session: Session, config: Config, day, reason: str | None, now: datetime) -> tuple[date, str]:
    """Return the day and its reason if the day may be added, else raise PauseProblem saying what to fix."""
    if not isinstance(day, date):
        raise PauseProblem("give the day as a date like 2026-12-24", field="day", kind="invalid")
    today = local_today(config, now)
    if day < today:
        raise PauseProblem(f"{day:%a %d %b %Y} has passed; choose today or a later day", field="day", kind="past")
    if day > today + timedelta(days=DAYS_AHEAD):
        raise PauseProblem(f"{day:%a %d %b %Y} is too far ahead; choose a day within two years", field="day",
                           kind="too_far")
    if session.get(BlackoutDate, day) is not None:
        raise PauseProblem(f"{day:%a %d %b %Y} is already a blackout day", field="day", kind="already")
    if len(upcoming_days(session, now)) >= MAX_DAYS:
        raise PauseProblem(f"there are already {MAX_DAYS} blackout days to come; remove some first", field="day",
                           kind="too_many")
    return day, _reason(reason, MAX_DAY_REASON, required=False)


def due_on_day(session: Session, config: Config, day: date) -> list[Held]:
    """What is due on a day and would be moved if it became a blackout day, per account."""
    start, end = day_span(day, config)
    rows = session.execute(select(Account.name, func.count(Delivery.id), func.min(Delivery.due_at))
                           .join(Account, Account.id == Delivery.account_id).where(_on(start, end))
                           .group_by(Account.name).order_by(Account.name)).all()
    return [Held(name, count, earliest) for name, count, earliest in rows]


def add_day(session: Session, config: Config, day, reason: str | None, actor: str, now: datetime,
            move: bool = True) -> int:
    """Make a day a blackout day and log it; with `move`, what was due that day moves to the next free slots after it.

    Returns how many deliveries moved. Kept ones stay at their times and wait: nothing goes out that day.
    """
    day, reason = check_day(session, config, day, reason, now)
    start, end = day_span(day, config)
    session.add(BlackoutDate(day=day, reason=reason, added_by=logbook.as_ref(session, actor), added_at=now,
                             starts_at=start, ends_at=end))
    session.flush()
    moved = 0
    if move:
        on_day = list(session.scalars(select(Delivery).where(_on(start, end)).order_by(Delivery.due_at, Delivery.id)))
        moved = _move(session, config, on_day, now, max(end, now), actor,
                      f"{day:%a %d %b %Y} became a blackout day: moved to the next free slot after it")
    logbook.record(session, "blackout_added", actor=actor, at=now,
                   reason=f"{day.isoformat()}{': ' + reason if reason else ''}; {moved} {_deliveries(moved)} moved")
    return moved


def remove_day(session: Session, day, actor: str, now: datetime) -> None:
    """Make a blackout day an ordinary day again and log it; posts moved off it stay where they went."""
    row = session.get(BlackoutDate, day) if isinstance(day, date) else None
    if row is None:
        raise PauseProblem(f"{day} is not a blackout day", field="day", kind="unknown")
    session.delete(row)
    session.flush()
    logbook.record(session, "blackout_removed", actor=actor, at=now, reason=day.isoformat())


def open_day(session: Session, config: Config, moment: datetime | None) -> datetime | None:
    """Return a typed time unchanged, refusing one on a blackout day with the next day posts go out named.

    Refused rather than accepted with a note: a volunteer who types a time expects the post to go out then,
    and on a blackout day it would not.
    """
    if moment is None:
        return None
    row = session.scalars(select(BlackoutDate).where(BlackoutDate.starts_at <= moment, BlackoutDate.ends_at > moment)
                          .limit(1)).first()
    if row is None:
        return moment
    from .posts import PostProblem  # posts asks this module about typed times, so it is loaded by now

    why = f" ({row.reason})" if row.reason else ""
    following = next_open_day(session, row.day)
    raise PostProblem(f"nothing goes out on {row.day:%a %d %b %Y}: it is a blackout day{why}. The next day posts "
                      f"go out is {following:%a %d %b %Y}: choose a time then, or the next free slot",
                      field="when", kind="blackout", day=row.day, next_day=following)


def next_open_day(session: Session, day: date) -> date:
    """The first day after `day` that is not a blackout day."""
    closed = set(session.scalars(select(BlackoutDate.day).where(BlackoutDate.day > day)))
    following = day + timedelta(days=1)
    while following in closed:
        following += timedelta(days=1)
    return following


def _on(start: datetime, end: datetime):
    """A condition: the delivery may be moved and is due within [start, end)."""
    return Delivery.status.in_(ON_A_DAY) & (Delivery.due_at >= start) & (Delivery.due_at < end)


# Moving, shared by resuming and by a new blackout day ------------------------------------------------------------

def _move(session: Session, config: Config, deliveries: list[Delivery], now: datetime, after: datetime | None,
          actor: str, reason: str) -> int:
    """Move deliveries, earliest first, each to its account's next free slot after `after` (None: now); log each post.

    A delivery whose storyteller's consent ends before its new time keeps its time: it goes out as soon as it may
    (within the consent they gave), or is cancelled by the worker when the consent ends first.
    """
    from . import posts  # posts asks this module for blackout days when it picks a slot, so it is imported here

    moved, posts_moved = 0, set()
    for delivery in deliveries:
        due = now if after is None else posts.next_slot(session, config, session.get(Account, delivery.account_id),
                                                        after)
        if delivery.consent_ends_at is not None and due >= delivery.consent_ends_at:
            continue
        values = posts.requeued(delivery, due) if delivery.status == CLAIMED else {"due_at": due, "run_at": due}
        # Conditional on status, so a delivery a worker took (or a person moved) a moment ago is left alone.
        result = session.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.status == delivery.status)
                                 .values(**values).execution_options(synchronize_session=False))
        moved += result.rowcount
        if result.rowcount:  # claimed and scheduled both read as "scheduled", so no post's status changes
            posts_moved.add(delivery.post_id)
    for post_id in sorted(posts_moved):
        logbook.record(session, "rescheduled", post_id=post_id, actor=actor, at=now, reason=reason)
    session.expire_all()  # the rows changed underneath the ORM's copies
    return moved


def _reason(text, limit: int, required: bool) -> str:
    """Check a reason typed by a person: within `limit` characters, and there when `required`."""
    if text is not None and not isinstance(text, str):
        raise PauseProblem("the reason must be text", field="reason", kind="invalid")
    text = (text or "").strip()
    if required and not text:
        raise PauseProblem("say why publishing is paused, so everyone knows", field="reason", kind="missing")
    if len(text) > limit:
        raise PauseProblem(f"the reason is {len(text)} characters; keep it to {limit}", field="reason",
                           kind="too_long")
    return text


def _deliveries(count: int) -> str:
    """'delivery' or 'deliveries'."""
    return "delivery" if count == 1 else "deliveries"
