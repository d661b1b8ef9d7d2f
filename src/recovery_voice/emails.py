"""Who gets which email and when: the events that queue emails, each person's choices and quiet hours.

Every event function here only adds rows to the outbox (the emails table) in the caller's session, so an
email is queued in the same transaction as the event that causes it, and is lost or kept with it. They use
only SQL statements, so the caller may pass an ORM session or the worker's bare connection (save_choices,
for the settings page, needs a session). The worker
sends them (email_outbox.py). Password resets and invitations are always sent at once; everything else
follows the person's choice: one email per event, a daily digest, or none, held through quiet hours.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, delete, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from . import logbook
from .models import (
    PENDING,
    PUBLISHED,
    STORY_WITHDRAWN,
    Account,
    Delivery,
    DeliveryPart,
    Post,
    Story,
    EMAIL_CHOICES,
    EMAIL_DIGEST,
    EMAIL_DIGESTED,
    EMAIL_EACH,
    EMAIL_HELD,
    EMAIL_OFF,
    EMAIL_QUEUED,
    EMAIL_SENDING,
    Deactivation,
    Email,
    EmailSettings,
    User,
    utcnow,
)

ESSENTIAL = ("invitation", "password_reset", "safeguarding", "safeguarding_withdrawn")  # sent whatever a person chose, and at once
EXCERPT = 80  # characters of a post or story quoted in an email


@dataclass(frozen=True)
class Choices:
    """One person's email choices (the defaults until they change them)."""

    delivery: str = EMAIL_EACH
    quiet_start: time | None = None
    quiet_end: time | None = None


def choices(session: Session, user_id: int) -> Choices:
    """Return a person's email choices."""
    row = session.execute(select(EmailSettings.delivery, EmailSettings.quiet_start, EmailSettings.quiet_end)
                          .where(EmailSettings.user_id == user_id)).first()
    return Choices(*row) if row is not None else Choices()


class EmailSettingsProblem(ValueError):
    """Email choices that cannot be kept as given; `field` names the one to change."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def save_choices(session: Session, user_id: int, wanted: Choices) -> None:
    """Keep a person's email choices; quiet hours need both a start and an end, and they must differ."""
    if wanted.delivery not in EMAIL_CHOICES:
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
          now: datetime | None = None) -> int | None:
    """Add one email to the outbox for a person (or a bare address), as their choices say; None when they chose none.

    Quiet hours are applied when it is sent, by the worker, in the organisation's zone.
    """
    now = now or utcnow()
    if user is not None and _deactivated(session, user.id):
        return None  # someone who can no longer sign in hears nothing more from the organisation
    wanted = choices(session, user.id) if user is not None else Choices()
    essential = kind in ESSENTIAL
    if not essential and wanted.delivery == EMAIL_OFF:
        return None
    held = not essential and wanted.delivery == EMAIL_DIGEST
    return session.scalar(insert(Email).values(
        user_id=user.id if user is not None else None, to_address=address or user.email, kind=kind, facts=facts,
        status=EMAIL_HELD if held else EMAIL_QUEUED, send_after=now, message_id=message_id(), attempts=0,
        interrupted=0, created_at=now).returning(Email.id))


def _deactivated(session: Session, user_id: int) -> bool:
    """Whether this person's access has been ended (deactivated, or their account erased)."""
    return session.scalar(select(Deactivation.user_id).where(Deactivation.user_id == user_id)) is not None or \
        session.scalar(select(User.erased_at).where(User.id == user_id)) is not None


def forget_story(session: Session, story_id: int, post_id: int | None) -> None:
    """Delete the outbox's emails about a story (and its post), queued or sent, when it is withdrawn.

    Withdrawing erases a story's words, and these emails quote its title, the reviewer's note or the start of
    its text, so they must go too. One being sent at this moment is left to finish: it was already on its way.
    """
    facts = cast(Email.facts, Text)  # every event's facts name the story's or post's page by its path
    marks = [f'%/stories/{story_id}"%'] + ([f'%/posts/{post_id}"%'] if post_id is not None else [])
    about = [facts.like(mark) for mark in marks]
    if post_id is not None:  # "waiting for review" of its post points at /review and names the post by id
        about.append((Email.kind == "review_waiting") & facts.like(f'%"what": "post", "id": {post_id},%'))
    session.execute(delete(Email).where(or_(*about), Email.status != EMAIL_SENDING)
                    .execution_options(synchronize_session=False))


