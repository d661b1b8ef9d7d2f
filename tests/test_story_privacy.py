"""Storytellers' privacy: approval of the version seen, erasing withdrawn and replaced words, no emails in the log."""

from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text, update

from recovery_voice import logbook
from recovery_voice.db import _alembic_config, make_engine, session_factory, transaction, upgrade
from recovery_voice.models import Delivery, DeliveryPart, LogEntry, Post, Story, User
from recovery_voice.stories import (StoryDraft, StoryProblem, approve_story, edit, reject_story, sign_off, submit,
                                    withdraw)
from recovery_voice.worker import Worker

from test_deletion import share_story
from web_fixtures import PEOPLE, csrf_from, make_app, make_people, sign_in

SHARED_WORDS = "Recovery gave me my family back."  # what share_story publishes, named "River"
EMAIL = PEOPLE["storyteller"]


def _draft(text="I'm an addict and proud to be in recovery.", **changes):
    values = dict(title="My story", text=text, naming="anonymous", shown_name=None, networks=["outbox"],
                  consent_until=date(2099, 1, 1))
    return StoryDraft(**{**values, **changes})


def _submitted(project, sessions) -> int:
    """Submit a story as the storyteller; return its id."""
    author = make_people(sessions)["storyteller"]
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), _draft())
        sign_off(session, project.config, story)  # the storyteller signs off the final text (test_story_signoff.py)
        return story.id


# 1. An approver approves only the version they saw ------------------------------------------------------------

def test_approving_or_rejecting_a_version_the_reviewer_never_saw_is_refused(project, sessions):
    story_id = _submitted(project, sessions)
    with transaction(sessions) as session:
        story = session.get(Story, story_id)
        edit(session, project.config, story, None, _draft("A second version, written after the admin opened it."))
        with pytest.raises(StoryProblem, match="now version 2"):
            approve_story(session, project.config, story_id, "ada@example.org", seen_version=1)
        with pytest.raises(StoryProblem, match="now version 2"):
            reject_story(session, story_id, "ada@example.org", "Please leave out your street.", seen_version=1)
        assert (story.status, story.post_id) == ("pending", None)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", seen_version=2)
        assert story.status == "approved" and story.approved_version == 2


def test_the_review_form_carries_the_version_shown_and_a_story_changed_since_is_refused_plainly(project, sessions):
    story_id = _submitted(project, sessions)
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    page = admin.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert page.count('name="version" value="1"') == 2  # the approve and the reject form
    with transaction(sessions) as session:
        edit(session, project.config, session.get(Story, story_id), None, _draft("Words the admin has not read."))
    token = csrf_from(page)
    for form in ({"csrf_token": token, "version": "1"}, {"csrf_token": token}):
        answer = admin.post(f"/review/stories/{story_id}/approve", data=form, follow_redirects=True)
        html = answer.get_data(as_text=True)
        assert "now version 2, shown below" in html and "Words the admin has not read." in html
    answer = admin.post(f"/review/stories/{story_id}/reject", follow_redirects=True,
                        data={"csrf_token": token, "version": "1", "reason": "Please leave out your street."})
    assert "now version 2" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.get(Story, story_id).status == "pending"
    with transaction(sessions) as session:
        sign_off(session, project.config, session.get(Story, story_id))
    answer = admin.post(f"/review/stories/{story_id}/approve", data={"csrf_token": token, "version": "2"})
    assert answer.status_code == 302
    with sessions() as session:
        assert session.get(Story, story_id).status == "approved"


# 2. Withdrawn and replaced words are erased ------------------------------------------------------------------

def test_withdrawing_erases_the_words_and_the_post_text_and_the_post_is_still_taken_down(project, sessions, clock):
    story_id = share_story(project, sessions, clock)
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, story_id), now=clock.now, media_dir=project.config.media_dir)
    with sessions() as session:
        story = session.get(Story, story_id)
        post = session.get(Post, story.post_id)
        assert (story.text, story.shown_name, story.findings, story.title) == ("", None, [], "My story")
        assert (post.text, post.findings) == ("", [])
        assert session.scalar(select(DeliveryPart.remote_id)) is not None  # what deletion needs is kept
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        assert session.scalar(select(Delivery.deletion)) == "deleted"
        assert session.scalar(select(DeliveryPart.deleted_at)) is not None


def test_only_the_storyteller_sees_anything_of_a_withdrawn_story_and_never_its_words(project, sessions, clock):
    story_id = share_story(project, sessions, clock)
    app = make_app(project, sessions)
    storyteller = sign_in(app.test_client(), "storyteller")
    page = storyteller.get(f"/stories/{story_id}").get_data(as_text=True)
    storyteller.post(f"/stories/{story_id}/withdraw", data={"csrf_token": csrf_from(page), "confirm": "yes"})
    with sessions() as session:
        post_id = session.get(Story, story_id).post_id
    own = storyteller.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "My story" in own and "erased its words" in own and SHARED_WORDS not in own
    for who in ("volunteer", "admin"):
        reader = sign_in(app.test_client(), who)
        page = reader.get(f"/posts/{post_id}").get_data(as_text=True)
        assert "The text of this post was erased" in page and SHARED_WORDS not in page and "River" not in page
    review = reader.get(f"/review/stories/{story_id}").get_data(as_text=True)
    assert "withdrawn" in review and "Story: My story" not in review and SHARED_WORDS not in review


