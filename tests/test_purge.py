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


def test_a_taken_down_email_held_for_the_storytellers_summary_goes_out_before_the_story_is_purged(
        project, sessions, clock):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from recovery_voice import emails
    from recovery_voice.models import Email
    from recovery_voice.stories import withdraw

    shared = shared_life(project, sessions, clock)
    config = with_wait(project, 0)
    london = ZoneInfo("Europe/London")
    day = clock.now.astimezone(london).date() + timedelta(days=1)
    clock.now = datetime.combine(day, time(6, 0), london)  # before the day's summary is made
    with transaction(sessions) as session:
        emails.save_choices(session, shared.people["storyteller"], emails.Choices("digest"))
        withdraw(session, session.get(Story, shared.kept), None, clock.now, media_dir=config.media_dir)
    worker = Worker(config, sessions, clock)
    worker.run_due()  # takes the copy down; "it has been taken down" waits for the summary
    worker.sweep()
    assert counts(sessions, shared.kept)["Story"] == 1
    with sessions() as session:
        assert session.scalar(select(Email.status).where(Email.kind == "story_taken_down",
                                                         Email.user_id == shared.people["storyteller"],
                                                         Email.status != "sent")) == "held"
    clock.now = datetime.combine(day, time(8, 5), london)
    worker.run_due()  # the summary is made and sent, then
    worker.sweep()  # the story goes
    assert counts(sessions, shared.kept)["Story"] == 0


def test_withdrawing_deletes_the_review_emails_about_its_post_and_the_alt_text_of_its_uploaded_photos(
        project, sessions, clock):
    from recovery_voice import emails
    from recovery_voice.models import Delivery, DeliveryMedia, Email, Post
    from recovery_voice.stories import withdraw

    from test_data_export import BENCH_ALT, POST_TEXT

    shared = shared_life(project, sessions, clock)
    with transaction(sessions) as session:
        post_id = session.get(Story, shared.kept).post_id
        other_post = session.scalar(select(Post.id).where(Post.text == POST_TEXT))
        for item in (post_id, other_post):
            emails.waiting_for_review(session, "post", item, "Frozen river", clock.now)
        delivery = session.scalar(select(Delivery.id).where(Delivery.post_id == post_id))
        session.add(DeliveryMedia(delivery_id=delivery, number=1, position=0, digest="0" * 64, remote_id="m1",
                                  alt=BENCH_ALT, width=10, height=10, uploaded_at=clock.now))
    with transaction(sessions) as session:
        withdraw(session, session.get(Story, shared.kept), None, clock.now, media_dir=project.config.media_dir)
    with sessions() as session:
        waiting = [email.facts["id"] for email in session.scalars(select(Email).where(Email.kind == "review_waiting"))
                   if email.facts.get("what") == "post"]
        assert post_id not in waiting and other_post in waiting
        assert session.scalar(select(DeliveryMedia.alt).where(DeliveryMedia.remote_id == "m1")) == ""
