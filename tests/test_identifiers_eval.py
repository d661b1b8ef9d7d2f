"""The identifier check scored against its labelled evaluation set (tests/care_identifiers_eval.jsonl)."""

from pathlib import Path

import pytest

from recovery_voice.care.identifiers import KINDS
from recovery_voice.care.identifiers_eval import evaluate, load_cases, main

EVAL = Path(__file__).parent / "care_identifiers_eval.jsonl"
# Issue 14's targets. First run, before any fix (2026-12-01), precision/recall: phone 0.969/0.939,
# email 1.000/0.857, address 1.000/0.826, postcode 1.000/0.792, date-of-birth 1.000/0.773,
# person 0.852/0.776, place 0.800/0.756, workplace 1.000/0.441, fellowship 0.968/0.938; all 0.906/0.777.
# The fixes since were to whole kinds of failure, never to one line, and the set is unchanged.
TARGET = {kind: 0.9 for kind in KINDS} | {"phone": 0.99, "email": 0.99}


def test_the_evaluation_set_is_big_and_covers_every_kind_and_naming():
    cases = load_cases(EVAL)
    assert len(cases) >= 150
    assert {kind for case in cases for kind, _, _ in case.gold} == set(KINDS)
    assert {case.naming for case in cases} == {"own_name", "first_name", "pseudonym", "anonymous"}
    assert sum(1 for case in cases if not case.gold) >= 50


@pytest.fixture(scope="module")
def score():
    return evaluate(load_cases(EVAL))


@pytest.mark.parametrize("kind", KINDS)
def test_precision_and_recall_of_each_kind_reach_the_issues_target(score, kind):
    assert score.precision(kind) >= TARGET[kind], [(c.id, w) for c, k, w in score.alarms if k == kind]
    assert score.recall(kind) >= TARGET[kind], [(c.id, w) for c, k, w in score.misses if k == kind]


