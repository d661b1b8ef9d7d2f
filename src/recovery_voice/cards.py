"""Bluesky link cards on posts: which link gets one, fetching it once after the post is queued, and what
the worker sends with part 1.

create_post only marks a card as pending ({"uri": ..., "pending": true}); the page is fetched later by a
worker's sweep, outside any transaction, since a fetch can take 5 s and must not hold the database's write
lock while web requests wait. A conditional update claims each pending card, so two workers never fetch the
same page. The result is stored on the post: {"uri", "title", "description", "thumb": stored picture's digest
or None} or {"uri", "problem": plain words}; a problem leaves a plain link, and the preview shows the words.

A Bluesky delivery that falls due while its card is still pending (a sweep of another worker is fetching it,
or more cards were waiting than one round fetches) goes out with a plain link, and the log says why: waiting
would delay a post someone scheduled for a set time, and fetching again would break the "once".
"""

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from . import media
from .linkcard import PLAIN_LINK, THUMB_MAX_BYTES, CardResult, fetch_card
from .models import PAUSED, PENDING, SCHEDULED, Post
from .publishers import Outgoing, OutgoingImage, Uploaded

log = logging.getLogger("recovery_voice.cards")

CARDS_PER_ROUND = 5  # at 5 s a fetch at most, a sweep never holds up publishing for long
STILL_TO_GO = (PENDING, SCHEDULED, PAUSED)  # a post already out or given up needs no card (and the index is used)
THUMB_POSITION = 0  # the thumbnail's position among a part's recorded uploads (images are 1 to 4)
THUMB_LIMITS = media.ImageLimits(THUMB_MAX_BYTES)
TURNED_OFF = f"link cards are turned off ([linkcards] enabled = false), so {PLAIN_LINK}"


# ------------------------------------------------------------------ when a post is queued


def first_link(text: str) -> str | None:
    """The post's first http(s) link, found as the Bluesky publisher finds the links it makes clickable."""
    if "http://" not in text and "https://" not in text:
        return None  # most posts: no need to load the Bluesky library at all
    from .publishers.bluesky import find_facets  # atproto is slow to import; only posts with a link need it

    return next((value for kind, _, _, value in find_facets(text) if kind == "link"), None)


def pending_card(config, text: str, accounts, images) -> dict | None:
    """The link card a new post waits for: when it goes to Bluesky, has a link and no image on its first part."""
    if not config.linkcards.enabled or not any(account.platform == "bluesky" for account in accounts):
        return None
    if any(image.part == 1 for image in images):
        return None  # the image is the post's picture; Bluesky shows one embed on a post
    uri = first_link(text)
    return {"uri": uri, "pending": True} if uri else None


# ------------------------------------------------------------------ fetching, in a worker's sweep


def fetch_pending(engine: Engine, config, now: datetime, limit: int = CARDS_PER_ROUND) -> int:
    """Fetch the pages of posts whose card is pending, each by one worker only; return how many were fetched."""
    fetched = 0
    for post_id, card in _pending(engine, now, config.worker.claim_timeout, limit):
        token = _claim(engine, post_id, card, now)
        if token is None:
            continue  # another worker took it first
        found = _fetched_safely(config, card["uri"]) if config.linkcards.enabled else \
            {"uri": card["uri"], "problem": TURNED_OFF}
        _store(engine, post_id, token, found)
        fetched += 1
    return fetched


def _pending(engine: Engine, now: datetime, claim_timeout: timedelta, limit: int) -> list[tuple[int, dict]]:
    """Pending cards nobody is fetching, or whose fetcher stopped longer ago than a claim may last."""
    stale = (now - claim_timeout).isoformat()
    with engine.connect() as connection:
        rows = connection.execute(
            select(Post.id, Post.link_card)
            .where(Post.status.in_(STILL_TO_GO), Post.link_card.is_not(None),
                   Post.link_card["pending"].as_boolean() == True)  # noqa: E712
            .order_by(Post.id).limit(limit * 2)
        ).all()
    return [(post_id, card) for post_id, card in rows if not card.get("claim") or card.get("since", "") < stale][:limit]


