"""The results of a language check: findings and the report that holds them."""

from __future__ import annotations

from dataclasses import dataclass

# Ascending: the index of a severity is its rank, so comparisons are index comparisons.
SEVERITIES = ("info", "warning", "error")
RANK = {name: index for index, name in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Return the rank of a severity, or raise ValueError naming the unknown one."""
    try:
        return RANK[severity]
    except (KeyError, TypeError):
        raise ValueError(f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}") from None


@dataclass(frozen=True)
class Finding:
    """One piece of text that a rule flags, with why and what to write instead."""

    rule: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestions: tuple[str, ...]
    source: str

    def to_dict(self) -> dict:
        """Return the finding as the JSON-ready dict the CLI and the database store."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "source": self.source,
        }


@dataclass(frozen=True)
class Report:
    """Everything the check found in one text, sorted by where it starts."""

    text: str
    findings: tuple[Finding, ...]

    def worst(self) -> str | None:
        """Return the highest severity among the findings, or None when there are none."""
        if not self.findings:
            return None
        return SEVERITIES[max(RANK[f.severity] for f in self.findings)]

    def reaches(self, severity: str) -> bool:
        """Tell whether any finding is at or above the given severity."""
        floor = severity_rank(severity)
        return any(RANK[f.severity] >= floor for f in self.findings)

    def to_dict(self, fail_on: str = "warning") -> dict:
        """Return {"ok", "findings"} as the `check --format json` contract describes."""
        return {"ok": not self.reaches(fail_on), "findings": [f.to_dict() for f in self.findings]}