def telling_storyteller(session: Session, story_id: int, user_id: int) -> bool:
    """Whether an email to a storyteller about their story is still on its way: queued, held by quiet hours or for
    a summary, being sent, or carried in a summary not sent yet (a purge waits for it, so they hear it is gone)."""
    waiting = (EMAIL_QUEUED, EMAIL_HELD, EMAIL_SENDING)
    summary = aliased(Email)
    in_summary = select(summary.id).where(summary.id == Email.digest_id, summary.status.in_(waiting)).exists()
    return session.scalar(select(Email.id).where(
        Email.user_id == user_id, cast(Email.facts, Text).like(f'%/stories/{story_id}"%'),
        or_(Email.status.in_(waiting), (Email.status == EMAIL_DIGESTED) & in_summary)).limit(1)) is not None


def excerpt(text: str | None) -> str:
    """The start of a post or story, on one line, for an email to quote."""
    line = " ".join((text or "").split())
    return line if len(line) <= EXCERPT else line[:EXCERPT - 1].rstrip() + "…"


# The events ----------------------------------------------------------------------------------------------------

PERSON = (User.id, User.email, User.display_name, User.role)  # what an email needs of a person, as a row


def admins(session: Session) -> list:
    """Every admin who may still sign in (rows with id, email, display_name and role)."""
    off = select(Deactivation.user_id)
    return list(session.execute(select(*PERSON).where(User.role == "admin", User.id.not_in(off), User.erased_at.is_(None))
                                .order_by(User.id)))


def to_admins(session: Session, kind: str, facts: dict, now: datetime | None = None) -> int:
    """Queue one email for each admin; return how many were queued."""
    return sum(queue(session, kind, facts, user=admin, now=now) is not None for admin in admins(session))


def author_of(session: Session, created_by: str | None):
    """The person a post's created_by names ("user ID" or an email), if they are a person who signs in."""
    if not created_by:
        return None
    if (ref := logbook.USER_REF.fullmatch(created_by)) is not None:
        return user_by_id(session, int(ref.group(1)))
    return session.execute(select(*PERSON).where(User.email == created_by.strip().lower())).first()


def user_by_id(session: Session, user_id: int):
    """The person with this id, as a row with id, email, display_name and role (a connection works too)."""
    return session.execute(select(*PERSON).where(User.id == user_id)).first()


def _post(session: Session, post_id: int):
    """A post's text, author and status, as a row."""
    return session.execute(select(Post.id, Post.text, Post.created_by, Post.status).where(Post.id == post_id)).first()


def _story_of_post(session: Session, post_id: int):
    """The story a post was made from, if any, as a row (id, title, author_id, status)."""
    return session.execute(select(Story.id, Story.title, Story.author_id, Story.status)
                           .where(Story.post_id == post_id)).first()


def _accounts_of(session: Session, post_id: int) -> list[str]:
    """The names of the accounts a post goes to."""
    return list(session.scalars(select(Account.name).join(Delivery, Delivery.account_id == Account.id)
                                .where(Delivery.post_id == post_id).order_by(Account.name)))


def _staff_author(session: Session, created_by: str | None):
    """A post's author when they are a volunteer or an admin (storytellers hear about their story instead)."""
    author = author_of(session, created_by)
    return author if author is not None and author.role in ("volunteer", "admin") else None


def invitation(session: Session, invited, token: str, inviter_name: str, now: datetime | None = None) -> None:
    """Email an invitation's one-time link to the address invited."""
    queue(session, "invitation", {"path": f"/invite/{token}", "role": invited.role, "inviter": inviter_name,
                                  "expires": invited.expires_at.isoformat()}, address=invited.email, now=now)


def story_approved(session: Session, story_id: int, post_id: int, now: datetime | None = None) -> None:
    """Tell a storyteller their story is approved, with when and where it goes out."""
    story = session.execute(select(Story.id, Story.title, Story.author_id).where(Story.id == story_id)).first()
    due = session.scalar(select(func.min(Delivery.due_at)).where(Delivery.post_id == post_id))
    facts = {"title": story.title, "when": due.isoformat() if due else None,
             "accounts": _accounts_of(session, post_id), "path": f"/stories/{story.id}"}
    queue(session, "story_approved", facts, user=user_by_id(session, story.author_id), now=now)


def story_sent_back(session: Session, story_id: int, note: str, now: datetime | None = None) -> None:
    """Tell a storyteller their story came back to them, with the reviewer's note."""
    story = session.execute(select(Story.id, Story.title, Story.author_id).where(Story.id == story_id)).first()
    queue(session, "story_sent_back", {"title": story.title, "note": note, "path": f"/stories/{story.id}"},
          user=user_by_id(session, story.author_id), now=now)


