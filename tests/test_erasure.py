"""Erasing an account: nothing identifying left in the database, the media folder or the networks, and a log
that still adds up and names people only by "user N"; the log's older emails become ids when upgrading."""

import json
import zipfile
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from recovery_voice import erasure, logbook
from recovery_voice.db import session_factory, transaction, upgrade
from recovery_voice.models import Deactivation, Email, LogEntry, Post, PublishingPause, Story, User
from recovery_voice.timetable import add_slot, make_slot
from recovery_voice.stories import submit
from recovery_voice.users import authenticate, deactivate, invite
from recovery_voice.worker import Worker

from test_data_export import BENCH_ALT, FIRST, GONE, POST_TEXT, SECOND, draft_of, shared_life
from test_upgrade import build_at_revision
from web_fixtures import PASSWORD, PEOPLE, csrf_from, make_app, sign_in

NAME = "Samira Quill"  # the storyteller's display name: distinctive, so a search for it finds only them


def everything_in(sessions) -> list[tuple[str, str, str]]:
    """Every value of every column of every table, as (table, column, text): the whole database, read back."""
    engine = sessions.kw["bind"]
    meta = sa.MetaData()
    meta.reflect(engine)
    found = []
    with engine.connect() as connection:
        for table in meta.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                found += [(table.name, column, value if isinstance(value, str) else json.dumps(value, default=str))
                          for column, value in row.items() if value is not None]
    return found


def traces(sessions, needles) -> list[tuple[str, str, str]]:
    """Where any of these words still appear in the database."""
    return [(table, column, needle) for table, column, value in everything_in(sessions)
            for needle in needles if needle in value]


def named_storyteller(project, sessions, clock):
    """shared_life, with the storyteller's display name set to NAME before anything happens."""
    shared = shared_life(project, sessions, clock)
    with transaction(sessions) as session:
        session.get(User, shared.people["storyteller"]).display_name = NAME
    return shared


def erase(sessions, project, user_id, clock):
    with transaction(sessions) as session:
        erasure.erase_account(session, project.config, session.get(User, user_id), clock.now)


def log_rows(sessions):
    with sessions() as session:
        return [(e.id, e.event, e.post_id, e.account, e.remote_id, e.at) for e in logbook.entries(session)]


CRISIS = "I can't go on any more. Tonight I am going to end my life."


