"""Crisis detection scored against its labelled evaluation set (tests/care_crisis_eval.jsonl)."""

import json
from pathlib import Path

import pytest

from recovery_voice.care.crisis import at_risk
from recovery_voice.care.crisis_eval import evaluate, load_cases, main

EVAL = Path(__file__).parent / "care_crisis_eval.jsonl"
# Written by another helper who never ran the detector (see care_crisis_eval.md). Its first run, before
# any fix learnt from it: precision 0.936, recall 0.537 (44 of 82 found, 3 false alarms). The kinds of
# failure it showed were then fixed (never one sentence, and the set unchanged), so the score asserted
# here is no longer a held-out measure; tests/test_care_crisis.py holds the detector's own examples.
# Since then the word model (crisis_model.py) was learnt from it, the second and third sets too: on them
# recall is still all, while precision is what the model's threshold gives up for recall on unseen text
# (the sixth set, below, is the measure of that).


def test_the_evaluation_set_is_big_and_holds_both_risks_and_clean_hard_cases():
    cases = load_cases(EVAL)
    assert len(cases) >= 150
    assert sum(1 for c in cases if c.crisis) >= 50
    assert sum(1 for c in cases if not c.crisis) >= 50


def test_recall_is_at_least_095_and_precision_at_least_09():
    score = evaluate(load_cases(EVAL))
    assert score.recall >= 0.95, [c.text for c in score.misses]
    assert score.precision >= 0.9, [c.text for c in score.false_alarms]


# The sets written after the detector, each by a helper who never saw it or the other sets (each set's .md
# says how, and lists its runs), with the floors they keep: (recall, precision, at-risk lines, clean lines).
# Issue 14 asks for recall 0.95 at precision 0.9; these bounds keep what is reached.
# - fourth and fifth: never learnt from. The fourth chose how the word model joins the cues (it speaks only
#   where no cue was met, on six words or more); both chose the model's C and MIN_PRECISION once eight
#   training sets were written (2026-12-02), and the runs of sentences it reads (2026-12-03). Fourth:
#   0.817/0.637 with the model learnt from three sets, 0.837/0.846, 0.838/0.912 with twelve training sets,
#   0.830/0.912 reading runs of sentences. Fifth: run once unseen at 0.814/0.507 (cues alone 0.893/0.362),
#   then 0.831/0.710, 0.841/0.841, 0.847/0.884.
# - sixth: never used to choose anything. 0.860/0.529 with the detector of the morning of 2026-12-02, then
#   0.910/0.871, 0.901/0.914, 0.889/0.914 reading runs of sentences.
# - seventh: run once with twelve training sets (2026-12-02): 0.923/0.833 (that morning's model 0.915/0.750);
#   reading runs of sentences, 0.912/0.861.
# - eighth: run once (2026-12-03) with the shipped model: 0.930/0.857 (a model learnt from one more training
#   set and the sixth and seventh scored the same). It taught the cues of that day (0.949/0.974); reading
#   runs of sentences, 0.926/0.974.
# - ninth: run once (2026-12-03) after those cues: 0.910/0.813, the same as that morning's detector; reading
#   runs of sentences, 0.914/0.853; goodbyes to the neighbours one is leaving no longer a farewell, 0.928/0.853.
# - tenth: run once (2026-12-03) with the shipped model, reading runs of sentences: 0.932/0.920 (a model learnt
#   with two more training sets, m and n, scored 0.944/0.907 and was not kept).
# - eleventh: run once (2026-12-03) with the shipped detector: 0.827/0.827; developed on since (disappearing
#   somewhere is no wish to be gone; goodbyes to an old crowd): 0.827/0.849.
# - twelfth: run once (2026-12-03) with the shipped detector: 0.893/0.848; never learnt from, unchanged since.
# - thirteenth: run once (2026-12-03) with the shipped detector: 0.859/0.817; developed on since (a day chosen
#   so nobody comes, means gathered quietly, the edge again, worthlessness, a last thank-you): 0.936/0.830.
# - fourteenth: run once (2026-12-03) with the shipped detector: 0.853/0.810; after the thirteenth's cues the same.
#   Developed on since (2026-12-04: using where nobody finds them, a plan made, no next year, the means wished
#   for; a lie-in, a landlord, dying old, step-nine letters and an anniversary are no risk): 0.920/0.885.
# - 2026-12-04, a past crisis coming back told without its "I", "and I still do", today being the day: tenth
#   0.933/0.946, eleventh 0.867/0.855, twelfth 0.907/0.850, thirteenth 0.962/0.833.
LATER_SETS = {
    "fourth": (0.91, 0.83, 90, 120),
    "fifth": (0.99, 0.86, 65, 120),
    "sixth": (0.92, 0.9, 65, 120),
    "seventh": (0.97, 0.94, 65, 120),
    "eighth": (0.97, 0.92, 70, 120),
    "ninth": (0.85, 0.92, 70, 120),
    "tenth": (0.93, 0.94, 70, 120),
    "eleventh": (0.97, 0.86, 70, 120),
    "twelfth": (0.9, 0.85, 70, 120),
    "thirteenth": (0.96, 0.84, 75, 120),
    "fourteenth": (0.91, 0.88, 75, 120),
    # Held out, each run once (2026-12-04) with that day's code: fifteenth 0.880/0.835, sixteenth 0.778/0.897
    # (recall/precision), both the same as with the day's first code. Developed on since (means got without an
    # "I", tablets saved and counted, a high place or fast train looked for, no return ticket, Beachy Head):
    # fifteenth 0.907/0.840, sixteenth 0.867/0.907, sixth 0.914 -> 0.929 recall; no false alarm more. Then a
    # goodbye beside the writer's plans, a feeling "like everyone", "the death of me": fifteenth precision 0.895,
    # sixth 0.903, thirteenth 0.843; no recall lower.
    "fifteenth": (0.9, 0.89, 75, 125),
    "sixteenth": (0.86, 0.9, 45, 75),
    # Held out, each run once (2026-12-04, second session) with the cues as committed then: seventeenth 0.756/0.739,
    # eighteenth 0.889/0.889 (recall/precision). Developed on since (cover stories and their denial, hints beside
    # passwords or a will, the means kept and checked, a place gone back to, quiet goodbyes, thoughts now without an
    # "I"; "I'm done" with the drink or a job, break-ups and letters to a drink are no risk): 1.000/0.882 and
    # 0.956/0.956; fifth 0.884 -> 1.000, seventh 0.861 -> 0.972, eleventh 0.867 -> 0.973 recall, no precision lower.
    "seventeenth": (0.99, 0.88, 45, 75),
    "eighteenth": (0.95, 0.95, 45, 75),
    # Held out, run once (2026-12-04, third session) with the cues as committed then: 0.911/0.854 (recall/precision).
    # Developed on since (medication kept back, a cover story about oneself, keys handed over "he doesn't know why
    # yet", cards for later birthdays, a chore joked about; "not dark stuff" said where only the word model spoke):
    # 1.000/0.918; fourth and seventeenth precision up, no other set lower.
    "nineteenth": (0.99, 0.91, 45, 75),
    # Held out, run once (2026-12-04, third session) with the cues as committed then: 0.778/0.854 (recall/precision).
    # Developed on since (counting oneself among the dead to come, last visits, letters for a child to read later, no
    # future with the writer in it, a plan told in the past perfect, lyrics and jokes): 0.911/1.000; the four misses
    # left are written in the third person ("He's tired of being a burden"), which the cues read as somebody else.
    "twentieth": (0.91, 0.99, 45, 75),
}


