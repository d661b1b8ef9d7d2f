"""Password reset by email: a one-time link that expires, no account enumeration, throttled, ending old sessions."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recovery_voice import email_outbox
from recovery_voice.db import engine_of, transaction
from recovery_voice.models import Email, PasswordReset, User, utcnow
from recovery_voice.users import verify_password

from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, sign_in

NEW_PASSWORD = "three quiet harbour lanterns"
LINK = re.compile(r"http://rv\.test(/reset/[A-Za-z0-9_-]+)")
CSRF_META = re.compile(r'(?<=name="csrf-token" )content="[^"]*"')
CSRF_VALUE = re.compile(r'(?<=name="csrf_token" )value="[^"]*"')


@pytest.fixture
def site(mailing):
    """The app, sending email through the loopback server, with one person per role."""
    project, sessions, _ = mailing
    return make_app(project, sessions), sessions, project.config


def ask(client, address: str):
    """Ask for a reset link from the "Forgot your password?" page."""
    token = csrf_from(client.get("/forgot").get_data(as_text=True))
    return client.post("/forgot", data={"email": address, "csrf_token": token})


def send_emails(sessions, config) -> None:
    """Let the worker's email step send what is due."""
    email_outbox.send_due(engine_of(sessions), config, "test-worker", utcnow)


def reset_path(smtp, count=1) -> str:
    """The reset link in the latest email received."""
    received = smtp.wait_for(count)
    assert len(received) == count
    return LINK.search(received[-1].text).group(1)


def choose(client, path: str, password: str = NEW_PASSWORD):
    """Set a new password through a reset link."""
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"new": password, "confirm": password, "csrf_token": token})


def test_the_sign_in_page_offers_a_way_to_reset_a_forgotten_password(site):
    app, _, _ = site
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/forgot"' in page and "Forgot your password?" in page


def same_page(page: str, address: str) -> str:
    """A page with the address asked about and the CSRF token (signed with the second it was made) taken out."""
    return CSRF_VALUE.sub('value="TOKEN"', CSRF_META.sub('content="TOKEN"', page)).replace(address, "ADDRESS")


def test_a_reset_link_arrives_by_email_and_sets_a_new_password_that_signs_in(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    answer = ask(client, "VAL@example.org ")
    assert answer.status_code == 200 and "Check your email" in answer.get_data(as_text=True)
    assert smtp.received == []  # the web request only queued it: the worker sends it
    send_emails(sessions, config)
    [got] = smtp.wait_for(1)
    assert got.recipients == [PEOPLE["volunteer"]]
    assert got.message["Subject"] == "Reset your password for Test Recovery Community"
    assert "It works once, until" in got.text and "GMT" in got.text
    assert "Password reset emails are always sent" in got.text
    done = choose(client, reset_path(smtp))
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    with sessions() as session:
        user = session.scalar(select(User).where(User.email == PEOPLE["volunteer"]))
        assert verify_password(user, NEW_PASSWORD) and not verify_password(user, PASSWORD)
        stored = session.scalar(select(Email).where(Email.kind == "password_reset"))
    assert "/reset/" not in stored.body_text and "path" not in stored.facts  # the sent copy keeps no key
    token = csrf_from(client.get("/login").get_data(as_text=True))
    signed = client.post("/login", data={"email": PEOPLE["volunteer"], "password": NEW_PASSWORD, "csrf_token": token})
    assert signed.status_code == 302


def test_a_reset_link_works_once_and_only_its_hash_is_kept(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    ask(client, PEOPLE["storyteller"])
    send_emails(sessions, config)
    path = reset_path(smtp)
    with sessions() as session:
        hashes = list(session.scalars(select(PasswordReset.token_hash)))
    assert len(hashes) == 1 and path.rsplit("/", 1)[1] not in hashes[0]
    assert choose(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)


def test_a_reset_link_stops_working_after_an_hour(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    ask(client, PEOPLE["admin"])
    send_emails(sessions, config)
    path = reset_path(smtp)
    with transaction(sessions) as session:
        reset = session.scalar(select(PasswordReset))
        reset.created_at -= timedelta(hours=1, minutes=1)
        reset.expires_at -= timedelta(hours=1, minutes=1)
    answer = client.get(path)
    assert answer.status_code == 410 and "has expired" in answer.get_data(as_text=True)


def test_setting_a_password_by_reset_signs_out_every_earlier_session(site, smtp):
    app, sessions, config = site
    elsewhere = sign_in(app.test_client(), "volunteer")
    assert elsewhere.get("/account/email").status_code == 200
    client = app.test_client()
    ask(client, PEOPLE["volunteer"])
    send_emails(sessions, config)
    assert choose(client, reset_path(smtp)).status_code == 302
    assert "/login" in elsewhere.get("/account/email").headers["Location"]  # back to sign in


def test_an_unknown_address_gets_the_same_answer_and_no_email(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    known = ask(client, PEOPLE["volunteer"]).get_data(as_text=True)
    unknown = ask(client, "nobody@example.org").get_data(as_text=True)
    assert same_page(known, PEOPLE["volunteer"]) == same_page(unknown, "nobody@example.org")
    send_emails(sessions, config)
    assert [r.recipients for r in smtp.wait_for(1)] == [[PEOPLE["volunteer"]]]


def test_a_newer_reset_link_ends_the_earlier_one(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    ask(client, PEOPLE["volunteer"])
    send_emails(sessions, config)
    first = reset_path(smtp, 1)
    ask(client, PEOPLE["volunteer"])
    send_emails(sessions, config)
    second = reset_path(smtp, 2)
    assert client.get(first).status_code == 410
    assert choose(client, second).status_code == 302


def test_a_weak_new_password_is_refused_beside_its_field_and_the_link_still_works(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    ask(client, PEOPLE["volunteer"])
    send_emails(sessions, config)
    path = reset_path(smtp)
    answer = choose(client, path, "password1234")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'href="#new"' in page and 'id="new-error"' in page and "first ones people guess" in page
    assert choose(client, path).status_code == 302


def test_reset_requests_are_throttled_per_address_without_saying_so(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    answers = [ask(client, PEOPLE["volunteer"]) for _ in range(7)]
    assert {a.status_code for a in answers} == {200}
    with sessions() as session:
        queued = session.scalar(select(func.count(Email.id)).where(Email.kind == "password_reset"))
    assert queued == 5  # the sixth and seventh get the same page and no email


def test_reset_requests_from_one_client_are_paused_after_many(site, smtp):
    app, sessions, config = site
    client = app.test_client()
    for number in range(50):
        ask(client, f"person{number}@example.org")
    answer = ask(client, PEOPLE["volunteer"])
    assert answer.status_code == 429 and "wait 15 minutes" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.scalar(select(func.count(Email.id))) == 0


def test_a_reset_email_the_server_refuses_for_good_keeps_no_working_link(site, smtp):
    app, sessions, config = site
    smtp.handler.refuse.add(PEOPLE["volunteer"])
    ask(app.test_client(), PEOPLE["volunteer"])
    send_emails(sessions, config)
    with sessions() as session:
        stored = session.scalar(select(Email).where(Email.kind == "password_reset"))
    assert stored.status == "failed" and "550" in stored.last_error  # kept for a person to see why
    assert "/reset/" not in (stored.body_text or "") and "path" not in stored.facts
