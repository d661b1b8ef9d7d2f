"""A second opinion for the crisis check: a small word model learnt from the labelled stories.

The cues (crisis.toml) are precise and say why, but a storyteller in crisis says it in words no cue
foresaw: on each set written after the cues, they found about half. This model reads a text as a
whole (language/wordmodel.py: TF-IDF over words and pairs of words, and a logistic regression), learnt
by crisis_train.py from the labelled sets, whose names, settings and cross-validated precision and
recall are written in crisis_model.json beside the weights. A text of up to WHOLE_WORDS
words is read whole; a longer one in consecutive runs of sentences of about that many words, so the
present at the end of a long hopeful story is not lost among its other words.

    >>> score = load_model().probability
    >>> score("i cant do this anymore. everyone would be better off without me") > 0.5
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from ..language.wordmodel import (SENTENCE_END, Model as WordModel, piece_bounds, pieces, read_model, sentence_runs,
                                  sentence_terms, summed)

MODEL_FILE = Path(__file__).with_name("crisis_model.json")
WHOLE_WORDS = 120  # a text of up to this many words is read whole; a longer one in runs of about this many
# A storyteller's present often sits in a few sentences at the end of a long hopeful story, where the
# whole story's words drown it: runs of sentences of up to WINDOW_WORDS words, one starting at each
# sentence, are read too, and count when the model is surer (WINDOW_THRESHOLD) than it must be of a whole text.
# Chosen on 2026-12-03 on the fourth and fifth sets (recall 0.912 and 0.841 -> 0.912 and 0.884), with the
# sixth to ninth, all run before, as a check (recall +0.028 and +0.040 on the seventh and ninth, the
# same on the sixth and eighth; precision at most 0.023 lower, on the eighth).
WINDOW_WORDS = 60
WINDOW_THRESHOLD = 0.9
MIN_WORDS = 6  # fewer words than this are too few to weigh as a whole ("I don't want to die."): the cues read them


def parts(text: str) -> list[str]:
    """Split a text into the pieces the model reads: the whole, or runs of sentences of about WHOLE_WORDS words."""
    return pieces(text, WHOLE_WORDS)


def runs(sizes: list[int], counted: list[dict[str, int]], whole: bool) -> Iterator[dict[str, int]]:
    """Yield the terms of each run of sentences of up to WINDOW_WORDS words, one starting at each sentence.

    When the text is read whole, the run that is all of it is left out: it was read at the lower threshold.
    """
    return sentence_runs(sizes, counted, WINDOW_WORDS, skip_whole=whole)


class Model(WordModel):
    """The crisis word model: a text is at risk when any piece of it reaches the threshold."""

    def at_risk(self, text: str) -> bool:
        """Tell whether any piece of the text reaches the threshold (never for a text of fewer than MIN_WORDS words)."""
        words = len(text.split())
        if words < MIN_WORDS:
            return False
        sizes, counted = sentence_terms(text)  # read once: the pieces' and the runs' terms are sums of these
        whole = words <= WHOLE_WORDS
        bounds = [(0, len(sizes))] if whole else piece_bounds(sizes, WHOLE_WORDS)
        if any(self.probability_of(summed(counted[first:last])) >= self.threshold for first, last in bounds):
            return True
        return any(self.probability_of(run) >= WINDOW_THRESHOLD for run in runs(sizes, counted, whole))

    def likeliest_sentence(self, text: str) -> tuple[int, int]:
        """Return where the sentence the model finds likeliest to be about a risk now starts and ends, for a reason."""
        best, where, at = -1.0, (0, len(text)), 0
        for sentence in SENTENCE_END.split(text):
            start = text.index(sentence, at)
            at = start + len(sentence)
            if sentence.strip() and (score := self.probability(sentence)) > best:
                best, where = score, (start, at)
        return where


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> Model:
    """Read the learnt model (crisis_model.json), naming the file in any mistake."""
    return read_model(path, Model, "crisis model", "recovery_voice.care.crisis_train")
