"""Crisis detection scored against its labelled evaluation set (tests/care_crisis_eval.jsonl)."""

import json
from pathlib import Path

from recovery_voice.care.crisis import at_risk
from recovery_voice.care.crisis_eval import evaluate, load_cases, main

EVAL = Path(__file__).parent / "care_crisis_eval.jsonl"
# Written by another helper who never ran the detector (see care_crisis_eval.md). Its first run, before
# any fix learnt from it: precision 0.936, recall 0.537 (44 of 82 found, 3 false alarms). The kinds of
# failure it showed were then fixed (never one sentence, and the set unchanged), so the score asserted
# here is no longer a held-out measure; tests/test_care_crisis.py holds the detector's own examples.


def test_the_evaluation_set_is_big_and_holds_both_risks_and_clean_hard_cases():
    cases = load_cases(EVAL)
    assert len(cases) >= 150
    assert sum(1 for c in cases if c.crisis) >= 50
    assert sum(1 for c in cases if not c.crisis) >= 50


def test_recall_is_at_least_095_and_precision_at_least_09():
    score = evaluate(load_cases(EVAL))
    assert score.recall >= 0.95, [c.text for c in score.misses]
    assert score.precision >= 0.9, [c.text for c in score.false_alarms]


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
OTHER_SETS = sorted(Path(__file__).parent.glob("language_eval*.jsonl")) + [Path(__file__).parent / "care_safe_eval.jsonl"]


def test_the_second_set_scores_recall_at_least_095_and_precision_at_least_09():
    score = evaluate(load_cases(HOLDOUT))
    assert score.recall >= 0.95, [c.text for c in score.misses]
    assert score.precision >= 0.9, [c.text for c in score.false_alarms]


def test_no_text_of_the_language_and_safe_messaging_sets_is_taken_for_a_risk():
    texts = [json.loads(line)["text"] for path in OTHER_SETS
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) >= 300  # the sets are there and were read
    assert [text for text in texts if at_risk(text)] == []
