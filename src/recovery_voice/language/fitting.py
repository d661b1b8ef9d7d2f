"""Fitting a finding's suggestion into its sentence: the one-click fix, or none where no rewrite fits.

A rendered suggestion (suggest.py) can replace the flagged words, but not always in their sentence:
a possessive ("an addict's family" -> "the family of a person with an addiction"), a "who" clause
after a "who" suggestion ("people who use drugs and are homeless"), "was" before "who uses", "an"
before a word that now starts with a consonant, a capital at a sentence's start. Meaning-keeping
rewrites and "no rewrite" (false claims, blame, idioms) are data: rewrites.toml. This runs only when
a fix is asked for (`check --format json`, the web pages); the check itself never pays for it.

The contract: a finding's fix is {"start", "end", "text"} (it may reach past the finding) or None;
Report.suggested_text puts every finding's first fitting fix in place, and is None when none has one.
"""

from __future__ import annotations

import re
from pathlib import Path

from .lazy import Derived, cache_place
from .record import Record
from .suggest import CASES, camel, case_of, fix_article, is_plural, plain_name

class Fix(Record):
    """A one-click fix: put `text` in place of the text between `start` and `end` (which may reach past the finding)."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        """Return the fix as the JSON the CLI and the pages show."""
        return {"start": self.start, "end": self.end, "text": self.text}


_LEAD_ARTICLE = re.compile(r"(an?)\s+", re.I)
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=\W))(an?)\s+\Z", re.I)
_DETERMINER_BEFORE = re.compile(
    r"(?:^|(?<=\W))(the|this|that|these|those|our|their|your|my|his|her|its|every|each|any|no|some|many|most|all|both|"
    r"few|several|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+\Z", re.I)
_OWNER_BEFORE = re.compile(r"(?:^|(?<=\W))(?:my|his|her|their|our|your)\s+\Z", re.I)
_INTENSIFIED = re.compile(r"(?:^|(?<=\W))(?:an?|the)\s+(?:total|complete|proper|real|right|hopeless|useless|raging|"
                          r"typical|absolute|utter|filthy|dirty|dirty little|bloody|sad|pathetic|old)\s+\Z", re.I)
_PAST_BEFORE = re.compile(r"(?:^|(?<=\W))(?:was|were)\s+(?:(?:once|always|never|still|just|already|also|only)\s+)?\Z",
                          re.I)
_SENTENCE_START = re.compile(r"(?:\A|[.!?]['\")\u2019\u201d]?\s+|\n\s*)\Z")
_WHO_AFTER = re.compile(r"\s+(?:who|that)\b")
_PERSON_AFTER = re.compile(r"\s+(?:man|men|woman|women|mum|mums|mom|moms|dad|dads|mother|father|parents?|teen|teens|"
                           r"girl|girls|boy|boys|lad|lads|son|daughter|pensioner|gran|granny|couple)\b")
_GROUP_AFTER = re.compile(r"\s+(?:community|communities|population|culture|lifestyle|behaviou?r|mentality|"
                          r"friends?|housing|hostels?|groups?|network|scene|stereotypes?)\b")
_POSTMODIFIED = re.compile(r"\b(?:with|who|in|affected)\b")
_PAST_AFTER = re.compile(r"\s+(?:was|were|died)\b")
_JOINED_BEFORE = re.compile(r"(?:^|(?<=\W))(?P<other>[a-z]+) (?P<conj>and|or|&) \Z", re.I)
_SUBSTANCES = frozenset({"heroin", "crack", "cocaine", "coke", "alcohol", "cannabis", "ketamine", "meth", "fentanyl",
                         "methamphetamine", "spice", "benzo", "benzos", "opioid", "opioids", "opiate", "opiates",
                         "drug", "drugs", "pill", "pills", "painkiller", "painkillers", "amphetamine", "mdma",
                         "ecstasy", "solvent", "smack", "gambling"})
_WORD_AFTER = re.compile(r"\s+(\w+)\b")
_POSSESSIVE_AFTER = re.compile(r"['\u2019]s?(?!\w)")
_HEAD_NOUN = re.compile(r"\s+([a-z]+)(?=[\s.,;:!?)]|\Z)")
_AFTER_HEAD = re.compile(r"\s+([\w'\u2019-]+)")
# Words that end the noun phrase after a possessive's noun ("an addict's family often feels..."): verbs
# that often follow one, auxiliaries, prepositions and adverbs. Any other word may continue it ("an
# addict's needle exchange"), and a rewrite with "of" would cut it in two.
_ENDS_PHRASE = frozenset("""
is are was were be been being has have had do does did can could will would shall should may might must
isn't aren't wasn't weren't hasn't haven't doesn't don't didn't can't couldn't won't wouldn't shouldn't
need needs needed matter matters mattered deserve deserves deserved feel feels felt say says said tell tells
told ask asks asked go goes went get gets got come comes came make makes made take takes took know knows
knew want wants wanted see sees saw find finds found look looks looked help helps helped lose loses lost
carry carries carried begin begins began start starts started change changes changed ring rings rang rung
call calls called live lives lived die dies died love loves loved hope hopes hoped suffer suffers suffered
meet meets met sit sits sat stand stands stood speak speaks spoke write writes wrote work works run runs ran
grow grows grew fall falls fell keep keeps kept leave leaves left become becomes became
often always never still also too just only now then again sometimes usually rarely really already
in on at of for from to with without by about after before during since until into onto over under
through across against among between like as than but because so if when while where what how why
""".split())


# Prepositions that often complete the noun before them ("a guide to", "the right to", "a need for"):
# "of" put between them would read "the guide of a person who uses drugs to naloxone".
_COMPLEMENTS = frozenset({"to", "for", "of", "on", "about", "with", "into", "from", "against", "towards", "over"})


def _ends_noun_phrase(word: str) -> bool:
    """Tell whether a word after a possessive's noun ends its noun phrase (a verb, an adverb, a preposition of place or time)."""
    return word not in _COMPLEMENTS and (word in _ENDS_PHRASE or word.endswith("ed"))
