"""Context that changes what a match means: quotation, mentions and a storyteller's words about themselves.

Its patterns are LazyPatterns (see lazy.py), compiled when a text first needs them: most texts have no
match for them to weigh, and compiling them all took a tenth of a command line check's start.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from . import reported
from .lazy import LazyPattern, compile_pattern, remembered
from .reverse import reversed_source
from .text import occurrences

_QUOTE_CHARS = LazyPattern("[\"\u201c\u201d\u201e\u00ab\u00bb'\u2018\u2019]")
_OPEN_DOUBLE = "\u201c\u201e\u00ab"
_CLOSE_DOUBLE = "\u201d\u00bb"
_MAX_SINGLE = 300
_MAX_NESTED = 24  # quotations looked at around one match  # a single quote left open longer than this was an apostrophe, not a quotation

# A quoted item, as in a list of words: 'junkie', "crackhead" or ‘addict’.
_ITEM = "[\"\u201c\u2018'][^\"\u201c\u201d\u2018\u2019'\\n]{1,40}[\"\u201d\u2019']"

# Words that introduce a word being talked about rather than used: "we don't say 'junkie'",
# "words like 'clean'", "they called us 'addicts'". Earlier quoted items in a list count too.
_CUE_BEFORE = LazyPattern(
    r"(?<!\w)(?:say|says|said|saying|call|calls|called|calling|word|words|term|terms|phrase|phrases|"
    r"label|labels|like|use|uses|used|using|write|writes|wrote|hear|heard|see|seen|read|spot|mean|means|meant|avoid|"
    r"avoids|avoided|avoiding|instead of|rather than|not|than|such as|including|e\.g\.|eg|as|"
    r"replace|replaced|swap|swapped|ban|banned|drop|dropped)"
    r"(?:\s+(?:us|me|them|him|her|you|it|people|someone|somebody|anyone|everyone|others|"
    r"ourselves|themselves|myself|yourself)|(?<=call|alls|lled|ling)(?:\s+[\w'-]+){1,4}?)?"
    rf"\s*[:,]?\s*(?:{_ITEM}\s*(?:,|or|and|/|nor)?\s*)*\Z",
    re.IGNORECASE,
)
# ...or follow it: "'Junkie' is a slur", "'clean', 'dirty' are loaded words", "'addict' hurts".
_CUE_AFTER = LazyPattern(
    rf"(?:\s*(?:,|or|and|/)\s*{_ITEM})*\s*(?:"
    r"(?:is|are|was|were|isn't|aren't|remains?)\s+(?:(?:a|an|the|not|such|just|another|still|very|"
    r"deeply|really|so|hurtful|harmful|stigmatising|stigmatizing|offensive|loaded|old|outdated|"
    r"negative|cruel|damaging)\s+){0,3}(?:word|term|label|slur|insult|name)s?"
    r"|(?:hurts?|harms?|stigmati[sz]es?|stings?|wounds?|shames?|labels?)\b"
    # "'Ex-addict' still puts the addiction first", "'patients' ever the right word"
    r"|(?:still\s+|only\s+|just\s+)?(?:puts?|keeps?|makes?|sounds?|reduces?|defines?|turns?|carries|implies|suggests?)\b"
    r"|(?:ever|still|really)\s+(?:the\s+)?(?:right|wrong|best|ok|okay|acceptable|fine|appropriate)\b)",
    re.IGNORECASE,
)
# A quotation that opens with a subject ("I'm an addict") is somebody speaking, however short.
_SPEAKER = LazyPattern(r"\s*(?:i|we|you|he|she|they)(?:['\u2019]\w+)?\b", re.IGNORECASE)
# An unquoted mention: "we stopped using the word junkie".
_NAMED_NOUNS = ("word", "term", "label", "phrase", "slur", "insult")
_NAMED_WORD = LazyPattern(rf"(?<!\w)(?:the|that|this|a)\s+(?:{'|'.join(_NAMED_NOUNS)})s?\s*[:,]?\s*\Z")

# A storyteller speaking about themselves: "I'm (a grateful) ...", "I was ...", "I've been ...",
# "we're ...". Up to three words may sit between ("I'm a proud recovering addict"), but not words
# that turn the sentence towards other people ("I've met addicts", "I was told addicts...").
_SELF_BEFORE = LazyPattern(
    r"(?:(?<![\w'])(?:i|we)(?:'m|'re| am| are| was| were| used to be| became| become| got| get|"
    r" stayed| stay| remain| remained| identify as| call myself| called myself| call ourselves|"
    r" see myself as|(?:'ve|'d| have| had)(?: (?:always|never|now|also|just|finally|still))?"
    r" (?:been|got|gotten|stayed|remained|become))"
    # "I was the kind of drunk who...": the storyteller as one of a kind
    r"(?:\s+(?:(?:the|a|that|this|one) (?:kind|sort|type) of|one of the|(?:a )?bit of|"
    r"(?!(?:told|met|saw|seen|know|knew|help|helped|helping|support|supported|supporting|"
    r"work|worked|working|with|around|by|to|for|of|about|that|who|said|say|called|those|these|"
    r"other|some|many|all|them|they|their|his|her|people)\b)[\w'-]+)){0,3}"
    # "I was diagnosed with alcohol abuse", "we were treated for addiction": a diagnosis of the storyteller
    r"|(?<![\w'])(?:i|we)(?:'m|'ve been|'d been| am| was| were| got| have been| had been)?"
    r" (?:diagnosed|treated|admitted|referred|sectioned|hospitali[sz]ed|in treatment) (?:with|for|as)"
    r"(?: an?)?(?:\s+[\w'-]+){0,2}?"
    r"|(?<!\w)(?:my|our))\s*\Z"
)
_MYSELF = LazyPattern(r"(?<!\w)(?:myself|ourselves)(?!\w)")
_OTHER_PEOPLE = (r"father|mother|dad|mum|mom|parents?|husband|wife|partner|boyfriend|girlfriend|brothers?|"
                  r"sisters?|sons?|daughters?|friends?|uncles?|aunts?|aunties?|family|neighbou?rs?|mates?|cousins?|ex|"
                  r"nieces?|nephews?|grand(?:son|daughter|child|kid)s?|grandchildren|grandparents?|siblings?|twins?|"
                  r"step(?:son|daughter|brother|sister)s?|in-laws|fianc\w*|flatmates?|housemates?|workmates?|"
                  r"grandad|granddad|grandma|gran|grandmother|grandfather|nan|stepdad|stepmum|stepmom|kids?|"
                  r"children|child|baby|girl|boy|man|woman|guy|lad|lass|bloke|wife's|husband's|"
                  # kin as dialect says them: "me da was a drunk" is about the father
                  r"(?<!\w)(?:da|mam|ma|maw|pa|paw)|mammy|daddy|mummy|mommy|granda|grandpa|grampa|granny|grannie|nana|"
                  r"nanna|missus|fella|hubby|bairns?|weans?")
# "my alcoholic father" is about the father, so "my" alone does not make it self-description.
_ABOUT_SOMEONE_ELSE = LazyPattern(rf"(?:{_OTHER_PEOPLE})\Z")
# A label owned by another person is about that person: "I was an addict's daughter", "a drunk's son".
_OWNER_OF = LazyPattern(rf"(?:'s|s'|\u2019s|s\u2019)\s+(?:[\w-]+\s+)?(?:{_OTHER_PEOPLE})(?![\w'])")
# A thing of the storyteller's, named with a relative clause: "the dirty test I gave", "the clean time I had"
# (not a person: "the addicts I met" are other people).
_MINE_AFTER = LazyPattern(r"\s+(?:that\s+|which\s+)?(?:i|we)\s+(?:(?:ever|first|last|finally|once|only|then|just)\s+)?(?:\w+ed|gave|had|took|got|did|went through|sat|"
                          r"ran|began|made|kept|lost|wrote|fought|won)(?!\w)")
_SENTENCE_END = LazyPattern(r"[.!?\n]")
_CLAUSE_END = LazyPattern(r"[.!?\n,;:]|\s(?:and|but|so|until|because)\s")
# "a" or "an" right before a match (searched for up to it), which a noun match takes in: "an addict".
ARTICLE = LazyPattern(r"(?<!\w)(an?)\s+\Z")
# A sentence with no subject before the match ("Two years clean today!", "Clean and sober since 2019")
# is, in a storyteller's own story, about the storyteller.
_NO_SUBJECT = LazyPattern(
    r"[\s\W]*(?:(?:and|but|so|now|still|finally|today|officially|proud(?:ly)?|grateful|happy|blessed|"
    r"thankful|\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|few|several|many|"
    r"days?|weeks?|months?|years?|yrs?|decades?|staying|stayed|stay|been|getting|got|just|to be|sober|"
    r"clean|off \w+)[\s\W]+)*\Z")
# Group self-reference next to the label: "addicts like me", "people like us, the drunks", "we alcoholics".
_LIKE_ME_AFTER = LazyPattern(r"(?:'s)?\s+(?:like|in|among)\s+(?:all of |each of |every one of )?(?:me|us|myself|ourselves)(?!\w)"
                             # "Ex-user, me.", "Junkie, that was me": the label owned after a comma
                             r"|\s*,\s*(?:that(?:'s| was| is| were)\s+)?(?:me|us)\s*(?:[.,!;:\u2013\u2014]|\Z)"
                             # "Recovering alcoholic, that's what I call myself"
                             r"|\s*[,:\u2013\u2014-]?\s*(?:that's|that is|that was|it's)\s+(?:what|how)\s+(?:i|we)\s+"
                             r"(?:still\s+)?(?:call|called|describe|described|see|saw)\s+(?:myself|ourselves)(?!\w)")
_LIKE_ME_BEFORE = LazyPattern(
    r"(?:(?<!\w)(?:(?:people|folk|those|ones|others)\s+like|the likes of)\s+(?:me|us)\s*,?\s*(?:the\s+)?(?:ex-?|former\s+)?|"
    r"(?<!\w)(?:knew|know|knows|saw|see|sees|treated|treat|treats|described|remember|remembered|wrote)\s+(?:me|us)\s+as\s+"
    r"(?:an?\s+|the\s+)?(?:[\w'-]+\s+){0,2}?|"
    r"(?<!\w)(?:we|us|our lot|the rest of us)\s+|(?<!\w)(?:called|call|calling|calls|named|labelled|labeled|"
    r"branded)\s+(?:me|us)\s+(?:[\w'-]+\s+){0,6}?(?:an?\s+)?|"
    r"(?<!\w)(?:i|we)(?:'m| am| was| were|'re| are)\s+what\s+(?:[\w'-]+\s+){0,2}(?:call|calls|called)\s+(?:an?\s+)?)\Z")
# "Me and my mates were stoners": a group that holds the storyteller.
_WITH_ME = LazyPattern(r"(?<![\w'])(?:(?:me|i|myself) and (?:my|our|the) [\w'-]+|[\w'-]+ and (?:me|i|myself))(?![\w'])")
# A lead-in with no subject ("Like most addicts,", "As a recovering alcoholic,", "Being an addict") whose
# sentence goes on in the first person.
_LEAD_IN = LazyPattern(r"[\s\W]*(?:(?:as|being|like|once|most|many|so|lots|a lot|of|a|an|former|"
                       r"recovering|typical|\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                       r"fifteen|twenty|thirty|forty|odd|half|most of|all|my|life|days?|weeks?|months?|years?|"
                       r"decades?)[\s\W]+)*\Z")
_PRONOUN = LazyPattern(r"(?<![\w'])(i|i'm|i've|i'd|me|my|we|we're|we've|us|our|he|she|they|him|her|his|their|them|"
                       r"he's|she's|they're|you|your)(?![\w'])")
_FIRST = frozenset(("i", "i'm", "i've", "i'd", "me", "my", "we", "we're", "we've", "us", "our"))
# First person anywhere before the match in its sentence ("I spent ten years suffering from...",
# "My NA keyring says 5 years clean"), unless the sentence turns to somebody else first.
# Scots "ah" is "I" before a verb: "Ah wis an alky", "ah'm four year sober" (not "Ah, the old days").
_FIRST_PERSON = LazyPattern(r"(?<![\w'])(?:i|i'm|i've|i'd|i'll|we|we're|we've|we'd|us|our|my|me|myself|ourselves|"
                            r"ah'm|ah've|ah'd|ah'll|ah(?= (?:wis|wiz|wus|was|am|had|hud|huv|got|goat|been|used|never|"
                            r"cannae|couldnae|dinnae|didnae|wisnae|ken|kent|knew|went|wid|started|stoapped|stopped)\b))(?![\w'])")
_SOMEONE_ELSE = LazyPattern(
    r"(?<![\w'])(?:he|she|they|him|her|his|their|them|he's|she's|they're|they'd|he'd|she'd|someone|somebody|"
    r"everyone|everybody|anyone|people|others|nobody|"
    r"(?:my|our|me|ma|the|a)\s+(?:[\w'-]+\s+)?(?:" + _OTHER_PEOPLE + r")(?:'s)?|"
    # "Our Jade was...", "my Kev is...": a family member by name, the subject of the sentence
    r"(?:my|our)\s+(?!(?:lot|lads|group|gang|crowd|crew|mob|kind|sort|generation|family|house|year|class|estate)\s)[\w'-]+"
    r"(?=\s+(?:was|is|were|are|has|had|became|got)\s)|"
    r"met|meet|know|knew|saw|seen|watched|helped?|helping|supported?|supporting|treat(?:ed)?|nursed|loved?|"
    r"lost|buried|married|visited|told|hired|employ(?:ed)?|with|around|about|among)(?![\w'])")


def quote_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Return (open, close) offsets of quotations in double or single quotes, straight or curly."""
    spans: list[tuple[int, int]] = []
    double: int | None = None
    single: int | None = None
    for found in _QUOTE_CHARS.finditer(text):
        at, char = found.start(), found.group()
        if char == '"':
            if double is None:
                double = at
            else:
                spans.append((double, at))
                double = None
        elif char in _OPEN_DOUBLE:
            double = at
        elif char in _CLOSE_DOUBLE:
            if double is not None:
                spans.append((double, at))
                double = None
        else:
            single = _single_quote(text, at, char, single, spans)
    return tuple(spans)


