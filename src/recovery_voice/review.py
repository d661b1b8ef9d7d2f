"""Review: approving posts (the language gate lives here) and rejecting them with a reason."""

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import approvals, attachments, emails, logbook
from .config import Config
from .models import CANCELLED, PENDING, REJECTED, SCHEDULED, Account, Delivery, Post, utcnow
from .posts import NEXT_SLOT, PostProblem, get_posts, next_slot, refresh_status

MIN_REASON = 10
MAX_REASON = 2000  # an override reason or a note: a sentence or a paragraph, never a pasted document


def check_length(text: str | None, field: str) -> None:
    """Refuse a reason or note longer than MAX_REASON, before any work (`field` names which)."""
    if text and len(text) > MAX_REASON:
        raise PostProblem(f"the {field.replace('_', ' ')} is {len(text)} characters; keep it to {MAX_REASON}",
                          field=field, kind="too_long", limit=MAX_REASON, length=len(text))


def approval_problem(post: Post, override_reason: str | None) -> str | None:
    """Say why a post cannot be approved as asked, or return None when it can."""
    problem = approval_block(post, override_reason)
    return str(problem) if problem else None


def approval_block(post: Post, override_reason: str | None) -> PostProblem | None:
    """Return why a post cannot be approved as asked (field and kind for a door's own words), or None when it can.

    The one place the rule lives: a language error blocks approval unless a person writes why
    publishing it anyway is right.
    """
    if post.status != PENDING:
        return PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}, not waiting for approval",
                           field="post", kind="not_waiting", status=post.status)
    if post.worst_finding != "error":
        return None
    if override_reason and len(override_reason.strip()) >= MIN_REASON:
        return None
    text_errors = [f"\"{f['text']}\" ({f['rule']}): {f['message'].rstrip('.')}" for f in post.findings
                   if f["severity"] == "error"]
    errors = "; ".join(text_errors + attachments.gate_problems(post.images))
    if override_reason:
        return PostProblem(f"post {post.id}: the override reason is too short; say in a sentence why it should go "
                           "out as it is", field="override_reason", kind="too_short", minimum=MIN_REASON)
    what = "a language error" if text_errors else "an image that needs attention"
    return PostProblem(f"post {post.id} has {what}: {errors}. Change it, or approve with "
                       f"--override-reason \"...\" saying why it should go out as it is",
                       field="override_reason", kind="missing", language=bool(text_errors))


def check_override(item_id: int, worst: str | None, override_reason: str | None, what: str = "post") -> None:
    """Refuse to approve an item with an error finding unless a reason of a sentence says why (for an item that is
    not yet a post: a story's first approval); approval_block says the same for a post, naming each error."""
    if worst != "error" or (override_reason and len(override_reason.strip()) >= MIN_REASON):
        return
    if override_reason:
        raise PostProblem(f"{what} {item_id}: the override reason is too short; say in a sentence why it should go "
                          "out as it is", field="override_reason", kind="too_short", minimum=MIN_REASON)
    raise PostProblem(f"{what} {item_id} has a language error or an image that needs attention. Change it, or "
                      "approve with an override reason saying why it should go out as it is",
                      field="override_reason", kind="missing", language=True)


def seen_mark(post: Post) -> str:
    """A digest of what a reviewer reads of a post: its words, warning, accounts, time and images."""
    seen = [post.text, post.content_warning, post.chosen_accounts, post.when,
            [[i.position, i.digest, i.alt, i.decorative, i.part] for i in post.images]]
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _check_unchanged(posts: list[Post], seen: str | None) -> None:
    """Refuse a decision on a waiting post changed since the reviewer read it (`seen`: its seen_mark then)."""
    for post in posts:
        if seen is not None and post.status == PENDING and seen != seen_mark(post):
            raise PostProblem(f"post {post.id} was changed after you opened it; read it again and decide",
                              field="post", kind="changed")


