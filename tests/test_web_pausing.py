"""The web's pause, resume and blackout days: the pages, the banner for each role, CSRF, admins only, the reason."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from recovery_voice import pausing
from recovery_voice.db import transaction
from recovery_voice.models import BlackoutDate, Delivery, LogEntry, utcnow
from recovery_voice.posts import Draft, create_post
from recovery_voice.review import approve
from browser import Visitor, shots
from conftest import sqlite_only
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, make_people, sign_in

REASON = "Our friend Dee died this morning; we are taking a quiet week."


@pytest.fixture
def app(project, sessions):
    make_people(sessions)
    return make_app(project, sessions)


def client_for(app, who):
    return sign_in(app.test_client(), who)


def send(client, path, page="/pause", **data):
    """Send a form with the CSRF token of the page it is on."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def text_of(answer) -> str:
    return answer.get_data(as_text=True)


def paused(sessions):
    with sessions() as session:
        return pausing.in_force(session)


def due_post(project, sessions, due):
    """An approved post at `due` on the outbox account (made a little before)."""
    with transaction(sessions) as session:
        post = create_post(session, project.config, Draft(text="Our café is open: come as you are.",
                                                          when=due.isoformat()), now=due - timedelta(minutes=5))
        approve(session, project.config, [post.id], "admin@example.org", now=due - timedelta(minutes=5))
        return post.id


def test_an_admin_pauses_all_publishing_in_one_step_with_a_reason(app, sessions):
    admin = client_for(app, "admin")
    page = text_of(admin.get("/pause"))
    assert "Pause all publishing" in page and "nothing else starts" in page and "still taken down" in page
    answer = send(admin, "/pause", reason=REASON)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/resume")
    assert paused(sessions).reason == REASON
    assert paused(sessions).started_by.startswith("user ")  # named as the log names people
    resume_page = text_of(admin.get("/resume"))
    assert "ada paused all publishing" in resume_page and REASON in resume_page
    assert "Nothing has fallen due during the pause." in resume_page
    with sessions() as session:
        assert session.scalars(select(LogEntry.event)).all()[-1] == "publishing_paused"


def test_the_reason_is_required_and_at_most_500_characters_and_kept_when_refused(app, sessions):
    admin = client_for(app, "admin")
    for reason, words in (("", "Say why publishing is paused"), ("   ", "Say why publishing is paused"),
                          ("x" * 501, "Keep the reason to 500 characters or fewer")):
        answer = send(admin, "/pause", reason=reason)
        html = text_of(answer)
        assert answer.status_code == 400 and words in html and 'id="reason-error"' in html
        assert paused(sessions) is None
    assert "y" * 499 in text_of(send(admin, "/pause", reason="y" * 499 + "\u00a0" * 2 + "x" * 300))


def test_every_page_shows_the_banner_admins_with_who_when_why_and_the_resume_button(app, sessions):
    send(client_for(app, "admin"), "/pause", reason=REASON)
    admin_page = text_of(client_for(app, "admin").get("/queue"))
    assert "Publishing is paused" in admin_page and REASON in admin_page and "ada paused all publishing" in admin_page
    assert 'href="/resume"' in admin_page
    for who, path in (("volunteer", "/queue"), ("storyteller", "/stories")):
        html = text_of(client_for(app, who).get(path))
        assert "Publishing is paused" in html and "Nothing is being posted for now" in html
        assert REASON not in html and 'href="/resume"' not in html and "ada" not in html.split("Signed in as")[0]


def test_no_banner_while_publishing_is_on(app):
    for who, path in (("admin", "/queue"), ("volunteer", "/queue"), ("storyteller", "/stories")):
        assert "Publishing is paused" not in text_of(client_for(app, who).get(path))


def test_resume_lists_what_waited_per_account_and_moves_it_to_the_next_free_slots(project, sessions, app):
    admin = client_for(app, "admin")
    send(admin, "/pause", reason=REASON)
    due = utcnow() - timedelta(minutes=2)
    due_post(project, sessions, due)
    due_post(project, sessions, due - timedelta(minutes=1))
    page = text_of(admin.get("/resume"))
    assert "What is waiting" in page and "<td data-label=\"Account\">outbox</td>" in page
    assert '<td data-label="Posts waiting">2</td>' in page
    assert re.search(r'<input checked[^>]*value="move"', page)  # the default
    answer = send(admin, "/resume", page="/resume", then="move")
    assert answer.status_code == 302 and paused(sessions) is None
    assert "2 posts that waited moved to the next free slots" in text_of(admin.get("/pause"))
    with sessions() as session:
        assert all(d > utcnow() for d in session.scalars(select(Delivery.due_at)))
        events = session.scalars(select(LogEntry.event).order_by(LogEntry.id)).all()
    assert events[-1] == "publishing_resumed" and events.count("rescheduled") == 2