def _single_quote(text: str, at: int, char: str, single: int | None, spans: list) -> int | None:
    """Handle one single quote or apostrophe; return the offset of the quotation still open, if any."""
    before = text[at - 1] if at else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    # A closing quote follows text and is not followed by a letter; an apostrophe inside a word
    # (don't, I’m) is followed by a letter, and one after a plural (addicts’) has no opener.
    if single is not None and char in "'\u2019" and not before.isspace() and not after.isalnum():
        if at - single <= _MAX_SINGLE:
            spans.append((single, at))
        return None
    if char in "'\u2018" and not before.isalnum() and not after.isspace():
        return at
    return single


def innermost(spans: tuple[tuple[int, int], ...], start: int, end: int) -> tuple[int, int] | None:
    """Return the tightest quotation around text[start:end], or None."""
    return Quotes(spans).innermost(start, end)


class Quotes:
    """A text's quotation spans, kept with what lets each match find its innermost quotation quickly."""

    __slots__ = ("spans", "closes", "lowest")

    def __init__(self, spans: tuple[tuple[int, int], ...]) -> None:
        """Remember the spans, their closing offsets and the earliest opening among each next few."""
        self.spans = spans
        self.closes = [close for _, close in spans]
        opens = [open_at for open_at, _ in spans]
        # lowest[i]: the earliest opening quote among the spans innermost() looks at from i on. Most
        # matches are in no quotation, and this says so without looking at each of those spans.
        self.lowest = [min(opens[at:at + _MAX_NESTED]) for at in range(len(spans))]

    def __bool__(self) -> bool:
        """Tell whether the text has any quotation."""
        return bool(self.spans)

    def innermost(self, start: int, end: int) -> tuple[int, int] | None:
        """Return the tightest quotation around text[start:end], or None."""
        # Spans are in order of their closing quote; the innermost one around a match is the first,
        # from the match on, that opened before it. Looking at a few is enough: quotes nest shallowly.
        spans = self.spans
        first = bisect_left(self.closes, end)
        if first == len(spans) or self.lowest[first] >= start:
            return None
        for at in range(first, min(first + _MAX_NESTED, len(spans))):
            if spans[at][0] < start:
                return spans[at]
        return None  # pragma: no cover - lowest[first] < start means one of them opened before


