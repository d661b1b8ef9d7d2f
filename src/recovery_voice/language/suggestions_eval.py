"""Measure how often the check's suggested_text is the one a careful editor wrote (tests/language_suggest_eval.jsonl).

Run: python -m recovery_voice.language.suggestions_eval [FILE]
Each line is {"text", "region", "voice", "suggested_text": str | null, "shape"}. null means a finding
with no one-click rewrite; the text itself means nothing to flag (the check then gives null too).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .checker import check
from .settings import LanguageSettings

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "tests" / "language_suggest_eval.jsonl"


@dataclass(frozen=True)
class Outcome:
    """One line of the set: what the editor wrote and what the check suggested."""

    line: int
    shape: str
    text: str
    expected: str | None
    got: str | None

    @property
    def matched(self) -> bool:
        """Tell whether the check's suggestion is exactly the editor's."""
        return self.expected == self.got


def suggested(text: str, voice: str, settings: LanguageSettings) -> str | None:
    """Return what the check suggests for a text, with "nothing found" read as the text unchanged."""
    report = check(text, voice=voice, settings=settings)
    if not report.findings:
        return text
    return report.suggested_text


def run(path: str | Path = DEFAULT_PATH) -> list[Outcome]:
    """Check every line of a suggestion set and return the outcomes, in file order."""
    settings: dict[str, LanguageSettings] = {}
    outcomes = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        case = json.loads(raw)
        region = case.get("region", "uk")
        settings.setdefault(region, LanguageSettings(region=region))
        got = suggested(case["text"], case.get("voice", "organisation"), settings[region])
        outcomes.append(Outcome(number, case.get("shape", ""), case["text"], case["suggested_text"], got))
    return outcomes


def rate(outcomes: list[Outcome]) -> float:
    """Return the share of outcomes that match exactly (1.0 for none)."""
    return sum(o.matched for o in outcomes) / len(outcomes) if outcomes else 1.0


def summary(outcomes: list[Outcome]) -> str:
    """Say the exact-match rate overall and per shape, then each mismatch."""
    lines = [f"exact matches: {sum(o.matched for o in outcomes)} of {len(outcomes)} ({rate(outcomes):.1%})"]
    for shape in sorted({o.shape for o in outcomes}):
        mine = [o for o in outcomes if o.shape == shape]
        lines.append(f"  {shape:<12} {sum(o.matched for o in mine):>4} of {len(mine):<4} ({rate(mine):.0%})")
    for o in outcomes:
        if not o.matched:
            lines.append(f"line {o.line} ({o.shape}): {o.text!r}\n  expected: {o.expected!r}\n  got:      {o.got!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the exact-match rate and every mismatch; exit 1 below 95%."""
    args = sys.argv[1:] if argv is None else argv
    outcomes = run(args[0] if args else DEFAULT_PATH)
    print(summary(outcomes))
    return 0 if rate(outcomes) >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
