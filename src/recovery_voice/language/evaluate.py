"""Score the language check against a labelled evaluation set and print a per-rule table.

Run: python -m recovery_voice.language.evaluate [PATH] [--details]
PATH defaults to tests/language_eval.jsonl. Each line is one JSON object:
    {"text": "...", "region": "uk" | "us", "voice": "organisation" | "storyteller",
     "expect": [rule ids expected as error or warning], "info": [rule ids expected as info]}
Precision and recall count (sentence, rule) pairs at error or warning level, the levels that
stop or hold a post; info findings are gentle notes and are scored separately.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .checker import check
from .settings import LanguageSettings

DEFAULT_PATH = Path("tests") / "language_eval.jsonl"
BLOCKING = ("error", "warning")


@dataclass(frozen=True)
class Case:
    """One labelled sentence."""

    line: int
    text: str
    region: str
    voice: str
    expect: frozenset[str]
    info: frozenset[str]


@dataclass
class Score:
    """Counts of hits, misses and false alarms, per rule and in total."""

    hits: Counter = field(default_factory=Counter)
    misses: Counter = field(default_factory=Counter)
    false_alarms: Counter = field(default_factory=Counter)
    wrong: list = field(default_factory=list)  # (case, missed rules, extra rules)

    @property
    def precision(self) -> float:
        """Return the share of reported findings that the labels expect (1.0 when none were reported)."""
        reported = sum(self.hits.values()) + sum(self.false_alarms.values())
        return sum(self.hits.values()) / reported if reported else 1.0

    @property
    def recall(self) -> float:
        """Return the share of expected findings that were reported (1.0 when none were expected)."""
        expected = sum(self.hits.values()) + sum(self.misses.values())
        return sum(self.hits.values()) / expected if expected else 1.0

    def add(self, case: Case, expected: frozenset[str], reported: frozenset[str]) -> None:
        """Count one sentence's expected and reported rules."""
        for rule in expected & reported:
            self.hits[rule] += 1
        for rule in expected - reported:
            self.misses[rule] += 1
        for rule in reported - expected:
            self.false_alarms[rule] += 1
        if expected != reported:
            self.wrong.append((case, sorted(expected - reported), sorted(reported - expected)))


def load_cases(path: str | Path = DEFAULT_PATH) -> list[Case]:
    """Read an evaluation file, raising ValueError that names the line of any bad entry."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            case = Case(number, data["text"], data.get("region", "uk"), data.get("voice", "organisation"),
                        frozenset(data.get("expect", ())), frozenset(data.get("info", ())))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a valid evaluation entry: {error}") from None
        cases.append(case)
    return cases


def evaluate(cases: list[Case]) -> tuple[Score, Score]:
    """Run the check on every case; return the blocking (error and warning) score and the info score."""
    blocking, info = Score(), Score()
    settings = {region: LanguageSettings(region=region) for region in {c.region for c in cases}}
    for case in cases:
        findings = check(case.text, voice=case.voice, settings=settings[case.region]).findings
        blocking.add(case, case.expect, frozenset(f.rule for f in findings if f.severity in BLOCKING))
        info.add(case, case.info, frozenset(f.rule for f in findings if f.severity == "info"))
    return blocking, info


def table(score: Score) -> str:
    """Return the per-rule table of hits, misses and false alarms."""
    rules = sorted(set(score.hits) | set(score.misses) | set(score.false_alarms))
    width = max([len(r) for r in rules] + [4])
    lines = [f"{'rule':<{width}}  hits  misses  false alarms"]
    for rule in rules:
        lines.append(f"{rule:<{width}}  {score.hits[rule]:>4}  {score.misses[rule]:>6}  {score.false_alarms[rule]:>12}")
    lines.append(f"{'total':<{width}}  {sum(score.hits.values()):>4}  {sum(score.misses.values()):>6}  "
                 f"{sum(score.false_alarms.values()):>12}")
    return "\n".join(lines)


def _details(score: Score) -> str:
    """List the sentences where the check and the labels disagree."""
    out = []
    for case, missed, extra in score.wrong:
        out.append(f"  line {case.line} ({case.region}, {case.voice}): {case.text!r}"
                   + (f"\n    missed: {', '.join(missed)}" if missed else "")
                   + (f"\n    not expected: {', '.join(extra)}" if extra else ""))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the tables for an evaluation file; exit 0, or 2 when the file cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m recovery_voice.language.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="evaluation file (JSON Lines)")
    parser.add_argument("--details", action="store_true", help="list every sentence where check and labels disagree")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.path)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    blocking, info = evaluate(cases)
    print(f"{len(cases)} sentences, {sum(1 for c in cases if c.expect)} with an expected error or warning, "
          f"{sum(1 for c in cases if c.region == 'us')} US\n")
    print("Errors and warnings\n" + table(blocking))
    print(f"precision {blocking.precision:.3f}  recall {blocking.recall:.3f}\n")
    print("Info notes\n" + table(info))
    print(f"precision {info.precision:.3f}  recall {info.recall:.3f}")
    if args.details:
        print("\nDisagreements (errors and warnings)\n" + (_details(blocking) or "  none"))
        print("\nDisagreements (info)\n" + (_details(info) or "  none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
