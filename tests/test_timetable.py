"""The stored timetable: the config's slots until an admin edits them, then the database's, used by every caller."""

from datetime import datetime, time, timezone

import pytest
from sqlalchemy import select

from recovery_voice import timetable
from recovery_voice.db import transaction
from recovery_voice.models import Delivery, LogEntry, TimetableSlot
from recovery_voice.posts import Draft, PostProblem, create_post
from recovery_voice.slots import Slot

UTC = timezone.utc
MON_0930, THU_1800 = Slot(0, time(9, 30)), Slot(3, time(18, 0))
SUN_0130 = Slot(6, time(1, 30))


def test_a_fresh_install_uses_the_config_slots_and_stores_nothing(project, sessions):
    with sessions() as session:
        assert timetable.current_slots(session, project.config) == [MON_0930, THU_1800]
        assert not timetable.is_stored(session)
        assert session.scalar(select(TimetableSlot)) is None


def test_the_first_change_copies_the_config_slots_in_and_logs_who_made_it(project, sessions):
    with transaction(sessions) as session:
        timetable.add_slot(session, project.config, Slot(1, time(12, 0)), "ada@example.org")
    project.write_config(slots='["Fri 08:00"]')  # the config no longer decides once the page has been used
    with sessions() as session:
        assert timetable.current_slots(session, project.config) == [MON_0930, Slot(1, time(12, 0)), THU_1800]
        entry = session.scalar(select(LogEntry).where(LogEntry.event == "timetable_slot_added"))
        assert (entry.actor, entry.reason) == ("ada@example.org", "Tue 12:00")


def test_removing_every_slot_leaves_an_empty_timetable_not_the_config_again(project, sessions):
    with transaction(sessions) as session:
        for slot in (MON_0930, THU_1800):
            timetable.remove_slot(session, project.config, slot, "ada@example.org")
    with sessions() as session:
        assert timetable.current_slots(session, project.config) == []
        with pytest.raises(PostProblem, match="Timetable page"):
            create_post(session, project.config, Draft(text="Our café is open."))
        assert [e.reason for e in session.scalars(select(LogEntry).order_by(LogEntry.id))] == ["Mon 09:30", "Thu 18:00"]


def test_a_removed_slot_can_be_added_back(project, sessions):
    with transaction(sessions) as session:
        timetable.remove_slot(session, project.config, MON_0930, "ada@example.org")
        timetable.add_slot(session, project.config, MON_0930, "ada@example.org")
    with sessions() as session:
        assert timetable.current_slots(session, project.config) == [MON_0930, THU_1800]


def test_adding_a_slot_twice_or_removing_one_that_is_not_there_says_so(project, sessions):
    with sessions() as session:
        with pytest.raises(timetable.TimetableProblem, match="Mon 09:30 is already in the timetable"):
            timetable.add_slot(session, project.config, MON_0930, "ada@example.org")
        with pytest.raises(timetable.TimetableProblem, match="Wed 10:00 is not in the timetable"):
            timetable.remove_slot(session, project.config, Slot(2, time(10, 0)), "ada@example.org")


def test_a_slot_needs_a_real_weekday_and_is_kept_to_the_minute():
    with pytest.raises(timetable.TimetableProblem, match="choose a day"):
        timetable.make_slot(7, time(9, 30))
    assert timetable.make_slot(0, time(9, 30, 45)) == MON_0930


def test_new_posts_take_the_stored_slots(project, sessions):
    after = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday, after 09:30
    with transaction(sessions) as session:
        timetable.add_slot(session, project.config, Slot(1, time(7, 15)), "ada@example.org")
        post = create_post(session, project.config, Draft(text="Our café is open."), now=after)
        assert post.deliveries[0].due_at == datetime(2026, 1, 6, 7, 15, tzinfo=UTC)


def test_removing_a_slot_does_not_move_posts_already_given_that_time(project, sessions):
    after = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Our café is open."), now=after)
        timetable.remove_slot(session, project.config, THU_1800, "ada@example.org")
    with sessions() as session:
        assert session.scalar(select(Delivery.due_at)) == datetime(2026, 1, 8, 18, 0, tzinfo=UTC)


def test_a_stored_slot_in_the_spring_forward_gap_goes_out_when_the_clocks_jump(project, sessions):
    with transaction(sessions) as session:
        timetable.add_slot(session, project.config, SUN_0130, "ada@example.org")
        # 01:30 on Sunday 29 March 2026 never happens in London: the clocks go from 01:00 GMT to 02:00 BST.
        first = timetable.upcoming(session, project.config, datetime(2026, 3, 27, tzinfo=UTC), count=1)
    assert first == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]


def test_a_stored_slot_in_the_autumn_overlap_goes_out_once(project, sessions):
    with transaction(sessions) as session:
        timetable.add_slot(session, project.config, SUN_0130, "ada@example.org")
        # 01:30 on Sunday 25 October 2026 happens twice in London (BST, then GMT): the first one is used.
        times = timetable.upcoming(session, project.config, datetime(2026, 10, 24, tzinfo=UTC), count=2)
    assert times == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 9, 30, tzinfo=UTC)]


def test_queue_import_on_the_command_line_uses_the_stored_timetable(project, sessions):
    with transaction(sessions) as session:
        for slot in (MON_0930, THU_1800):
            timetable.remove_slot(session, project.config, slot, "ada@example.org")
        timetable.add_slot(session, project.config, Slot(2, time(11, 45)), "ada@example.org")
    project.queue_file("cafe.toml", 'text = "Our café is open: come as you are."\n')
    project.cli("queue", "import", check=True)
    with sessions() as session:
        due = session.scalar(select(Delivery.due_at)).astimezone(project.config.timezone)
    assert (due.strftime("%a"), due.strftime("%H:%M")) == ("Wed", "11:45")
