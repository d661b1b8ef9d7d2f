"""Publishers: one per platform, each turning a part of a post into a call and its errors into our three kinds."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..footers import footer_for
from ..media import NETWORK_LIMITS, ImageLimits
from ..render import LIMITS, Rendered, render


@dataclass(frozen=True)
class OutgoingImage:
    """An image of the post: the stored file's digest, its alt text and the thread part it goes on."""

    position: int
    digest: str
    alt: str
    part: int = 1


@dataclass(frozen=True)
class Outgoing:
    """One delivery: a post's text going to one account."""

    delivery_id: int
    post_id: int
    text: str
    content_warning: str | None = None
    remote_key: str | None = None  # chosen when the delivery was made (Bluesky's record key)
    images: tuple[OutgoingImage, ...] = ()
    link_card: dict | None = None  # a Bluesky link card fetched when the post was queued (posts.link_card)
    # A storyteller signed off these parts as final_text.py rendered them, at the platform's usual limits.
    signed_off: bool = False
    # The post's saved care result touches suicide or a death from drugs: it ends with the support line.
    touches_death: bool = False

    @property
    def key(self) -> str:
        """A key unique to this delivery, for idempotency and for finding it again."""
        return f"recovery-voice-{self.delivery_id}"


@dataclass(frozen=True)
class Published:
    """Where a published part now lives."""

    remote_id: str
    url: str | None = None
    cid: str | None = None  # Bluesky: a reply must name the exact version of the post it answers


@dataclass(frozen=True)
class PartImage:
    """An image already fitted to this network's limits (metadata stripped), with its alt text."""

    data: bytes
    mime: str  # image/jpeg, image/png, image/webp or image/gif
    alt: str  # "" only for an image marked decorative
    width: int
    height: int
    digest: str  # the fitted file's content digest, so an upload can be recognised after a crash

    def describe(self) -> str:
        """Name the image for a person reading the log: its digest, size, type and the start of its alt text."""
        kind = self.mime.removeprefix("image/").upper()
        alt = f", alt text \"{remote_text(self.alt, 40)}\"" if self.alt else ", marked decorative"
        return f"the image {self.digest[:12]} ({self.width}×{self.height} {kind}, {len(self.data):,} bytes{alt})"


@dataclass(frozen=True)
class Uploaded:
    """An image on the network, ready to attach to a post: what `Publisher.upload` returns."""

    remote_id: str  # X and Mastodon: the media id; Bluesky: the blob's CID
    alt: str
    width: int
    height: int
    ref: dict | None = None  # Bluesky: the blob reference as JSON, needed in the post record
    digest: str = ""  # the PartImage's digest


@dataclass(frozen=True)
class Part:
    """One call to a network: the whole of a short post, or one post of a thread."""

    outgoing: Outgoing
    number: int  # 1 for the first part
    count: int
    text: str
    spoiler_text: str | None = None
    reply_to: Published | None = None  # the previous part
    root: Published | None = None  # the first part
    # Images on this part: uploaded (and recorded) before the post is created, so a retry attaches the same
    # media instead of uploading again and a crash never makes a second post.
    images: tuple[PartImage, ...] = ()
    media: tuple[Uploaded, ...] = ()

    @property
    def key(self) -> str:
        """A key unique to this part: the delivery's key for the first, numbered after that."""
        base = self.outgoing.key
        return base if self.number == 1 else f"{base}-{self.number}"

    @property
    def idempotency_key(self) -> str:
        """The part's key with the delivery's own random key, so a reused database id never matches an old post."""
        return f"{self.key}-{self.outgoing.remote_key}" if self.outgoing.remote_key else self.key


@dataclass(frozen=True)
class RateInfo:
    """What a platform's headers said about the allowance left for a kind of call."""

    remaining: int
    reset_at: datetime
    limit: int | None = None


REMOTE_TEXT_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")


def remote_text(text: object, limit: int = REMOTE_TEXT_LIMIT) -> str:
    """What a remote server said, made safe to log and show: control characters out, one line, at most `limit` chars.

    Error bodies come from servers we do not control: an HTML page or a megabyte of JSON must not fill the log
    or a web page, and a terminal escape or a bidi override must not reach anyone's screen.
    """
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class PublishError(Exception):
    """A publish call did not succeed; subclasses say whether trying again is safe."""


class RetryableError(PublishError):
    """Nothing was published and trying later may work (rate limit, network, server error)."""

    def __init__(self, message: str, retry_at: datetime | None = None, rate_limited: bool = False):
        super().__init__(message)
        self.retry_at = retry_at
        self.rate_limited = rate_limited


