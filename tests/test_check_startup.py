"""`recovery-voice check` starts quickly: it imports only what checking needs, and the rules it reads
from its cache (language/lazy.py) give exactly the findings of rules worked out afresh."""

import _sre  # type: ignore[import-not-found]
import json
import marshal
import os
import re
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

from recovery_voice.cli import COMMANDS
from recovery_voice.language import LanguageSettings
from recovery_voice.language.evaluate import load_cases
from recovery_voice.language import lazy, rules
from recovery_voice.language.lazy import Derived, LazyPattern, cache_place

HEAVY = {"sqlalchemy", "twitter_text", "atproto", "tweepy", "mastodon", "flask", "PIL", "waitress", "apscheduler"}
# Runs the real command as `python -m recovery_voice` does, then writes the names of every module it imported.
# Run as: python -c WRAPPER MODULES-FILE ARGS...
WRAPPER = """
import runpy, sys
modules_file, sys.argv = sys.argv[1], ["recovery-voice", *sys.argv[2:]]
try:
    runpy.run_module("recovery_voice", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
with open(modules_file, "w") as out:
    out.write(" ".join(sorted(sys.modules)))
"""
EVAL = Path(__file__).parent / "language_eval.jsonl"


def run_recording_modules(tmp_path, *args):
    """Run `recovery-voice ARGS` in a fresh Python; return its result and the top-level modules it imported."""
    modules = tmp_path / "modules.txt"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # its own rules cache, not the person's
    result = subprocess.run([sys.executable, "-c", WRAPPER, str(modules), *args], capture_output=True, text=True,
                            timeout=120, env=env)
    names = set(modules.read_text().split())
    return result, {name.split(".")[0] for name in names}, names


def test_the_check_command_imports_nothing_of_the_database_the_networks_the_web_or_images(tmp_path):
    for _ in ("with no rules cache yet", "with the cache the first run wrote"):
        result, top_level, modules = run_recording_modules(tmp_path, "check", "Our café is open on Tuesday.")
        assert result.stdout == "no stigmatising language found.\n", result.stderr
        assert "recovery_voice.language.checker" in modules  # the check really ran
        assert top_level & HEAVY == set()
        assert not {"recovery_voice.cli_commands", "recovery_voice.models", "recovery_voice.db"} & modules


def test_the_help_lists_every_command_loading_them_to_describe_them_so_the_import_test_can_tell(tmp_path):
    result, top_level, _ = run_recording_modules(tmp_path, "--help")
    listed = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS) and "check" in listed and "worker" in listed
    assert "Show the publishing log." in result.stdout
    assert "sqlalchemy" in top_level  # what the other commands need is still loaded for them


