"""What in a text could identify the storyteller or other people: phone numbers, emails, addresses..."""

from __future__ import annotations

KINDS = ("phone", "email", "address", "postcode", "date-of-birth", "person", "place", "workplace", "fellowship")


class Identifier:
    """One piece of text that could identify someone, with the redaction offered for it."""

    __slots__ = ("kind", "start", "end", "text", "redaction")

    def __init__(self, kind: str, start: int, end: int, text: str, redaction: str) -> None:
        self.kind, self.start, self.end, self.text, self.redaction = kind, start, end, text, redaction

    def to_dict(self) -> dict:
        """Return {"kind", "start", "end", "text", "redaction"} for JSON."""
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text,
                "redaction": self.redaction}


def find(text: str, *, naming: str | None = None, own_name: str | None = None,
         region: str = "uk") -> list[Identifier]:
    """Return every identifier in the text, sorted by where it starts."""
    raise NotImplementedError("identifier detection is being built (issue 14)")