def named_cues(low: str) -> list[int]:
    """Return, in order, where the words that _NAMED_WORD needs ("word", "term"...) occur in a lower-cased text."""
    if not any(word in low for word in _NAMED_NOUNS):
        return []  # most texts: a quick look, no list of places
    return sorted(at for word in _NAMED_NOUNS for at in occurrences(low, word))


def cue_before(cues: list[int], start: int) -> bool:
    """Tell whether a cue from named_cues() starts in the 40 characters that is_mention searches before `start`."""
    at = bisect_left(cues, start - 40)
    return at < len(cues) and cues[at] < start


def is_mention(text: str, low: str, span: tuple[int, int] | None, match: tuple[int, int], norm_start: int,
               named_cue: bool = True) -> bool:
    """Tell whether a word is talked about rather than used ("we don't say 'junkie'").

    `named_cue` False (from cue_before) says no "word", "term"... is near enough for an unquoted mention.
    """
    if named_cue and _NAMED_WORD.search(low, max(0, norm_start - 40), norm_start):
        return True
    if span is None:
        return False
    open_at, close_at = span
    # Only a quotation that is (nearly) just the flagged words puts them on display, like
    # 'junkie' or "been clean"; "I was a junkie" in quotes is somebody speaking.
    before = text[open_at + 1:match[0]]
    others = len(before.split()) + len(text[match[1]:close_at].split())
    if others > 1 or _SPEAKER.match(before):
        return False
    return bool(_CUE_BEFORE.search(text, max(0, open_at - 120), open_at) or _CUE_AFTER.match(text, close_at + 1))


class _EndPattern:
    """A pattern that must end where a text ends, asked as one anchored match on the reversed text.

    Searching forwards tries every place in the text, and these run for most matches in a long text.
    """

    __slots__ = ("forward", "_backward")

    def __init__(self, source: str) -> None:
        """Keep the forward pattern; the reversed one is built on first use."""
        self.forward = LazyPattern(source)
        self._backward = None

    def _reversed(self) -> re.Pattern | bool:
        """Return the reversed pattern (False where it cannot be), its source kept in the shared cache."""
        source = remembered("reversed", self.forward.pattern, lambda: reversed_source(self.forward.compiled()))
        return False if source is None else compile_pattern(source)

    def start_in(self, text: str, backwards: str | None = None) -> int:
        """Return where a match that ends at the end of the text starts, or -1 when there is none.

        `backwards` is text[::-1] when the caller has it already (several patterns ask of one text).
        """
        backward = self._backward
        if backward is None:
            backward = self._backward = self._reversed()
        if backward is False:  # pragma: no cover - every pattern here can be reversed
            found = self.forward.search(text)
            return found.start() if found else -1
        found = backward.match(text[::-1] if backwards is None else backwards)
        return len(text) - found.end() if found else -1


# Unquoted mentions. A word is talked about, not used, when it follows a verb of wording ("we never
# say service users", "why we avoid substance abuse, drug habit and..."), a preferred word and "not"
# ("people, not patients"), or a naming verb in a post that objects to the naming ("stop calling
# them junkies"); or when it is a bare item in a list of words near a word for words ("Junkie,
# smackhead, alkie: ... those words"). _LIST_ITEMS lets earlier items of a list sit in between.
_LIST_ITEMS = r"(?:[\w'-]+(?:\s+[\w'-]+){0,2}?(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|nor|then|and not|or even)\s+))*"
_WORDING = _EndPattern(
    r"(?<![\w'])(?:say|says|saying|write|writes|wrote|written|writing|avoid|avoids|avoided|avoiding|"
    r"reach(?:es|ed)? for|retire|retired|retiring|drop|dropped|dropping|ban|banned|banning|"
    r"stop(?:ped)? (?:using|saying|writing)|instead of|rather than|swap|swapped|replace|replaced|"
    r"type|typed|typing|print|printed|printing|tweet|tweeted|"
    r"(?:we|i|you|still|never|posts?)\s+(?:\w+\s+)?said|"
    r"(?:the|these|those|two|both|three) (?:words?|terms?|labels?|phrases?)|"
    # A word asked about, and a box on a form by its label: "asking what a junkie was", "the checkbox marked drug abuser".
    r"(?:ask|asks|asked|asking|wonder|wonders|wondered|wondering|explain|explained|explaining) (?:me |us |him |her )?what (?:an?|the word)|"
    r"(?:box|boxes|checkbox|checkboxes|column|field|option|tick ?box)\s+(?:marked|labelled|labeled|headed|saying|that said|that says)|"
    r"(?:words?|terms?|labels?|phrases?|slurs?|insults?|names?) (?:like|such as|including)|"
    # A document's words are words: "the council's leaflet said drug misusers", "the old form read addict".
    r"(?:leaflets?|posters?|signs?|headlines?|forms?|reports?|letters?|websites?|pages?|guidance|articles?|"
    r"captions?|slides?|banners?|flyers?|documents?|code|drafts?|notes?|records?|files?|minutes|policy|"
    r"policies)\s+(?:\w+\s+)?(?:said|says|read|reads|printed))"
    rf"\s*:?\s+{_LIST_ITEMS}\Z")
