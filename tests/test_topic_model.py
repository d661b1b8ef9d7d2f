"""topic_model and topic_train: the word models that hear suicide and deaths from drugs where topics.toml's patterns did not."""

import json
import math

import pytest

from recovery_voice.care import topic_model, topic_train
from recovery_voice.care.topics import by_patterns, topics
from recovery_voice.language import wordmodel_learn
from recovery_voice.language.wordmodel import normalise, terms

# Written for these tests: words no pattern foresaw, and everyday texts of a LERO's that touch neither.
UNFORESEEN = [
    ("Another young fella went into the Tyne off the swing bridge on Sunday night. Lads, talk to someone.", "suicide"),
    ("RIP our Jen. She stepped out in front of the night freight at the crossing. Love you always.", "suicide"),
    ("Two more lads gone this week from that dodgy batch of blues going round Leith. Please test your pills.", "drug-death"),
]
EVERYDAY = [
    "Tuesday's coffee morning is moving to the library while the hall gets a new boiler.",
    "Ring Sam on 07700 900123 if you want a lift to the Saturday meeting.",
    "Three years sober today. Cake is in the kitchen, help yourselves.",
    "I drank from fourteen and stopped at forty. The group gave me my Sundays back.",
]


def test_the_shipped_models_were_learnt_from_the_sets_as_they_are_now():
    texts, _, _ = topic_train.load()
    idf = wordmodel_learn.idf_of([terms(normalise(text)) for text in texts], topic_train.MIN_TEXTS)
    for topic, model in topic_model.load_models().items():
        shipped = model.idf  # a property that builds the table: once, not once a term
        assert set(shipped) == set(idf), f"a set changed: run python -m recovery_voice.care.topic_train ({topic})"
        assert all(math.isclose(shipped[term], value, rel_tol=1e-5) for term, value in idf.items())


def test_the_held_out_safe_messaging_sets_are_never_learnt_from_and_the_figures_are_written_down():
    data = json.loads(topic_model.MODEL_FILE.read_text(encoding="utf-8"))
    learnt = " ".join(data["trained_on"] + data["clean_sets"])
    assert not any(f"care_safe_{name}" in learnt for name in
                   ("fifth", "sixth", "seventh", "eighth", "eleventh", "twelfth", "thirteenth"))
    for topic in ("suicide", "drug-death"):
        assert data["cross_validated"][topic]["precision"] >= topic_train.MIN_PRECISION


@pytest.mark.parametrize("text, topic", UNFORESEEN)
def test_it_hears_a_topic_in_words_no_pattern_foresaw(text, topic):
    assert topic not in by_patterns(text)
    assert topic in topics(text)


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_posts_and_stories_touch_neither_topic(text):
    assert topics(text) == []


def test_a_long_story_is_read_in_pieces_so_a_passage_about_a_death_is_not_drowned_by_the_rest():
    passage = ("I still go over that night. Our Danny had been low since the factory shut. He walked out after tea, "
               "no coat on, and went down to the river by the old mill. The police came to the door at two. "
               "They'd pulled him out of the water near the weir. Mam hasn't been right since, and neither have I. "
               "He was twenty-six. I wish he'd rung me. I wish I'd rung him. ")
    everyday = " ".join(EVERYDAY) + " "
    story = everyday * 40 + passage + everyday * 40
    assert len(story.split()) > 2000 and "suicide" not in by_patterns(story)
    assert topic_model.heard(passage, ("suicide",)) == ["suicide"]
    assert topic_model.heard(story, ("suicide",)) == ["suicide"]
    assert topic_model.heard(everyday * 80, ("suicide", "drug-death")) == []


def test_a_broken_model_file_names_itself_and_the_command_that_makes_it(tmp_path):
    path = tmp_path / "topic_model.json"
    path.write_text('{"models": {"suicide": {"bias": 0, "threshold": 0.5, "terms": {}}}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"topic_model.json: not a topic model \(no drug-death\).*topic_train"):
        topic_model.load_models.__wrapped__(path)


def test_reading_both_models_in_one_pass_gives_each_models_own_probability():
    models = topic_model.load_models()
    for text, _ in UNFORESEEN + [(text, None) for text in EVERYDAY]:
        counts = terms(normalise(text))
        both = topic_model._reader().probabilities(counts)
        assert both == pytest.approx(tuple(models[topic].probability_of(counts) for topic in ("suicide", "drug-death")))
