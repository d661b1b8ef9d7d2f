"""Odd input and failures on our side: clamped pages and plain messages, never a bare 500 or a traceback."""

import logging
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from recovery_voice import logbook
from recovery_voice.db import engine_of, transaction
from recovery_voice.models import Delivery, Post
from recovery_voice.web import web_sessions
from conftest import sqlite_only
from web_fixtures import csrf_from, make_app, make_people, sign_in



def _log_entries(sessions, count: int) -> None:
    """Write `count` log entries, an hour apart, the newest saying "entry 0"."""
    start = datetime(2099, 1, 1, tzinfo=timezone.utc)
    with transaction(sessions) as session:
        for n in range(count):
            logbook.record(session, "queued", account="outbox", reason=f"entry {n}", at=start - timedelta(hours=n))


def test_the_log_pages_through_older_entries_with_links_built_only_from_its_filters(project, sessions):
    make_people(sessions)
    _log_entries(sessions, 150)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    first = client.get("/log?account=outbox").get_data(as_text=True)
    assert "entry 0<" in first and "entry 99<" in first and "entry 100<" not in first
    assert 'href="/log?page=2&amp;account=outbox"' in first or 'href="/log?account=outbox&amp;page=2"' in first
    answer = client.get("/log?page=2&_external=1&_scheme=javascript&_anchor=x&account=outbox")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "entry 100<" in html and "entry 149<" in html and "entry 99<" not in html
    assert "Newer" in html and "Older" not in html
    assert "javascript" not in html and "http://localhost" not in html and "#x" not in html


