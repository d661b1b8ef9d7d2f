"""Claiming due deliveries atomically and recording how each attempt ended.

Every function takes a Session or a plain Connection: the worker uses a Connection, since these
run once or twice per published post and the ORM's bookkeeping would cost more than the SQL.
"""

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import JSON, String, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from . import emails, logbook, pausing, ratelimits
from .care import touches_death
from .models import (
    CANCELLED,
    CLAIMED,
    FAILED,
    MISSED,
    NEEDS_REVIEW,
    PAUSED,
    PENDING,
    PUBLISHED,
    PUBLISHING,
    SCHEDULED,
    Account,
    Attachment,
    Delivery,
    DeliveryMedia,
    DeliveryPart,
    Post,
    UTCDateTime,
)
from .posts import refresh_status
from .publishers import Outgoing, OutgoingImage, Published, Uploaded

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP_FACTOR = 60  # with the default base, at most 30 minutes between tries
NOTHING_IN_FLIGHT = {"sending_part": None, "sending_since": None}


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker has claimed, with what it needs to publish it."""

    delivery_id: int
    post_id: int
    account: str
    attempts: int
    due_at: datetime
    approved_by: str | None
    outgoing: Outgoing
    account_id: int = 0
    started_at: datetime | None = None  # when the current (or last) attempt began


def claim_due(session: Session, worker_id: str, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to `limit` due deliveries for this worker with one conditional UPDATE.

    The UPDATE only changes rows still 'scheduled', so two workers can never claim the same
    delivery; PostgreSQL also skips rows another worker has locked instead of waiting.
    A claimed delivery is not yet sent: `start_attempt` marks the moment it is.
    """
    # A CTE, because PostgreSQL may run an IN (... LIMIT ... SKIP LOCKED) subquery more than once
    # and so claim more rows than asked; a CTE that locks rows is evaluated exactly once.
    due = (
        select(Delivery.id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status == SCHEDULED, Delivery.run_at <= now, Account.state == "ok",
               within_consent(now), ~ratelimits.exhausted(Delivery.account_id, ratelimits.POST, now),
               pausing.may_publish(now))  # an organisation-wide pause or a blackout day holds everything
        .order_by(Delivery.run_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
        .cte("due")
    )
    claimed_ids = session.scalars(
        update(Delivery)
        .add_cte(due)
        .where(Delivery.id.in_(select(due.c.id)), Delivery.status == SCHEDULED)
        .values(status=CLAIMED, claimed_by=worker_id, claimed_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    return load_claimed(session, claimed_ids)


def within_consent(now: datetime):
    """A condition on deliveries: no storyteller's consent has ended for it (most posts have no consent end)."""
    return Delivery.consent_ends_at.is_(None) | (Delivery.consent_ends_at > now)


def load_claimed(session: Session, delivery_ids) -> list[Claimed]:
    """Load what publishing needs for these deliveries, in the order they fell due."""
    if not delivery_ids:
        return []
    rows = session.execute(
        select(Delivery.id, Delivery.post_id, Account.name, Delivery.attempts, Delivery.due_at, Post.approved_by,
               Post.text, Post.content_warning, Delivery.remote_key, Delivery.account_id, Delivery.claimed_at,
               Post.link_card, Post.voice, Post.care)
        .join(Post, Post.id == Delivery.post_id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.id.in_(list(delivery_ids)))
        .order_by(Delivery.run_at, Delivery.id)
    ).all()
    images = _images_of(session, {row[1] for row in rows})
    return [
        Claimed(delivery_id, post_id, name, attempts, due_at, approved_by,
                Outgoing(delivery_id=delivery_id, post_id=post_id, text=text, content_warning=warning,
                         remote_key=remote_key, images=images.get(post_id, ()), link_card=card,
                         signed_off=voice == "storyteller", touches_death=touches_death(care)),
                account_id, claimed_at)
        for (delivery_id, post_id, name, attempts, due_at, approved_by, text, warning, remote_key, account_id,
             claimed_at, card, voice, care) in rows
    ]


def _images_of(session: Session, post_ids: set[int]) -> dict[int, tuple[OutgoingImage, ...]]:
    """The images of these posts, in order, as the publishers take them."""
    if not post_ids:
        return {}
    grouped: dict[int, list[OutgoingImage]] = {}
    rows = session.execute(select(Attachment.post_id, Attachment.position, Attachment.digest, Attachment.alt,
                                  Attachment.part)
                           .where(Attachment.post_id.in_(post_ids)).order_by(Attachment.post_id, Attachment.position))
    for post_id, position, digest, alt, part in rows:
        grouped.setdefault(post_id, []).append(OutgoingImage(position, digest, alt, part))
    return {post_id: tuple(images) for post_id, images in grouped.items()}


def uploaded_media(session: Session, delivery_id: int, number: int) -> dict[int, Uploaded]:
    """The images already uploaded for one part of a delivery, by attachment position."""
    rows = session.execute(select(DeliveryMedia.position, DeliveryMedia.remote_id, DeliveryMedia.alt,
                                  DeliveryMedia.width, DeliveryMedia.height, DeliveryMedia.ref, DeliveryMedia.digest)
                           .where(DeliveryMedia.delivery_id == delivery_id, DeliveryMedia.number == number))
    return {position: Uploaded(remote_id=remote_id, alt=alt, width=width, height=height, ref=ref, digest=digest)
            for position, remote_id, alt, width, height, ref, digest in rows}


def forget_media_before(session: Session, delivery_id: int, number: int, before: datetime) -> int:
    """Drop one part's uploads made before `before`: the network has let them go, so they are uploaded again."""
    return session.execute(delete(DeliveryMedia).where(DeliveryMedia.delivery_id == delivery_id,
                                                       DeliveryMedia.number == number,
                                                       DeliveryMedia.uploaded_at < before)).rowcount


def record_media(session: Session, claimed: Claimed, number: int, position: int, uploaded: Uploaded,
                 described: str, now: datetime) -> Uploaded:
    """Store an uploaded image at once, before the post that attaches it is made, and log the upload.

    A crash after this re-uses the upload instead of sending the image again. One already stored (by a worker
    that settled this one's claim while it stalled) is kept, and returned, so every part attaches what is recorded.
    """
    stored = session.execute(insert(DeliveryMedia).from_select(
        ["delivery_id", "number", "position", "digest", "remote_id", "ref", "alt", "width", "height", "uploaded_at"],
        select(literal(claimed.delivery_id), literal(number), literal(position), literal(uploaded.digest),
               literal(uploaded.remote_id), literal(uploaded.ref, JSON), literal(uploaded.alt),
               literal(uploaded.width), literal(uploaded.height), literal(now, UTCDateTime()))
        .where(~exists().where(DeliveryMedia.delivery_id == claimed.delivery_id, DeliveryMedia.number == number,
                               DeliveryMedia.position == position))))
    if not stored.rowcount:
        return uploaded_media(session, claimed.delivery_id, number).get(position, uploaded)
    _log(session, claimed, "media_uploaded", now, remote_id=uploaded.remote_id, reason=f"{described} for part {number}")
    return uploaded


def start_attempt(session: Session, claimed: Claimed, worker_id: str, now: datetime) -> Claimed | None:
    """Mark a claimed delivery as being sent; None if it was cancelled or handed on meanwhile.

    From here until the outcome is recorded, a crash leaves the outcome unknown.
    """
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == claimed.delivery_id, Delivery.status == CLAIMED, Delivery.claimed_by == worker_id,
               within_consent(now), pausing.may_publish(now))  # paused since the batch was claimed: not sent
        .values(status=PUBLISHING, claimed_at=now, attempts=Delivery.attempts + 1)
    )
    if not result.rowcount:
        return None
    return replace(claimed, attempts=claimed.attempts + 1, started_at=now)


def note_sending(session: Session, claimed: Claimed, number: int, now: datetime) -> None:
    """Note that part `number` is about to be sent, keeping the time of its first send across attempts.

    A network that keeps an idempotency key for a while (Mastodon: an hour) protects a resend only within
    that time of the first send; a later part of the thread starts its own time.
    """
    session.execute(update(Delivery)
                    .where(Delivery.id == claimed.delivery_id,
                           Delivery.sending_part.is_(None) | (Delivery.sending_part != number)
                           | Delivery.sending_since.is_(None))
                    .values(sending_part=number, sending_since=now))


def sending_since(session: Session, delivery_id: int, number: int) -> datetime | None:
    """When part `number` of a delivery was first sent, if that was noted."""
    return session.scalar(select(Delivery.sending_since)
                          .where(Delivery.id == delivery_id, Delivery.sending_part == number))


def published_parts(session: Session, delivery_id: int) -> list[Published]:
    """The parts of a delivery already published, in order, so an interrupted thread resumes after the last."""
    rows = session.execute(select(DeliveryPart.remote_id, DeliveryPart.url, DeliveryPart.remote_cid)
                           .where(DeliveryPart.delivery_id == delivery_id).order_by(DeliveryPart.number)).all()
    return [Published(remote_id=remote_id, url=url, cid=cid) for remote_id, url, cid in rows]


def next_part_allowed(session: Session, claimed: Claimed, worker_id: str, now: datetime,
                      counted: bool = True) -> tuple[bool, datetime | None]:
    """Before sending a later part: is the delivery still wanted, and may the account make a call now (else until when)?

    The claim is renewed, so a long thread is never taken for a stalled worker.
    """
    renewed = session.execute(update(Delivery).where(Delivery.id == claimed.delivery_id, Delivery.status == PUBLISHING,
                                                     Delivery.claimed_by == worker_id, Delivery.deletion.is_(None))
                              .values(claimed_at=now))
    if not renewed.rowcount:
        return False, None
    return True, ratelimits.take(session, claimed.account_id, ratelimits.POST, now) if counted else None


def record_part(session: Session, claimed: Claimed, number: int, count: int, published: Published,
                now: datetime) -> None:
    """Store one published part at once, so a crash later in the thread never sends it again.

    A part already stored (by a worker that settled this one's claim while it stalled) is kept as it is.
    """
    values = select(literal(claimed.delivery_id), literal(number), literal(published.remote_id),
                    literal(published.cid, String), literal(published.url, String), literal(now, UTCDateTime()))
    stored = session.execute(insert(DeliveryPart).from_select(
        ["delivery_id", "number", "remote_id", "remote_cid", "url", "published_at"],
        values.where(~exists().where(DeliveryPart.delivery_id == claimed.delivery_id, DeliveryPart.number == number))))
    if stored.rowcount and count > 1:
        _log(session, claimed, "part_published", now, remote_id=published.remote_id, url=published.url,
             reason=f"part {number} of {count}")


def wait_for_allowance(session: Session, claimed: Claimed, reset_at: datetime, now: datetime, worker_id: str,
                       parts_done: int, count: int) -> None:
    """Hand a delivery back until the account's allowance resets; a thread resumes after its last published part."""
    if _finish(session, claimed, worker_id, status=SCHEDULED, run_at=reset_at, claimed_by=None, claimed_at=None):
        left = f"parts {parts_done + 1} to {count} of the thread" if parts_done else "it"
        _log(session, claimed, "waiting", now, reason=f"the account's allowance is used up until "
                                                      f"{reset_at:%H:%M:%S} UTC; {left} will go then")


def _finish(session: Session, claimed: Claimed, worker_id: str | None, from_status: str = PUBLISHING,
            **values) -> bool:
    """Move a delivery out of `from_status`, only if this worker (when given) still holds it."""
    condition = [Delivery.id == claimed.delivery_id, Delivery.status == from_status]
    if worker_id is not None:
        condition.append(Delivery.claimed_by == worker_id)
    result = session.execute(update(Delivery).where(*condition).values(**values))
    if result.rowcount:
        refresh_status(session, claimed.post_id)
    return bool(result.rowcount)


def _log(session: Session, claimed: Claimed, event: str, now: datetime, **fields) -> None:
    """Log one attempt's outcome with who approved the post."""
    logbook.record(session, event, post_id=claimed.post_id, delivery_id=claimed.delivery_id,
                   account=claimed.account, attempt=claimed.attempts, approved_by=claimed.approved_by,
                   at=now, **fields)


def mark_published(session: Session, claimed: Claimed, published: Published, now: datetime,
                   worker_id: str | None = None) -> None:
    """Record a successful publish."""
    if _finish(session, claimed, worker_id, status=PUBLISHED, remote_id=published.remote_id,
               remote_url=published.url, last_error=None, finished_at=now, **NOTHING_IN_FLIGHT):
        _log(session, claimed, "published", now, remote_id=published.remote_id, url=published.url)
        emails.post_published(session, claimed.post_id, now)  # a story's storyteller, once it is out everywhere


def mark_retry(session: Session, claimed: Claimed, error: str, retry_at: datetime | None, now: datetime,
               worker_id: str | None = None, base: timedelta = BACKOFF_BASE) -> datetime:
    """Put a delivery back on the queue to try again later; return when."""
    retry_at = max(retry_at or now + backoff(claimed.attempts, base), now)
    if _finish(session, claimed, worker_id, status=SCHEDULED, run_at=retry_at, last_error=error,
               claimed_by=None, claimed_at=None):
        _log(session, claimed, "retry", now, error=f"{error} (next try {retry_at:%Y-%m-%d %H:%M:%S} UTC)")
    return retry_at


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    """Exponential backoff with jitter, so many failed posts do not retry in step."""
    delay = min(base * (2 ** max(attempts - 1, 0)), base * BACKOFF_CAP_FACTOR)
    return delay * random.uniform(0.5, 1.5)


def mark_failed(session: Session, claimed: Claimed, error: str, now: datetime, worker_id: str | None = None):
    """Record a final failure that a person must look at."""
    if _finish(session, claimed, worker_id, status=FAILED, last_error=error, finished_at=now, **NOTHING_IN_FLIGHT):
        _log(session, claimed, "failed", now, error=error)
        emails.post_failed(session, claimed.post_id, claimed.account, error, now)


def mark_needs_review(session: Session, claimed: Claimed, error: str, now: datetime, worker_id: str | None = None):
    """Record an unknown outcome: a person must check the network before anything is resent."""
    # Whoever sends it again after a person has looked starts a new first send.
    if _finish(session, claimed, worker_id, status=NEEDS_REVIEW, last_error=error, finished_at=now,
               **NOTHING_IN_FLIGHT):
        _log(session, claimed, "needs_review", now, error=error)
        emails.post_needs_review(session, claimed.post_id, claimed.account, error, now)


def mark_account(session: Session, account: str, error: str, now: datetime) -> None:
    """Mark an account as needing attention: its posts wait, kept, until `accounts check` passes."""
    changed = session.execute(update(Account).where(Account.name == account, Account.state != "needs_attention")
                              .values(state="needs_attention", last_error=error, checked_at=now))
    if changed.rowcount:  # the admins hear once, when it starts, not for each post held
        emails.account_needs_attention(session, account, error, now)
    else:
        session.execute(update(Account).where(Account.name == account).values(last_error=error, checked_at=now))


def hold_for_account(session: Session, claimed: Claimed, error: str, now: datetime, worker_id: str | None = None):
    """Put a delivery back and mark its account as needing attention, so nothing more is tried on it."""
    mark_account(session, claimed.account, error, now)
    if _finish(session, claimed, worker_id, status=SCHEDULED, last_error=error, claimed_by=None, claimed_at=None):
        _log(session, claimed, "held", now, error=f"{error}. Posts on this account wait until `accounts check` passes.")


def release(session: Session, claimed: Claimed, worker_id: str | None = None, run_at: datetime | None = None) -> bool:
    """Hand a claimed, unsent delivery back to the queue (to run at `run_at` when given)."""
    later = {"run_at": run_at} if run_at else {}
    return _finish(session, claimed, worker_id, from_status=CLAIMED, status=SCHEDULED,
                   claimed_by=None, claimed_at=None, **later)


def continue_later(session: Session, claimed: Claimed, now: datetime) -> None:
    """Hand a half-published thread of a stopped worker back to the queue, to go on from its last part."""
    if _finish(session, claimed, None, status=SCHEDULED, run_at=now, claimed_by=None, claimed_at=None):
        _log(session, claimed, "retry", now, reason="the rest of the thread will follow its last published part")


def stop_interrupted(session: Session, claimed: Claimed, parts: list[Published], now: datetime, worker_id: str) -> None:
    """Settle a thread withdrawn or cancelled between parts: what went out stays recorded, so it can be deleted."""
    if parts:
        mark_published(session, claimed, parts[0], now, worker_id)
    else:
        _finish(session, claimed, worker_id, status=CANCELLED, finished_at=now, claimed_by=None, claimed_at=None)


def cancel_after_consent(session: Session, now: datetime) -> None:
    """Cancel deliveries not yet sent whose story's consent has ended, logging each.

    Whether rescheduled, resumed or waiting for a retry, nothing goes out after the consent the storyteller
    gave; the claim refuses such deliveries meanwhile.
    """
    unsent = (SCHEDULED, CLAIMED, PAUSED, PENDING)
    rows = session.execute(
        update(Delivery)
        .where(Delivery.consent_ends_at <= now, Delivery.status.in_(unsent))
        .values(status=CANCELLED, finished_at=now)
        .returning(Delivery.id, Delivery.post_id, Delivery.account_id)
        .execution_options(synchronize_session=False)
    ).all()
    names = dict(session.execute(select(Account.id, Account.name)).all()) if rows else {}
    for delivery_id, post_id, account_id in rows:
        logbook.record(session, "cancelled", post_id=post_id, delivery_id=delivery_id, account=names.get(account_id),
                       at=now, reason="the storyteller's consent ended before it went out")
    for post_id in {row[1] for row in rows}:
        refresh_status(session, post_id)


def mark_missed(session: Session, now: datetime, missed_after: timedelta) -> int:
    """Mark deliveries far past their time as missed instead of sending them late."""
    cutoff = now - missed_after
    missed = session.execute(
        select(Delivery.id, Delivery.post_id, Account.name, Delivery.due_at)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status == SCHEDULED, Delivery.due_at < cutoff, pausing.missed_clock_runs(cutoff))
    ).all()
    for delivery_id, post_id, account, due_at in missed:
        result = session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == SCHEDULED)
                                 .values(status=MISSED, finished_at=now,
                                         last_error=f"not sent: it was due at {due_at:%Y-%m-%d %H:%M} UTC"))
        if result.rowcount:
            refresh_status(session, post_id)
            logbook.record(session, "missed", post_id=post_id, delivery_id=delivery_id, account=account, at=now,
                           error=f"due at {due_at:%Y-%m-%d %H:%M} UTC, more than {missed_after} ago; "
                                 "not sent late. Reschedule it if it should still go out.")
    return len(missed)


