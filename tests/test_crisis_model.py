"""crisis_model and crisis_train: the word model that reads a storyteller's words as a whole, beside the cues."""

import json
import math

import pytest

from recovery_voice.care import crisis, crisis_model, crisis_train
from recovery_voice.language import wordmodel, wordmodel_learn
from recovery_voice.care.crisis_model import Model, load_model, parts

HOPEFUL = ("Coming to the Tuesday group changed things for me. I have a job on the tills now, I see my "
           "daughter at weekends and I cook for my neighbour on Sundays. ") * 12


def test_the_shipped_model_was_learnt_from_the_sets_as_they_are_now():
    texts, _ = crisis_train.load()
    idf = wordmodel_learn.idf_of([wordmodel.terms(wordmodel.normalise(text)) for text in texts])
    shipped = load_model().idf  # a property that builds the table: once, not once a term
    assert set(shipped) == set(idf), "a set changed: run python -m recovery_voice.care.crisis_train"
    assert all(math.isclose(shipped[term], value, rel_tol=1e-5) for term, value in idf.items())


def test_the_held_out_sets_are_never_learnt_from():
    data = json.loads(crisis_model.MODEL_FILE.read_text(encoding="utf-8"))
    learnt = [*data["trained_on"], *data["clean_sets"]]
    assert learnt == [*crisis_train.TRAINING_SETS, *crisis_train.CLEAN_SETS]
    assert not any(part in path for path in learnt
                   for part in ("fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"))
    assert 0 < data["threshold"] < 1 and data["cross_validated"]["precision"] >= crisis_train.MIN_PRECISION


def test_learning_reaches_the_least_loss_on_a_small_set():
    texts = ["i want to die tonight", "i wanted to die years ago, now i help others", "everyone would be better off without me",
             "our walk raised money for samaritans", "i cant go on", "i could not go on back then, today i run the group"]
    labels = [True, False, True, False, True, False]
    model = crisis_train.learn(texts, labels)
    # At the least loss, the gradient of ½|w|² + C Σ shareᵢ·lossᵢ is zero: w = -C Σ shareᵢ (pᵢ - yᵢ) xᵢ.
    counts = [wordmodel.terms(wordmodel.normalise(text)) for text in texts]
    pull = {}
    for text, count, label in zip(texts, counts, labels):
        error = crisis_train.C * 1.0 * (model.probability(text) - label)  # each class is half, so each share is 1
        for term, value in wordmodel.weighted(count, model.idf).items():
            pull[term] = pull.get(term, 0.0) - error * value
    assert max(abs(model.weights.get(term, 0.0) - value) for term, value in pull.items()) < 1e-3
    assert [model.probability(text) > 0.5 for text in texts] == labels


def test_it_hears_a_present_crisis_that_no_cue_foresaw():
    for text in ("honestly everything is grey and i keep thinking they would all manage fine if i slipped away",
                 "Im so tired of all of it. Nobody would even notice if I just stopped."):
        assert load_model().at_risk(text), text


def test_it_leaves_a_hopeful_story_and_everyday_words_alone():
    for text in (HOPEFUL, "The quiz raised £212 for the food bank. Thank you all!",
                 "Two years ago I wanted to die. Today I volunteer on the helpline and love it."):
        assert not crisis.at_risk(text), text


def test_a_long_story_is_read_in_parts_so_a_crisis_at_its_end_is_heard():
    ending = (" But I have to be honest, I am so tired of all of it and I keep thinking everyone would be better off"
              " without me. I cant go on.")
    assert len(parts(HOPEFUL + ending)) > 1
    assert load_model().at_risk(HOPEFUL + ending)
    assert not load_model().at_risk(HOPEFUL)


def test_where_only_the_model_hears_it_the_reason_quotes_its_likeliest_sentence():
    text = "The group was good today. honestly everything is grey and i keep thinking they would all manage fine if i slipped away"
    assert next(crisis._concerns(text), None) is None  # no cue: this is the model's alone
    [concern] = crisis.concerns(text)
    assert concern.kind == crisis.MODEL_KIND
    assert concern.sentence.startswith("honestly everything is grey")
    assert crisis.reasons(text) == [f'{crisis.MODEL_LABEL}: "{concern.sentence}"']


def test_a_broken_model_file_is_an_error_that_names_it_and_how_to_make_it(tmp_path):
    path = tmp_path / "crisis_model.json"
    path.write_text('{"bias": 0.1}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"crisis_model.json: not a crisis model .*crisis_train"):
        load_model(path)


def test_the_model_reads_curly_apostrophes_and_capitals_as_the_training_did():
    model = Model({"can't": 1.0, "go": 2.0, "can't go": 3.0}, {"can't go": 1.0}, 0.0, 0.5)
    assert model.probability("I CAN\u2019T GO") == model.probability("i can't go") > 0.5


HOPEFUL_YEARS = ("Four years ago I walked into the recovery cafe with nothing. The volunteers made me tea and never made "
                 "a fuss. I did the twelve weeks, then the washing up, then the rota, then the training. Last spring I "
                 "got my peer support certificate and my daughter came to the ceremony. I run the Wednesday group now "
                 "and I love it. ")


def test_a_present_at_the_end_of_a_hopeful_story_is_read_in_its_own_run_of_sentences():
    model = crisis_model.load_model()
    text = HOPEFUL_YEARS + "I'm so tired. I don't want to wake up tomorrow."
    assert model.probability(text) < model.threshold  # the whole story's words drown it
    assert model.at_risk(text)


def test_a_hopeful_story_alone_is_no_risk_in_any_run_of_its_sentences():
    assert not crisis_model.load_model().at_risk(HOPEFUL_YEARS)


def test_the_terms_of_a_text_are_the_sum_of_its_sentences_terms():
    text = "I went to group.\nIt helped, not a lot! But it did? Yes: it did, and I'm not sorry."
    sizes, counted = wordmodel.sentence_terms(text)
    assert wordmodel.summed(counted) == wordmodel.terms(wordmodel.normalise(text))
    assert sizes == [4, 5, 3, 7]