_PREFERRED_NOT = _EndPattern(
    r"(?<!\w)(?:people|person|members?|friends?|neighbou?rs?|colleagues?|humans?|in recovery|died by suicide)"
    r"(?:\s+[\w'-]+){0,4}(?:\s*,\s*(?:and\s+|but\s+)?|\s+and\s+|\s+but\s+)(?:not|never|rather than|instead of)\s+(?:an?\s+)?\Z")
_NAMING = _EndPattern(
    r"(?<!\w)(?:(?:call|calls|called|calling|label|labels|labelled|labeled|labelling|labeling|brand|branded|"
    r"branding)\s+(?:[\w'-]+,?\s+){0,6}?"  # a comma may end a word: "called a druggie, a wino"
    # "describing people at the shelter as drunks", "referred to him as an addict"
    r"|(?:describ(?:e|es|ed|ing)|refer(?:s|red|ring)?\s+to)\s+(?:[\w'-]+,?\s+){0,6}?as\s+)(?:an?\s+)?\Z")
_NAMING_ACT = LazyPattern(r"(?:calling|labelling|labeling|branding)\s+(?:someone|somebody|anyone|anybody|people|"
                          r"them|him|her|others|a person|a child|kids|children)\s")
# "They called me a junkie" is the storyteller's own story (see is_self_description), not a mention.
_NAMED_ME = LazyPattern(r"[a-z]+\s+(?:me|us|myself|ourselves)\s")
# Before the naming verb, in its sentence: it is refused or questioned ("Don't call my brother...").
# "Ever been called a lush?" and "correcting people who called him a meth head" are the naming endured.
_REFUSED = LazyPattern(r"(?<![\w'])(?:stop|don't|do not|never|no longer|nobody|no one|no-one|naebody|nae one|shouldn't|should not|"
                       r"won't|will not|refuse|ever|please don't|quit|hate|hates|hated|dislike|"
                       r"dislikes|object|objects|tired of|sick of|correct|corrects|corrected|correcting)(?!\w)")
# Anywhere in the text: the post objects to the naming.
_OBJECTION = LazyPattern(r"(?<!\w)(?:complain\w*|apologi[sz]\w*|stigma\w*|slurs?|hurt\w*|offensive|name[- ]?calling|"
                         r"(?:isn't|is not|wasn't|not) (?:calling a spade a spade|telling it like it is|being honest)|"
                         r"insult\w*|deserve better|respect|angry|upset\w*|shame\w*|wrong|without (?:asking|permission|consent|their "
                         r"consent)|not who (?:we|they|he|she|i) (?:are|is|was|were|am)|(?:isn't|is not|wasn't|not) (?:true|fair)|"
                         r"nonsense|rubbish|unfair|cruel|unkind|(?:did|does|do|done) to (?:them|him|her|me|us|people|someone|you)|"
                         r"(?:print|say|use|call \w+|write) (?:that|this|those|these|it) instead|(?:isn't|is not|wasn't|not) (?:ok|okay|acceptable|on|banter|a joke|funny))(?!\w)")
_BARE_LEFT = _EndPattern(
    # a range of words after a comma or colon counts too: "ten words we retired, from clean time to service user"
    r"(?:\A|[.!?:;,/&\n]|[,:]\s*from|[,:]\s*from\s[^.!?,]{1,40}\sto|"
    r"(?<!\w)(?:and|or|nor|then|like|such as|including|so is|so are|words?|terms?|labels?))"
    r"\s*(?:the\s+(?:[\w-]+\s+)?)?\Z")
_BARE_RIGHT = LazyPattern(
    r"\s*(?:\Z|[,:;.?!/&]|(?:and|or|nor|then|to)(?!\w)|(?:do|does|did|cause|causes)\s+(?:\w+\s+)?harm|(?:hurts?|stings?)(?!\w)|"
    r"(?:is|are|was|were)\s+(?:(?:still|just|not|also|all|the|a|an|two|three|such|only|old)\s+){0,3}"
    r"(?:words?|terms?|labels?|slurs?|phrases?|insults?|names?))")
# A school's or a sentence's term is no word: "braced for spring term", "a prison term", "in terms of".
_NOT_A_WORD_TERM = (r"(?<!spring )(?<!summer )(?<!autumn )(?<!winter )(?<!this )(?<!next )(?<!last )(?<!long )"
                    r"(?<!long-)(?<!short )(?<!short-)(?<!school )(?<!prison )(?<!jail )(?<!full )(?<!first )"
                    r"(?<!second )(?<!third )(?<!mid-)")
_WORDS_FOR_WORDS = LazyPattern(
    r"(?<!\w)(?:words?|" + _NOT_A_WORD_TERM + r"terms?(?! and conditions| of\b)|labels?|phrases?|slurs?|insults?|names?|"
    r"language|vocabulary|glossary)(?!\w)"
    r"|(?<!\w)what\b[^.!?]{0,60}\bcalled(?!\w)"
    r"|(?<!\w)(?:called|call|calls|heard|hear|hears)\s+(?:any|all|one|some|each|either|both|none|most)\s+of\s+"
    r"(?:these|those|them|it)(?!\w)|(?<!\w)words like (?:it|this|that|these|those|them)(?!\w)")
_REBUTTED = LazyPattern(r"\s*\?\s*(?:(?:no|nope|wrong)\s*[.:;!\u2013\u2014-]|not\s+(?:in|here|round|around|to|on|at|with)(?!\w)"
                        r"|never(?!\w))")  # "Dope fiends? Not in our book."
# A claim raised in order to answer it: "Myth: methadone is just another addiction. Fact: ..."
_MYTH = LazyPattern(r"(?<!\w)myths?(?!\w)")
_CLAIM_RAISED = LazyPattern(
    r"(?<!\w)(?:some (?:people|folk) (?:will |may |might )?(?:tell you|say|claim|think|believe)|"
    r"people (?:often |sometimes |still )?(?:say|claim|think|believe|tell you)|you(?:'ll| will| may| might)? hear|"
    r"critics (?:say|claim)|the (?:idea|claim|belief) that|(?:ask|asks|asked|asking|wonder|wonders|wondered) (?:\w+ )?(?:whether|if)|"
    r"(?:say|says|said|told (?:me|us|him|her|them)|think|thinks|thought|believe|believes|believed|claim|claims|claimed|"
    r"reckon|reckons|reckoned))(?!\w)")
# ...and answered after it: "...Our members on OST will tell you it gave them their lives back."
_ANSWERED = LazyPattern(r"(?<!\w)(?:but|however|fact|in fact|actually|truth|evidence|wrong|untrue|not true|"
                        r"will tell you|the reality|reality|saves? lives|saved (?:my|their|his|her) li(?:fe|ves)|otherwise|"
                        r"show(?:ed|s)? (?:me|us|them|him|her)|kept (?:me|us|them|him|her|people) alive|(?:is|was|it's) (?:a |real )?(?:treatment|medicine|medication))(?!\w)")


# Words one of which each pattern above needs: looked for first, because most matches have none near.
_WORDING_HINTS = ("say", "writ", "wrote", "avoid", "reach", "retir", "drop", "ban", "stop", "instead", "rather",
                  "said", "word", "term", "label", "phrase", "swap", "replac", "typ", "print", "tweet", "slur",
                  "insult", "name", "read",  # "read" bare: "the form read: addict", "the leaflet reads..."
                  "ask", "wonder", "explain", "box", "column", "field", "option")