def post_published(session: Session, post_id: int, now: datetime | None = None) -> None:
    """Once a story's post is out everywhere it was going, tell its storyteller, with the links (not if they
    withdrew it meanwhile: a send that was under way then is being deleted, and they hear when it is gone)."""
    story = _story_of_post(session, post_id)
    if story is None or story.status == STORY_WITHDRAWN or \
            session.scalar(select(Post.status).where(Post.id == post_id)) != PUBLISHED:
        return
    links = [url for url in session.scalars(select(Delivery.remote_url).where(Delivery.post_id == post_id)
                                            .order_by(Delivery.id)) if url]
    queue(session, "story_published", {"title": story.title, "links": links, "path": f"/stories/{story.id}"},
          user=user_by_id(session, story.author_id), now=now)


def taken_down(session: Session, post_id: int, reason: str | None, now: datetime | None = None) -> None:
    """Once every network's copy of a story's post is deleted, tell its storyteller."""
    story = _story_of_post(session, post_id)
    if story is None or session.scalar(select(func.count(Delivery.id)).where(
            Delivery.post_id == post_id, Delivery.deletion.is_not(None), Delivery.deletion != "deleted")):
        return
    went_out = select(DeliveryPart.id).join(Delivery, Delivery.id == DeliveryPart.delivery_id).where(
        Delivery.post_id == post_id).limit(1)
    if session.scalar(went_out) is None:
        return  # nothing of it was ever out, so nothing was taken down
    queue(session, "story_taken_down", {"title": story.title, "accounts": _accounts_of(session, post_id),
                                        "reason": reason or "", "path": f"/stories/{story.id}"},
          user=user_by_id(session, story.author_id), now=now)


def post_sent_back(session: Session, post_id: int, note: str, now: datetime | None = None) -> None:
    """Tell a post's author (a volunteer or admin) it was sent back, with the note."""
    post = _post(session, post_id)
    author = _staff_author(session, post.created_by)
    if author is not None:
        queue(session, "post_sent_back", {"excerpt": excerpt(post.text), "note": note, "path": f"/posts/{post_id}"},
              user=author, now=now)


def post_failed(session: Session, post_id: int, account: str, error: str, now: datetime | None = None) -> None:
    """Tell a post's author (a volunteer or admin) it could not be published to one account."""
    post = _post(session, post_id)
    author = _staff_author(session, post.created_by)
    if author is not None:
        queue(session, "post_failed", {"excerpt": excerpt(post.text), "account": account, "error": error,
                                       "path": f"/posts/{post_id}"}, user=author, now=now)


def post_needs_review(session: Session, post_id: int, account: str, error: str, now: datetime | None = None) -> None:
    """Tell every admin a post's outcome on one account is unknown and a person must check."""
    post = _post(session, post_id)
    to_admins(session, "post_needs_review", {"excerpt": excerpt(post.text), "account": account, "error": error,
                                             "path": f"/posts/{post_id}"}, now)


def account_needs_attention(session: Session, account: str, error: str, now: datetime | None = None) -> None:
    """Tell every admin an account's posts are held until someone fixes it."""
    to_admins(session, "account_attention", {"account": account, "error": error, "path": "/accounts"}, now)


def waiting_for_review(session: Session, what: str, item_id: int, text: str, now: datetime | None = None) -> None:
    """Tell every admin a story or post waits for them (not sent if it was dealt with before the email goes)."""
    path = f"/review/stories/{item_id}" if what == "story" else "/review"
    to_admins(session, "review_waiting", {"what": what, "id": item_id, "excerpt": excerpt(text), "path": path}, now)


def waiting_for_second_approval(session: Session, what: str, item_id: int, text: str, first: str, topics: str,
                                skipped: list[int], now: datetime | None = None) -> None:
    """Tell the admins who may give it (not the first approver, not its author) that an item waits for a second
    approval; a review_waiting email with who approved first, so it is dropped once the item is decided."""
    path = f"/review/stories/{item_id}" if what == "story" else "/review"
    facts = {"what": what, "id": item_id, "excerpt": excerpt(text), "path": path, "first": first, "topics": topics}
    for admin in admins(session):
        if admin.id not in skipped:
            queue(session, "review_waiting", facts, user=admin, now=now)


def still_waiting(session: Session, facts: dict) -> bool:
    """Whether the story or post a review_waiting email is about still waits for review."""
    table = Story if facts.get("what") == "story" else Post
    return session.scalar(select(table.status).where(table.id == facts.get("id"))) == PENDING
