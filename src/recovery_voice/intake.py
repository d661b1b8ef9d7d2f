"""Queue files: import each queue/*.toml as one post, all or nothing, and move it aside.

Also the one way a door that reads image files from disk (queue files, the command line) makes a post with
them: each file is checked and read within the size limit, stored without its metadata before the database
transaction (storing can take a second; the SQLite write lock is not held meanwhile), and removed again if the
post is not made, unless another post uses it. The image files themselves are left where they are: one photo
may serve several queue files, and they are the person's own files.
"""

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

from . import attachments, media
from .attachments import AttachmentProblem, NewImage
from .config import Config
from .db import DatabaseError, transaction
from .models import PEOPLE_ANSWERS, Post, utcnow
from .posts import Draft, PostProblem, create_post

KEYS = ("template", "vars", "text", "accounts", "when", "theme", "content_warning", "images")
IMAGE_KEYS = ("path", "alt", "decorative", "people", "part")
LOCK_FILE = ".import.lock"
LOCK_WAIT = 60.0  # seconds to wait for another import to finish before giving up


class MediaFolderProblem(Exception):
    """Images cannot be stored because of the media folder (not the images): nothing was queued."""


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
    existing = _post_from(sessions, digest, path)
    if existing is not None:  # made by an import that stopped before moving the file: its images are not read
        return True, existing
    document = read_document(data)
    draft = read_draft(document)
    try:
        with stored_images(sessions, config.media_dir, queue_images(path.parent, document)) as draft.images:
            return False, _create(sessions, config, path, draft, digest, actor)
    except _Already as already:  # its images were removed again on the way out, unless that post uses them
        return True, already.post_id


def _create(sessions: sessionmaker, config: Config, path: Path, draft: Draft, digest: str,
            actor: str | None) -> int:
    """Make the post in one transaction, raising _Already when a post from the same bytes exists."""
    try:
        with transaction(sessions) as session:
            existing = session.scalar(select(Post.id).where(Post.source_digest == digest))
            if existing is not None:
                raise _Already(existing)
            return create_post(session, config, draft, created_by=actor, source=f"queue/{path.name}",
                               source_digest=digest).id
    except IntegrityError:
        # Another import (on another machine sharing the database) made it first.
        existing = _post_from(sessions, digest, path)
        if existing is None:
            raise
        raise _Already(existing) from None
    except OperationalError as error:
        raise _database_down(error, path) from None


def _post_from(sessions: sessionmaker, digest: str, path: Path) -> int | None:
    """The post already made from a queue file with these bytes, if any."""
    try:
        with sessions() as session:
            return session.scalar(select(Post.id).where(Post.source_digest == digest))
    except OperationalError as error:
        raise _database_down(error, path) from None


def _database_down(error: OperationalError, path: Path) -> DatabaseError:
    """Say the database cannot be written, and that the file waits in the queue for the next import."""
    return DatabaseError(f"cannot write to the database ({error.orig}); {path.name} and the files after "
                         "it stay in the queue, so run the import again when it is back")


class _Already(Exception):
    """The file's post exists already (made by another import): carries its id out of the image cleanup."""

    def __init__(self, post_id: int):
        super().__init__(post_id)
        self.post_id = post_id


