"""The weekly timetable across Europe/London's daylight-saving changes."""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from recovery_voice.slots import Slot, local_to_utc, next_free_instant, parse_slot, slot_instants, typed_local_to_utc

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc


def test_it_parses_a_weekday_and_time():
    assert parse_slot("Mon 09:30") == Slot(0, time(9, 30))
    assert parse_slot("sunday 7:05") == Slot(6, time(7, 5))


@pytest.mark.parametrize("text", ["Funday 09:30", "Mon 25:00", "Mon 9.30", "", "09:30"])
def test_it_rejects_a_slot_that_is_not_a_weekday_and_time(text):
    with pytest.raises(ValueError, match="Mon 09:30"):
        parse_slot(text)


def test_a_winter_slot_is_utc_and_a_summer_slot_is_an_hour_earlier_in_utc():
    assert local_to_utc(datetime(2026, 1, 5, 9, 30), LONDON) == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 7, 6, 9, 30), LONDON) == datetime(2026, 7, 6, 8, 30, tzinfo=UTC)


def test_a_slot_in_the_spring_forward_gap_goes_out_when_the_clocks_jump():
    # On 29 March 2026 London's clocks jump from 01:00 GMT to 02:00 BST: 01:30 never happens.
    assert local_to_utc(datetime(2026, 3, 29, 1, 30), LONDON) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 3, 29, 1, 0), LONDON) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 3, 29, 0, 59), LONDON) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


def test_a_slot_in_the_autumn_overlap_goes_out_once_at_its_first_occurrence():
    # On 25 October 2026 01:00-02:00 happens twice (BST, then GMT).
    slots = [parse_slot("Sun 01:30")]
    instants = list(slot_instants(slots, LONDON, datetime(2026, 10, 24, tzinfo=UTC), days=2))
    assert instants == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


def test_two_slots_inside_the_gap_become_one_instant():
    slots = [parse_slot("Sun 01:15"), parse_slot("Sun 01:45")]
    instants = list(slot_instants(slots, LONDON, datetime(2026, 3, 28, tzinfo=UTC), days=2))
    assert instants == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]


def test_a_daily_slot_keeps_its_local_time_across_both_changes():
    slots = [parse_slot(f"{day} 09:30") for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    for start in (datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC)):
        local_times = {i.astimezone(LONDON).time() for i in slot_instants(slots, LONDON, start, days=10)}
        assert local_times == {time(9, 30)}


def test_instants_are_strictly_after_the_given_moment_and_in_order():
    slots = [parse_slot("Wed 12:00"), parse_slot("Mon 09:30")]
    after = datetime(2026, 4, 1, 11, 0, tzinfo=UTC)  # Wednesday 12:00 BST exactly
    instants = list(slot_instants(slots, LONDON, after, days=8))
    assert instants[0] == datetime(2026, 4, 6, 8, 30, tzinfo=UTC)
    assert instants == sorted(instants)


def test_the_next_free_instant_skips_taken_ones():
    slots = [parse_slot("Mon 09:30")]
    after = datetime(2026, 1, 1, tzinfo=UTC)
    first = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    assert next_free_instant(slots, LONDON, after, set()) == first
    assert next_free_instant(slots, LONDON, after, {first}) == datetime(2026, 1, 12, 9, 30, tzinfo=UTC)


def test_there_is_no_free_instant_without_slots():
    assert next_free_instant([], LONDON, datetime(2026, 1, 1, tzinfo=UTC), set()) is None


def test_a_typed_time_in_the_spring_gap_is_refused_and_one_in_the_overlap_is_the_first():
    with pytest.raises(ValueError, match="clocks go forward from 01:00 to 02:00"):
        typed_local_to_utc(datetime(2027, 3, 28, 1, 30), LONDON)
    assert typed_local_to_utc(datetime(2027, 10, 31, 1, 30), LONDON) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert typed_local_to_utc(datetime(2027, 7, 1, 9, 0), LONDON) == datetime(2027, 7, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="too far from today"):
        typed_local_to_utc(datetime(1, 1, 1), ZoneInfo("Asia/Tokyo"))
