"""The language check: finds stigmatising words about addiction, recovery and suicide, says why and suggests others.

It sits at the bottom of the pipeline, so it imports nothing else from recovery_voice and only the
standard library. The rules are data (rules.toml beside this file); see the comment at its top.

    >>> report = check("Addicts deserve our support")
    >>> [(f.rule, f.severity, f.text, f.suggestions[0]) for f in report.findings]
    [('addict-noun', 'warning', 'Addicts', 'People with an addiction')]
"""

from .checker import MAX_INPUT, check
from .model import SEVERITIES, Finding, Report
from .rules import Rule, RuleFileError, load_rules
from .settings import LanguageSettings

__all__ = ["MAX_INPUT", "SEVERITIES", "Finding", "LanguageSettings", "Report", "Rule", "RuleFileError", "check", "load_rules"]
