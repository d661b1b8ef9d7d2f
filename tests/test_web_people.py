"""People management: admins change roles and switch access off and on, never their own, always leaving an admin."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recovery_voice.db import transaction
from recovery_voice.models import Invitation, LogEntry, User, utcnow
from recovery_voice.users import (
    UserProblem,
    accept_invitation,
    authenticate,
    change_role,
    create_or_update_user,
    deactivate,
    invite,
    is_active,
)
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, make_people, sign_in


def _post(client, path, **data):
    """Send a form with the page's CSRF token."""
    token = csrf_from(client.get("/users").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _events(sessions, event):
    """Return the log's reasons for one kind of event."""
    with sessions() as session:
        return list(session.scalars(select(LogEntry.reason).where(LogEntry.event == event)))


def test_an_admin_makes_a_volunteer_an_admin_and_it_applies_at_their_next_page(project, sessions):
    ids = make_people(sessions)
    app = make_app(project, sessions)
    admin, volunteer = sign_in(app.test_client(), "admin"), sign_in(app.test_client(), "volunteer")
    assert volunteer.get("/review").status_code == 403
    answer = _post(admin, f"/users/{ids['volunteer']}/role", **{f"u{ids['volunteer']}-role": "admin"})
    assert answer.status_code == 302
    assert volunteer.get("/review").status_code == 200
    assert _events(sessions, "role_changed") == [f"user {ids['volunteer']}: volunteer to admin"]


def test_a_deactivated_person_is_signed_out_everywhere_and_cannot_sign_in_until_reactivated(project, sessions):
    ids = make_people(sessions)
    app = make_app(project, sessions)
    admin, storyteller = sign_in(app.test_client(), "admin"), sign_in(app.test_client(), "storyteller")
    assert _post(admin, f"/users/{ids['storyteller']}/deactivate").status_code == 302
    assert "can no longer sign in" in admin.get("/users").get_data(as_text=True)
    assert "/login" in storyteller.get("/stories").headers["Location"]
    with sessions() as session:
        assert authenticate(session, PEOPLE["storyteller"], PASSWORD) is None
    assert _post(admin, f"/users/{ids['storyteller']}/reactivate").status_code == 302
    sign_in(app.test_client(), "storyteller")
    # Named by id, never by email: the log is kept forever and a storyteller may want to stay unknown.
    assert _events(sessions, "user_deactivated") == _events(sessions, "user_reactivated") == [
        f"user {ids['storyteller']}"]


def test_an_admin_cannot_demote_or_deactivate_themselves(project, sessions):
    ids = make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    _post(client, f"/users/{ids['admin']}/role", **{f"u{ids['admin']}-role": "volunteer"})
    assert "ask another admin" in client.get("/users").get_data(as_text=True)
    _post(client, f"/users/{ids['admin']}/deactivate")
    assert "ask another admin" in client.get("/users").get_data(as_text=True)
    with sessions() as session:
        assert session.get(User, ids["admin"]).role == "admin"
    assert client.get("/review").status_code == 200


def test_the_last_admin_who_can_sign_in_cannot_be_demoted_by_anyone(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        create_or_update_user(session, "bo@example.org", PASSWORD, "admin")
    bo = make_app(project, sessions).test_client()
    token = csrf_from(bo.get("/login").get_data(as_text=True))
    bo.post("/login", data={"email": "bo@example.org", "password": PASSWORD, "csrf_token": token})
    assert _post(bo, f"/users/{ids['admin']}/deactivate").status_code == 302  # Ada is off; Bo is the last admin
    with sessions() as session:
        bo_row = session.scalar(select(User).where(User.email == "bo@example.org"))
        with pytest.raises(UserProblem, match="always be an admin"):
            change_role(session, bo_row.id, "volunteer", session.get(User, ids["admin"]))


def test_the_role_form_refuses_a_role_that_does_not_exist(project, sessions):
    ids = make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    answer = _post(client, f"/users/{ids['volunteer']}/role", **{f"u{ids['volunteer']}-role": "owner"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Not a valid choice" in html
    assert f'id="u{ids["volunteer"]}-role-error"' in html  # the message is tied to the field it is about
    with sessions() as session:
        assert session.get(User, ids["volunteer"]).role == "volunteer"


def test_people_changes_need_a_csrf_token(project, sessions):
    ids = make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    assert client.post(f"/users/{ids['volunteer']}/deactivate").status_code == 400
    assert client.post(f"/users/{ids['volunteer']}/role", data={f"u{ids['volunteer']}-role": "admin"}).status_code == 400


def test_init_admin_on_the_command_line_lets_a_deactivated_admin_back_in(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        bo = create_or_update_user(session, "bo@example.org", PASSWORD, "admin")
        deactivate(session, ids["admin"], bo)
        assert authenticate(session, PEOPLE["admin"], PASSWORD) is None
    project.cli("init", "--admin", PEOPLE["admin"], env={"RECOVERY_VOICE_ADMIN_PASSWORD": PASSWORD}, check=True)
    sign_in(make_app(project, sessions).test_client(), "admin")


def _invite_page(client, email, role="volunteer"):
    """Send the invite form and return the page it answers with."""
    return _post(client, "/users/invite", email=email, role=role).get_data(as_text=True)


def test_inviting_someone_who_has_an_account_or_an_invitation_waiting_says_so(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    assert "already has an account" in _invite_page(client, PEOPLE["volunteer"])
    assert "/invite/" in _invite_page(client, "kim@example.org")
    again = _invite_page(client, "Kim@Example.org", role="admin")
    assert "already has an invitation waiting" in again and "/invite/" not in again
    with sessions() as session:
        assert len(list(session.scalars(select(Invitation).where(Invitation.email == "kim@example.org")))) == 1


def test_accepting_an_invitation_withdraws_the_others_for_that_email(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        _, first = invite(session, "kim@example.org", "storyteller", PEOPLE["admin"])
        # Made as if a week on, when the first would have expired: both work today.
        _, second = invite(session, "kim@example.org", "admin", PEOPLE["admin"], now=utcnow() + timedelta(days=8))
        accept_invitation(session, first, "Kim", "kim's own long password")
    answer = make_app(project, sessions).test_client().get(f"/invite/{second}")
    assert answer.status_code == 410 and "not valid" in answer.get_data(as_text=True)
    assert "Withdrawn" in sign_in(make_app(project, sessions).test_client(), "admin").get("/users").get_data(as_text=True)


def test_an_unused_invitation_never_changes_an_account_that_exists(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        _, first = invite(session, "kim@example.org", "storyteller", PEOPLE["admin"])
        _, second = invite(session, "kim@example.org", "admin", PEOPLE["admin"], now=utcnow() + timedelta(days=8))
        kim = accept_invitation(session, first, "Kim", "kim's own long password")
        deactivate(session, kim.id, session.get(User, ids["admin"]))
        # An invitation left working by an earlier version, which did not withdraw the others.
        session.execute(update(Invitation).values(revoked_at=None))
    client = make_app(project, sessions).test_client()
    page = client.get(f"/invite/{second}")
    assert page.status_code == 410 and "already an account" in page.get_data(as_text=True)
    with transaction(sessions) as session, pytest.raises(UserProblem, match="already an account"):
        accept_invitation(session, second, "Mallory", "mallory's chosen password")
    with sessions() as session:
        kim = session.scalar(select(User).where(User.email == "kim@example.org"))
        assert kim.role == "storyteller" and kim.display_name == "Kim" and not is_active(session, kim.id)
        assert authenticate(session, "kim@example.org", "mallory's chosen password") is None