# Words that qualify the noun after a possessive rather than being it ("an addict's first week").
_MODIFIERS = frozenset({"first", "last", "own", "only", "next", "new", "old", "whole", "early", "late", "long",
                        "short", "real", "true", "main", "other", "usual", "daily", "little", "big", "young",
                        "mental", "physical", "future", "past", "local", "total", "latest"})
_WHO_VERB = re.compile(r"\bwho (uses|use|drinks|drink|injects|inject|sells|sell|has|have|is|are)\b")
_PAST = {"uses": "used", "use": "used", "drinks": "drank", "drink": "drank", "injects": "injected",
         "inject": "injected", "sells": "sold", "sell": "sold", "has": "had", "have": "had", "is": "was", "are": "were"}
REWRITES = "rewrites.toml"
_DATA: dict | None = None


def fits(text: str, finding, base: int = 0, first: bool = False) -> tuple[Fix, ...]:
    """Return the one-click fixes that fit a finding in its text, best first; () when no rewrite fits.

    `base` is the offset of `text` in the checked text (fixes are given in the checked text's offsets);
    `first` stops at the first fix that fits, which is all suggested_text needs.
    """
    if not finding.rewrite:
        return ()  # quoted speech and a storyteller's own words are shown, never rewritten
    start, end = finding.start - base, finding.end - base
    templates, start, end, entry_groups = _templates(text, finding, start, end)
    hashtag = _in_hashtag(text, finding.start - base)
    out: list[Fix] = []
    for template in templates:
        suggestion = template if entry_groups is None else _render_entry(template, entry_groups, text, start, end,
                                                                          finding, hashtag)
        fitted = _fit(text, finding, start, end, suggestion, hashtag) if suggestion else None
        if fitted is not None:
            fix = Fix(fitted[0] + base, fitted[1] + base, fitted[2])
            if fix not in out:
                out.append(fix)
            if first:
                break
    return tuple(out)


def report_fixes(report) -> tuple:
    """Return each finding's first fitting fix (or None), worked out once per report; each finding keeps its own."""
    known = report.__dict__.get("_fixes")
    if known is None:
        known = tuple((fits(report.text, f, first=True) or (None,))[0] for f in report.findings)
        report.__dict__["_fixes"] = known
        for finding, fix in zip(report.findings, known):
            finding.__dict__["_fix"] = fix  # so Finding.to_dict shows the fix that fits its sentence
    return known


def alone(finding) -> Fix | None:
    """Return a finding's fix when its text is not at hand: fitted to its own words only."""
    fix = (fits(finding.text, finding, base=finding.start, first=True) or (None,))[0]
    if fix is not None and finding.text[:1].islower():
        fix = Fix(fix.start, fix.end, _decap(fix.text))  # its own words start no sentence
    return fix


