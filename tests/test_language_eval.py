"""The language check scored against the labelled evaluation set, and the prefilter checked against brute force."""

from pathlib import Path

import pytest

from recovery_voice.language import LanguageSettings, load_rules
from recovery_voice.language.evaluate import evaluate, load_cases, main, table
from recovery_voice.language.index import candidates, needs, prefixes, present
from recovery_voice.language.text import prepare

EVAL = Path(__file__).parent / "language_eval.jsonl"
# Written later, without running the checker on it, from realistic posts, headlines and stories
# (see language_eval_2.md): it measures the check on text nobody wrote for it.
EVAL_2 = Path(__file__).parent / "language_eval_2.jsonl"
# Held out from the first fixes (see language_eval_3.md); the second round of fixes studied its failures,
# so its score is reported here, not asserted: a set one has tuned against no longer measures much.
EVAL_3 = Path(__file__).parent / "language_eval_3.jsonl"


def test_the_evaluation_set_is_big_and_covers_every_rule_uk_and_us():
    cases = load_cases(EVAL)
    assert len(cases) >= 400
    assert {c.region for c in cases} == {"uk", "us"}
    assert {c.voice for c in cases} == {"organisation", "storyteller"}
    labelled = set().union(*(c.expect | c.info for c in cases + load_cases(EVAL_2)))
    # by one set or the other; the safe-messaging rules are scored by care_safe_eval (test_safe_messaging_eval.py)
    assert {rule.id for rule in load_rules() if not rule.id.startswith("safe-")} <= labelled
    assert sum(1 for c in cases if not c.expect) >= 150  # plenty of sentences that must stay clean


def test_the_second_evaluation_set_is_big_and_mostly_must_stay_clean():
    cases = load_cases(EVAL_2)
    assert len(cases) >= 400
    assert {c.region for c in cases} == {"uk", "us"} and {c.voice for c in cases} == {"organisation", "storyteller"}
    assert sum(1 for c in cases if not c.expect) >= 300


@pytest.mark.parametrize("path", [EVAL, EVAL_2], ids=["first set", "second set"])
def test_precision_and_recall_on_each_evaluation_set_are_at_least_097(path):
    blocking, _ = evaluate(load_cases(path))
    assert blocking.precision >= 0.97, table(blocking)
    assert blocking.recall >= 0.97, table(blocking)


def test_the_third_set_is_scored_and_its_score_reported(record_property, capsys):
    cases = load_cases(EVAL_3)
    assert len(cases) >= 300 and {c.region for c in cases} == {"uk", "us"}
    blocking, _ = evaluate(cases)
    record_property("set 3 blocking precision", round(blocking.precision, 3))
    record_property("set 3 blocking recall", round(blocking.recall, 3))
    with capsys.disabled():
        print(f"\nset 3 (reported, not asserted): precision {blocking.precision:.3f}  recall {blocking.recall:.3f}")


