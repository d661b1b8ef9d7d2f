"""Whether this run is CI (which must run everything), and the end-of-run count of tests skipped for want of a tool."""

import os
from collections import Counter

# What each kind of skip message lacks, in the order to test them (a PDS skip names Node first when Node is missing).
TOOLS = (
    ("PostgreSQL", "PostgreSQL server binaries (the postgresql package)"),
    ("Chromium", "Chromium (the chromium package)"),
    ("axe-core", "axe-core (npm, in .cache/axe)"),
    ("Node >= 22", "Node 22 (npm, in .cache/node22)"),
    ("Bluesky PDS", "the Bluesky PDS packages (npm ci, in .cache/pds)"),
)


def in_ci() -> bool:
    """True when the CI variable says yes: CI=false, 0, no, off or empty is not CI."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def missing_tool(reason: str) -> str | None:
    """Name the tool a skip reason says is missing, or None for a skip of another kind."""
    for keyword, tool in TOOLS:
        if keyword in reason:
            return tool
    return None


def skip_summary(reasons: list[str]) -> list[str]:
    """Lines saying how many tests were skipped for want of each tool, and how to get them all to run."""
    wants = Counter(missing_tool(reason) for reason in reasons)
    others = wants.pop(None, 0)
    if not wants:
        return []
    lines = [f"{count:5} test{'s' if count != 1 else ''} skipped for want of {tool}"
             for tool, count in wants.most_common()]
    if others:
        lines.append(f"{others:5} skipped for other reasons (see the short test summary)")
    lines.append("tests/run installs what is missing (as root, on Debian or Ubuntu), then runs them all.")
    return lines