def _claim(engine: Engine, post_id: int, card: dict, now: datetime) -> str | None:
    """Mark a pending card as being fetched by us, only if it is as we read it; return our token, or None."""
    token = uuid.uuid4().hex
    claimed = {"uri": card["uri"], "pending": True, "claim": token, "since": now.isoformat()}
    seen = Post.link_card["claim"].as_string()
    # Still pending too: a card another worker fetched meanwhile has no claim either, and must not be fetched again.
    still_pending = Post.link_card["pending"].as_boolean() == True  # noqa: E712
    with engine.begin() as connection:
        result = connection.execute(
            update(Post).where(Post.id == post_id, still_pending,
                               seen.is_(None) if not card.get("claim") else seen == card["claim"])
            .values(link_card=claimed).execution_options(synchronize_session=False))
    return token if result.rowcount == 1 else None


def _fetched_safely(config, uri: str) -> dict:
    """_fetched, with a bug kept to this one card: a sweep that raised would stop every round's publishing."""
    try:
        return _fetched(config, uri)
    except Exception as error:
        log.exception("making the link card for %s failed", uri)
        return {"uri": uri, "problem": f"the card could not be made ({error.__class__.__name__}); {PLAIN_LINK}"}


def _fetched(config, uri: str) -> dict:
    """Fetch the page (no transaction is open) and return what the post keeps: the card, or the problem."""
    result: CardResult = fetch_card(uri, allow_private=config.linkcards.allow_private_addresses,
                                    media_dir=config.media_dir)
    if result.card is None:
        log.info("no link card for post link %s: %s", uri, result.problem)
        return {"uri": uri, "problem": result.problem}
    card = result.card
    kept = {"uri": uri, "title": card.title, "description": card.description, "thumb": card.thumb_digest}
    return {**kept, "thumb_problem": card.thumb_problem} if card.thumb_problem else kept


def _store(engine: Engine, post_id: int, token: str, found: dict) -> None:
    """Keep the fetched card on the post, unless someone changed its card while we fetched."""
    with engine.begin() as connection:
        connection.execute(update(Post).where(Post.id == post_id, Post.link_card["claim"].as_string() == token)
                           .values(link_card=found).execution_options(synchronize_session=False))


# ------------------------------------------------------------------ publishing


def ready(outgoing: Outgoing) -> dict | None:
    """The delivery's card if it can go on part 1; a card still pending is left off, and the log says why."""
    card = outgoing.link_card
    if not card or card.get("problem"):
        return None
    if card.get("pending"):
        log.info("delivery %s goes out with a plain link: the link card for %s was still being fetched when it "
                 "fell due", outgoing.delivery_id, card.get("uri"))
        return None
    return card if "title" in card else None


def thumb_image(outgoing: Outgoing, media_dir) -> OutgoingImage | None:
    """The card's stored thumbnail as an image to upload with part 1, or None (no picture, or its file is gone)."""
    card = ready(outgoing)
    if not card or not card.get("thumb"):
        return None
    try:
        media.find_stored(media_dir, card["thumb"])
    except FileNotFoundError:
        log.warning("delivery %s: the link card's picture %s is missing from %s; the card goes without it",
                    outgoing.delivery_id, card["thumb"][:12], media_dir)
        return None
    return OutgoingImage(THUMB_POSITION, card["thumb"], "", 1)


def with_thumb(outgoing: Outgoing, uploaded: Uploaded) -> Outgoing:
    """The delivery with its card naming the uploaded thumbnail's blob, for the Bluesky publisher."""
    return replace(outgoing, link_card={**outgoing.link_card, "thumb_blob": uploaded.ref})


def part_with_card(uploads, claimed, publisher, part, done):
    """Part 1 with its card's thumbnail uploaded once and recorded like an image (position 0), so a retry
    reuses it; the part as it was when there is no picture; None when the upload stopped (recorded already).

    `uploads` is the worker, whose upload_images counts, uploads and records it.
    """
    thumb = thumb_image(part.outgoing, uploads.config.media_dir)
    if thumb is None:
        return part
    uploaded = uploads.upload_images(claimed, publisher, part, (thumb,), done)
    if uploaded is None:
        return None
    return replace(part, outgoing=with_thumb(part.outgoing, uploaded[0]))
