"""What stopping a post will do, per account, said before anyone confirms: withdrawing a story, cancelling a post.

Read-only: deletion.request and posts.stop_unsent do the work; this only tells a person what those will touch.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import CLAIMED, NEEDS_REVIEW, PAUSED, PENDING, PUBLISHING, SCHEDULED, Account, Delivery, DeliveryPart
from .render import LABELS

WAITING = (PENDING, SCHEDULED, CLAIMED, PAUSED)  # not sent yet: stopping it means it never goes out
UNKNOWN = (PUBLISHING, NEEDS_REVIEW)  # it may be on the network: if it is, it is deleted


@dataclass(frozen=True)
class OnNetwork:
    """Parts of the post already on one account, which will be deleted."""

    account: str
    label: str  # the network's name for people
    parts: int


@dataclass
class Takedown:
    """What stopping a post does: accounts it will not go to, parts that will be deleted, accounts to check."""

    not_sent: list[str] = field(default_factory=list)  # network labels where it is waiting and will not go out
    deleted: list[OnNetwork] = field(default_factory=list)
    maybe: list[str] = field(default_factory=list)  # it may have reached these; if it did, it is deleted too

    @property
    def nothing(self) -> bool:
        """Tell whether nothing was scheduled or published at all."""
        return not (self.not_sent or self.deleted or self.maybe)


def preview(session: Session, post_id: int | None) -> Takedown:
    """Say what stopping this post now would do on each of its accounts."""
    found = Takedown()
    if post_id is None:
        return found
    live = (select(func.count()).where(DeliveryPart.delivery_id == Delivery.id, DeliveryPart.deleted_at.is_(None))
            .scalar_subquery())
    rows = session.execute(select(Delivery.status, Delivery.deletion, Account.name, Account.platform, live)
                           .join(Account, Delivery.account_id == Account.id)
                           .where(Delivery.post_id == post_id).order_by(Delivery.id))
    for status, deletion, name, platform, parts in rows:
        _sort(found, status, deletion, name, LABELS.get(platform, "the outbox file"), parts)
    return found


def _sort(found: Takedown, status: str, deletion: str | None, name: str, label: str, parts: int) -> None:
    """Put one delivery where it belongs: parts to delete, perhaps on the network, or waiting and not sent."""
    if deletion == "deleted":
        return
    if parts:
        found.deleted.append(OnNetwork(name, label, parts))
    elif status in UNKNOWN:
        found.maybe.append(label)
    elif status in WAITING:
        found.not_sent.append(label)