def stale_claims(session: Session, now: datetime, claim_timeout: timedelta) -> list[Claimed]:
    """Hand back old unsent claims, and return deliveries left 'publishing' longer than any call takes.

    Either way their worker has died or stalled; only the 'publishing' ones may have gone out.
    """
    cutoff = now - claim_timeout
    session.execute(update(Delivery).where(Delivery.status == CLAIMED, Delivery.claimed_at < cutoff)
                    .values(status=SCHEDULED, claimed_by=None, claimed_at=None))
    ids = session.scalars(
        select(Delivery.id).where(Delivery.status == PUBLISHING, Delivery.claimed_at < cutoff)
    ).all()
    return load_claimed(session, ids)


def next_run_at(session: Session, now: datetime) -> datetime | None:
    """Return when the next scheduled delivery on a working account may go: its time, or its account's reset."""
    ready = session.scalar(
        select(func.min(Delivery.run_at))
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status == SCHEDULED, Account.state == "ok",
               ~ratelimits.exhausted(Delivery.account_id, ratelimits.POST, now), pausing.may_publish(now))
    )  # while paused or on a blackout day: nothing is ready, so the worker only rechecks
    waiting = ratelimits.waiting_until(ratelimits.POST, now).subquery()
    reset = session.scalar(
        select(func.min(waiting.c.reset_at))
        .where(exists().where(Delivery.account_id == waiting.c.account_id, Delivery.status == SCHEDULED))
    )
    return min((moment for moment in (ready, reset) if moment is not None), default=None)
