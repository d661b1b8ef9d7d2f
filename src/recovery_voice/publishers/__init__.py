"""Publishers: one per platform, each turning a post into a call and its errors into our three kinds."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Outgoing:
    """What a publisher needs to send one delivery."""

    delivery_id: int
    post_id: int
    text: str
    content_warning: str | None = None

    @property
    def key(self) -> str:
        """A key unique to this delivery, for idempotency and for finding it again."""
        return f"recovery-voice-{self.delivery_id}"


@dataclass(frozen=True)
class Published:
    """Where a published post now lives."""

    remote_id: str
    url: str | None = None


class PublishError(Exception):
    """A publish call did not succeed; subclasses say whether trying again is safe."""


class RetryableError(PublishError):
    """Nothing was published and trying later may work (rate limit, network, server error)."""

    def __init__(self, message: str, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class FinalError(PublishError):
    """The platform refused the post; trying again will not help until a person changes something."""

    def __init__(self, message: str, *, account_problem: bool = False, duplicate: bool = False):
        super().__init__(message)
        self.account_problem = account_problem
        self.duplicate = duplicate


class UnknownOutcome(PublishError):
    """The call may or may not have published the post (a timeout or a dropped connection)."""


class Publisher:
    """The interface every platform implements."""

    platform = ""
    # True when `find` can tell for sure whether a delivery was published, making retries safe.
    can_look_up = False

    def publish(self, outgoing: Outgoing) -> Published:
        """Send the post, returning where it lives or raising a PublishError subclass."""
        raise PublishError(f"{type(self).__name__} cannot publish")

    def find(self, outgoing: Outgoing) -> Published | None:
        """Return the published copy of `outgoing`, or None when it is certainly not there."""
        raise PublishError(f"{type(self).__name__} cannot look up posts")

    def check(self) -> str:
        """Verify the credentials without posting; return a short description of the account."""
        raise PublishError(f"{type(self).__name__} cannot check its account")


SUPPORTED_PLATFORMS = ("outbox", "x")


def make_publisher(account, request_timeout: float = 30.0) -> Publisher:
    """Build the publisher for a configured account."""
    if account.platform == "outbox":
        from .outbox import OutboxPublisher

        return OutboxPublisher(account.path, account.name)
    if account.platform == "x":
        from .x import XPublisher

        return XPublisher(account, request_timeout)
    raise FinalError(
        f"publishing to {account.platform} is not available in this version of recovery-voice "
        f"(it supports {', '.join(SUPPORTED_PLATFORMS)})"
    )