_NAMING_HINTS = ("call", "label", "brand", "describ", "refer")
_NOT_HINTS = ("not", "never", "rather", "instead")
_WRITTEN_HINTS = ("paint", "spray", "scrawl", "daub", "graffit", "chalk", "carv", "etch", "scratch", "wrote", "written")
_PRINT_HINTS = ("appear", "up", "featur")  # "up" bare: _IN_PRINT takes any whitespace around it
_WORDS_HINTS = ("word", "term", "label", "phrase", "slur", "insult", "name", "languag", "vocab", "gloss", "called", "tag", "stigma",
                "clich")
# The word named by the noun after it: "the addict label stuck", "the junkie tag".
_WORD_NOUN_AFTER = LazyPattern(r"[\s-]+(?:label|tag|word|term|slur|insult|stigma)s?(?!\w)")
# The word pointed back to later in its sentence ("a quote about the crackheads ... a lecture on that word"),
# or by the sentence after ("Battling addiction, a victim of drink. Those are the obituary cliches").
_WORD_POINTED_BACK = LazyPattern(r"(?<!\w)(?:that|this|those|these)\s+(?:[\w'-]+\s+){0,2}?(?:words?|terms?|labels?|"
                                 r"phrases?|clich[eé]s?|slurs?|insults?)(?!\w)")
_NEXT_POINTS_BACK = LazyPattern(r"[\s\"'\u201d\u2019]*(?:those|these|that|this|such)(?:'s|\s+(?:are|were|is|was|'re))?\s+"
                                r"(?:(?:the|all|just|some|our|my|their|old|same|usual)\s+)*(?:[\w'-]+\s+){0,2}?"
                                r"(?:words?|terms?|labels?|phrases?|clich[eé]s?|slurs?|insults?|headlines?)(?!\w)")
# Words written on a wall are words: "Somebody spray-painted jakey across the bus shelter".
_WRITTEN_UP = _EndPattern(r"(?<!\w)(?:spray-painted|spray painted|sprayed|painted|scrawled|daubed|graffitied|chalked|"
                          r"carved|etched|scratched|wrote|written)\s+(?:the\s+words?\s+)?\Z")
_WRITTEN_ON = LazyPattern(r"\s+(?:across|on|over|onto|along|all over|up on|in big letters)(?!\w)")


# A clause that is nothing but a list of three or more short items: "Pisshead, smackhead, waster.",
# "Tabloid bingo: scourge, epidemic, zombie, junkie." Words on show, with no verb to use them...
_BARE_LIST = LazyPattern(r"\s*(?:[\w'-]+(?:\s+[\w'-]+)?\s*,\s*){2,}(?:(?:and|or)\s+)?[\w'-]+(?:\s+[\w'-]+)?"
                         r"\s*(?:[.:!?;\u2013\u2014]|\Z)")
# ...where the text around it talks about words ("we have heard them all"), so that a list of people
# welcomed ("Addicts, alcoholics, gamblers: you are welcome here") is still a use.
_TALK = LazyPattern(r"(?<!\w)(?:heard|hear|hears|said|say|says|called|shouted|shout|counted|count|read|"
                    r"printed|seen|spotted|bingo|headlines?|front pages?|tabloids?|words?|terms?|labels?|names?|slurs?|"
                    r"insults?)(?!\w)")
# A label with no article opening its sentence as the subject of a sentence about it: "Crackhead is not a
# description", "Addict is a label"; or asked about: "Is addict ever okay?". A headline's "Addict is jailed"
# has neither after it.
# "Jakey's no a word we use": the "'s" is "is", not a possessive.
_IS_CONTRACTED = LazyPattern(r"['\u2019]s\s+(?:not|no|nae|never|just|only|a|an)(?!\w)")
_BARE_SUBJECT = LazyPattern(r"\s+(?:is|isn't|was|wasn't)\s+(?:not|never|no|a|an|the|just|still|only|how|what|one)(?!\w)")
# ...or the word as a thing written, shouted or weighed: "Smackhead was sprayed on the bus shelter",
# "Pothead and stoner sound harmless", "Addict or person with an addiction?"
_AS_A_WORD = LazyPattern(
    r"(?:\s+(?:and|or)\s+[\w'-]+)*(?:\s+|(?=['\u2019]s\s))(?:(?:was|were|is|are|had been|has been|have been|got|gets|been)\s+"
    r"(?:\w+\s+)?(?:painted|spray-painted|sprayed|scrawled|daubed|written|carved|graffitied|chalked|etched|"
    r"scratched|tagged|shouted|yelled|chanted|hurled|printed|typed|tattooed)|sound(?:s|ed)?\s"
    # "Druggie isn't banter, it's a slur": what the word is, or is not
    # (Scots "no" and "nae" for "not"; "Jakey's no a word we use": the "'s" is "is".)
    r"|(?:(?:is|isn't|is not|was|wasn't|ain't|['\u2019]s)\s+(?:(?:not|no|nae|never|just)\s+)?)"
    r"(?:banter|a joke|funny|a slur|a word|an insult|offensive|ok|okay|acceptable|a nickname|a compliment)(?!\w))"
    r"|\s*(?:,\s*|\s+)(?:or|vs\.?|versus)\s+(?:an?\s+)?(?:person|people|someone|individual|member)s?(?!\w)")
# A label put first and given to somebody else's mouth ("Smack-heads, the Echo called them", "A crackhead, that's
# all he was to the paper")...
_NAMED_BY_OTHERS = LazyPattern(
    r"\s*[,:\u2013\u2014-]\s*(?:that(?:'s|\s+was|\s+is)\s+(?:all|what)\s+(?:[\w']+\s+){0,4}?(?:to|for)\s+(?:the|them|those|some|a lot)"
    r"|(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?\s+(?:called|calls|call|labelled|labeled|branded|dubbed|named)\s+"
    r"(?:them|him|her|us|me)(?!\w))")
# ...and answered by the post: "We call them neighbours", "but to us he was Darren".
_COUNTERED = LazyPattern(r"(?<!\w)(?:(?:we|i)\s+call\s+(?:them|him|her)|to\s+us|to\s+(?:his|her|their)\s+\w+|"
                         r"deserve\w*\s+better|(?:we|i)\s+(?:knew|know)\s+(?:them|him|her)\s+as)(?!\w)")
_LEADING_LIST = LazyPattern(r"\s*(?:[\w'-]+\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)){1,4}\Z")
_ASKED_ABOUT = LazyPattern(r"\s+(?:ever|still|really|okay|ok|acceptable|fine|offensive|a slur|a word|the right word)(?!\w)")
# Words that turn up in print: "Substance abuser appears 41 times in the code", "Successful suicide still
# turns up in police press releases".
_IN_PRINT = LazyPattern(
    r"\s+(?:still\s+|often\s+|regularly\s+|keeps?\s+)?(?:appears?|appeared|turns?\s+up|turned\s+up|crops?\s+up|"
    r"cropped\s+up|shows?\s+up|showed\s+up|pops?\s+up|features?|featured)\s+(?:(?:\d+|[a-z]+)\s+times|"
    r"(?:in|on|throughout|across)\s+(?:[\w'-]+\s+){0,3}?(?:press releases?|headlines?|papers?|newspapers?|articles?|"
    r"reports?|stories|code|leaflets?|documents?|guidance|forms?|copy|coverage|tweets?|posts?|captions?|scripts?|"
    r"minutes|polic(?:y|ies)|websites?|the news))")
