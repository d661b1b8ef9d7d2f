"""Names in a text, of people, places and workplaces, told apart by the words around them.

A capitalised word is a name only where something says so: a title ("Dr Patel"), a role ("my sponsor
Dave"), a word that introduces a place ("grew up in Hackney") or a workplace ("works at Greggs"), a kind
of venue after it ("the Red Lion pub"), or the lists (common first names, towns). Names that are also
everyday words ("Grace", "Hope", "Bath", "Reading") need such a sign; a first word of a sentence that
is in no list is taken as an ordinary word. Each finder returns (kind, start, end, redaction) tuples.
"""

from __future__ import annotations

import re
from functools import cache

from ..language.lazy import LazyPattern, compile_pattern
from . import venues
from .wordlists import Lists, lists, occurrences
from .words import PUNCTUATION, THE_BEFORE, Word, without_possessive, word_before

Found = tuple[str, int, int, str]

# A title's full stop belongs to it ("Dr. Patel"); a possessive 's is matched and left out of a name's span.
# Patterns are compiled when first used, so that `recovery-voice check` starts as quickly as before.
_TITLE_DOT = r"(?:(?:(?<=Mr|Ms|Mx|Dr|St|Fr|Lt)|(?<=Mrs|Rev|Sgt|Det)|(?<=Prof|Cllr|Insp|Capt))\.(?=[ ]))?"
_WORD = r"[A-Z][\w'’&-]*" + _TITLE_DOT  # "Dave", "O'Brien", "McDonald's", "Stoke-on-Trent", "B&Q", "Dr."
# A run of capitalised words, joined by spaces (and "of", "upon", "&": "Bank of England"). The pattern
# starts with a bare capital, the regular expression engine's quick path; what stands before is looked
# at in Python, for the few runs that need it.
_RUN = LazyPattern(_WORD + r"(?:[ ]+(?:(?:of|upon|&)[ ]+)?" + _WORD + r")*")
_WORD_RE = LazyPattern(_WORD)
_SENTENCE_START = LazyPattern(r"(?:^|[.!?:;\n\"“‘(\-–—]|\.\.\.)[\s\"“‘']*$")
# What only a person does, right after a name: "Mark died", "Nia said".
_SPEECH_AFTER = LazyPattern(r"(?:['’]s)?[ ]+(?:said|says|told|tells|rang|rings|texted|phoned|asked|messaged|replied|"
                           r"smiled|laughed|hugged|cried|died|passed away|helped me|came round|drove me|picked me|"
                           r"took me|gave me|showed me|listened|and I|and me|from (?:the|our|my))\b")
# Said to someone by name: "Summer, if you're reading this", "Mo, thank you".
_VOCATIVE_AFTER = LazyPattern(r",[ ]+(?i:if (?:you(?:'re|’re| are)? )?(?:reading|read|see|seeing) this|i(?:'m|’m| am) (?:so )?"
                              r"sorry|i love you|i miss you|thank you|thanks for|you (?:were|are|know|kept|saved))")
# Asked for, thanked or rung by name: "ask for Bernie", "big thanks to Shazza", "thank u Farhana", "call Deb".
_ASKED_FOR_BEFORE = LazyPattern(r"(?i:\b(?:(?:ask|asked|asking|thanks|thank you|cheers|shout ?out|shout|big up|props|love)[ ]+"
                                r"(?:for|to)|thank (?:you|u|ya)|thanks|cheers|ta|call|ring|text)[ ]+"
                                r"(?:(?:big|wee|little|lil|young|auntie|aunty|uncle)[ ]+)?)$")
# The word before a name that _ASKED_FOR_BEFORE can end with: only after one of these is it asked.
_ASKED_ENDS = frozenset("for to you u ya thanks cheers ta call ring text big wee little lil young auntie aunty uncle".split())
_CALLED_PLACES = ("pub", "bar", "care home", "home", "village", "town", "estate", "hostel", "school", "rehab", "place",
                  "club", "cafe", "café", "shop", "company", "firm", "street", "road", "clinic", "centre", "center",
                  "hospital", "unit", "ward", "prison", "church", "restaurant", "hotel", "farm", "charity", "project")
