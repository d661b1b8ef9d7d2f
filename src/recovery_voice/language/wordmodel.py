"""A small word model: TF-IDF over words and pairs of words, and a logistic regression over them.

The crisis check (care/crisis_model.py), the topics (care/topic_model.py) and the safe-messaging check
(safe_model.py) each learn one from texts that people labelled (wordmodel_learn.py). A text is read as the words and pairs of
neighbouring words in it, each counted as 1 + log count, times how rare the word was among the
labelled texts, the whole made unit length; words after "don't", "never"... up to the next punctuation
are marked as negated, since the words alone cannot tell "i want to die" from "i don't want to die".
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .lazy import Derived, cache_place

TOKEN = re.compile(r"[a-z0-9']+|[.!?,;:\n]")
NEGATORS = frozenset("""not no never nor without don't dont didn't didnt won't wont isn't isnt wasn't wasnt
    aren't arent weren't werent haven't havent hasn't hasnt wouldn't wouldnt shouldn't shouldnt couldnt couldn't
    ain't aint""".split())
_PUNCTUATION = frozenset(".!?,;:\n")
ONE = "model"  # the name read_models gives the model of a file that holds one
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")


def normalise(text: str) -> str:
    """Return the text as a model reads it: lower case, with straight apostrophes."""
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


def pieces(text: str, words: int) -> list[str]:
    """Split a text into the pieces a model reads: the whole, or runs of whole sentences of about `words` words.

    A model learnt from posts and short stories weighs a 5,000-word story's one sentence about a death
    among all its other words, and misses it; read in runs of the size it learnt from, it does not.
    """
    if len(text.split()) <= words:
        return [text]
    sentences = SENTENCE_END.split(text)
    return [" ".join(sentences[first:last]) for first, last in piece_bounds([len(s.split()) for s in sentences], words)]


def piece_bounds(sizes: list[int], words: int) -> list[tuple[int, int]]:
    """Return where each run of sentences of about `words` words starts and ends (exclusive), given each one's size."""
    bounds, first, size = [], 0, 0
    for at, count in enumerate(sizes):
        if at > first and size + count > words:
            bounds.append((first, at))
            first, size = at, 0
        size += count
    if sizes:
        bounds.append((first, len(sizes)))
    return bounds


def sentence_terms(text: str) -> tuple[list[int], list[dict[str, int]]]:
    """Return each sentence's size in words and its terms, read once for the whole text and all its runs.

    Punctuation ends every pair of words (terms), so the terms of a run of sentences, or of a whole text,
    are the sum of its sentences' terms.
    """
    sentences = [sentence for sentence in SENTENCE_END.split(text) if sentence.strip()]
    return [len(sentence.split()) for sentence in sentences], [terms(normalise(sentence)) for sentence in sentences]


def sentence_runs(sizes: list[int], counted: list[dict[str, int]], words: int, skip_whole: bool = False):
    """Yield the terms of each run of sentences of up to `words` words (one sentence at least), one starting at each.

    With skip_whole, the run that is the whole text is left out (it was read already).
    """
    for first in range(len(sizes)):
        last, size = first, 0
        while last < len(sizes) and (last == first or size + sizes[last] <= words):
            size += sizes[last]
            last += 1
        if not (skip_whole and first == 0 and last == len(sizes)):
            yield summed(counted[first:last])


def summed(counts: list[dict[str, int]]) -> dict[str, int]:
    """Return the sum of several texts' term counts."""
    total = dict(counts[0])
    for more in counts[1:]:
        for term, count in more.items():
            total[term] = total.get(term, 0) + count
    return total


