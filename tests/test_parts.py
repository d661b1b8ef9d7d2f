"""parts: a long file's lines checked on every core, the results written exactly as one process writes them."""

import json
import os
import subprocess
import sys

import pytest

from recovery_voice import parts
from recovery_voice.cli_quick import check_texts

CLEAN = "Our café is open on Tuesday."
FLAGGED = "A recovering addict spoke at the meeting."


def numbered(items, first, write):
    """A work function: write each item with its number; an item "bad" reaches --fail-on."""
    for number, item in enumerate(items, start=first):
        write(f"{number}:{item}")
    return "bad" in items


def children():
    """The pids of this process's children (servers other tests started may be among them)."""
    found = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as listed:
            found |= {int(pid) for pid in listed.read().split()}
    return found


def test_a_short_file_or_one_core_is_one_part():
    assert parts.part_count(10) == 1
    assert parts.part_count(parts.MIN_PER_PART * 2 - 1) == 1
    assert 1 <= parts.part_count(10 ** 6) <= len(os.sched_getaffinity(0))


def test_the_parts_write_every_result_once_in_the_order_of_the_lines():
    items = [f"line {n}" for n in range(2_500)]
    before = children()
    written = []
    failed = parts.check_in_parts(items, numbered, written.append, 3)
    alone = []
    numbered(items, 1, alone.append)
    assert "\n".join(written) == "\n".join(alone)
    assert failed is False
    assert children() <= before


def test_a_result_that_fails_in_a_later_part_fails_the_whole():
    items = ["fine"] * 2_000 + ["bad"]
    assert parts.check_in_parts(items, numbered, [].append, 2) is True
    assert parts.check_in_parts(["bad"] + ["fine"] * 2_000, numbered, [].append, 2) is True


def test_a_part_that_breaks_is_an_error_naming_its_first_line_and_leaves_no_copy_behind(capfd):
    def breaks_later(items, first, write):
        if first > 1:
            raise ValueError("a fault in the check")
        return numbered(items, first, write)

    before = children()
    with pytest.raises(RuntimeError, match="from line 1001 on stopped"):
        parts.check_in_parts(["x"] * 2_000, breaks_later, [].append, 2)
    assert "a fault in the check" in capfd.readouterr().err
    assert children() <= before


def test_checking_in_parts_gives_what_one_part_gives_with_the_real_check():
    source = "\n".join([CLEAN, FLAGGED, "Call Jo on 07700 900123.", "He died by suicide in March."] * 600)
    assert parts.part_count(len(source.splitlines())) == min(len(os.sched_getaffinity(0)), 2)
    for fmt in ("text", "json"):
        many, one = [], []
        failed_many = check_texts(source, True, fmt, "warning", "organisation", None, many.append)
        failed_one = check_texts(source, True, fmt, "warning", "organisation", None, one.append, in_parts=False)
        assert failed_many is failed_one is True
        assert "\n".join(many) == "\n".join(one)
        assert "line 2400: " in one[-1] or '"line": 2400' in one[-1]


def test_the_command_checks_a_long_file_in_order_with_the_right_exit_code(tmp_path):
    lines = [CLEAN] * 2_400
    lines[2_299] = FLAGGED
    path = tmp_path / "posts.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("RECOVERY_VOICE_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "recovery_voice", "check", "--lines", "--file", str(path),
                             "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1, result.stderr
    printed = [json.loads(row) for row in result.stdout.splitlines()]
    assert [row["line"] for row in printed] == list(range(1, 2_401))
    assert [row["line"] for row in printed if not row["ok"]] == [2_300]
