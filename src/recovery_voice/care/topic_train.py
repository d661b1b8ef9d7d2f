"""Learn care.topics' word models (topic_model.py) from the labelled sets, and say how well they do unseen.

Run: python -m recovery_voice.care.topic_train [--check]
The texts of TRAINING_SETS (the safe-messaging sets learnt from, labelled by people who never saw the
check, see each set's .md) touch a topic when their `topics` label names it. The texts of CLEAN_SETS
(posts, headlines and stories written for the language and identifier checks) that hold none of
DEATH_WORDS touch neither: they teach the models a LERO's everyday words (drink, drugs, meetings,
phone numbers) so that those alone touch nothing. For each topic a logistic regression is learnt and
cross-validated in FOLDS folds; its threshold is the one that finds the most of the labelled texts
touching it while their cross-validated precision stays at least MIN_PRECISION. The models, learnt
from every text, are written to topic_model.json with the figures. --check says whether the file is
what learning makes now. The safe-messaging sets held out for measuring (see safe_train) are held out here too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..language import wordmodel_learn
from ..language.wordmodel_learn import FOLDS, choose_threshold, figures
from . import TOPICS
from .safe_train import TRAINING_SETS
from .topic_model import MODEL_FILE, WHOLE_WORDS

ROOT = Path(__file__).resolve().parents[3]
CLEAN_SETS = ("tests/language_eval.jsonl", "tests/language_eval_2.jsonl", "tests/language_eval_3.jsonl",
              "tests/language_eval_4.jsonl", "tests/language_eval_5.jsonl", "tests/language_suggest_eval.jsonl",
              *(f"tests/care_identifiers_{name}.jsonl"
                for name in ("eval", "holdout", "third", "fourth", "fifth", "sixth", "seventh", "eighth")))
# A clean set's text with any of these may speak of a death or a helpline (their sets have no topic labels):
# it is left out rather than taught as touching nothing.
DEATH_WORDS = ("suicid", "overdos", "od'd", "die", "dying", "death", "dead", "kill", "fatal", "hang", "drown", "rip",
               "r.i.p", "passed", "funeral", "inquest", "coroner", "lost ", "own life", "end it", "ended it",
               "ending it", "attempt", "grave", "samaritan", "116 123", "988", "lifeline", "pieta", "naloxone")
C = 8.0
ITERATIONS = 150  # learning two models five times over some 7,000 texts; more moved no threshold's figures
# Terms in fewer texts are not learnt: they were two thirds of the 77,000, and every `check` that asks for
# topics read them all (160 ms a process); see topic_model.py.
MIN_TEXTS = 2
MIN_PRECISION = 0.95


def load() -> tuple[list[str], dict[str, list[bool]], int]:
    """Return the texts, each topic's labels for them, and how many come from the labelled sets (they come first)."""
    texts, labels = [], {topic: [] for topic in TOPICS}
    for path in TRAINING_SETS:
        for case in _cases(path):
            texts.append(case["text"])
            for topic in TOPICS:
                labels[topic].append(topic in case.get("topics", ()))
    labelled = len(texts)
    clean = [case["text"] for path in CLEAN_SETS for case in _cases(path)
             if not any(word in case["text"].lower() for word in DEATH_WORDS)]
    for topic in TOPICS:
        labels[topic].extend([False] * len(clean))
    return texts + clean, labels, labelled


def _cases(path: str) -> list[dict]:
    """Return the JSON objects of a JSON-lines set."""
    return [json.loads(line) for line in (ROOT / path).read_text(encoding="utf-8").splitlines() if line.strip()]


def learn(texts: list[str], labels: list[bool], threshold: float = 0.5):
    """Learn one topic's model from the texts, with this file's settings."""
    return wordmodel_learn.learn(texts, labels, C, threshold, iterations=ITERATIONS, min_texts=MIN_TEXTS)


def build() -> str:
    """Learn the models and return the text of topic_model.json."""
    texts, labels, labelled = load()
    models, figures_of = {}, {}
    for topic in TOPICS:
        scores = wordmodel_learn.cross_validated(texts, labels[topic], learn, lambda model, text: model.probability(text))
        threshold = choose_threshold(scores[:labelled], labels[topic][:labelled], MIN_PRECISION)
        precision, recall = figures(scores[:labelled], labels[topic][:labelled], threshold)
        flagged = sum(1 for score in scores[labelled:] if score >= threshold)
        figures_of[topic] = {"precision": round(precision, 3), "recall": round(recall, 3),
                             "clean_texts_flagged": f"{flagged} of {len(texts) - labelled}"}
        models[topic] = learn(texts, labels[topic], threshold)
    about = {"about": "care.topics' word models; made by python -m recovery_voice.care.topic_train, not by hand.",
             "trained_on": list(TRAINING_SETS), "clean_sets": list(CLEAN_SETS), "texts": len(texts),
             "labelled": labelled, "C": C, "iterations": ITERATIONS, "min_texts": MIN_TEXTS, "whole_words": WHOLE_WORDS,
             "cross_validated": {"folds": FOLDS, **figures_of}}
    return wordmodel_learn.models_json(about, models)


def main(argv: list[str] | None = None) -> int:
    """Write topic_model.json (or, with --check, say whether it is what learning makes now)."""
    return wordmodel_learn.write_or_check(argv, __doc__.split("\n")[0], build, MODEL_FILE,
                                          "recovery_voice.care.topic_train", '"models"')


if __name__ == "__main__":
    sys.exit(main())
