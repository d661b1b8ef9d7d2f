"""The language check as pages show it: findings with their one-click fixes already worked out."""

from ..language import check
from .common import config

SEVERITY_WORDS = {"error": "Needs changing", "warning": "Please check", "info": "A gentle suggestion"}


def apply_fix(text: str, finding: dict, index: int) -> str:
    """Return the text with one suggestion put in place of the flagged words."""
    suggested = finding.get("suggested_text")
    if index == 0 and isinstance(suggested, str):
        return suggested  # the checker worked it out itself (it knows about articles and case)
    return text[:finding["start"]] + finding["suggestions"][index] + text[finding["end"]:]


def annotated(text: str, voice: str) -> list[dict]:
    """Check a text and return its findings, each with the full fixed text for each suggestion."""
    report = check(text or "", voice=voice, settings=config().language)
    findings = []
    for finding in report.to_dict()["findings"]:
        fixes = [{"suggestion": s, "text": apply_fix(text, finding, i)} for i, s in enumerate(finding["suggestions"])]
        findings.append({**finding, "label": SEVERITY_WORDS[finding["severity"]], "fixes": fixes})
    return findings


def fix_from_button(text: str, voice: str, choice: str) -> str | None:
    """Apply the fix a no-JavaScript button named ("finding:suggestion"), if it still matches the text."""
    finding_index, _, suggestion_index = (choice or "").partition(":")
    if not (finding_index.isdigit() and suggestion_index.isdigit()):
        return None
    findings = annotated(text, voice)
    if int(finding_index) >= len(findings):
        return None
    fixes = findings[int(finding_index)]["fixes"]
    return fixes[int(suggestion_index)]["text"] if int(suggestion_index) < len(fixes) else None
