"""Making posts: compose, language check, accounts, and a slot on the timetable for each account."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import attachments, cards, deletion, logbook
from .accounts import sync_accounts
from .compose import THEMES, TemplateProblem, load_template
from .config import Config
from .language import check
from .models import (
    CANCELLED,
    CLAIMED,
    FAILED,
    HOLDS_SLOT,
    MISSED,
    NEEDS_REVIEW,
    PAUSED,
    PENDING,
    POST_STATUSES,
    PUBLISHED,
    PUBLISHING,
    SCHEDULED,
    Account,
    Attachment,
    Delivery,
    Post,
    utcnow,
)
from .publishers.tid import new_tid
from .slots import next_free_instant
from .timetable import current_slots

MAX_TEXT = 20000
NEXT_SLOT = "next-slot"
LATEST_YEAR = 3000  # explicit times must be before this year
# Deliveries a person can move to another time (a claimed one is already on its way out).
RESCHEDULABLE = (PENDING, SCHEDULED, PAUSED)
# Deliveries only an admin who has looked at the account may put back on the queue: the outcome is unknown,
# or it was far past its time.
UNSETTLED = (NEEDS_REVIEW, MISSED)
# A post put into the "next slot" is never given one closer than this, so a person has time to look.
SLOT_LEAD = timedelta(minutes=1)


class PostProblem(Exception):
    """A post cannot be made or changed as asked; the message says what to fix."""


@dataclass
class Draft:
    """What a person asks for when they queue a post."""

    text: str | None = None
    template: str | None = None
    values: dict | None = None
    accounts: list[str] | None = None
    when: str = NEXT_SLOT
    theme: str | None = None
    content_warning: str | None = None
    voice: str = "organisation"
    images: list = field(default_factory=list)  # attachments.Attached, already stored by the door


def create_post(session: Session, config: Config, draft: Draft, *, created_by: str | None = None,
                source: str | None = None, source_digest: str | None = None, now: datetime | None = None) -> Post:
    """Turn a draft into a pending post with one delivery per account, each given its time."""
    now = now or utcnow()
    text, template_name, theme = _compose(config, draft)
    accounts = _resolve_accounts(session, config, draft.accounts)
    explicit = parse_when(draft.when, now)
    _check_images(draft.images, accounts)
    report = check(text, voice=draft.voice, settings=config.language)
    post = Post(
        status=PENDING, text=text, template=template_name, template_vars=draft.values if template_name else None,
        theme=theme, content_warning=_content_warning(draft.content_warning), when=draft.when or NEXT_SLOT,
        voice=draft.voice, findings=[f.to_dict() for f in report.findings], worst_finding=report.worst(),
        source=source, source_digest=source_digest, created_by=created_by, created_at=now,
        link_card=cards.pending_card(config, text, accounts, draft.images),  # fetched later by a worker, not here
    )
    session.add(post)
    session.flush()
    rows = attachments.attach(session, post, list(draft.images), voice=draft.voice, settings=config.language,
                              actor=created_by, now=now)
    post.worst_finding = attachments.worst(post.worst_finding, rows)
    for account in accounts:
        due = explicit or next_slot(session, config, account, now)
        session.add(Delivery(post_id=post.id, account_id=account.id, status=PENDING, due_at=due, run_at=due,
                             remote_key=new_tid()))
    logbook.record(session, "queued", post_id=post.id, actor=created_by, at=now, reason=source)
    session.flush()
    return post


def _compose(config: Config, draft: Draft) -> tuple[str, str | None, str | None]:
    """Return the post's text, template name and theme, from a template or free text."""
    if bool(draft.text) == bool(draft.template):
        raise PostProblem('give either text = "..." or template = "name" with [vars], not both or neither')
    theme = draft.theme
    if draft.template:
        try:
            template = load_template(config.templates_dir, draft.template)
            text = template.render(draft.values or {})
        except TemplateProblem as error:
            raise PostProblem(str(error)) from None
        theme = theme or template.theme
    else:
        if not isinstance(draft.text, str):
            raise PostProblem("text must be a quoted string")
        text = draft.text.strip()
    if not text:
        raise PostProblem("the post has no text")
    if len(text) > MAX_TEXT:
        raise PostProblem(f"the text is {len(text)} characters; the most a post can hold is {MAX_TEXT}")
    if theme is not None and theme not in THEMES:
        raise PostProblem(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
    return text, draft.template, theme


def _check_images(images: list, accounts: list[Account]) -> None:
    """Refuse more than four images, or alt text longer than a chosen network takes, before anything is made."""
    try:
        attachments.check_networks(images, {account.name: account.platform for account in accounts})
    except attachments.AttachmentProblem as problem:
        raise PostProblem(str(problem)) from problem


def _content_warning(value) -> str | None:
    """Check an optional content warning."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise PostProblem("content_warning must be a short quoted text (at most 500 characters)")
    return value.strip()


def _resolve_accounts(session: Session, config: Config, names) -> list[Account]:
    """Return the account rows a post goes to: those named, or every configured account."""
    rows = sync_accounts(session, config)
    if names is None:
        names = [a.name for a in config.accounts]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise PostProblem('accounts must be a list of account names, like accounts = ["outbox"]')
    chosen = []
    for name in dict.fromkeys(names):
        if name not in rows:
            raise PostProblem(f"there is no account called {name!r} (accounts: {', '.join(rows) or 'none'})")
        chosen.append(rows[name])
    return chosen


def parse_when(when, now: datetime) -> datetime | None:
    """Return the explicit time a post asks for, or None for the next free slot."""
    if when in (None, "", NEXT_SLOT):
        return None
    if isinstance(when, datetime):
        moment = when
    else:
        try:
            moment = datetime.fromisoformat(str(when))
        except ValueError:
            raise PostProblem(
                f'when must be "next-slot" or a time like "2026-05-01T09:30:00+01:00", not {when!r}'
            ) from None
    if moment.tzinfo is None:
        raise PostProblem(f"when {when!r} needs a UTC offset, like {when}+01:00, so the time is not ambiguous")
    if moment.year >= LATEST_YEAR:
        # Times near the year 9999 overflow when turned into UTC or given a margin; no real post needs one.
        raise PostProblem(f"when {when!r} is too far ahead; pick a time before the year {LATEST_YEAR}")
    if moment <= now:
        raise PostProblem(f"when {when!r} is in the past; pick a later time or use \"next-slot\"")
    return moment


def next_slot(session: Session, config: Config, account: Account, after: datetime) -> datetime:
    """Return the next timetable slot after `after` that no other post holds on this account."""
    slots = current_slots(session, config)
    if not slots:
        raise PostProblem("there are no timetable slots: an admin can add some on the Timetable page "
                          "(or [timetable] slots in the config), or give the post a time with when")
    taken = set(session.scalars(
        select(Delivery.due_at).where(
            Delivery.account_id == account.id, Delivery.status.in_(HOLDS_SLOT), Delivery.due_at > after
        )
    ))
    instant = next_free_instant(slots, config.timezone, after + SLOT_LEAD, taken)
    if instant is None:
        raise PostProblem(f"every slot in the next two years is taken on account {account.name!r}")
    return instant


def summarise(statuses: list[str]) -> str:
    """Derive an approved post's status from its deliveries' statuses."""
    present = set(statuses)
    if PAUSED in present and not present & {SCHEDULED, CLAIMED, PUBLISHING}:
        return PAUSED
    if present & {SCHEDULED, CLAIMED}:
        return SCHEDULED
    if PUBLISHING in present:
        return PUBLISHING
    if present == {PUBLISHED}:
        return PUBLISHED
    for status in (NEEDS_REVIEW, FAILED, MISSED, PUBLISHED):
        if status in present:
            return status
    return CANCELLED


def refresh_status(session: Session, post_id: int) -> str:
    """Recompute and store a post's status from its deliveries."""
    statuses = list(session.scalars(select(Delivery.status).where(Delivery.post_id == post_id)))
    status = summarise(statuses)
    session.execute(update(Post).where(Post.id == post_id).values(status=status))
    return status


def get_posts(session: Session, ids) -> list[Post]:
    """Return the posts with these ids, raising PostProblem naming any that do not exist."""
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(ids)))}
    missing = [str(i) for i in ids if i not in posts]
    if missing:
        raise PostProblem(f"there is no post with id {', '.join(missing)}")
    return [posts[i] for i in ids]