def _templates(text: str, finding, start: int, end: int) -> tuple[tuple[str, ...], int, int, dict | None]:
    """Choose the suggestions for a finding: a fitting [[fit]] entry's (with its groups and span), or the rule's own."""
    core = finding.text
    lead = _LEAD_ARTICLE.match(core)
    if lead:
        core = core[lead.end():]
    for entry in _data()["fit"].get(finding.rule, ()):
        groups = _entry_matches(entry, core, text, start, end)
        if groups is None:
            continue
        if entry.get("none"):
            return (), start, end, None
        if "before" in entry["consume"]:
            start = groups.pop("_before")
        if "after" in entry["consume"]:
            end = groups.pop("_after")
        if not entry.get("suggestions"):
            return finding.suggestions, start, end, None
        groups["_article"] = lead.group(1) if lead else None
        groups["_core"] = core
        return tuple(entry["suggestions"]), start, end, groups
    return finding.suggestions, start, end, None


def _entry_matches(entry: dict, core: str, text: str, start: int, end: int) -> dict | None:
    """Return the groups of a [[fit]] entry that matches a finding in its place, or None."""
    groups: dict = {}
    if entry.get("matched") is not None:
        found = entry["matched"].fullmatch(core)
        if found is None:
            return None
        groups.update({k: v for k, v in found.groupdict().items() if v})
    if entry.get("before") is not None:
        found = entry["before"].search(text, max(0, start - 60), start)
        if found is None:
            return None
        groups.update({k: v for k, v in found.groupdict().items() if v})
        groups["_before"] = _word_start(text, found)
    if entry.get("after") is not None:
        found = entry["after"].match(text, end)
        if found is None:
            return None
        groups.update({k: v for k, v in found.groupdict().items() if v})
        groups["_after"] = found.end()
    return groups


def _word_start(text: str, found: re.Match) -> int:
    """Return where the words of a `before` match start, past the non-word character that anchors it."""
    at = found.start()
    while at < found.end() and not text[at].isalnum():
        at += 1
    return at


def _render_entry(template: str, groups: dict, text: str, start: int, end: int, finding, hashtag: bool) -> str | None:
    """Fill, number, article and capitalise a [[fit]] entry's suggestion like the rule's own (see render)."""
    if "|" in template:
        singular, _, many = template.partition("|")
        template = many if is_plural(groups["_core"], groups["_core"].lower()) else singular
    filled = _fill_entry(template, groups)
    if filled is None:
        return None
    if groups["_article"] is not None or _DETERMINER_BEFORE.search(text, max(0, start - 12), start):
        filled = fix_article(filled, groups["_article"])  # "the crack baby" -> "the baby exposed..."
    if hashtag:
        return camel(filled)
    recase = CASES[case_of(text[start:end])]
    return recase(filled) if recase is not None else filled


def _fill_entry(template: str, groups: dict) -> str | None:
    """Put groups into {name} slots and verbs into {group=verb} slots ("{verb=drink}" after "got" is "drank")."""
    def slot(match: re.Match) -> str:
        name, _, verb = match.group(1).partition("=")
        value = groups.get(name)
        if value is None:
            raise KeyError(name)
        if verb:
            return _inflect(verb, value.lower())
        words = value if value.isupper() and len(value) > 1 else value.lower()
        return plain_name(" ".join(words.split()), match.end() == len(template))

    try:
        return _ENTRY_SLOT.sub(slot, template)
    except KeyError:
        return None


_ENTRY_SLOT = re.compile(r"\{([a-z_]+(?:=[a-z]+)?)\}")


def _inflect(verb: str, like: str) -> str:
    """Write a verb in the form ("got": past) of another, using the [verbs] table; the base form when unknown."""
    verbs = _data()["verbs"]
    for forms in verbs.values():
        if like in forms:
            return verbs[verb][forms.index(like)]
    return verb


