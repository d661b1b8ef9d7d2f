"""A second opinion for the crisis check: a small word model learnt from the labelled stories.

The cues (crisis.toml) are precise and say why, but a storyteller in crisis says it in words no cue
foresaw: on each set written after the cues, they found about half. This model reads a text as a
whole: the words and pairs of words in it, weighted as TF-IDF (each count as 1 + log count, times how
rare the word was among the labelled texts, the whole made unit length), and a logistic regression
over them learnt by crisis_train.py from the labelled sets, whose names, settings and cross-validated
precision and recall are written in crisis_model.json beside the weights. A text of up to WHOLE_WORDS
words is read whole; a longer one in consecutive runs of sentences of about that many words, so the
present at the end of a long hopeful story is not lost among its other words.

    >>> score = load_model().probability
    >>> score("i cant do this anymore. everyone would be better off without me") > 0.5
    True
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("crisis_model.json")
TOKEN = re.compile(r"[a-z0-9']+|[.!?,;:\n]")
# A word after one of these, up to the next punctuation, is marked as said under a negation ("i don't
# want to die" is not "i want to die"): the words alone cannot tell the two apart.
NEGATORS = frozenset("""not no never nor without don't dont didn't didnt won't wont isn't isnt wasn't wasnt
    aren't arent weren't werent haven't havent hasn't hasnt wouldn't wouldnt shouldn't shouldnt couldnt couldn't
    ain't aint""".split())
_PUNCTUATION = frozenset(".!?,;:\n")
SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")
WHOLE_WORDS = 120  # a text of up to this many words is read whole; a longer one in runs of about this many
MIN_WORDS = 6  # fewer words than this are too few to weigh as a whole ("I don't want to die."): the cues read them
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalise(text: str) -> str:
    """Return the text as the model reads it: lower case, with straight apostrophes."""
    return text.lower().translate(_QUOTES)


def terms(low: str) -> dict[str, int]:
    """Count the words and the pairs of neighbouring words ("want die", "better off") of a normalised text.

    Punctuation ends a pair and a negation; a word under a negation is counted as "not_" and the word.
    """
    counts: dict[str, int] = {}
    get = counts.get
    previous, negated = "", False
    for token in TOKEN.findall(low):
        if token in _PUNCTUATION:
            previous, negated = "", False
            continue
        if token in NEGATORS:
            negated, word = True, token
        else:
            word = "not_" + token if negated else token
        counts[word] = get(word, 0) + 1
        if previous:
            pair = f"{previous} {word}"
            counts[pair] = get(pair, 0) + 1
        previous = word
    return counts


def weighted(counts: dict[str, int], idf: dict[str, float]) -> dict[str, float]:
    """Return the TF-IDF vector of a text's counts, unit length, over the terms the model knows."""
    vector = {term: (1.0 + math.log(count)) * idf[term] for term, count in counts.items() if term in idf}
    length = math.sqrt(sum(value * value for value in vector.values()))
    return {term: value / length for term, value in vector.items()} if length else {}


def parts(text: str) -> list[str]:
    """Split a text into the pieces the model reads: the whole, or runs of sentences of about WHOLE_WORDS words."""
    if len(text.split()) <= WHOLE_WORDS:
        return [text]
    pieces, current, size = [], [], 0
    for sentence in SENTENCE_END.split(text):
        words = len(sentence.split())
        if current and size + words > WHOLE_WORDS:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += words
    if current:
        pieces.append(" ".join(current))
    return pieces


class Model:
    """The learnt weights: for each known term its idf and weight, the bias, and the threshold at which a text is at risk."""

    def __init__(self, idf: dict[str, float], weights: dict[str, float], bias: float, threshold: float) -> None:
        self.idf, self.weights, self.bias, self.threshold = idf, weights, bias, threshold
        # One lookup a term when scoring: its idf, and its idf times its weight.
        self.known = {term: (rarity, rarity * weights.get(term, 0.0)) for term, rarity in idf.items()}

    def probability(self, text: str) -> float:
        """Return how likely the model finds it that the writer of this (one piece of) text is at risk now."""
        dot = length = 0.0
        known = self.known
        for term, count in terms(normalise(text)).items():
            entry = known.get(term)
            if entry is not None:
                tf = 1.0 if count == 1 else 1.0 + math.log(count)  # as weighted() counts it
                length += (tf * entry[0]) ** 2
                dot += tf * entry[1]
        margin = self.bias + (dot / math.sqrt(length) if length else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin))))

    def at_risk(self, text: str) -> bool:
        """Tell whether any piece of the text reaches the threshold (never for a text of fewer than MIN_WORDS words)."""
        if len(text.split()) < MIN_WORDS:
            return False
        return any(self.probability(piece) >= self.threshold for piece in parts(text))

    def likeliest_sentence(self, text: str) -> tuple[int, int]:
        """Return where the sentence the model finds likeliest to be about a risk now starts and ends, for a reason."""
        best, where, at = -1.0, (0, len(text)), 0
        for sentence in SENTENCE_END.split(text):
            start = text.index(sentence, at)
            at = start + len(sentence)
            if sentence.strip() and (score := self.probability(sentence)) > best:
                best, where = score, (start, at)
        return where

    def to_json(self, about: dict) -> str:
        """Write the model and what it was learnt from as JSON, one term a line (diffs stay readable)."""
        rows = ",\n".join(f"  {json.dumps(term)}: [{self.idf[term]:.6g}, {self.weights.get(term, 0.0):.6g}]"
                          for term in sorted(self.idf))
        head = json.dumps({**about, "bias": round(self.bias, 6), "threshold": self.threshold}, indent=2)[:-2]
        return f'{head},\n "terms": {{\n{rows}\n }}\n}}\n'


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> Model:
    """Read the learnt model (crisis_model.json), naming the file in any mistake."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = data["terms"]
        return Model({term: float(pair[0]) for term, pair in known.items()},
                     {term: float(pair[1]) for term, pair in known.items() if pair[1]},
                     float(data["bias"]), float(data["threshold"]))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ValueError(f"{path}: not a crisis model ({error}); make it with python -m "
                         "recovery_voice.care.crisis_train") from None