_WORK_EARLIER = LazyPattern(r"(?i:\b(?:work|works|worked|working|job|employed)\b)[^.!?\n]*$")
_CALLED_ENDS = frozenset({"called", "named", "of", "the", "cried", "cawed", "as", "by"})
_REGION_AFTER = LazyPattern(r",[ ]*(?:[A-Z]{2}\b(?![ ]+\d)|[A-Z]{2}[ ]+\d{5}|(?:" + "|".join(
    "Yorkshire Lancashire Cheshire Cambridgeshire Kent Essex Surrey Sussex Devon Cornwall Norfolk Suffolk Dorset "
    "Somerset Wiltshire Hampshire Berkshire Derbyshire Staffordshire Lincolnshire Northumberland Cumbria Fife "
    "Ohio Texas California Florida Arizona Pennsylvania Massachusetts Illinois Michigan Georgia Tennessee "
    "Kentucky Oregon Colorado Indiana".split()) + r")\b)")
_CALLED_BEFORE = LazyPattern(r"(?i:\b(?:is|was|'s|’s)[ ]+(?:called|named)|\b(?:called|call|calls|named)[ ]+me)[ ]+$")
_FROM_AFTER = LazyPattern(r"[ ]+from[ ]+(?:the|our|my)\b")
_PLACE_NOUN_BEFORE = LazyPattern(r"\b(?:village|town|city|suburb|estate|neighbourhood|neighborhood),[ ]*$")
# Words before a name that say a person follows ("I rang Nia"); a place or a shop does not get rung.
_PERSON_VERBS = frozenset("rang ring phoned phone texted text messaged told asked thanked hugged met married dated visited"
                          .split())
_SPEECH_FIRST = frozenset("said says told tells rang rings texted phoned asked messaged replied smiled laughed hugged "
                          "cried died passed helped came drove picked took gave showed listened and from".split())
_OUR_OR_VERB = _PERSON_VERBS | {"our"}
# A name listed after a person's: "Tash and little Cody", "Femi or Grace", "jamal and big tony", and in a
# list with commas, "Ashley, Brianna, Marisol and Dee" (a comma alone counts once an "and" ends the list).
_AND_NAME = LazyPattern(r"(?:(?P<and>,?[ ]+(?:and|&|n|or)[ ]+)|,[ ]+)(?i:our[ ]+|my[ ]+|me[ ]+)?"
                        r"(?P<size>(?i:big|wee|little|lil|young|auntie|aunty|uncle|tita|tito)[ ]+)?"
                        r"(?P<name>[A-Za-z][a-z]+(?:-[A-Za-z][a-z]+)?|O['’][A-Z][a-z]+)\b(?!['’])")
# A word with a letter or two dropped at an apostrophe, capitalised at a sentence start ("O'Brien" keeps its capital after).
_CONTRACTION = LazyPattern(r"[A-Z]['’](?:ve|d|ll|m|re|s|day|all|am|em|ye)|[A-Z][a-z]*['’](?:ve|ll|re|d|t)")
_LOWER_NOT_NAMES = frozenset("jean jay dale lee don ken gail lynn jo ali jan ivan kay lane sandy".split())


