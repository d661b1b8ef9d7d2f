"""The test kit itself: what counts as CI, and the end-of-run count of tests skipped for want of a tool."""

import os
import subprocess
import sys
import textwrap

import pytest

from ci import in_ci

from conftest import REPO

MISSING = textwrap.dedent("""\
    import pytest
    from browser import require

    @pytest.mark.parametrize("n", range(3))
    def test_needs_chromium(n):
        require("/nowhere/chromium", "Chromium")

    def test_needs_axe():
        require("/nowhere/axe.min.js", "axe-core")

    def test_skips_for_its_own_reason():
        pytest.skip("not today")
    """)


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", "off", " false "])
def test_ci_false_zero_no_or_empty_does_not_count_as_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert not in_ci()


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE"])
def test_ci_true_counts_as_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()


def run_pytest(tmp_path, ci: str) -> subprocess.CompletedProcess:
    """Run pytest on a file whose tests need tools that are missing, with our conftest as a plugin."""
    (tmp_path / "test_missing.py").write_text(MISSING)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(REPO / "tests")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_missing.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_run_with_tools_missing_says_at_the_end_how_many_tests_were_skipped_for_want_of_each(tmp_path):
    result = run_pytest(tmp_path, ci="false")
    assert result.returncode == 0, result.stdout
    summary = result.stdout[result.stdout.index("skipped for want of a tool"):]
    assert "3 tests skipped for want of Chromium" in summary
    assert "1 test skipped for want of axe-core" in summary
    assert "1 skipped for other reasons (see the short test summary)" in summary
    assert "tests/run installs what is missing" in summary


def test_in_ci_a_missing_tool_fails_its_tests_instead_of_skipping_them(tmp_path):
    result = run_pytest(tmp_path, ci="true")
    assert "4 failed" in result.stdout and "Chromium is missing at /nowhere/chromium" in result.stdout
