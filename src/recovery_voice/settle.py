"""Settling by hand what the worker could not: an admin marks a delivery as out with its link, or sends it again.

A delivery ends in needs_review when the worker cannot tell whether it went out, and in missed when it was far
past its time. Only a person who has looked at the account can settle either; moving one to another time is
posts.reschedule(..., unsettled=True).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from . import deletion, emails, logbook
from .config import Config
from .models import MISSED, PUBLISHED, Account, Delivery, DeliveryPart, utcnow
from .posts import UNSETTLED, PostProblem, get_posts, refresh_status, requeued
from .publishers.tid import MAX_PARTS

MAX_LINK = 500  # the length of delivery_parts.url
X_HOSTS = {"x.com", "twitter.com", "www.x.com", "www.twitter.com", "mobile.x.com", "mobile.twitter.com"}
X_STATUS = re.compile(r"/(?:[A-Za-z0-9_]{1,15}|i/web)/status/(\d{1,20})/?")
STATUS_PATH_ON_AN_INSTANCE = re.compile(r"/(?:@[^/]+|users/[^/]+/statuses)/(\d{1,20})/?")
BLUESKY_POST = re.compile(r"/profile/([^/]{1,100})/post/([A-Za-z0-9._:~-]{1,64})/?")
BLUESKY_HOST = "bsky.app"


@dataclass(frozen=True)
class Link:
    """A published part as an admin gave it: its id on the network (what deleting needs) and its address."""

    remote_id: str
    url: str


def find_delivery(session: Session, post_id: int, account: str | None) -> Delivery:
    """The post's delivery to `account`; without one, the post's only delivery or its only unsettled one."""
    [post] = get_posts(session, [post_id])
    rows = session.execute(select(Delivery, Account.name).join(Account, Account.id == Delivery.account_id)
                           .where(Delivery.post_id == post.id).order_by(Delivery.id)).all()
    names = [name for _, name in rows]
    if account is not None:
        chosen = [delivery for delivery, name in rows if name == account]
        if not chosen:
            raise PostProblem(f"post {post.id} does not go to account {account!r} (it goes to {', '.join(names)})")
        return chosen[0]
    unsettled = [delivery for delivery, _ in rows if delivery.status in UNSETTLED]
    if len(rows) == 1 or len(unsettled) == 1:
        return rows[0][0] if len(rows) == 1 else unsettled[0]
    raise PostProblem(f"post {post.id} goes to several accounts ({', '.join(names)}): say which one")


def mark_out(session: Session, config: Config, delivery: Delivery, urls: list[str], actor: str | None,
             now: datetime | None = None) -> Delivery:
    """Record that a needs-review or missed delivery is on its network, at these links (one per part not yet recorded).

    The links become the delivery's parts, so a withdrawal or cancellation deletes them like any other.
    """
    now = now or utcnow()
    account = session.get(Account, delivery.account_id)
    _require_unsettled(delivery, account, "marked as out")
    if delivery.deletion == deletion.DELETING:
        raise PostProblem("it is being deleted from the network right now; try again in a minute")
    links = _new_links(session, delivery, [parse_link(config, account, url) for url in _given(urls)])
    result = session.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.status.in_(UNSETTLED))
                             .values(status=PUBLISHED, finished_at=now, last_error=None)
                             .execution_options(synchronize_session=False))
    if not result.rowcount:
        raise PostProblem("it changed while you were looking; reload the page and check it again")
    _record_parts(session, delivery, links, now)
    if delivery.deletion is not None:  # taken down meanwhile: delete what the admin found as well
        session.execute(update(Delivery).where(Delivery.id == delivery.id)
                        .values(deletion=deletion.REQUESTED, run_at=now).execution_options(synchronize_session=False))
    refresh_status(session, delivery.post_id)
    emails.post_published(session, delivery.post_id, now)  # a story's storyteller, once it is out everywhere
    logbook.record(session, "marked_published", post_id=delivery.post_id, delivery_id=delivery.id,
                   account=account.name, actor=actor, at=now, url=" ".join(link.url for link in links),
                   remote_id=links[0].remote_id if links else None,
                   reason="an admin found it on the account")
    session.expire(delivery)
    return delivery


def send_again(session: Session, delivery: Delivery, actor: str | None, now: datetime | None = None) -> Delivery:
    """Put a needs-review or missed delivery back on the queue for now, its attempts and keys kept (see requeued)."""
    now = now or utcnow()
    account = session.get(Account, delivery.account_id)
    _require_unsettled(delivery, account, "sent again")
    if delivery.deletion is not None:
        raise PostProblem("it is being taken down from the network, so it will not be sent again")
    was = delivery.status
    result = session.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.status == was)
                             .values(**requeued(delivery, now)).execution_options(synchronize_session=False))
    if not result.rowcount:
        raise PostProblem("it changed while you were looking; reload the page and check it again")
    refresh_status(session, delivery.post_id)
    checked = "it was missed" if was == MISSED else "an admin checked the account: it is not there"
    logbook.record(session, "sent_again", post_id=delivery.post_id, delivery_id=delivery.id, account=account.name,
                   actor=actor, at=now, attempt=delivery.attempts, reason=f"{checked}; sending it again now")
    session.expire(delivery)
    return delivery


def _require_unsettled(delivery: Delivery, account: Account, action: str) -> None:
    """Refuse an action meant for a needs-review or missed delivery when this one is in another state."""
    if delivery.status not in UNSETTLED:
        raise PostProblem(f"post {delivery.post_id} on {account.name} is {delivery.status.replace('_', ' ')}; "
                          f"only a post that needs checking or was missed can be {action}")


def _given(urls: list[str]) -> list[str]:
    """The links given, one or more, without blank ones."""
    given = [url.strip() for url in urls if url and url.strip()]
    if not given:
        raise PostProblem("give the link of the post on the network (for a thread, one link per part)")
    if len(given) > MAX_PARTS:
        raise PostProblem(f"a post has at most {MAX_PARTS} parts; {len(given)} links were given")
    return given


def parse_link(config: Config, account: Account, url: str) -> Link:
    """Check that a link is a post on the account's network, and read the post's id from it."""
    shown = url if len(url) <= 80 else url[:79] + "…"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        parts, host = None, ""
    settings = next((a for a in config.accounts if a.name == account.name), None)
    if account.platform == "outbox" and parts is not None:
        return _outbox_link(url, parts, shown, settings)
    if parts is None or parts.scheme not in ("http", "https") or not host or len(url) > MAX_LINK \
            or any(c.isspace() for c in url):
        raise PostProblem(f"{shown!r} is not a web link: give the post's address, like https://…")
    if account.platform == "x":
        return _x_link(url, host, parts.path, shown)
    if account.platform == "mastodon":
        return _mastodon_link(url, host, parts.path, shown, settings)
    if account.platform == "bluesky":
        return _bluesky_link(url, host, parts.path, shown, settings)
    return Link(remote_id=url[:200], url=url)  # a platform this version does not know: keep the link


def _x_link(url: str, host: str, path: str, shown: str) -> Link:
    """An X post's link: https://x.com/<user>/status/<id> (or twitter.com)."""
    match = X_STATUS.fullmatch(path)
    if host not in X_HOSTS or not match:
        raise PostProblem(f"{shown!r} is not a link to a post on X: it looks like https://x.com/<user>/status/<id>")
    return Link(remote_id=match.group(1), url=url)


