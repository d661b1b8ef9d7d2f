"""Score the identifier check against a labelled evaluation set: precision and recall per kind.

Run: python -m recovery_voice.care.identifiers_eval [PATH]
PATH defaults to tests/care_identifiers_eval.jsonl (its labelling rules are in the .md beside it). Each
line is one JSON object: {"id", "text", "naming", "own_name", "shown_name", "region", "expect": [{"kind", "span",
"start"}]}. A gold span counts as found when an identifier of the same kind overlaps it; an identifier
that overlaps no gold span of its kind is a false alarm.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .identifiers import KINDS, find

DEFAULT_PATH = Path("tests") / "care_identifiers_eval.jsonl"


@dataclass(frozen=True)
class Case:
    """One labelled line: its text, how the storyteller is named, and the gold spans (kind, start, end)."""

    line: int
    id: str
    text: str
    naming: str | None
    own_name: str | None
    region: str
    gold: tuple[tuple[str, int, int], ...]
    shown_name: str | None = None  # the name the story goes out under, which the product passes too (stories._apply)


@dataclass
class Score:
    """Per kind: gold spans found and missed, identifiers right and false alarms; and the lines behind them."""

    found: Counter = field(default_factory=Counter)
    missed: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    false_alarms: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)  # (case, kind, words)
    alarms: list = field(default_factory=list)  # (case, kind, words)

    def precision(self, kind: str | None = None) -> float:
        """Return the share of identifiers (of a kind, or all) that overlap a gold span of their kind."""
        right, alarms = self._pick(self.right, kind), self._pick(self.false_alarms, kind)
        return right / (right + alarms) if right + alarms else 1.0

    def recall(self, kind: str | None = None) -> float:
        """Return the share of gold spans (of a kind, or all) that an identifier of their kind overlaps."""
        found, missed = self._pick(self.found, kind), self._pick(self.missed, kind)
        return found / (found + missed) if found + missed else 1.0

    @staticmethod
    def _pick(counts: Counter, kind: str | None) -> int:
        return counts[kind] if kind else sum(counts.values())

    def add(self, case: Case, reported: list[tuple[str, int, int]]) -> None:
        """Count one line's gold spans against what the check reported."""
        for kind, start, end in case.gold:
            if any(k == kind and s < end and start < e for k, s, e in reported):
                self.found[kind] += 1
            else:
                self.missed[kind] += 1
                self.misses.append((case, kind, case.text[start:end]))
        for kind, start, end in reported:
            if any(k == kind and s < end and start < e for k, s, e in case.gold):
                self.right[kind] += 1
            else:
                self.false_alarms[kind] += 1
                self.alarms.append((case, kind, case.text[start:end]))


def load_cases(path: str | Path = DEFAULT_PATH) -> list[Case]:
    """Read an evaluation file, raising ValueError that names the line of any bad entry."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(_case(number, json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a valid evaluation entry: {error}") from None
    return cases


def _case(number: int, data: dict) -> Case:
    """Build one Case from its JSON object, checking that every expected span is where it says it is."""
    text = data["text"]
    gold = []
    for span in data["expect"]:
        kind, start, words = span["kind"], span["start"], span["span"]
        if kind not in KINDS or text[start:start + len(words)] != words or not words:
            raise ValueError(f"span {span!r} has an unknown kind or is not at its start in the text")
        gold.append((kind, start, start + len(words)))
    return Case(number, data.get("id", str(number)), text, data.get("naming"), data.get("own_name"),
                data.get("region", "uk"), tuple(gold), data.get("shown_name"))


def evaluate(cases: list[Case]) -> Score:
    """Run the check on every case and score it."""
    score = Score()
    for case in cases:
        found = find(case.text, naming=case.naming, own_name=case.own_name, region=case.region,
                     shown_name=case.shown_name)
        score.add(case, [(i.kind, i.start, i.end) for i in found])
    return score


def table(score: Score) -> str:
    """Return the per-kind table: gold spans, found, missed, false alarms, precision and recall."""
    lines = [f"{'kind':<14} {'gold':>5} {'found':>6} {'missed':>7} {'false alarms':>13} {'precision':>10} {'recall':>7}"]
    for kind in KINDS:
        gold = score.found[kind] + score.missed[kind]
        lines.append(f"{kind:<14} {gold:>5} {score.found[kind]:>6} {score.missed[kind]:>7} "
                     f"{score.false_alarms[kind]:>13} {score.precision(kind):>10.3f} {score.recall(kind):>7.3f}")
    gold = sum(score.found.values()) + sum(score.missed.values())
    lines.append(f"{'all':<14} {gold:>5} {sum(score.found.values()):>6} {sum(score.missed.values()):>7} "
                 f"{sum(score.false_alarms.values()):>13} {score.precision():>10.3f} {score.recall():>7.3f}")
    return "\n".join(lines)


def disagreements(score: Score) -> str:
    """List every miss and every false alarm with its line."""
    out = ["Misses"] + [f"  {c.id} [{kind}] {words!r} in {c.text!r}" for c, kind, words in score.misses]
    out += ["False alarms"] + [f"  {c.id} [{kind}] {words!r} in {c.text!r}" for c, kind, words in score.alarms]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the table, the misses and the false alarms; exit 0, or 2 when the file cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m recovery_voice.care.identifiers_eval",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="evaluation file (JSON Lines)")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.path)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    score = evaluate(cases)
    print(f"{len(cases)} lines, {sum(1 for c in cases if not c.gold)} with nothing to find\n")
    print(table(score) + "\n")
    print(disagreements(score))
    return 0


if __name__ == "__main__":
    sys.exit(main())
