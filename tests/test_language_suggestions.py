"""One-click fixes that fit the sentence (issue 12): the suggestion set, each shape, the JSON contract and the pages."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project
from recovery_voice.language import LanguageSettings, check
from recovery_voice.language.fitting import fits
from recovery_voice.language.suggestions_eval import rate, run, summary
from web_fixtures import csrf_from, make_app, make_people, sign_in

SET = Path(__file__).parent / "language_suggest_eval.jsonl"


def suggested(text: str, voice: str = "organisation", region: str = "uk") -> str | None:
    """Return the check's suggested_text for a text."""
    return check(text, voice=voice, settings=LanguageSettings(region=region)).suggested_text


# ---------------------------------------------------------------- the hand-written set


def test_the_suggestion_set_matches_a_careful_editor_at_least_95_percent_of_the_time():
    outcomes = run(SET)
    assert len(outcomes) >= 200
    assert rate(outcomes) >= 0.95, summary(outcomes)


def test_the_held_out_set_written_after_the_code_also_matches_at_least_95_percent_of_the_time():
    outcomes = run(Path(__file__).parent / "language_suggest_holdout.jsonl")
    assert len(outcomes) >= 40
    assert rate(outcomes) >= 0.95, summary(outcomes)


def test_the_evaluator_command_prints_the_rate_and_fails_below_95_percent(tmp_path):
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"text": "Addicts deserve care.", "region": "uk", "voice": "organisation",
                                 "suggested_text": "Addicts deserve care.", "shape": "article"}) + "\n")
    result = subprocess.run([sys.executable, "-m", "recovery_voice.language.suggestions_eval", str(wrong)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "exact matches: 0 of 1 (0.0%)" in result.stdout
    assert "got:      'People with an addiction deserve care.'" in result.stdout


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize(("text", "expected"), [
    ("An addict's recovery takes time.", "The recovery of a person with an addiction takes time."),
    ("We met the junkie's sister at the vigil.", "We met the sister of the person who uses drugs at the vigil."),
    ("Alcoholics' partners carry a lot.", "The partners of people with alcohol problems carry a lot."),
    ("They spoke up for drug users' safety.", "They spoke up for the safety of people who use drugs."),
    ("Addict's dad speaks out", "The dad of a person with an addiction speaks out"),  # a headline's bare noun
])
def test_a_possessive_label_is_rephrased_with_of(text, expected):
    assert suggested(text) == expected


@pytest.mark.parametrize("text", [
    "An addict's biggest fear is being judged.",  # more than one word after the possessive
    "A junkie's needle exchange visit lasts ten minutes.",
    "Junkies' recovery stories, which we share weekly, help.",
    "Download the drug user's guide to safer injecting.",  # "guide to": "of" would split it
])
def test_a_possessive_before_more_than_one_word_gets_no_one_click_fix(text):
    assert suggested(text) is None


def test_a_who_suggestion_before_a_who_clause_joins_it_with_and():
    assert suggested("Drug users who live alone should carry naloxone.") == \
        "People who use drugs and live alone should carry naloxone."
    assert suggested("Heroin users that smoke it still overdose.") == \
        "People who use heroin and smoke it still overdose."
    # with a comma the clause is an aside, and stays one
    assert suggested("Drug users, who are people first, came.") == "People who use drugs, who are people first, came."


def test_an_article_is_chosen_for_the_new_first_word():
    assert suggested("She is an addicted woman, her GP wrote.") == "She is a woman with an addiction, her GP wrote."
    assert suggested("He met an ex-addict at the gym.") == "He met a person in recovery at the gym."
    assert suggested("A newborn born addicted needs warmth.") == \
        "A newborn born with neonatal abstinence syndrome needs warmth."


def test_a_sentence_starts_with_a_capital_whatever_the_rule_matched():
    assert suggested("Help came fast. IDUs were tested first.") == \
        "Help came fast. People who inject drugs were tested first."
    assert suggested("On Monday, IDUs were tested first.") == "On Monday, people who inject drugs were tested first."


def test_a_who_clause_in_the_past_puts_the_suggestion_in_the_past_too():
    assert suggested("A drug user who was known to staff died.") == \
        "A person who used drugs and was known to staff died."
    assert suggested("Junkies who had nowhere to go slept here.") == \
        "People who use drugs and had nowhere to go slept here."  # "had" also reads as now: left as it is


def test_a_label_used_as_a_modifier_of_a_group_gets_no_fix():
    assert suggested("The junkie scene moved to the canal.") is None
    assert suggested("Our drug user network meets monthly.") is None


def test_a_label_after_was_or_were_takes_the_past():
    assert suggested("Her cousin was a heroin user for years.") == "Her cousin was a person who used heroin for years."
    assert suggested("The men were drunks, the papers said.") == "The men were people who drank heavily, the papers said."
    assert suggested("Her cousin is a heroin user.") == "Her cousin is a person who uses heroin."


@pytest.mark.parametrize(("text", "expected"), [
    ("Completed suicide figures rose in 2023.", "Suicide figures rose in 2023."),
    ("One successful suicide is one too many.", "One death by suicide is one too many."),
    ("He was trying to commit suicide when police arrived.", "He was attempting suicide when police arrived."),
    ("Infants born addicted to fentanyl need weeks of care.", "Infants born dependent on fentanyl need weeks of care."),
    ("A clean urine test result means nothing here.", "A negative test result means nothing here."),
])
def test_a_noun_used_as_a_modifier_keeps_the_sentence_whole(text, expected):
    assert suggested(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Heroin abuse has fallen in the north.", "Harmful heroin use has fallen in the north."),
    ("Alcohol abuse is rising among women.", "Harmful drinking is rising among women."),
    ("The alcohol abuse service moved.", "The alcohol use service moved."),
    ("They were abusing alcohol every night.", "They were drinking heavily every night."),
    ("Crack babies get labelled for life.", "Babies exposed to cocaine before birth get labelled for life."),
    ("She gets high before work.", "She uses drugs before work."),
    ("He got clean in prison.", "He got into recovery in prison."),
    ("Alcohol misuse has risen again.", "Problem alcohol use has risen again."),
])
def test_a_rewrite_keeps_the_meaning(text, expected):
    assert suggested(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Smackheads sleep in the car park.", "People who use heroin sleep in the car park."),
    ("His pill habit began after surgery.", "His pill addiction began after surgery."),
    ("Opiate addicts need a prescription, not a lecture.",
     "People with an addiction to opiates need a prescription, not a lecture."),
    ("Benzodiazepine users may need a slow taper.", "People who use benzodiazepines may need a slow taper."),
])
def test_a_slang_or_singular_substance_is_named_plainly(text, expected):
    assert suggested(text) == expected