def logistic(margin: float) -> float:
    """Return the probability of a margin (the logistic function), clamped so that exp cannot overflow."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin))))


class Model:
    """The learnt weights: for each known term its idf and weight, the bias, and the threshold at which a text counts."""

    def __init__(self, idf: dict[str, float], weights: dict[str, float], bias: float, threshold: float) -> None:
        # One lookup a term when scoring: its idf, and its idf times its weight.
        self.known = {term: (rarity, rarity * weights.get(term, 0.0)) for term, rarity in idf.items()}
        self.bias, self.threshold = bias, threshold

    @classmethod
    def of_known(cls, known: dict[str, tuple[float, float]], bias: float, threshold: float) -> Model:
        """Return the model whose `known` table (term: (idf, idf times weight)) is given, as read from the cache."""
        model = cls.__new__(cls)
        model.known, model.bias, model.threshold = known, bias, threshold
        return model

    @property
    def idf(self) -> dict[str, float]:
        """Each known term's idf."""
        return {term: entry[0] for term, entry in self.known.items()}

    @property
    def weights(self) -> dict[str, float]:
        """Each known term's weight, where it is not zero."""
        return {term: entry[1] / entry[0] for term, entry in self.known.items() if entry[1]}

    def probability(self, text: str) -> float:
        """Return the model's probability for one piece of text."""
        return self.probability_of(terms(normalise(text)))

    def probability_of(self, counts: dict[str, int]) -> float:
        """Return the model's probability for a piece of text's terms (terms() of normalise()), counted once for many models."""
        dot = length = 0.0
        known = self.known
        for term, count in counts.items():
            entry = known.get(term)
            if entry is not None:
                tf = 1.0 if count == 1 else 1.0 + math.log(count)  # as weighted() counts it
                length += (tf * entry[0]) ** 2
                dot += tf * entry[1]
        return logistic(self.bias + (dot / math.sqrt(length) if length else 0.0))

    def to_json(self, about: dict) -> str:
        """Write the model and what it was learnt from as JSON, one term a line (diffs stay readable)."""
        import json  # here: checking a text never writes a model
        idf, weights = self.idf, self.weights
        rows = ",\n".join(f"  {json.dumps(term)}: [{idf[term]:.6g}, {weights.get(term, 0.0):.6g}]"
                          for term in sorted(idf))
        head = json.dumps({**about, "bias": round(self.bias, 6), "threshold": self.threshold}, indent=2)[:-2]
        return f'{head},\n "terms": {{\n{rows}\n }}\n}}\n'


def model_from(data: dict, kind: type = Model) -> Model:
    """Build a model of the given class from its JSON object: {"bias", "threshold", "terms": {term: [idf, weight]}}."""
    known = data["terms"]
    return kind({term: float(pair[0]) for term, pair in known.items()},
                {term: float(pair[1]) for term, pair in known.items() if pair[1]},
                float(data["bias"]), float(data["threshold"]))


def read_model(path: Path, kind: type, what: str, maker: str) -> Model:
    """Read a learnt model of the given class from its JSON file, naming the file and the command that makes it in any mistake."""
    return read_models(path, what, maker, kind)[ONE]


def read_models(path: Path, what: str, maker: str, kind: type = Model) -> dict[str, Model]:
    """Read the learnt models of a JSON file ({"models": {name: model}}, or one named ONE), from a cache if unchanged.

    Parsing the safe-messaging models' JSON took a quarter of a second in every process that met a
    death; they are kept parsed, with marshal, beside the language rules' cache (lazy.py), under a key
    holding the file and this code.
    """
    place = cache_place([path, Path(__file__)])
    derived = Derived(None if place is None else (place[0].with_name(f"{path.stem}.marshal"), place[1]))
    try:
        parts = derived.remember("models", path.name, lambda: _parts_of(path))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ValueError(f"{path}: not a {what} ({error}); make it with python -m {maker}") from None
    derived.save()
    return {name: kind.of_known(*part) for name, part in parts.items()}


def _parts_of(path: Path) -> dict[str, tuple]:
    """Parse a model file into each model's (known, bias, threshold), as marshal can keep them."""
    import json  # here: `check` starts without it, and most runs read the cache

    data = json.loads(path.read_text(encoding="utf-8"))
    models = data["models"] if "models" in data else {ONE: data}
    return {name: (model.known, model.bias, model.threshold) for name, model in
            ((name, model_from(part)) for name, part in models.items())}