def _check_lines(cache_home, lines_file):
    """Run `check --lines --format json` on a file with the given cache folder; return its output lines."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    result = subprocess.run([sys.executable, "-m", "recovery_voice", "check", "--lines", "--format", "json",
                             "--file", str(lines_file), "--voice", "storyteller"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


def test_findings_are_the_same_with_no_cache_a_fresh_one_a_spoilt_one_and_none_that_can_be_written(tmp_path):
    texts = [case.text.replace("\n", " ") for case in load_cases(EVAL)]
    lines_file = tmp_path / "texts.txt"
    lines_file.write_text("\n".join(texts), encoding="utf-8")
    cache_home = tmp_path / "cache"
    afresh = _check_lines(cache_home, lines_file)  # no cache yet: everything worked out and compiled
    cache = cache_home / "recovery-voice" / "language-rules.marshal"
    assert cache.is_file()
    written = cache.stat().st_mtime_ns
    assert _check_lines(cache_home, lines_file) == afresh  # read from the cache
    assert cache.stat().st_mtime_ns == written  # read, not worked out and written again
    cache.write_bytes(b"not a cache")
    assert _check_lines(cache_home, lines_file) == afresh
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert _check_lines(blocked, lines_file) == afresh  # the cache cannot be written: skipped
    flagged = [json.loads(line) for line in afresh if json.loads(line)["findings"]]
    assert len(flagged) > 100  # the evaluation set's texts really were checked


def test_every_pattern_kept_as_compiled_code_is_rebuilt_as_the_pattern_re_compile_makes(tmp_path):
    lines_file = tmp_path / "texts.txt"
    lines_file.write_text("\n".join(case.text.replace("\n", " ") for case in load_cases(EVAL)), encoding="utf-8")
    afresh = _check_lines(tmp_path / "cache", lines_file)
    codes = tmp_path / "cache" / "recovery-voice" / "language-code.marshal"
    kept = marshal.loads(codes.read_bytes())["code"]
    assert len(kept) > 100  # the patterns and probes those texts needed
    for key, (source, flags, code, groups, groupindex, indexgroup) in kept.items():
        rebuilt = _sre.compile(source, flags, array("I", code).tolist(), groups, groupindex, indexgroup)
        assert rebuilt == re.compile(source, int(key.split(" ", 1)[0])), source
    # The first run compiled every pattern to prove the rules sound, before the cache could keep their
    # code; the second keeps the ones it then needs; the third has nothing new to keep.
    assert _check_lines(tmp_path / "cache", lines_file) == afresh
    written = codes.stat().st_mtime_ns
    assert _check_lines(tmp_path / "cache", lines_file) == afresh  # built from the kept code
    assert codes.stat().st_mtime_ns == written


def test_a_cache_is_used_only_while_the_rule_files_are_byte_for_byte_the_same(tmp_path):
    rules, folder = tmp_path / "rules.toml", tmp_path / "cache"
    rules.write_text("[[rule]]\n", encoding="utf-8")
    written = Derived(cache_place([rules], folder))
    assert not written.hit
    assert written.remember("triggers", "addict", lambda: ["add"]) == ["add"]
    written.save()
    again = Derived(cache_place([rules], folder))
    assert again.hit and again.remember("triggers", "addict", lambda: ["other"]) == ["add"]
    rules.write_text("[[rule]]\n# changed\n", encoding="utf-8")
    assert not Derived(cache_place([rules], folder)).hit


def test_the_rules_kept_whole_in_the_cache_equal_the_rules_parsed_from_their_files(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    shared = lazy._SHARED
    try:
        written = rules._load.__wrapped__(str(rules.RULES_DIR))  # no cache yet: parsed, then kept
        files = [rules.RULES_DIR / name for name in rules.BUILTIN_FILES]
        assert Derived(cache_place(files)).hit
        kept = rules._load.__wrapped__(str(rules.RULES_DIR))  # read back whole
    finally:
        lazy.share(shared)
    parsed = tuple(rules._parse_files(files, Derived(None)))  # the files alone, no cache at all
    assert kept == written == parsed and len(kept) > 50
    left_out = rules.Trigger.UNCOMPARED  # by ==, so compared here
    assert [[getattr(t, name) for t in rule.triggers for name in left_out] for rule in kept] == [
        [getattr(t, name) for t in rule.triggers for name in left_out] for rule in parsed]


def test_the_word_start_finder_built_from_its_kept_code_is_the_pattern_re_compile_makes():
    for settings, voice in ((LanguageSettings(), "organisation"), (LanguageSettings(region="us"), "storyteller")):
        finder = settings.index(voice)[1].finder
        assert finder == re.compile(finder.pattern)  # equal patterns have the same flags, source and code
        assert finder.groupindex == re.compile(finder.pattern).groupindex


def test_a_lazy_pattern_compiles_on_first_use_and_then_answers_as_the_compiled_one_does():
    lazy = LazyPattern(r"(?P<word>addicts?)(?!\w)")
    assert lazy.pattern == r"(?P<word>addicts?)(?!\w)" and lazy._compiled is None
    assert lazy.match("addicts here").group("word") == "addicts"
    assert lazy.groupindex == {"word": 1} and lazy.search("no") is None
    assert [m.start() for m in lazy.finditer("addict, addicts")] == [0, 8]
    assert lazy == LazyPattern(lazy.pattern) and hash(lazy) == hash(LazyPattern(lazy.pattern))
    with pytest.raises(re.error):
        LazyPattern("(").match("x")  # as re.compile would, at first use


# Runs `recovery-voice ARGS` through one door, then writes whether click was loaded:
# "main" is cli.main (the quick path first), "click" the click group itself, as before the quick path.
# Run as: python -c DOOR main|click FLAG-FILE ARGS...
DOOR = """
import sys
door, flag_file, sys.argv = sys.argv[1], sys.argv[2], ["recovery-voice", *sys.argv[3:]]
try:
    if door == "main":
        from recovery_voice.cli import main
        main()
    else:
        from recovery_voice.cli_root import root
        root()
