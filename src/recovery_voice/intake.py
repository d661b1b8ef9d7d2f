"""Queue files: import each queue/*.toml as one post, all or nothing, and move it aside."""

import fcntl
import hashlib
import os
import stat
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from .config import Config
from .db import DatabaseError, transaction
from .models import Post, utcnow
from .posts import Draft, PostProblem, create_post

KEYS = ("template", "vars", "text", "accounts", "when", "theme", "content_warning")
LOCK_FILE = ".import.lock"
LOCK_WAIT = 60.0  # seconds to wait for another import to finish before giving up


@dataclass
class ImportResult:
    """What one queue import did with each file."""

    imported: list[tuple[str, int]] = field(default_factory=list)
    already: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # left alone on purpose, e.g. still being written
    stuck: list[tuple[str, str]] = field(default_factory=list)  # left in the queue because moving it failed


def import_queue(sessions: sessionmaker, config: Config, directory: Path | None = None,
                 actor: str | None = None) -> ImportResult:
    """Import every settled .toml file in the queue folder, oldest name first, one import at a time."""
    directory = Path(directory or config.queue_dir)
    if not directory.is_dir():
        raise PostProblem(f"the queue folder {directory} does not exist")
    result = ImportResult()
    with queue_lock(directory):
        for path in settled(candidates(directory, result), config.queue_settle_seconds, result):
            import_file(sessions, config, path, result, actor)
    return result


@contextmanager
def queue_lock(directory: Path):
    """Hold the queue folder's lock file, so two imports never take the same file."""
    path = directory / LOCK_FILE
    try:
        handle = open(path, "a")
    except OSError as error:
        raise PostProblem(f"cannot write in the queue folder {directory} ({error.strerror}): make it writable "
                          "for the user running recovery-voice; nothing was imported") from None
    with handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PostProblem(f"another queue import has held {path} for over {LOCK_WAIT:.0f} s; "
                                      "try again when it has finished") from None
                time.sleep(0.05)
        yield


def candidates(directory: Path, result: ImportResult) -> list[Path]:
    """Return the regular .toml files to import, noting hidden files, links to nothing and folders."""
    found = []
    for path in sorted(directory.glob("*.toml")):
        reason = _not_importable(path)
        if reason:
            result.skipped.append((path.name, reason))
        else:
            found.append(path)
    return found


