"""Queue files: import each queue/*.toml as one post, all or nothing, and move it aside."""

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from .config import Config
from .db import transaction
from .models import Post, utcnow
from .posts import Draft, PostProblem, create_post

KEYS = ("template", "vars", "text", "accounts", "when", "theme", "content_warning")


@dataclass
class ImportResult:
    """What one queue import did with each file."""

    imported: list[tuple[str, int]] = field(default_factory=list)
    already: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def import_queue(sessions: sessionmaker, config: Config, directory: Path | None = None,
                 actor: str | None = None) -> ImportResult:
    """Import every .toml file in the queue folder, oldest name first."""
    directory = Path(directory or config.queue_dir)
    if not directory.is_dir():
        raise PostProblem(f"the queue folder {directory} does not exist")
    result = ImportResult()
    for path in sorted(directory.glob("*.toml")):
        import_file(sessions, config, path, result, actor)
    return result


def import_file(sessions: sessionmaker, config: Config, path: Path, result: ImportResult,
                actor: str | None = None) -> None:
    """Import one file in one transaction, then move it to imported/ or rejected/."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with transaction(sessions) as session:
            existing = session.scalar(select(Post.id).where(Post.source_digest == digest))
            if existing is None:
                post = create_post(session, config, read_draft(data), created_by=actor,
                                   source=f"queue/{path.name}", source_digest=digest)
                post_id = post.id
    except PostProblem as error:
        reject(path, str(error))
        result.rejected.append((path.name, str(error)))
        return
    # The database commit came first: if we stop before the move, the next import finds the
    # digest and only moves the file, so no post is made twice and no file is lost.
    if existing is None:
        result.imported.append((path.name, post_id))
    else:
        result.already.append((path.name, existing))
    _move(path, path.parent / "imported")


def read_draft(data: bytes) -> Draft:
    """Parse a queue file's bytes into a Draft, raising PostProblem that says what to fix."""
    try:
        document = tomllib.loads(data.decode("utf-8"))
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


def reject(path: Path, message: str) -> None:
    """Move a file to rejected/ with a .error.txt beside it saying what to fix."""
    folder = path.parent / "rejected"
    target = _move(path, folder)
    note = (
        f"recovery-voice could not import {path.name} ({utcnow():%Y-%m-%d %H:%M} UTC).\n\n"
        f"What to fix: {message}\n\n"
        f"Nothing from this file was queued. Fix it, move it back into {path.parent}, "
        f"and run `recovery-voice queue import` again.\n"
    )
    target.with_name(target.name + ".error.txt").write_text(note, encoding="utf-8")


def _move(path: Path, folder: Path) -> Path:
    """Move a file into a folder without overwriting a file of the same name there."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"{path.stem}-{counter}{path.suffix}"
    os.replace(path, target)
    return target
