"""Everything the organisation holds about one person, as one zip archive of JSON files and their photos.

Any role may download theirs (the web's "Your data" page); an admin handling a request by email writes
one with `recovery-voice users export`. The archive is written straight to the file object it is given
(memory for the web, the output file for the command line): nothing is left on disk.
"""

import io
import json
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import attachments, emails, logbook, media, versions
from .models import (
    Account,
    Attachment,
    Deactivation,
    Delivery,
    DeliveryPart,
    Email,
    LogEntry,
    Post,
    Story,
    StoryView,
    User,
    utcnow,
)

MAX_DOWNLOAD_BYTES = 200_000_000  # the web builds the archive in memory: above this it refuses before any work
MAX_LOG_ENTRIES = 100_000  # the log entries one archive carries, newest kept (a limit before work)
README = """\
Everything {org} holds about you
================================

This archive was made on {made} (UTC) for the account {email}.
Each file is plain text in JSON, which any text editor opens; times are in UTC.

account.json         Your account: email address, name, role, when it was made, whether you can sign in.
email-settings.json  The emails you chose to get, and your quiet hours.
emails.json          The emails we hold that were written to you (we keep sent ones for 30 days); for
                     volunteers and admins only what kind and when, as their words quote other people.
stories.json         Your stories: every version as you wrote it, how you chose to be named, where they may
                     be shared and until when, when you signed off the final text, and the photos with
                     their descriptions (the photo files are in the photos folder).
publishing.json      Where and when each story went out: the account, the times, the links, and whether
                     and when it was taken down again.
story-views.json     Who else read or changed each of your stories, and when.
posts.json           Posts you wrote for the organisation (volunteers and admins), with their images.
log.json             The lines of the publishing log that are about you or your stories. The log names
                     you as "{ref}", never by email.
photos/              The photo files, as we stored them (without the hidden details a camera adds).

If anything here is wrong, or you want it erased, you can erase your account on the "Your data" page,
or ask {org}.
"""


class ExportTooLarge(ValueError):
    """The archive would be too large to build for a web download; the message says what to do instead."""


def archive_bytes(session: Session, config, user: User, now: datetime | None = None) -> bytes:
    """Build a person's archive in memory, refusing one over MAX_DOWNLOAD_BYTES before any work."""
    size = estimated_size(session, config, user)
    if size > MAX_DOWNLOAD_BYTES:
        raise ExportTooLarge(f"your data is about {size // 1_000_000} MB, too large to download here; "
                             f"ask an admin at {config.organisation_name} to send it to you")
    buffer = io.BytesIO()
    write_archive(session, config, user, buffer, now)
    return buffer.getvalue()


def estimated_size(session: Session, config, user: User) -> int:
    """The bytes the photo files of a person's stories and posts take up (the rest is small beside them)."""
    return sum(_photo_size(config.media_dir, row.digest) for row in _photos(session, user))


def _photo_size(media_dir: Path, digest: str) -> int:
    """The size of one stored photo file, or 0 if it is gone."""
    try:
        return media.find_stored(media_dir, digest).path.stat().st_size
    except FileNotFoundError:
        return 0


def write_archive(session: Session, config, user: User, target, now: datetime | None = None) -> None:
    """Write the zip archive of everything held about `user` to a binary file object."""
    now = now or utcnow()
    stories = list(session.scalars(select(Story).where(Story.author_id == user.id).order_by(Story.id)))
    files = {
        "account.json": account(session, user),
        "email-settings.json": email_settings(session, user),
        "emails.json": emails_to(session, user),
        "stories.json": [story_record(session, story) for story in stories],
        "publishing.json": [publishing(session, story) for story in stories],
        "story-views.json": [{"story_id": story.id, "title": story.title, "seen": views(session, story.id)}
                             for story in stories],
        "posts.json": posts_by(session, user),
        "log.json": log_about(session, user, stories),
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(org=config.organisation_name, made=_iso(now),
                                                     email=user.email, ref=logbook.user_ref(user.id)))
        for name, content in files.items():
            archive.writestr(name, json.dumps(content, indent=2, ensure_ascii=False, default=_plain))
        _write_photos(archive, config.media_dir, _photos(session, user))


