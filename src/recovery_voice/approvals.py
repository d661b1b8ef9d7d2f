"""The second admin's approval: a post or story touching suicide or a death from drugs needs two admins.

The one place the rule lives, used by review.approve (posts, from the web and `posts approve`) and
stories.approve_story. The first approval is recorded on the item (first_approved_by/at; a story also
keeps the version it was given for) and the item waits; the second must come from an admin who is
neither its author nor the first approver. Editing the item clears its first approval. The saved care
result (post.care, story.care) decides whether an item needs two: every reader asks the same answer.
PostProblem messages are the command line's words; `kind` and `details` let each door say its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import emails, logbook, posts  # posts only for PostProblem: posts.edit_post calls forget_first
from .care import TOPIC_WORDS, touches_death
from .models import PENDING, Post, Story, User

SAME_ADMIN, OWN_ITEM = "same_admin", "own_item"  # the two refusals' kinds


def needs_two(item: Post | Story) -> bool:
    """Tell whether this post or story needs two admins' approval (its saved care touches a death)."""
    return touches_death(item.care)


def topic_words(item: Post | Story) -> str:
    """Say what hard topics the item touches: "suicide", "suicide and a death from drugs"."""
    return " and ".join(TOPIC_WORDS.get(topic, topic) for topic in (item.care or {}).get("topics", []))


def first_approver(item: Post | Story) -> str | None:
    """Return who gave this item's first approval, or None when it has none that stands.

    A story's first approval stands only for the version it was given for.
    """
    if not item.first_approved_by:
        return None
    if isinstance(item, Story) and item.first_approved_version != item.version:
        return None
    return item.first_approved_by


def waits_for_second(item: Post | Story) -> bool:
    """Tell whether the item has its first approval and still waits for a second admin."""
    return item.status == PENDING and needs_two(item) and first_approver(item) is not None


def author_ref(item: Post | Story) -> str | None:
    """Name the item's author as the log does: a post's created_by, a story's storyteller by user id."""
    return logbook.user_ref(item.author_id) if isinstance(item, Story) else item.created_by


def person_key(session: Session, ref: str | None) -> str | None:
    """One name per person, so "user 4", "Ada@Example.org" and "ada@example.org" are the same admin."""
    if not ref:
        return None
    user_id = _user_id(session, ref)
    return f"id {user_id}" if user_id is not None else ref.strip().lower()


def log_ref(session: Session, ref: str) -> str:
    """Name a person in a log entry's words as the log names people: "user N" when they have an account."""
    user_id = _user_id(session, ref)
    return logbook.user_ref(user_id) if user_id is not None else ref


def _user_id(session: Session, ref: str) -> int | None:
    """The id of the account a reference ("user N" or an email) names, or None for one with no account."""
    if (match := logbook.USER_REF.fullmatch(ref)) is not None:
        return int(match.group(1))
    return session.scalar(select(User.id).where(func.lower(User.email) == ref.strip().lower()))


def block(session: Session, item: Post | Story, actor: str) -> posts.PostProblem | None:
    """Return why `actor` may not give this item its second approval, or None when they may approve it."""
    first = first_approver(item) if needs_two(item) else None
    if first is None:
        return None
    what, topics, actor_key = _what(item), topic_words(item), person_key(session, actor)
    if actor_key == person_key(session, first):
        return posts.PostProblem(
            f"{what} {item.id}: you approved it first. It touches {topics}, so a different admin needs to approve "
            f"it too; ask another admin to approve {what} {item.id}",
            field="post", kind=SAME_ADMIN, what=what, topics=topics)
    if actor_key == person_key(session, author_ref(item)):
        name = display_name(session, first)
        return posts.PostProblem(
            f"{what} {item.id}: you wrote it, and it touches {topics}, so the second approval must come from an "
            f"admin who is neither its author nor {name}, who approved it first; ask another admin",
            field="post", kind=OWN_ITEM, what=what, topics=topics, first=name)
    return None


def is_first(item: Post | Story) -> bool:
    """Tell whether an approval now is this item's first of two (it needs two and has none that stands)."""
    return needs_two(item) and first_approver(item) is None


def record_first(session: Session, item: Post | Story, actor: str, now: datetime,
                 override_reason: str | None = None) -> None:
    """Record the first of two approvals, log it and tell the other admins that it waits for one of them."""
    item.first_approved_by, item.first_approved_at = actor, now
    if isinstance(item, Story):
        item.first_approved_version = item.version
    what = _what(item)
    note = f"{what} {item.id}: touches {topic_words(item)}; waits for a second admin"
    reason = f"{note}. Override reason: {override_reason.strip()}" if override_reason else note
    logbook.record(session, "first_approval", post_id=_post_id(item), actor=actor, at=now, reason=reason)
    skipped = [_user_id(session, ref) for ref in (actor, author_ref(item)) if ref]
    emails.waiting_for_second_approval(session, what, item.id, item.title if what == "story" else item.text,
                                       display_name(session, actor), topic_words(item), skipped, now)


def forget_first(session: Session, item: Post | Story, actor: str | None, now: datetime) -> None:
    """Clear an item's first approval because it was edited (the words approved are gone), and log that."""
    if not item.first_approved_by:
        return
    what, first = _what(item), item.first_approved_by
    item.first_approved_by = item.first_approved_at = None
    if isinstance(item, Story):
        item.first_approved_version = None
    logbook.record(session, "first_approval_cleared", post_id=_post_id(item),
                   actor=actor, at=now, reason=f"{what} {item.id} was edited after {log_ref(session, first)} approved "
                                                "it first; it needs two approvals again")


def display_name(session: Session, ref: str | None) -> str:
    """Name a person for the words said about an approval: their display name, else how they were named."""
    from .history import names_of  # history reads posts; here so approvals loads without it

    return names_of(session, [ref]).get(ref, ref) if ref else "someone"


def first_words(session: Session, item: Post | Story) -> str:
    """Say that an item waits for a second admin: "Sam approved this. It touches suicide, so a second admin ..."."""
    return (f"{display_name(session, first_approver(item))} approved this. It touches {topic_words(item)}, "
            "so a second admin needs to approve it too.")


def _what(item: Post | Story) -> str:
    """"post" or "story", as the words and the log name the item."""
    return "story" if isinstance(item, Story) else "post"


def _post_id(item: Post | Story) -> int | None:
    """The post a log entry is about: the post itself; none for a story still in review (its reason names it)."""
    return None if isinstance(item, Story) else item.id


def standing(session: Session, item: Post | Story, viewer: str) -> dict | None:
    """Where an item's two approvals stand, for a review page; None when it needs one approval.

    {"topics": words, "first": the first approver's name or None, "mine": whether `viewer` approved it first,
    "author": whether `viewer` wrote it}.
    """
    if not needs_two(item):
        return None
    first, viewer_key = first_approver(item), person_key(session, viewer)
    return {"topics": topic_words(item), "first": display_name(session, first) if first else None,
            "mine": first is not None and person_key(session, first) == viewer_key,
            "author": person_key(session, author_ref(item)) == viewer_key}