def test_two_substances_before_one_label_stay_together():
    assert suggested("We see alcohol and heroin users every day.") == "We see people who use alcohol and heroin every day."
    assert suggested("Crack or heroin addicts can come.") == "People with an addiction to crack or heroin can come."
    assert suggested("Heroin and junkies were in the report.") == "Heroin and people who use drugs were in the report."


@pytest.mark.parametrize("text", [
    "Buprenorphine is just trading one opioid for another.",  # a false claim
    "We are looking for data junkies to join the board.",  # an idiom
    "She is in denial, her mother says.",  # blame, not a word
    "He is a real junkie, the neighbours say.",  # a label after an intensifier
    "My alcoholic grandad taught me chess.",  # needs a clause whose tense is unknown
    "Addict mum jailed for theft",  # a label as a modifier of a person
])
def test_where_no_rewrite_fits_the_finding_has_no_fix(text):
    report = check(text)
    assert report.findings, "the text must be flagged for this test to mean anything"
    assert report.suggested_text is None
    assert all(f["fix"] is None for f in report.to_dict()["findings"])


def test_a_hashtag_is_replaced_by_a_hashtag():
    assert suggested("Six months strong. #6MonthsClean #recovery") == "Six months strong. #6MonthsInRecovery #recovery"
    assert suggested("Stand with #DrugUsers today.") == "Stand with #PeopleWhoUseDrugs today."
    assert suggested("Support #addicts' families.") is None  # a hashtag cannot take "the families of"


