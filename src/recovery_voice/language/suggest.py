"""Turning a rule's suggestions into words that can replace a match as is: number, article, case.

Rendering is pure: the result depends only on the trigger, the matched words and their groups. So
it is remembered per (trigger, matched form): the same few words recur in most texts. Fitting a
rendered suggestion into its sentence (possessives, "who" clauses, tense, meaning) is fitting.py's,
done only when a fix is asked for.
"""

from __future__ import annotations

import re

from .rules import Rule, Trigger

MEMO_SIZE = 4096  # remembered renderings per settings and voice
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_LAST_WORD = re.compile(r"([a-z]+)[^a-z]*\Z")
_IRREGULAR_PLURALS = frozenset({"people", "men", "women", "children", "folk"})
_POSSESSIVE_END = re.compile(r"['\u2019]s?\Z")
# Slang or singular substance words put plainly, as the object of a verb or preposition ("people who
# use {drug}", "an addiction to {what}") and as a modifier ("{what} addiction", "{what} use").
_OBJECT_NAMES = {"smack": "heroin", "skag": "heroin", "coke": "cocaine", "pot": "cannabis", "weed": "cannabis",
                 "dope": "drugs", "opioid": "opioids", "opiate": "opiates", "benzo": "benzodiazepines",
                 "benzodiazepine": "benzodiazepines", "amphetamine": "amphetamines", "pill": "pills",
                 "painkiller": "painkillers", "prescription drug": "prescription drugs", "drug": "drugs"}
_MODIFIER_NAMES = {"smack": "heroin", "skag": "heroin", "coke": "cocaine", "pot": "cannabis", "weed": "cannabis",
                   "dope": "drug", "drugs": "drug", "opioids": "opioid", "opiates": "opiate", "substances": "substance",
                   "pills": "pill", "painkillers": "painkiller"}


def suggestions(memo: dict, number: int, rule: Rule, trigger: Trigger, matched: str, low: str,
                hashtag: bool, groups: dict) -> tuple[str, ...]:
    """Return the suggestions for one match, rendered once per (trigger, matched form) and then remembered.

    `matched` is the text as written, `low` the same span of the normalised lower-cased text, and
    `hashtag` whether it sits in a hashtag: with the groups, they are all that the result depends on.
    """
    key = (number, matched, low, hashtag, tuple(groups.items()) if groups else ())
    found = memo.get(key)
    if found is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()  # unusual texts must not grow it without end; it refills with common forms
        found = memo[key] = render(rule, trigger, matched, low, hashtag, groups)
    return found


def render(rule: Rule, trigger: Trigger, matched: str, low: str, hashtag: bool, groups: dict) -> tuple[str, ...]:
    """Fill in, number, article and capitalise the suggestions so they can replace the match as is."""
    plural = is_plural(matched, low)
    article = groups.get("_article")
    if hashtag:
        recase = camel
    elif trigger.case_sensitive:  # acronyms (MAT, IDU) say nothing about case
        recase = None
    else:
        recase = CASES[case_of(matched)]
    out: list[str] = []
    for template in trigger.suggestions or rule.suggestions:
        if "|" in template:
            singular, _, many = template.partition("|")
            template = many if plural else singular
        text = _fill(template, groups) if "{" in template else template
        if text is None:
            continue
        if rule.article:  # a noun label: "the addict" -> "the person...", so its own "a" goes unless the match had one
            text = fix_article(text, article)
        if recase is not None:
            text = recase(text)
        if text not in out:
            out.append(text)
    return tuple(out)


def is_plural(matched: str, low: str) -> bool:
    """Tell whether the matched words end in a plural noun ("addicts", "people", "IDUs"; not "addict's", "status")."""
    last = _LAST_WORD.search(_POSSESSIVE_END.sub("", low))  # "addict's" is one addict
    word = last.group(1) if last else ""
    if re.search(r"[A-Z]{2,}s\Z", matched):
        return True  # an acronym's plural: "IDUs"
    return word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith(("ss", "us", "is")))


def _fill(template: str, groups: dict) -> str | None:
    """Put named groups into {name} slots; None when a slot's group did not take part in the match."""
    names = _PLACEHOLDER.findall(template)
    if any(not groups.get(name) for name in names):
        return None
    return _PLACEHOLDER.sub(lambda m: plain_name(" ".join(groups[m.group(1)].split()), m.end() == len(template)),
                            template)


def plain_name(words: str, last: bool) -> str:
    """Name a substance plainly: "smack" is heroin; as an object ("use {drug}", at the end) a count noun is plural."""
    return (_OBJECT_NAMES if last else _MODIFIER_NAMES).get(words, words)


def fix_article(text: str, article: str | None) -> str:
    """Keep a suggestion's a/an only when the match had one, and choose a or an by the next word."""
    if not text.startswith(("a ", "an ", "A ", "An ")):
        return text
    head, _, rest = text.partition(" ")
    if article is None:
        return rest
    chosen = "an" if rest[:1].lower() in "aeiou" else "a"
    return chosen + " " + rest


def case_of(matched: str) -> str:
    """Tell how the matched text is capitalised: "upper" (ALL CAPS), "title" (a capital first) or "lower"."""
    letters = [c for c in matched if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "upper"
    first = matched.split()[0] if matched.split() else ""
    # "Addicts" starts a sentence; "IV users" starts with an acronym, which says nothing.
    if first[:1].isupper() and not (len(first) > 1 and first.isupper()):
        return "title"
    return "lower"


CASES = {"upper": str.upper, "title": lambda text: text[:1].upper() + text[1:], "lower": None}


def camel(text: str) -> str:
    """Turn a suggestion into CamelCase, so a hashtag can be replaced by a hashtag."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^\w]+", text) if w)
