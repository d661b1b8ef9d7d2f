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


# What must be in a text for the finders of contacts.py and fellowships.py to find anything: kept here, below
# both, so that identifiers.find loads neither for a text without them (each took milliseconds to import).
BIRTH_WORDS = ("born", "birthday", "date of birth", "dob", "d.o.b", "bday", "b-day", "turn", "would have been",
               "will be", "b.", "geni", "ngeni", "nací", "nacid", "nació", "cumpleaños", "penblwydd", "pen-blwydd",
               "urodzi", "birth cert")
UPPER_FELLOWSHIPS = ("AA", "NA", "CA", "GA", "CMA", "HA", "MA", "SA", "OA", "SLAA", "ACA")
LOWER_FELLOWSHIPS = ("aa", "na", "ca")  # only before "meetings" and the like


def spells_an_email(lowered: str) -> bool:
    """Tell whether a lower-cased text has the words of an email spelled out ("jo at mail dot com")."""
    return ("[at]" in lowered or "(at)" in lowered
            or (" at " in lowered and (" dot " in lowered or "[dot]" in lowered or "(dot)" in lowered)))


def meeting_word(lowered: str) -> bool:
    """Tell whether a word that may follow a fellowship's short name in lower case is in the text."""
    return ("meeting" in lowered or "group" in lowered or "sponsor" in lowered or "fellowship" in lowered
            or "program" in lowered or "rooms" in lowered or "member" in lowered or "literature" in lowered)


def fellowship_names(text: str, lowered: str) -> tuple[str, ...]:
    """Return the short fellowship names worth looking for in the text (upper case if it has an "A")."""
    return (UPPER_FELLOWSHIPS if "A" in text else ()) + (LOWER_FELLOWSHIPS if meeting_word(lowered) or " na" in text
                                                         or " aa" in text else ())


def may_hold_contacts(text: str, lowered: str, digits: int) -> bool:
    """Tell whether contacts.py's finders could find anything: digits, an "@", a spelled email or phone, or a birth word."""
    return (bool(digits) or "@" in text or spells_an_email(lowered) or any(word in lowered for word in BIRTH_WORDS)
            or "baby" in lowered or "into the world" in lowered
            or says_digits(lowered))


def says_digits(lowered: str) -> bool:
    """Tell cheaply whether a phone number may be said in words ("oh seven seven double oh...")."""
    if ("oh " in lowered or "oh-" in lowered or "zero" in lowered) and ("seven" in lowered or "double" in lowered or "nine" in lowered):
        return True
    # A US number said aloud starts with its area code: "three one three, five five five, zero one six four".
    return "zero" in lowered and sum(lowered.count(word) for word in _DIGIT_WORDS) >= 8


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def may_name_fellowship(text: str, lowered: str) -> bool:
    """Tell whether fellowships.py's finder could find anything: "anon", "alateen", "coda" or a short name."""
    return ("anon" in lowered or "alateen" in lowered or "coda" in lowered
            or any(name in text for name in fellowship_names(text, lowered)))