def test_odd_page_numbers_and_log_dates_show_a_page_rather_than_an_error(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    for page in ("99999999999999999999", "-3", "0", "abc", "²", "1e9", ""):
        for path in ("/log", "/queue"):
            assert client.get(f"{path}?page={page}").status_code == 200, (path, page)
    for day in ("0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01"):
        for query in (f"since={day}", f"until={day}"):
            assert client.get(f"/log?{query}").status_code == 200, query
            assert client.get(f"/log.csv?{query}").status_code == 200, query


def _story_form(client, consent_until: str) -> str:
    """Send the new-story form with this consent date and return the page."""
    token = csrf_from(client.get("/stories/new").get_data(as_text=True))
    return client.post("/stories/new", data={
        "csrf_token": token, "title": "My walk", "text": "Today I walked to the group.", "naming": "first_name",
        "shown_name": "Sam", "networks": ["outbox"], "consent_until": consent_until, "action": "save"},
    ).get_data(as_text=True)


@sqlite_only
def test_a_story_consent_date_at_the_ends_of_time_is_refused_with_a_message(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    assert "Choose a date before the year 3000" in _story_form(client, "9999-12-31")
    assert "after today" in _story_form(client, "0001-01-01")
    for typo in ("0000-01-01", "10000-01-01"):
        assert "Not a valid date" in _story_form(client, typo)


def _compose(client, at: str):
    """Send the compose form asking for this local time; return the answer."""
    token = csrf_from(client.get("/compose?free=1").get_data(as_text=True))
    return client.post("/compose?free=1", data={
        "csrf_token": token, "text": "Coffee morning at the hall.", "accounts": ["outbox"], "when": "at",
        "at": at, "action": "queue"})


@sqlite_only
def test_a_compose_time_at_the_ends_of_time_is_refused_with_a_message(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    assert "too far ahead" in _compose(client, "9999-12-31T23:59").get_data(as_text=True)
    assert "That time has passed" in _compose(client, "0001-01-01T00:00").get_data(as_text=True)
    assert "Type the date and time it should go out" in _compose(client, "10000-01-01T00:00").get_data(as_text=True)
    with sessions() as session:
        assert session.scalars(select(Post)).all() == []


def _last_sunday(year: int, month: int) -> date:
    """Return the last Sunday of a month, when the clocks change in Europe."""
    last = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


@sqlite_only
def test_a_time_typed_in_the_spring_gap_is_refused_saying_the_clocks_go_forward(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = _compose(client, f"{_last_sunday(2099, 3)}T01:30").get_data(as_text=True)
    assert "There is no 01:30 on Sun" in html and "the clocks go forward from 01:00 to 02:00" in html
    with sessions() as session:
        assert session.scalars(select(Post)).all() == []


@sqlite_only
def test_a_time_typed_in_the_autumn_overlap_is_the_first_one_and_shows_its_zone(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    autumn = _last_sunday(2099, 10)
    answer = _compose(client, f"{autumn}T01:30")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with sessions() as session:
        due = session.scalar(select(Delivery.due_at))
    assert due == datetime.combine(autumn, datetime.min.time(), timezone.utc) + timedelta(minutes=30)
    assert "01:30 BST" in client.get(answer.headers["Location"]).get_data(as_text=True)


def _failing_app(project, sessions):
    """The app with one extra route that breaks, as a bug in a page would."""
    app = make_app(project, sessions)

    def broken():
        raise RuntimeError("a bug with a secret detail")
    app.add_url_rule("/broken", "broken", broken)
    return app


@sqlite_only
def test_a_bug_shows_the_styled_500_page_and_is_logged_not_shown(project, sessions, caplog):
    make_people(sessions)
    client = sign_in(_failing_app(project, sessions).test_client(), "admin")
    with caplog.at_level(logging.ERROR):
        answer = client.get("/broken")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "Something went wrong on our side" in html and "Your work was not lost" in html
    assert "tell your admin" in html and "app.css" in html and "Sign out" in html
    assert "secret detail" not in html and "Traceback" not in html
    assert "a bug with a secret detail" in caplog.text


@sqlite_only
def test_missing_pages_wrong_methods_and_bad_forms_get_styled_pages(project, sessions):
    client = make_app(project, sessions).test_client()
    for answer, code, words in ((client.get("/no-such-page"), 404, "We could not find that page"),
                                (client.put("/login"), 405, "Please use the buttons on the page"),
                                (client.post("/login", data={"email": "a@b.c"}), 400, "This form has expired")):
        html = answer.get_data(as_text=True)
        assert answer.status_code == code and words in html and "app.css" in html


def _web_client(project):
    """A signed-in admin client of an app on the web's own short-timeout engine, and that engine."""
    sessions = web_sessions(project.config)
    return sign_in(make_app(project, sessions).test_client(), "admin"), engine_of(sessions)


@sqlite_only
def test_a_locked_database_answers_quickly_that_it_is_busy_and_to_try_again(project, sessions):
    make_people(sessions)
    client, engine = _web_client(project)
    holder = sqlite3.connect(Path(project.root, "rv.db"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        answer = client.get("/queue")
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert "The database is busy" in html and "try again in a minute" in html and "app.css" in html
    assert waited < 5, waited
    assert client.get("/queue").status_code == 200
    engine.dispose()


@sqlite_only
@pytest.mark.parametrize("damage", ["garbage", "deleted"])
def test_a_corrupt_or_missing_database_says_to_tell_the_admin_who_restores_a_backup(project, sessions, damage):
    make_people(sessions)
    client, engine = _web_client(project)
    engine.dispose()
    engine_of(sessions).dispose()
    for path in Path(project.root).glob("rv.db*"):
        path.unlink()
    if damage == "garbage":
        Path(project.root, "rv.db").write_bytes(b"this is not a database at all " * 200)
    started = time.monotonic()
    answer = client.get("/queue")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503 and time.monotonic() - started < 5
    assert "The database cannot be used" in html and "tell your admin" in html and "backup" in html
    assert "Traceback" not in html and "app.css" in html
    engine.dispose()


@sqlite_only
def test_error_pages_say_their_code_and_offer_a_way_back_to_the_start_or_the_page_before(project, sessions):
    make_people(sessions)
    visitor = make_app(project, sessions).test_client()
    missing = visitor.get("/no-such-page").get_data(as_text=True)
    assert "Error 404" in missing and 'href="/login">Go to the sign-in page' in missing
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    answer = client.get("/accounts", headers={"Referer": "http://localhost/queue"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "Error 403" in html and "This page is not for your role" in html
    assert 'href="/">Go to your start page' in html
    assert 'href="http://localhost/queue">Back to the page you were on' in html
    elsewhere = client.get("/accounts", headers={"Referer": "https://evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in elsewhere and "Back to the page you were on" not in elsewhere