def read_document(data: bytes) -> dict:
    """Parse a queue file's bytes as TOML with only the known keys, raising PostProblem that says what to fix."""
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PostProblem("the file is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise PostProblem(f"the file is not valid TOML: {error}") from None
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise PostProblem(f"unknown key {unknown[0]!r}; a queue file may have: {', '.join(KEYS)}")
    return document


def read_draft(document: dict) -> Draft:
    """The post a parsed queue file asks for (its images are read separately), raising PostProblem."""
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


# ------------------------------------------------------------------ images read from files


def queue_images(folder: Path, document: dict) -> list[NewImage]:
    """Read a parsed queue file's [[images]]: every table checked first, then each file, within the limits."""
    tables = document.get("images", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise PostProblem('images must be [[images]] tables: put [[images]] on its own line, then path = '
                          '"photo.jpg", alt = "what it shows" and people = "none" (or "agreed") lines')
    if len(tables) > attachments.MAX_IMAGES:
        raise PostProblem(f"the file has {len(tables)} [[images]] tables; a post can carry at most "
                          f"{attachments.MAX_IMAGES}, so remove {len(tables) - attachments.MAX_IMAGES}")
    for position, table in enumerate(tables, start=1):
        _check_image_table(position, table)
    return [_queue_image(folder, position, table) for position, table in enumerate(tables, start=1)]


def _check_image_table(position: int, table: dict) -> None:
    """Refuse an [[images]] table with an unknown key, no path, or a missing or odd answer, saying what to write."""
    unknown = sorted(set(table) - set(IMAGE_KEYS))
    if unknown:
        raise PostProblem(f"image {position}: unknown key {unknown[0]!r}; an [[images]] table may have: "
                          f"{', '.join(IMAGE_KEYS)}")
    path = table.get("path")
    if not isinstance(path, str) or not path.strip():
        raise PostProblem(f'image {position} has no path; add path = "photo.jpg" (relative to the queue '
                          "file's folder)")
    if any(ord(character) < 32 or ord(character) == 127 for character in path):
        raise PostProblem(f"image {position}: the path {path!r} holds a control character (like a line break); "
                          "type the file's name again")
    which = f"image {position} ({path})"
    if not isinstance(table.get("alt", ""), str):
        raise PostProblem(f'{which}: alt must be quoted text, like alt = "Two people on a hill path"')
    if not isinstance(table.get("decorative", False), bool):
        raise PostProblem(f"{which}: decorative must be true or false, without quotes")
    if table.get("people") not in PEOPLE_ANSWERS:
        raise PostProblem(f'{which}: say whether anyone could be recognised in it: add people = "none" if no '
                          'one could be, or people = "agreed" if they could and agreed to it being shared')
    part = table.get("part", 1)
    if not isinstance(part, int) or isinstance(part, bool) or part < 1:
        raise PostProblem(f"{which}: part must be a whole number from 1 (the first post of a thread), "
                          "without quotes")


def _queue_image(folder: Path, position: int, table: dict) -> NewImage:
    """One [[images]] table as a NewImage, its file read from inside the queue folder."""
    shown = table["path"]
    data = read_image(position, shown, inside_folder(folder, position, shown),
                      "check the path: it is relative to the queue file's folder")
    return NewImage(data, shown, table.get("alt", ""), table.get("decorative", False), table["people"],
                    table.get("part", 1))


def inside_folder(folder: Path, position: int, shown: str) -> Path:
    """The real path of a queue file's image, refusing one that is absolute or leads outside the folder."""
    if Path(shown).is_absolute():
        raise PostProblem(f"image {position} ({shown}): the path must be relative to the queue file's folder, "
                          "like images/walk.jpg; copy the image into the queue folder")
    base = folder.resolve()
    try:
        target = (base / shown).resolve()  # follows links, so a link pointing out of the folder is caught too
    except (RuntimeError, OSError):
        raise PostProblem(f"image {position} ({shown}): is a loop of links that never reaches a file; give the "
                          "image's own path, like images/walk.jpg") from None
    if not target.is_relative_to(base):
        raise PostProblem(f"image {position} ({shown}): leads outside the queue folder {folder}; copy the image "
                          "into it (a subfolder like images/ is fine)")
    return target


def read_image(position: int, shown: str, path: Path, missing_hint: str) -> bytes:
    """Read an image file, checking first that it is a regular file within the upload size limit."""
    which = f"image {position} ({shown})"
    try:
        # Non-blocking, so a named pipe given as an image cannot hang the import; fstat then judges it. Opened
        # by open() itself, so no descriptor is left open when it refuses (a folder).
        handle = open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK))
    except FileNotFoundError:
        raise PostProblem(f"{which}: there is no such file; {missing_hint}") from None
    except IsADirectoryError:
        raise PostProblem(f"{which}: is a folder, not a file; give the path of an image file") from None
    except OSError as error:
        raise PostProblem(f"{which}: cannot be read ({error.strerror}); make it readable for the user "
                          "running recovery-voice") from None
    with handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PostProblem(f"{which}: is not a file (a folder?); give the path of an image file")
        if info.st_size > media.MAX_UPLOAD_BYTES:
            raise PostProblem(f"{which}: is {info.st_size / 1e6:.1f} MB, over the 20 MB limit; make it smaller "
                              "(a phone's 'medium' size is plenty)")
        try:
            return handle.read(media.MAX_UPLOAD_BYTES + 1)  # no further, even if it grew meanwhile
        except OSError as error:
            raise PostProblem(f"{which}: cannot be read ({error.strerror})") from None


@contextmanager
def stored_images(sessions: sessionmaker, media_dir: Path, images: list[NewImage]):
    """Store the images before any transaction; if the block fails, remove those newly stored that no post uses."""
    if not images:
        yield []
        return
    before = _stored_digests(media_dir)
    try:
        attached = attachments.store_new(media_dir, images)
    except AttachmentProblem as problem:
        raise PostProblem(_naming(problem, images)) from None
    except OSError as error:  # the folder, not the image: nothing is rejected, the person fixes the folder
        raise MediaFolderProblem(f"cannot store images in the media folder {media_dir} ({error.strerror}); make "
                                 "it writable for the user running recovery-voice, then try again") from None
    fresh = {image.digest for image in attached} - before
    try:
        yield attached
    except BaseException as error:
        discard(sessions, media_dir, fresh)
        if isinstance(error, PostProblem) and isinstance(error.__cause__, AttachmentProblem):
            raise PostProblem(_naming(error.__cause__, images)) from None  # e.g. alt too long for X
        raise


def _stored_digests(media_dir: Path) -> set[str]:
    """The digests of the images in the media folder now."""
    folder = Path(media_dir)
    return {path.name.split(".", 1)[0] for path in folder.iterdir()} if folder.is_dir() else set()


def discard(sessions: sessionmaker, media_dir: Path, digests: set[str]) -> None:
    """Delete these newly stored images again, keeping any a post or story uses meanwhile."""
    if not digests:
        return
    try:
        with sessions() as session:
            attachments.forget_unused(session, media_dir, digests)
    except OperationalError:
        # The database cannot say; these files were not on disk before this import, so no post had them.
        for digest in digests:
            media.forget(media_dir, digest)


def _naming(problem: AttachmentProblem, images: list[NewImage]) -> str:
    """The problem's message with the image's path in it, so the person knows which file to fix."""
    message = str(problem)
    if problem.position is None:
        return message
    shown = images[problem.position - 1].name
    head = f"image {problem.position}"
    if message.startswith(head):
        return f"{head} ({shown})" + message[len(head):]
    return f"{head} ({shown}): " + message.removeprefix(Path(shown).name + ": ")


def add_post(sessions: sessionmaker, config: Config, draft: Draft, images: list[NewImage], actor: str | None,
             source: str) -> int:
    """Make a post with images read from files (the command line): nothing stays stored if it is not made."""
    with stored_images(sessions, config.media_dir, images) as draft.images:
        try:
            with transaction(sessions) as session:
                return create_post(session, config, draft, created_by=actor, source=source).id
        except OperationalError as error:
            raise DatabaseError(f"cannot write to the database ({error.orig}); nothing was queued, so run the "
                                "command again when it is back") from None


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