def _fit(text: str, finding, start: int, end: int, suggestion: str, hashtag: bool) -> tuple[int, int, str] | None:
    """Fit one suggestion into the sentence: (start, end, words), or None when it cannot be made to fit."""
    if hashtag:  # a hashtag is replaced by a hashtag, CamelCase already; "#addicts' families" needs rewording
        return None if _POSSESSIVE_AFTER.match(text, end) else (start, end, suggestion)
    before = text[max(0, start - 40):start]
    if _INTENSIFIED.search(before):
        return None  # "a total cokehead": the adjective was written for the label
    possessive = _POSSESSIVE_AFTER.match(text, end)
    if possessive:
        return _possessive(text, start, possessive.end(), suggestion, is_plural(finding.text, finding.text.lower()))
    if _needs_rewording(before, text, end, suggestion):
        return None
    joined = _joined_substance(text, finding, start, suggestion)
    if joined is not None:
        if not joined:
            return None  # "heroin and crack users" -> "heroin and people who use crack" would split the pair
        start, suggestion = joined
    words, end = _clauses(text, start, end, suggestion)
    words, start = _article(text, finding, start, words)
    repeated = _WORD_AFTER.match(text, end)
    if repeated and repeated.group(1).lower() == words.rsplit(" ", 1)[-1].lower():
        end = repeated.end()  # "a clean test result" -> "a negative test result", not "... result result"
    return start, end, _capitalised(text, start, words)


def _needs_rewording(before: str, text: str, end: int, suggestion: str) -> bool:
    """Tell whether the label is built into its phrase so that no swap of words fits."""
    if _OWNER_BEFORE.search(before) and re.match(r"[a-z]+ (?:with|who) ", _decap(suggestion)):
        return True  # "her alcoholic mother" needs a clause ("her mother, who had..."): its tense is not known
    # a label used as a modifier ("junkie mum", "the addict community")
    return bool(_PERSON_AFTER.match(text, end) or (_GROUP_AFTER.match(text, end) and _POSTMODIFIED.search(suggestion)))


def _clauses(text: str, start: int, end: int, words: str) -> tuple[str, int]:
    """Join a "who" suggestion to a "who" clause after it with "and", and put its verb in the past where the sentence is."""
    who = _WHO_AFTER.match(text, end)
    past = bool(_PAST_BEFORE.search(text[max(0, start - 40):start]))
    if who and re.search(r"\bwho\b", words):
        words, end = words + " and", who.end()  # "people who use drugs who are" -> "... and are"
        past = past or bool(_PAST_AFTER.match(text, end))  # "a junkie who was found" -> "who used drugs and was"
    if past:
        words = _WHO_VERB.sub(lambda m: "who " + _PAST[m.group(1)], words)
    return words, end


def _joined_substance(text: str, finding, start: int, suggestion: str) -> tuple[int, str] | tuple | None:
    """Take in a substance joined to the finding's ("heroin and crack users" -> "people who use heroin and crack").

    Returns (new start, suggestion), () when the suggestion cannot take it in, or None when there is none.
    """
    first = finding.text.split()[0].lower()
    if first not in _SUBSTANCES:
        return None  # "heroin and junkies": two nouns, not two substances before one noun
    joined = _JOINED_BEFORE.search(text, max(0, start - 40), start)
    if joined is None or joined.group("other").lower() not in _SUBSTANCES:
        return None
    own = plain_name(first, True)
    if not suggestion.lower().endswith(" " + own):
        return ()
    other = plain_name(joined.group("other").lower(), True)
    pair = f"{other} {joined.group('conj').lower()} {own}"
    return joined.start("other"), _capitalised(text, joined.start("other"), _decap(suggestion[:-len(own)] + pair))


def _possessive(text: str, start: int, tail: int, suggestion: str, plural: bool) -> tuple[int, int, str] | None:
    """Rephrase a possessive label: "an addict's family" -> "the family of a person with an addiction"; None when
    the words after it are more than one noun ("an addict's first week") or take a complement ("a guide to")."""
    head = _HEAD_NOUN.match(text, tail)
    if head is None or head.group(1) in _MODIFIERS or head.group(1).endswith(("est", "ing")):
        return None
    following = _AFTER_HEAD.match(text, head.end())
    if following and not _ends_noun_phrase(following.group(1).lower()):
        return None  # "an addict's needle exchange", "an addict's story that...": more than one noun, or a clause
    determiner = _DETERMINER_BEFORE.search(text, max(0, start - 12), start)
    owner = determiner.group(1).lower() + " " if determiner else ""
    if not owner and not plural and not _LEAD_ARTICLE.match(suggestion):
        owner = _a_or_an(suggestion) + " "  # "Junkie's mum" -> "the mum of a person who uses drugs"
    begin = determiner.start() if determiner else start
    words = f"the {head.group(1)} of {owner}{_decap(suggestion)}"
    return begin, head.end(), _capitalised(text, begin, words)


