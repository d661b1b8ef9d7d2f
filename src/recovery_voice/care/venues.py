"""Places and workplaces among a text's capitalised words: streets, venues, towns, employers.

proper.py finds the runs of capitalised words and what stands around them; the rules here say when a
run is a place (a town, a street, a named venue) or a workplace (a named employer said about someone
working there), and what is offered in its place. Each returns a (kind, start, end, redaction) tuple.
"""

from __future__ import annotations

import re

from ..language.lazy import LazyPattern
from .wordlists import Lists, occurrences
from .words import PUNCTUATION, THE_BEFORE, Word, word_before

Found = tuple[str, int, int, str]

# Words that say the sentence is about someone's job ("I'm a nurse at ...", "on tills at Tesco").
_WORK_WORDS = LazyPattern(r"(?i:\b(?:work|works|worked|working|job|jobs|shift|shifts|hired|employed|employer|boss|"
                          r"manager|supervisor|tills?|on the desk|labour|labor|drive for|drives for|driving for|teach|"
                          r"teaches|taught|cleaner|chef|nurse|porter|carer|mentor|volunteer|"
                          r"volunteers|volunteering|apprentice|sacked|fired|gaffer|wages|flip burgers|"
                          r"stack shelves|stacking shelves|line cook|barista|waitress|waiter|bar staff)\b)")
_AT_OR_FOR = LazyPattern(r"(?i:\b(?:at|for|with)[ ]+(?:the[ ]+)?)$")
_THE_END = LazyPattern(r"(?:(?P<the>the)[ ]+)?$", re.IGNORECASE)
EMPLOYS_AFTER = LazyPattern(r"[ ]+(?:fired|sacked|hired|employed|took me on|let me go|laid me off|pays me)\b")
# A club or company named after a town is not the town: "Leeds United", "Calton Athletic".
_CLUBS = frozenset("United Rovers Wanderers Athletic FC AFC Albion Villa Hotspur Rangers Celtic Argyle Academicals "
                   "Thistle Harriers".split())
_CAPITAL_BEFORE = LazyPattern(r"[A-Z][a-z]*[ ]$")
# A noun after a name says the name is used of it: "the Bradford hub", "the Grand casino".
_LOWER_WORD_AFTER = LazyPattern(r"[ ]+(?!(?:and|or|in|on|at|to|for|from|with|was|is|were|are|had|has|by|of|as|"
                               r"where|when|which|who|that|because|but|so|then|every|each|last|next|this)\b)[a-z]{3,}")
_ORGANISATIONS = frozenset("Council Trust Foundation Charity Society Association Board Authority Commission Service "
                           "Post Gazette Advertiser Echo Herald Telegraph Express Chronicle Argus Courier News Star "
                           "Mail Observer Independent Standard "
                           "Services Partnership Network Alliance Group Committee Party Company Ltd Limited Inc "
                           "Department Agency Institute".split())
_GENERIC = frozenset("Community Recovery General Royal District County City Local Central Primary Secondary High "
                     "Junior Infant Infants Leisure Medical Health Public Parish Methodist Baptist Catholic "
                     "Anglican Village Town Old New Main Sports Youth Memorial University Women's Men's "
                     "Children's Mental Day Drop-In Drop-in Food Bank Job Jobcentre Centre Center Plus Hub Project Café Cafe Hall "
                     "Church Hospital School Borough Market".split())
_NOT_ALONE_STREETS = frozenset({"High", "Main", "Front", "Back"})  # "the High Street" is in every town
STRONG_STREETS = frozenset("Street St Road Rd Avenue Ave Lane Ln Drive Close Crescent Terrace Grove Gardens "
                            "Boulevard Blvd Mews Square Hill Row Court Place Highway".split())
_LOWER_WORDS_AFTER = LazyPattern(r"(?:['’]s?)?[ ]+([a-z]+(?:[ ][a-z]+)?)")
# A storyteller signing off with where they are from, as charities print stories: "Andy, Irvine.",
# "Lisa K, Cumnock.", "Stacey, 36, Seacroft." A first name (and an initial or surname), maybe an age, then the town.
_SIGN_OFF_BEFORE = LazyPattern(r"(?:^|[\n.!?])[ ]*(?P<name>[A-Za-z][\w'’-]+)(?:[ ]+(?:[A-Z]\.?|[A-Z][\w'’-]+))?,[ ]+"
                               r"(?:\d{1,3},[ ]+)?$")
