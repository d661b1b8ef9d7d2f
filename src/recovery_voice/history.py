"""What happened to posts, as pages and commands show it: a post's history from the log, the posts one person made,
and every post as plain dicts (`posts list`)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import attachments, logbook
from .models import POST_STATUSES, REJECTED, Account, Attachment, Delivery, LogEntry, Post, User
from .posts import PostProblem

MAX_HISTORY = 500  # entries shown on one post's page: a limit before work (a long retry storm stays readable)


def post_history(session: Session, post_id: int, limit: int = MAX_HISTORY) -> list[LogEntry]:
    """Return the log entries about one post, oldest first (at most `limit`, the latest ones)."""
    rows = list(session.scalars(select(LogEntry).where(LogEntry.post_id == post_id)
                                .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(limit)))
    rows.reverse()
    return rows


def names_of(session: Session, refs) -> dict[str, str]:
    """Map each person reference ("user N" or an email address) to their display name, or to "a person whose
    account was erased" (logbook.names: one rule for the log and the pages)."""
    return logbook.names(session, refs)


def names_for(session: Session, refs, viewer_role: str) -> dict[str, str]:
    """The names a page may show this viewer: staff to everyone, storytellers only to admins (to others a
    storyteller's account name could undo the naming they chose for their story)."""
    names = logbook.names(session, refs)
    if viewer_role == "admin":
        return names
    ids = {int(m.group(1)) for ref in names if (m := logbook.USER_REF.fullmatch(ref))}
    tellers = set(session.scalars(select(User.id).where(User.id.in_(ids), User.role == "storyteller"))) if ids else ()
    return {ref: name for ref, name in names.items()
            if not ((m := logbook.USER_REF.fullmatch(ref)) and int(m.group(1)) in tellers)}


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


def listed(session: Session, status: str | None = None, limit: int | None = None) -> list[dict]:
    """Return posts as plain dicts, soonest first, optionally only those with `status` (posts list, the CLI)."""
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