def test_resume_can_send_what_waited_now(project, sessions, app):
    admin = client_for(app, "admin")
    send(admin, "/pause", reason=REASON)
    due_post(project, sessions, utcnow() - timedelta(minutes=2))
    send(admin, "/resume", page="/resume", then="now")
    assert "1 post that waited goes out now" in text_of(admin.get("/pause"))
    with sessions() as session:
        [delivery] = session.scalars(select(Delivery))
        assert delivery.run_at <= utcnow() and delivery.status == "scheduled"


def test_pause_and_resume_need_a_csrf_token(app, sessions):
    admin = client_for(app, "admin")
    assert admin.post("/pause", data={"reason": REASON}).status_code == 400
    assert paused(sessions) is None
    send(admin, "/pause", reason=REASON)
    assert admin.post("/resume", data={"then": "move"}).status_code == 400
    assert paused(sessions) is not None
    assert admin.post("/timetable/blackout", data={"day": "2099-01-01"}).status_code == 400


@pytest.mark.parametrize("who", ["volunteer", "storyteller"])
def test_only_admins_may_pause_resume_or_change_blackout_days(app, sessions, who):
    client = client_for(app, who)
    token = csrf_from(text_of(client.get("/account/password")))
    for path, data in (("/pause", {"reason": REASON}), ("/resume", {"then": "now"}),
                       ("/timetable/blackout", {"day": "2099-01-01"}), ("/timetable/blackout/remove", {})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
    assert client.get("/pause").status_code == 403 and client.get("/resume").status_code == 403
    assert paused(sessions) is None


def test_a_second_admin_pausing_at_once_is_told_it_is_already_paused(app, sessions):
    admin = client_for(app, "admin")
    token = csrf_from(text_of(admin.get("/pause")))
    admin.post("/pause", data={"csrf_token": token, "reason": REASON})
    answer = admin.post("/pause", data={"csrf_token": token, "reason": "again"})
    assert answer.headers["Location"].endswith("/resume")
    assert "already paused by someone else" in text_of(admin.get("/resume"))
    with sessions() as session:
        assert len(session.scalars(select(BlackoutDate)).all()) == 0
        assert session.scalars(select(LogEntry.event)).all().count("publishing_paused") == 1


# Blackout days on the timetable page ----------------------------------------------------------------------------

def test_the_timetable_page_adds_lists_and_removes_a_blackout_day_with_its_reason(app, sessions):
    admin = client_for(app, "admin")
    day = date.today() + timedelta(days=20)
    answer = send(admin, "/timetable/blackout", page="/timetable", day=day.isoformat(), reason="Founder's funeral")
    assert answer.status_code == 302
    html = text_of(admin.get("/timetable"))
    assert f"Nothing will go out on {day:%a %d %b %Y}." in html
    assert f"{day:%a} {day.day} {day:%b %Y}: Founder&#39;s funeral" in html
    answer = send(admin, "/timetable/blackout/remove", page="/timetable", day=day.isoformat())
    assert answer.status_code == 302 and "is an ordinary day again" in text_of(admin.get("/timetable"))
    with sessions() as session:
        assert session.scalars(select(BlackoutDate)).all() == []
        events = session.scalars(select(LogEntry.event).order_by(LogEntry.id)).all()
    assert events == ["blackout_added", "blackout_removed"]


def test_a_past_or_doubled_day_or_long_reason_is_refused_beside_its_field(app, sessions):
    admin = client_for(app, "admin")
    later = (date.today() + timedelta(days=3)).isoformat()
    send(admin, "/timetable/blackout", page="/timetable", day=later)
    for data, words, field in (({"day": "2020-01-01"}, "has passed; choose today or a later day", "day"),
                               ({"day": later}, "is already a blackout day", "day"),
                               ({"day": ""}, "Choose a date", "day"),
                               ({"day": later, "reason": "x" * 301}, "Keep the reason to 300", "reason")):
        answer = send(admin, "/timetable/blackout", page="/timetable", **data)
        html = text_of(answer)
        assert answer.status_code == 400 and words in html and f'id="{field}-error"' in html, data


def test_adding_a_day_with_posts_due_asks_first_then_moves_them(project, sessions, app):
    admin = client_for(app, "admin")
    due = utcnow() + timedelta(days=2)
    due_post(project, sessions, due)
    day = due.astimezone(project.config.timezone).date()
    answer = send(admin, "/timetable/blackout", page="/timetable", day=day.isoformat())
    html = text_of(answer)
    assert answer.status_code == 200 and "Some posts are due that day" in html and "outbox: 1 post" in html
    with sessions() as session:
        assert session.get(BlackoutDate, day) is None  # nothing happens until the admin chooses
    answer = send(admin, "/timetable/blackout", page="/timetable", day=day.isoformat(), posts="move")
    assert "1 post moved to the next free slots after it" in text_of(admin.get("/timetable"))
    with sessions() as session:
        [delivery] = session.scalars(select(Delivery))
        assert delivery.due_at.astimezone(project.config.timezone).date() > day


def test_a_typed_time_on_a_blackout_day_is_refused_beside_the_time_field(project, sessions, app):
    admin = client_for(app, "admin")
    day = date.today() + timedelta(days=10)
    send(admin, "/timetable/blackout", page="/timetable", day=day.isoformat(), reason="Remembrance")
    token = csrf_from(text_of(admin.get("/compose?free=1")))
    answer = admin.post("/compose?free=1", data={"csrf_token": token, "text": "Open mic at the hub tonight",
                                                 "accounts": "outbox", "when": "at", "at": f"{day}T19:00",
                                                 "action": "queue"})
    html = text_of(answer)
    assert answer.status_code == 200 and 'id="at-error"' in html  # the compose page, with the words kept
    assert f"it is a blackout day (Remembrance)" in html
    assert f"The next day posts go out is {day + timedelta(days=1):%a %d %b %Y}" in html


# In a browser: the banner and the pages at phone and desktop width -------------------------------------------------

@sqlite_only  # layouts, not the database
def test_the_pause_pages_and_banner_read_well_at_phone_and_desktop_width(chromium, site, project, sessions):
    admin = Visitor(chromium, site.url)
    admin.sign_in(PEOPLE["admin"], PASSWORD)
    admin.goto("/pause")
    shots(admin, "pause")
    admin.page.get_by_label("Why are you pausing publishing?").fill(REASON)
    admin.page.get_by_role("button", name="Pause all publishing now").click()
    admin.audit()
    shots(admin, "resume")
    admin.goto("/timetable")
    assert REASON in admin.page.inner_text("main")
    shots(admin, "timetable-paused")
    storyteller = Visitor(chromium, site.url)
    storyteller.sign_in(PEOPLE["storyteller"], PASSWORD)
    storyteller.goto("/stories")
    banner = storyteller.page.get_by_role("region", name="Publishing is paused").inner_text()
    assert "Nothing is being posted for now" in banner and REASON not in banner
    shots(storyteller, "storyteller-paused")
    admin.goto("/resume")
    admin.page.get_by_role("button", name="Resume publishing").click()
    admin.audit()
    assert "Publishing has resumed" in admin.page.inner_text("main")
    due = utcnow() + timedelta(days=2)
    due_post(project, sessions, due)
    admin.goto("/timetable")
    admin.page.get_by_label("Date", exact=True).fill(due.astimezone(project.config.timezone).date().isoformat())
    admin.page.get_by_role("button", name="Add this blackout day").click()
    admin.audit()
    assert "Some posts are due that day" in admin.page.inner_text("main")
    shots(admin, "blackout-ask")
    admin.page.get_by_role("button", name="Add the blackout day").click()
    admin.audit()
    assert "1 post moved to the next free slots after it" in admin.page.inner_text("main")
    admin.close()
    storyteller.close()


def test_the_timetable_pages_next_slots_leave_out_blackout_days(project, sessions, app):
    from recovery_voice.timetable import upcoming

    admin = client_for(app, "admin")
    with sessions() as session:
        first = upcoming(session, project.config, count=1)[0]
    shown = f"{first.astimezone(project.config.timezone):%a} {first.astimezone(project.config.timezone).day} "
    send(admin, "/timetable/blackout", page="/timetable", day=first.astimezone(project.config.timezone).date())
    next_slots = text_of(admin.get("/timetable")).split("The next slots")[1].split("Blackout days")[0]
    assert shown not in next_slots and "<li>" in next_slots
