"""The fast language check gives exactly the reports of the plain one (shortcuts=False) on every text of every
evaluation set, in both voices, and on the edge cases its shortcuts once got wrong."""

import json
from pathlib import Path

import pytest

from recovery_voice.language import LanguageSettings, check

HERE = Path(__file__).parent
SETS = sorted(HERE.glob("language_eval*.jsonl")) + sorted(HERE.glob("language_suggest*.jsonl")) + sorted(
    HERE.glob("care_*_eval.jsonl"))
SETTINGS = {"uk": LanguageSettings(), "us": LanguageSettings(region="us")}


def texts_of(path: Path) -> list[tuple[str, str]]:
    """Return (text, region) for every line of an evaluation set; lines without a region are checked as the UK's."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            out.append((case["text"], case.get("region", "uk")))
    return out


def answer(text: str, voice: str, settings: LanguageSettings, shortcuts: bool) -> tuple:
    """Return a report as the CLI shows it, with which findings may be rewritten."""
    report = check(text, voice=voice, settings=settings, shortcuts=shortcuts)
    return report.to_dict(), [finding.rewrite for finding in report.findings]


def test_every_evaluation_set_is_found():
    names = {path.name for path in SETS}
    assert {"language_eval.jsonl", "language_eval_2.jsonl", "language_suggest_eval.jsonl",
            "care_crisis_eval.jsonl", "care_safe_eval.jsonl", "care_identifiers_eval.jsonl"} <= names


@pytest.mark.parametrize("path", SETS, ids=[path.stem for path in SETS])
@pytest.mark.parametrize("voice", ["organisation", "storyteller"])
def test_the_fast_way_reports_what_the_plain_way_reports_on_every_text_of_the_set(path, voice):
    cases = texts_of(path)
    assert len(cases) >= 30
    flagged = 0
    for text, region in cases:
        fast = answer(text, voice, SETTINGS[region], shortcuts=True)
        plain = answer(text, voice, SETTINGS[region], shortcuts=False)
        assert fast == plain, text
        flagged += bool(fast[0]["findings"])
    assert flagged  # every set holds texts with findings, so the comparison says something


@pytest.mark.parametrize("text", [
    "The leaflet read: addicts welcome here.",  # a document's words, with a colon after "read"
    "The leaflet read addicts welcome here.",
    "Our old form\tread\taddict in every box.",
])
def test_words_a_document_printed_are_mentions_on_both_ways(text):
    for voice in ("organisation", "storyteller"):
        assert answer(text, voice, SETTINGS["uk"], True) == answer(text, voice, SETTINGS["uk"], False)
