"""Images on posts and stories: what a person attaches, checked and stored; the gates before approval;
what the worker sends on each part.

One place for the rules both doors use: at most four images, alt text checked like any text and within
every chosen network's limit, a written answer about people in the photo, and no approval of an image
without alt text unless someone writes why (the same gate as a language error).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import media
from .language import check
from .language.model import RANK, SEVERITIES
from .models import PEOPLE_AGREED, PEOPLE_ANSWERS, PEOPLE_NONE, Attachment, Post, utcnow
from .publishers import OutgoingImage, PartImage

MAX_IMAGES = 4
MAX_ALT = 2000  # the most any network takes (Bluesky); each network's own limit is checked against the accounts
ALT_LIMITS = {"x": 1000, "mastodon": 1500, "bluesky": 2000, "outbox": 2000}
MISSING_ALT = "image-alt-missing"  # the gate's rule id for an image with neither alt text nor "decorative"
UNUSED_AFTER = timedelta(days=1)  # a stored image no post or story uses is deleted after this
_STORED_NAME = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp)")
NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "outbox": "the outbox"}  # as people write them
PEOPLE_WORDS = {PEOPLE_NONE: "no identifiable people", PEOPLE_AGREED: "identifiable people, who agreed"}


class AttachmentProblem(ValueError):
    """An image cannot be attached as asked: `position` is the image (from 1), `field` what to change."""

    def __init__(self, message: str, position: int | None = None, field: str = "file", kind: str = ""):
        super().__init__(message)
        self.position, self.field, self.kind = position, field, kind


@dataclass(frozen=True)
class NewImage:
    """An image as a person attaches it: the file's bytes and name, its alt text and their answers."""

    data: bytes
    name: str
    alt: str = ""
    decorative: bool = False
    people: str | None = None  # PEOPLE_NONE or PEOPLE_AGREED; None when not answered
    part: int = 1


@dataclass(frozen=True)
class Attached:
    """An image stored without its metadata, with what was said about it, ready to go on a post or story."""

    digest: str
    mime: str
    width: int
    height: int
    alt: str = ""
    decorative: bool = False
    people: str = PEOPLE_NONE
    part: int = 1
    name: str = ""

    @classmethod
    def of(cls, row: Attachment) -> "Attached":
        """The attached image a stored row describes (to copy a story's photos onto its post)."""
        return cls(row.digest, row.mime, row.width, row.height, row.alt, row.decorative, row.people, row.part)


# ------------------------------------------------------------------ checking and storing what people attach


def store_new(media_dir: Path, images: list[NewImage]) -> list[Attached]:
    """Check every image's answers, then store each file without metadata; all or none are stored."""
    check_count(len(images))
    for position, image in enumerate(images, start=1):
        check_answers(position, image.alt, image.decorative, image.people, image.part)
    stored: list[Attached] = []
    written: list[Path] = []
    try:
        for position, image in enumerate(images, start=1):
            stored.append(store_one(media_dir, position, image, written))
    except BaseException:
        for path in written:  # nothing half-stored: the files this call added go again
            path.unlink(missing_ok=True)
        raise
    return stored


def store_one(media_dir: Path, position: int, image: NewImage, written: list | None = None) -> Attached:
    """Store one image's file (its answers are not checked here), adding its path to `written` if this call
    wrote it; a refused file becomes an AttachmentProblem for image `position`."""
    try:
        kept = media.store(image.data, image.name, media_dir)
    except media.ImageProblem as problem:
        raise AttachmentProblem(str(problem), position, "file", problem.kind) from None
    if kept.written and written is not None:
        written.append(kept.path)
    return Attached(kept.digest, kept.mime, kept.width, kept.height, image.alt.strip(), image.decorative,
                    image.people, image.part, image.name)


def check_count(count: int) -> None:
    """Refuse more than four images."""
    if count > MAX_IMAGES:
        raise AttachmentProblem(f"attach at most {MAX_IMAGES} images, not {count}; remove {count - MAX_IMAGES}",
                                None, "file", "too-many")


def check_answers(position: int, alt, decorative: bool, people, part) -> None:
    """Refuse alt text that is too long or missing its choice, an unanswered people question or a bad part."""
    if not isinstance(alt, str):
        raise AttachmentProblem(f"image {position}: alt text must be text", position, "alt")
    if len(alt) > MAX_ALT:
        raise AttachmentProblem(f"image {position}: the alt text is {len(alt):,} characters; no network takes "
                                f"more than {MAX_ALT:,}, so shorten it", position, "alt")
    if decorative and alt.strip():
        raise AttachmentProblem(f"image {position} is marked decorative but has alt text; keep the alt text "
                                "(and untick decorative), or clear it", position, "alt")
    if people not in PEOPLE_ANSWERS:
        raise AttachmentProblem(f"image {position}: say whether anyone could be recognised in it, and if so "
                                "that they agreed to it being shared", position, "people")
    if not isinstance(part, int) or isinstance(part, bool) or not 1 <= part <= 100:
        raise AttachmentProblem(f"image {position}: part must be a number from 1 (the first post of a thread)",
                                position, "part")


def check_networks(attached: list[Attached], platforms: dict[str, str], start: int = 1) -> None:
    """Refuse more than four images, or alt text longer than a chosen account's network allows, before anything
    is scheduled. `platforms` maps each chosen account's name to its platform; `start` is the first image's
    position (a form checks one image at a time).
    """
    check_count(len(attached))
    for position, image in enumerate(attached, start=start):
        for account, platform in platforms.items():
            limit = ALT_LIMITS.get(platform, MAX_ALT)
            if len(image.alt) > limit:
                raise AttachmentProblem(
                    f"image {position}: the alt text is {len(image.alt):,} characters, but "
                    f"{NETWORK_NAMES.get(platform, platform)} "
                    f"(account {account!r}) takes at most {limit:,}; shorten it, or do not send the post there",
                    position, "alt")