def _outbox_link(url: str, parts, shown: str, settings) -> Link:
    """An outbox line's link: the file's address with the line's key, file:///…/outbox.jsonl#recovery-voice-7."""
    expected = settings.path.as_uri() if settings and settings.path else None
    address = url.split("#", 1)[0]
    if parts.scheme != "file" or not parts.fragment or len(parts.fragment) > 190 or \
            (expected and address != expected):
        raise PostProblem(f"{shown!r} is not a line of this outbox: it looks like "
                          f"{expected or 'file:///…/outbox.jsonl'}#recovery-voice-<number>")
    return Link(remote_id=parts.fragment, url=url)


def _mastodon_link(url: str, host: str, path: str, shown: str, settings) -> Link:
    """A status's link on the account's own instance: https://<instance>/@<user>/<id>."""
    instance = (urlsplit(settings.base_url).hostname or "").lower() if settings and settings.base_url else None
    match = STATUS_PATH_ON_AN_INSTANCE.fullmatch(path)
    if (instance and host != instance) or not match:
        where = instance or "<instance>"
        raise PostProblem(f"{shown!r} is not a link to a post of this account: it looks like "
                          f"https://{where}/@<user>/<id>")
    return Link(remote_id=match.group(1), url=url)


def _bluesky_link(url: str, host: str, path: str, shown: str, settings) -> Link:
    """A Bluesky post's link: https://bsky.app/profile/<handle>/post/<record key>, on the account's own profile."""
    handle = settings.handle.lower() if settings and settings.handle else None
    match = BLUESKY_POST.fullmatch(path)
    profile = match.group(1).lower() if match else ""
    if host != BLUESKY_HOST or not match or (handle and profile != handle and not profile.startswith("did:")):
        raise PostProblem(f"{shown!r} is not a link to a post of this account: it looks like "
                          f"https://bsky.app/profile/{handle or '<handle>'}/post/<id>")
    # Deleting needs only the record key (in the account's own repository), so the profile may be a handle.
    return Link(remote_id=f"at://{match.group(1)}/app.bsky.feed.post/{match.group(2)}", url=url)


def _new_links(session: Session, delivery: Delivery, links: list[Link]) -> list[Link]:
    """The links not already recorded for this delivery, each once, in the order given."""
    known = set(session.scalars(select(DeliveryPart.remote_id).where(DeliveryPart.delivery_id == delivery.id)))
    fresh = []
    for link in links:
        if link.remote_id not in known:
            known.add(link.remote_id)
            fresh.append(link)
    return fresh


def _record_parts(session: Session, delivery: Delivery, links: list[Link], now: datetime) -> None:
    """Store the links as the parts after those already recorded, and the first part as the delivery's address."""
    last = session.scalar(select(func.max(DeliveryPart.number)).where(DeliveryPart.delivery_id == delivery.id)) or 0
    if links:
        session.execute(insert(DeliveryPart), [
            {"delivery_id": delivery.id, "number": last + n, "remote_id": link.remote_id, "url": link.url,
             "published_at": now} for n, link in enumerate(links, start=1)])
    first = session.execute(select(DeliveryPart.remote_id, DeliveryPart.url).where(
        DeliveryPart.delivery_id == delivery.id).order_by(DeliveryPart.number).limit(1)).first()
    if first is not None:
        session.execute(update(Delivery).where(Delivery.id == delivery.id)
                        .values(remote_id=first.remote_id, remote_url=first.url)
                        .execution_options(synchronize_session=False))