_SIGN_OFF_AFTER = LazyPattern(r"(?:,?[ ]+[A-Z]{2}\b)?[ ]*(?:[.,!;:\n—–-]|$)")


def saints(group: list[Word]) -> Found | None:
    """ "St Vincent's", "St. Anne's": a church, a hospital, a school named after a saint."""
    if len(group) > 1 and group[0].text in ("St", "St.", "Saint") and group[-1].possessive:
        return "place", group[0].start, group[-1].after, "a local venue"
    return None


def after_a_sign_off(text: str, start: int, ls: Lists) -> bool:
    """Tell whether `start` follows a storyteller's first name (and initial or surname, and age) and a comma, as a sentence."""
    if text[max(0, start - 2):start] != ", ":
        return False  # most words: a quick look first
    found = _SIGN_OFF_BEFORE.search(text, max(0, start - 40), start)
    return found is not None and found.group("name").lower() in ls.names


def signed_off(text: str, group: list[Word], ls: Lists) -> Found | None:
    """ "Andy, Irvine.": the town a storyteller signs off with, after their first name (and age), ending its sentence."""
    if not (after_a_sign_off(text, group[0].start, ls) and _SIGN_OFF_AFTER.match(text, group[-1].end)):
        return None
    return "place", group[0].start, group[-1].end, "a town"


def town(text: str, group: list[Word], ls: Lists, job_at: bool = False) -> bool:
    """Tell whether the group is a town or district from the list, or in no list but after "in" ("work in Hackney").

    `job_at` says a job was named before ("a CNA at", "drove for"): a listed place straight after its "at" or "for"
    is the employer named after it ("a CNA at Sanford", "drove for Goodyear"), unless a venue word follows ("at
    Lewisham hospital").
    """
    name = text[group[0].start:group[-1].end]
    before = word_before(text, group[0].start)
    if name in ls.employers:
        return False  # "the Vauxhall plant": the carmaker, not the London district
    if name in ls.places or name in ls.place_words:
        after = _LOWER_WORDS_AFTER.match(text, group[-1].after)
        return not job_at or before not in ("at", "for", "with") or bool(after and after.group(1).split()[0] in ls.venues)
    return before == "in" and group[-1].text.lower() not in ls.venues and group[-1].text not in _ORGANISATIONS


def at_or_for(text: str, start: int) -> bool:
    """Tell whether "at", "for" or "with" (and perhaps "the") stands right before `start`: where a workplace is named."""
    return bool(_AT_OR_FOR.search(text, max(0, start - 10), start))


def work_in_sentence(text: str, start: int, end: int | None = None) -> re.Match | None:
    """Return a match of "the" before `start` (or of nothing) when the sentence around the name at start:end
    speaks of a job (the name itself left out: "the Unity Works" is no job)."""
    end = start if end is None else end
    begin = max([text.rfind(stop, max(0, start - 120), start) for stop in ".!?\n"] + [max(0, start - 120) - 1]) + 1
    ends = [at for at in (text.find(stop, end, end + 120) for stop in ".!?\n") if at >= 0]
    finish = min(ends) if ends else min(len(text), end + 120)
    if not (_WORK_WORDS.search(text, begin, start) or _WORK_WORDS.search(text, end, finish)):
        return None
    return _THE_END.search(text, max(0, start - 5), start)


def workplace(text: str, group: list[Word], cue: re.Match | None, ls: Lists) -> Found:
    """A named workplace after "works at", offered as the kind of place it is, else "a local business"."""
    start = cue.start("the") if cue is not None and cue.group("the") else group[0].start
    name = text[group[0].start:group[-1].end]
    last = group[-1].text.lower()
    if name in ls.employers:
        words = ls.employers[name]
    elif last in ls.venues or group[0].text == "HMP":
        words = ls.venues.get(last, "a prison")
    elif last in ("council", "police"):
        words = f"the {last}"
    elif last in ("trust", "charity", "foundation"):
        words = "a local charity"
    else:
        words = "a local business"
    return "workplace", start, group[-1].end, words


