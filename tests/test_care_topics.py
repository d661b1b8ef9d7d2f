"""care.topics: whether a text touches suicide or a death from drugs or alcohol."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recovery_voice.care import topics as topics_module
from recovery_voice.care.topics import TOPICS, by_patterns, load_topics, topics

SUICIDE = [
    "He died by suicide last year.",
    "Our suicide prevention walk is on Saturday: bring a friend.",
    "Samaritans are there day and night on 116 123.",
    "If you're thinking about ending your life, call or text 988.",
    "I used to want to die; now I want to help.",
    "She took her own life in March, and we miss her every day.",
    "I tried to take my own life in 2015. Today I run the men's group.",
    "For a long time I didn't want to wake up in the morning.",
    "He hanged himself in 2019.",
    "I was suicidal, using every day and completely alone.",
    "Thoughts of ending it came most nights that winter.",
    "You can text SHOUT to 85258, or call Papyrus HOPELINEUK.",
    "The night she left, he swallowed a bottle of sleeping pills.",
    "He jumped from the bridge in 2017; a passer-by pulled him out.",
    # Said without the word: the act, the way there, the place, the cause, the signs.
    "The 40-year-old was found hanged at his home.",
    "She leaped off the viaduct in 2020.",
    "He overdosed on his antidepressants in May.",
    "Volunteers patrol the Golden Gate Bridge, where too many have died.",
    "She stepped in front of the 7.05 express.",
    "They said the bullying killed her.",
    "The coroner found no single cause for her death.",
    "He said he would go to sleep and never wake up.",
    "Warning signs include talking about being a burden.",
    "He climbed over the parapet and jumped.",
    "She chose to stop the pain.",
    "A helium kit was found in his room.",
    "The night I'd decided to die, a stranger sat with me on the bench.",
    "Her brother tied a belt to the banister in the flat in Leith.",
    "Dad lit a charcoal barbecue in his van in a lay-by near Thirsk.",
    "She went into the Tay with rocks in her pockets.",
]

DRUG_DEATH = [
    "Two friends died of overdoses this year.",
    "I overdosed twice before I got a place on the programme.",
    "Drug deaths in Scotland rose again, the new figures show.",
    "Join our vigil for International Overdose Awareness Day.",
    "We remember everyone we have lost to drugs and alcohol.",
    "Alcohol-specific deaths are at a record high.",
    "He drank himself to death at 44.",
    "Fentanyl killed three people in the city this month.",
    "He OD\u2019d in a hostel and a stranger with naloxone saved him.",
    "My mum died of alcohol-related liver disease when I was 15.",
    "Drug poisoning is now the biggest killer of people under 40 here.",
    # Naloxone is there for overdoses, so a post about it touches them (issue 14: "touches" is wide).
    "Naloxone kits are free at the front desk.",
    "Naloxone saves lives: ask us for a kit.",
    "They found him with a needle still in his arm.",
    "Families bereaved by drug use meet on Mondays.",
    "His death is thought to be drug-related.",
    "She died after taking two unknown pills at a rave.",
    "The batch which killed him was never traced.",
    "Friends told the inquest he had taken ketamine and cocaine.",
    "They found an empty bottle of methadone beside him.",
    "Heroin hell on the estate",
    "Addicts are dying in doorways.",
]

NEITHER = [
    "This heat is killing me.",
    "I'm dead tired after the fun run.",
    "Our café is drug-free and alcohol-free.",
    "That would be career suicide for any MP.",
    "I could die of embarrassment.",
    "Dying for a brew after that meeting, honestly.",
    "My back is killing me after the sponsored walk to the bridge.",
    "Recovery gave me my life back.",
    "She took her life back after years of drinking.",
    "The Suicide Squad is on at the cinema on Friday.",
    "I overdosed on chocolate at Christmas.",
    "We killed it at the bake sale!",
    "He shot himself in the foot with that tweet.",
    "A good Samaritan handed in the lost keys.",
    "Two years sober today, and the kettle's on.",
    "Don't take the easy way out of the washing up.",
    "She jumped off the pier into the sea for charity.",
    "She overdosed on insulin by mistake.",
    "The addicts' support group meets on Thursdays.",
    "We had a barbecue in the garage when it rained.",
    "I tied the dog lead to the railing outside Greggs.",
    "The team were determined to win.",
    "",
]


@pytest.mark.parametrize("text", SUICIDE)
def test_its_patterns_say_a_text_touches_suicide_in_any_of_its_forms(text):
    assert by_patterns(text) == ["suicide"]
    assert "suicide" in topics(text)  # the word models may hear a death from drugs too: "a bottle of sleeping pills"


@pytest.mark.parametrize("text", DRUG_DEATH)
def test_its_patterns_say_a_text_touches_a_death_or_near_death_from_drugs_or_alcohol(text):
    assert by_patterns(text) == ["drug-death"]
    assert "drug-death" in topics(text)


@pytest.mark.parametrize("text", NEITHER)
def test_it_leaves_everyday_words_for_death_and_drugs_alone(text):
    assert topics(text) == [] and by_patterns(text) == []


def test_both_topics_come_in_their_fixed_order():
    assert topics("Overdoses and suicides both rose last year.") == ["suicide", "drug-death"]
    assert topics("He overdosed in May and died by suicide in June.") == list(TOPICS)


def test_it_reads_any_case_curly_apostrophes_and_line_breaks():
    assert topics("HE DIED BY SUICIDE.") == ["suicide"]
    assert topics("She took her\nown life.") == ["suicide"]
    assert topics("I didn\u2019t want to live any more.") == ["suicide"]


def test_the_topics_data_loads_once_and_names_the_two_topics():
    assert load_topics() is load_topics()
    assert tuple(topic.name for topic in load_topics()) == TOPICS


def _plainly_touches(topic, low):
    """The answer without the word-start finder: every match of the pattern, anywhere."""
    return any(not topics_module._excepted(topic, low, found) for found in topic.pattern.finditer(low))


def _eval_texts():
    folder = Path(__file__).parent
    for name in ("language_eval_2.jsonl", "care_safe_eval.jsonl", "care_crisis_eval.jsonl"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            yield json.loads(line)["text"]


def test_trying_matches_only_where_a_prefix_begins_loses_none_of_them():
    texts = [*SUICIDE, *DRUG_DEATH, *NEITHER, *_eval_texts()]
    touched = 0
    for text in texts:
        low = text.lower().translate(topics_module._APOSTROPHES)
        for topic in load_topics():
            answer = topics_module.touches(topic, low)
            assert answer == _plainly_touches(topic, low), (topic.name, text)
            touched += answer
    assert touched > 200  # the texts touch the topics often, so the comparison means something


def test_a_pattern_that_could_begin_anywhere_is_refused_with_its_name():
    table = {"name": "suicide", "patterns": ["suicid\\w*", ".*ended"]}
    with pytest.raises(ValueError, match=r"begin with known letters.*\.\*ended"):
        topics_module._prefixes(table)


def test_it_refuses_what_is_not_text_and_text_over_the_limit():
    with pytest.raises(TypeError):
        topics(None)
    with pytest.raises(ValueError, match="takes up to"):
        topics("a" * (topics_module.MAX_INPUT + 1))


def _topics_in_a_new_process(cache_home, text):
    """Run topics() in a fresh Python with its own cache folder, as a `check` command would."""
    code = f"from recovery_voice.care.topics import topics; print(topics({text!r}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_new_process_reads_the_topics_from_its_cache_and_a_broken_cache_changes_nothing(tmp_path):
    assert _topics_in_a_new_process(tmp_path, "He died by suicide.") == "['suicide']"
    cache = tmp_path / "recovery-voice" / "care-topics.marshal"
    assert cache.is_file()
    assert _topics_in_a_new_process(tmp_path, "Two friends died of overdoses.") == "['drug-death']"
    cache.write_bytes(b"not a cache")
    assert _topics_in_a_new_process(tmp_path, "He died by suicide.") == "['suicide']"


@pytest.mark.parametrize("text, topic", [
    ("Our Jase drowned hisself in the canal two winters back.", "suicide"),
    ("Me brother killed hissen at nineteen and I think of him every day.", "suicide"),
    ("Dad found me in the garage with the engine running when I was sixteen.", "suicide"),
    ("I thought of the pills as my exit for years, until the group.", "suicide"),
    ("The dealer who sold the heroin that led to the death of a Hull student was jailed.", "drug-death"),
])
def test_it_hears_dialect_reflexives_a_running_engine_a_way_out_and_a_supply_that_killed(text, topic):
    assert topic in topics(text)


def test_a_christmas_overdose_of_mince_pies_touches_no_topic():
    assert topics("Overdosed on mince pies and Quality Street again, see you all at the walk on Boxing Day!") == []
