"""What happened to posts, as their pages show it: a post's history from the log, and the posts one person made."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import logbook
from .models import REJECTED, LogEntry, Post, User

MAX_HISTORY = 500  # entries shown on one post's page: a limit before work (a long retry storm stays readable)


def post_history(session: Session, post_id: int, limit: int = MAX_HISTORY) -> list[LogEntry]:
    """Return the log entries about one post, oldest first (at most `limit`, the latest ones)."""
    rows = list(session.scalars(select(LogEntry).where(LogEntry.post_id == post_id)
                                .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(limit)))
    rows.reverse()
    return rows


def names_of(session: Session, refs) -> dict[str, str]:
    """Map each person reference ("user N" or an email address) to their display name, where they have one."""
    refs = {ref for ref in refs if ref}
    emails = {ref.lower() for ref in refs if "@" in ref}
    ids = {int(m.group(1)) for ref in refs if (m := logbook.USER_REF.fullmatch(ref))}
    names = {}
    if emails:
        query = select(User.email, User.display_name).where(func.lower(User.email).in_(emails))
        names.update({email.lower(): name for email, name in session.execute(query) if name})
    if ids:
        query = select(User.id, User.display_name).where(User.id.in_(ids))
        names.update({logbook.user_ref(user_id): name for user_id, name in session.execute(query) if name})
    keys = {ref: ref.lower() if "@" in ref else ref for ref in refs}
    return {ref: names[key] for ref, key in keys.items() if key in names}


def posts_by(session: Session, author: str, offset: int, limit: int) -> list[Post]:
    """Return the posts a person made, newest first, drafts and sent-back ones included (one index range)."""
    return list(session.scalars(select(Post).where(Post.created_by == author).order_by(Post.id.desc())
                                .offset(offset).limit(limit)))


def sent_back_notes(session: Session, posts: list[Post]) -> dict[int, str]:
    """The reviewer's latest note on each of these posts that is sent back, by post id."""
    ids = [post.id for post in posts if post.status == REJECTED]
    if not ids:
        return {}
    rows = session.execute(select(LogEntry.post_id, LogEntry.reason).where(
        LogEntry.post_id.in_(ids), LogEntry.event == "rejected").order_by(LogEntry.id))
    return {post_id: reason for post_id, reason in rows}  # later notes overwrite earlier ones