def cancel(session: Session, ids, actor: str | None = None, now: datetime | None = None) -> list[Post]:
    """Cancel posts: what has not gone out never will, and what already went out is deleted from the networks."""
    now = now or utcnow()
    posts = get_posts(session, ids)
    for post in posts:
        cancelled = stop_unsent(session, post.id, now)
        taken_down = deletion.request(session, post.id, f"post {post.id} was cancelled", actor, now)
        if not cancelled and not taken_down:
            raise PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}; there is nothing left to cancel")
        if cancelled:
            logbook.record(session, "cancelled", post_id=post.id, actor=actor, at=now)
    return posts


def stop_unsent(session: Session, post_id: int, now: datetime) -> int:
    """Cancel the post's deliveries that have not been sent; return how many."""
    # Conditional on status, so a worker that started sending a moment ago finishes and records it.
    result = session.execute(
        update(Delivery)
        .where(Delivery.post_id == post_id, Delivery.status.in_((PENDING, SCHEDULED, CLAIMED, PAUSED)))
        .values(status=CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    post = session.get(Post, post_id)
    post.status = CANCELLED if post.status == PENDING else refresh_status(session, post_id)
    return result.rowcount


def list_posts(session: Session, status: str | None = None, limit: int | None = None) -> list[dict]:
    """Return posts as plain dicts, soonest first, optionally only those with `status`."""
    if status is not None and status not in POST_STATUSES:
        raise PostProblem(f"status must be one of {', '.join(POST_STATUSES)}, not {status!r}")
    query = select(Post).order_by(Post.id)
    if status:
        query = query.where(Post.status == status)
    if limit:
        query = query.limit(limit)
    posts = list(session.scalars(query))
    names = {a.id: a.name for a in session.scalars(select(Account))}
    deliveries = _deliveries_by_post(session, [p.id for p in posts])
    images = _images_by_post(session, [p.id for p in posts])
    rows = [_post_dict(p, deliveries.get(p.id, []), names, images.get(p.id, [])) for p in posts]
    return sorted(rows, key=lambda r: (r["due_at"] or "9999", r["id"]))


def _deliveries_by_post(session: Session, post_ids: list[int]) -> dict[int, list[Delivery]]:
    """Load the deliveries of many posts in one query."""
    grouped: dict[int, list[Delivery]] = {}
    for chunk_start in range(0, len(post_ids), 500):
        chunk = post_ids[chunk_start:chunk_start + 500]
        for delivery in session.scalars(select(Delivery).where(Delivery.post_id.in_(chunk)).order_by(Delivery.id)):
            grouped.setdefault(delivery.post_id, []).append(delivery)
    return grouped


def _images_by_post(session: Session, post_ids: list[int]) -> dict[int, list[dict]]:
    """Load the images of many posts in one query per 500 posts."""
    grouped: dict[int, list[dict]] = {}
    for chunk_start in range(0, len(post_ids), 500):
        chunk = post_ids[chunk_start:chunk_start + 500]
        query = select(Attachment).where(Attachment.post_id.in_(chunk)).order_by(Attachment.post_id,
                                                                                 Attachment.position)
        for row in session.scalars(query):
            grouped.setdefault(row.post_id, []).append(attachments.describe(row))
    return grouped


def _iso(moment: datetime | None) -> str | None:
    """Format a UTC time as ISO 8601 with a Z."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _post_dict(post: Post, deliveries: list[Delivery], names: dict[int, str], images: list[dict]) -> dict:
    """Describe one post and its deliveries."""
    due = min((d.due_at for d in deliveries), default=None)
    return {
        "id": post.id,
        "status": post.status,
        "text": post.text,
        "accounts": [names[d.account_id] for d in deliveries],
        "due_at": _iso(due),
        "template": post.template,
        "theme": post.theme,
        "content_warning": post.content_warning,
        "worst_finding": post.worst_finding,
        "findings": post.findings,
        "approved_by": post.approved_by,
        "override_reason": post.override_reason,
        "source": post.source,
        "images": images,
        "deliveries": [
            {"account": names[d.account_id], "status": d.status, "due_at": _iso(d.due_at),
             "attempts": d.attempts, "url": d.remote_url, "error": d.last_error, "deletion": d.deletion}
            for d in deliveries
        ],
    }


def pause(session: Session, post_id: int, actor: str | None = None, now: datetime | None = None) -> Post:
    """Hold back an approved post's scheduled deliveries until someone resumes it."""
    now = now or utcnow()
    [post] = get_posts(session, [post_id])
    result = session.execute(update(Delivery).where(Delivery.post_id == post.id, Delivery.status == SCHEDULED)
                             .values(status=PAUSED))
    if result.rowcount == 0:
        raise PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}; only a scheduled post can be paused")
    post.status = refresh_status(session, post.id)
    logbook.record(session, "paused", post_id=post.id, actor=actor, at=now)
    return post


def resume(session: Session, config: Config, post_id: int, actor: str | None = None,
           now: datetime | None = None) -> Post:
    """Put a paused post back on the timetable; a time that passed meanwhile moves to the next free slot."""
    now = now or utcnow()
    [post] = get_posts(session, [post_id])
    paused = list(session.scalars(select(Delivery).where(Delivery.post_id == post.id, Delivery.status == PAUSED)))
    if not paused:
        raise PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}, not paused")
    for delivery in paused:
        if delivery.due_at <= now:
            delivery.due_at = next_slot(session, config, session.get(Account, delivery.account_id), now)
        delivery.status, delivery.run_at = SCHEDULED, delivery.due_at
    session.flush()
    post.status = refresh_status(session, post.id)
    logbook.record(session, "resumed", post_id=post.id, actor=actor, at=now)
    return post


