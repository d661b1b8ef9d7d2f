"""Helpers for the publishing tests with images: posts with stored images, and what each network received."""

import hashlib
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from recovery_voice.attachments import NewImage, store_new
from recovery_voice.db import transaction
from recovery_voice.models import PEOPLE_AGREED, PEOPLE_NONE, Account, Attachment, Delivery, DeliveryMedia, DeliveryPart
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve

from imagekit import encoded, gradient_noise, phone_photo, screenshot

CAFE = "Six people laughing round a café table, cups of tea in front of them."
FLYER = "The Tuesday café flyer: peer support at 7pm, all welcome, bring a friend."


def photo(alt: str = CAFE, part: int = 1, size=(640, 480)) -> NewImage:
    """A phone photo carrying GPS and the rest (its noise makes each one different), as a volunteer attaches it."""
    return NewImage(phone_photo(gradient_noise(*size)), "IMG_0042.jpg", alt=alt, people=PEOPLE_AGREED, part=part)


def flyer(alt: str = FLYER, part: int = 1) -> NewImage:
    """A PNG screenshot with text on it."""
    return NewImage(encoded(screenshot(1280, 720), "PNG"), "flyer.png", alt=alt, people=PEOPLE_NONE, part=part)


def queue_with_images(project, text: str, images: list[NewImage], accounts: list[str], now: datetime) -> int:
    """Store the images as a door does, then create and approve a post due now; return its id."""
    stored = store_new(project.config.media_dir, images)
    earlier = now - timedelta(minutes=1)
    with transaction(project.sessions) as session:
        post = create_post(session, project.config, Draft(text=text, images=stored, accounts=accounts,
                                                          when=now.isoformat()), now=earlier)
        approve(session, project.config, [post.id], "admin@example.org", now=earlier)
    return post.id


def recorded_media(project) -> dict[str, list[tuple[int, int, int, str, str]]]:
    """What delivery_media holds, by account: (delivery, part, position, fitted digest, remote id)."""
    with project.sessions() as session:
        rows = session.execute(select(Account.name, DeliveryMedia.delivery_id, DeliveryMedia.number,
                                      DeliveryMedia.position, DeliveryMedia.digest, DeliveryMedia.remote_id)
                               .join(Delivery, Delivery.id == DeliveryMedia.delivery_id)
                               .join(Account, Account.id == Delivery.account_id)
                               .order_by(DeliveryMedia.delivery_id, DeliveryMedia.number,
                                         DeliveryMedia.position)).all()
    found = defaultdict(list)
    for name, *row in rows:
        found[name].append(tuple(row))
    return found


def sha256(data: bytes) -> str:
    """The bytes' SHA-256 in hex, as media.py names a fitted image."""
    return hashlib.sha256(data).hexdigest()


def repeated_without_a_kill(times: dict[str, list[float]], kills: list[float]) -> dict[str, int]:
    """The images uploaded again with no kill between two of their uploads (each repeat needs one)."""
    found = Counter()
    for digest, moments in times.items():
        moments = sorted(moments)
        for before, after in zip(moments, moments[1:]):
            if not any(before <= kill <= after for kill in kills):
                found[digest] += 1
    return dict(found)


# What each network holds, checked against what the database recorded ------------------------------------------


def mastodon_media(statuses: list[dict]) -> dict[str, list[str]]:
    """The media ids each Mastodon status carries, by status id."""
    return {str(s["id"]): [str(a["id"]) for a in s.get("media_attachments") or []] for s in statuses}


def bluesky_media(records: list[dict]) -> dict[str, list[str]]:
    """The blob CIDs each Bluesky record carries as images, by record URI."""
    embeds = {r["uri"]: r["value"].get("embed") or {} for r in records}
    return {uri: [i["image"]["ref"]["$link"] for i in embed.get("images", [])] for uri, embed in embeds.items()}


def x_media(created: list[dict]) -> dict[str, list[str]]:
    """The media ids each tweet carries, by tweet id."""
    return {t["id"]: list(t.get("media_ids") or []) for t in created}


def media_problems(project, account: str, attached: dict[str, list[str]]) -> list[str]:
    """Where a published delivery's parts do not carry exactly the uploads recorded for them, each once, and all
    of its post's images."""
    with project.sessions() as session:
        parts = session.execute(select(Delivery.id, Delivery.post_id, DeliveryPart.number, DeliveryPart.remote_id)
                                .join(DeliveryPart, DeliveryPart.delivery_id == Delivery.id)
                                .join(Account, Account.id == Delivery.account_id)
                                .where(Account.name == account, Delivery.status == "published")).all()
        wanted = Counter(session.scalars(select(Attachment.post_id).where(Attachment.post_id.is_not(None))))
    recorded = defaultdict(list)
    for delivery_id, number, _position, _digest, remote_id in recorded_media(project)[account]:
        recorded[(delivery_id, number)].append(remote_id)
    problems, carried = [], Counter()
    for delivery_id, post_id, number, remote_id in parts:
        got, want = attached.get(remote_id, []), recorded.get((delivery_id, number), [])
        if got != want or len(set(got)) != len(got):
            problems.append(f"{account} delivery {delivery_id} part {number} carries {got}, recorded {want}")
        carried[(delivery_id, post_id)] += len(got)
    problems += [f"{account} delivery {delivery_id} carries {count} images of {wanted[post_id]}"
                 for (delivery_id, post_id), count in carried.items() if count != wanted[post_id]]
    return problems


def upload_times(uploads: list[tuple[str, float]]) -> dict[str, list[float]]:
    """When each image (named by its fitted digest, or the start of it) arrived at the network, each time."""
    found = defaultdict(list)
    for name, at in uploads:
        found[name].append(at)
    return found
