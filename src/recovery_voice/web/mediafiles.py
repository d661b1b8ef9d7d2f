"""Serving stored images to the people allowed to see them: the metadata-free file, or a smaller preview."""

from flask import Blueprint, abort, request, send_file
from flask_login import current_user
from sqlalchemy import select

from .. import media
from ..models import Attachment, Post, Story
from .common import config, db, roles
from .images import kept_digest

blueprint = Blueprint("media", __name__, url_prefix="/media")
# What pages show: small enough to load quickly on a phone, large enough to judge the picture by.
PREVIEW = media.ImageLimits(max_bytes=300_000, max_pixels=1_300_000, mimes=frozenset({"image/jpeg", "image/png",
                                                                                     "image/webp"}),
                            display_long_side=1400)


@blueprint.get("/<digest>")
@roles("volunteer", "admin", "storyteller")
def image(digest: str):
    """Send an image attached to something this person may see; anything else is "not found"."""
    if not media.DIGEST.fullmatch(digest) or not _may_see(digest):
        abort(404)
    return _send(digest)


@blueprint.get("/kept/<token>")
@roles("volunteer", "admin", "storyteller")
def kept(token: str):
    """Send an image this person attached to a form they have not sent yet (the signed value proves it)."""
    digest = kept_digest(token)
    if digest is None:
        abort(404)
    return _send(digest)


@blueprint.get("/card/<int:post_id>")
@roles("volunteer", "admin")
def card(post_id: int):
    """Send the thumbnail of a post's Bluesky link card."""
    post = db().get(Post, post_id)
    thumb = (post.link_card or {}).get("thumb") if post is not None else None
    if not isinstance(thumb, str) or not media.DIGEST.fullmatch(thumb):
        abort(404)
    return _send(thumb)


def _may_see(digest: str) -> bool:
    """Staff see the images of posts, admins also the photos of stories; a storyteller only their own photos."""
    rows = db().execute(select(Attachment.post_id, Attachment.story_id, Story.author_id)
                        .outerjoin(Story, Story.id == Attachment.story_id).where(Attachment.digest == digest)).all()
    role = current_user.role
    for post_id, story_id, author_id in rows:
        if role in ("volunteer", "admin") and post_id is not None:
            return True
        if role == "admin" and story_id is not None:
            return True
        if role == "storyteller" and story_id is not None and author_id == current_user.id:
            return True
    return False


def _send(digest: str):
    """The stored file (?full=1) or its preview variant, marked private and never to be sniffed."""
    try:
        stored = media.find_stored(config().media_dir, digest)
    except OSError:  # the file is gone (or unreadable)
        abort(404)
    shown = stored if request.args.get("full") else media.fit(stored, PREVIEW, config().media_dir)
    response = send_file(shown.path, mimetype=shown.mime, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
