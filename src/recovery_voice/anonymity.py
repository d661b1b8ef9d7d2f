"""Anonymity that holds, for one story: what in it could identify someone, and the storyteller accepting a redaction.

The identifiers come from the story's saved care result (title and text) and, for its photos' alt text,
from care.assess on the fly (nothing saves one for alt text). Accepting a redaction changes the story
through stories.edit, so it is a new version, checked again, that needs signing off like any change.
"""

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from . import attachments
from .care import identifiers
from .config import Config
from .models import Story, User
from .stories import StoryDraft, StoryProblem, edit


@dataclass(frozen=True)
class Spot:
    """One identifier in a story: in its "title", its "text" or a photo's alt text ("photo 2"), and its redaction."""

    index: int
    where: str
    kind: str
    start: int
    end: int
    text: str
    redaction: str


def spots(session: Session, config: Config, story: Story) -> list[Spot]:
    """Every identifier in the story as it is now: title, text, then each photo's alt text."""
    found = [item for item in _saved(session, config, story) if _still_there(story, item)]
    for row in attachments.of_story(session, story.id):
        found += [{**item, "in": f"photo {row.position}"} for item in _assess(session, config, story, row.alt)]
    return [Spot(index, item.get("in", "text"), item["kind"], item["start"], item["end"], item["text"],
                 item.get("redaction") or "") for index, item in enumerate(found)]


def grouped(found: list[Spot]) -> list[tuple[Spot, int]]:
    """One entry per identifier said in one place, with how often (a name said five times is one choice, not five)."""
    seen: dict[tuple[str, str, str], tuple[Spot, int]] = {}
    for spot in found:
        first, count = seen.get((spot.where, spot.kind, spot.text), (spot, 0))
        seen[(spot.where, spot.kind, spot.text)] = (first, count + 1)
    return list(seen.values())


def _saved(session: Session, config: Config, story: Story) -> list[dict]:
    """The identifiers of the story's saved care result, or checked now for a story saved without one."""
    if story.care is not None:
        return list(story.care.get("identifiers") or [])
    return [{**item, "in": part} for part, words in (("title", story.title), ("text", story.text))
            for item in _assess(session, config, story, words)]


def _assess(session: Session, config: Config, story: Story, words: str | None) -> list[dict]:
    """The identifiers care.assess would give for some of the story's words, as strict as the storyteller's naming
    asks (only that part of the check: topics and crisis are not needed here)."""
    if not words:
        return []
    found = identifiers.find(words, naming=story.naming, own_name=_own_name(session, story),
                             shown_name=story.shown_name, region=config.region)
    return [item.to_dict() for item in found]


def _own_name(session: Session, story: Story) -> str | None:
    """The storyteller's name as the organisation knows it (their display name)."""
    author = session.get(User, story.author_id)
    return (author.display_name or "").strip() or None if author is not None else None


def _still_there(story: Story, item: dict) -> bool:
    """Whether a saved identifier still points at its words (a result from other words is not offered)."""
    words = story.title if item.get("in") == "title" else story.text
    return (words or "")[item["start"]:item["end"]] == item["text"]


def fellowship_note(session: Session, story: Story, found: list[Spot]) -> str | None:
    """The gentle note about a fellowship's tradition, for a storyteller named by their own name who names one."""
    named = [spot for spot in found if spot.kind == "fellowship"]
    if story.naming != "own_name" or not named:
        return None
    note = getattr(identifiers, "fellowship_note", None)
    if note is not None:
        given = [identifiers.Identifier(s.kind, s.start, s.end, s.text, s.redaction) for s in named if s.where == "text"]
        return note(story.text, story.naming, given)
    return None


def redact(session: Session, config: Config, story: Story, index: int, seen_version: int) -> Spot:
    """Put one identifier's redaction in its place, and wherever the same words are in that place, as a new version
    of the story; return what was changed.

    `seen_version` is the version the storyteller's page showed: a story changed since is refused, so the
    words replaced are always the ones they chose.
    """
    if seen_version != story.version:
        raise StoryProblem("your story changed after you opened this page; look at it again below")
    found = spots(session, config, story)
    if not 0 <= index < len(found) or not found[index].redaction:
        raise StoryProblem("that part of your story is no longer there; look at it again below")
    spot = found[index]
    same = [other for other in found if (other.where, other.kind, other.text) == (spot.where, spot.kind, spot.text)]
    edit(session, config, story, None, _draft_with(session, story, spot.where, same))
    return spot


def _draft_with(session: Session, story: Story, where: str, spots: list[Spot]) -> StoryDraft:
    """The story as it is, with these identifiers (all in one place) replaced by their redactions (photos kept; one
    alt text changed)."""
    title, text, photos = story.title, story.text, None
    if where == "title":
        title = _replaced(title, spots)
    elif where == "text":
        text = _replaced(text, spots)
    else:
        rows = attachments.of_story(session, story.id)
        photos = [attachments.Attached.of(row) for row in rows]
        at = [row.position for row in rows].index(int(where.split()[1]))
        photos[at] = replace(photos[at], alt=_replaced(photos[at].alt, spots))
    return StoryDraft(title, text, story.naming, story.shown_name, list(story.networks), story.consent_until,
                      story.content_warning, photos)


def _replaced(words: str, spots: list[Spot]) -> str:
    """The words with each identifier's span replaced by its redaction, fitted to the sentence by the care check."""
    return identifiers.redact(words, [identifiers.Identifier(spot.kind, spot.start, spot.end, spot.text,
                                                             spot.redaction) for spot in spots])
