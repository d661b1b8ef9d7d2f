"""The words around a name: each capitalised Word, the word before a place in the text, possessives."""

from __future__ import annotations

from ..language.lazy import LazyPattern

PUNCTUATION = ".,;:!?\"'“”’)…"
THE_BEFORE = LazyPattern(r"(?i:\bthe)[ ]+$")


class Word:
    """A capitalised word: where it starts and ends (without a possessive 's) and the word itself."""

    __slots__ = ("start", "end", "text", "possessive", "after")

    def __init__(self, start: int, end: int, text: str, after: int) -> None:
        self.start, self.end, self.text, self.after = start, end, text, after  # after: past the 's
        self.possessive = after != end


def word_before(text: str, start: int) -> str:
    """Return the word just before `start`, in lower case, without a comma."""
    end = start - 1
    while end > 0 and text[end - 1] in " ,":
        end -= 1
    return text[text.rfind(" ", 0, end) + 1:end].lower()


def without_possessive(word: str) -> str:
    """Return the word without a possessive "'s" or "'" at its end ("Kyle's" -> "Kyle", "Thomas'" -> "Thomas")."""
    if word.endswith(("'s", "’s")):
        return word[:-2]
    return word[:-1] if word.endswith(("'", "’")) else word
