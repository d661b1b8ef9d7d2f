"""Making posts: compose, language check, accounts, and a slot on the timetable for each account."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import approvals, attachments, cards, care, deletion, emails, logbook, pausing
from .accounts import sync_accounts
from .compose import MAX_FIELD_LENGTH, THEMES, TemplateProblem, load_template
from .config import Config
from .language import check
from .models import (
    CANCELLED,
    CLAIMED,
    DRAFT,
    FAILED,
    HOLDS_SLOT,
    MISSED,
    NEEDS_REVIEW,
    PAUSED,
    PENDING,
    PUBLISHED,
    PUBLISHING,
    REJECTED,
    SCHEDULED,
    Account,
    Attachment,
    Delivery,
    DeliveryPart,
    Post,
    Story,
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
    """A post cannot be made or changed as asked; the message (the command line's words) says what to fix.

    `field` names the part at fault as Draft names it ("text", "values.NAME", "accounts", "when", "content_warning",
    "images"; review adds "override_reason" and "reason") and `kind` what is wrong ("missing", "too_long", "past",
    ...), so each door can say it in its own words.
    """

    def __init__(self, message: str, field: str | None = None, kind: str = "", **details):
        super().__init__(message)
        self.field, self.kind, self.details = field, kind, details


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
                source: str | None = None, source_digest: str | None = None, now: datetime | None = None,
                as_draft: bool = False) -> Post:
    """Turn a draft into a pending post with one delivery per account, each given its time.

    With `as_draft`, it is only kept for its author: no deliveries, no slot, not waiting for approval.
    """
    now = now or utcnow()
    text, template_name, theme, accounts, explicit = _checked(session, config, draft, now, as_draft)
    _check_images(draft.images, accounts)
    post = Post(status=DRAFT if as_draft else PENDING, voice=draft.voice, source=source, source_digest=source_digest,
                created_by=created_by, created_at=now)
    _fill(post, config, draft, (text, template_name, theme), accounts, draft.images)
    session.add(post)
    session.flush()
    rows = attachments.attach(session, post, list(draft.images), voice=draft.voice, settings=config.language,
                              actor=created_by, now=now)
    post.worst_finding = attachments.worst(post.worst_finding, rows)
    if not as_draft:
        _make_deliveries(session, config, post, accounts, explicit, now)
    logbook.record(session, "drafted" if as_draft else "queued", post_id=post.id, actor=created_by, at=now,
                   reason=source)
    if not as_draft:
        emails.waiting_for_review(session, "post", post.id, post.text, now)
    session.flush()
    return post


def _checked(session: Session, config: Config, draft: Draft, now: datetime, as_draft: bool) -> tuple:
    """Return (text, template, theme, accounts, explicit time) for a post to queue, or what a draft needs."""
    if as_draft:
        return (*_compose_draft(config, draft), _draft_accounts(session, config, draft.accounts), None)
    text, template_name, theme = _compose(config, draft)
    accounts = _resolve_accounts(session, config, draft.accounts)
    return text, template_name, theme, accounts, pausing.open_day(session, config, parse_when(draft.when, now))


def _fill(post: Post, config: Config, draft: Draft, composed: tuple, accounts: list[Account], images) -> None:
    """Put the draft's words, their language check and care result, its accounts and its time on the post."""
    text, template_name, theme = composed
    report = check(text, voice=draft.voice, settings=config.language) if text else None
    post.text, post.template, post.theme = text, template_name, theme
    post.template_vars = draft.values if template_name else None
    post.content_warning, post.when = _content_warning(draft.content_warning), draft.when or NEXT_SLOT
    post.findings = [f.to_dict() for f in report.findings] if report else []
    post.worst_finding = report.worst() if report else None
    # The one care answer every later reader uses (the second approval, the footer, the pages).
    post.care = care.assess(text, voice=draft.voice, region=config.region) if text else None
    post.chosen_accounts = [account.name for account in accounts]
    post.link_card = cards.pending_card(config, text, accounts, images)  # fetched later by a worker, not here


def _make_deliveries(session: Session, config: Config, post: Post, accounts: list[Account],
                     explicit: datetime | None, now: datetime) -> None:
    """Give the post a pending delivery on each account at its time; a delivery kept from before starts afresh."""
    kept = {d.account_id: d for d in session.scalars(select(Delivery).where(Delivery.post_id == post.id))}
    for account in accounts:
        due = explicit or next_slot(session, config, account, now)
        delivery = kept.get(account.id)
        if delivery is None:
            session.add(Delivery(post_id=post.id, account_id=account.id, status=PENDING, due_at=due, run_at=due,
                                 remote_key=new_tid()))
            continue
        # A new key: the text changed, so nothing sent under the old one may stand for this version.
        for name, value in dict(status=PENDING, due_at=due, run_at=due, attempts=0, claimed_by=None,
                                claimed_at=None, finished_at=None, last_error=None, remote_id=None, remote_url=None,
                                remote_key=new_tid(), sending_part=None, sending_since=None).items():
            setattr(delivery, name, value)
        session.flush()  # so the next account's free slot sees this one's


def _compose_draft(config: Config, draft: Draft) -> tuple[str, str | None, str | None]:
    """Compose a draft: a template may still have empty fields (its text is then made when it is queued)."""
    if draft.template and not any(str(value).strip() for value in (draft.values or {}).values()):
        raise PostProblem("fill in at least one field before saving a draft", field="values", kind="empty")
    try:
        return _compose(config, draft)
    except PostProblem as problem:
        if draft.template and problem.kind == "missing" and (problem.field or "").startswith("values."):
            return "", draft.template, draft.theme
        raise


def _draft_accounts(session: Session, config: Config, names) -> list[Account]:
    """The accounts a draft names, which may be none yet."""
    return [] if names == [] else _resolve_accounts(session, config, names)


def _compose(config: Config, draft: Draft) -> tuple[str, str | None, str | None]:
    """Return the post's text, template name and theme, from a template or free text."""
    if bool(draft.text) == bool(draft.template):
        raise PostProblem('give either text = "..." or template = "name" with [vars], not both or neither',
                          field="text", kind="both" if draft.text else "missing")
    theme = draft.theme
    if draft.template:
        try:
            template = load_template(config.templates_dir, draft.template)
            text = template.render(draft.values or {})
        except TemplateProblem as error:
            where = f"values.{error.field}" if error.field else "template"
            raise PostProblem(str(error), field=where, kind=error.kind, limit=MAX_FIELD_LENGTH) from None
        theme = theme or template.theme
    else:
        if not isinstance(draft.text, str):
            raise PostProblem("text must be a quoted string", field="text", kind="invalid")
        text = draft.text.strip()
    if not text:
        raise PostProblem("the post has no text", field="text", kind="missing")
    if len(text) > MAX_TEXT:
        raise PostProblem(f"the text is {len(text)} characters; the most a post can hold is {MAX_TEXT}",
                          field="text", kind="too_long", limit=MAX_TEXT, length=len(text))
    if theme is not None and theme not in THEMES:
        raise PostProblem(f"theme must be one of {', '.join(THEMES)}, not {theme!r}", field="theme", kind="invalid")
    return text, draft.template, theme


def _check_images(images: list, accounts: list[Account]) -> None:
    """Refuse more than four images, or alt text longer than a chosen network takes, before anything is made."""
    try:
        attachments.check_networks(images, {account.name: account.platform for account in accounts})
    except attachments.AttachmentProblem as problem:
        raise PostProblem(str(problem), field="images", kind=problem.kind) from problem


def _content_warning(value) -> str | None:
    """Check an optional content warning."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise PostProblem("content_warning must be a short quoted text (at most 500 characters)",
                          field="content_warning", kind="too_long", limit=500)
    return value.strip()


def _resolve_accounts(session: Session, config: Config, names) -> list[Account]:
    """Return the account rows a post goes to: those named, or every configured account."""
    rows = sync_accounts(session, config)
    if names is None:
        names = [a.name for a in config.accounts]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise PostProblem('accounts must be a list of account names, like accounts = ["outbox"]',
                          field="accounts", kind="missing" if names == [] else "invalid")
    chosen = []
    for name in dict.fromkeys(names):
        if name not in rows:
            raise PostProblem(f"there is no account called {name!r} (accounts: {', '.join(rows) or 'none'})",
                              field="accounts", kind="unknown")
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
                f'when must be "next-slot" or a time like "2026-05-01T09:30:00+01:00", not {when!r}',
                field="when", kind="invalid") from None
    if moment.tzinfo is None:
        raise PostProblem(f"when {when!r} needs a UTC offset, like {when}+01:00, so the time is not ambiguous",
                          field="when", kind="invalid")
    if moment.year >= LATEST_YEAR:
        # Times near the year 9999 overflow when turned into UTC or given a margin; no real post needs one.
        raise PostProblem(f"when {when!r} is too far ahead; pick a time before the year {LATEST_YEAR}",
                          field="when", kind="too_far")
    if moment <= now:
        raise PostProblem(f"when {when!r} is in the past; pick a later time or use \"next-slot\"",
                          field="when", kind="past")
    return moment


def chosen_when(choice: str | None, typed: datetime | None) -> str:
    """What a form's "when" asks for: a typed time always wins over "next free slot"; "at a time" needs one."""
    if typed is not None:
        return typed.isoformat()
    if choice == "at":
        raise PostProblem("choose the date and time it should go out, or pick the next free slot",
                          field="when", kind="missing")
    return NEXT_SLOT


def next_slot(session: Session, config: Config, account: Account, after: datetime) -> datetime:
    """Return the next timetable slot after `after` that no other post holds on this account."""
    slots = current_slots(session, config)
    if not slots:
        raise PostProblem("there are no timetable slots: an admin can add some on the Timetable page "
                          "(or [timetable] slots in the config), or give the post a time with when",
                          field="when", kind="no_slots")
    taken = set(session.scalars(
        select(Delivery.due_at).where(
            Delivery.account_id == account.id, Delivery.status.in_(HOLDS_SLOT), Delivery.due_at > after
        )
    ))
    instant = next_free_instant(slots, config.timezone, after + SLOT_LEAD, taken, pausing.closed_spans(session, after))
    if instant is None:
        raise PostProblem(f"every slot in the next two years is taken on account {account.name!r}",
                          field="when", kind="full", account=account.name)
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


# Deliveries that an edit takes off the timetable: none of them has reached a network.
UNSENT = (PENDING, SCHEDULED, PAUSED, FAILED, MISSED)
# A post in one of these may have gone out, or is going out now: its words can no longer change.
GONE_OUT = (CLAIMED, PUBLISHING, PUBLISHED, NEEDS_REVIEW)


def edit_post(session: Session, config: Config, post_id: int, draft: Draft, *, actor: str | None,
              queue: bool = True, now: datetime | None = None) -> Post:
    """Change a post that has gone out nowhere, then send it for approval (again) or keep it as a draft.

    An approved post is taken off the timetable and waits for approval again, as an edited story does; its
    images become the draft's. Refused once any of it may have reached a network. The admins are told it waits
    unless it was waiting already.
    """
    now = now or utcnow()
    [post] = get_posts(session, [post_id])
    check_changeable(session, post)
    was, draft = post.status, replace(draft, voice=post.voice)
    text, template_name, theme, accounts, explicit = _checked(session, config, draft, now, not queue)
    _check_images(draft.images, accounts)
    _take_off_timetable(session, post, now)
    _fill(post, config, draft, (text, template_name, theme), accounts, draft.images)
    post.worst_finding = attachments.worst(post.worst_finding, _replace_images(session, config, post, draft, actor,
                                                                              now))
    post.approved_by = post.approved_at = post.override_reason = None
    approvals.forget_first(session, post, actor, now)  # the words a first admin approved are gone
    post.status = PENDING if queue else DRAFT
    if queue:
        _make_deliveries(session, config, post, accounts, explicit, now)
    logbook.record(session, "edited", post_id=post.id, actor=actor, at=now, reason=_edit_note(was, queue))
    if queue and was != PENDING:  # a post already waiting was announced when it began to wait
        emails.waiting_for_review(session, "post", post.id, post.text, now)
    session.flush()
    return post


def check_changeable(session: Session, post: Post) -> None:
    """Raise PostProblem, refusing to change a story's post, a cancelled one, or one any of which may have reached a network."""
    if session.scalar(select(Story.id).where(Story.post_id == post.id).limit(1)) is not None:
        raise PostProblem(f"post {post.id} was made from a story; only its storyteller can change it",
                          field="post", kind="story")
    if post.status == CANCELLED:
        raise PostProblem(f"post {post.id} was cancelled; write a new post instead", field="post", kind="cancelled")
    out = session.scalar(select(Delivery.id).where(Delivery.post_id == post.id, Delivery.status.in_(GONE_OUT))
                         .limit(1))
    parts = session.scalar(select(DeliveryPart.id).join(Delivery, Delivery.id == DeliveryPart.delivery_id)
                           .where(Delivery.post_id == post.id).limit(1))
    if out is not None or parts is not None:
        raise PostProblem(f"post {post.id} has gone out (or is going out now), so it can no longer be changed; "
                          "cancel it to take it down, or write a new post", field="post", kind="published")


def _replace_images(session: Session, config: Config, post: Post, draft: Draft, actor: str | None,
                    now: datetime) -> list[Attachment]:
    """Give the post the draft's images in place of its own (a file nothing uses is swept a day later)."""
    for row in session.scalars(select(Attachment).where(Attachment.post_id == post.id)):
        session.delete(row)
    session.flush()
    rows = attachments.attach(session, post, list(draft.images), voice=draft.voice, settings=config.language,
                              actor=actor, now=now)
    session.expire(post, ["images"])
    return rows


def _take_off_timetable(session: Session, post: Post, now: datetime) -> None:
    """Cancel the post's unsent deliveries, so they free their slots; refuse if a worker took one meanwhile."""
    # Conditional on status, so a delivery a worker claimed a moment ago is left alone, and the edit refused.
    session.execute(update(Delivery).where(Delivery.post_id == post.id, Delivery.status.in_(UNSENT))
                    .values(status=CANCELLED, finished_at=now).execution_options(synchronize_session=False))
    session.expire(post, ["deliveries"])
    check_changeable(session, post)


def _edit_note(was: str, queue: bool) -> str:
    """Say in the log what an edit did to the post's place in the pipeline."""
    if not queue:
        return "saved as a draft"
    if was in (SCHEDULED, PAUSED):
        return "it was approved: taken off the timetable, waiting for approval again"
    return "sent for approval again" if was in (REJECTED, FAILED, MISSED) else "sent for approval"


def list_posts(session: Session, status: str | None = None, limit: int | None = None) -> list[dict]:
    """Return posts as plain dicts, soonest first, optionally only those with `status` (history.listed)."""
    from .history import listed  # history reads posts; imported here so neither module needs the other first

    return listed(session, status, limit)


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
    explicit = pausing.open_day(session, config, parse_when(when, now))  # never onto a blackout day
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