# ---------------------------------------------------------------- the contract


def test_suggested_text_is_none_for_a_storytellers_own_words_and_for_nothing_found():
    assert suggested("I was a junkie for a decade.", voice="storyteller") is None
    assert suggested("Recovery is possible.") is None
    assert suggested("My uncle is an addict.", voice="storyteller") == "My uncle is a person with an addiction."


def test_each_finding_says_its_fix_or_null_and_keeps_every_old_key():
    data = check("Addicts' families came. Methadone is replacing one drug with another.").to_dict()
    first, second = data["findings"]
    assert list(first)[:8] == ["rule", "severity", "start", "end", "text", "message", "suggestions", "source"]
    assert first["fix"] == {"start": 0, "end": 17, "text": "The families of people with an addiction"}
    assert second["rule"] == "replacing-one-drug" and second["fix"] is None
    assert data["suggested_text"] == "The families of people with an addiction came. " \
                                     "Methadone is replacing one drug with another."


def test_fits_offers_each_fitting_suggestion_once_and_none_for_quoted_speech():
    text = 'Drug users who inject came. She said: "I am a junkie."'
    first, quoted = check(text).findings
    assert [f.text for f in fits(text, first)] == ["People who use drugs and"]
    assert fits(text, quoted) == ()


def test_the_check_command_prints_the_fix_in_its_json():
    result = subprocess.run([sys.executable, "-m", "recovery_voice", "check", "--format", "json",
                             "An alcoholic's children need help."], capture_output=True, text=True, timeout=60)
    data = json.loads(result.stdout)
    assert data["suggested_text"] == "The children of a person with an alcohol problem need help."
    assert data["findings"][0]["fix"]["end"] == len("An alcoholic's children")


# ---------------------------------------------------------------- the pages


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One SQLite project and app for the module."""
    project = Project(tmp_path_factory.mktemp("fits"))
    sessions = project.init_db()
    make_people(sessions)
    yield make_app(project, sessions)
    for engine in project.engines:
        engine.dispose()


def live(client, text, voice="organisation"):
    """Ask /check about a text, as the page's script does."""
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    answer = client.post("/check", data=json.dumps({"text": text, "voice": voice}), content_type="application/json",
                         headers={"X-CSRFToken": token})
    return answer.get_json()["findings"]


def test_the_live_check_offers_only_fixes_that_fit(site):
    client = sign_in(site.test_client(), "volunteer")
    possessive, claim = live(client, "An addict's family is welcome. Methadone is swapping one drug for another.")
    assert possessive["fixes"][0] == {"suggestion": "The family of a person with an addiction", "start": 0,
                                      "end": 18, "replaces": "An addict's family"}
    assert claim["fixes"] == [] and claim["fix"] is None
    own, = live(client, "I was an addict for years.", voice="storyteller")
    assert own["fixes"] == []


def test_the_no_script_button_applies_the_fitted_fix(site):
    client = sign_in(site.test_client(), "volunteer")
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    answer = client.post("/compose?free=1", data={"accounts": "outbox", "when": "next-slot", "csrf_token": token,
                                                  "text": "Drug users who sleep rough need help.",
                                                  "apply": "text:0:0"})
    textarea = re.search(r"<textarea[^>]*>\s*([^<]*)</textarea>", answer.get_data(as_text=True)).group(1)
    assert textarea == "People who use drugs and sleep rough need help."


def test_the_rewrites_are_read_from_the_cache_after_the_first_fix_and_a_spoilt_cache_changes_nothing(tmp_path):
    code = "from recovery_voice.language import check; print(check(\"Addicts' families came.\").suggested_text)"
    cache = tmp_path / "recovery-voice" / "language-rewrites.marshal"

    def run_once() -> str:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                                env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})
        return result.stdout.strip()

    expected = "The families of people with an addiction came."
    assert run_once() == expected and cache.exists()  # parsed, and kept
    kept = cache.stat().st_mtime_ns, cache.read_bytes()
    assert run_once() == expected
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == kept  # read back, not written again
    cache.write_bytes(b"not marshal")
    assert run_once() == expected and cache.read_bytes() == kept[1]  # parsed again and the cache mended