def account(session: Session, user: User) -> dict:
    """The person's account as we hold it."""
    off = session.get(Deactivation, user.id)
    return {"id": user.id, "log_name": logbook.user_ref(user.id), "email": user.email,
            "display_name": user.display_name, "role": user.role, "created_at": user.created_at,
            "safeguarding_lead": bool(user.safeguarding_lead), "can_sign_in": off is None,
            "access_ended_at": off.deactivated_at if off is not None else None}


def email_settings(session: Session, user: User) -> dict:
    """The person's email choices (the defaults when they never changed them)."""
    chosen = emails.choices(session, user.id)
    return {"delivery": chosen.delivery, "quiet_start": chosen.quiet_start, "quiet_end": chosen.quiet_end}


def emails_to(session: Session, user: User) -> list[dict]:
    """The emails the outbox holds for the person; their words only for a storyteller, whose emails are about
    their own stories (staff's quote other people's stories, which are not theirs to take away)."""
    rows = session.scalars(select(Email).where(or_(Email.user_id == user.id, Email.to_address == user.email))
                           .order_by(Email.id))
    own = user.role == "storyteller"
    return [{"kind": e.kind, "to": e.to_address, "status": e.status, "queued_at": e.created_at,
             "sent_at": e.sent_at, **({"subject": e.subject, "text": e.body_text} if own else {})} for e in rows]


def story_record(session: Session, story: Story) -> dict:
    """One story: its current state, every version as written, consent, sign-off and photos."""
    signoff = story.signoff
    return {
        "id": story.id, "title": story.title, "text": story.text, "status": story.status,
        "version": story.version, "approved_version": story.approved_version,
        "created_at": story.created_at, "updated_at": story.updated_at, "withdrawn_at": story.withdrawn_at,
        "reviewed_at": story.reviewed_at, "review_note": story.review_note, "content_warning": story.content_warning,
        "consent": {"naming": story.naming, "shown_name": story.shown_name, "networks": list(story.networks or []),
                    "until": story.consent_until},
        "signed_off": {"version": signoff.version, "at": signoff.signed_at} if signoff is not None else None,
        "versions": [_version(row) for row in versions.of_story(session, story.id)],
        "photos": [_photo(row) for row in attachments.of_story(session, story.id)],
    }


def _version(row) -> dict:
    """One saved version of a story."""
    return {"version": row.version, "saved_at": row.saved_at, "title": row.title, "text": row.text,
            "naming": row.naming, "shown_name": row.shown_name, "networks": row.networks,
            "consent_until": row.consent_until, "content_warning": row.content_warning}


def _photo(row: Attachment) -> dict:
    """One photo: where its file is in the archive, and what was said about it."""
    return {"file": f"photos/{_photo_name(row)}", "alt_text": row.alt, "decorative": row.decorative,
            "people": attachments.PEOPLE_WORDS.get(row.people, row.people), "width": row.width,
            "height": row.height, "added_at": row.added_at}


def _photo_name(row: Attachment) -> str:
    """The name a photo has in the archive (its stored digest, so a photo used twice is there once)."""
    return row.digest + media.EXTENSIONS.get(row.mime, "")


def publishing(session: Session, story: Story) -> dict:
    """Where and when a story's post went out, each part's link, and its taking down."""
    return {"story_id": story.id, "title": story.title, "post_id": story.post_id,
            "accounts": _deliveries(session, story.post_id) if story.post_id is not None else []}


def _deliveries(session: Session, post_id: int) -> list[dict]:
    """Each account a post went to, with its parts."""
    rows = session.execute(select(Delivery, Account.name, Account.platform)
                           .join(Account, Account.id == Delivery.account_id)
                           .where(Delivery.post_id == post_id).order_by(Delivery.id)).all()
    return [{"account": name, "network": platform, "status": d.status, "due_at": d.due_at,
             "finished_at": d.finished_at, "link": d.remote_url, "taken_down": d.deletion,
             "taken_down_because": d.deletion_reason, "parts": _parts(session, d.id)} for d, name, platform in rows]