class FinalError(PublishError):
    """The platform refused the post; trying again will not help until a person changes something."""

    def __init__(self, message: str, *, account_problem: bool = False, duplicate: bool = False,
                 gone: bool = False):
        super().__init__(message)
        self.account_problem = account_problem
        self.duplicate = duplicate
        self.gone = gone  # the post is not there (already deleted, or never existed)


class UnknownOutcome(PublishError):
    """The call may or may not have published the post (a timeout or a dropped connection)."""


class Publisher:
    """The interface every platform implements."""

    platform = ""
    # True when `find` can tell for sure whether a part was published, making retries safe.
    can_look_up = False
    # How long after a call sending the same part again under the same key cannot publish it twice
    # (Mastodon keeps an Idempotency-Key for an hour; a Bluesky record key is forever); None: never safe.
    resend_safe_within: timedelta | None = None
    footer: str | None = None
    support_footer: str | None = None  # [care] support_footer: ends a post that touches suicide or a drug death
    # False for a platform without rate limits (the outbox): its calls are not counted.
    rate_limited = True
    # How long the network keeps an uploaded image no post uses yet; a retry after that uploads it again.
    media_kept_for: timedelta | None = None

    def render(self, outgoing: Outgoing) -> Rendered:
        """Split the delivery into the parts this network takes, with its warning and footer (footers.py)."""
        footer = footer_for(self.footer, self.support_footer, outgoing.touches_death)
        return render(outgoing.text, self.platform, content_warning=outgoing.content_warning,
                      footer=footer, max_length=self._limit_for(outgoing))

    def _limit_for(self, outgoing: Outgoing) -> int | None:
        """The length to split at: a story goes out in the parts its storyteller signed off, where they fit."""
        own = self.max_length()
        if own is not None and outgoing.signed_off and own >= LIMITS.get(self.platform, own):
            return None  # a roomier instance (Mastodon's may take 5,000) still gets the signed-off thread
        return own

    def max_length(self) -> int | None:
        """The longest post the account may send, where it differs from the platform's usual limit."""
        return None

    def publish(self, part: Part) -> Published:
        """Send one part, returning where it lives or raising a PublishError subclass."""
        raise PublishError(f"{type(self).__name__} cannot publish")

    def image_limits(self) -> ImageLimits:
        """What this account's network takes for one image, so the worker fits each image to it."""
        return NETWORK_LIMITS.get(self.platform, NETWORK_LIMITS["x"])

    def upload(self, image: PartImage) -> Uploaded:
        """Upload one fitted image with its alt text, returning what a post attaches; PublishError subclasses."""
        raise FinalError(f"{type(self).__name__} cannot send images")

    def find(self, part: Part) -> Published | None:
        """Return the published copy of `part`, or None when it is certainly not there."""
        raise PublishError(f"{type(self).__name__} cannot look up posts")

    def delete(self, remote_id: str) -> None:
        """Delete one published part; a part that is already gone counts as deleted."""
        raise FinalError(f"{type(self).__name__} cannot delete posts")

    def check(self) -> str:
        """Verify the credentials without posting; return a short description of the account."""
        raise PublishError(f"{type(self).__name__} cannot check its account")

    def rate_info(self) -> RateInfo | None:
        """What the last call's answer said about the allowance left, if it said anything."""
        return None


SUPPORTED_PLATFORMS = ("outbox", "x", "mastodon", "bluesky")


def make_publisher(account, request_timeout: float = 30.0, session_store=None,
                   support_footer: str | None = None) -> Publisher:
    """Build the publisher for a configured account; `support_footer` ends its posts that touch a death."""
    publisher = _platform_publisher(account, request_timeout, session_store)
    publisher.support_footer = support_footer
    return publisher


def _platform_publisher(account, request_timeout: float, session_store) -> Publisher:
    """Build the publisher of the account's platform."""
    if account.platform == "outbox":
        from .outbox import OutboxPublisher

        return OutboxPublisher(account.path, account.name, account.footer)
    if account.platform == "x":
        from .x import XPublisher

        return XPublisher(account, request_timeout)
    if account.platform == "mastodon":
        from .mastodon import MastodonPublisher

        return MastodonPublisher(account, request_timeout)
    if account.platform == "bluesky":
        from .bluesky import BlueskyPublisher

        return BlueskyPublisher(account, request_timeout, session_store)
    raise FinalError(f"publishing to {account.platform} is not available (it supports {', '.join(SUPPORTED_PLATFORMS)})")