@cache
def _cues() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """Compile the patterns that look at the words just before a name (role, work, place, "called")."""
    ls = lists()

    def either(items) -> str:
        # Longest first; ties in a fixed order, so each start's source (the cache key of its code) is the same.
        return "|".join(re.escape(item).replace(r"\ ", r"\s+") for item in sorted(items, key=_longest_first))

    roles = either(ls.roles)
    # "my sponsor Dave", dialect possessives too ("ma pal Shuggie", "mi wife Pearline", "wor lass", "mano brolis Tadas"),
    # and a role placed somewhere before a comma: "My sponsor in Cocaine Anonymous, Basia".
    role = compile_pattern(r"(?i:\b(?:my|our|his|her|their|your|me|ma|mi|mah|mo|wor|oor|mano|the|a)\s+(?:[\w’'-]+\s+)?)"
                           r"(?P<role>(?i:" + roles + r"))(?:[ ]+(?:in|at|from|on)[ ]+[\w’'. -]{1,30}?)?(?:[ ]*,)?[ ]+$")
    # "works at", "a pharmacist at", and a few words between a job and its "at" ("my first job in recovery at Greggs").
    work = compile_pattern(r"(?i:\b(?:" + either(ls.work_before) + r"|(?:" + either(ls.jobs) + r")[ ]+(?:at|for|with)"
                           r"|(?:job|jobs|worked|working|employed)"
                           r"(?:[ ]+(?!the\b)[\w’']+){1,3}[ ]+(?:at|for|with)"
                           # "after our shifts at Lloyds", "worked in Dunlops" ("worked in Leeds": a town, kept a place)
                           r"|shifts?(?:[ ]+(?!the\b)[\w’']+){0,3}[ ]+(?:at|for|with)"
                           r"|(?:worked|working|works|work|employed)[ ]+in"
                           r"|(?:" + either(ls.jobs) + r")[ ]+in"
                           # Work said by what was done: "cooked at the Shapla", "did my nursing at Wythenshawe", "drove a
                           # taxi for Arrow Cars", "cashiered at the H-E-B", "behind the bar in Tigh Uí Cheallaigh".
                           r"|drove[ ]+(?:a|an|the)[ ]+(?:[\w’'-]+[ ]+){0,2}?(?:taxi|cab|truck|lorry|bus|van|forklift|tractor|"
                           r"train|tram|ambulance)[ ]+(?:for|at|out[ ]+of)"
                           r"|(?:cooked|cooking|cashiered|cashiering|nursed|portering|portered|"
                           r"cleaned|cleaning|taught|teaching|served|serving|sewed|sewing|packed|packing|coached|"
                           r"coaching|bartended|bartending|managed|did[ ]+my[ ]+(?:nursing|training|apprenticeship|"
                           r"placement)|did[ ]+the[ ]+(?:hair|nails|books|cooking|cleaning))"
                           r"(?:[ ]+(?!the\b)[\w’']+){0,3}[ ]+(?:at|for)"
                           r"|behind[ ]+the[ ]+(?:bar|counter|till|tills)[ ]+(?:at|in)"
                           # An occupation by its ending, before "at": "a medic at", "headmaster at", "a bookkeeper at"
                           # (not who is served there: a customer, a patient, a member, a student).
                           r"|(?:a|an|as)[ ]+(?:[a-z]+[ ]+)?(?!(?:customer|member|visitor|stranger|patient|resident|"
                           r"prisoner|inmate|client|user|passenger|spectator|volunteer|newcomer|regular|student|pupil|"
                           r"fan|supporter|player|punter|guest|runner|walker|swimmer|mother|father|brother|sister|"
                           r"daughter|partner|other|neighbour|neighbor|lodger|tenant|owner|winner|loser|drinker|smoker|"
                           r"gambler|dealer|beggar|sleeper|woman|man|gentleman|corner|counter|shelter|center|centre|"
                           r"corridor|floor|door|flyer|poster|sticker|banner|letter|number|order|offer|error|mirror|"
                           r"trailer|cooler|freezer|heater|locker|container|scanner|printer|computer|monitor)\b)"
                           r"[a-z]+(?:er|or|ist|ian|man|woman)[ ]+at"
                           r"|(?:headmaster|headmistress|headteacher|head[ ]+teacher|principal)[ ]+(?:at|of)"
                           # Someone by title at their place: "Father Zbigniew at St. Florian", "Imam Saleem from Victoria
                           # Park mosque", "Coach Des at Repton".
                           r"|(?:father|fr|imam|pastor|rabbi|reverend|rev|coach|sister|ksiądz|ksiadz|sheikh|canon|vicar)"
                           r"\.?[ ]+[\w’'-]+(?:[ ]+[\w’'-]+)?[ ]+(?:at|from)"
                           # Running a group is a volunteer's work: "I run the men's group at the Carnegie Centre" (a
                           # building, with "the"; "the drop-in at Girlington" names the district it is in).
                           r"|(?:run|runs|ran|running|lead|leads|led|host|hosts|chair|chairs|facilitate|facilitates)[ ]+"
                           r"(?:the|a|our)[ ]+(?:[\w’']+[ ]+){0,2}(?:group|meeting|session|class|clinic|drop-in|café|cafe)[ ]+at"
                           r"(?=[ ]+the[ ]+$)"
                           r"))[ ]+(?:(?P<the>the)[ ]+)?$")
    place = compile_pattern(r"(?i:\b(?:" + either(ls.place_before) + r"))[ ]+(?:(?P<the>the)[ ]+)?$")
    # "a lad called Kyle", "a lad everyone called Sparky", "a fella cried Tam" (a person); "a care home called
    # Sunnyside", "a pub called the Swan" (a place).
    called = compile_pattern(r"(?i:\b(?:(?P<person>" + either(ls.people | ls.roles) + r")|(?P<place>" + either(_CALLED_PLACES) +
                             r"))(?:[ ]+(?:there|here|then|everyone|everybody|we all|they all|folk|people|they|we))?[ ]+"
                             r"(?:called|named|name of|cried|cawed|known as|goes by|went by))[ ]+(?:(?P<the>the)[ ]+)?$")
    lower = compile_pattern(r"(?i:\b(?:rang|called|texted|phoned|messaged|met|told|asked|with|me and|me n|saw|visited|"
                            r"hugged|thanked|meet|meeting|love|miss|thanks to|thank you|thank u|cheers|shout ?out to|"
                            r"shout to|big up|ask for)[ ]+(?:(?:big|wee|little|lil|young)[ ]+)?)$")
    role_lower = compile_pattern(r"(?i:\b(?:my|our|his|her|their|me|ma|mi|mah|mo|wor|oor)\s+(?:[\w’'-]+\s+)?)(?P<role>(?i:" + roles +
                                 r"))[ ]+$")
    return role, work, place, called, lower, role_lower