def approve(session: Session, config: Config, ids, actor: str,
            override_reason: str | None = None, now: datetime | None = None, seen: str | None = None) -> list[Post]:
    """Approve posts, all or none: each is scheduled for its time on every account.

    A post touching suicide or a death from drugs needs two admins (approvals.py): the first approval is recorded
    and the post stays pending (approvals.waits_for_second tells); the second schedules it. `seen` is the seen_mark
    of the post as the approver read it (the web form sends it): one changed since is refused, so nobody approves
    words they never saw.
    """
    now = now or utcnow()
    check_length(override_reason, "override_reason")
    posts = get_posts(session, ids)
    _check_unchanged(posts, seen)
    problems = [p for p in (approval_block(post, override_reason) or approvals.block(session, post, actor)
                            for post in posts) if p]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise PostProblem("\n".join(str(p) for p in problems))
    for post in posts:
        if approvals.is_first(post):  # it touches a death: it waits, still pending, for a second admin
            overriding = override_reason if post.worst_finding == "error" else None
            approvals.record_first(session, post, actor, now, overriding)
        else:
            _approve_one(session, config, post, actor, override_reason, now)
    return posts


def _approve_one(session: Session, config: Config, post: Post, actor: str, reason: str | None, now: datetime):
    """Schedule one post's deliveries and log who approved it and why."""
    overriding = post.worst_finding == "error"
    post.approved_by, post.approved_at = actor, now
    post.override_reason = reason.strip() if overriding else None
    deliveries = session.scalars(select(Delivery).where(Delivery.post_id == post.id, Delivery.status == PENDING))
    for delivery in deliveries:
        # A "next slot" that passed while the post waited for approval moves to the next free one.
        if post.when == NEXT_SLOT and delivery.due_at <= now:
            delivery.due_at = next_slot(session, config, session.get(Account, delivery.account_id), now)
        delivery.status, delivery.run_at = SCHEDULED, delivery.due_at
    session.flush()
    post.status = refresh_status(session, post.id)
    acknowledged = ", ".join(sorted({f["rule"] for f in post.findings if f["severity"] == "warning"}))
    without_alt = ", ".join(str(image.position) for image in post.images if attachments.needs_alt(image))
    notes = [f"warnings acknowledged: {acknowledged}" if acknowledged else "",
             f"approved without alt text on image {without_alt}" if without_alt else "",
             f"second approval; {approvals.log_ref(session, post.first_approved_by)} approved it first"
             if approvals.needs_two(post) and post.first_approved_by else ""]
    logbook.record(
        session, "approved_override" if overriding else "approved", post_id=post.id, actor=actor,
        approved_by=actor, reason=post.override_reason,
        error="; ".join(note for note in notes if note) or None, at=now,
    )


def reject(session: Session, ids, actor: str, reason: str, now: datetime | None = None,
           seen: str | None = None) -> list[Post]:
    """Reject posts waiting for approval, with a reason the author will see (refused if changed since `seen`)."""
    now = now or utcnow()
    check_length(reason, "reason")
    if not reason or len(reason.strip()) < MIN_REASON:
        raise PostProblem("say in a sentence why the post is rejected, so its author knows what to change",
                          field="reason", kind="too_short" if reason and reason.strip() else "missing",
                          minimum=MIN_REASON)
    posts = get_posts(session, ids)
    _check_unchanged(posts, seen)
    for post in posts:
        if post.status != PENDING:
            raise PostProblem(f"post {post.id} is {post.status.replace('_', ' ')}, not waiting for approval",
                              field="post", kind="not_waiting", status=post.status)
    for post in posts:
        for delivery in post.deliveries:
            delivery.status, delivery.finished_at = CANCELLED, now
        post.status = REJECTED
        logbook.record(session, "rejected", post_id=post.id, actor=actor, reason=reason.strip(), at=now)
        emails.post_sent_back(session, post.id, reason.strip(), now)
    return posts
