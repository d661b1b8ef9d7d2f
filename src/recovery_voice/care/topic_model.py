"""A second reader for care.topics: one small word model a topic, learnt from the safe-messaging sets' labels.

topics.toml's patterns are precise and say which words touched a topic, but people speak of a suicide
or a death from drugs in words no pattern foresaw ("went off the Kessock Bridge", "ate his gun", "the
gear took our Gareth"): on the sets written after the patterns they found about three in four. A text
touching a topic needs a second approval and the support footer, so a miss is a post going out without
them. Each model (language/wordmodel.py) is learnt by topic_train.py from the texts whose labels name
the topic and those whose labels do not, with its threshold, settings and cross-validated figures in
topic_model.json beside the weights. A long text is read in runs of sentences of up to RUN_WORDS words.

    >>> heard("RIP big man. Gone off the top of the multi-storey on Friday, nobody saw it coming.", ("suicide",))
    ['suicide']
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from ..language.lazy import Derived, cache_place
from ..language.wordmodel import Model, logistic, normalise, read_models, sentence_runs, sentence_terms, terms
from . import TOPICS

MODEL_FILE = Path(__file__).with_name("topic_model.json")
WHOLE_WORDS = 120  # as the longest texts learnt from: a text of up to this many words is read whole
# A longer one is read in runs of sentences of up to RUN_WORDS words, one starting at each sentence, so that a
# passage about a death is read with little of the rest: in a 2,000-word story, a 75-word passage scored 0.69
# in the best run of 120 words (threshold 0.68) and 0.93 in the best of 80, as much as alone. One sentence
# among a run's other words may still be missed; the patterns read every word.
RUN_WORDS = 80


def heard(text: str, wanted: tuple[str, ...]) -> list[str]:
    """Return those of the wanted topics whose model reaches its threshold on the text or on a run of its sentences."""
    if len(text.split()) <= WHOLE_WORDS:
        counted = [terms(normalise(text))]
    else:
        sizes, each = sentence_terms(text)  # once: every run's terms are sums of these
        counted = list(sentence_runs(sizes, each, RUN_WORDS))
    reader = _reader()
    found = set()
    for count in counted:
        found.update(topic for topic, p in zip(TOPICS, reader.probabilities(count)) if p >= reader.thresholds[topic])
    return [topic for topic in wanted if topic in found]


class _Reader:
    """Both topics' models read in one pass: learnt from the same texts, they share every term's idf."""

    def __init__(self, known: dict[str, tuple[float, float, float]], biases: tuple[float, float],
                 thresholds: dict[str, float]) -> None:
        self.known, self.biases, self.thresholds = known, biases, thresholds  # known: term -> (idf, idf*w1, idf*w2)

    def probabilities(self, counts: dict[str, int]) -> tuple[float, float]:
        """Return each topic's probability for a text's terms, as each model's probability_of would."""
        dots, length = [0.0, 0.0], 0.0
        known = self.known
        for term, count in counts.items():
            entry = known.get(term)
            if entry is not None:
                tf = 1.0 if count == 1 else 1.0 + math.log(count)  # as wordmodel.weighted() counts it
                length += (tf * entry[0]) ** 2
                dots[0] += tf * entry[1]
                dots[1] += tf * entry[2]
        norm = math.sqrt(length) if length else 0.0
        return tuple(logistic(bias + (dot / norm if norm else 0.0)) for bias, dot in zip(self.biases, dots))


@lru_cache(maxsize=1)
def _reader() -> _Reader:
    """Return the one-pass reader of the shipped models, kept with marshal while the file and this code are unchanged.

    Reading both models and joining their tables took some 160 ms in every process that asked for topics;
    the joined table alone, from the cache, takes a fraction of that.
    """
    place = cache_place([MODEL_FILE, Path(__file__)])
    derived = Derived(None if place is None else (place[0].with_name("topic-reader.marshal"), place[1]))
    parts = derived.remember("reader", MODEL_FILE.name, lambda: _joined(load_models()))
    derived.save()
    return _Reader(*parts)


def _joined(models: dict[str, Model]) -> tuple[dict, tuple[float, float], dict[str, float]]:
    """Return the two models' terms as one table (term: idf, and idf times each model's weight), their biases and thresholds."""
    first, second = (models[topic] for topic in TOPICS)
    if set(first.known) != set(second.known):
        raise ValueError(f"{MODEL_FILE}: the topics' models know different terms; make it with python -m "
                         "recovery_voice.care.topic_train")
    known = {term: (entry[0], entry[1], second.known[term][1]) for term, entry in first.known.items()}
    return known, (first.bias, second.bias), {topic: models[topic].threshold for topic in TOPICS}


@lru_cache(maxsize=1)
def load_models(path: Path = MODEL_FILE) -> dict[str, Model]:
    """Read the learnt models (topic_model.json), naming the file in any mistake."""
    models = read_models(path, "topic model", "recovery_voice.care.topic_train")
    missing = [topic for topic in TOPICS if topic not in models]
    if missing:
        raise ValueError(f"{path}: not a topic model (no {', '.join(missing)}); make it with python -m "
                         "recovery_voice.care.topic_train")
    return models