def _longest_first(item: str) -> tuple[int, str]:
    """Sort key: longer items first (so an alternation tries "key worker" before "worker"), then alphabetical."""
    return -len(item), item


@cache
def _role_after() -> re.Pattern:
    """Compile the pattern of who someone is, said after their name: "Bill, my old landlord", "Jade was our coordinator"."""
    roles = "|".join(sorted(lists().roles, key=_longest_first))
    # Also said with a verb: "Jack was my dealer", "Sue is our coordinator", "Mo used to be my sponsor".
    return compile_pattern(r"(?:,|[ ]+(?:was|is|has been|became|used to be|is still|was still))[ ]+(?i:my|our|his|her|their)"
                           r"[ ]+(?:[\w’'-]+[ ]+){0,2}?(?i:" + roles + r")\b")


def find(text: str) -> list[Found]:
    """Find the names of people, places and workplaces in the text."""
    ls = lists()
    found: list[Found] = []
    never = ls.not_names
    for run in _RUN.finditer(text):
        words, start = run.group(), run.start()
        if words in never or (start and (text[start - 1].isalnum() or text[start - 1] in "#@_.")):
            continue  # a common word (most capitals), or inside a word, a hashtag, a handle, a web address
        if " " not in words:
            if _plainly_no_name(text, start, run.end(), words, ls):
                continue
        elif (named := _employer_after_a_job(text, run, ls)) is not None:
            found.append(named)  # "a paramedic with the Welsh Ambulance Service": all of it, common words too
            continue
        elif _plain_run(text, start, words, ls):
            continue
        for group in _groups(text, _words(run), ls):
            hit = _classify(text, group, ls)
            if hit:
                found.append(hit)
    found += _lower_case_names(text, ls) + venues.lower_case_places(text, ls)
    return found + _people_around(text, found, ls) + venues.lower_employers(text, ls)


def _people_around(text: str, found: list[Found], ls: Lists) -> list[Found]:
    """The people a text lists beside a person ("Stevo and Big Dunc") or names again ("Lowri ... lowri does")."""
    people = [f for f in found if f[0] == "person"]
    if not people:
        return []
    more = [m for _, _, end, _ in people for m in _listed_after(text, end, ls)]
    names = {text[start:end].split()[-1] for _, start, end, _ in people + more}
    lowered = text.lower()
    return more + [said for name in names if _could_repeat(name, ls) for said in _said_again(text, lowered, name, ls)]


def _listed_after(text: str, end: int, ls: Lists) -> list[Found]:
    """The names listed right after a person's, up to the one after "and", "&", "n" or "or" ("big" or "wee" kept)."""
    listed: list[Found] = []
    while (m := _AND_NAME.match(text, end)) and _listable(m.group("name"), ls):
        name = m.group("name")
        listed.append(("person", m.start("size") if m.group("size") else m.start("name"), m.end("name"),
                       name[0].upper() + "."))
        if m.group("and"):
            return listed
        end = m.end("name")
    return []  # no "and" closed the list: "Thanks Sarah, Tuesday was great" lists nobody


def _listable(name: str, ls: Lists) -> bool:
    """Tell whether a word listed beside a person could be another person's name."""
    return _could_repeat(name, ls) or (name in ls.names and name not in ls.name_words)


def _could_repeat(name: str, ls: Lists) -> bool:
    """Tell whether a capitalised word found as a person's name is one on its own, not a word or a place too."""
    return (len(name) > 2 and name[0].isupper() and name not in ls.not_names and name not in ls.places
            and name not in ls.place_words and name.lower() not in ls.name_words and name.rstrip(".") not in ls.titles)


def _said_again(text: str, lowered: str, name: str, ls: Lists) -> list[Found]:
    """Every other place the name stands: as written, or in lower case when it is only ever a first name."""
    lower = name.lower() in ls.names
    found = []
    for at in occurrences(lowered if lower else text, name.lower() if lower else name):
        end = at + len(name)
        if not (at and text[at - 1].isalnum()) and not text[end:end + 1].isalnum():
            found.append(("person", at, end, name[0] + "."))
    return found


