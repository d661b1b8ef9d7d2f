"""The language check as pages show it: length first, then findings with the one-click fixes that fit.

A finding carries its offsets and its fixes (each the words to put between two offsets), never a copy
of the whole text, so memory stays linear in the text however many findings it has. Only a fix that
fits the sentence is offered (language.fitting.fits): none for quoted speech, a storyteller's own
words, a false claim or an idiom.
"""

import json

from ..language import check
from ..language.fitting import fits
from ..posts import MAX_TEXT
from .common import config

MAX_CHECK = MAX_TEXT  # the longest text any page checks: a post
MAX_FINDINGS = 200  # shown per text; more would bury the first ones, and the rest are counted instead
# The /check body in bytes: the text with every character escaped as a six-character \\u escape, and room for the rest.
MAX_CHECK_BODY = 12 * MAX_CHECK + 1024
SEVERITY_WORDS = {"error": "Needs changing", "warning": "Please check", "info": "A gentle suggestion"}


class Findings(list):
    """The findings a page shows, with how many more were left out, or why the text was not checked."""

    left_out = 0
    not_checked = ""


class CheckRequestProblem(ValueError):
    """A /check request that cannot be answered, with what to send instead."""


def too_long(text: str, limit: int) -> str:
    """Say what to change when a text is longer than the limit, or "" when it fits."""
    if len(text) <= limit:
        return ""
    return f"This is {len(text):,} characters; the most it can hold is {limit:,}. Shorten it, then check it again."


def annotated(text: str, voice: str, limit: int = MAX_CHECK) -> Findings:
    """Check a text that fits the limit and return its first MAX_FINDINGS findings, each with its suggestions."""
    text = text or ""
    problem = too_long(text, min(limit, MAX_CHECK))
    if problem:  # refused before any work: the check's findings grow with the text
        refused = Findings()
        refused.not_checked = problem
        return refused
    report = check(text, voice=voice, settings=config().language)
    shown = Findings(_shown(text, finding, fits(text, finding)) for finding in report.findings[:MAX_FINDINGS])
    shown.left_out = max(0, len(report.findings) - MAX_FINDINGS)
    return shown


def _shown(text: str, finding, fitted: tuple) -> dict:
    """Return one finding as the pages and /check show it: the stable fields, a label and the fixes that fit.

    Each fix names the words it puts in place ("suggestion"), where ("start", "end") and what is there now
    ("replaces"), so a page can refuse a fix once the text under it has changed.
    """
    fixes = [{"suggestion": fix.text, "start": fix.start, "end": fix.end, "replaces": text[fix.start:fix.end]}
             for fix in fitted]
    first = fitted[0].to_dict() if fitted else None  # as the JSON's "fix", but fitted to the whole text
    return {**finding.to_dict(), "fix": first, "label": SEVERITY_WORDS[finding.severity], "fixes": fixes}


def apply_fix(text: str, finding: dict, index: int) -> str:
    """Return the text with one of a finding's fixes put in place."""
    fix = finding["fixes"][index]
    return text[:fix["start"]] + fix["suggestion"] + text[fix["end"]:]


def fix_from_button(text: str, voice: str, choice: str, limit: int = MAX_CHECK) -> str | None:
    """Apply the fix a no-JavaScript button named ("finding:suggestion"), if it still matches the text."""
    finding_index, _, suggestion_index = (choice or "").partition(":")
    if not (finding_index.isdigit() and suggestion_index.isdigit()):
        return None
    findings = annotated(text, voice, limit)
    if int(finding_index) >= len(findings):
        return None
    finding = findings[int(finding_index)]
    return apply_fix(text, finding, int(suggestion_index)) if int(suggestion_index) < len(finding["fixes"]) else None


def live_findings(text: str, voice: str) -> dict:
    """Return the /check answer: the findings shown and how many more there were."""
    findings = annotated(text, voice)
    return {"findings": list(findings), "findings_left_out": findings.left_out}


def check_request(size: int | None, read, role: str) -> tuple[str, str]:
    """Return (text, voice) from a /check request body, refusing one that is too big before reading it.

    `size` is the declared Content-Length (None when not given) and `read` returns the body's bytes.
    """
    if size is not None and size > MAX_CHECK_BODY:
        raise CheckRequestProblem(_ask_for_text())
    raw = read()
    if len(raw) > MAX_CHECK_BODY:
        raise CheckRequestProblem(_ask_for_text())
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays or objects
        raise CheckRequestProblem("the body is not JSON; " + _ask_for_text()) from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or len(text) > MAX_CHECK:
        raise CheckRequestProblem(_ask_for_text())
    voice = "storyteller" if role == "storyteller" or body.get("voice") == "storyteller" else "organisation"
    return text, voice


def _ask_for_text() -> str:
    """Say what a /check request should look like."""
    return f'send a JSON object like {{"text": "...", "voice": "organisation"}}, with up to {MAX_CHECK:,} characters of text'
