"""The story pipeline below the web: submit, edit (approval is per version), withdraw, approve, reject."""

from datetime import date

import pytest
from sqlalchemy import select

from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Post, User
from recovery_voice.stories import (StoryDraft, StoryProblem, approve_story, edit, reject_story, sign_off, submit,
                                    withdraw)
from web_fixtures import make_people


def _draft(text="I'm an addict and proud to be in recovery.", **changes):
    values = dict(title="My story", text=text, naming="pseudonym", shown_name="River", networks=["outbox"],
                  consent_until=date(2099, 1, 1))
    return StoryDraft(**{**values, **changes})


@pytest.fixture
def author(sessions):
    return make_people(sessions)["storyteller"]


def test_a_storytellers_words_about_themselves_are_info_never_blocking(project, sessions, author):
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
    assert story.worst_finding == "info" and story.status == "pending"


def test_approving_a_story_schedules_a_post_on_the_consented_networks_in_the_chosen_name(project, sessions, author):
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org")
        post = session.get(Post, story.post_id)
        assert post.status == "scheduled" and post.text.endswith("— River") and story.approved_version == 1


def test_editing_an_approved_story_takes_it_off_the_timetable_until_approved_again(project, sessions, author):
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org")
        edit(session, project.config, story, None, _draft("A new version of my story."))
        assert (story.status, story.version, story.approved_version) == ("pending", 2, 1)
        assert {d.status for d in session.scalars(select(Delivery))} == {"cancelled"}


def test_withdrawing_cancels_everything_scheduled_at_once_and_is_logged(project, sessions, author):
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org")
        withdraw(session, story, media_dir=project.config.media_dir)
        assert story.status == "withdrawn"
        assert {d.status for d in session.scalars(select(Delivery))} == {"cancelled"}
        assert session.get(Post, story.post_id).status == "cancelled"
        assert session.scalar(select(LogEntry).where(LogEntry.event == "story_withdrawn")).actor == f"user {author}"


def test_a_story_needs_a_name_unless_anonymous_and_a_consent_date_in_the_future(project, sessions, author):
    with transaction(sessions) as session:
        user = session.get(User, author)
        with pytest.raises(StoryProblem, match="name you want shown"):
            submit(session, project.config, user, _draft(shown_name=""))
        with pytest.raises(StoryProblem, match="after today"):
            submit(session, project.config, user, _draft(consent_until=date(2000, 1, 1)))
        assert submit(session, project.config, user, _draft(naming="anonymous", shown_name="x")).shown_name is None


def test_a_rejected_story_carries_the_reviewers_note_back(project, sessions, author):
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
        reject_story(session, story.id, "ada@example.org", "Please leave out your street name, to keep you safe.")
        assert story.status == "rejected" and "street name" in story.review_note