# A claim asked as a question and answered no: "Does Narcan encourage drug use? Every study says no."
_QUESTION_START = LazyPattern(r"\s*(?:does|do|did|is|are|can|could|will|would|should|has|have)(?!\w)")
_ANSWERED_NO = LazyPattern(r"[^.!?]{0,80}\?[^.!?]{0,80}(?<!\w)(?:no|not|nope|wrong|never)(?!\w)")


WORDING, NOT, NAMING, WORDS, QUESTION, LIST, PRINT, WRITTEN, REPORTED = 1, 2, 4, 8, 16, 32, 64, 128, 256  # mention_hints()


def opens_a_sentence(low: str, start: int) -> bool:
    """Tell cheaply whether a match is at most 8 characters into its sentence ("Crackhead is...", "Isn't addict...").

    Exactly where is_unquoted_mention looks for a subject (len(_left_of(low, start)) <= 8), or a colon is near.
    """
    if start <= 8:
        return True
    left = low[start - 9:start]
    return "." in left or "!" in left or "?" in left or "\n" in left or ":" in left


def in_a_list(low: str, start: int) -> bool:
    """Tell cheaply whether a match follows "and", "or" or a comma, as a later item of a list does."""
    return low.endswith((" and ", " or ", ", "), max(0, start - 5), start)


def mention_hints(low: str) -> int:
    """Return which kinds of unquoted mention a lower-cased text could hold, once per text (0 for most)."""
    return ((WORDING if _any_in(low, _WORDING_HINTS) else 0) | (NOT if _any_in(low, _NOT_HINTS) else 0)
            | (NAMING if _any_in(low, _NAMING_HINTS) else 0) | (WORDS if _any_in(low, _WORDS_HINTS) else 0)
            | (QUESTION if "?" in low else 0) | (LIST if low.count(",") >= 2 else 0)
            | (PRINT if _any_in(low, _PRINT_HINTS) else 0) | (WRITTEN if _any_in(low, _WRITTEN_HINTS) else 0)
            | (REPORTED if _any_in(low, reported.HINTS) else 0))


def is_unquoted_mention(low: str, start: int, end: int, claim: bool = False, hints: int = -1,
                        noun: bool = False) -> bool:
    """Tell whether an unquoted match at low[start:end] is talked about rather than used.

    `hints` is mention_hints(low), worked out once per text: a kind whose words the text lacks is not looked for.
    `noun` says the rule's words name a person and take an article ("an addict").
    """
    if hints & QUESTION and _REBUTTED.match(low, end):
        return True  # "Born addicted? No: ..."
    if low.startswith(("'s", "' ", "\u2019s", "\u2019 "), end) and not _IS_CONTRACTED.match(low, end):
        return False  # a possessive is used of somebody: "printed addicts' names", "the junkie's kid"
    sentence_left = _left_of(low, start)
    if claim and (_MYTH.search(sentence_left) or _CLAIM_RAISED.search(sentence_left) and _ANSWERED.search(low, end)
                  or _attributed_after(low, end)):
        return True
    if claim and hints & QUESTION and _QUESTION_START.match(sentence_left) and _ANSWERED_NO.match(low, end):
        return True
    # Only a match at (or one word into) its sentence's start can be its subject: a length test first.
    if len(sentence_left) <= 8 and (hints & PRINT or noun) and _talked_of_as_subject(
            low, sentence_left.strip(), end, noun, hints):
        return True
    if noun and len(sentence_left) <= 8 and _NAMED_BY_OTHERS.match(low, end) and _COUNTERED.search(low, end, end + 300):
        return True  # "Smack-heads, the Echo called them. We call them neighbours."
    if noun and _LEADING_LIST.match(sentence_left) and _AS_A_WORD.match(low, end):
        return True  # a later item of the list the sentence opens with: "Alkie and wino sound like jokes"
    if hints & LIST and _next_to_a_comma(low, sentence_left, end) and _in_bare_list(low, sentence_left, start):
        return True
    backwards = sentence_left[::-1]  # once, for the patterns asked as an anchored match on it
    if hints & WORDING:
        at = _WORDING.start_in(sentence_left, backwards)
        if at >= 0 and not _reported_clause(low, sentence_left, at, end) and not _AN_AGE.search(sentence_left, at):
            return True
    if hints & NOT and _any_in(sentence_left, _NOT_HINTS) and _PREFERRED_NOT.start_in(sentence_left, backwards) >= 0:
        return True
    if hints & NAMING and _any_in(sentence_left, _NAMING_HINTS) and _named_and_refused(low, sentence_left, start):
        return True
    if hints & WORDS and (_WORD_NOUN_AFTER.match(low, end) or _pointed_back_to(low, end)):
        return True
    if hints & WRITTEN and _WRITTEN_ON.match(low, end) and _WRITTEN_UP.start_in(sentence_left, backwards) >= 0:
        return True
    if hints & REPORTED and reported.is_reported_and_corrected(low, sentence_left, start, end):
        return True
    return bool(hints & WORDS) and _listed_near_words_for_words(low, sentence_left, backwards, start, end)


def _talked_of_as_subject(low: str, left: str, end: int, noun: bool, hints: int) -> bool:
    """Tell whether words opening their sentence are what it talks about: in print, or a bare label described or asked about."""
    if not left:
        return bool(hints & PRINT and _IN_PRINT.match(low, end)
                    or noun and low[end - 1] != "s" and _BARE_SUBJECT.match(low, end)
                    or noun and _AS_A_WORD.match(low, end))
    return noun and left in ("is", "isn't", "was") and bool(_ASKED_ABOUT.match(low, end))


# A verb straight after the match makes it the subject of a reported clause: "owner says smackheads have
# been stealing" uses the word, where "we never say service users" shows it.
# Only what ends a shown word may follow it: a stop, "and", "in our leaflets", "any more", "when..."; any other
# word goes on with the clause ("dope fiends deserve a church too").
_WORD_SHOWN_END = LazyPattern(
    r"\s*(?:[^\w\s]|\Z|(?:and|or|nor|in|on|at|to|about|for|of|from|when|if|any|anymore|again|instead|either|ever|"
    r"but|so|because|as|like|with|without|here|there|now|today|then|than|unless|until|while|throughout|"
    r"everywhere|anywhere|all over|once|twice|often|a lot|much|(?:\d+|[a-z]+) times)(?!\w))")


_SAYING = LazyPattern(r"(?:say|says|saying|said|tell|tells|told|write|writes|wrote|written|writing|tweet|tweeted)(?!\w)")


# An age between commas makes the "list" a person described: "Retired miner, 71, leapt from...".
_AN_AGE = LazyPattern(r",\s*\d{1,3}\s*,")


def _reported_clause(low: str, sentence_left: str, cue: int, end: int) -> bool:
    """Tell whether a saying verb at sentence_left[cue:] reports a clause the match opens, unrefused.

    "owner says smackheads have been stealing" uses the word; "the words junkie and druggie appeared" shows it.
    """
    return bool(_SAYING.match(sentence_left, cue) and not _WORD_SHOWN_END.match(low, end)) and not _REFUSED.search(
        sentence_left)


