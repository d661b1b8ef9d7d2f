"""The organisation-wide pause and blackout days: nothing goes out, nothing is lost, and resuming moves what waited."""

import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from recovery_voice import dispatch, logbook, pausing
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, Post, utcnow
from recovery_voice.posts import Draft, PostProblem, cancel, create_post, reschedule
from recovery_voice.review import approve
from recovery_voice.slots import slot_instants
from recovery_voice.timer import make_scheduler, nudge
from recovery_voice.timetable import current_slots
from recovery_voice.worker import Worker

from conftest import Clock, sqlite_only

UTC = timezone.utc
TUESDAY = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the test timetable's slots are Mon 09:30 and Thu 18:00


def schedule(project, sessions, count, due=None, made_at=None, text="Day {n}: our café is open, all welcome."):
    """Create and approve `count` posts at `due` (the next free slots when None); return their ids."""
    made_at = made_at or (due - timedelta(minutes=5))
    ids = []
    with transaction(sessions) as session:
        for n in range(count):
            draft = Draft(text=text.format(n=n), when=due.isoformat() if due else "next-slot")
            ids.append(create_post(session, project.config, draft, now=made_at).id)
        approve(session, project.config, ids, "admin@example.org", now=made_at)
    return ids


def statuses(sessions):
    with sessions() as session:
        return Counter(session.scalars(select(Delivery.status)))


def due_times(sessions):
    with sessions() as session:
        return [row for row in session.scalars(select(Delivery.due_at).order_by(Delivery.post_id))]


def pause(sessions, at, reason="Our friend Dee died this morning"):
    with transaction(sessions) as session:
        pausing.pause(session, reason, "admin@example.org", at)


def resume(project, sessions, at, send_now=False):
    with transaction(sessions) as session:
        return pausing.resume(session, project.config, "admin@example.org", at, send_now=send_now)


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


# The pause ---------------------------------------------------------------------------------------------------------

def test_a_worker_running_during_the_pause_publishes_nothing_and_everything_goes_out_once_after_resuming(project):
    project.write_config(extra="[worker]\nrecheck_seconds = 0.2\n")
    sessions = project.init_db()
    worker = Worker(project.config, sessions)
    pause(sessions, utcnow())
    scheduler = make_scheduler(worker, blocking=False)
    scheduler.start()
    try:
        schedule(project, sessions, 3, utcnow() - timedelta(seconds=30))
        nudge(scheduler)  # what the web app does after approving
        time.sleep(1.5)  # several rounds of the running worker
        assert project.outbox_lines() == []
        assert statuses(sessions) == {"scheduled": 3}
        resume(project, sessions, utcnow(), send_now=True)
        nudge(scheduler)
        assert wait_for(lambda: len(project.outbox_lines()) >= 3)
        time.sleep(0.5)  # more rounds: nothing goes twice
    finally:
        scheduler.shutdown()
    lines = project.outbox_lines()
    assert len(lines) == 3 and len({line["key"] for line in lines}) == 3
    assert statuses(sessions) == {"published": 3}