def _parts(session: Session, delivery_id: int) -> list[dict]:
    """The published parts of one delivery."""
    rows = session.scalars(select(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
                           .order_by(DeliveryPart.number))
    return [{"part": p.number, "link": p.url, "remote_id": p.remote_id, "published_at": p.published_at,
             "deleted_at": p.deleted_at} for p in rows]


def views(session: Session, story_id: int) -> list[dict]:
    """Who else read or changed a story: their name and role, when and what."""
    rows = session.execute(select(StoryView.at, StoryView.what, User.display_name, User.role, User.erased_at)
                           .join(User, User.id == StoryView.viewer_id)
                           .where(StoryView.story_id == story_id).order_by(StoryView.at, StoryView.id))
    return [{"at": at, "what": what, "who": logbook.ERASED if erased else name, "role": role}
            for at, what, name, role, erased in rows]


def posts_by(session: Session, user: User) -> list[dict]:
    """The posts the person wrote for the organisation, with their images and where they went."""
    authors = (logbook.user_ref(user.id), user.email)
    rows = session.scalars(select(Post).where(Post.created_by.in_(authors), Post.source.is_(None)
                                              | ~Post.source.like("story %")).order_by(Post.id))
    return [{"id": p.id, "status": p.status, "text": p.text, "content_warning": p.content_warning,
             "template": p.template, "theme": p.theme, "created_at": p.created_at, "approved_at": p.approved_at,
             "images": [_photo(row) for row in attachments.of_post(session, p.id)],
             "accounts": _deliveries(session, p.id)} for p in rows]


def log_about(session: Session, user: User, stories: list[Story]) -> list[dict]:
    """The log entries that name the person, or are about their stories and those stories' posts."""
    ref = logbook.user_ref(user.id)
    named = [LogEntry.actor.in_((ref, user.email)), LogEntry.approved_by.in_((ref, user.email)),
             LogEntry.reason.like(f"{ref}:%") | (LogEntry.reason == ref)]
    post_ids = [s.post_id for s in stories if s.post_id is not None]
    if post_ids:
        named.append(LogEntry.post_id.in_(post_ids))
    rows = list(session.scalars(select(LogEntry).where(or_(*named))
                                .order_by(LogEntry.id.desc()).limit(MAX_LOG_ENTRIES)))
    rows.reverse()
    story_mark = re.compile(r"story (\d+)\b")
    ours = {s.id for s in stories}
    rows += _story_entries(session, ours, {e.id for e in rows}, story_mark)
    names = logbook.display_names(session, rows)
    return [logbook.as_dict(e, names) for e in sorted(rows, key=lambda e: e.id)]


def _story_entries(session: Session, story_ids: set[int], seen: set[int], mark: re.Pattern) -> list[LogEntry]:
    """Entries whose reason names one of these stories ("story 12 ...") and were not found already."""
    found = []
    for story_id in story_ids:
        query = select(LogEntry).where(LogEntry.reason.like(f"%story {story_id}%")).limit(MAX_LOG_ENTRIES)
        found += [e for e in session.scalars(query) if e.id not in seen and
                  any(int(m.group(1)) == story_id for m in mark.finditer(e.reason or ""))]
        seen |= {e.id for e in found}
    return found


def _photos(session: Session, user: User) -> list[Attachment]:
    """The photos on the person's stories and on the posts they wrote."""
    story_ids = select(Story.id).where(Story.author_id == user.id)
    post_ids = select(Post.id).where(Post.created_by.in_((logbook.user_ref(user.id), user.email)))
    return list(session.scalars(select(Attachment).where(Attachment.story_id.in_(story_ids)
                                                         | Attachment.post_id.in_(post_ids))
                                .order_by(Attachment.id)))


def _write_photos(archive: zipfile.ZipFile, media_dir: Path, rows: list[Attachment]) -> None:
    """Copy each stored photo file into the archive once (a JPEG is already compressed: stored as it is)."""
    written = set()
    for row in rows:
        name = _photo_name(row)
        if name in written:
            continue
        try:
            stored = media.find_stored(media_dir, row.digest)
        except FileNotFoundError:
            continue  # deleted with a withdrawn story's post, or by hand: the JSON still says what it was
        archive.write(stored.path, f"photos/{name}", compress_type=zipfile.ZIP_STORED)
        written.add(name)


def _iso(moment: datetime) -> str:
    """A UTC time as ISO 8601 with a Z."""
    return moment.isoformat().replace("+00:00", "Z")


def _plain(value):
    """Turn the times and dates JSON does not know into ISO 8601 text."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in the archive")