# Written later still, each held out until its first run (see their .md files); the fixes made from each
# set's misses made it development data, so each keeps a floor a little under its score after those fixes.
# First runs: fourth 0.837/0.845 (2026-12-01), fifth 0.875/0.857, sixth 0.954/0.830, seventh 0.905/0.776
# (2026-12-03). All four are development data now (their misses were fixed by kind); language_eval_8 was held out:
# run once (2026-12-03) at 0.947/0.881 (the session's first code 0.857/0.814). Developed on since (2026-12-04:
# hobbies as addicts, jakies, crackheadz, sufferers of addiction, new myths): 0.971/1.000.
# language_eval_9: held out, run once (2026-12-04) with that day's code: 0.838/0.894 (the day's first code
# 0.833/0.865). Developed on since (words pointed back to as words, a naming's harm or other words asked for,
# "? Not round here", "and never...", words written on walls, "X, me.", kin in dialect, a claim given to others
# by the next sentence, "recoverin"): 0.941/0.913; then harm-reduction myths as encouragement, a magnet for
# drug use or "they'll never stop": 0.942/0.942.
# language_eval_10: held out, run once (2026-12-04, second session) with the rules as committed then: 0.879/0.829.
# Developed on since (possessives after "your", test slang, priced habits, babies delivered hooked, myths about
# syringes and pill checking; name-calling objected to and a word asked about are mentions): 0.925/0.943.
# language_eval_11: held out, run once (2026-12-04, third session) with the rules as committed then: 0.920/0.868.
# Developed on since (misspelt and dialect plurals, IVDUs, run-on hashtags, "he is alcoholic", Scots "ah wis",
# "X's no a word", a programme by its fans, a band called..., myths with no keyword): 0.962/0.953.
# language_eval_12: held out, run once (2026-12-04, third session) with the rules as committed then: 0.808/0.792.
# Developed on since (wording reported from a sign, form or page and corrected, a word called a phrase, names said
# with what they are, alcos, ice heads, abusers of, habits priced and fed, dirty ones, "is she clean now", medication
# swaps): 0.951/0.915; all twelve sets pooled 0.973/0.978.
LATER_SETS = {"language_eval_4": (0.96, 0.94), "language_eval_5": (0.96, 0.98), "language_eval_6": (0.97, 0.91),
              "language_eval_7": (0.94, 0.93), "language_eval_8": (0.97, 0.99), "language_eval_9": (0.94, 0.96),
              "language_eval_10": (0.92, 0.98), "language_eval_11": (0.96, 0.95),
              "language_eval_12": (0.95, 0.91)}
ALL_SETS = [EVAL, EVAL_2, EVAL_3] + [Path(__file__).parent / f"{name}.jsonl" for name in LATER_SETS]


@pytest.mark.parametrize("name", list(LATER_SETS))
def test_each_later_set_keeps_its_floor(name):
    precision, recall = LATER_SETS[name]
    blocking, _ = evaluate(load_cases(Path(__file__).parent / f"{name}.jsonl"))
    assert blocking.precision >= precision and blocking.recall >= recall, table(blocking)


def test_the_whole_evaluation_old_and_new_sets_together_is_at_least_097():
    cases = [case for path in ALL_SETS for case in load_cases(path)]
    assert len(cases) >= 1500
    blocking, _ = evaluate(cases)
    assert blocking.precision >= 0.97 and blocking.recall >= 0.97, table(blocking)


def test_the_evaluate_command_prints_a_per_rule_table(capsys):
    assert main([str(EVAL)]) == 0
    out = capsys.readouterr().out
    assert "hits  misses  false alarms" in out and "junkie" in out and "precision" in out


def test_the_evaluate_command_names_the_line_of_a_bad_entry(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"region": "uk"}\n', encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_prefixes_and_needed_words_come_from_the_pattern():
    keys = prefixes(r"(?:drug[\s\-_]*)?addicts?")
    assert "addict" in keys and all(k.startswith(("drug", "addic")) for k in keys)
    assert needs(r"(?P<what>drugs?|alcohol)[\s\-_]*abuse") == {"abuse"}
    assert prefixes(r"\w+junkie") is None


def test_the_prefilter_never_loses_a_match_that_trying_every_rule_everywhere_finds():
    table_, index = LanguageSettings().index("organisation")
    for case in load_cases(EVAL) + load_cases(EVAL_2):
        prepared = prepare(case.text)
        seen: dict = {}
        found = set()
        for at, numbers in candidates(index, prepared.low):
            for number in numbers:
                trigger = table_[number][2]
                target = prepared.norm if trigger.case_sensitive else prepared.low
                match = trigger.pattern.match(target, at) if present(trigger.needs, target, seen) else None
                if match:
                    found.add((number, match.start(), match.end()))
        for number, (_, _, trigger, _) in enumerate(table_):
            target = prepared.norm if trigger.case_sensitive else prepared.low
            for match in trigger.pattern.finditer(target):
                start = match.start()
                if start and (target[start - 1].isalnum() or target[start - 1] == "_"):
                    continue
                assert (number, start, match.end()) in found, (case.text, table_[number][0].id)
