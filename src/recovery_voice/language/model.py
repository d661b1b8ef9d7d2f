"""The results of a language check: findings and the report that holds them."""

from __future__ import annotations

from .record import Record

# Ascending: the index of a severity is its rank, so comparisons are index comparisons.
SEVERITIES = ("info", "warning", "error")
RANK = {name: index for index, name in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Return the rank of a severity, or raise ValueError naming the unknown one."""
    try:
        return RANK[severity]
    except (KeyError, TypeError):
        raise ValueError(f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}") from None


class Finding(Record):
    """One piece of text that a rule flags, with why and what to write instead."""

    UNCOMPARED = ("rewrite",)

    rule: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestions: tuple[str, ...]
    source: str
    # False for quoted speech and a storyteller's words about themselves: shown, never rewritten.
    rewrite: bool = True

    def to_dict(self) -> dict:
        """Return the finding as the JSON-ready dict the CLI and the database store."""
        from .fitting import alone  # fitting.py fits fixes; model.py stays free of it until one is asked for

        fix = self.__dict__["_fix"] if "_fix" in self.__dict__ else alone(self)  # set when its report worked it out
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "source": self.source,
            # The one-click fix that fits the sentence ({"start", "end", "text"}), or None when no rewrite fits.
            "fix": fix.to_dict() if fix is not None else None,
        }


_new = object.__new__


def new_finding(rule: str, severity: str, start: int, end: int, text: str, message: str,
                suggestions: tuple[str, ...], source: str, rewrite: bool) -> Finding:
    """Build the same Finding as Finding(...) does, for the check's hot path.

    Setting each field through a frozen record's checks was a tenth of the time a short post takes;
    filling __dict__ at once builds an equal object.
    """
    finding = _new(Finding)
    finding.__dict__.update(rule=rule, severity=severity, start=start, end=end, text=text, message=message,
                            suggestions=suggestions, source=source, rewrite=rewrite)
    return finding


class Report(Record):
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

    @property
    def suggested_text(self) -> str | None:
        """Return the text with every finding's fitting one-click fix in place, or None when no finding has one.

        A fix fits its sentence (fitting.fits): "an addict's family" becomes "the family of a person with an
        addiction"; a false claim, an idiom or a storyteller's words about themselves get none.
        """
        from .fitting import report_fixes

        parts, last = [], 0
        for fix in report_fixes(self):  # in the order of the findings, which never overlap
            if fix is None or fix.start < last:
                continue
            parts += [self.text[last:fix.start], fix.text]
            last = fix.end
        return "".join(parts) + self.text[last:] if parts else None

    def to_dict(self, fail_on: str = "warning") -> dict:
        """Return {"ok", "findings", "suggested_text"}: the `check --format json` contract, extended."""
        suggested = self.suggested_text  # first: it works out the fixes each finding's dict shows
        return {"ok": not self.reaches(fail_on), "findings": [f.to_dict() for f in self.findings],
                "suggested_text": suggested}


def new_report(text: str, findings: tuple[Finding, ...]) -> Report:
    """Build the same Report as Report(text, findings) does, for the check's hot path (see new_finding)."""
    report = _new(Report)
    report.__dict__.update(text=text, findings=findings)
    return report
