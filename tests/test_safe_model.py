"""safe_model and safe_train: the word model that weighs each sentence near a death, beside safe.toml's rules."""

import json
import math

import pytest

from recovery_voice.care import safe_train
from recovery_voice.language import LanguageSettings, check, safe_model, wordmodel_learn
from recovery_voice.language.safe_model import KINDS, SafeModel, model_findings, near_a_death, sentences
from recovery_voice.language.wordmodel import Model, normalise, terms

RULES = LanguageSettings().rules_by_id("organisation")
STORY_RULES = LanguageSettings().rules_by_id("storyteller")


def word_model(word: str, threshold: float = 0.5) -> Model:
    """A model that scores a sentence high exactly when it holds `word` (and low otherwise)."""
    return Model({word: 1.0, "the": 1.0}, {word: 20.0}, -5.0, threshold)


def hand_made(flag: str = "peace", kind: str = "romanticising") -> SafeModel:
    """A model that flags sentences with `flag` in them and calls them `kind`."""
    kinds = {name: word_model(flag if name == kind else "zzz") for name in KINDS}
    return SafeModel(word_model(flag), kinds)


def test_it_cuts_a_text_into_sentences_without_the_spaces_around_them():
    text = "RIP Jamie.  You're at peace now!\nNo more pain"
    assert [text[a:b] for a, b in sentences(text)] == ["RIP Jamie.", "You're at peace now!", "No more pain"]


def test_it_reads_the_sentence_before_and_the_two_after_a_death_and_no_others():
    text = "Our cafe opens at ten. Lunch is soup. Jamie died last week. He was kind. He loved dogs. He sang. We meet on Friday."
    chosen = [text[a:b] for a, b in near_a_death(text, sentences(text))]
    assert chosen == ["Lunch is soup.", "Jamie died last week.", "He was kind.", "He loved dogs."]


def test_a_sentence_the_model_flags_after_a_death_becomes_a_warning_with_its_kinds_rule():
    text = "RIP Jamie, lost to suicide last spring. He is at peace now."
    found = model_findings(text, "organisation", RULES, [], hand_made())
    assert [(f.rule, f.severity, f.text) for f in found] == [("safe-romanticising", "warning", "He is at peace now.")]
    rule = RULES["safe-romanticising"][0]
    assert found[0].message.endswith(rule.message) and found[0].source == rule.source
    assert found[0].suggestions == () and found[0].to_dict()["fix"] is None


def test_method_found_by_the_model_is_a_warning_not_an_error_and_a_storytellers_own_rule():
    text = "He died of an overdose in 2019. The peace lily was on the table."
    model = hand_made(kind="method")
    assert [(f.rule, f.severity) for f in model_findings(text, "organisation", RULES, [], model)] == [
        ("safe-method", "warning")]
    assert [(f.rule, f.severity) for f in model_findings(text, "storyteller", STORY_RULES, [], model)] == [
        ("safe-method-story", "warning")]


def test_a_text_that_touches_no_death_is_never_read_by_the_model():
    assert model_findings("The garden is at peace now. No more pain in my knee.", "organisation", RULES, [],
                          hand_made()) == []


def test_a_death_that_is_no_suicide_and_not_from_drugs_is_not_read_by_the_model():
    assert model_findings("Nan passed away at 96 last week. She is at peace now.", "organisation", RULES, [],
                          hand_made()) == []


def test_the_model_leaves_alone_a_sentence_a_rule_has_flagged_for_the_same_kind():
    text = "He died by suicide last year. He is at peace now."
    at = text.index("at peace")
    assert model_findings(text, "organisation", RULES, [(at, at + 8, "romanticising")], hand_made()) == []


def test_a_sentence_a_rule_flagged_for_one_kind_still_gets_the_models_warning_of_another():
    # "a parking garage on Elm Street" is a place; the model hears the method in the rest of the sentence.
    text = "He died by suicide last year. He is at peace now."
    at = text.index("at peace")
    found = model_findings(text, "organisation", RULES, [(at, at + 8, "location")], hand_made())
    assert [(f.rule, f.text) for f in found] == [("safe-romanticising", "He is at peace now.")]


