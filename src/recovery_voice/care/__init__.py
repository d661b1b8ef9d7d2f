"""Care: what a text touches (suicide, a death from drugs), whether its writer may be at risk now, and
what in it could identify someone.

Like the language check it sits at the bottom of the pipeline: it imports nothing else from
recovery_voice except the language package. Safe-messaging findings (rule ids "safe-...") are ordinary
language findings, in language/safe.toml; this package answers the rest in one result:

    >>> assess("He died by suicide last year.")["topics"]
    ['suicide']
"""

from __future__ import annotations

from . import crisis, identifiers, topics

VOICES = ("organisation", "storyteller")
NAMINGS = (None, "own_name", "first_name", "pseudonym", "anonymous")


def assess(text: str, *, voice: str = "organisation", naming: str | None = None,
           own_name: str | None = None, region: str = "uk") -> dict:
    """Return {"topics", "crisis", "identifiers"} for one text: the `care` of `check --format json`.

    `crisis` is only ever true for the storyteller voice; `naming` (how the storyteller chose to be named)
    and `own_name` (their name as the organisation knows it) make the identifier check stricter; `region`
    ("uk" or "us") is where phone numbers without a country code and postcodes are read as from.
    """
    if not isinstance(text, str):
        raise TypeError(f"assess() needs text as a str, not {type(text).__name__}")
    if voice not in VOICES:
        raise ValueError(f"voice {voice!r} is not known; use 'organisation' or 'storyteller'")
    if naming not in NAMINGS:
        raise ValueError(f"naming {naming!r} is not known; use one of own_name, first_name, pseudonym, anonymous")
    return {
        "topics": topics.topics(text),
        "crisis": voice == "storyteller" and crisis.at_risk(text),
        "identifiers": [found.to_dict() for found in identifiers.find(text, naming=naming, own_name=own_name,
                                                                                region=region)],
    }


def touches_death(care: dict | None) -> bool:
    """Tell whether a saved care result touches suicide or a death from drugs (two approvals, support footer)."""
    return bool(care and care.get("topics"))
