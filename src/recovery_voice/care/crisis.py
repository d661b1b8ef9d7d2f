"""Whether a storyteller's words suggest they may be at risk now (not a past crisis told as recovery)."""

from __future__ import annotations


def at_risk(text: str) -> bool:
    """Tell whether the text suggests its writer may be at risk now."""
    raise NotImplementedError("crisis detection is being built (issue 14)")