@pytest.mark.slow  # six worker processes start, three during the pause and three after
def test_several_worker_processes_during_the_pause_publish_nothing_then_each_post_goes_out_once(project, sessions):
    schedule(project, sessions, 20, utcnow() - timedelta(minutes=1))
    pause(sessions, utcnow())
    command = [sys.executable, "-m", "recovery_voice", "worker", "--once", "--config", str(project.config_path)]

    def run_workers():
        workers = [subprocess.Popen(command, cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for _ in range(3)]
        outputs = [w.communicate(timeout=120) for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs

    run_workers()
    assert project.outbox_lines() == [] and statuses(sessions) == {"scheduled": 20}
    resume(project, sessions, utcnow(), send_now=True)
    run_workers()
    lines = project.outbox_lines()
    assert len(lines) == 20 and len({line["key"] for line in lines}) == 20
    assert statuses(sessions) == {"published": 20}


def test_the_worker_only_rechecks_while_paused_instead_of_waking_for_posts_it_may_not_send(project, sessions):
    clock = Clock(TUESDAY)
    schedule(project, sessions, 1, TUESDAY - timedelta(minutes=1))
    pause(sessions, TUESDAY)
    worker = Worker(project.config, sessions, clock)
    assert worker.next_wake() == TUESDAY + project.config.worker.recheck


def test_nothing_is_marked_missed_during_a_pause_however_long(project, sessions):
    clock = Clock(TUESDAY)
    [post_id] = schedule(project, sessions, 1, TUESDAY)
    pause(sessions, TUESDAY)
    worker = Worker(project.config, sessions, clock)
    clock.now += timedelta(days=2)  # far past the six hours after which a post is missed
    assert worker.run_due() == 0
    assert statuses(sessions) == {"scheduled": 1} and project.outbox_lines() == []
    resume(project, sessions, clock.now, send_now=True)
    assert worker.run_due() == 1
    with sessions() as session:
        assert session.get(Post, post_id).status == "published"
        assert "missed" not in [entry.event for entry in logbook.entries(session)]


def test_the_missed_clock_starts_again_when_publishing_resumes(project, sessions):
    schedule(project, sessions, 1, TUESDAY)
    pause(sessions, TUESDAY + timedelta(minutes=1))
    with transaction(sessions) as session:  # ended by hand, as a pause whose posts were not moved
        pausing.in_force(session).ended_at = TUESDAY + timedelta(days=1)
    five_hours_after, seven_hours_after = TUESDAY + timedelta(days=1, hours=5), TUESDAY + timedelta(days=1, hours=7)
    with transaction(sessions) as session:
        assert dispatch.mark_missed(session, five_hours_after, project.config.worker.missed_after) == 0
        assert dispatch.mark_missed(session, seven_hours_after, project.config.worker.missed_after) == 1


def test_a_batch_claimed_just_before_the_pause_is_not_sent_and_goes_out_once_after_resuming(project, sessions):
    clock = Clock(TUESDAY)
    schedule(project, sessions, 2, TUESDAY)
    with transaction(sessions) as session:
        batch = dispatch.claim_due(session, "worker-a", TUESDAY, 10)
    assert len(batch) == 2
    pause(sessions, TUESDAY)
    with transaction(sessions) as session:
        assert dispatch.start_attempt(session, batch[0], "worker-a", TUESDAY) is None
    with sessions() as session:
        assert [(held.account, held.count) for held in pausing.held(session, TUESDAY)] == [("outbox", 2)]
    assert resume(project, sessions, TUESDAY, send_now=True) == 2
    with transaction(sessions) as session:  # the first worker, late, cannot start what was handed back
        assert dispatch.start_attempt(session, batch[1], "worker-a", TUESDAY) is None
    assert Worker(project.config, sessions, clock).run_due() == 2
    assert len(project.outbox_lines()) == 2 and statuses(sessions) == {"published": 2}


def test_resuming_moves_what_fell_due_to_the_next_free_slots_each_logged(project, sessions):
    clock = Clock(TUESDAY)
    schedule(project, sessions, 2, TUESDAY)
    pause(sessions, TUESDAY)
    later = TUESDAY + timedelta(hours=3)
    with sessions() as session:
        [held] = pausing.held(session, later)
    assert (held.account, held.count, held.earliest) == ("outbox", 2, TUESDAY)
    assert resume(project, sessions, later) == 2
    with sessions() as session:
        expected = list(slot_instants(current_slots(session, project.config), project.config.timezone, later))[:2]
        events = [(entry.event, entry.reason) for entry in logbook.entries(session)]
        assert pausing.in_force(session) is None
    assert due_times(sessions) == expected  # Thu 3 Dec 18:00 and Mon 7 Dec 09:30
    assert events[-1] == ("publishing_resumed", "2 held deliveries moved to the next free slot")
    assert ("rescheduled", "publishing resumed: moved to the next free slot") in events
    assert Worker(project.config, sessions, clock).run_due() == 0 and statuses(sessions) == {"scheduled": 2}


def test_a_pause_needs_a_reason_of_at_most_500_characters_and_only_one_is_in_force(project, sessions):
    for reason, kind in ((" ", "missing"), (None, "missing"), ("x" * 501, "too_long")):
        with transaction(sessions) as session, pytest.raises(pausing.PauseProblem) as problem:
            pausing.pause(session, reason, "admin@example.org", TUESDAY)
        assert (problem.value.field, problem.value.kind) == ("reason", kind)
    pause(sessions, TUESDAY, "x" * 500)
    with transaction(sessions) as session, pytest.raises(pausing.PauseProblem, match="already paused"):
        pausing.pause(session, "again", "admin@example.org", TUESDAY)
    resume(project, sessions, TUESDAY)
    with transaction(sessions) as session, pytest.raises(pausing.PauseProblem, match="not paused"):
        pausing.resume(session, project.config, "admin@example.org", TUESDAY)


def test_a_post_cancelled_during_the_pause_is_still_taken_down_from_the_network(project, sessions):
    clock = Clock(TUESDAY)
    [post_id] = schedule(project, sessions, 1, TUESDAY)
    worker = Worker(project.config, sessions, clock)
    assert worker.run_due() == 1 and len(project.outbox_lines()) == 1
    pause(sessions, TUESDAY)
    with transaction(sessions) as session:
        cancel(session, [post_id], "admin@example.org", now=TUESDAY)
    worker.run_due()
    assert project.outbox_lines() == []  # taking down is not publishing
    with sessions() as session:
        assert session.scalar(select(Delivery.deletion)) == "deleted"


def test_approving_and_scheduling_go_on_while_paused(project, sessions):
    pause(sessions, TUESDAY)
    [post_id] = schedule(project, sessions, 1, made_at=TUESDAY)
    with sessions() as session:
        assert session.get(Post, post_id).status == "scheduled"
        assert [e.event for e in logbook.entries(session)][:1] == ["publishing_paused"]


# Blackout days -----------------------------------------------------------------------------------------------------

def add_day(project, sessions, day, at=TUESDAY, move=True, reason="Remembrance"):
    with transaction(sessions) as session:
        return pausing.add_day(session, project.config, day, reason, "admin@example.org", at, move=move)


def test_next_slot_scheduling_skips_a_blackout_day(project, sessions):
    add_day(project, sessions, date(2026, 12, 3))  # Thursday
    schedule(project, sessions, 2, made_at=TUESDAY)
    london = [moment.astimezone(project.config.timezone) for moment in due_times(sessions)]
    assert [f"{moment:%a %d %H:%M}" for moment in london] == ["Mon 07 09:30", "Thu 10 18:00"]


def test_adding_a_day_moves_its_posts_to_the_next_free_slots_after_it(project, sessions):
    schedule(project, sessions, 1, made_at=TUESDAY)  # Thu 3 Dec 18:00
    with sessions() as session:
        [held] = pausing.due_on_day(session, project.config, date(2026, 12, 3))
    assert (held.account, held.count) == ("outbox", 1)
    assert add_day(project, sessions, date(2026, 12, 3)) == 1
    [moved] = due_times(sessions)
    assert f"{moved.astimezone(project.config.timezone):%a %d %H:%M}" == "Mon 07 09:30"
    with sessions() as session:
        assert logbook.entries(session)[-1].reason == "2026-12-03: Remembrance; 1 delivery moved"


def test_a_post_kept_on_a_blackout_day_is_never_published_that_day(project, sessions):
    due = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    schedule(project, sessions, 1, due, made_at=TUESDAY)
    add_day(project, sessions, date(2026, 12, 3), move=False)
    clock = Clock(due)
    worker = Worker(project.config, sessions, clock)
    assert worker.run_due() == 0 and project.outbox_lines() == []
    assert worker.next_wake() == due + project.config.worker.recheck


def test_a_blackout_day_is_the_local_day_across_the_autumn_clock_change(project):
    project.write_config(extra="[worker]\nmissed_after_minutes = 3000\n",
                         slots='["Sun 00:30", "Sun 12:00", "Mon 09:30"]')
    sessions = project.init_db()
    october = datetime(2027, 10, 1, 12, tzinfo=UTC)
    # Sun 31 Oct 2027 lasts 25 hours in London: 23:00 UTC on the 30th to 00:00 UTC on 1 Nov.
    assert pausing.day_span(date(2027, 10, 31), project.config) == (datetime(2027, 10, 30, 23, tzinfo=UTC),
                                                                       datetime(2027, 11, 1, 0, tzinfo=UTC))
    schedule(project, sessions, 1, datetime.fromisoformat("2027-10-31T00:30:00+01:00"), made_at=october)
    add_day(project, sessions, date(2027, 10, 31), at=october, move=False)
    clock = Clock(datetime(2027, 10, 30, 23, 30, tzinfo=UTC))  # 00:30 on Sunday in London, still Saturday in UTC
    worker = Worker(project.config, sessions, clock)
    assert worker.run_due() == 0
    clock.now = datetime(2027, 10, 31, 23, 59, tzinfo=UTC)  # the day's 25th hour
    assert worker.run_due() == 0 and project.outbox_lines() == []
    clock.now = datetime(2027, 11, 1, 0, 0, 1, tzinfo=UTC)  # Monday
    assert worker.run_due() == 1 and len(project.outbox_lines()) == 1
    schedule(project, sessions, 1, made_at=datetime(2027, 10, 30, 12, tzinfo=UTC))  # not Sunday's 12:00: Monday's
    assert due_times(sessions)[-1] == datetime(2027, 11, 1, 9, 30, tzinfo=UTC)


def test_a_typed_time_on_a_blackout_day_is_refused_naming_the_next_day_posts_go_out(project, sessions):
    add_day(project, sessions, date(2026, 12, 24), reason="Christmas Eve")
    add_day(project, sessions, date(2026, 12, 25), reason="Christmas")
    with transaction(sessions) as session, pytest.raises(PostProblem) as problem:
        create_post(session, project.config, Draft(text="Carols at the hub", when="2026-12-24T19:00:00+00:00"),
                    now=TUESDAY)
    assert (problem.value.field, problem.value.kind) == ("when", "blackout")
    assert "Thu 24 Dec 2026: it is a blackout day (Christmas Eve)" in str(problem.value)
    assert "The next day posts go out is Sat 26 Dec 2026" in str(problem.value)
    [post_id] = schedule(project, sessions, 1, made_at=TUESDAY)
    with transaction(sessions) as session, pytest.raises(PostProblem, match="blackout day"):
        reschedule(session, project.config, post_id, "2026-12-25T09:30:00+00:00", now=TUESDAY)


def test_blackout_days_cannot_be_past_doubled_too_far_ahead_or_too_many(project, sessions):
    cases = ((date(2026, 11, 30), "past"), (date(2029, 1, 1), "too_far"), ("2026-12-24", "invalid"))
    for day, kind in cases:
        with transaction(sessions) as session, pytest.raises(pausing.PauseProblem) as problem:
            pausing.add_day(session, project.config, day, "", "admin@example.org", TUESDAY)
        assert problem.value.kind == kind
    add_day(project, sessions, date(2026, 12, 1))  # today may be added
    with transaction(sessions) as session, pytest.raises(pausing.PauseProblem, match="already a blackout day"):
        pausing.add_day(session, project.config, date(2026, 12, 1), "", "admin@example.org", TUESDAY)
    with transaction(sessions) as session, pytest.raises(pausing.PauseProblem) as problem:
        pausing.add_day(session, project.config, date(2026, 12, 2), "x" * 301, "admin@example.org", TUESDAY)
    assert problem.value.kind == "too_long"
    with transaction(sessions) as session:
        for offset in range(1, pausing.MAX_DAYS):
            pausing.add_day(session, project.config, date(2026, 12, 1) + timedelta(days=offset), "", "a", TUESDAY,
                            move=False)
    with transaction(sessions) as session, pytest.raises(pausing.PauseProblem) as problem:
        pausing.add_day(session, project.config, date(2028, 6, 1), "", "admin@example.org", TUESDAY)
    assert problem.value.kind == "too_many"


def test_removing_a_blackout_day_lets_it_take_posts_again(project, sessions):
    add_day(project, sessions, date(2026, 12, 3))
    with transaction(sessions) as session:
        pausing.remove_day(session, date(2026, 12, 3), "admin@example.org", TUESDAY)
        with pytest.raises(pausing.PauseProblem, match="not a blackout day"):
            pausing.remove_day(session, date(2026, 12, 3), "admin@example.org", TUESDAY)
    schedule(project, sessions, 1, made_at=TUESDAY)
    assert due_times(sessions) == [datetime(2026, 12, 3, 18, 0, tzinfo=UTC)]


# The command line --------------------------------------------------------------------------------------------------

@sqlite_only
def test_the_command_line_pauses_resumes_and_keeps_blackout_days_in_plain_words(project, sessions):
    assert project.cli("publishing", "pause").returncode == 2  # --reason is required
    paused = project.cli("publishing", "pause", "--reason", "A death in our community", check=True)
    assert "Publishing is paused: nothing will go out" in paused.stdout
    schedule(project, sessions, 1, utcnow() + timedelta(seconds=2))
    time.sleep(2)
    status = project.cli("publishing", "status", check=True).stdout
    assert "by sam@example.org: A death in our community" in status and "outbox: 1 waiting" in status
    resumed = project.cli("publishing", "resume", "--send-now", check=True).stdout
    assert "Publishing has resumed. What fell due during the pause (1, counting each account) goes out now." in resumed
    assert project.cli("publishing", "status", check=True).stdout.startswith("Publishing is on.")
    assert "Error: publishing is not paused" in project.cli("publishing", "resume").stderr
    day = (utcnow() + timedelta(days=10)).date()
    added = project.cli("blackout", "add", day.isoformat(), "--reason", "Our founder's funeral", check=True).stdout
    assert added.startswith(f"Nothing will go out on {day:%a %d %b %Y}.")
    assert f"{day.isoformat()}  {day:%a %d %b %Y}  Our founder's funeral" in project.cli("blackout", "list").stdout
    assert "has passed" in project.cli("blackout", "add", "2020-01-01").stderr
    assert "is not a date" in project.cli("blackout", "add", "tomorrow").stderr
    assert "ordinary day again" in project.cli("blackout", "remove", day.isoformat(), check=True).stdout
    assert project.cli("blackout", "list").stdout.strip() == "No blackout days to come."
