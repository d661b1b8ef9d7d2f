"""Taking published posts down again: after a withdrawal, a cancellation or the end of a storyteller's consent.

A request marks the deliveries; a worker then deletes each published part from its network and logs it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from . import attachments, emails, logbook, ratelimits
from .models import (
    CLAIMED,
    FAILED,
    NEEDS_REVIEW,
    PUBLISHED,
    PUBLISHING,
    STORY_APPROVED,
    Account,
    Attachment,
    Delivery,
    DeliveryPart,
    Story,
)

REQUESTED, DELETING, DELETED, DELETE_FAILED = "requested", "deleting", "deleted", "failed"
# Deliveries that may have put something on a network, so a withdrawal must reach them.
REACHED_NETWORK = (PUBLISHING, PUBLISHED, NEEDS_REVIEW, FAILED)


@dataclass(frozen=True)
class LivePart:
    """A published part still on its network."""

    id: int
    number: int
    remote_id: str
    url: str | None


@dataclass(frozen=True)
class DeletionJob:
    """A delivery a worker has taken on to delete from its network."""

    delivery_id: int
    post_id: int
    account: str
    account_id: int
    status: str
    reason: str | None
    parts: tuple[LivePart, ...]


def request(session: Session, post_id: int, reason: str, actor: str | None, now: datetime) -> int:
    """Ask for everything of a post that reached a network to be deleted; return how many deliveries that is."""
    has_parts = exists().where(DeliveryPart.delivery_id == Delivery.id, DeliveryPart.deleted_at.is_(None))
    result = session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.deletion.is_(None) | (Delivery.deletion == DELETE_FAILED),
               Delivery.status.in_(REACHED_NETWORK) | has_parts)
        .values(deletion=REQUESTED, deletion_reason=reason, run_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        logbook.record(session, "deletion_requested", post_id=post_id, actor=actor, at=now, reason=reason)
    return result.rowcount


def claim(session: Session, worker_id: str, now: datetime, limit: int) -> list[DeletionJob]:
    """Take up to `limit` requested deletions whose delivery has settled and whose account may make calls."""
    due = session.scalars(
        select(Delivery.id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.deletion == REQUESTED, Delivery.run_at <= now, Account.state == "ok",
               Delivery.status.not_in((CLAIMED, PUBLISHING)),
               ~ratelimits.exhausted(Delivery.account_id, ratelimits.DELETE, now))
        .order_by(Delivery.run_at, Delivery.id).limit(limit)
    ).all()
    taken = []
    for delivery_id in due:
        result = session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.deletion == REQUESTED)
                                 .values(deletion=DELETING, claimed_by=worker_id, claimed_at=now))
        if result.rowcount:
            taken.append(_job(session, delivery_id))
    return taken


def _job(session: Session, delivery_id: int) -> DeletionJob:
    """Load what deleting one delivery needs."""
    delivery_id, post_id, account, account_id, status, reason = session.execute(
        select(Delivery.id, Delivery.post_id, Account.name, Account.id, Delivery.status, Delivery.deletion_reason)
        .join(Account, Account.id == Delivery.account_id).where(Delivery.id == delivery_id)
    ).one()
    parts = session.execute(
        select(DeliveryPart.id, DeliveryPart.number, DeliveryPart.remote_id, DeliveryPart.url)
        .where(DeliveryPart.delivery_id == delivery_id, DeliveryPart.deleted_at.is_(None))
        .order_by(DeliveryPart.number.desc())  # the last reply first, so a thread never dangles from a gap
    ).all()
    return DeletionJob(delivery_id, post_id, account, account_id, status, reason,
                       tuple(LivePart(*row) for row in parts))


def part_deleted(session: Session, job: DeletionJob, part: LivePart, now: datetime) -> None:
    """Record that one part is gone from its network."""
    session.execute(update(DeliveryPart).where(DeliveryPart.id == part.id).values(deleted_at=now))
    logbook.record(session, "deleted", post_id=job.post_id, delivery_id=job.delivery_id, account=job.account,
                   remote_id=part.remote_id, url=part.url, at=now, reason=job.reason)


def finish(session: Session, job: DeletionJob, now: datetime) -> None:
    """Close a deletion; say so plainly when the network may still hold a post we never heard back about."""
    closed = session.execute(update(Delivery).where(Delivery.id == job.delivery_id, Delivery.deletion == DELETING)
                             .values(deletion=DELETED, claimed_by=None, claimed_at=None)).rowcount
    if job.status == NEEDS_REVIEW:
        logbook.record(session, "delete_failed", post_id=job.post_id, delivery_id=job.delivery_id,
                       account=job.account, at=now,
                       error="the last attempt to publish this got no answer, so it may be on the network without "
                             "our knowing its address: check the account and delete it by hand if it is there")
    elif not job.parts:
        logbook.record(session, "deleted", post_id=job.post_id, delivery_id=job.delivery_id, account=job.account,
                       at=now, reason=f"{job.reason}; nothing of it was on the network")
    if closed:  # a worker that stalled and finishes after another already did must not tell the storyteller twice
        emails.taken_down(session, job.post_id, job.reason, now)  # once every network's copy is gone


def retry(session: Session, job: DeletionJob, error: str, retry_at: datetime, now: datetime) -> None:
    """Hand a deletion back to try again later."""
    session.execute(update(Delivery).where(Delivery.id == job.delivery_id, Delivery.deletion == DELETING)
                    .values(deletion=REQUESTED, run_at=retry_at, claimed_by=None, claimed_at=None))
    logbook.record(session, "delete_retry", post_id=job.post_id, delivery_id=job.delivery_id, account=job.account,
                   at=now, error=f"{error} (next try {retry_at:%Y-%m-%d %H:%M:%S} UTC)")


def fail(session: Session, job: DeletionJob, error: str, now: datetime) -> None:
    """Give up on a deletion the network refused; the log tells an admin to finish it by hand."""
    session.execute(update(Delivery).where(Delivery.id == job.delivery_id, Delivery.deletion == DELETING)
                    .values(deletion=DELETE_FAILED, claimed_by=None, claimed_at=None, last_error=error))
    links = ", ".join(p.url or p.remote_id for p in job.parts)
    logbook.record(session, "delete_failed", post_id=job.post_id, delivery_id=job.delivery_id, account=job.account,
                   at=now, error=f"{error}. Delete it by hand: {links}")


def stale(session: Session, now: datetime, claim_timeout: timedelta) -> None:
    """Hand back deletions whose worker stopped; deleting a part twice is harmless on every network."""
    session.execute(update(Delivery).where(Delivery.deletion == DELETING, Delivery.claimed_at < now - claim_timeout)
                    .values(deletion=REQUESTED, claimed_by=None, claimed_at=None))


def end_consent(session: Session, config, now: datetime) -> int:
    """Take down stories whose storyteller's consent has ended, and delete their photos; return how many
    stories were taken down."""
    today = now.astimezone(config.timezone).date()
    stories = session.execute(
        select(Story.id, Story.post_id, Story.consent_until)
        .where(Story.status == STORY_APPROVED, Story.consent_until < today, Story.post_id.is_not(None),
               exists().where(Delivery.post_id == Story.post_id, Delivery.deletion.is_(None),
                              Delivery.status.in_(REACHED_NETWORK)))
    ).all()
    for story_id, post_id, until in stories:
        request(session, post_id, f"story {story_id}: the storyteller's consent ended on {until}", None, now)
    forget_photos(session, config, today, now)
    return len(stories)


def forget_photos(session: Session, config, today, now: datetime) -> int:
    """Delete the photos of every story whose consent has ended, and of its post, from the database and the
    media folder (published or not: the consent covered keeping them too); return how many stories had some."""
    has_photos = exists().where((Attachment.story_id == Story.id)
                                | (Story.post_id.is_not(None) & (Attachment.post_id == Story.post_id)))
    stories = session.execute(
        select(Story.id, Story.post_id, Story.consent_until).where(Story.consent_until < today, has_photos)
    ).all()
    for story_id, post_id, until in stories:
        attachments.remove(session, config.media_dir, story_id=story_id)
        if post_id is not None:
            attachments.remove(session, config.media_dir, post_id=post_id)
        logbook.record(session, "story_photos_deleted", post_id=post_id, at=now,
                       reason=f"story {story_id}: the storyteller's consent ended on {until}, so its photos "
                              "were deleted")
    return len(stories)


def next_due(session: Session) -> datetime | None:
    """When the next requested deletion may run."""
    return session.scalar(select(Delivery.run_at).where(Delivery.deletion == REQUESTED)
                          .order_by(Delivery.run_at).limit(1))