def test_editing_an_approved_story_erases_the_text_of_the_post_made_from_the_earlier_version(project, sessions):
    story_id = _submitted(project, sessions)
    with transaction(sessions) as session:
        story = approve_story(session, project.config, story_id, "ada@example.org")
        first_post = story.post_id
        edit(session, project.config, story, None, _draft("My second version."))
    with sessions() as session:
        assert session.get(Post, first_post).text == ""
        assert session.get(Story, story_id).text == "My second version."
        assert {d.status for d in session.get(Post, first_post).deliveries} == {"cancelled"}


def test_an_erased_post_is_never_sent_even_when_put_back_on_the_timetable(project, sessions, clock):
    story_id = _submitted(project, sessions)
    with transaction(sessions) as session:
        story = approve_story(session, project.config, story_id, "ada@example.org", now=clock.now)
        withdraw(session, story, now=clock.now, media_dir=project.config.media_dir)
        # A retry, a resume or a "send again" would put it back like this.
        session.execute(update(Delivery).values(status="scheduled", run_at=clock.now, due_at=clock.now))
    clock.now += timedelta(minutes=1)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        assert session.scalar(select(Delivery.status)) == "cancelled"


def test_upgrading_erases_the_words_of_stories_withdrawn_or_replaced_before_this_version(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(engine, connection), "0004")
        connection.execute(text(
            "INSERT INTO users (id, email, display_name, password_hash, role, created_at) "
            "VALUES (1, 'sam@example.org', 'sam', 'x', 'storyteller', '2026-01-01')"))
        for post_id, words in ((1, "Withdrawn words."), (2, "First version."), (3, "Approved version.")):
            connection.execute(text(
                "INSERT INTO posts (id, status, text, \"when\", voice, findings, source, created_at) "
                "VALUES (:id, 'cancelled', :words, 'next-slot', 'storyteller', '[]', :source, '2026-01-01')"),
                {"id": post_id, "words": words, "source": "story 1" if post_id == 1 else "story 2"})
        for story_id, status, post_id in ((1, "withdrawn", 1), (2, "approved", 3)):
            connection.execute(text(
                "INSERT INTO stories (id, author_id, title, text, naming, shown_name, networks, consent_until, "
                "status, version, findings, post_id, created_at, updated_at) VALUES (:id, 1, 'Mine', 'My words.', "
                "'pseudonym', 'River', '[\"outbox\"]', '2099-01-01', :status, 1, '[]', :post, '2026-01-01', "
                "'2026-01-01')"), {"id": story_id, "status": status, "post": post_id})
    upgrade(engine)
    with session_factory(engine)() as session:
        assert session.scalars(select(Post.text).order_by(Post.id)).all() == ["", "", "Approved version."]
        assert [(s.text, s.shown_name) for s in session.scalars(select(Story).order_by(Story.id))] == [
            ("", None), ("My words.", "River")]


# 3. The log names storytellers by user id, never by email -------------------------------------------------------

def test_storyteller_events_and_posts_from_stories_never_hold_the_storytellers_email(project, sessions):
    story_id = _submitted(project, sessions)
    with transaction(sessions) as session:
        story = approve_story(session, project.config, story_id, "ada@example.org")
        edit(session, project.config, story, EMAIL, _draft("My second version."))  # even if a caller names them
        sign_off(session, project.config, story)
        approve_story(session, project.config, story_id, "ada@example.org", seen_version=2)
        withdraw(session, story, EMAIL, media_dir=project.config.media_dir)
    with sessions() as session:
        author = session.scalar(select(User.id).where(User.email == EMAIL))
        rows = logbook.entries(session)
        assert {e.event for e in rows} >= {"story_submitted", "story_edited", "story_withdrawn", "queued"}
        assert EMAIL not in logbook.to_csv(rows) and EMAIL not in logbook.to_json(rows)
        assert {e.actor for e in rows if e.event.startswith("story_") and e.event != "story_rejected"} == {
            f"user {author}"}
        assert set(session.scalars(select(Post.created_by))) == {f"user {author}"}


def test_the_admin_log_page_shows_the_display_name_beside_the_user_id_and_the_csv_only_the_id(project, sessions):
    story_id = _submitted(project, sessions)
    with sessions() as session:
        author = session.get(Story, story_id).author_id
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    assert f"By sam (user {author})." in admin.get("/log").get_data(as_text=True)
    csv = admin.get("/log.csv").get_data(as_text=True)
    assert f"user {author}" in csv and EMAIL not in csv
    with sessions() as session:
        assert session.scalar(select(LogEntry.actor).where(LogEntry.event == "story_submitted")) == f"user {author}"