def test_the_command_prints_each_kinds_figures_the_misses_and_the_false_alarms(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    lines = [
        '{"id": "a", "text": "Ring 07700 900123.", "expect": [{"kind": "phone", "span": "07700 900123", "start": 5}]}',
        '{"id": "b", "text": "I grew up in Hackney.", "expect": []}',
        '{"id": "c", "text": "Email jo@example.org.", "expect": [{"kind": "email", "span": "jo@example.org", '
        '"start": 6}, {"kind": "person", "span": "Email", "start": 0}]}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "phone              1      1       0             0      1.000   1.000" in out
    assert "person             1      0       1             0      1.000   0.000" in out
    assert "place              0      0       0             1      0.000   1.000" in out
    assert "c [person] 'Email' in 'Email jo@example.org.'" in out
    assert "b [place] 'Hackney' in 'I grew up in Hackney.'" in out


def test_the_command_names_the_line_of_a_bad_entry(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Ring 07700 900123.", "expect": []}\n\n'
                    '{"text": "Ring 07700 900123.", "expect": [{"kind": "phone", "span": "07700", "start": 0}]}\n',
                    encoding="utf-8")
    assert main([str(path)]) == 2
    assert f"{path}:3: not a valid evaluation entry" in capsys.readouterr().err


THIRD = Path(__file__).parent / "care_identifiers_third.jsonl"
# Written by a helper who never saw the detector or the other sets (care_identifiers_third.md), and run once,
# unseen, on 2026-12-02: all precision 0.889, recall 0.779 (with the lists and cues as they were that
# morning, 0.884 / 0.764). Per kind, precision / recall: phone 1.000/0.971, email 1.000/0.833, address
# 1.000/0.750, postcode 1.000/1.000, date-of-birth 1.000/0.500, person 0.822/0.761, place 0.863/0.802,
# workplace 0.939/0.575, fellowship 0.914/0.981. Issue 14 asks for 0.9 each (0.99 for phones and emails);
# these floors only keep what is reached. Its misses then taught two kinds (birth dates said with an age or
# a named day, workplaces after a job noun), so it is a development set now: date-of-birth 0.900, workplace
# 0.775 on it since; the fourth set, below, is the held-out measure.
THIRD_FLOOR = {"phone": (0.99, 0.95), "email": (0.99, 0.8), "address": (0.99, 0.75), "postcode": (0.99, 0.99),
               "date-of-birth": (0.99, 0.95), "person": (0.85, 0.85), "place": (0.91, 0.85), "workplace": (0.95, 0.81),
               "fellowship": (0.9, 0.95)}


FOURTH = Path(__file__).parent / "care_identifiers_fourth.jsonl"
# Written by a helper who never saw the detector or the other sets' data (care_identifiers_fourth.md), and
# run once, unseen, on 2026-12-02 after the third set's fixes: all precision 0.901, recall 0.774 (the code of
# that morning, run beside it for comparison: 0.891 / 0.754). Per kind, precision / recall: phone 1.000/0.913,
# email 1.000/0.818, address 1.000/0.750, postcode 1.000/0.714, date-of-birth 1.000/0.667, person 0.855/0.726,
# place 0.873/0.868, workplace 0.929/0.500, fellowship 0.897/0.867. These floors keep what is reached.
# Its second run, after names listed beside a person or said again were taught on the third set: person
# 0.829 / 0.781 (three more false alarms, four more names found), all 0.895 / 0.784; the person floor
# follows that trade, which a storyteller's anonymity prefers (an offered redaction can be declined).
FOURTH_FLOOR = {"phone": (0.99, 0.9), "email": (0.99, 0.8), "address": (0.99, 0.75), "postcode": (0.99, 0.7),
                "date-of-birth": (0.99, 0.95), "person": (0.83, 0.79), "place": (0.88, 0.88), "workplace": (0.92, 0.5),
                "fellowship": (0.89, 0.86)}


FIFTH = Path(__file__).parent / "care_identifiers_fifth.jsonl"
# Written unseen (care_identifiers_fifth.md) and run once, on 2026-12-02 after the afternoon's fixes (towns in
# sign-offs, names after "shout to" and "thanks to big...", whole employers after a job): all precision 0.929,
# recall 0.802 (the code of that morning, run beside it: 0.934 / 0.795). Per kind: phone 1.000/0.923, email
# 1.000/0.923, address 1.000/0.857, postcode 1.000/0.857, date-of-birth 1.000/0.679, person 0.859/0.785,
# place 0.929/0.774, workplace 0.923/0.818, fellowship 0.957/0.917. Developed on since (2026-12-03: birth dates
# later in their clause, lists of names, towns in lower case): all 0.935/0.842, date-of-birth 1.000/0.964,
# person 0.867/0.839, place 0.937/0.798. These floors keep what is reached.
FIFTH_FLOOR = {"phone": (0.99, 0.92), "email": (0.99, 0.92), "address": (0.99, 0.85), "postcode": (0.99, 0.85),
               "date-of-birth": (0.99, 0.96), "person": (0.86, 0.83), "place": (0.93, 0.79), "workplace": (0.92, 0.81),
               "fellowship": (0.95, 0.91)}
SIXTH = Path(__file__).parent / "care_identifiers_sixth.jsonl"
# Written unseen (care_identifiers_sixth.md) and run once, on 2026-12-03 after the fixes the fifth set taught
# that day: all precision 0.916, recall 0.799 (the code of that morning, run beside it: 0.910 / 0.781). Per kind:
# phone 1.000/0.960, email 1.000/0.882, address 1.000/0.882, postcode 1.000/0.850, date-of-birth 1.000/0.700
# (0.520 that morning), person 0.872/0.797, place 0.885/0.801, workplace 0.900/0.655, fellowship 1.000/0.941.
# Developed on since: saints' and other faiths' days, birth certificates, ages in words, Polish months, a
# named day said beside a date with a dash: date-of-birth 1.000/0.840; more jobs and words of working life
# ("a sparky at", "start at", "work nights at"): workplace 0.917/0.800; towns in lower case in any text and
# "n our lisa" in a list: person 0.881/0.812, place 0.916/0.811; all 0.933/0.834.
# Issue 14 asks for 0.9/0.9 for each kind and 0.99 for phones and emails.
SIXTH_FLOOR = {"phone": (0.99, 0.96), "email": (0.99, 0.88), "address": (0.99, 0.88), "postcode": (0.99, 0.85),
               "date-of-birth": (0.99, 0.84), "person": (0.88, 0.81), "place": (0.91, 0.81), "workplace": (0.91, 0.8),
               "fellowship": (0.99, 0.94)}
SEVENTH = Path(__file__).parent / "care_identifiers_seventh.jsonl"
# Written unseen (care_identifiers_seventh.md) and run once, on 2026-12-03 after that day's fixes: all 0.897 /
# 0.846 (the code of that morning 0.894 / 0.822). Per kind as its .md lists them. Since, with public figures
# however written ("Dr. Bob", "Robert Downey Jr") and more of them: person precision 0.797 -> 0.859; more words
# of working life ("on the bins for", "on the door at", "nail tech at"): workplace 0.973/0.783; all 0.927/0.866.
SEVENTH_FLOOR = {"phone": (0.99, 0.96), "email": (0.99, 0.95), "address": (0.99, 0.9), "postcode": (0.99, 0.88),
                 "date-of-birth": (0.9, 0.81), "person": (0.85, 0.78), "place": (0.84, 0.87), "workplace": (0.96, 0.78),
                 "fellowship": (0.97, 0.97)}

EIGHTH = Path(__file__).parent / "care_identifiers_eighth.jsonl"
# Written unseen (care_identifiers_eighth.md) and run once, on 2026-12-03 with the shipped code: all 0.951 /
# 0.846. Developed on since (contractions are no names, Scots words for family, more words of working life):
# all 0.962 / 0.854.
EIGHTH_FLOOR = {"phone": (0.99, 0.87), "email": (0.99, 0.99), "address": (0.99, 0.8), "postcode": (0.99, 0.75),
                "date-of-birth": (0.99, 0.79), "person": (0.95, 0.82), "place": (0.94, 0.85), "workplace": (0.92, 0.83),
                "fellowship": (0.97, 0.95)}
NINTH = Path(__file__).parent / "care_identifiers_ninth.jsonl"
# Written unseen (care_identifiers_ninth.md) and run once, on 2026-12-03 with the shipped code: all 0.937 /
# 0.815; never learnt from, and after the eighth's fixes 0.944 / 0.815 (person 0.848 -> 0.882 precision).
NINTH_FLOOR = {"phone": (0.99, 0.92), "email": (0.99, 0.93), "address": (0.99, 0.88), "postcode": (0.99, 0.78),
               "date-of-birth": (0.99, 0.72), "person": (0.88, 0.69), "place": (0.94, 0.86), "workplace": (0.85, 0.6),
               "fellowship": (0.96, 0.92)}

TENTH = Path(__file__).parent / "care_identifiers_tenth.jsonl"
# Written unseen and run once (2026-12-03): all 0.941 / 0.862. Since, the evaluation passes each line's shown
# name (as the product does), and the tenth's kinds of role and work cue: all 0.962 / 0.884.
TENTH_FLOOR = {"phone": (0.99, 0.95), "email": (0.99, 0.99), "address": (0.99, 0.81), "postcode": (0.99, 0.87),
               "date-of-birth": (0.99, 0.84), "person": (0.88, 0.87), "place": (0.97, 0.85), "workplace": (0.97, 0.91),
               "fellowship": (0.96, 0.99)}
ELEVENTH = Path(__file__).parent / "care_identifiers_eleventh.jsonl"
# Written unseen and run once (2026-12-03), after the tenth's changes: all 0.932 / 0.834 (the session's first
# code 0.932 / 0.830). Developed on since (2026-12-04: more first names, "a lad everyone called", work said by its
# task, a group run at a building, emails written with spaces or words): all 0.934 / 0.863, person 0.885 / 0.802,
# workplace 0.964 / 0.614, email 1.000 / 1.000.
ELEVENTH_FLOOR = {"phone": (0.99, 0.99), "email": (0.99, 0.99), "address": (0.99, 0.99), "postcode": (0.99, 0.92),
                  "date-of-birth": (0.95, 0.84), "person": (0.88, 0.8), "place": (0.9, 0.88), "workplace": (0.96, 0.61),
                  "fellowship": (0.99, 0.97)}
TWELFTH = Path(__file__).parent / "care_identifiers_twelfth.jsonl"
# Written unseen and run once (2026-12-04) with that day's code: all 0.949 / 0.856 (the day's first code 0.945 /
# 0.836; email recall 0.833 -> 0.967, postcode 0.800 -> 0.933). Never learnt from; floors were that run, raised
# since with the fixes other sets taught (2026-12-04: dates of birth 0.957, workplaces 0.761).
TWELFTH_FLOOR = {"phone": (0.99, 0.99), "email": (0.99, 0.96), "address": (0.99, 0.92), "postcode": (0.99, 0.93),
                 "date-of-birth": (0.99, 0.95), "person": (0.91, 0.81), "place": (0.93, 0.83), "workplace": (0.97, 0.76),
                 "fellowship": (0.95, 0.9)}

THIRTEENTH = Path(__file__).parent / "care_identifiers_thirteenth.jsonl"
# Written unseen and run once (2026-12-04, second session) with the code as committed then: all 0.863 / 0.798
# (phone recall 0.913, person 0.688 / 0.726, workplace 0.840 / 0.512). Developed on since (a number over a line
# break or said aloud, birthdays by number, work said by its task, nicknames, brands and characters): 0.938 / 0.857.
THIRTEENTH_FLOOR = {"phone": (0.99, 0.99), "email": (0.99, 0.99), "address": (0.99, 0.99), "postcode": (0.99, 0.99),
                    "date-of-birth": (0.99, 0.99), "person": (0.93, 0.76), "place": (0.89, 0.83),
                    "workplace": (0.87, 0.7), "fellowship": (0.99, 0.93)}

FOURTEENTH = Path(__file__).parent / "care_identifiers_fourteenth.jsonl"
# Held out, run once (2026-12-04, third session) with the code as committed then: all 0.922 / 0.845 (person
# 0.876 / 0.858, place 0.900 / 0.829, workplace 0.935 / 0.677). Developed on since (a business named after its
# kind or by its trade, a job's place, a first name with its job after it, more first names, public figures):
# all 0.936 / 0.874, person 0.911 / 0.938, workplace 0.942 / 0.764.
FOURTEENTH_FLOOR = {"phone": (0.99, 0.99), "email": (0.99, 0.99), "address": (0.99, 0.94), "postcode": (0.99, 0.95),
                    "date-of-birth": (0.99, 0.95), "person": (0.91, 0.93), "place": (0.91, 0.83),
                    "workplace": (0.94, 0.76), "fellowship": (0.98, 0.97)}


FIFTEENTH = Path(__file__).parent / "care_identifiers_fifteenth.jsonl"
# Held out, run once (2026-12-04, third session) with the code as committed then: all 0.916 / 0.840 (person
# 0.852 / 0.793, place 0.885 / 0.894, workplace 0.981 / 0.520, phone precision 0.963). Developed on since (work said
# by what was done, an occupation before "at", someone by title at their place, a shop that "is" its name, digits in a
# code, dialect possessives and roles from many communities): all 0.941 / 0.888, workplace 0.973 / 0.745, person
# 0.886 / 0.897, place 0.921 / 0.890.
FIFTEENTH_FLOOR = {"phone": (0.99, 0.99), "email": (0.99, 0.99), "address": (0.99, 0.94), "postcode": (0.99, 0.99),
                   "date-of-birth": (0.99, 0.92), "person": (0.88, 0.89), "place": (0.92, 0.89),
                   "workplace": (0.97, 0.74), "fellowship": (0.99, 0.97)}


SCORES: dict = {}  # each set scored once per run


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("path, floor", [(THIRD, THIRD_FLOOR), (FOURTH, FOURTH_FLOOR), (FIFTH, FIFTH_FLOOR),
                                         (SIXTH, SIXTH_FLOOR), (SEVENTH, SEVENTH_FLOOR), (EIGHTH, EIGHTH_FLOOR),
                                         (NINTH, NINTH_FLOOR), (TENTH, TENTH_FLOOR), (ELEVENTH, ELEVENTH_FLOOR),
                                         (TWELFTH, TWELFTH_FLOOR), (THIRTEENTH, THIRTEENTH_FLOOR),
                                         (FOURTEENTH, FOURTEENTH_FLOOR), (FIFTEENTH, FIFTEENTH_FLOOR)],
                         ids=["third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
                              "twelfth", "thirteenth", "fourteenth", "fifteenth"])
def test_on_the_sets_written_after_the_detector_each_kind_keeps_what_it_reached(path, floor, kind):
    score = SCORES.get(path) or SCORES.setdefault(path, evaluate(load_cases(path)))
    least_precision, least_recall = floor[kind]
    assert score.precision(kind) >= least_precision, [(c.id, w) for c, k, w in score.alarms if k == kind]
    assert score.recall(kind) >= least_recall, [(c.id, w) for c, k, w in score.misses if k == kind]
