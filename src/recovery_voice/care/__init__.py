"""Care: what a text touches (suicide, a death from drugs), whether its writer may be at risk now, and
what in it could identify someone.

Like the language check it sits at the bottom of the pipeline: it imports nothing else from
recovery_voice except the language package. Safe-messaging findings (rule ids "safe-...") are ordinary
language findings, in language/safe.toml; this package answers the rest in one result:

    >>> assess("He died by suicide last year.")["topics"]
    ['suicide']

The Python API of `check --format json` is check_text(): the language report and the care result of one
text in one dict, exactly the object the command prints for it:

    >>> result = check_text("He died by suicide last year.")
    >>> sorted(result), result["care"]["topics"]
    (['care', 'findings', 'ok', 'suggested_text'], ['suicide'])

A story is published as its title and its text, so assess_story() checks both and says in each
identifier which one it is in ("in": "title" or "text"), its offsets counting in that one.
"""

from __future__ import annotations

_STORY_PARTS = ("title", "text")

TOPICS = ("suicide", "drug-death")  # in the order results list them (topics.py, topic_model.py)
TOPIC_WORDS = {"suicide": "suicide", "drug-death": "a death from drugs"}  # each topic as a sentence says it
VOICES = ("organisation", "storyteller")
NAMINGS = (None, "own_name", "first_name", "pseudonym", "anonymous")


def assess(text: str, *, voice: str = "organisation", naming: str | None = None,
           own_name: str | None = None, region: str = "uk", shown_name: str | None = None) -> dict:
    """Return {"topics", "crisis", "identifiers"} for one text: the `care` of `check --format json`.

    `crisis` is only ever true for the storyteller voice; `naming` (how the storyteller chose to be named)
    and `own_name` (their name as the organisation knows it) make the identifier check stricter; `region`
    ("uk" or "us") is where phone numbers without a country code and postcodes are read as from;
    `shown_name`, the name a story goes out under, is never an identifier when they chose a first name or pseudonym.
    """
    if not isinstance(text, str):
        raise TypeError(f"assess() needs text as a str, not {type(text).__name__}")
    if voice not in VOICES:
        raise ValueError(f"voice {voice!r} is not known; use 'organisation' or 'storyteller'")
    if naming not in NAMINGS:
        raise ValueError(f"naming {naming!r} is not known; use one of own_name, first_name, pseudonym, anonymous")
    # Imported here, not with the package: approvals only reads saved results, and crisis detection (the
    # costliest to load) is needed only for a storyteller's words, so a plain `check` never loads it.
    from . import identifiers, topics

    return {
        "topics": topics.topics(text),
        "crisis": voice == "storyteller" and _at_risk(text),
        "identifiers": [found.to_dict() for found in identifiers.find(text, naming=naming, own_name=own_name,
                                                                                region=region, shown_name=shown_name)],
    }


def _at_risk(text: str) -> bool:
    """Tell whether a storyteller's words suggest they may be at risk now (crisis.at_risk, loaded when first asked)."""
    from . import crisis

    return crisis.at_risk(text)


def touches_death(care: dict | None) -> bool:
    """Tell whether a saved care result touches suicide or a death from drugs (two approvals, support footer)."""
    return bool(care and care.get("topics"))


def check_text(text: str, *, voice: str = "organisation", settings=None, region: str | None = None,
               fail_on: str = "warning") -> dict:
    """Return {"ok", "findings", "suggested_text", "care"} for one text: the object `check --format json` prints.

    `settings` are the organisation's language settings (None: the defaults); `region` defaults to theirs.
    """
    from ..language import check  # loaded already wherever a check runs; here so assess() alone needs none of it

    report = check(text, voice=voice, settings=settings)
    return {**report.to_dict(fail_on=fail_on), "care": assess(text, voice=voice, region=region or region_of(settings))}


def region_of(settings) -> str:
    """The region of these language settings ("uk" or "us"); the default's, "uk", for None."""
    return settings.region if settings is not None else "uk"


def assess_story(title: str, text: str, *, naming: str | None = None, own_name: str | None = None,
                 region: str = "uk", shown_name: str | None = None) -> dict:
    """Return one care result for a story's title and text, in the storyteller's voice.

    Topics are those of either, crisis is either's, and each identifier says with "in" which of the two it is in.
    """
    parts = {part: assess(words, voice="storyteller", naming=naming, own_name=own_name, region=region,
                          shown_name=shown_name)
             for part, words in zip(_STORY_PARTS, (title, text))}
    found = set(parts["title"]["topics"]) | set(parts["text"]["topics"])
    return {
        "topics": [topic for topic in TOPICS if topic in found],
        "crisis": parts["title"]["crisis"] or parts["text"]["crisis"],
        "identifiers": [{**item, "in": part} for part in _STORY_PARTS for item in parts[part]["identifiers"]],
    }