def _employer_after_a_job(text: str, run: re.Match, ls: Lists) -> Found | None:
    """Return a run of capitalised words named as where someone works ("sacked from JD Sports") as one workplace."""
    start = run.start()
    if word_before(text, start) not in ls.work_ends:
        return None  # most runs: no word of working life right before
    cue = _match_before(_cues()[1], text, _word_starts(text, start), start)
    words = _words(run)
    if cue is None or venues.town(text, words, ls) or words[0].text in ls.titles:
        return None
    return venues.workplace(text, words, cue, ls)


def _plain_run(text: str, start: int, words: str, ls: Lists) -> bool:
    """Tell quickly whether a run of capitals is common words with at most one plain word among them ("Recovery Walk")."""
    parts = words.split(" ")
    left = [(at, part) for at, part in zip(_offsets(start, parts), parts) if part and part not in ls.not_names]
    if len(left) > 1:
        return False
    return not left or (left[0][1] not in ls.titles and left[0][1] not in venues.STRONG_STREETS and left[0][1].lower() not in
                        ls.venues and _plainly_no_name(text, left[0][0], left[0][0] + len(left[0][1]), left[0][1], ls))


def _offsets(start: int, parts: list[str]) -> list[int]:
    """Return where each space-separated part of a run starts."""
    offsets = []
    for part in parts:
        offsets.append(start)
        start += len(part) + 1
    return offsets


def _plainly_no_name(text: str, start: int, end: int, word: str, ls: Lists) -> bool:
    """Tell quickly whether one capitalised word is no name: most are a sentence's first word or a common word."""
    if word[-1] in "'’s":
        word = without_possessive(word)
    lower = word.lower()
    if lower in ls.names or lower in ls.name_words or word in ls.places or word in ls.employers:
        return False
    if text[start - 2:start] == ", " and venues.named_after_its_kind(text, start):
        return False  # "a sweet shop on Belgrave Road, Ramesh's": the shop's name
    if text[end:end + 1] in ", " and _role_after().match(text, end):
        return False  # "Florence, my key worker", "Jack was my dealer"
    if venues.after_a_sign_off(text, start, ls):
        return False  # "Andy, Irvine.": where the storyteller is from
    after = text[end + 1:end + 16].split(" ", 1)[0].rstrip(PUNCTUATION) if text[end:end + 1] == " " else ""
    if after in ls.venue_starts or after in _SPEECH_FIRST or (after in ("'s", "’s") and text[end + 3:end + 4] == " "):
        return False
    before = word_before(text, start)
    if before in ("me", "called", "named") and _called_before(text, start):
        return False  # "everyone called me Walshy"
    if before in _ASKED_ENDS and _ASKED_FOR_BEFORE.search(text, max(0, start - 30), start):
        return False  # "big shout to Stevo", "thanks to big Marty"
    return before not in ls.cue_ends and before not in _PERSON_VERBS and before != "our"


def _words(run: re.Match) -> list[Word]:
    """Split a run of capitalised words into Words, possessives noted and left out of the span."""
    words = []
    for m in _WORD_RE.finditer(run.group()):
        text = m.group()
        bare = without_possessive(text) if len(text) > 2 else text
        start = run.start() + m.start()
        words.append(Word(start, start + len(bare), bare, start + len(text)))
    return words


def _groups(text: str, words: list[Word], ls: Lists) -> list[list[Word]]:
    """Split a run at words that are never names, dropping a sentence's ordinary first word."""
    groups, current = [], []
    for word in words:
        never = word.text in ls.not_names or (word.text.isupper() and len(word.text) <= 3 and word.text != "HMP")
        if never and word.text not in ls.employers and word.text not in ls.titles:
            if current:
                groups.append(current)
            current = []
            continue
        current.append(word)
        if word.possessive and not current[0].text.startswith("St") and not _venue_next(words, word, ls):
            # "Kyle's Mum" ends the name; "St Mary's Church" and "Rosie's Diner" go on
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    first = groups[0] if groups else []
    if first and _SENTENCE_START.search(text, max(0, first[0].start - 6), first[0].start) \
            and not _known(first[0].text, ls) and not _unlisted_speaker(text, words, ls) \
            and not _role_after().match(text, first[-1].after) and not _REGION_AFTER.match(text, first[-1].end) \
            and not (_a_first_name(first, ls) and _job_after().match(text, first[0].after)) \
            and not (len(first) > 1 and (first[-1].text.lower() in ls.venues or first[-1].text in venues.STRONG_STREETS)):
        groups[0] = groups[0][1:]
    return [group for group in groups if group]


