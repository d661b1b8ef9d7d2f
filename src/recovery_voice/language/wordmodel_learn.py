"""Learning a word model (wordmodel.py) from labelled texts, and saying how well it does on texts it never saw.

Plain Python, no libraries, and no randomness but a fixed seed: the same texts always give the same
model, so a model's file can be checked against what learning makes now. Used by care/crisis_train.py
and care/safe_train.py, which choose the texts and the settings.
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter
from pathlib import Path
from typing import Callable

from .wordmodel import Model, normalise, terms, weighted

FOLDS = 5
SEED = 0
ITERATIONS = 500


def idf_of(counts: list[dict[str, int]], min_texts: int = 1) -> dict[str, float]:
    """Return the smoothed inverse document frequency, ln((1 + n) / (1 + texts with it)) + 1, of each term in at
    least `min_texts` of the texts (a term seen once says little, and every term kept is read by every check)."""
    found = Counter(term for text in counts for term in text)
    return {term: math.log((1 + len(counts)) / (1 + number)) + 1 for term, number in found.items() if number >= min_texts}


def learn(texts: list[str], labels: list[bool], c: float, threshold: float = 0.5, kind: type = Model,
          iterations: int = ITERATIONS, min_texts: int = 1) -> Model:
    """Learn the logistic regression (L2 with strength 1/c, each class weighted to count as much as the other)
    over the texts' TF-IDF terms, by Nesterov's accelerated gradient descent."""
    counts = [terms(normalise(text)) for text in texts]
    idf = idf_of(counts, min_texts)
    names = sorted(idf)
    index = {term: number for number, term in enumerate(names)}
    rows = [[(index[term], value) for term, value in weighted(text, idf).items()] for text in counts]
    positives = sum(labels)
    share = [len(labels) / (2 * (positives if label else len(labels) - positives)) for label in labels]
    weights, bias = _descend(rows, [float(label) for label in labels], share, len(names), c, iterations)
    return kind(idf, {names[n]: w for n, w in enumerate(weights) if abs(w) > 1e-9}, bias, threshold)


def _descend(rows: list, targets: list[float], share: list[float], size: int, c: float,
             iterations: int) -> tuple[list[float], float]:
    """Minimise ½|w|² + c Σ shareᵢ · logloss(targetᵢ, w·xᵢ + b); the rows are unit length, so 1 + c·Σshare/4 bounds the curve."""
    step = 1.0 / (1.0 + c * sum(share) / 4.0)
    weights, before = [0.0] * size, [0.0] * size
    bias = bias_before = 0.0
    for number in range(1, iterations + 1):
        pull = (number - 1) / (number + 2)
        ahead = [w + pull * (w - b) for w, b in zip(weights, before)]
        ahead_bias = bias + pull * (bias - bias_before)
        gradient, gradient_bias = ahead[:], 0.0
        for row, target, weight in zip(rows, targets, share):
            margin = ahead_bias + sum(ahead[i] * value for i, value in row)
            error = c * weight * (1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin)))) - target)
            gradient_bias += error
            for i, value in row:
                gradient[i] += error * value
        before, bias_before = weights, bias
        weights = [a - step * g for a, g in zip(ahead, gradient)]
        bias = ahead_bias - step * gradient_bias
    return weights, bias


def folds(labels: list[bool]) -> list[int]:
    """Return each text's fold: the texts of each label shuffled (fixed seed) and dealt out in turn."""
    chosen = [0] * len(labels)
    shuffler = random.Random(SEED)
    for label in (True, False):
        members = [n for n, value in enumerate(labels) if value is label]
        shuffler.shuffle(members)
        for turn, member in enumerate(members):
            chosen[member] = turn % FOLDS
    return chosen


def cross_validated(texts: list[str], labels: list[bool], make: Callable[[list, list], Model],
                    score: Callable[[Model, str], float]) -> list[float]:
    """Return each text's score(model, text) from a model that make(texts, labels) learnt without the text's fold."""
    fold_of = folds(labels)
    scores = [0.0] * len(texts)
    for fold in range(FOLDS):
        model = make([t for t, f in zip(texts, fold_of) if f != fold], [y for y, f in zip(labels, fold_of) if f != fold])
        for number in (n for n, f in enumerate(fold_of) if f == fold):
            scores[number] = score(model, texts[number])
    return scores


def figures(scores: list[float], labels: list[bool], threshold: float) -> tuple[float, float]:
    """Return precision and recall when texts scoring at least the threshold are found."""
    found = [score >= threshold for score in scores]
    hits = sum(1 for f, y in zip(found, labels) if f and y)
    flagged, wanted = sum(found), sum(labels)
    return (hits / flagged if flagged else 1.0), (hits / wanted if wanted else 1.0)


def choose_threshold(scores: list[float], labels: list[bool], min_precision: float) -> float:
    """Return the threshold (in steps of 0.01) with the best recall whose precision is at least min_precision."""
    best = (0.0, 0.99)
    for step in range(99, 0, -1):
        precision, recall = figures(scores, labels, step / 100)
        if precision >= min_precision and recall > best[0]:
            best = (recall, step / 100)
    return best[1]


def models_json(about: dict, models: dict[str, Model]) -> str:
    """Return the JSON text of a file of several named models ({"models": {name: model}}), after what they were learnt from."""
    import json  # here: checking a text never writes a model

    parts = ",\n".join(f' "{name}": ' + model.to_json({"model": name}).rstrip() for name, model in models.items())
    return f'{json.dumps(about, indent=1)[:-2]},\n "models": {{\n{parts}\n }}\n}}\n'


def write_or_check(argv: list[str] | None, description: str, build: Callable[[], str], path: Path, command: str,
                   head_ends: str) -> int:
    """Run a learning command: write the model file that build() makes, printing its head (the text before
    `head_ends`), or with --check say whether the file is what learning makes now (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="Only say whether the file is up to date.")
    args = parser.parse_args(argv)
    made = build()
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == made
        print(f"{path.name}: {'up to date' if same else f'out of date: run python -m {command}'}")
        return 0 if same else 1
    path.write_text(made, encoding="utf-8")
    print(made[:made.index(head_ends)].rstrip().rstrip(","))
    return 0