# ------------------------------------------------------------------ on the database


def attach(session: Session, owner, attached: list[Attached], *, voice: str, settings, actor: str | None,
           now: datetime | None = None) -> list[Attachment]:
    """Give a post or a story (`owner`) these images in order, each alt text checked by the language check."""
    now = now or utcnow()
    key = {"post_id": owner.id} if owner.__tablename__ == "posts" else {"story_id": owner.id}
    rows = []
    for position, image in enumerate(attached, start=1):
        report = check(image.alt, voice=voice, settings=settings) if image.alt else None
        rows.append(Attachment(
            **key, position=position, digest=image.digest, mime=image.mime, width=image.width, height=image.height,
            alt=image.alt, decorative=image.decorative, people=image.people, part=image.part,
            findings=[f.to_dict() for f in report.findings] if report else [],
            worst_finding=report.worst() if report else None, added_by=actor, added_at=now))
    session.add_all(rows)
    session.flush()
    return rows


def of_post(session: Session, post_id: int) -> list[Attachment]:
    """A post's images in order."""
    return list(session.scalars(select(Attachment).where(Attachment.post_id == post_id)
                                .order_by(Attachment.position)))


def of_story(session: Session, story_id: int) -> list[Attachment]:
    """A story's photos in order."""
    return list(session.scalars(select(Attachment).where(Attachment.story_id == story_id)
                                .order_by(Attachment.position)))


def worst(text_worst: str | None, rows) -> str | None:
    """The worst finding of a text and its images together; an image without alt text counts as an error."""
    ranks = [RANK[text_worst]] if text_worst else []
    for row in rows:
        if needs_alt(row):
            ranks.append(RANK["error"])
        elif row.worst_finding:
            ranks.append(RANK[row.worst_finding])
    return SEVERITIES[max(ranks)] if ranks else None


def needs_alt(row) -> bool:
    """Whether an image has no alt text and was not marked decorative."""
    return not row.alt.strip() and not row.decorative


def gate_problems(rows) -> list[str]:
    """What blocks approving these images without a written reason: missing alt text, language errors in it."""
    problems = []
    for row in rows:
        if needs_alt(row):
            problems.append(f"image {row.position} has no alt text ({MISSING_ALT}): people who cannot see it "
                            "need a description; write one, or mark it decorative")
        for finding in row.findings:
            if finding["severity"] == "error":
                problems.append(f"\"{finding['text']}\" in image {row.position}'s alt text ({finding['rule']}): "
                                f"{finding['message'].rstrip('.')}")
    return problems


def describe(row: Attachment) -> dict:
    """One image as the JSON output and the web pages show it."""
    return {"position": row.position, "digest": row.digest, "alt": row.alt, "decorative": row.decorative,
            "width": row.width, "height": row.height, "mime": row.mime, "people": row.people, "part": row.part,
            "findings": row.findings}


def remove(session: Session, media_dir: Path, *, post_id: int | None = None, story_id: int | None = None) -> int:
    """Take the images off a post or a story, and delete each file no other post or story still uses."""
    owner = Attachment.post_id == post_id if post_id is not None else Attachment.story_id == story_id
    digests = set(session.scalars(select(Attachment.digest).where(owner)))
    removed = session.execute(delete(Attachment).where(owner).execution_options(synchronize_session=False))
    session.flush()
    forget_unused(session, media_dir, digests)
    return removed.rowcount


def forget_unused(session: Session, media_dir: Path, digests) -> None:
    """Delete the stored files (and fitted variants) of these images that no post or story uses any more."""
    for digest in digests:
        if session.scalar(select(Attachment.id).where(Attachment.digest == digest).limit(1)) is None:
            media.forget(media_dir, digest)


def sweep_unused(session: Session, media_dir: Path, now: datetime, older_than: timedelta = UNUSED_AFTER) -> int:
    """Delete stored images nothing uses that were stored over a day ago; return how many went.

    An image is stored as soon as it is attached, before its post or story exists (a form sent back for a
    mistake keeps it for the next try), so a form someone abandoned leaves one behind; the day's wait keeps
    those still on their way to a post.
    """
    folder = Path(media_dir)
    if not folder.is_dir():
        return 0
    cutoff = (now - older_than).timestamp()
    found = {path.stem: path for path in folder.iterdir()
             if _STORED_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff}
    if not found:
        return 0
    used = set(session.scalars(select(Attachment.digest).where(Attachment.digest.in_(list(found)))))
    used |= {card.get("thumb") for card in session.scalars(select(Post.link_card).where(Post.link_card.is_not(None)))
             if isinstance(card, dict)}
    unused = [digest for digest in found if digest not in used]
    for digest in unused:
        media.forget(folder, digest)
    return len(unused)


# ------------------------------------------------------------------ sending


def on_part(images: tuple[OutgoingImage, ...], number: int, count: int) -> tuple[OutgoingImage, ...]:
    """The images that go on part `number` of `count`: those chosen for it, and on the last part any chosen
    for a part this network's thread does not have."""
    return tuple(image for image in images if min(image.part, count) == number)


def part_image(fitted: media.FittedImage, alt: str) -> PartImage:
    """The publishers' PartImage for a fitted image and its alt text."""
    return PartImage(data=fitted.read(), mime=fitted.mime, alt=alt, width=fitted.width, height=fitted.height,
                     digest=fitted.digest)