finally:
    with open(flag_file, "w") as out:
        out.write(str("click" in sys.modules))
"""


def through(door, tmp_path, args, given=None, cwd=None):
    """Run `recovery-voice ARGS` through a door; return (exit code, stdout, stderr) and whether click was loaded."""
    flag = tmp_path / f"flag-{door}"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("RECOVERY_VOICE_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", DOOR, door, str(flag), *args], input=given, capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd or tmp_path)
    return (done.returncode, done.stdout, done.stderr), flag.read_text() == "True"


def test_the_quick_check_prints_and_exits_exactly_as_the_click_command_does_without_loading_click(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("Junkies welcome\nOur members are great\nI was an addict for years\n", encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text('[language]\ndisable = ["addict-noun"]\n', encoding="utf-8")
    calls = [
        (["check", "Our café is open on Tuesday."], None),
        (["check", "Addicts deserve our support. A junkie smashed the window."], None),
        (["check", "--format=json", "Addicts are welcome. An addict's family."], None),
        (["check", "-", "--lines", "--format", "json"], "Hello friends\nJunkies welcome\n"),
        (["check", "-"], "Addicts too\r\nand alcoholics\n"),
        (["check", "--file", str(lines), "--lines", "--voice", "storyteller"], None),
        (["check", "Addicts", "--fail-on", "error", "--format", "text", "--format", "json"], None),
        (["--config", str(settings), "check", "Addicts are welcome"], None),
        (["check", "Addicts are welcome", f"--config={settings}"], None),
        (["check", "--", "--lines"], None),
    ]
    for args, given in calls:
        quick, loaded = through("main", tmp_path, args, given)
        assert not loaded, args
        assert quick == through("click", tmp_path, args, given)[0], args
        assert quick[0] in (0, 1) and quick[1], args


def test_help_mistakes_and_what_the_quick_check_does_not_know_are_answered_by_click_word_for_word(tmp_path):
    (tmp_path / "a-folder").mkdir()
    broken = tmp_path / "broken.toml"
    broken.write_text("[language\n", encoding="utf-8")
    calls = [
        (["check", "--help"], None), (["--version"], None), (["check"], None), (["check", "a", "b"], None),
        (["check", "x", "--fail-on", "fatal"], None), (["check", "x", "--format"], None), (["check", "-x"], None),
        (["check", "--file", str(tmp_path / "missing.txt")], None), (["check", "--file", str(tmp_path / "a-folder")], None),
        (["check", "Addicts", "--config", str(broken)], None), (["check", "-"], "x" * 1_000_001),
        (["check", "-"], "An \x1b[31maddict\x1b[0m here"), (["nosuch"], None),
    ]
    for args, given in calls:
        quick, loaded = through("main", tmp_path, args, given)
        assert loaded, args
        assert quick == through("click", tmp_path, args, given)[0], args
    assert through("main", tmp_path, ["check", "-"], "x" * 1_000_001)[0][0] == 2  # the whole input was given back


def test_a_record_is_a_frozen_value_compared_hashed_and_shown_by_its_fields_as_a_frozen_dataclass():
    from recovery_voice.language import Finding

    first = Finding("junkie", "error", 0, 6, "junkie", "Why.", ("A person",), "NIDA")
    same = Finding(rule="junkie", severity="error", start=0, end=6, text="junkie", message="Why.",
                   suggestions=("A person",), source="NIDA", rewrite=False)  # rewrite is not compared
    assert first == same and hash(first) == hash(same) and first.rewrite is True and same.rewrite is False
    assert first != Finding("junkie", "info", 0, 6, "junkie", "Why.", ("A person",), "NIDA")
    assert repr(first) == ("Finding(rule='junkie', severity='error', start=0, end=6, text='junkie', message='Why.', "
                           "suggestions=('A person',), source='NIDA')")
    with pytest.raises(AttributeError):
        first.severity = "info"
    with pytest.raises(TypeError, match="source"):
        Finding("junkie", "error", 0, 6, "junkie", "Why.", ("A person",))
    with pytest.raises(TypeError, match="colour"):
        Finding("junkie", "error", 0, 6, "junkie", "Why.", ("A person",), "NIDA", colour="red")
    assert LanguageSettings() == LanguageSettings(region="uk") != LanguageSettings(region="us")
