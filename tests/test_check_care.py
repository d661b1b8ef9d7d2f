"""`check --format json` and the Python API carry each text's care: topics, a crisis, what could identify someone."""

import json
import os
import subprocess
import sys

from recovery_voice.care import assess_story, check_text
from recovery_voice.language import LanguageSettings

SUICIDE = "He died by suicide in March."
OVERDOSES = "Two friends died of overdoses this year."
CONTACT = "Call Jo on 07700 900123 or write to jo.smith@example.org any time."
CRISIS = "I can't go on any more. Tonight I am going to end my life, I have the pills ready."
KINDS = {"phone", "email", "address", "postcode", "date-of-birth", "person", "place", "workplace", "fellowship"}


def check(tmp_path, *args, given=None):
    """Run the real `recovery-voice check` (no config file: the defaults) and return its exit code and output."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("RECOVERY_VOICE_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "recovery_voice", "check", *args], cwd=tmp_path, input=given,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout


def json_check(tmp_path, *args, given=None):
    """The JSON objects `check --format json` prints, one per text."""
    _, out = check(tmp_path, *args, "--format", "json", given=given)
    return [json.loads(line) for line in out.splitlines()]


def test_each_text_gains_a_care_object_with_its_topics_crisis_and_identifiers(tmp_path):
    [result] = json_check(tmp_path, SUICIDE)
    assert set(result) == {"ok", "findings", "suggested_text", "care"}
    care = result["care"]
    assert set(care) == {"topics", "crisis", "identifiers"}
    assert care["topics"] == ["suicide"] and care["crisis"] is False and care["identifiers"] == []


def test_a_death_from_drugs_is_the_drug_death_topic(tmp_path):
    [result] = json_check(tmp_path, OVERDOSES)
    assert result["care"]["topics"] == ["drug-death"]


def test_a_text_touching_nothing_hard_has_no_topics(tmp_path):
    [result] = json_check(tmp_path, "Our café is open on Tuesday.")
    assert result["care"] == {"topics": [], "crisis": False, "identifiers": []}


def test_each_identifier_has_its_kind_and_python_offsets_into_its_text(tmp_path):
    [result] = json_check(tmp_path, CONTACT)
    found = result["care"]["identifiers"]
    assert {"phone", "email"} <= {item["kind"] for item in found}
    for item in found:
        assert {"kind", "start", "end", "text"} <= set(item) and item["kind"] in KINDS
        assert isinstance(item["start"], int) and isinstance(item["end"], int)
        assert CONTACT[item["start"]:item["end"]] == item["text"]
    assert any(item["text"] == "jo.smith@example.org" for item in found)


def test_with_lines_each_line_has_its_own_care_with_offsets_into_that_line(tmp_path):
    results = json_check(tmp_path, "-", "--lines", given=f"Hello friends\n{SUICIDE}\n{CONTACT}\n")
    assert [r["line"] for r in results] == [1, 2, 3]
    assert [r["care"]["topics"] for r in results] == [[], ["suicide"], []]
    email = next(item for item in results[2]["care"]["identifiers"] if item["kind"] == "email")
    assert CONTACT[email["start"]:email["end"]] == "jo.smith@example.org"


def test_crisis_is_only_said_for_the_storyteller_voice(tmp_path):
    [theirs] = json_check(tmp_path, CRISIS, "--voice", "storyteller")
    [ours] = json_check(tmp_path, CRISIS)
    assert theirs["care"]["crisis"] is True and ours["care"]["crisis"] is False


def test_the_python_api_returns_the_object_check_format_json_prints(tmp_path):
    for text, voice in ((SUICIDE, "organisation"), (CONTACT, "organisation"), (CRISIS, "storyteller")):
        [printed] = json_check(tmp_path, text, "--voice", voice)
        assert check_text(text, voice=voice) == printed


def test_the_python_api_reads_phone_numbers_as_from_the_organisations_region():
    us = check_text("Call us on (212) 555-0187 today.", settings=LanguageSettings(region="us"))
    assert [item["kind"] for item in us["care"]["identifiers"]] == ["phone"]


def test_the_text_output_says_the_care_points_in_plain_words_after_the_findings(tmp_path):
    code, out = check(tmp_path, SUICIDE)
    assert out.strip().endswith("Touches suicide: needs a second admin's approval and gets the support footer.")
    _, contact = check(tmp_path, CONTACT)
    assert 'Could identify someone: an email address, "jo.smith@example.org" (characters' in contact
    _, crisis = check(tmp_path, CRISIS, "--voice", "storyteller")
    assert "These words suggest the writer may be at risk now" in crisis


def test_a_story_is_assessed_in_its_title_and_text_and_each_identifier_says_which_it_is_in():
    care = assess_story("For Jo, 07700 900123", OVERDOSES + " Write to jo.smith@example.org.", naming="pseudonym",
                        own_name="Jo Smith")
    assert care["topics"] == ["drug-death"] and care["crisis"] is False
    places = {(item["kind"], item["in"]) for item in care["identifiers"]}
    assert {("phone", "title"), ("email", "text")} <= places
    for item in care["identifiers"]:
        source = "For Jo, 07700 900123" if item["in"] == "title" else OVERDOSES + " Write to jo.smith@example.org."
        assert source[item["start"]:item["end"]] == item["text"]
