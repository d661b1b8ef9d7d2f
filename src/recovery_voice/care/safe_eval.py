"""Score the safe-messaging findings and care.topics against a labelled evaluation set.

Run: python -m recovery_voice.care.safe_eval [PATH] [--details]
PATH defaults to tests/care_safe_eval.jsonl. Each line is one JSON object with "text", "voice"
("organisation" or "storyteller"), "region" ("uk" or "us"), "expect" (the spans a safe-messaging
finding must cover: {"span": words of the text, "why": the kind of detail}, {"start", "end"} objects,
[start, end] pairs or words of the text), "topics" (the topics the text touches) and "kind".

A gold span is found when a safe-messaging finding at error or warning level overlaps it; such a
finding that overlaps no gold span is a false alarm. Topics are scored per topic, per sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..language import LanguageSettings, check
from ..language.safe_model import is_safe_messaging
from .topics import TOPICS, topics

DEFAULT_PATH = Path("tests") / "care_safe_eval.jsonl"
BLOCKING = ("error", "warning")
@dataclass(frozen=True)
class Case:
    """One labelled text."""

    line: int
    text: str
    voice: str
    region: str
    spans: tuple[tuple[int, int], ...]
    topics: frozenset[str]
    kind: str
    whys: tuple[str, ...] = ()  # the kind of detail of each gold span ("method", "sensational"...)


@dataclass
class Tally:
    """Counts for precision and recall, with the cases that went wrong."""

    hits: int = 0  # gold spans found (recall) / findings on a gold span (precision)
    found: int = 0
    missed: int = 0
    false_alarms: int = 0
    wrong: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Return the share of findings that overlap a gold span (1.0 when there were none)."""
        return self.found / (self.found + self.false_alarms) if self.found + self.false_alarms else 1.0

    @property
    def recall(self) -> float:
        """Return the share of gold spans that a finding overlaps (1.0 when there were none)."""
        return self.hits / (self.hits + self.missed) if self.hits + self.missed else 1.0


def load_cases(path: str | Path = DEFAULT_PATH) -> list[Case]:
    """Read an evaluation file, raising ValueError that names the line of any bad entry."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            text = data["text"]
            expect = data.get("expect", ())
            cases.append(Case(number, text, data.get("voice", "organisation"), data.get("region", "uk"),
                              tuple(_span(text, item) for item in expect), frozenset(data.get("topics", ())),
                              str(data.get("kind", "")),
                              tuple(str(item.get("why", "")) if isinstance(item, dict) else "" for item in expect)))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a valid evaluation entry: {error}") from None
    return cases


def _span(text: str, item) -> tuple[int, int]:
    """Turn one gold item ({"start", "end"}, [start, end] or words of the text) into offsets."""
    if isinstance(item, dict):
        if "start" in item:
            return int(item["start"]), int(item["end"])
        item = item["span"] if "span" in item else item["text"]
    if isinstance(item, list):
        return int(item[0]), int(item[1])
    at = text.lower().find(str(item).lower())
    if at < 0:
        raise ValueError(f"{item!r} is not in the text")
    return at, at + len(item)


def score(cases: list[Case]) -> tuple[Tally, dict[str, Tally], dict[str, Tally], Counter]:
    """Return the safe-messaging tally overall and per kind of text, a topics tally per topic, and misses per why."""
    overall, kinds, missed_why = Tally(), {}, Counter()
    per_topic = {topic: Tally() for topic in TOPICS}
    settings = {region: LanguageSettings(region=region) for region in {c.region for c in cases}}
    for case in cases:
        findings = [(f.start, f.end, f.rule) for f in check(case.text, voice=case.voice,
                                                             settings=settings[case.region]).findings
                    if f.severity in BLOCKING and is_safe_messaging(f.rule)]
        for tally in (overall, kinds.setdefault(case.kind, Tally())):
            _count_spans(tally, case, findings)
        for span, why in zip(case.spans, case.whys):
            missed_why[(why, any(_overlaps(span, f[:2]) for f in findings))] += 1
        _count_topics(per_topic, case, frozenset(topics(case.text)))
    return overall, kinds, per_topic, missed_why


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Tell whether two [start, end) spans share a character."""
    return a[0] < b[1] and b[0] < a[1]


def _count_spans(tally: Tally, case: Case, findings: list[tuple[int, int, str]]) -> None:
    """Count one case's gold spans found and missed, and its findings on and off them."""
    missed = [span for span in case.spans if not any(_overlaps(span, f[:2]) for f in findings)]
    extra = [f for f in findings if not any(_overlaps(span, f[:2]) for span in case.spans)]
    tally.hits += len(case.spans) - len(missed)
    tally.missed += len(missed)
    tally.found += len(findings) - len(extra)
    tally.false_alarms += len(extra)
    if missed or extra:
        tally.wrong.append((case, [case.text[s:e] for s, e in missed], [f"{r}: {case.text[s:e]}" for s, e, r in extra]))


def _count_topics(per_topic: dict[str, Tally], case: Case, said: frozenset[str]) -> None:
    """Count, per topic, whether the text's topic was said, missed or said wrongly."""
    for topic, tally in per_topic.items():
        if topic in case.topics and topic in said:
            tally.hits += 1
            tally.found += 1
        elif topic in case.topics:
            tally.missed += 1
            tally.wrong.append((case, [topic], []))
        elif topic in said:
            tally.false_alarms += 1
            tally.wrong.append((case, [], [topic]))


def _line(name: str, tally: Tally) -> str:
    """One row of the report."""
    return (f"{name:<24} precision {tally.precision:.3f}  recall {tally.recall:.3f}   "
            f"({tally.hits} of {tally.hits + tally.missed} found, {tally.false_alarms} false alarms)")


def _details(tally: Tally) -> str:
    """List the cases where the check and the labels disagree."""
    return "\n".join(f"  line {case.line} ({case.voice}): {case.text!r}"
                     + (f"\n    missed: {missed}" if missed else "") + (f"\n    not expected: {extra}" if extra else "")
                     for case, missed, extra in tally.wrong) or "  none"


def main(argv: list[str] | None = None) -> int:
    """Print the figures for an evaluation file; exit 0, or 2 when the file cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m recovery_voice.care.safe_eval", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="evaluation file (JSON Lines)")
    parser.add_argument("--details", action="store_true", help="list every text where the check and the labels disagree")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.path)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    overall, kinds, per_topic, by_why = score(cases)
    print(f"{len(cases)} texts, {sum(1 for c in cases if c.spans)} with a gold span\n\nSafe messaging")
    print(_line("all", overall))
    for kind in sorted(kinds):
        print(_line(f"  {kind or '(no kind)'}", kinds[kind]))
    for why in sorted({why for why, _ in by_why}):
        found, total = by_why[(why, True)], by_why[(why, True)] + by_why[(why, False)]
        print(f"  recall for {why or '(no why)'}: {found} of {total}")
    print("\nTopics")
    for topic, tally in per_topic.items():
        print(_line(topic, tally))
    if args.details:
        print("\nSafe messaging disagreements\n" + _details(overall))
        for topic, tally in per_topic.items():
            print(f"\nTopic {topic} disagreements\n" + _details(tally))
    return 0


if __name__ == "__main__":
    sys.exit(main())
