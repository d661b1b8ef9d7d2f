"""Score crisis detection against a labelled evaluation set: precision, recall, the misses and false alarms.

Run: python -m recovery_voice.care.crisis_eval [PATH]
PATH defaults to tests/care_crisis_eval.jsonl. Each line is one JSON object with the text and whether its
writer may be at risk now: {"id": "...", "text": "...", "crisis": true | false, "why": "..."}; the id
and the reason for the label ("why") are optional and shown in the listing. A sentence counts as found when crisis.at_risk says so; precision is the share of those
found that are labelled at risk, recall the share of those labelled at risk that are found.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .crisis import at_risk, reasons

DEFAULT_PATH = Path("tests") / "care_crisis_eval.jsonl"
MAX_TEXT = 20_000  # characters of one evaluation text; more is a mistake in the file, not a sentence


@dataclass(frozen=True)
class Case:
    """One labelled text."""

    line: int
    text: str
    crisis: bool
    id: str = ""
    why: str = ""


@dataclass
class Score:
    """The cases found and missed, and the false alarms."""

    hits: list = field(default_factory=list)
    misses: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)
    clean: int = 0

    @property
    def precision(self) -> float:
        """Return the share of texts found at risk that are labelled so (1.0 when none were found)."""
        found = len(self.hits) + len(self.false_alarms)
        return len(self.hits) / found if found else 1.0

    @property
    def recall(self) -> float:
        """Return the share of texts labelled at risk that were found (1.0 when none are labelled so)."""
        labelled = len(self.hits) + len(self.misses)
        return len(self.hits) / labelled if labelled else 1.0


def load_cases(path: str | Path = DEFAULT_PATH) -> list[Case]:
    """Read an evaluation file, raising ValueError that names the line of any bad entry."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            cases.append(_case(path, number, line))
    return cases


def _case(path: str | Path, number: int, line: str) -> Case:
    """Read one line of an evaluation file."""
    try:
        data = json.loads(line)
        text, crisis = data["text"], data["crisis"]
        if not isinstance(text, str) or not isinstance(crisis, bool) or len(text) > MAX_TEXT:
            raise ValueError(f'"text" must be a string of at most {MAX_TEXT:,} characters and "crisis" true or false')
        return Case(number, text, crisis, str(data.get("id", "")), str(data.get("why", "")))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}:{number}: not a valid evaluation entry: {error}") from None


def evaluate(cases: list[Case]) -> Score:
    """Run the detector on every case and count what it found and missed."""
    score = Score()
    for case in cases:
        found = at_risk(case.text)
        if case.crisis:
            (score.hits if found else score.misses).append(case)
        elif found:
            score.false_alarms.append(case)
        else:
            score.clean += 1
    return score


def report(score: Score) -> str:
    """Return the figures, then every miss and false alarm with its line and, for an alarm, why."""
    lines = [f"{len(score.hits) + len(score.misses)} at risk, {len(score.false_alarms) + score.clean} not",
             f"found {len(score.hits)}, missed {len(score.misses)}, false alarms {len(score.false_alarms)}",
             f"precision {score.precision:.3f}  recall {score.recall:.3f}", "", "Misses"]
    lines += [_listed(case) for case in score.misses] or ["  none"]
    lines += ["", "False alarms"]
    lines += [f"{_listed(case)}\n    {'; '.join(reasons(case.text))}" for case in score.false_alarms] or ["  none"]
    return "\n".join(lines)


def _listed(case: Case) -> str:
    """Return one case as a line of the listing."""
    name = f"{case.id}, line {case.line}" if case.id else f"line {case.line}"
    return f"  {name}{f' ({case.why})' if case.why else ''}: {case.text!r}"


def main(argv: list[str] | None = None) -> int:
    """Print the scores for an evaluation file; exit 0, or 2 when the file cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m recovery_voice.care.crisis_eval",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="evaluation file (JSON Lines)")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.path)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report(evaluate(cases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
