"""Words reported from somebody else's sign, form, page or mouth and corrected by the post: mentions, not uses.

"If the sign in your window still says drug users must wait at the side hatch, we've got free replacement
signs", "your court report called a 41-year-old man a heroin addict ... He has a name": the post shows the
words in order to correct them. A report with no correction ("the council's report says addicts are to
blame") is still a use. And a word held up as a word ("a caller said recovering alcoholic is a perfectly
fine phrase"), or as the name somebody used ("the name they used was junkie"), is talked about wherever it is.
"""

from __future__ import annotations

from .lazy import LazyPattern

# Who or what said it, and the verb, before the match in its sentence.
_SAID_BY = LazyPattern(
    r"(?<!\w)(?:signs?|flyers?|leaflets?|posters?|notices?|forms?|bulletins?|prayer lists?|websites?|pages?|letters?|"
    r"reports?|headlines?|captions?|comments?|posts?|tweets?|polic(?:y|ies)|scripts?|articles?|pieces?|papers?|"
    r"magistrates?|judges?|pundits?|callers?|councillors?|commenters?|presenters?|officers?|the press)\b"
    r"[^.!?\n]{0,80}?\b(?:says?|said|reads?|asks?|asked|lists?|listed|calls?|called|describ\w+|printed|uses?|used|"
    r"refers? to|referred to|told\b[^.!?\n]{0,40}?\b(?:he|she|they) (?:was|were|is|are))\b[^.!?\n]{0,60}\Z")
# The post correcting the words it reported, within a few sentences either side.
_CORRECTED = LazyPattern(
    r"(?<!\w)(?:dated wording|old language|plainer (?:words|lines|wording)|(?:wording|words|language) that puts? people "
    r"first|suggested (?:rewrite|wording)|kinder words|replacement signs?|reprint\w*|rewrite|"
    r"(?:we'?d|we would|we) (?:rather )?call (?:him|her|them)|(?:he|she|they) (?:has|have) (?:a name|names)|"
    r"(?:those|these|they) are (?:people|neighbou?rs|human beings|our neighbou?rs)|"
    r"(?:try|say|use) [a-z' ]{1,40}instead|we do comment on words|(?:has|have) been hopeless)(?!\w)")
# The word held up as a word after it: "recovering alcoholic is a perfectly fine phrase".
_AS_A_PHRASE = LazyPattern(r"\s+(?:is|was|are|were)\s+(?:a|an|the)\s+(?:[\w'-]+\s+){0,3}?"
                           r"(?:phrase|word|term|expression|label)s?(?!\w)")
# The name somebody used, just before it: "the name they used was junkie".
_NAME_USED = LazyPattern(r"(?<!\w)(?:the\s+)?(?:name|word|label|term|nickname)s?\s+(?:they|he|she|people|everyone|folk|"
                         r"the\s+\w+)\s+(?:used|gave me|called me|had for me|used for me)\s+(?:for me\s+)?(?:was|were|is)\s+\Z")
HINTS = ("say", "said", "read", "ask", "list", "call", "describ", "print", "use", "refer", "told", "phrase", "word",
         "term", "expression", "label", "name")


def is_reported_and_corrected(low: str, sentence_left: str, start: int, end: int) -> bool:
    """Tell whether the words at low[start:end] are reported from somebody else and corrected, or shown as a word."""
    if _AS_A_PHRASE.match(low, end) or _NAME_USED.search(sentence_left):
        return True
    return bool(_SAID_BY.search(sentence_left) and _CORRECTED.search(low, max(0, start - 300), end + 300))