def reschedule(session: Session, config: Config, post_id: int, when, actor: str | None = None,
               now: datetime | None = None, *, account: str | None = None, unsettled: bool = False) -> Post:
    """Move a post that has not gone out to a new time, or to the next free slot on each account.

    With `unsettled` (an admin who checked the account), deliveries in needs_review or missed move too and go
    back on the queue; with `account`, only that account's delivery moves.
    """
    now = now or utcnow()
    [post] = get_posts(session, [post_id])
    explicit = parse_when(when, now)
    movable = _movable(session, post.id, account, unsettled)
    if not movable:
        where = f" on account {account!r}" if account else ""
        raise PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}{where}; there is nothing left to move")
    requeues = any(delivery.status in UNSETTLED for delivery in movable)
    for delivery in movable:
        due = explicit or next_slot(session, config, session.get(Account, delivery.account_id), now)
        kind = UNSETTLED if delivery.status in UNSETTLED else RESCHEDULABLE
        values = requeued(delivery, due) if kind is UNSETTLED else {"due_at": due, "run_at": due}
        # Conditional on status, so a delivery a worker claimed a moment ago is left alone.
        session.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.status.in_(kind))
                        .values(**values))
    post.when = explicit.isoformat() if explicit else NEXT_SLOT
    session.flush()
    if requeues:
        post.status = refresh_status(session, post.id)
    logbook.record(session, "rescheduled", post_id=post.id, actor=actor, at=now, reason=post.when,
                   account=account)
    return post