def _article(text: str, finding, start: int, words: str) -> tuple[str, int]:
    """Keep "a"/"an" right for the new first word, and keep the finding's own article when the suggestion has none."""
    if start == finding.start and _LEAD_ARTICLE.match(finding.text):
        own = _LEAD_ARTICLE.match(finding.text).group(1)
        if not re.match(r"(?:an?|the)\s", words, re.I):
            words = _recase_like(own, _a_or_an(words)) + " " + _decap(words)  # "A baby born addicted"
        return words, start
    found = _ARTICLE_BEFORE.search(text, max(0, start - 4), start)
    if found:
        own = _LEAD_ARTICLE.match(words)
        if own:  # "hit a rock bottom" is not written; "on a bender" keeps one article: the text's
            words = _decap(words[own.end():])
        chosen = _a_or_an(words)
        if chosen != found.group(1).lower():
            return _recase_like(found.group(1), chosen) + " " + words, found.start(1)
    return words, start


def _a_or_an(words: str) -> str:
    """Choose "a" or "an" for the words that follow it."""
    first = words.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return "an" if first[0] in "AEFHILMNORSX" else "a"  # letters said one by one: "an MP"
    return "an" if first[:1].lower() in "aeiou" else "a"


def _recase_like(model: str, word: str) -> str:
    """Give a word the capital of the word it replaces ("An" -> "A")."""
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def _decap(words: str) -> str:
    """Lower the first letter of words moved into the middle of a sentence, unless it starts an acronym."""
    if len(words) > 1 and words[1].isupper():
        return words
    return words[:1].lower() + words[1:]


def _capitalised(text: str, start: int, words: str) -> str:
    """Start with a capital at the start of a sentence or where the replaced words had one ("Addicts" -> "People")."""
    first = text[start:].split(" ", 1)[0]
    titled = first[:1].isupper() and (len(first) == 1 or first[1:2].islower())
    if words[:1].islower() and (titled or _SENTENCE_START.search(text, max(0, start - 4), start)):
        return words[:1].upper() + words[1:]
    return words


def _in_hashtag(text: str, start: int) -> bool:
    """Tell whether an offset falls inside a hashtag (after "#" and word characters only)."""
    at = start
    while at > 0 and text[at - 1].isalnum():
        at -= 1
    return at > 0 and text[at - 1] == "#"


def _data() -> dict:
    """Load rewrites.toml once: its [[fit]] entries filed by rule, their patterns compiled, and the verb table."""
    global _DATA
    if _DATA is None:
        raw = _rewrites()
        words = raw.get("words", {})
        filed: dict[str, list] = {}
        for entry in raw.get("fit", []):
            filed.setdefault(entry["rule"], []).append(_compiled(entry, words))
        _DATA = {"fit": filed, "verbs": raw.get("verbs", {})}
    return _DATA


def _rewrites() -> dict:
    """Return rewrites.toml parsed, from a per-user cache beside the rules' while the file is byte for byte the same.

    tomllib took a quarter of a `check --format json` that found something; the cache (lazy.py) holds
    the parsed tables under a key made of the file, the checker's code and the Python version.
    """
    path = Path(__file__).with_name(REWRITES)
    place = cache_place([path])
    derived = Derived((place[0].with_name("language-rewrites.marshal"), place[1]) if place else None)
    raw = derived.remember("rewrites", REWRITES, lambda: _parsed(path))
    derived.save()
    return raw


def _parsed(path: Path) -> dict:
    """Parse the rewrites file (tomllib only here: most runs read the cache)."""
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def _compiled(entry: dict, words: dict) -> dict:
    """Compile a [[fit]] entry's patterns, with {name} standing for a [words] list."""
    def compile_(source: str, anchored_end: bool) -> re.Pattern:
        source = re.sub(r"\{([a-z_]+)\}", lambda m: words[m.group(1)], source)
        return re.compile(source + (r"\Z" if anchored_end else ""), re.I)

    out = dict(entry, consume=tuple(entry.get("consume", ())))
    for key, anchored in (("matched", False), ("before", True), ("after", False)):
        if key in entry:
            out[key] = compile_(entry[key], anchored)
    return out
