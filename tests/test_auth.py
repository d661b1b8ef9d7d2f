"""Signing in, throttling, CSRF, cookies and headers, password changes and invitations."""

from datetime import timedelta

from sqlalchemy import select

from recovery_voice.db import transaction
from recovery_voice.models import LoginFailure, User, utcnow
from recovery_voice.users import deactivate, invite
from recovery_voice.web.throttle import WINDOW, Throttle
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, make_people, sign_in


def _login(client, email, password):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_a_wrong_password_is_refused_kindly_and_repeated_failures_pause_sign_in(project, sessions):
    make_people(sessions)
    client = make_app(project, sessions).test_client()
    answer = _login(client, PEOPLE["admin"], "not the password")
    assert answer.status_code == 200 and "do not match" in answer.get_data(as_text=True)
    for _ in range(4):
        _login(client, PEOPLE["admin"], "not the password")
    paused = _login(client, PEOPLE["admin"], PASSWORD)  # even the right password waits now
    assert paused.status_code == 429 and "wait 15 minutes" in paused.get_data(as_text=True)


def test_a_post_without_a_csrf_token_is_refused(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    answer = client.post("/compose?free=1", data={"text": "Hello", "action": "queue", "accounts": "outbox"})
    assert answer.status_code == 400 and "expired" in answer.get_data(as_text=True)
    assert client.post("/check", json={"text": "addicts"}).status_code == 400


def test_the_session_cookie_is_httponly_and_samesite_and_secure_over_https(project, sessions):
    make_people(sessions)
    client = make_app(project, sessions).test_client()
    token = csrf_from(client.get("/login", base_url="https://rv.example.org").get_data(as_text=True))
    answer = client.post("/login", base_url="https://rv.example.org", headers={"Referer": "https://rv.example.org/login"},
                         data={"email": PEOPLE["admin"], "password": PASSWORD, "csrf_token": token})
    [cookie] = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("rv_session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert answer.headers["Strict-Transport-Security"]


def test_pages_send_security_headers_and_never_show_password_hashes(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    page = client.get("/users")
    html = page.get_data(as_text=True)
    assert "$argon2" not in html and PASSWORD not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


def test_changing_the_password_signs_out_other_sessions(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    here, elsewhere = sign_in(app.test_client(), "volunteer"), sign_in(app.test_client(), "volunteer")
    token = csrf_from(here.get("/account/password").get_data(as_text=True))
    new = "an even longer new password"
    answer = here.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token})
    assert answer.status_code == 302
    assert here.get("/queue").status_code == 200
    assert "/login" in elsewhere.get("/queue").headers["Location"]
    assert _login(app.test_client(), PEOPLE["volunteer"], new).status_code == 302


def test_an_invited_person_sets_a_password_once_through_their_link(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        _, token = invite(session, "new@example.org", "storyteller", "ada@example.org")
    app = make_app(project, sessions)
    client = app.test_client()
    csrf = csrf_from(client.get(f"/invite/{token}").get_data(as_text=True))
    answer = client.post(f"/invite/{token}", data={"display_name": "Robin", "password": "robin's long password",
                                                   "confirm": "robin's long password", "csrf_token": csrf})
    assert answer.status_code == 302 and client.get("/stories").status_code == 200
    again = app.test_client().get(f"/invite/{token}")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_an_expired_invitation_link_says_so(project, sessions):
    with transaction(sessions) as session:
        _, token = invite(session, "late@example.org", "volunteer", "ada@example.org", now=utcnow() - timedelta(days=8))
    answer = make_app(project, sessions).test_client().get(f"/invite/{token}")
    assert answer.status_code == 410 and "expired" in answer.get_data(as_text=True)


def test_an_admin_invites_someone_and_sees_the_link_once(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    token = csrf_from(client.get("/users").get_data(as_text=True))
    html = client.post("/users/invite", data={"email": "kim@example.org", "role": "volunteer",
                                              "csrf_token": token}).get_data(as_text=True)
    assert "/invite/" in html and "kim@example.org" in html
    assert "/invite/" not in client.get("/users").get_data(as_text=True)


def test_two_web_processes_on_one_database_share_the_sign_in_pause_and_a_restart_keeps_it(project, sessions):
    make_people(sessions)
    first, second = make_app(project, sessions).test_client(), make_app(project, sessions).test_client()
    for client in (first, second, first, second, first):  # five failures, spread over two processes
        assert _login(client, PEOPLE["admin"], "not the password").status_code == 200
    assert _login(second, PEOPLE["admin"], PASSWORD).status_code == 429
    restarted = make_app(project, sessions).test_client()
    assert _login(restarted, PEOPLE["admin"], PASSWORD).status_code == 429


def test_failed_sign_ins_are_stored_without_the_email_or_address_in_clear(project, sessions):
    make_people(sessions)
    _login(make_app(project, sessions).test_client(), PEOPLE["admin"], "not the password")
    with sessions() as session:
        keys = list(session.scalars(select(LoginFailure.key)))
    assert len(keys) == 2 and not any("@" in key or "127.0.0.1" in key for key in keys)


def test_failures_older_than_the_window_no_longer_count(project, sessions):
    clock = [utcnow() - WINDOW - timedelta(minutes=1)]
    throttle = Throttle(clock=lambda: clock[0])
    with transaction(sessions) as session:
        for _ in range(5):
            throttle.failed(session, "email:ada@example.org")
        clock[0] = utcnow()
        assert not throttle.blocked(session, "email:ada@example.org")
        for _ in range(5):
            throttle.failed(session, "ip:10.0.0.1")
        assert throttle.blocked(session, "email:someone@example.org", "ip:10.0.0.1")


def test_a_deactivated_person_cannot_sign_in_even_with_the_right_password(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        deactivate(session, ids["volunteer"], session.get(User, ids["admin"]))
    answer = _login(make_app(project, sessions).test_client(), PEOPLE["volunteer"], PASSWORD)
    assert answer.status_code == 200 and "do not match" in answer.get_data(as_text=True)
