"""Purging withdrawn stories: once [care] purge_withdrawn_after_days have passed, the worker erases what was kept
(title, versions, viewing record, photos) and logs it without the words; nothing else is touched."""

from datetime import timedelta

from sqlalchemy import func, select

from recovery_voice import logbook
from recovery_voice.db import transaction
from recovery_voice.models import Attachment, LogEntry, Story, StorySignOff, StoryVersion, StoryView
from recovery_voice.worker import Worker

from test_data_export import GONE, shared_life
from test_erasure import everything_in


def counts(sessions, story_id):
    """How many rows of each kind a story still has."""
    with sessions() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model)
                                               .where(model.story_id == story_id))
                for model in (StoryVersion, StoryView, StorySignOff, Attachment)} | {
            "Story": session.scalar(select(func.count(Story.id)).where(Story.id == story_id))}


def with_wait(project, days):
    project.write_config(f"[care]\npurge_withdrawn_after_days = {days}\n")
    return project.config


def test_a_withdrawn_story_is_kept_for_its_storyteller_until_the_wait_has_passed(project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    config = with_wait(project, 30)
    clock.now += timedelta(days=29)
    Worker(config, sessions, clock).run_due()
    assert counts(sessions, shared.withdrawn)["Story"] == 1
    assert counts(sessions, shared.withdrawn)["StoryVersion"] == 1


def test_once_the_wait_has_passed_the_worker_erases_the_story_and_logs_it_without_its_words(project, sessions, clock):
    shared = shared_life(project, sessions, clock)
    config = with_wait(project, 30)
    before = len(everything_in(sessions))
    clock.now += timedelta(days=30, minutes=5)
    Worker(config, sessions, clock).run_due()
    assert counts(sessions, shared.withdrawn) == {"StoryVersion": 0, "StoryView": 0, "StorySignOff": 0,
                                                  "Attachment": 0, "Story": 0}
    assert not [value for _table, _column, value in everything_in(sessions) if GONE in value or "Winter" in value]
    with sessions() as session:
        [purged] = session.scalars(select(LogEntry).where(LogEntry.event == "story_purged")).all()
        assert purged.reason.startswith(f"story {shared.withdrawn}:") and GONE not in purged.reason
        assert purged.post_id is not None  # the log can still tell which post it was
        assert session.get(Story, shared.kept) is not None  # the story not withdrawn is untouched
    assert len(everything_in(sessions)) < before
    assert counts(sessions, shared.kept)["StoryVersion"] == 2


def test_with_no_wait_a_story_is_purged_as_soon_as_its_copies_are_down(project, sessions, clock):
    shared = shared_life(project, sessions, clock)  # its copy was already taken down by the worker
    config = with_wait(project, 0)
    Worker(config, sessions, clock).run_due()
    assert counts(sessions, shared.withdrawn)["Story"] == 0
    assert counts(sessions, shared.kept)["Story"] == 1


def test_a_story_still_being_taken_down_waits_so_its_storyteller_hears_it_is_gone(project, sessions, clock):
    from recovery_voice.stories import withdraw

    shared = shared_life(project, sessions, clock)
    config = with_wait(project, 0)
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, shared.kept), None, clock.now, media_dir=config.media_dir)
    worker = Worker(config, sessions, clock)
    worker.sweep()  # the sweep runs before the round's deletions: this one is still requested
    assert counts(sessions, shared.kept)["Story"] == 1
    worker.run_due()  # deletes the copy, then
    worker.sweep()  # the next sweep purges it
    assert counts(sessions, shared.kept)["Story"] == 0
    assert project.outbox_lines() == []
    with sessions() as session:
        events = [e.event for e in logbook.entries(session)]
    assert events.count("story_purged") == 2