def _venue_next(words: list[Word], word: Word, ls: Lists) -> bool:
    """Tell whether the word after this one in the run is a kind of venue ("Rosie's Diner")."""
    at = words.index(word)
    return at + 1 < len(words) and words[at + 1].text.lower() in ls.venues


def _unlisted_speaker(text: str, words: list[Word], ls: Lists) -> bool:
    """Tell whether a sentence's first word, in no list and no everyday name-word, is followed by what a person does
    ("Kev from the hostel lent me his phone")."""
    if len(words) != 1:
        return False
    if words[0].text.lower() in ls.name_words:  # "Dawn from the hostel", not "Grace helped me through"
        return bool(_FROM_AFTER.match(text, words[0].end))
    return bool(_SPEECH_AFTER.match(text, words[0].end))


def _known(word: str, ls: Lists) -> bool:
    """Tell whether a word at a sentence's start is in a list (a name, a title, a place, a venue)."""
    return (word.lower() in ls.names or word.rstrip(".") in ls.titles or word in ls.place_starts
            or word in ls.employers or word in ("HMP", "St", "St.", "Saint"))


def _is_public(name: str, ls: Lists) -> bool:
    """Tell whether a name is a public figure's, with or without full stops or "Jr" ("Dr. Bob", "Robert Downey Jr")."""
    plain = name.replace(".", "")
    return name in ls.public or plain in ls.public or plain.removesuffix(" Jr").removesuffix(" Sr") in ls.public


def _classify(text: str, group: list[Word], ls: Lists) -> Found | None:
    """Say what a group of capitalised words names, if anything: a person, a place or a workplace."""
    role, work, place, called, _, _ = _cues()
    first, start = group[0], group[0].start
    name = text[start:group[-1].end]
    if len(group) == 1 and _CONTRACTION.fullmatch(name):
        return None  # "I've", "G'day", "Y'all": a word shortened, not a name
    owner = next((w for w in group if w.possessive), group[-1])  # "Amy Winehouse's Rehab" is hers, a song
    if _is_public(name, ls) or _is_public(text[start:owner.end], ls) or name.split(" ")[0] in ("God", "Jesus"):
        return None  # a public figure ("Amy Winehouse"), not a private person
    if group[-1].possessive and text[start:group[-1].after] in ls.employers:  # "Wendy's", a chain, not a person
        cue = venues.work_in_sentence(text, start, group[-1].after)
        return ("workplace", cue.start("the") if cue and cue.group("the") else start, group[-1].after,
                ls.employers[text[start:group[-1].after]]) if cue else None
    if len(group) == 2 and first.text in _NICKNAMED and group[1].text.lower() in ls.names:
        return "person", start, group[-1].end, first.text  # "Wee Jeannie", "Irish Pete", "Big Davey": a nickname
    if len(group) == 1 and first.text.rstrip(".") in ls.titles:
        return None  # a title on its own names nobody: "Doctor says...", "Ask for Coach"
    if first.text.rstrip(".") in ls.titles and len(group) > 1 and not venues.street(group):
        return _titled(group)  # not "Sir Donald Bradman Drive", a street
    signed = venues.signed_off(text, group, ls)
    if signed:
        return signed
    if _a_first_name(group, ls) and _job_after().match(text, group[-1].after):
        return "person", start, group[-1].end, first.text[0] + "."  # "Pete the milkman", "Gus, who works nights"
    if _role_after().match(text, group[-1].after) or _called_before(text, start):
        return "person", start, group[-1].end, first.text[0] + "."  # "Bill, my old landlord", "is called Mark"
    # "Austin, TX"; a first name too after "in" ("born in Gary, Indiana").
    in_a_town = word_before(text, start) in ("in", "from", "near", "outside")
    if (_REGION_AFTER.match(text, group[-1].end) and (first.text.lower() not in ls.names or in_a_town)
            or _PLACE_NOUN_BEFORE.search(text, max(0, start - 20), start)):
        return "place", start, group[-1].end, "a town"  # "Austin, TX", "a small village, Llanfair"
    # Most names follow no cue: the word before decides which cue patterns need to run at all, and each
    # runs only from the starts of the few words before (they end with $, which matches at `start`).
    before = word_before(text, start)
    starts = _word_starts(text, start) if before in ls.cue_ends else []
    job = _match_before(work, text, starts, start) if before in ls.work_ends else None  # a job said before the name
    cue = job or (before in ls.work_ends and venues.at_or_for(text, start)
                  and venues.work_in_sentence(text, start, group[-1].after))
    # "the bouncer at Rosie's on Elm": the bar, not Rosie (a job said, not only "at" in a sentence about work)
    shop = job and venues.owners_shop(text, group, job, ls)
    if shop:
        return shop
    if cue and not _lone_first_name(group, ls) and not venues.town(text, group, ls, job is not None):  # "works in Leeds"
        return venues.workplace(text, group, cue, ls)
    named = venues.business_named(text, group, ls, _a_first_name(group, ls))
    if named:
        return named
    if venues.EMPLOYS_AFTER.match(text, group[-1].after) and not _lone_first_name(group, ls):  # "Kroger fired me"
        return venues.workplace(text, group, None, ls)
    return (venues.street(group) or venues.venue(text, group, ls)
            or (before in ls.role_ends and _role_person(text, group, _match_before(role, text, starts, start)))
            or (before in _CALLED_ENDS and _called_person(text, group, _match_before(called, text, starts, start)))
            or (before in ls.place_ends and venues.cued_place(text, group, _match_before(place, text, starts, start), ls))
            or _named_person(text, group, ls) or venues.listed_place(group, ls) or venues.saints(group)
            or _unlisted_person(text, group, ls))