def test_erasing_a_storyteller_leaves_nothing_identifying_in_any_table_or_the_media_folder(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    with transaction(sessions) as session:  # a story that tells the safeguarding leads at once, quoting it
        submit(session, project.config, session.get(User, shared.people["storyteller"]),
               draft_of("Tonight", CRISIS), now=clock.now)
    with sessions() as session:
        assert session.scalar(select(Email.id).where(Email.kind == "safeguarding")) is not None
    needles = [PEOPLE["storyteller"], NAME, FIRST, SECOND, GONE, BENCH_ALT, "Frozen river", CRISIS]
    assert traces(sessions, needles)  # the search finds them before erasing
    erase(sessions, project, shared.people["storyteller"], clock)
    left = [(t, c, v[:300]) for t, c, v in everything_in(sessions) if any(n in v for n in needles)]
    assert left == []
    media = project.config.media_dir
    assert not list(media.glob(f"{shared.digest}*")) and not list(media.glob(f"fitted/{shared.digest}*"))


def test_after_erasing_the_worker_takes_every_published_copy_down_from_the_network(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    assert len(project.outbox_lines()) == 1  # the story that was not withdrawn is out
    erase(sessions, project, shared.people["storyteller"], clock)
    clock.now += timedelta(minutes=1)
    Worker(project.config, sessions, clock).run_due()
    assert project.outbox_lines() == []
    with sessions() as session:
        down = session.scalars(select(LogEntry).where(LogEntry.event == "deleted")).all()
        assert len(down) == 2 and all(e.remote_id for e in down)


def test_the_log_still_adds_up_after_erasing_every_entry_kept_and_only_the_erasure_added(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    before = log_rows(sessions)
    erase(sessions, project, shared.people["storyteller"], clock)
    after = log_rows(sessions)
    assert after[:len(before)] == before
    assert [row[1] for row in after[len(before):]] == ["story_withdrawn", "deletion_requested", "account_erased"]
    with sessions() as session:
        names = logbook.display_names(session, logbook.entries(session))
    assert names[logbook.user_ref(shared.people["storyteller"])] == logbook.ERASED


def test_an_erased_account_is_a_tombstone_that_cannot_sign_in_and_keeps_its_id(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    erase(sessions, project, shared.people["storyteller"], clock)
    with sessions() as session:
        user = session.get(User, shared.people["storyteller"])
        assert user.erased_at is not None and user.display_name == "" and user.email.endswith("@erased.invalid")
        assert authenticate(session, PEOPLE["storyteller"], PASSWORD) is None
        assert authenticate(session, user.email, PASSWORD) is None
        assert session.get(Deactivation, user.id) is not None
        with pytest.raises(erasure.ErasureRefused, match="already erased"):
            erasure.erase_account(session, project.config, user, clock.now)


def test_a_volunteers_posts_stay_for_the_organisation_without_their_email(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    erase(sessions, project, shared.people["volunteer"], clock)
    ref = logbook.user_ref(shared.people["volunteer"])
    with sessions() as session:
        post = session.scalar(select(Post).where(Post.text == POST_TEXT))
        assert post.created_by == ref
    assert traces(sessions, [PEOPLE["volunteer"]]) == []


def test_an_admins_approvals_and_settings_name_them_by_id_once_they_erase_their_account(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    with transaction(sessions) as session:
        session.execute(update(User).where(User.id == shared.people["volunteer"]).values(role="admin"))
        admin = session.get(User, shared.people["admin"])
        invite(session, "newcomer@example.org", "storyteller", admin.email, now=clock.now)
        deactivate(session, shared.people["other_storyteller"], admin, now=clock.now)
        add_slot(session, project.config, make_slot(2, time(12, 0)), admin.email)
        session.add(PublishingPause(reason="We are grieving.", started_by=admin.email, started_at=clock.now,
                                    ended_by=admin.email, ended_at=clock.now))
    erase(sessions, project, shared.people["admin"], clock)
    assert traces(sessions, [PEOPLE["admin"]]) == []
    with sessions() as session:
        approvers = set(session.scalars(select(Post.approved_by).where(Post.approved_by.is_not(None))))
    assert approvers == {logbook.user_ref(shared.people["admin"])}


def test_the_last_admin_who_can_sign_in_cannot_erase_their_account_and_is_told_why(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    with sessions() as session:
        admin = session.get(User, shared.people["admin"])
        assert "only admin who can sign in" in erasure.refusal(session, admin)
        with pytest.raises(erasure.ErasureRefused, match="make someone else an admin first"):
            erasure.erase_account(session, project.config, admin, clock.now)


def test_the_command_line_log_shows_an_erased_person_as_erased_and_never_their_email(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    erase(sessions, project, shared.people["storyteller"], clock)
    shown = project.cli("log", "--format", "json", check=True).stdout
    rows = json.loads(shown)
    ref = logbook.user_ref(shared.people["storyteller"])
    assert {row["actor_name"] for row in rows if row["actor"] == ref} == {logbook.ERASED}
    assert {row["actor_name"] for row in rows if row["actor"] == logbook.user_ref(shared.people["admin"])} == {"ada"}
    table = project.cli("log", check=True).stdout
    assert f"ada ({logbook.user_ref(shared.people['admin'])})" in table  # approvers by name in the table
    assert PEOPLE["storyteller"] not in shown + table and NAME not in shown + table


def test_from_now_on_the_log_names_staff_by_user_id_whoever_calls_it_with_an_email(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    with transaction(sessions) as session:
        logbook.record(session, "paused", actor=PEOPLE["volunteer"].upper(), approved_by="someone@elsewhere.org")
    with sessions() as session:
        last = session.scalar(select(LogEntry).where(LogEntry.event == "paused"))
    assert last.actor == logbook.user_ref(shared.people["volunteer"])
    assert last.approved_by == "someone@elsewhere.org"  # not a person who signs in here: kept as given


def test_upgrading_turns_the_emails_in_the_log_into_user_ids_and_the_log_stays_append_only(project):
    engine = build_at_revision(project.database_url, "0007")
    project.engines.append(engine)
    meta = sa.MetaData()
    meta.reflect(engine, only=["users", "log_entries"])
    users, log = meta.tables["users"], meta.tables["log_entries"]
    with engine.begin() as connection:
        connection.execute(users.insert().values(id=7, email="ada@example.org", display_name="Ada",
                                                 password_hash="x", role="admin", created_at=datetime(2026, 1, 1),
                                                 session_generation=0))
        connection.execute(log.insert(), [
            {"event": "approved", "at": datetime(2026, 1, 2), "actor": "Ada@Example.org",
             "approved_by": "ada@example.org"},
            {"event": "queued", "at": datetime(2026, 1, 3), "actor": "cli-person", "approved_by": None}])
    upgrade(engine)
    with session_factory(engine)() as session:
        rows = [(e.event, e.actor, e.approved_by) for e in logbook.entries(session)]
    assert rows == [("approved", "user 7", "user 7"), ("queued", "cli-person", None)]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(log.update().values(actor="changed"))


def test_the_erase_page_says_what_will_happen_and_a_wrong_password_erases_nothing(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    page = client.get("/account/erase").get_data(as_text=True)
    assert "Your 2 stories, every version of them, your photo and the record of who read them" in page
    assert "The copy already on social media will be deleted from the networks" in page
    answer = client.post("/account/erase", data={"csrf_token": csrf_from(page), "password": "not my password"})
    assert answer.status_code == 400 and "That is not your password" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.get(User, shared.people["storyteller"]).erased_at is None


def test_erasing_from_the_web_signs_the_person_out_and_says_it_is_done(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    client = sign_in(make_app(project, sessions).test_client(), "storyteller")
    page = client.get("/account/erase").get_data(as_text=True)
    answer = client.post("/account/erase", data={"csrf_token": csrf_from(page), "password": PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/erased")
    assert "Your account is erased" in client.get("/account/erased").get_data(as_text=True)
    assert "/login" in client.get("/stories").headers["Location"]  # signed out
    with sessions() as session:
        assert session.get(User, shared.people["storyteller"]).erased_at is not None
    log = sign_in(make_app(project, sessions).test_client(), "admin").get("/log").get_data(as_text=True)
    ref = logbook.user_ref(shared.people["storyteller"])
    assert f"By a person whose account was erased ({ref})." in log and NAME not in log


def test_the_last_admins_erase_page_says_why_they_cannot_and_offers_no_form(project, sessions, clock):
    named_storyteller(project, sessions, clock)
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    page = client.get("/account/erase").get_data(as_text=True)
    assert "You are the only admin who can sign in" in page and "Yes, erase my account" not in page


def test_an_admin_handling_a_request_by_email_exports_and_then_erases_an_account_from_the_command_line(
        project, sessions, clock, tmp_path):
    shared = named_storyteller(project, sessions, clock)
    archive = tmp_path / "sam.zip"
    project.cli("users", "export", PEOPLE["storyteller"], "--output", str(archive), check=True)
    with zipfile.ZipFile(archive) as opened:
        assert json.loads(opened.read("account.json"))["display_name"] == NAME
    again = project.cli("users", "export", PEOPLE["storyteller"], "--output", str(archive))
    assert again.returncode == 1 and "already exists" in again.stderr
    kept = project.cli("users", "erase", PEOPLE["storyteller"], input="n\n")
    assert kept.returncode == 1 and "2 stories and 1 photo are deleted; 1 published copy is taken down" in kept.stdout
    with sessions() as session:
        assert session.get(User, shared.people["storyteller"]).erased_at is None
    project.cli("users", "erase", PEOPLE["storyteller"], "--yes", check=True)
    assert traces(sessions, [PEOPLE["storyteller"], NAME, FIRST]) == []
    gone = project.cli("users", "erase", PEOPLE["storyteller"], "--yes")
    assert gone.returncode == 1 and "nobody here signs in with" in gone.stderr


def test_the_command_line_refuses_to_erase_the_last_admin_and_says_why(project, sessions, clock):
    named_storyteller(project, sessions, clock)
    refused = project.cli("users", "erase", PEOPLE["admin"], "--yes")
    assert refused.returncode == 1 and "only admin who can sign in" in refused.stderr


def test_a_post_page_names_staff_to_a_volunteer_but_never_a_storytellers_account_name(project, sessions, clock):
    shared = named_storyteller(project, sessions, clock)
    with sessions() as session:
        post_id = session.get(Story, shared.kept).post_id
    volunteer = sign_in(make_app(project, sessions).test_client(), "volunteer")
    history = volunteer.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Approved by ada" in history and NAME not in history and "a storyteller" in history
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    assert NAME in admin.get(f"/posts/{post_id}").get_data(as_text=True)


def test_an_erased_admin_is_not_on_the_people_page_and_can_never_be_reactivated_counted_emailed_or_made_lead(
        project, sessions, clock):
    from recovery_voice import emails, safeguarding
    from recovery_voice.users import UserProblem, _active_admins, change_role, reactivate

    shared = named_storyteller(project, sessions, clock)
    gone = shared.people["volunteer"]
    with transaction(sessions) as session:
        session.execute(update(User).where(User.id == gone).values(role="admin", safeguarding_lead=True))
    erase(sessions, project, gone, clock)
    with transaction(sessions) as session:  # even with its access row gone, a tombstone stays a tombstone
        session.execute(sa.delete(Deactivation).where(Deactivation.user_id == gone))
    client = sign_in(make_app(project, sessions).test_client(), "admin")
    page = client.get("/users").get_data(as_text=True)
    assert f'id="person-{gone}"' not in page and f"/users/{gone}/reactivate" not in page
    answer = client.post(f"/users/{gone}/reactivate", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "their account was erased" in answer.get_data(as_text=True)
    with transaction(sessions) as session:
        me, tombstone = session.get(User, shared.people["admin"]), session.get(User, gone)
        assert _active_admins(session) == 1 and [a.id for a in emails.admins(session)] == [me.id]
        assert emails.queue(session, "review_waiting", {}, user=tombstone, now=clock.now) is None
        assert [person.id for person in safeguarding.to_tell(session)[0]] == [me.id]
        for change in (lambda: reactivate(session, gone, me), lambda: change_role(session, gone, "volunteer", me)):
            with pytest.raises(UserProblem, match="account was erased"):
                change()
        with pytest.raises(safeguarding.SafeguardingProblem):
            safeguarding.set_lead(session, gone, True, me)