# A business named just after what it is: "my dad's takeaway, the Royal Balti", "the barber's on Soho Road, Lewis Cuts".
_BUSINESS_BEFORE = LazyPattern(
    r"(?i:\b(?:shop|takeaway|barber['’]?s|butcher['’]?s|café|cafe|chippy|chip shop|bakery|salon|garage|factory|mill|"
    r"firm|business|store|diner|newsagent['’]?s|bookies|yard|restaurant|pub|bar|surgery|practice|spot|place))"
    r"(?:[ ]+(?:on|in|off|at|by)[ ]+[A-Z][\w'’-]*(?:[ ]+[A-Z][\w'’-]*){0,3})?(?:,|[ ]+(?:is|was|were))[ ]+(?:the[ ]+)?$")
# A possessive first name ending its clause after a work cue is a business: "at Rosie's on Elm", "worked at Kelly's."
_CLAUSE_GOES_ON = LazyPattern(r"(?:[ ]+(?:on|in|at|off|near|by|till|until|for|and|where|which|when|since|from)\b|[ ]*[,.!?;:)]|[ ]*$)")


def shop_by_its_owner(text: str, group: list[Word]) -> bool:
    """Tell whether a lone possessive name after a work cue is a shop or bar ("Rosie's", "Chandran's"), not a person."""
    return len(group) == 1 and group[0].possessive and bool(_CLAUSE_GOES_ON.match(text, group[0].after))


def owners_shop(text: str, group: list[Word], cue: re.Match, ls: Lists) -> Found | None:
    """A lone possessive name after a job, as a business ("the bouncer at Rosie's on Elm"), or None."""
    if not shop_by_its_owner(text, group):
        return None
    return "workplace", workplace(text, group, cue, ls)[1], group[-1].after, "a local business"


def business_named(text: str, group: list[Word], ls: Lists, first_name: bool) -> Found | None:
    """A small business named after its kind ("my dad's takeaway, the Royal Balti"; not a first name: "the lady
    on the bakery, Dawn") or by its trade ("Saleh Auto Repair"), or None."""
    after_kind = named_after_its_kind(text, group[0].start) and (group[-1].possessive or not first_name)
    if not (after_kind or trade_name(group)):
        return None
    found = workplace(text, group, None, ls)
    return found[0], found[1], group[-1].after if group[-1].possessive else found[2], found[3]


def named_after_its_kind(text: str, start: int) -> bool:
    """Tell whether the name at `start` follows the kind of business it is and a comma ("my dad's takeaway, the ...")."""
    return bool(_BUSINESS_BEFORE.search(text, max(0, start - 80), start))


# The last word of a small business's name says its trade: "Saleh Auto Repair", "Walker Panels", "Lewis Cuts".
_TRADES = frozenset("Repair Repairs Cuts Panels Motors Autos Tyres Bakery Salon Barbers Butchers Plumbing Builders "
                    "Joinery Roofing Scaffolding Haulage Removals Taxis Cabs Carpets Electrical Electrics Catering "
                    "Landscaping Florist Florists Plastering Glazing Kebabs Pizzas Fisheries Tailoring".split())


def trade_name(group: list[Word]) -> bool:
    """Tell whether capitalised words name a small business by its trade ("Walker Panels")."""
    return len(group) >= 2 and group[-1].text in _TRADES


def street(group: list[Word]) -> Found | None:
    """A street without a house number ("on Elm Street"): offered as "a street nearby"."""
    if len(group) < 2 or group[-1].text not in STRONG_STREETS or group[-2].text in _NOT_ALONE_STREETS:
        return None
    if group[-1].text == "Court" and group[-2].text in ("Crown", "Magistrates", "County", "Family", "Youth"):
        return None  # a court of law: a venue
    return "place", group[0].start, group[-1].end, "a street nearby"


def venue(text: str, group: list[Word], ls: Lists) -> Found | None:
    """A named venue ("the Red Lion pub", "St Mary's church hall", "HMP Wandsworth"): offered as its kind."""
    end, kind = group[-1].after, None
    after = _LOWER_WORDS_AFTER.match(text, end)
    if after:
        pair, single = after.group(1), after.group(1).split()[0]
        kind = pair if pair in ls.venues else single if single in ls.venues else None
        if kind:
            end = after.start(1) + len(kind)
    names = group
    if kind is None:
        last_two = " ".join(w.text.lower() for w in group[-2:])
        kind = last_two if len(group) > 2 and last_two in ls.venues else group[-1].text.lower()
        names, end = group[:-len(kind.split())], group[-1].end
        if kind not in ls.venues and group[0].text != "HMP":
            return None
    if not [w for w in names if w.text not in _GENERIC and w.text != "HMP"] and group[0].text != "HMP":
        return None
    if len(names) == 1 and names[0].possessive and names[0].text.lower() in ls.names:
        return None  # "Kyle's school" names Kyle, not the school
    the = THE_BEFORE.search(text, max(0, group[0].start - 5), group[0].start)
    return "place", the.start() if the else group[0].start, end, ls.venues.get(kind, "a prison")