@cache
def _job_after() -> re.Pattern:
    """Compile the pattern of a first name's job said after it: "Pete the milkman", "Ray, the driver on the 43"."""
    jobs = "|".join(re.escape(job).replace(r"\ ", "[ ]+") for job in sorted(lists().jobs, key=_longest_first))
    return compile_pattern(r"(?:[ ]*,[ ]*|[ ]+)(?:the[ ]+(?:[\w'’-]+[ ]+)?(?i:" + jobs + r")\b"
                           r"|who[ ]+(?:works|worked|runs|ran|drives|drove|owns|owned|has|had)[ ]+(?:\w+[ ]+)?(?:at|for|the|a)\b"
                           r"|behind[ ]+the[ ]+(?:bar|counter|desk|till|tills))")


def _called_before(text: str, start: int) -> bool:
    """Tell whether a person's name is said to follow: "my sponsor is called Mark", "everyone called me Walshy"."""
    return bool(_CALLED_BEFORE.search(text, max(0, start - 40), start))


def _word_starts(text: str, start: int, count: int = 7) -> list[int]:
    """Return where each of the (at most `count`) words before `start` begins, farthest first."""
    starts, end = [], start - 1
    while end > 0 and len(starts) < count:
        at = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1
        starts.append(at + 1 if text[at:at + 1] in "(\"“‘'" else at)
        if at == 0 or text[at - 2:at - 1] in ".!?\n":
            break  # a cue does not reach back over a sentence's end
        end = at - 1
    return starts[::-1]


def _match_before(pattern, text: str, starts: list[int], start: int) -> re.Match | None:
    """Return the pattern's match that begins at one of `starts` and ends at `start`, farthest first."""
    for at in starts:
        m = pattern.match(text, at, start)
        if m:
            return m
    return None


# Words that make a first name a nickname, said as a name: "Wee Jeannie", "Scouse Frankie", "Big Col".
_NICKNAMED = frozenset({"Wee", "Big", "Little", "Lil", "Young", "Old", "Auld", "Irish", "Scouse", "Geordie", "Welsh",
                        "Brummie", "Cockney", "Mad", "Daft", "Fat", "Tall", "Posh"})


def _titled(group: list[Word]) -> Found:
    """A title and a name ("Dr Patel", "Mrs O'Brien"): offered as the title and an initial ("Dr P.")."""
    # The initial keeps the sentence as it was (a name is still there) while the name itself goes.
    return "person", group[0].start, group[-1].end, f"{group[0].text} {group[-1].text[0]}."


def _a_first_name(group: list[Word], ls: Lists) -> bool:
    """Tell whether the group is one first name, also one that is an everyday word ("Ray", "Dawn")."""
    return _lone_first_name(group, ls) or (len(group) == 1 and group[0].text.lower() in ls.name_words)


def _lone_first_name(group: list[Word], ls: Lists) -> bool:
    """Tell whether the group is one first name ("work for Dave"): a person, not a workplace."""
    return len(group) == 1 and group[0].text.lower() in ls.names


