"""A storyteller's consent end holds wherever a delivery is claimed, however the post was moved or retried."""

from datetime import timedelta

from sqlalchemy import select, update

from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, Post, User
from recovery_voice.posts import pause, reschedule, resume
from recovery_voice.stories import StoryDraft, approve_story, consent_end, sign_off, submit
from recovery_voice.worker import Worker
from web_fixtures import make_people


def _approved_story(project, sessions, clock, days=8):
    """Submit and approve a story whose consent runs `days` from the clock's date; return its post id.

    More than a week: the test timetable's slots are Monday and Thursday, and with three days a story approved
    on a Thursday evening had no free slot before its consent ended (the tests failed then, and only then).
    """
    author = make_people(sessions)["storyteller"]
    until = clock.now.astimezone(project.config.timezone).date() + timedelta(days=days)
    draft = StoryDraft(title="My story", text="Recovery gave me my family back.", naming="pseudonym",
                       shown_name="River", networks=["outbox"], consent_until=until)
    with transaction(sessions) as session:
        story = submit(session, project.config, session.get(User, author), draft, now=clock.now)
        sign_off(session, project.config, story)
        approve_story(session, project.config, story.id, "ada@example.org", now=clock.now)
        return story.post_id, consent_end(project.config, story)


def test_the_consent_end_is_stored_with_each_delivery_of_an_approved_story(project, sessions, clock):
    post_id, ends = _approved_story(project, sessions, clock)
    with sessions() as session:
        assert {d.consent_ends_at for d in session.scalars(select(Delivery).where(Delivery.post_id == post_id))} == {ends}


def test_a_story_rescheduled_past_its_consent_end_never_goes_out(project, sessions, clock):
    post_id, ends = _approved_story(project, sessions, clock)
    with transaction(sessions) as session:
        reschedule(session, project.config, post_id, (ends + timedelta(hours=1)).isoformat(), "sam", now=clock.now)
    clock.now = ends + timedelta(hours=2)
    assert Worker(project.config, sessions, clock).run_due() == 0
    assert project.outbox_lines() == []
    with sessions() as session:
        assert session.get(Post, post_id).status == "cancelled"
        entry = session.scalar(select(LogEntry).where(LogEntry.event == "cancelled", LogEntry.post_id == post_id))
        assert "consent ended" in entry.reason


def test_a_story_resumed_after_its_consent_end_never_goes_out(project, sessions, clock):
    post_id, ends = _approved_story(project, sessions, clock)
    with transaction(sessions) as session:
        pause(session, post_id, "sam", now=clock.now)
    clock.now = ends + timedelta(minutes=1)
    with transaction(sessions) as session:
        resume(session, project.config, post_id, "sam", now=clock.now)
    with sessions() as session:
        due = session.scalar(select(Delivery.due_at).where(Delivery.post_id == post_id))
    clock.now = max(clock.now, due)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []


def test_a_retry_due_after_the_consent_end_is_not_claimed(project, sessions, clock):
    post_id, ends = _approved_story(project, sessions, clock)
    # A delivery waiting for a retry (after a rate limit or a 5xx) whose next try falls after the consent end.
    with transaction(sessions) as session:
        session.execute(update(Delivery).where(Delivery.post_id == post_id)
                        .values(run_at=ends + timedelta(minutes=5), attempts=1))
    clock.now = ends + timedelta(minutes=10)
    assert Worker(project.config, sessions, clock).run_due() == 0
    assert project.outbox_lines() == []


def test_a_story_inside_its_consent_still_goes_out(project, sessions, clock):
    post_id, ends = _approved_story(project, sessions, clock)
    with sessions() as session:
        due = session.scalar(select(Delivery.due_at).where(Delivery.post_id == post_id))
    assert due < ends
    clock.now = due
    assert Worker(project.config, sessions, clock).run_due() == 1
    assert len(project.outbox_lines()) == 1
