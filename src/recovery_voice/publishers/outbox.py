"""The outbox platform: each published post becomes one JSON line in a local file."""

import fcntl
import json
from pathlib import Path

from . import Outgoing, Published, Publisher, RetryableError
from ..models import utcnow


class OutboxPublisher(Publisher):
    """Append posts to a JSON Lines file; safe for several worker processes at once."""

    platform = "outbox"
    can_look_up = True

    def __init__(self, path: Path, account_name: str):
        self.path = Path(path)
        self.account_name = account_name

    def publish(self, outgoing: Outgoing) -> Published:
        """Append the post as one line, under an exclusive lock so lines never interleave."""
        record = {
            "key": outgoing.key,
            "account": self.account_name,
            "post_id": outgoing.post_id,
            "delivery_id": outgoing.delivery_id,
            "published_at": utcnow().isoformat().replace("+00:00", "Z"),
            "text": outgoing.text,
            "content_warning": outgoing.content_warning,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.write(line)
        except OSError as error:
            raise RetryableError(f"could not write to the outbox file {self.path}: {error}") from None
        return Published(remote_id=outgoing.key, url=f"{self.path.as_uri()}#{outgoing.key}")

    def find(self, outgoing: Outgoing) -> Published | None:
        """Look for the delivery's key in the outbox file."""
        if not self.path.exists():
            return None
        needle = f'"key": "{outgoing.key}"'
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if needle in line:
                    return Published(remote_id=outgoing.key, url=f"{self.path.as_uri()}#{outgoing.key}")
        return None

    def check(self) -> str:
        """Check that the outbox file can be written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8"):
                pass
        except OSError as error:
            raise RetryableError(f"cannot write to {self.path}: {error}") from None
        return f"writes to {self.path}"