def test_disabling_a_rule_disables_the_models_findings_of_its_kind():
    settings = LanguageSettings(disabled=["safe-romanticising"])
    text = "He died by suicide last year. He is at peace now."
    assert model_findings(text, "organisation", settings.rules_by_id("organisation"), [], hand_made()) == []


def test_the_learnt_model_warns_about_a_tribute_that_makes_death_a_release():
    # No rule of safe.toml matches these words: the warning can only be the model's.
    text = "RIP Connor, lost to suicide last week. Sleep now, the hurting is done."
    found = [f for f in check(text).findings if f.rule.startswith("safe-") and f.message.startswith(safe_model.MODEL_NOTE)]
    assert found and all(f.severity in ("warning", "error") for f in found)
    assert any("hurting is done" in f.text for f in found)


def test_the_learnt_model_leaves_a_safe_report_with_help_alone():
    text = ("Our thoughts are with Danny's family after his death by suicide on Sunday. If you are struggling, "
            "you can call Samaritans any time on 116 123.")
    assert [f for f in check(text).findings if f.rule.startswith("safe-")] == []


def test_the_quick_check_and_the_plain_check_agree_on_the_models_findings():
    for text in ("RIP Connor, lost to suicide last week. You're free of it all now, no more pain.",
                 "Three people died of overdoses in Leith this month. The supply is cut with nitazenes."):
        assert check(text) == check(text, shortcuts=False)


def test_the_shipped_model_was_learnt_from_the_sets_as_they_are_now():
    texts, labels, _ = safe_train.labelled_sentences()
    everything = texts + safe_train.clean_sentences()
    idf = wordmodel_learn.idf_of([terms(normalise(text)) for text in everything])
    shipped = safe_model.load_model().any_kind.idf  # a property that builds the table: once, not once a term
    assert set(shipped) == set(idf), "a set changed: run python -m recovery_voice.care.safe_train"
    assert all(math.isclose(shipped[term], value, rel_tol=1e-5) for term, value in idf.items())
    data = json.loads(safe_model.MODEL_FILE.read_text(encoding="utf-8"))
    assert data["trained_on"] == list(safe_train.TRAINING_SETS) and data["breaking"] == sum(labels)
    assert data["cross_validated"]["precision"] >= safe_train.MIN_PRECISION


def test_the_sets_held_out_for_measuring_are_never_learnt_from():
    learnt = " ".join(safe_train.TRAINING_SETS + safe_train.LANGUAGE_SETS)
    held = ("fifth", "sixth", "seventh", "eighth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth")
    assert not any(f"care_safe_{name}" in learnt for name in held)


def test_a_broken_model_file_names_itself_and_the_command_that_makes_it(tmp_path):
    path = tmp_path / "safe_model.json"
    path.write_text('{"models": {"any": {}}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"safe_model.json: not a safe-messaging model .*safe_train"):
        safe_model.load_model.__wrapped__(path)


def test_a_learning_command_writes_its_model_and_then_says_it_is_up_to_date(tmp_path, capsys):
    path = tmp_path / "model.json"
    made = lambda: '{\n "about": "x",\n "terms": {}\n}\n'  # noqa: E731
    assert wordmodel_learn.write_or_check(["--check"], "d", made, path, "some.command", '"terms"') == 1
    assert "out of date: run python -m some.command" in capsys.readouterr().out
    assert wordmodel_learn.write_or_check([], "d", made, path, "some.command", '"terms"') == 0
    assert path.read_text(encoding="utf-8") == made() and '"about": "x"' in capsys.readouterr().out
    assert wordmodel_learn.write_or_check(["--check"], "d", made, path, "some.command", '"terms"') == 0