def _role_person(text: str, group: list[Word], cue: re.Match | None) -> Found | None:
    """A name after who the person is ("my sponsor Dave"): offered as the role alone ("my sponsor")."""
    if not cue:
        return None
    # The role says who they are to the story; the name adds only who they are to the town.
    end = group[-1].end
    if text.startswith(",", end) and "," in cue.group():
        end += 1  # "my sponsor, Dave, said" loses the name and its commas together
    return "person", cue.start("role"), end, cue.group("role")


def _called_person(text: str, group: list[Word], cue: re.Match | None) -> Found | None:
    """A name after "a lad called" (offered as its initial) or "a care home called" (offered as "nearby")."""
    if not cue:
        return None
    if cue.group("place"):  # "a care home called Sunnyside" becomes "a care home nearby"
        words = cue.group().lower()
        start = cue.start() + max(words.rfind("called"), words.rfind("named"), words.rfind("name of"))
        kind = "workplace" if _WORK_EARLIER.search(text, max(0, start - 40), start) else "place"
        return kind, start, group[-1].end, "nearby"
    return "person", group[0].start, group[-1].end, group[0].text[0] + "."


def _named_person(text: str, group: list[Word], ls: Lists) -> Found | None:
    """A first name from the lists, with the surname after it: offered as its initial ("D.")."""
    if group[0].text.isupper() and len(group[0].text) > 1:
        return None  # "I rang FRANK": a service's name in capitals, not a person's
    first = group[0].text.lower()
    if len(group) > 1 and text[group[0].start:group[-1].end] in ls.places:
        return None  # "Des Moines", "Fergus Falls": a town whose first word is a first name
    if first in ls.names:
        return "person", group[0].start, _surname_end(group, ls), group[0].text[0] + "."
    if first in ls.name_words and (_surname_end(group, ls) > group[0].end or _SPEECH_AFTER.match(text, group[-1].end)
                                   or _VOCATIVE_AFTER.match(text, group[-1].end)
                                   or word_before(text, group[0].start) in _OUR_OR_VERB):  # "Our Lily", "ring Jade"
        return "person", group[0].start, _surname_end(group, ls), group[0].text[0] + "."
    return None


def _unlisted_person(text: str, group: list[Word], ls: Lists) -> Found | None:
    """A name in no list, where a person's doings surround it ("I rang Nia", "Kwame said"): offered as its initial."""
    said_to = len(group) <= 2 and (_SPEECH_AFTER.match(text, group[-1].end) or _VOCATIVE_AFTER.match(text, group[-1].end))
    if len(group) > 2 or group[0].text.isupper() or _SENTENCE_START.search(text, max(0, group[0].start - 6),
                                                                            group[0].start):
        if not said_to:
            return None
    name = text[group[0].start:group[-1].end]
    if name in ls.employers or name in ls.places or name in ls.place_words or name.endswith("s") or \
            THE_BEFORE.search(text, max(0, group[0].start - 5), group[0].start):
        return None  # "Tesco said", "Leeds said", "Doctors said", "the Pier Head and I": not a person's name
    if word_before(text, group[0].start) in _PERSON_VERBS or said_to or _ASKED_FOR_BEFORE.search(
            text, max(0, group[0].start - 20), group[0].start):
        return "person", group[0].start, group[-1].end, group[0].text[0] + "."
    return None


def _surname_end(group: list[Word], ls: Lists) -> int:
    """Return where the name ends: after the surname, when a capitalised word that is no place follows."""
    end = group[0].end
    for word in group[1:]:
        if word.text in ls.places or word.text.lower() in ls.venues or word.text in venues.STRONG_STREETS:
            break
        end = word.end
    return end


def _lower_case_names(text: str, ls: Lists) -> list[Found]:
    """Names written in lower case, only right after words that say a person follows ("rang dave")."""
    words = ls.lower_names.intersection(text.split())
    if not words:
        return []  # no lower-case word is a first name: nothing to look at
    _, _, _, _, lower, role_lower = _cues()
    found = []
    for name in {without_possessive(word.rstrip(PUNCTUATION)) for word in words} - _LOWER_NOT_NAMES:
        for at in occurrences(text, name):
            end = at + len(name)
            if (at and text[at - 1].isalnum()) or text[end:end + 1].isalnum():
                continue
            role = role_lower.search(text, max(0, at - 40), at)
            if role:
                found.append(("person", role.start("role"), end, role.group("role")))
            elif lower.search(text, max(0, at - 20), at):
                found.append(("person", at, end, name[0].upper() + "."))
    return found