def cued_place(text: str, group: list[Word], cue: re.Match | None, ls: Lists) -> Found | None:
    """A place after "in", "from", "moved to"...: offered as "a town" (or the kind of shop it is)."""
    first = group[0].text
    if not cue or first.lower() in ls.names or (first.lower() in ls.name_words and first not in ls.place_words):
        return None
    if cue.group().lower().split()[0] == "to" and not cue.group("the"):
        return None  # "to the Pier Head" is somewhere; "to Kwame" may be anyone
    name = text[group[0].start:group[-1].end]
    if (first.isupper() and name not in ls.places) or (len(group) == 1 and first.lower() in ls.venues):
        return None  # "in NHS", "at University"
    if all(word.text in _GENERIC for word in group) or (group[-1].text in STRONG_STREETS
                                                         and group[0].text in _NOT_ALONE_STREETS):
        return None  # "at the Food Bank", "in the Community Centre", "near the High Street": no name in it
    if group[-1].text in _ORGANISATIONS or group[-1].text in _CLUBS or name in ls.employers:
        return None  # "at the Advisory Council", "Leeds United", "a big shop at Tesco": not a place
    end = group[-1].after if group[-1].possessive and first in ("St", "St.", "Saint") else group[-1].end
    if cue.group("the"):
        return _the_place(text, cue, group, end, name, ls)
    if end != group[-1].end:  # "at St Luke's": a church, a hospital, a school...
        return "place", group[0].start, end, "a local venue"
    return "place", group[0].start, end, ls.employers.get(name, "a town")


def _the_place(text: str, cue: re.Match, group: list[Word], end: int, name: str, ls: Lists) -> Found | None:
    """A name after "at the", "in the", "on the": a venue ("the Royal Victoria"), or a place's name used of
    something there ("the Bradford hub"), offered as "local" ("the local hub")."""
    if cue.group().lower().startswith("on") and _CAPITAL_BEFORE.search(text, max(0, cue.start() - 3), cue.start()):
        return None  # "the Advisory Council on the Misuse of Drugs": inside an organisation's name
    if _LOWER_WORD_AFTER.match(text, end):
        return "place", group[0].start, end, "local"
    return "place", cue.start("the"), end, "the area" if name in ls.places else "a local venue"


def listed_place(group: list[Word], ls: Lists) -> Found | None:
    """A town or district from the list, wherever it stands ("Leeds was where I...")."""
    if group[-1].text in _CLUBS:
        return None
    for size in range(min(len(group), 4), 0, -1):
        name = " ".join(w.text for w in group[:size])
        if name in ls.places:
            return "place", group[0].start, group[size - 1].end, "a town"
    return None


def lower_employers(text: str, ls: Lists) -> list[Found]:
    """Employers written in lower case ("on tills at tesco"), where the sentence speaks of a job."""
    found = []
    for word in ls.lower_employers.keys() & {w.rstrip(PUNCTUATION) for w in text.split() if w.islower()}:
        for at in occurrences(text, word):
            end = at + len(word)
            if (at and text[at - 1].isalnum()) or text[end:end + 1].isalnum():
                continue
            if work_in_sentence(text, at, end):
                found.append(("workplace", at, end, ls.lower_employers[word]))
    return found


def lower_case_places(text: str, ls: Lists) -> list[Found]:
    """Towns written in lower case ("baltimore made me"): places.txt's, but not those that are everyday words."""
    found = []
    for name in {word.strip(PUNCTUATION) for word in text.split()} & ls.lower_places:
        for at in occurrences(text, name):  # as written: "Leeds United" is the finder's above, not this one's
            end = at + len(name)
            if not (at and text[at - 1].isalnum()) and not text[end:end + 1].isalnum():
                found.append(("place", at, end, "a town"))
    return found
