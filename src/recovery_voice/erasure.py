"""Erasing a person's account, and purging withdrawn stories once the organisation's waiting time has passed.

Erasing withdraws every story the person wrote through the ordinary withdrawal (so the worker takes the
published copies down from the networks), then deletes each story with its versions, viewing record,
sign-off and photos. Their emails, email choices and reset links go; the user row stays only as a tombstone,
so that "user N" in the append-only log is never given to someone else, and every field elsewhere that held
their email holds "user N" instead. The log keeps what happened; it no longer says who.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from . import attachments, emails, logbook, versions
from .models import (
    STORY_WITHDRAWN,
    Attachment,
    BlackoutDate,
    Deactivation,
    Delivery,
    DeliveryPart,
    Email,
    EmailSettings,
    Invitation,
    PasswordReset,
    Post,
    PublishingPause,
    Story,
    StoryView,
    TimetableSlot,
    User,
    utcnow,
)
from .stories import forget_photo_words, withdraw

ERASED_DOMAIN = "erased.invalid"  # .invalid never resolves (RFC 2606): no email can reach a tombstone
UNUSABLE_HASH = "!erased"  # not an argon2 hash, so no password ever matches it
# Every column that names a person by the email they signed in with; erasing turns theirs into "user N".
PERSON_COLUMNS = (
    (Post, "created_by"), (Post, "approved_by"), (Post, "first_approved_by"),
    (Story, "reviewed_by"), (Story, "first_approved_by"), (Attachment, "added_by"),
    (Invitation, "invited_by"), (Deactivation, "deactivated_by"), (TimetableSlot, "changed_by"),
    (PublishingPause, "started_by"), (PublishingPause, "ended_by"), (BlackoutDate, "added_by"),
)
DELETION_UNDER_WAY = ("requested", "deleting")


class ErasureRefused(ValueError):
    """An account that cannot be erased now; the message says why."""


def refusal(session: Session, user: User) -> str | None:
    """Say why this account cannot be erased (already erased, or the last admin who can sign in), or None."""
    if user.erased_at is not None:
        return "this account was already erased"
    if user.role == "admin" and session.get(Deactivation, user.id) is None and _other_admins(session, user.id) == 0:
        return ("you are the only admin who can sign in, so erasing your account would leave nobody to run "
                "recovery-voice; make someone else an admin first, then erase yours")
    return None


def _other_admins(session: Session, user_id: int) -> int:
    """Count the other admins who can still sign in (not deactivated, not erased)."""
    return session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.id != user_id, User.erased_at.is_(None),
        User.id.not_in(select(Deactivation.user_id)))) or 0


@dataclass(frozen=True)
class Outcome:
    """What erasing one account would do, counted, for the page that asks them to confirm it."""

    stories: int
    photos: int
    published: int  # copies on the networks that will be taken down
    posts: int  # posts they wrote for the organisation, which stay without their name


def outcome(session: Session, user: User) -> Outcome:
    """Count what erasing this account would delete, take down and keep."""
    story_ids = select(Story.id).where(Story.author_id == user.id)
    post_ids = select(Story.post_id).where(Story.author_id == user.id, Story.post_id.is_not(None))
    photos = session.scalar(select(func.count(Attachment.id)).where(Attachment.story_id.in_(story_ids)))
    live = exists().where(DeliveryPart.delivery_id == Delivery.id, DeliveryPart.deleted_at.is_(None))
    published = session.scalar(select(func.count(Delivery.id)).where(Delivery.post_id.in_(post_ids), live))
    authors = (logbook.user_ref(user.id), user.email)
    posts = session.scalar(select(func.count(Post.id)).where(Post.created_by.in_(authors),
                                                             Post.source.is_(None) | ~Post.source.like("story %")))
    stories = session.scalar(select(func.count()).select_from(story_ids.subquery()))
    return Outcome(stories or 0, photos or 0, published or 0, posts or 0)


def erase_account(session: Session, config, user: User, now: datetime | None = None) -> None:
    """Erase everything held about a person, leaving a tombstone user row; raise ErasureRefused if it may not."""
    now = now or utcnow()
    reason = refusal(session, user)
    if reason is not None:
        raise ErasureRefused(reason)
    email, ref = user.email.strip().lower(), logbook.user_ref(user.id)
    for story in list(session.scalars(select(Story).where(Story.author_id == user.id).order_by(Story.id))):
        if story.status != STORY_WITHDRAWN:
            withdraw(session, story, None, now, media_dir=config.media_dir)
        erase_story(session, config, story)
    _forget_mail(session, user.id, email)
    _replace_email(session, email, ref)
    _tombstone(session, user, now)
    logbook.record(session, "account_erased", at=now, reason=f"{ref}: account erased at their request")


def erase_story(session: Session, config, story: Story) -> None:
    """Delete a withdrawn story and everything kept with it: versions, views, sign-off, photos, its emails."""
    story_id, post_id = story.id, story.post_id
    attachments.remove(session, config.media_dir, story_id=story_id)
    if post_id is not None:  # withdrawal removed these already; this holds for stories withdrawn before it did
        attachments.remove(session, config.media_dir, post_id=post_id)
    emails.forget_story(session, story_id, post_id)
    if post_id is not None:  # withdrawal does this now; a story withdrawn before it did still needs it
        forget_photo_words(session, post_id)
    versions.forget(session, story_id)
    session.execute(delete(StoryView).where(StoryView.story_id == story_id)
                    .execution_options(synchronize_session=False))
    session.delete(story)  # its sign-off goes with it (cascade)
    session.flush()


def _forget_mail(session: Session, user_id: int, email: str) -> None:
    """Delete the person's emails, email choices, password reset links and the invitations sent to them."""
    session.execute(delete(Email).where(or_(Email.user_id == user_id, func.lower(Email.to_address) == email))
                    .execution_options(synchronize_session=False))
    for model, column in ((EmailSettings, EmailSettings.user_id), (PasswordReset, PasswordReset.user_id)):
        session.execute(delete(model).where(column == user_id).execution_options(synchronize_session=False))
    session.execute(delete(Invitation).where(func.lower(Invitation.email) == email)
                    .execution_options(synchronize_session=False))


