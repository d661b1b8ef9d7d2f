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

from functools import lru_cache
from pathlib import Path

from ..language.wordmodel import Model, normalise, read_models, sentence_runs, sentence_terms, terms
from . import TOPICS

MODEL_FILE = Path(__file__).with_name("topic_model.json")
WHOLE_WORDS = 120  # as the longest texts learnt from: a text of up to this many words is read whole
# A longer one is read in runs of sentences of up to RUN_WORDS words, one starting at each sentence, so that a
# passage about a death is read with little of the rest: in a 2,000-word story, a 75-word passage scored 0.69
# in the best run of 120 words (threshold 0.68) and 0.93 in the best of 80, as much as alone. One sentence
# among a run's other words may still be missed; the patterns read every word.
RUN_WORDS = 80


def heard(text: str, wanted: tuple[str, ...]) -> list[str]:
    """Return those of the wanted topics whose model reaches its threshold on the text or on a piece of it."""
    models = load_models()
    if len(text.split()) <= WHOLE_WORDS:
        counted = [terms(normalise(text))]
    else:
        sizes, each = sentence_terms(text)  # once: every run's terms are sums of these
        counted = list(sentence_runs(sizes, each, RUN_WORDS))
    return [topic for topic in wanted
            if any(models[topic].probability_of(count) >= models[topic].threshold for count in counted)]


@lru_cache(maxsize=1)
def load_models(path: Path = MODEL_FILE) -> dict[str, Model]:
    """Read the learnt models (topic_model.json), naming the file in any mistake."""
    models = read_models(path, "topic model", "recovery_voice.care.topic_train")
    missing = [topic for topic in TOPICS if topic not in models]
    if missing:
        raise ValueError(f"{path}: not a topic model (no {', '.join(missing)}); make it with python -m "
                         "recovery_voice.care.topic_train")
    return models
