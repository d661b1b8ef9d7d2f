"""The layout every page shares: the organisation and its logo, who is signed in, the current page, times with
their zone, severities in words, and accounts whose state comes from what happened to their posts."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from recovery_voice import logbook
from recovery_voice.accounts import account_health, troubled_accounts
from recovery_voice.config import ConfigError, load_config
from recovery_voice.db import transaction
from recovery_voice.models import Account, User
from recovery_voice.stories import StoryDraft, submit
from recovery_voice.posts import Draft, create_post
from recovery_voice.ratelimits import POST, exhaust
from recovery_voice.review import approve
from recovery_voice.worker import Worker
from conftest import sqlite_only
from web_fixtures import csrf_from, make_app, make_people, sign_in

# The pages are the same on either database; the account state's queries are tried on both.
T0 = datetime(2099, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday, in GMT
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a5e80000000049454e44ae426082")


def _broken_outbox(project) -> None:
    """Point the outbox at a path under a file, so every write to it fails as a full or read-only disk would."""
    (project.root / "not-a-folder").write_text("a file")
    project.write_config(accounts=f'[[accounts]]\nname = "outbox"\nplatform = "outbox"\n'
                                  f'path = "{project.root}/not-a-folder/outbox.jsonl"\n')


def _publish(project, sessions, texts, minutes: int = 1) -> None:
    """Queue and approve posts due a minute after T0, then run one worker round at T0 plus `minutes`."""
    with transaction(sessions) as session:
        ids = [create_post(session, project.config, Draft(text=text, when=(T0 + timedelta(minutes=1)).isoformat()),
                           now=T0).id for text in texts]
        approve(session, project.config, ids, "ada@example.org", now=T0)
    Worker(project.config, sessions, clock=lambda: T0 + timedelta(minutes=minutes)).run_round()


@sqlite_only
def test_the_header_names_the_organisation_and_who_is_signed_in_and_marks_the_current_page(project, sessions):
    make_people(sessions)
    client = sign_in(make_app(project, sessions).test_client(), "volunteer")
    html = client.get("/queue").get_data(as_text=True)
    assert "Test Recovery Community</span>" in html and "Signed in as <strong>val</strong>" in html
    assert '<a href="/queue" aria-current="page">Queue</a>' in html
    assert '<a href="/calendar">Calendar</a>' in html and html.count('aria-current="page"') == 1
    calendar = client.get("/calendar").get_data(as_text=True)
    assert '<a href="/calendar" aria-current="page">Calendar</a>' in calendar and '<a href="/queue">Queue</a>' in calendar
    assert 'rel="icon" href="/static/favicon.svg"' in html and 'class="logo"' not in html


@sqlite_only
def test_the_favicon_is_served_and_the_old_address_browsers_ask_for_leads_to_it(project, sessions):
    client = make_app(project, sessions).test_client()
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    old = client.get("/favicon.ico")
    assert old.status_code == 301 and old.headers["Location"].endswith("/static/favicon.svg")


@sqlite_only
def test_an_organisations_logo_from_the_config_is_shown_in_the_header_and_served(project, sessions):
    make_people(sessions)
    (project.root / "logo.png").write_bytes(PNG)
    text = project.config_path.read_text().replace('timezone = "Europe/London"',
                                                   'timezone = "Europe/London"\nlogo = "logo.png"')
    project.config_path.write_text(text)
    project._config = None
    assert project.config.logo == project.root / "logo.png"
    client = make_app(project, sessions).test_client()
    assert '<img src="/logo" alt="" class="logo">' in client.get("/login").get_data(as_text=True)
    served = client.get("/logo")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"


@sqlite_only
@pytest.mark.parametrize("logo, words", [("missing.png", "is not a file"), ("logo.exe", "must be an image file")])
def test_a_logo_that_is_missing_or_not_an_image_is_refused_with_what_to_do(project, logo, words):
    (project.root / "logo.exe").write_bytes(b"MZ")
    text = project.config_path.read_text().replace('timezone = "Europe/London"',
                                                   f'timezone = "Europe/London"\nlogo = "{logo}"')
    project.config_path.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_config(str(project.config_path))


@sqlite_only
def test_times_on_pages_always_carry_the_organisations_zone(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Winter coffee", when="2099-11-02T09:30:00+00:00"), now=T0)
        create_post(session, project.config, Draft(text="Summer coffee", when="2099-07-06T09:30:00+00:00"), now=T0)
    html = sign_in(make_app(project, sessions).test_client(), "volunteer").get("/queue").get_data(as_text=True)
    assert "Mon 2 Nov 2099, 09:30 GMT" in html and "Mon 6 Jul 2099, 10:30 BST" in html


@sqlite_only
def test_findings_say_their_severity_in_words_and_a_finding_with_nothing_to_change_is_a_gentle_note(project, sessions):
    make_people(sessions)
    with transaction(sessions) as session:
        create_post(session, project.config, Draft(text="Our clients are not junkies.", when="next-slot"), now=T0)
    html = sign_in(make_app(project, sessions).test_client(), "admin").get("/review").get_data(as_text=True)
    assert '<span class="severity">Needs changing</span>' in html
    assert '<span class="severity">Please check</span>' in html
    with transaction(sessions) as session:
        author = session.scalar(select(User).where(User.email == "sam@example.org"))
        story = submit(session, project.config, author, StoryDraft(
            "My story", "I'm an addict and proud to be in recovery.", "first_name", "Sam", ["outbox"],
            consent_until=date(2099, 1, 1)))
    own = sign_in(make_app(project, sessions).test_client(), "storyteller").get(f"/stories/{story.id}")
    finding = own.get_data(as_text=True).split('<li class="finding info gentle">', 1)[1].split("</li>", 1)[0]
    assert '<span class="severity">A note</span>' in finding and "“an addict”" in finding
    assert "<button" not in finding and "Try instead" not in finding  # their own words: nothing to press


def test_an_account_whose_posts_fail_is_failing_though_its_last_check_passed(project, sessions):
    _broken_outbox(project)
    _publish(project, sessions, ["Our café opens at ten."])
    with transaction(sessions) as session:
        [health] = account_health(session, project.config, now=T0 + timedelta(minutes=2))
        assert [a.name for a in troubled_accounts(session, project.config)] == ["outbox"]
    assert health.state == "failing" and health.troubled and health.last_success_at is None
    assert "could not write to the outbox file" in health.problem and health.last_failure_at is not None


def test_an_account_recovers_once_its_posts_go_out_again_and_keeps_its_last_failure(project, sessions):
    with transaction(sessions) as session:
        [health] = account_health(session, project.config)
        assert health.state == "unused"
        for minute, event in enumerate(["failed", "retry", "published"]):
            logbook.record(session, event, account="outbox", at=T0 + timedelta(minutes=minute),
                           error="the network said no" if event != "published" else None)
        [health] = account_health(session, project.config)
        assert health.state == "working" and not health.troubled  # its latest post went out
        assert health.last_success_at == T0 + timedelta(minutes=2) and health.last_failure == "the network said no"
        logbook.record(session, "published", account="outbox", at=T0 + timedelta(minutes=3))
        logbook.record(session, "failed", account="outbox", at=T0 + timedelta(minutes=4), error="too long")
        assert account_health(session, project.config)[0].state == "working"  # one failure in three: not yet
        logbook.record(session, "retry", account="outbox", at=T0 + timedelta(minutes=5), error="a timeout")
        [health] = account_health(session, project.config)
        assert health.state == "failing" and health.problem == "a timeout"  # the latest two of three failed


@sqlite_only
def test_an_account_waiting_for_its_allowance_says_until_when(project, sessions):
    make_people(sessions)
    reset = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=2)
    with transaction(sessions) as session:
        account_health(session, project.config)  # makes the account's row
        logbook.record(session, "published", account="outbox", at=T0)
        exhaust(session, session.scalar(select(Account.id)), POST, reset)
    html = sign_in(make_app(project, sessions).test_client(), "admin").get("/accounts").get_data(as_text=True)
    assert "Waiting" in html and "used up until" in html and ("GMT" in html or "BST" in html)
    assert "An account needs your attention" not in html  # waiting is normal, not a failure


@sqlite_only
def test_every_admin_page_names_a_failing_account_at_the_top_with_a_link_to_the_accounts_page(project, sessions):
    make_people(sessions)
    app = make_app(project, sessions)
    admin = sign_in(app.test_client(), "admin")
    assert "need your attention" not in admin.get("/review").get_data(as_text=True)
    _broken_outbox(project)
    _publish(project, sessions, ["Our café opens at ten."])
    app = make_app(project, sessions)
    admin = sign_in(app.test_client(), "admin")
    for path in ("/review", "/log", "/queue", "/calendar", "/users", "/timetable", "/publishing"):
        html = admin.get(path).get_data(as_text=True)
        assert "An account needs your attention" in html, path
        assert "<strong>outbox</strong> (outbox): its posts are failing" in html, path
        assert '<a href="/accounts">See what went wrong on the Accounts page</a>' in html, path
    accounts = admin.get("/accounts").get_data(as_text=True)
    assert "Posts are failing" in accounts and "could not write to the outbox file" in accounts
    volunteer = sign_in(app.test_client(), "volunteer").get("/queue").get_data(as_text=True)
    assert "need your attention" not in volunteer  # the Accounts page is for admins


@sqlite_only
def test_an_account_with_missing_credentials_needs_attention_after_its_check(project, sessions, monkeypatch):
    make_people(sessions)
    monkeypatch.delenv("RV_TEST_NO_SUCH_TOKEN", raising=False)  # the environment, not the code under test
    project.write_config(accounts='[[accounts]]\nname = "m"\nplatform = "mastodon"\nbase_url = "https://m.example"\n'
                                  'access_token_env = "RV_TEST_NO_SUCH_TOKEN"\n')
    admin = sign_in(make_app(project, sessions).test_client(), "admin")
    token = csrf_from(admin.get("/accounts").get_data(as_text=True))
    admin.post("/accounts/m/check", data={"csrf_token": token})
    html = admin.get("/accounts").get_data(as_text=True)
    assert "Needs attention" in html and "RV_TEST_NO_SUCH_TOKEN" in html
    review = admin.get("/review").get_data(as_text=True)
    assert "<strong>m</strong> (mastodon): it needs attention before it can post" in review


@sqlite_only
def test_the_log_names_approvers_and_actors_by_display_name_not_email(project, sessions):
    ids = make_people(sessions)
    with transaction(sessions) as session:
        logbook.record(session, "approved", approved_by="ada@example.org", at=T0)
        logbook.record(session, "paused", actor=logbook.user_ref(ids["volunteer"]), at=T0)
        logbook.record(session, "cancelled", actor="someone@elsewhere.org", at=T0)  # no account here: kept as it is
    html = sign_in(make_app(project, sessions).test_client(), "admin").get("/log").get_data(as_text=True)
    # A "user N" keeps its id beside the name, to find the person in the CSV, which holds only the id.
    assert "Approved by ada." in html and f"By val (user {ids['volunteer']})." in html
    assert "By someone@elsewhere.org." in html
    assert "ada@example.org" not in html.split("<main", 1)[1]
