"""The timetable page without a browser: adding and removing slots, errors beside their fields, CSRF."""

from datetime import time

from sqlalchemy import select

from recovery_voice.models import LogEntry, User
from recovery_voice.slots import Slot
from recovery_voice.timetable import current_slots
from web_fixtures import csrf_from, make_app, make_people, sign_in


def _admin(project, sessions):
    """A test client signed in as the admin."""
    make_people(sessions)
    return sign_in(make_app(project, sessions).test_client(), "admin")


def _send(client, path, **data):
    """Send a form from the timetable page with its CSRF token."""
    token = csrf_from(client.get("/timetable").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_the_page_says_the_slots_come_from_the_config_until_changed(project, sessions):
    html = _admin(project, sessions).get("/timetable").get_data(as_text=True)
    assert "Mon 09:30" in html and "Thu 18:00" in html and "come from the config file" in html


def test_an_admin_adds_and_removes_a_slot_and_each_change_is_logged(project, sessions):
    client = _admin(project, sessions)
    assert _send(client, "/timetable", weekday="4", at="07:45").status_code == 302
    html = client.get("/timetable").get_data(as_text=True)
    assert "Fri 07:45 is added" in html and "come from the config file" not in html
    assert _send(client, "/timetable/remove", slot="Mon 09:30").status_code == 302
    assert "still go out then" in client.get("/timetable").get_data(as_text=True)
    with sessions() as session:
        assert current_slots(session, project.config) == [Slot(3, time(18, 0)), Slot(4, time(7, 45))]
        events = [(e.event, e.actor, e.reason) for e in session.scalars(select(LogEntry).order_by(LogEntry.id))]
        ada = session.scalar(select(User.id).where(User.email == "ada@example.org"))
    # The log names people by their user id, never by email, so erasing an account leaves no trace in it.
    assert events == [("timetable_slot_added", f"user {ada}", "Fri 07:45"),
                      ("timetable_slot_removed", f"user {ada}", "Mon 09:30")]


def test_a_missing_time_or_a_slot_already_there_is_shown_beside_the_time_field(project, sessions):
    client = _admin(project, sessions)
    for data, message in (({"weekday": "0", "at": ""}, "Choose a time"),
                          ({"weekday": "0", "at": "09:30"}, "Mon 09:30 is already in the timetable")):
        answer = _send(client, "/timetable", **data)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400 and message in html
        assert 'id="at-error"' in html and 'aria-describedby="at-error"' in html


def test_an_unknown_day_is_refused(project, sessions):
    answer = _send(_admin(project, sessions), "/timetable", weekday="9", at="09:30")
    assert answer.status_code == 400 and 'id="weekday-error"' in answer.get_data(as_text=True)


def test_timetable_changes_need_a_csrf_token(project, sessions):
    client = _admin(project, sessions)
    assert client.post("/timetable", data={"weekday": "0", "at": "10:00"}).status_code == 400
    assert client.post("/timetable/remove", data={"slot": "Mon 09:30"}).status_code == 400
    with sessions() as session:
        assert len(current_slots(session, project.config)) == 2


def test_the_compose_page_shows_the_next_free_slot(project, sessions):
    client = _admin(project, sessions)
    _send(client, "/timetable/remove", slot="Thu 18:00")
    html = client.get("/compose?free=1").get_data(as_text=True)
    assert "The next free slot: Mon" in html and "09:30" in html
