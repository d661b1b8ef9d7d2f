"""The name a story goes out under (its shown name) is the storyteller's choice, never an identifier."""

from datetime import date

import pytest

from recovery_voice.care import assess_story
from recovery_voice.care.identifiers import find
from recovery_voice.db import transaction
from recovery_voice.models import User
from recovery_voice.stories import StoryDraft, submit
from web_fixtures import make_people

TEXT = "They call me Jade Rivers now. Jade Rivers is sober, and my sponsor Dave Price helped."


def _people(found):
    return [item.text for item in found if item.kind == "person"]


def test_a_pseudonym_written_in_the_text_is_flagged_when_the_check_does_not_know_it():
    assert "Jade Rivers" in _people(find(TEXT, naming="pseudonym", own_name="Sam Jones"))


def test_the_pseudonym_the_story_goes_out_under_is_not_an_identifier_but_other_people_still_are():
    people = _people(find(TEXT, naming="pseudonym", own_name="Sam Jones", shown_name="Jade Rivers"))
    assert "Jade Rivers" not in people and "sponsor Dave Price" in people


def test_a_pseudonym_does_not_make_the_storytellers_own_first_name_safe():
    text = "I am Sam, and Jade Rivers is the name I share this under."
    people = _people(find(text, naming="pseudonym", own_name="Sam Jones", shown_name="Jade Rivers"))
    assert people == ["Sam"]


def test_a_shown_first_name_is_not_an_identifier_for_first_name_naming():
    text = "Sam here. Sam Jones was my name in the papers."
    people = _people(find(text, naming="first_name", own_name="Sam Jones", shown_name="Sam"))
    assert "Sam" not in people and "Sam Jones" in people


def test_the_shown_name_is_left_out_only_for_first_name_and_pseudonym_choices():
    found = find(TEXT, naming="anonymous", own_name="Sam Jones", shown_name="Jade Rivers")
    assert "Jade Rivers" in _people(found)


def test_a_storys_title_and_text_both_leave_out_the_shown_name():
    care = assess_story("Jade Rivers: my story", TEXT, naming="pseudonym", own_name="Sam Jones", shown_name="Jade Rivers")
    assert [item["text"] for item in care["identifiers"] if item["kind"] == "person"] == ["sponsor Dave Price"]


@pytest.fixture
def author(sessions):
    return make_people(sessions)["storyteller"]


def test_a_submitted_story_does_not_ask_to_redact_the_pseudonym_it_goes_out_under(project, sessions, author):
    draft = StoryDraft(title="My story", text=TEXT, naming="pseudonym", shown_name="Jade Rivers",
                       networks=["outbox"], consent_until=date(2099, 1, 1))
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), draft)
        people = [item["text"] for item in story.care["identifiers"] if item["kind"] == "person"]
    assert "Jade Rivers" not in people and "sponsor Dave Price" in people