# A claim given to its holders by the sentence after it, then answered: "Needle exchanges keep people injecting
# for longer. That was the view of one in three residents. The evidence says the opposite."
_CLAIM_GIVEN_AFTER = LazyPattern(r"\s*(?:that|this)(?:'s|\s+(?:was|is|were))\s+(?:(?:the|a|one)\s+)?(?:view|claim|belief|"
                                 r"argument|line|what\s+(?:[\w'-]+\s+){1,5}?(?:said|say|says|think|thinks|thought|believe|"
                                 r"believes|claim|claims|told))(?!\w)")


def _attributed_after(low: str, end: int) -> bool:
    """Tell whether the sentence after a claim gives it to other people, and the text then answers it."""
    stop = _SENTENCE_END.search(low, end)
    return stop is not None and bool(_CLAIM_GIVEN_AFTER.match(low, stop.end())) and bool(_ANSWERED.search(low, stop.end()))


def _pointed_back_to(low: str, end: int) -> bool:
    """Tell whether the rest of the match's sentence, or the start of the next, points back to it as a word."""
    stop = _SENTENCE_END.search(low, end)
    if stop is None:
        return bool(_WORD_POINTED_BACK.search(low, end))
    return bool(_WORD_POINTED_BACK.search(low, end, stop.start()) or _NEXT_POINTS_BACK.match(low, stop.end()))


def _next_to_a_comma(low: str, sentence_left: str, end: int) -> bool:
    """Tell cheaply whether a comma follows the match or precedes it, as it does for every item of a bare list."""
    return low.startswith(",", end) or sentence_left.rstrip().endswith((",", " and", " or"))


def _in_bare_list(low: str, sentence_left: str, start: int) -> bool:
    """Tell whether the match is an item of a clause that is only a list of words, in a text that talks of words."""
    clause_start = start - len(sentence_left) + max(sentence_left.rfind(":"), sentence_left.rfind(";")) + 1
    return bool(_BARE_LIST.match(low, clause_start)) and bool(_TALK.search(low, max(0, start - 150), start + 200))


def _named_and_refused(low: str, sentence_left: str, start: int) -> bool:
    """Tell whether a naming verb before the match is refused, or the naming objected to nearby."""
    at = _NAMING.start_in(sentence_left)
    if at < 0 or _NAMED_ME.match(sentence_left, at):
        return False
    before = sentence_left[:at]
    if not before.strip() and _NAMING_ACT.match(sentence_left, at):
        return True  # "Calling someone a crackhead says more about you": the act talked about
    return bool(_REFUSED.search(before) or _objected_to(low, start) or _asked(low, start))


def is_rejected(low: str, start: int) -> bool:
    """Tell whether the words at low[start:] are refused or objected to ("Stop calling it a 'suicide spot'").

    Safe messaging asks this of a word on show: a nickname repeated ("known as 'the suicide spot'") is still
    published, and only one held up in order to reject it is not.
    """
    return bool(_REFUSED.search(_left_of(low, start)) or _objected_to(low, start))


def _objected_to(low: str, start: int) -> bool:
    """Tell whether the text within 300 characters either side of low[start] objects to a naming."""
    return bool(_OBJECTION.search(low, max(0, start - 300), start + 300))


def _asked(low: str, start: int) -> bool:
    """Tell whether the match's sentence is a question: a naming asked about ("Should we call people clients?")."""
    stop = _SENTENCE_END.search(low, start)
    return stop is not None and stop.group() == "?"


def _listed_near_words_for_words(low: str, sentence_left: str, backwards: str, start: int, end: int) -> bool:
    """Tell whether the match is a bare item of a list ("Junkie, smackhead, alkie:") near a word for words.

    `backwards` is sentence_left reversed.
    """
    if not _BARE_RIGHT.match(low, end):
        return False
    if len(sentence_left) <= 40:
        tail, tail_backwards = sentence_left, backwards
    else:  # "x": the cut is not the sentence start
        tail, tail_backwards = "x" + sentence_left[-40:], backwards[:40] + "x"
    if _BARE_LEFT.start_in(tail, tail_backwards) < 0:
        return False
    window = low[max(0, start - 150):end + 150]
    return _any_in(window, _WORDS_HINTS) and bool(_WORDS_FOR_WORDS.search(window))


def _any_in(text: str, words: tuple[str, ...]) -> bool:
    """Tell whether any of the words occurs in the text (a quick test before a slower pattern)."""
    for word in words:  # a loop, not any() over a generator: this runs for most matches of a long text
        if word in text:
            return True
    return False


def _left_of(low: str, start: int) -> str:
    """Return the part of the match's sentence before it (at most 120 characters)."""
    left = low[max(0, start - 120):start]
    cut = max(left.rfind("."), left.rfind("!"), left.rfind("?"), left.rfind("\n")) + 1
    return left[cut:]


def is_self_description(low: str, start: int, end: int, noun: bool = False, subjectless: bool = True) -> bool:
    """Tell whether the words at low[start:end] are the writer describing themselves.

    A noun ("Addicts are...") opening a sentence is its subject, so only other words count as
    self-description in a sentence without a subject; and only where the rule says its words describe
    a person (`subjectless`: "Two years clean!", but not "Substance abuse services are stretched").
    """
    if low.startswith(("'", "\u2019"), end) and _OWNER_OF.match(low, end):
        return False  # the label belongs to the father in "an addict's daughter", not the storyteller
    sentence_left = _left_of(low, start)
    if subjectless and not noun and _NO_SUBJECT.match(sentence_left):
        return True
    if not noun and _MINE_AFTER.match(low, end):
        return True  # a thing, not a person, and the storyteller's own: "the dirty test I gave"
    if _LIKE_ME_AFTER.match(low, end) or _LIKE_ME_BEFORE.search(sentence_left) or _WITH_ME.search(sentence_left):
        return True
    lead = sentence_left.lstrip()
    if lead and _LEAD_IN.match(sentence_left) and _goes_on_in_the_first_person(
            low, end, lead.startswith("being"), lead.startswith("as ")):
        return True
    found = _SELF_BEFORE.search(sentence_left)
    if found and not (found.group().strip() in ("my", "our") and _ABOUT_SOMEONE_ELSE.search(low, start, end)):
        return True
    right = low[end:end + 120]
    stop = _CLAUSE_END.search(right)  # "a junkie, ... and I started using myself" is not about the junkie
    if _MYSELF.search(sentence_left) or _MYSELF.search(right, 0, stop.start() if stop else len(right)):
        return True
    return _first_person_only(sentence_left) and not _ABOUT_SOMEONE_ELSE.search(low, start, end)


def _goes_on_in_the_first_person(low: str, end: int, gerund: bool, lead_as: bool = False) -> bool:
    """Tell whether the sentence goes on after low[end] in the first person: its main clause, after a comma
    ("Like most addicts, I lied"), or straight on after a gerund ("Being an addict cost me everything")."""
    right = low[end:end + 160]
    stop = _SENTENCE_END.search(right)
    found = _PRONOUN.search(right, 0, stop.start() if stop else len(right))
    if found is None or found.group(1) not in _FIRST:
        return False
    if gerund or "," in right[:found.start()]:
        return True
    # "As an ex-addict I get asked...": the lead-in's subject straight after it, where "the addicts I met" has none
    return lead_as and found.start() == len(right) - len(right.lstrip())


