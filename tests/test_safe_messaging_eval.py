"""The safe-messaging findings and care.topics scored against the held-out set care_safe_eval.jsonl."""

import json
from pathlib import Path

import pytest

from recovery_voice.care.safe_eval import load_cases, main, score

EVAL = Path(__file__).parent / "care_safe_eval.jsonl"
HOLDOUT = Path(__file__).parent / "care_safe_holdout.jsonl"


def _write(tmp_path, *cases):
    """Write cases as an evaluation file and return its path."""
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(case) + "\n" for case in cases), encoding="utf-8")
    return path


def test_a_finding_over_a_gold_span_is_a_hit_and_one_elsewhere_a_false_alarm(tmp_path):
    path = _write(tmp_path,
                  {"text": "He hanged himself in 2019.", "expect": [{"start": 3, "end": 17}], "topics": ["suicide"]},
                  {"text": "She took 40 paracetamol.", "expect": [], "topics": ["suicide"]},
                  {"text": "It was a suicide hotspot.", "expect": [[9, 24]], "topics": []},  # wrongly labelled
                  {"text": "We hang out on Fridays.", "expect": [], "topics": []})
    overall, _, per_topic, _ = score(load_cases(path))
    assert (overall.hits, overall.missed, overall.found, overall.false_alarms) == (2, 0, 2, 1)
    assert overall.recall == 1.0 and round(overall.precision, 3) == 0.667
    assert (per_topic["suicide"].hits, per_topic["suicide"].false_alarms) == (2, 1)
    assert per_topic["suicide"].missed == 0 and per_topic["drug-death"].recall == 1.0


def test_a_gold_span_no_finding_overlaps_is_missed(tmp_path):
    path = _write(tmp_path, {"text": "He was at peace at last, they said after the funeral.", "expect": [[0, 99]],
                             "topics": []},
                  {"text": "She left us in the spring.", "expect": [[4, 11]], "topics": ["suicide"]})
    overall, _, per_topic, _ = score(load_cases(path))
    assert overall.missed >= 1 and overall.recall < 1.0
    assert per_topic["suicide"].missed == 1


def test_the_command_prints_precision_and_recall_and_names_a_bad_line(tmp_path, capsys):
    good = _write(tmp_path, {"text": "He hanged himself.", "expect": ["hanged himself"], "topics": ["suicide"]})
    assert main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "Safe messaging" in out and "precision 1.000  recall 1.000" in out and "suicide" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"expect": []}\n', encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_the_held_out_set_is_big_with_clean_hard_cases_and_both_voices():
    cases = load_cases(EVAL)
    assert len(cases) >= 150
    assert sum(1 for c in cases if not c.spans) >= 60  # clean on-topic texts and look-alikes
    assert {c.voice for c in cases} == {"organisation", "storyteller"}


def test_safe_messaging_precision_meets_095_and_recall_holds_its_floor(record_property):
    overall, _, _, _ = score(load_cases(EVAL))
    record_property("safe precision", round(overall.precision, 3))
    record_property("safe recall", round(overall.recall, 3))
    assert overall.precision >= 0.95, (overall.precision, overall.wrong)
    # Issue 14's target is recall 0.95: 0.952 (99 of 104 spans) now; 0.923 before the kinds the held-out set
    # showed were missing, 0.365 at the first run. This floor (the figure reached, rounded down) guards against
    # going back. What is left: scare-quoted headlines ('Suicide epidemic', read as quoted speech), a second
    # finding of one rule in a post, and storytellers' sentences that the checker reads as their own words.
    assert overall.recall >= 0.95, (overall.recall, overall.wrong)


def test_the_former_held_out_set_keeps_precision_095_and_the_recall_its_kinds_reached(record_property):
    # care_safe_holdout.jsonl scored P 0.886 R 0.417 (topics: suicide R 0.631, drug-death R 0.629) at its one
    # run; it has been used for development since (its .md says from when), so these are floors, not a test
    # of generalisation: 0.986 / 0.944, suicide 0.984 / 0.923, drug-death 1.0 / 0.943.
    overall, _, per_topic, _ = score(load_cases(HOLDOUT))
    record_property("holdout safe precision", round(overall.precision, 3))
    record_property("holdout safe recall", round(overall.recall, 3))
    assert overall.precision >= 0.95 and overall.recall >= 0.94, (overall.precision, overall.recall, overall.wrong)
    for topic, tally in per_topic.items():
        assert tally.precision >= 0.95 and tally.recall >= 0.92, (topic, tally.precision, tally.recall, tally.wrong)