def _replace_email(session: Session, email: str, ref: str) -> None:
    """Name the person as "user N" wherever a post, story, photo or setting named them by email."""
    for model, name in PERSON_COLUMNS:
        column = getattr(model, name)
        session.execute(update(model).where(func.lower(column) == email).values({name: ref})
                        .execution_options(synchronize_session=False))


def _tombstone(session: Session, user: User, now: datetime) -> None:
    """Keep the user row only so its id is never reused: no email, no name, no password, no sessions."""
    user.email = f"erased-{user.id}-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
    user.display_name, user.password_hash, user.safeguarding_lead, user.erased_at = "", UNUSABLE_HASH, False, now
    user.session_generation = (user.session_generation or 0) + 1  # every session cookie of theirs stops working
    if session.get(Deactivation, user.id) is None:  # never counted as someone who can sign in or get emails
        session.add(Deactivation(user_id=user.id, deactivated_by="erased", deactivated_at=now))
    session.flush()


def purge_withdrawn(session: Session, config, now: datetime) -> int:
    """Erase the stories withdrawn more than [care] purge_withdrawn_after_days ago; return how many went.

    A story whose copies are still being taken down waits until that is done, and until the email saying so has
    gone to its storyteller, so they still hear that they are gone; the log keeps the ids, times and links the taking down needs.
    """
    days = config.care.purge_withdrawn_after_days
    under_way = exists().where(Delivery.post_id == Story.post_id, Delivery.deletion.in_(DELETION_UNDER_WAY))
    due = list(session.scalars(select(Story).where(Story.status == STORY_WITHDRAWN,
                                                   Story.withdrawn_at <= now - timedelta(days=days), ~under_way)
                               .order_by(Story.id).limit(500)))
    # "It has been taken down", held by quiet hours or for a summary, names the story: it goes out first.
    ready = [story for story in due if not emails.telling_storyteller(session, story.id, story.author_id)]
    for story in ready:
        story_id, post_id = story.id, story.post_id
        erase_story(session, config, story)
        logbook.record(session, "story_purged", post_id=post_id, at=now,
                       reason=f"story {story_id}: withdrawn more than {days} days ago, so it was erased")
    return len(ready)