@pytest.mark.parametrize("name", LATER_SETS)
def test_on_each_set_written_after_the_detector_recall_and_precision_keep_their_floors(name):
    least_recall, least_precision, at_risk, clean = LATER_SETS[name]
    score = evaluate(load_cases(Path(__file__).parent / f"care_crisis_{name}.jsonl"))
    assert len(score.hits) + len(score.misses) >= at_risk and len(score.false_alarms) + score.clean >= clean
    assert score.recall >= least_recall, [c.text for c in score.misses]
    assert score.precision >= least_precision, [c.text for c in score.false_alarms]


def test_the_command_prints_precision_recall_the_misses_and_the_false_alarms(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    path.write_text('{"text": "I want to die.", "crisis": true}\n'
                    '{"text": "I used to want to die; now I want to help.", "crisis": true}\n'
                    '{"text": "This rota is killing me.", "crisis": false}\n'
                    '{"text": "I cannot go on like this.", "crisis": false, "id": "x-4", "why": "labelled wrongly on purpose"}\n',
                    encoding="utf-8")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "precision 0.500  recall 0.500" in out
    assert "line 2: 'I used to want to die; now I want to help.'" in out
    assert "x-4, line 4 (labelled wrongly on purpose): 'I cannot go on like this.'\n    hopelessness now:" in out


def test_the_command_names_the_line_of_a_bad_entry(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "I want to die.", "crisis": true}\n\n{"text": "no label"}\n', encoding="utf-8")
    assert main([str(path)]) == 2
    assert f"{path}:3: not a valid evaluation entry" in capsys.readouterr().err


HOLDOUT = Path(__file__).parent / "care_crisis_holdout.jsonl"
# Written independently and run once unseen (precision 0.898, recall 0.647: /tmp/crisis_holdout_run1.txt
# listed the kinds it missed); used for development since (care_crisis_holdout.md says from when), so
# like the set above it is no longer a held-out measure.
# Texts written for the other checks that the word model was not learnt from: none is a risk now.
CLEAN_HELD_OUT = [Path(__file__).parent / name for name in (
    "language_eval_4.jsonl", "care_safe_holdout.jsonl", "care_safe_third.jsonl", "care_identifiers_holdout.jsonl",
    "language_suggest_holdout.jsonl")]


def test_the_second_set_scores_recall_at_least_095_and_precision_at_least_085():
    score = evaluate(load_cases(HOLDOUT))
    assert score.recall >= 0.95, [c.text for c in score.misses]
    assert score.precision >= 0.85, [c.text for c in score.false_alarms]


def test_at_most_one_in_fifty_texts_of_the_other_checks_held_out_sets_is_taken_for_a_risk():
    texts = [json.loads(line)["text"] for path in CLEAN_HELD_OUT
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) >= 700  # the sets are there and were read
    flagged = [text for text in texts if at_risk(text)]
    assert len(flagged) <= len(texts) / 50, flagged