def test_topics_precision_and_recall_are_at_least_095_for_each_topic():
    _, _, per_topic, _ = score(load_cases(EVAL))
    for topic, tally in per_topic.items():
        assert tally.precision >= 0.95 and tally.recall >= 0.95, (topic, tally.precision, tally.recall, tally.wrong)


THIRD = Path(__file__).parent / "care_safe_third.jsonl"


def test_the_third_set_used_for_development_keeps_its_floor():
    # Run once unseen on 2026-12-01 (P 0.921 R 0.550); developed on since 2026-12-02: 0.935 / 0.667; learnt
    # from by the word model (safe_model.py) since the afternoon of 2026-12-02: 0.948 / 0.883. On 2026-12-03 a death
    # called one's "own exit" became romanticising (the ninth set labels it so; st-035 labels only the courage in
    # it beside it): one more finding there, counted a false alarm, 0.934 / 0.917.
    overall, _, _, _ = score(load_cases(THIRD))
    assert overall.precision >= 0.93 and overall.recall >= 0.9, (overall.precision, overall.recall, overall.wrong)


# The sets written after the rules, each by a helper who never saw them or the other sets (each set's .md says
# how and lists its runs), with the floors they keep: (precision, recall, least recall of each topic).
# Issue 14 asks for 0.95 and 0.95.
# - fourth: run once unseen on 2026-12-02: 0.862 / 0.255 (0.852 / 0.235 with that morning's rules). Its misses
#   taught new kinds of rule (mixtures and cuts, guns, exhaust and charcoal, disaster words, death as freedom
#   or escape, one thing that "killed him"), and the word model learns from it: 0.891 / 0.418, then 0.928 / 0.714.
# - fifth to eighth: never learnt from. Fifth: run once on 2026-12-02 at 0.921 / 0.343 (0.919 / 0.333 before
#   the fourth's fixes), then three times as the word model was built: 0.812 / 0.543; learnt again with
#   care_safe_train_a (2026-12-03): 0.867 / 0.543. Sixth: first run 0.903 / 0.659 with the first word model
#   (the rules alone 0.889 / 0.264); after three fixes for false alarms on the check's own examples 0.879 /
#   0.593; with train_a 0.895 / 0.604; with train_e 0.905 / 0.670. Seventh: run once with train_a: 0.909 /
#   0.427 (the models before 0.870 / 0.427); with train_e and the means of suicide it showed in topics, 0.917
#   / 0.469. Eighth: run once with train_e: 0.828 / 0.585 (the models before 0.823 / 0.564).
#   2026-12-03 afternoon, with quoted words kept, the ninth's kinds of rule and the models learnt again with
#   the ninth, tenth and training sets F and G: fifth 0.892 / 0.610, sixth 0.915 / 0.648 (recall 0.670 before
#   the new models), seventh 0.941 / 0.510, eighth 0.868 / 0.660.
# - ninth and tenth: run once each (2026-12-03), 0.933 / 0.544 and 0.871 / 0.592; both taught rules and the
#   models learn from them now: 0.957 / 0.833 and 0.974 / 0.680 (development data, kept from falling back).
# - eleventh: held out. Run once (2026-12-03) with that afternoon's rules and the models before: 0.920 / 0.623
#   (the morning's code 0.903 / 0.590); with the models learnt again: 0.909 / 0.639.
# - 2026-12-03 evening: the models learnt again with training sets H and I, and topics heard by word models
#   too (care/topic_model.py). Twelfth, held out, run once: 0.910 / 0.524 (the models before 0.906 / 0.492,
#   the same as the session's first code); topics suicide 0.936 and drug-death 0.887 recall (before 0.766 and
#   0.774). The new models cost a little elsewhere: sixth 0.915 / 0.648 -> 0.881 / 0.626, eleventh 0.909 /
#   0.639 -> 0.907 / 0.623, fifth 0.610 -> 0.600 recall; seventh 0.941 -> 0.979 precision, eighth 0.660 ->
#   0.670 recall. Kept for the twelfth, the one set neither model had seen; floors lowered to match.
#   Then the twelfth's misses were fixed by kind (development data from then on): a named place written with
#   capitals after the act, purity, freedom and a war ended, tabloid frames, one cause as what "did it": twelfth
#   0.926 / 0.635, fifth 0.629, sixth 0.648, seventh 0.521, eleventh 0.639 recall; fourth 0.786 -> 0.776 (the model's
#   finding in "Overdose Alley: ... where the dying never stops" gives way to the rule's on the nickname).
# The third number is the least recall of each topic (topics.py's patterns, then the word models).
LATER_SETS = {
    # 2026-12-04: the thirteenth's kinds (landmarks, a place after the act, public spots, dialect reflexives, drugs
    # taken together, a bare jump, frames read a sentence either side, the model beside a rule of another kind)
    # raised every set; each floor is its score after them, rounded down. The thirteenth was held out until
    # 2026-12-03 (0.873 / 0.539 unseen, 0.873 / 0.548 after the twelfth's kinds) and is development data now.
    # Later that day (second session), slang and dialect acts, attempts beside a means or a place, rest, flight and
    # release, one cause "all it was": recall fourth 0.878 -> 0.908, fifth 0.771 -> 0.819, seventh 0.677 -> 0.760,
    # eighth 0.755 -> 0.840, tenth 0.760 -> 0.824; no precision lower. Then framings denied as they are said, named
    # rivers, a place where someone took their life, disaster words, parking garages and floors: pooled 0.950 / 0.883. Floors raised to match.
    "fourth": (0.93, 0.91, 0.92),
    "fifth": (0.92, 0.88, 0.89),
    "sixth": (0.92, 0.84, 0.93),
    "seventh": (0.98, 0.77, 0.96),
    "eighth": (0.9, 0.86, 0.98),
    "ninth": (0.97, 0.92, 0.93),
    "tenth": (0.98, 0.87, 0.9),
    "eleventh": (0.95, 0.84, 0.92),
    "twelfth": (0.94, 0.83, 0.9),
    "thirteenth": (0.92, 0.84, 0.91),
    # Held out, each run once (2026-12-04) with that day's code: fourteenth 0.889 / 0.593 (the day's first code
    # 0.878 / 0.570), fifteenth 0.904 / 0.628 (0.886 / 0.564). Developed on since: 0.927 / 0.904, 0.928 / 0.846.
    "fourteenth": (0.94, 0.91, 0.83),
    "fifteenth": (0.94, 0.85, 0.92),
    # Held out, each run once (2026-12-04, second session) with the code as committed then: sixteenth 0.828 / 0.776,
    # seventeenth 0.826 / 0.556 (read once by mistake before its commit, 0.809 / 0.556; see its note). Developed on
    # since: 0.910 / 0.882 and 0.902 / 0.806.
    "sixteenth": (0.9, 0.88, 0.84),
    "seventeenth": (0.9, 0.8, 0.86),
    # Held out, run once (2026-12-04, third session) with the code as committed then: 0.769 / 0.722. Developed on
    # since (an amount "all it took", a lethal dose looked up, pills all taken, tablets crushed, pens injected, rocks
    # at a named place, a place likened to Beachy Head, a spate of deaths, flown free, heaven needing them, safe with
    # the dead, brave for it, "weeks after losing", "red tape is killing farmers"): 0.812 / 0.931; no other set lower.
    "eighteenth": (0.81, 0.93, 0.84),
    # Held out, run once (2026-12-04, third session) with the code as committed then: 0.804 / 0.717. Developed on
    # since (one with the sea, dancing free, horror words, a death certificate signed, what finished him, pills that
    # turned out to be pressed with something else, a whole gram, redosing, an escape from years of pain, drug
    # warnings are no method, cliff diving and show jumping are sport): 0.873 / 0.867.
    "nineteenth": (0.87, 0.86, 0.91),
}


@pytest.mark.parametrize("name", LATER_SETS)
def test_on_each_set_written_after_the_rules_the_rules_and_the_model_keep_what_they_reach(name):
    least_precision, least_recall, least_topic_recall = LATER_SETS[name]
    overall, _, per_topic, _ = score(load_cases(Path(__file__).parent / f"care_safe_{name}.jsonl"))
    assert overall.precision >= least_precision and overall.recall >= least_recall, (overall.precision, overall.recall)
    assert all(tally.recall >= least_topic_recall for tally in per_topic.values()), per_topic