def _first_person_only(sentence_left: str) -> bool:
    """Tell whether the sentence so far is in the first person and has not turned to anybody else since.

    The last person named is the one it is about: "The winter after my dad died, I tried to..." is the
    storyteller again, "I met addicts" and "I told him..." are not.
    """
    last_first = _last_start(_FIRST_PERSON, sentence_left)
    return last_first >= 0 and last_first > _last_start(_SOMEONE_ELSE, sentence_left)


def _last_start(pattern: LazyPattern, text: str) -> int:
    """Return where the last match of a pattern in the text starts, or -1."""
    last = -1
    for found in pattern.finditer(text):
        last = found.start()
    return last


# Proper names keep their words: "Addicts Anonymous", "Drug Users Network", "Substance Abuse Treatment
# Centre", "the National Institute on Drug Abuse". A name is Title Case words next to an institution word.
_INSTITUTION = (r"(?:Anonymous|An(?:on|oy|no|onm)\w*|Act|Administration|Institute|Council|Foundation|Trust|Project|Society|Association|"
                r"Network|Alliance|Centre|Center|Clinic|Services?|Team|Unit|Forum|Commission|Partnership|"
                r"Helpline|Court|Programme|Program|Coalition|Office|Department|Bureau|Division)")
# Names of places and official plans and statistics end in words like these: "Stoner Hill", "the
# Substance Abuse Prevention and Treatment Block Grant", "the Substance Misuse Delivery Plan".
_PLACE = (r"(?:Hill|Street|St|Road|Rd|Lane|Avenue|Ave|Way|Close|Park|Green|Square|Bridge|Haven|Bay|Cove|Point|"
          r"Valley|Woods?|Common|Heath|Moor|Gardens|Place|Drive|Row|Terrace|Crescent|Estate|Farm|Inn|Arms|"
          r"Tavern|Rest|Hall|House|Grant|Plan|Strategy|Standards|Book|Report|Survey|Index|Fund|Board|Agency|Authority|"
          r"Panel|Group|Review|Framework|Bill|Regulations|Living|Lodge|Homes?|Residence|Cup|League|Festival|Awards?|Games|"
          r"Marathon|Choir|Club)")
_TITLE_WORD = r"(?:[A-Z][\w'\u2019-]*|and|of|the|for|on|&)"
_NAME_AFTER = LazyPattern(rf"(?:['\u2019]s)?[\s-]+(?:{_TITLE_WORD}[\s-]+){{0,4}}?(?:{_INSTITUTION}|{_PLACE})\b")
_NAME_BEFORE = LazyPattern(rf"\b{_INSTITUTION}\s+(?:on|for|of|against)\s+(?:{_TITLE_WORD}\s+){{0,4}}\Z")
# A surname after a title: "Dr Stoner", "Councillor Lush", "Prof Junker".
# A title after what it names: "the documentary Junkie Town", "the song Addicted to Love".
_WORK_BEFORE = LazyPattern(r"(?<!\w)(?:film|movie|documentary|book|novel|memoir|song|single|album|track|play|series|"
                           r"show|podcast|poem|exhibition|musical)\s+(?:called\s+|titled\s+|entitled\s+)?\Z")
# A work or a band named a little after its kind: "played in a band with Stephen King called the Rock Bottom Remainders".
_CALLED_BEFORE = LazyPattern(r"(?<!\w)(?:film|movie|documentary|book|novel|memoir|song|album|play|series|show|podcast|"
                             r"band|group|musical|boat|horse)\b[^.!?\n]{0,40}?\b(?:called|named|titled)\s+(?:the\s+)?\Z")
# A name said with what it is straight after: "The Psychos, the Dundee rockabilly band", "Junkie Heaven, the debut
# novel by...", "The Recovering Alcoholic's Guide to Baking, a charity cookbook".
_WHAT_IT_IS_AFTER = LazyPattern(rf"(?:['\u2019]s)?(?:\s+(?:{_TITLE_WORD}|to|in|a|an|with|from)){{0,6}}?,\s+(?:the|a|an|our)\s+(?:[\w'-]+\s+){{0,3}}?"
                                r"(?:band|duo|trio|choir|book|cookbook|novel|memoir|guide|film|documentary|song|album|"
                                r"podcast|play|series|show|pub|bar|café|cafe|charity|magazine|zine)\b")
# A programme known by its fans or episodes: "the Rehab Addict fans in our Tuesday group".
_FANS_AFTER = LazyPattern(rf"(?:\s+{_TITLE_WORD}){{0,3}}?\s+(?:fans|viewers|fandom|episodes?|box set|theme tune|soundtrack)\b")
# A work after its maker's name: "Robert Wyatt's Rock Bottom", "Amy Winehouse's Rehab".
# One name will do after a reading word: "a copy of Burroughs' Junkie".
_MAKER_BEFORE = LazyPattern(r"(?<!\w)(?:[A-Z][\w-]+\s+[A-Z][\w-]+['\u2019]s|(?:of|read|reading|watched|watching)\s+"
                            r"[A-Z][\w-]+(?:['\u2019]s|s['\u2019]))\s+\Z")
# Asked as one anchored match on the reversed 40 characters before the name (first names may sit between).
_HONORIFIC = _EndPattern(r"(?<!\w)(?:Dr|Doctor|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|Sir|Dame|Lord|Lady|Cllr|Councillor|"
                         r"Judge|Justice|Rev|Reverend|Father|Sergeant|Sgt|Inspector|Captain|Capt|Officer|PC|DC|DI|"
                         r"MP|Senator|Sen|Rep|Mayor|Governor|Gov)\.?\s+(?:[A-Z][\w'\u2019-]+\s+|[A-Z]\.\s+){0,2}\Z")
# A title: "Clean and Sober (1988)", "Stoner by John Williams", "Junky by William S. Burroughs".
_TITLE_AFTER = LazyPattern(rf"(?:\s+{_TITLE_WORD}){{0,5}}?(?:\s*\((?:19|20)\d\d\)|,?\s+by\s+[A-Z][\w'-]+\s+"
                           r"(?:[A-Z]\.\s+)?[A-Z][\w'-]+)")
_WORDS = LazyPattern(r"[^\W\d_]+")
_SMALL_WORDS = frozenset(("and", "of", "the", "for", "on", "in", "to", "a", "an", "n"))  # lower case inside a title


def is_name(text: str, start: int, end: int) -> bool:
    """Tell whether text[start:end] is part of the proper name of an organisation, a law or a service."""
    if text[start].isalpha() and not text[start].isupper():
        return False  # the first word starts lower case: the check below would say so, more slowly
    words = _WORDS.findall(text, start, end)
    if not words or not all(w[0].isupper() or w in _SMALL_WORDS for w in words) or (start and text[start - 1] == "#"):
        return False
    return bool(_NAME_AFTER.match(text, end) or _TITLE_AFTER.match(text, end) or _FANS_AFTER.match(text, end)
                or _WHAT_IT_IS_AFTER.match(text, end)
                or _NAME_BEFORE.search(text, max(0, start - 80), start)
                or _HONORIFIC.start_in(text[max(0, start - 40):start]) >= 0
                or _WORK_BEFORE.search(text, max(0, start - 24), start)
                or _CALLED_BEFORE.search(text, max(0, start - 70), start)
                or _MAKER_BEFORE.search(text, max(0, start - 40), start))
