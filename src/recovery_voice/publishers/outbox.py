"""The outbox platform: each published post becomes one JSON line in a local file."""

import fcntl
import json
import os
from pathlib import Path

from . import Part, PartImage, Published, Publisher, RetryableError, Uploaded
from ..models import utcnow


class OutboxPublisher(Publisher):
    """Append posts to a JSON Lines file; safe for several worker processes at once."""

    platform = "outbox"
    can_look_up = True
    rate_limited = False

    def __init__(self, path: Path, account_name: str, footer: str | None = None):
        self.path = Path(path)
        self.account_name = account_name
        self.footer = footer

    def publish(self, part: Part) -> Published:
        """Append the post as one line, under an exclusive lock so lines never interleave."""
        outgoing = part.outgoing
        record = {
            # With the delivery's random key, so a new database's delivery 1 never matches an old line.
            "key": part.idempotency_key,
            "account": self.account_name,
            "post_id": outgoing.post_id,
            "delivery_id": outgoing.delivery_id,
            "published_at": utcnow().isoformat().replace("+00:00", "Z"),
            "text": part.text,
            "content_warning": outgoing.content_warning,
        }
        if part.media:
            record["images"] = [{"file": uploaded.remote_id, "alt": uploaded.alt, "width": uploaded.width,
                                 "height": uploaded.height} for uploaded in part.media]
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _open_private(self.path) as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.write(line)
        except OSError as error:
            raise RetryableError(f"could not write to the outbox file {self.path}: {error}") from None
        return self._published(part.idempotency_key)

    @property
    def images_dir(self) -> Path:
        """The folder beside the outbox file where the images it was sent are written."""
        return self.path.with_name(self.path.stem + "-images")

    def upload(self, image: PartImage) -> Uploaded:
        """Write the fitted image (what a network would receive) beside the outbox file, named by its digest."""
        suffix = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}[image.mime]
        target = self.images_dir / f"{image.digest}{suffix}"
        try:
            self.images_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not target.is_file():
                temporary = target.with_name(f".{target.name}.part")
                with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                    handle.write(image.data)
                os.replace(temporary, target)
        except OSError as error:
            raise RetryableError(f"could not write {image.describe()} to {self.images_dir}: {error}") from None
        return Uploaded(remote_id=str(target), alt=image.alt, width=image.width, height=image.height,
                        digest=image.digest)

    def find(self, part: Part) -> Published | None:
        """Look for the part's key in the outbox file."""
        if not self.path.exists():
            return None
        needle = f'"key": "{part.idempotency_key}"'
        with open(self.path, encoding="utf-8") as handle:
            if any(needle in line for line in handle):
                return self._published(part.idempotency_key)
        return None

    def delete(self, remote_id: str) -> None:
        """Remove the post's line from the file, under the same lock that writers take, and its unshared images."""
        needle = f'"key": "{remote_id}"'
        try:
            with open(self.path, "r+", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                lines = handle.readlines()
                kept = [line for line in lines if needle not in line]
                handle.seek(0)
                handle.writelines(kept)
                handle.truncate()
                self._forget_images([line for line in lines if needle in line], kept)
        except FileNotFoundError:
            return
        except OSError as error:
            raise RetryableError(f"could not rewrite the outbox file {self.path}: {error}") from None

    def _forget_images(self, removed: list[str], kept: list[str]) -> None:
        """Delete the image files the removed lines referenced that no kept line still references."""
        unused = _image_files(removed) - _image_files(kept)
        for file in unused:
            path = Path(file)
            if path.parent == self.images_dir:  # only what this outbox wrote, whatever a line says
                path.unlink(missing_ok=True)

    def check(self) -> str:
        """Check that the outbox file can be written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _open_private(self.path):
                pass
        except OSError as error:
            raise RetryableError(f"cannot write to {self.path}: {error}") from None
        return f"writes to {self.path}"

    def _published(self, key: str) -> Published:
        """Where an outbox line lives: the file, with the key as the fragment."""
        return Published(remote_id=key, url=f"{self.path.as_uri()}#{key}")


def _image_files(lines: list[str]) -> set[str]:
    """The image files these outbox lines reference (a line that is not JSON references none)."""
    files = set()
    for line in lines:
        try:
            images = json.loads(line).get("images") or []
        except (ValueError, AttributeError):
            continue
        files.update(image["file"] for image in images if isinstance(image, dict) and "file" in image)
    return files


def _open_private(path: Path):
    """Open the outbox for appending, creating it readable by its owner only: it holds people's stories."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8")
