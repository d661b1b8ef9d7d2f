"""Signing in, throttling, CSRF, cookies and headers, password changes and invitations."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery_voice.db import transaction
from recovery_voice.models import LoginFailure, User, utcnow
from recovery_voice.users import (
    MAX_PASSWORD,
    UserProblem,
    check_password_strength,
    deactivate,
    hash_password,
    invite,
    reactivate,
    verify_password,
)
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
    throttle = Throttle("a test secret", clock=lambda: clock[0])
    with transaction(sessions) as session:
        for _ in range(5):
            throttle.failed(session, "email:ada@example.org")
        clock[0] = utcnow()
        assert not throttle.blocked(session, "email:ada@example.org")
        for _ in range(5):
            throttle.failed(session, "email:ada@example.org", "ip:10.0.0.1")
        assert throttle.blocked(session, "email:ada@example.org", "ip:10.0.0.1")
        assert not throttle.blocked(session, "email:someone@example.org", "ip:10.0.0.1")  # the address has room


def test_a_deactivated_person_cannot_sign_in_even_with_the_right_password(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        deactivate(session, ids["volunteer"], session.get(User, ids["admin"]))
    answer = _login(make_app(project, sessions).test_client(), PEOPLE["volunteer"], PASSWORD)
    assert answer.status_code == 200 and "do not match" in answer.get_data(as_text=True)


def test_throttle_keys_are_keyed_by_the_secret_so_a_list_of_emails_cannot_find_them(project, sessions):
    with transaction(sessions) as session:
        Throttle("one secret").failed(session, "email:ada@example.org")
        Throttle("another secret").failed(session, "email:ada@example.org")
        keys = set(session.scalars(select(LoginFailure.key)))
    assert len(keys) == 2 and hashlib.sha256(b"email:ada@example.org").hexdigest() not in keys


def test_a_successful_sign_in_does_not_clear_the_failures_from_its_address(project, sessions):
    make_people(sessions)
    # The address limit lowered to five here, so the test need not make fifty guesses.
    settings = {"RV_THROTTLE": Throttle("test secret that is long enough", address_max_failures=5)}
    client = make_app(project, sessions, **settings).test_client()
    for number in range(4):  # guesses at four different people from one address
        assert _login(client, f"person{number}@example.org", "Summer2024!").status_code == 200
    assert _login(client, PEOPLE["volunteer"], PASSWORD).status_code == 302  # the sprayer's own account
    client = make_app(project, sessions, **settings).test_client()
    assert _login(client, "person4@example.org", "Summer2024!").status_code == 200  # the fifth from the address
    assert _login(client, PEOPLE["admin"], PASSWORD).status_code == 429


def _change_password(client, current, new="an even longer new password"):
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    return client.post("/account/password", data={"current": current, "new": new, "confirm": new, "csrf_token": token})


def test_wrong_current_passwords_on_the_change_password_form_pause_it_like_sign_in(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    for _ in range(5):
        assert "not right" in _change_password(client, "a guessed password").get_data(as_text=True)
    paused = _change_password(client, PASSWORD)
    assert paused.status_code == 429 and "wait 15 minutes" in paused.get_data(as_text=True)
    with sessions() as session:
        volunteer = session.scalar(select(User).where(User.email == PEOPLE["volunteer"]))
        assert verify_password(volunteer, PASSWORD)


def test_after_sign_in_next_leads_only_to_a_path_on_this_site(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    elsewhere = ["//evil.example/", "/%09/evil.example/", "%5C%5Cevil.example/", "/%5Cevil.example/",
                 "https://evil.example/", "/%0A/evil.example/", "/queue%0D%0ASet-Cookie:%20a=b", "javascript:alert(1)"]
    for raw_next, expected in [(raw, "/") for raw in elsewhere] + [("%2Fqueue%3Fpage%3D2", "/queue?page=2")]:
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        answer = client.post(f"/login?next={raw_next}", data={"email": PEOPLE["admin"], "password": PASSWORD,
                                                              "csrf_token": token})
        assert (answer.status_code, answer.headers["Location"]) == (302, expected), raw_next


def _copy_cookie(source, target):
    """Give another client the same session cookie, as a thief with a copy of it would have."""
    target.set_cookie("rv_session", source.get_cookie("rv_session").value)
    return target


def test_signing_out_ends_a_copied_session_cookie_too(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    client = sign_in(app.test_client(), "volunteer")
    thief = _copy_cookie(client, app.test_client())
    assert thief.get("/queue").status_code == 200
    token = csrf_from(client.get("/queue").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "/login" in thief.get("/queue").headers["Location"]
    sign_in(app.test_client(), "volunteer")  # signing in again works, on a new generation


def test_deactivating_someone_ends_a_copied_session_cookie_even_after_reactivation(project, sessions):
    ids = make_people(sessions)
    app = make_app(project, sessions)
    thief = _copy_cookie(sign_in(app.test_client(), "volunteer"), app.test_client())
    with transaction(sessions) as session:
        admin = session.get(User, ids["admin"])
        deactivate(session, ids["volunteer"], admin)
        reactivate(session, ids["volunteer"], admin)
    assert "/login" in thief.get("/queue").headers["Location"]


def test_signing_in_starts_a_fresh_session_so_a_token_from_before_no_longer_works(project, sessions):
    make_people(sessions)
    client = make_app(project, sessions).test_client()
    before = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": PEOPLE["volunteer"], "password": PASSWORD, "csrf_token": before})
    answer = _change_password_with_token(client, before)
    assert answer.status_code == 400 and "expired" in answer.get_data(as_text=True)


def _change_password_with_token(client, token, new="an even longer new password"):
    return client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new,
                                                  "csrf_token": token})


def test_passwords_the_app_stores_are_argon2id_at_full_cost_and_the_cheap_test_hash_still_checks(project, sessions):
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # argon2-cffi's defaults, RFC 9106's second choice
    make_people(sessions)
    with sessions() as session:
        person = session.scalar(select(User).where(User.email == PEOPLE["admin"]))
        assert verify_password(person, PASSWORD) and not verify_password(person, PASSWORD + "!")
        person.password_hash = stored
        assert verify_password(person, PASSWORD) and not verify_password(person, PASSWORD + "!")


def test_common_or_repetitive_passwords_are_refused():
    for password in ("Password123", "qwertyuiop", "1234567890", "One day at a time", "iloveyou2024",
                     "aaaaaaaaaaaa", "abababababab"):
        with pytest.raises(UserProblem, match="first ones people guess"):
            check_password_strength(password)
    check_password_strength("robin's long password")


def test_a_password_may_be_long_but_not_endless():
    passphrase = ("correct horse battery staple, and then some more words " * 20)[:MAX_PASSWORD]
    check_password_strength(passphrase)
    with pytest.raises(UserProblem, match="at most 1,000 characters"):
        check_password_strength(passphrase + "x")


def test_the_change_password_form_says_why_a_new_password_is_refused(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = _change_password(client, PASSWORD, new="password1234").get_data(as_text=True)
    assert "first ones people guess" in html
    assert _login(make_app(project, sessions).test_client(), PEOPLE["volunteer"], PASSWORD).status_code == 302


def test_one_person_mistyping_pauses_only_their_own_email_not_the_office_sharing_their_address(project, sessions):
    make_people(sessions)
    client = make_app(project, sessions).test_client()  # every test client comes from one address, as an office
    for _ in range(5):
        assert _login(client, PEOPLE["volunteer"], "not the password").status_code == 200
    assert _login(client, PEOPLE["volunteer"], PASSWORD).status_code == 429
    assert _login(client, PEOPLE["admin"], PASSWORD).status_code == 302  # a colleague at the next desk signs in


def test_an_address_is_paused_only_after_many_more_failures_than_one_email(project, sessions):
    throttle = Throttle("a test secret", max_failures=5, address_max_failures=50)
    address = "ip:192.0.2.7"
    with sessions() as session:
        for n in range(49):  # 49 different emails tried once each from one address: no email reaches its limit
            throttle.failed(session, f"email:person{n}@example.org", address)
        assert not throttle.blocked(session, "email:fresh@example.org", address)
        throttle.failed(session, "email:person49@example.org", address)
        assert throttle.blocked(session, "email:fresh@example.org", address)
        assert not throttle.blocked(session, "email:fresh@example.org", "ip:192.0.2.8")
        session.rollback()
