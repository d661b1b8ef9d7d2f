"""Who has seen my story: every time someone other than its storyteller reads or changes a story.

Each door that shows a story's words to someone else (an admin's review page, the page of a post made
from a story) or changes it (approving, sending back) calls record() in the same transaction; its
storyteller reads a plain summary, admins the whole record. A refresh is not a new reading: one "read"
per person per story in READ_AGAIN_AFTER.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import STORY_APPROVED, STORY_PENDING, STORY_REJECTED, STORY_WITHDRAWN, Post, Story, StoryView, User, utcnow

READ = "read"
APPROVED, FIRST_APPROVAL, SENT_BACK, EMAILED = "approved", "approved first", "sent back", "sent by email"
READ_AGAIN_AFTER = timedelta(minutes=10)
STORY_SOURCE = re.compile(r"story (\d+)")  # a post's source when it was made from a story
ERASED = "a person whose account was erased"


@dataclass(frozen=True)
class Seen:
    """One line of a story's record: when, who (their name and role) and what they did."""

    at: datetime
    name: str
    role: str
    what: str


def record(session: Session, story_id: int, viewer_id: int | None, what: str, now: datetime | None = None) -> bool:
    """Record that someone read or changed a story, unless they wrote it; return whether a line was added.

    A "read" within READ_AGAIN_AFTER of their last one is the same reading (a refresh, a second tab).
    """
    now = now or utcnow()
    story = session.execute(select(Story.author_id, Story.status).where(Story.id == story_id)).first()
    if story is None or viewer_id is None or viewer_id == story.author_id or story.status == STORY_WITHDRAWN:
        return False  # no story, its own storyteller, or withdrawn: its words are erased, nothing is read
    if what == READ and _read_lately(session, story_id, viewer_id, now):
        return False
    session.add(StoryView(story_id=story_id, viewer_id=viewer_id, at=now, what=what))
    return True


def _read_lately(session: Session, story_id: int, viewer_id: int, now: datetime) -> bool:
    """Whether this person read this story within READ_AGAIN_AFTER."""
    return session.scalar(select(StoryView.id).where(
        StoryView.story_id == story_id, StoryView.viewer_id == viewer_id, StoryView.what == READ,
        StoryView.at > now - READ_AGAIN_AFTER).limit(1)) is not None


def read_post(session: Session, post_id: int, viewer_id: int | None, now: datetime | None = None) -> bool:
    """Record a reading of the story a post was made from, when the post still carries its words."""
    post = session.execute(select(Post.source, Post.text).where(Post.id == post_id)).first()
    found = STORY_SOURCE.fullmatch(post.source or "") if post is not None else None
    if found is None or not post.text:
        return False  # not a story's post, or its words were erased (withdrawn or replaced)
    return record(session, int(found.group(1)), viewer_id, READ, now)


def read_listed(session: Session, post_ids: list[int], who: str, now: datetime | None = None) -> int:
    """Record readings of the stories whose posts a listing showed (the command line's `posts list`), by the person
    `who` names (their email); someone who is not a person here cannot be named in the record."""
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == (who or "").strip().lower()))
    if user_id is None or not post_ids:
        return 0
    shown = session.execute(select(Post.source).where(Post.id.in_(post_ids), Post.source.like("story %"),
                                                      Post.text != ""))
    stories = {int(found.group(1)) for (source,) in shown if (found := STORY_SOURCE.fullmatch(source))}
    return sum(record(session, story_id, user_id, READ, now) for story_id in sorted(stories))


def decided(session: Session, story_id: int, viewer_id: int | None, now: datetime | None = None) -> bool:
    """Record an admin's decision on a story, read from where it now stands (approved, approved first, sent back)."""
    story = session.get(Story, story_id)
    if story is None:
        return False
    if story.status == STORY_APPROVED:
        what = APPROVED
    elif story.status == STORY_REJECTED:
        what = SENT_BACK
    elif story.status == STORY_PENDING and getattr(story, "first_approved_by", None):
        what = FIRST_APPROVAL  # the first of two approvals (a story that touches suicide or a death from drugs)
    else:
        return False
    return record(session, story_id, viewer_id, what, now)


def record_of(session: Session, story_id: int, limit: int = 500) -> list[Seen]:
    """A story's whole record, newest first, each person by display name and role (for admins)."""
    rows = session.execute(select(StoryView.at, StoryView.what, User.display_name, User.email, User.role,
                                  User.erased_at)
                           .join(User, User.id == StoryView.viewer_id).where(StoryView.story_id == story_id)
                           .order_by(StoryView.at.desc(), StoryView.id.desc()).limit(limit))
    return [Seen(row.at, _name(row), row.role, row.what) for row in rows]


def _name(row) -> str:
    """A person as the record shows them: their display name, else their address; never an erased person."""
    if row.erased_at is not None:
        return ERASED
    return (row.display_name or "").strip() or row.email


def seen_by(session: Session, story_id: int) -> list[tuple[str, str]]:
    """Everyone who has read or changed the story, once each, in the order they first did: (name, role)."""
    first = func.min(StoryView.at).label("first")
    rows = session.execute(select(User.display_name, User.email, User.role, User.erased_at, first)
                           .join(StoryView, StoryView.viewer_id == User.id).where(StoryView.story_id == story_id)
                           .group_by(User.id, User.display_name, User.email, User.role, User.erased_at)
                           .order_by(first, User.id))
    return [(_name(row), row.role) for row in rows]