def _movable(session: Session, post_id: int, account: str | None, unsettled: bool) -> list[Delivery]:
    """The post's deliveries a reschedule moves: not yet out, or (for an admin) unsettled and not being taken down."""
    statuses = RESCHEDULABLE + (UNSETTLED if unsettled else ())
    query = select(Delivery).where(Delivery.post_id == post_id, Delivery.status.in_(statuses)).order_by(Delivery.id)
    if account is not None:
        query = query.join(Account, Account.id == Delivery.account_id).where(Account.name == account)
    return [d for d in session.scalars(query) if d.status not in UNSETTLED or d.deletion is None]


def requeued(delivery: Delivery, due: datetime) -> dict:
    """The values that put a needs-review or missed delivery back on the queue at `due`, its attempts kept.

    The delivery keeps its keys, on purpose. X has none, so there is nothing to renew: the admin's check is the
    only guard. Mastodon's Idempotency-Key is kept for an hour from the status it created: if the admin's check
    was wrong and the lost call did create it less than an hour ago, the resend gets that status back instead of
    a second; if nothing was created, nothing is stored under the key and the resend posts normally. Bluesky's
    record key is permanent: creating it again is refused and the publisher looks the record up, so a resend can
    never make a second post. A fresh key would throw both guards away. The first-send time is cleared, so the
    worker measures the key's window from this send, the earliest a status can now be created under it.
    """
    if delivery.consent_ends_at is not None and due >= delivery.consent_ends_at:
        raise PostProblem(f"the storyteller's consent ends at {delivery.consent_ends_at:%Y-%m-%d %H:%M} UTC, "
                          "so it cannot go out then")
    return {"status": SCHEDULED, "due_at": due, "run_at": due, "claimed_by": None, "claimed_at": None,
            "finished_at": None, "last_error": None, "sending_part": None, "sending_since": None}