def _not_importable(path: Path) -> str | None:
    """Say why `path` is not a queue file to import, or None when it is one."""
    if path.name.startswith("."):
        return "a hidden file (like an editor's .#name.toml lock file), so not imported"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a link to a file that does not exist (like an editor's lock file), so not imported"
    except OSError as error:
        return f"cannot be read ({error.strerror}); it stays in the queue"
    if not stat.S_ISREG(mode):
        return "not a regular file (a folder?); only files ending in .toml are imported"
    return None


def settled(paths: list[Path], settle_seconds: float, result: ImportResult) -> list[Path]:
    """Return the files unchanged for `settle_seconds`, waiting once for young ones; skip those still changing."""
    if not paths or settle_seconds <= 0:
        return paths
    first = {path: _stamp(path) for path in paths}
    youngest = max(stamp[0] for stamp in first.values())
    wait = settle_seconds - (time.time() - youngest)
    if wait > 0:
        time.sleep(min(wait, settle_seconds))
    ready = []
    for path in paths:
        if _stamp(path) == first[path] and time.time() - first[path][0] >= settle_seconds:
            ready.append(path)
        else:
            result.skipped.append((path.name, f"still being written (changed in the last {settle_seconds:g} s); "
                                              "run the import again when it is finished"))
    return ready


def _stamp(path: Path) -> tuple[float, int]:
    """Return a file's modification time and size, to tell whether it is still changing."""
    try:
        info = path.stat()
    except OSError:
        return (time.time(), -1)
    return (info.st_mtime, info.st_size)


def import_file(sessions: sessionmaker, config: Config, path: Path, result: ImportResult,
                actor: str | None = None) -> None:
    """Import one file in one transaction, then move it to imported/ or rejected/."""
    try:
        data = path.read_bytes()
    except OSError as error:
        result.stuck.append((path.name, f"cannot be read ({error.strerror}); it stays in the queue"))
        return
    digest = hashlib.sha256(data).hexdigest()
    try:
        existing, post_id = _create_once(sessions, config, path, data, digest, actor)
    except PostProblem as error:
        reject(path, str(error), result)
        return
    # The database commit came first, keyed by the file's digest: if we stop before the move, the
    # next import finds the digest and only moves the file, so no post is made twice and none is lost.
    if existing:
        result.already.append((path.name, post_id))
    else:
        result.imported.append((path.name, post_id))
    try:
        _move(path, path.parent / "imported")
    except OSError as error:
        result.stuck.append((path.name, f"is post {post_id}, but could not be moved to imported/ "
                                        f"({error.strerror}); it stays in the queue and will not be imported twice"))


def _create_once(sessions: sessionmaker, config: Config, path: Path, data: bytes, digest: str,
                 actor: str | None) -> tuple[bool, int]:
    """Create the file's post unless its digest is already known; return (already there, post id)."""
    try:
        with transaction(sessions) as session:
            existing = session.scalar(select(Post.id).where(Post.source_digest == digest))
            if existing is not None:
                return True, existing
            post = create_post(session, config, read_draft(data), created_by=actor,
                               source=f"queue/{path.name}", source_digest=digest)
            return False, post.id
    except IntegrityError:
        # Another import (on another machine sharing the database) made it first.
        with sessions() as session:
            existing = session.scalar(select(Post.id).where(Post.source_digest == digest))
        if existing is None:
            raise
        return True, existing
    except OperationalError as error:
        raise DatabaseError(f"cannot write to the database ({error.orig}); {path.name} and the files after "
                            "it stay in the queue, so run the import again when it is back") from None


def read_draft(data: bytes) -> Draft:
    """Parse a queue file's bytes into a Draft, raising PostProblem that says what to fix."""
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PostProblem("the file is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise PostProblem(f"the file is not valid TOML: {error}") from None
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise PostProblem(f"unknown key {unknown[0]!r}; a queue file may have: {', '.join(KEYS)}")
    if "vars" in document and not isinstance(document["vars"], dict):
        raise PostProblem("vars must be a table: put [vars] on its own line, then name = \"value\" lines")
    if "template" in document and not isinstance(document["template"], str):
        raise PostProblem('template must be a quoted template name, like template = "milestone"')
    when = document.get("when", "next-slot")
    return Draft(
        text=document.get("text"),
        template=document.get("template"),
        values=document.get("vars"),
        accounts=document.get("accounts"),
        when=when.isoformat() if hasattr(when, "isoformat") else when,
        theme=document.get("theme"),
        content_warning=document.get("content_warning"),
    )


def reject(path: Path, message: str, result: ImportResult) -> None:
    """Move a file to rejected/ with a .error.txt beside it saying what to fix; on failure leave it queued."""
    note = (
        f"recovery-voice could not import {path.name} ({utcnow():%Y-%m-%d %H:%M} UTC).\n\n"
        f"What to fix: {message}\n\n"
        f"Nothing from this file was queued. Fix it, move it back into {path.parent}, "
        f"and run `recovery-voice queue import` again.\n"
    )
    folder = path.parent / "rejected"
    try:
        folder.mkdir(exist_ok=True)
        target = _free_name(folder, path)
        note_path = target.with_name(target.name + ".error.txt")
        _write_whole(note_path, note)
        os.replace(path, target)
    except OSError as error:
        # Written note first, then the move: a file never sits in rejected/ without its reason.
        result.stuck.append((path.name, f"{message} (could not be moved to rejected/ with its note: "
                                        f"{error.strerror}; it stays in the queue)"))
        return
    result.rejected.append((path.name, message))


def _write_whole(path: Path, text: str) -> None:
    """Write a file completely or not at all, so a full disk never leaves an empty note."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)
        raise


def _move(path: Path, folder: Path) -> Path:
    """Move a file into a folder without overwriting a file of the same name there."""
    folder.mkdir(exist_ok=True)
    target = _free_name(folder, path)
    os.replace(path, target)
    return target


def _free_name(folder: Path, path: Path) -> Path:
    """Return a name in `folder` for `path` that no file there has yet."""
    target = folder / path.name
    counter = 1
    while target.exists() or target.with_name(target.name + ".error.txt").exists():
        counter += 1
        target = folder / f"{path.stem}-{counter}{path.suffix}"
    return target
