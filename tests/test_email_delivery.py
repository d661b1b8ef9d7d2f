"""The email outbox: queued with its event, sent by the worker to a real SMTP server, retried, never sent twice."""

import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery_voice import email_outbox, emails
from recovery_voice.db import engine_of, transaction
from recovery_voice.models import EMAIL_FAILED, EMAIL_QUEUED, EMAIL_SENT, Email, User
from recovery_voice.worker import Worker

from conftest import sqlite_only
from web_fixtures import PEOPLE, make_people


def queue_for(sessions, config, who: str, kind="story_sent_back", now=None, **facts):
    """Queue one email for one of PEOPLE at `now`, as an event would, and return its id."""
    facts = facts or {"title": "My first year", "note": "Could you say which town?", "path": "/stories/1"}
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.email == PEOPLE[who]))
        return emails.queue(session, kind, facts, user=user, now=now)


def statuses(sessions) -> list[tuple[str, int]]:
    """Each email's status and attempts, in order."""
    with sessions() as session:
        return [(e.status, e.attempts) for e in session.scalars(select(Email).order_by(Email.id))]


def test_a_queued_email_reaches_the_smtp_server_with_its_words_and_where_to_change_them(mailing, smtp, clock):
    project, sessions, _ = mailing
    queue_for(sessions, project.config, "storyteller", now=clock.now)
    Worker(project.config, sessions, clock).run_due()
    [got] = smtp.wait_for(1)
    assert got.recipients == [PEOPLE["storyteller"]]
    assert got.message["Subject"] == 'Your story "My first year" has a note from the team'
    assert got.message["From"] == "Test Recovery Community <news@test.example>"
    assert "Could you say which town?" in got.text
    assert "http://rv.test/stories/1" in got.text
    assert "because you shared a story with Test Recovery Community" in got.text
    assert "http://rv.test/account/email" in got.text
    assert got.message.get_content_type() == "multipart/alternative"  # plain text first, then simple HTML
    html = got.message.get_body(("html",)).get_content()
    assert '<a href="http://rv.test/stories/1">http://rv.test/stories/1</a>' in html
    assert "Could you say which town?" in html and "<script" not in html
    assert statuses(sessions) == [(EMAIL_SENT, 1)]


def test_a_stopped_smtp_server_delays_emails_and_loses_none(mailing, smtp, clock):
    project, sessions, _ = mailing
    for who in ("storyteller", "other_storyteller", "volunteer"):
        queue_for(sessions, project.config, who, now=clock.now)
    smtp.stop()
    worker = Worker(project.config, sessions, clock)
    worker.run_due()
    worker.run_due()  # the first email waits its backoff; the round stops at the next refusal
    assert [status for status, _ in statuses(sessions)] == [EMAIL_QUEUED] * 3
    with sessions() as session:
        errors = [e.last_error for e in session.scalars(select(Email)) if e.last_error]
    assert errors and all("could not connect to the mail server 127.0.0.1" in error for error in errors)
    smtp.start()
    clock.now += timedelta(hours=2)
    worker.run_due()
    received = smtp.wait_for(3)
    assert sorted(r.recipients[0] for r in received) == sorted(PEOPLE[k] for k in ("storyteller", "other_storyteller",
                                                                                   "volunteer"))
    assert [status for status, _ in statuses(sessions)] == [EMAIL_SENT] * 3


def test_an_address_the_server_refuses_for_good_is_marked_failed_with_the_servers_words(mailing, smtp, clock):
    project, sessions, _ = mailing
    smtp.handler.refuse.add(PEOPLE["volunteer"])
    queue_for(sessions, project.config, "volunteer", now=clock.now)
    queue_for(sessions, project.config, "storyteller", now=clock.now)
    Worker(project.config, sessions, clock).run_due()
    assert [r.recipients for r in smtp.wait_for(1)] == [[PEOPLE["storyteller"]]]
    with sessions() as session:
        refused = session.scalar(select(Email).where(Email.to_address == PEOPLE["volunteer"]))
    assert refused.status == EMAIL_FAILED
    assert "550" in refused.last_error and "no such mailbox" in refused.last_error
    assert PEOPLE["volunteer"] not in refused.last_error  # it is logged too, and logs hold no email addresses


def test_two_workers_sending_at_once_never_send_the_same_email(mailing, smtp, clock):
    project, sessions, _ = mailing
    for number in range(30):
        queue_for(sessions, project.config, "admin", "account_attention", clock.now,
                  account=f"account-{number}", error="the token was refused", path="/accounts")
    engine = engine_of(sessions)
    threads = [threading.Thread(target=email_outbox.send_due, args=(engine, project.config, f"w{n}", clock))
               for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    received = smtp.wait_for(30)
    ids = [r.message["Message-ID"] for r in received]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert {status for status, attempts in statuses(sessions)} == {EMAIL_SENT}


def test_an_email_is_held_through_quiet_hours_and_sent_when_they_end(mailing, smtp, clock):
    project, sessions, _ = mailing
    from datetime import datetime, time as clock_time, timezone

    clock.now = datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc)  # 23:00 in London (GMT)
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.email == PEOPLE["volunteer"]))
        emails.save_choices(session, user.id, emails.Choices("each", clock_time(22, 0), clock_time(7, 30)))
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.email == PEOPLE["volunteer"]))
        emails.queue(session, "post_failed", {"excerpt": "Our café opens", "account": "outbox",
                                                               "error": "refused", "path": "/posts/1"},
                     user=user, now=clock.now)
    worker = Worker(project.config, sessions, clock)
    worker.run_due()
    assert smtp.received == []
    clock.now = datetime(2026, 12, 5, 7, 30, tzinfo=timezone.utc)
    worker.run_due()
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.slow
@sqlite_only
def test_a_worker_killed_mid_send_sends_each_email_at_most_once_more(project, smtp):
    project.write_config(smtp.config(timeout_seconds=0.5) + "[worker]\nclaim_timeout_seconds = 3\n"
                         "request_timeout_seconds = 1\nrecheck_seconds = 0.2\n")
    sessions = project.init_db()
    make_people(sessions)
    queue_for(sessions, project.config, "storyteller")
    smtp.handler.stall = 30  # the server takes the message, then never answers DATA
    command = [sys.executable, "-m", "recovery_voice", "worker", "--config", str(project.config_path)]
    first = subprocess.Popen(command, cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert smtp.handler.data_started.wait(30), "the worker never reached DATA"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert statuses(sessions)[0][0] == "sending"
    smtp.handler.stall = 0
    second = subprocess.Popen(command, cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while statuses(sessions)[0][0] != EMAIL_SENT and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # time for a wrong third send to show
    finally:
        second.terminate()
        second.wait(10)
    received = smtp.received
    assert len(received) == 2  # the copy cut off mid-send, and exactly one more
    assert received[0].message["Message-ID"] == received[1].message["Message-ID"]
    assert statuses(sessions) == [(EMAIL_SENT, 2)]


def test_sent_emails_are_forgotten_after_thirty_days_and_failed_ones_are_kept(mailing, smtp, clock):
    project, sessions, _ = mailing
    sent = queue_for(sessions, project.config, "storyteller", now=clock.now)
    smtp.handler.refuse.add(PEOPLE["volunteer"])
    refused = queue_for(sessions, project.config, "volunteer", now=clock.now)
    worker = Worker(project.config, sessions, clock)
    worker.run_due()
    clock.now += timedelta(days=29)
    worker.run_due()
    with sessions() as session:
        assert set(session.scalars(select(Email.id))) == {sent, refused}
    clock.now += timedelta(days=2)
    worker.run_due()
    with sessions() as session:
        assert set(session.scalars(select(Email.id))) == {refused}  # a failure stays for a person to see


@sqlite_only
def test_a_fresh_install_writes_each_email_to_the_workers_log_and_counts_it_sent(project):
    sessions = project.init_db()  # no [email] table: console mode
    make_people(sessions)
    queue_for(sessions, project.config, "storyteller")
    result = project.cli("worker", "--once")
    assert result.returncode == 0, result.stderr
    assert 'Your story "My first year" has a note from the team' in result.stderr
    assert "Could you say which town?" in result.stderr
    assert statuses(sessions) == [(EMAIL_SENT, 1)]


@sqlite_only
def test_an_email_whose_words_cannot_be_written_fails_alone_and_the_others_still_go(mailing, smtp, clock):
    project, sessions, _ = mailing
    broken = queue_for(sessions, project.config, "volunteer", now=clock.now, title="No note given")
    queue_for(sessions, project.config, "storyteller", now=clock.now)
    assert Worker(project.config, sessions, clock).run_round() is not None  # the round itself did not fail
    assert [r.recipients for r in smtp.wait_for(1)] == [[PEOPLE["storyteller"]]]
    with sessions() as session:
        failed = session.get(Email, broken)
    assert failed.status == EMAIL_FAILED and "'note' is undefined" in failed.last_error


def test_an_email_still_waiting_after_a_long_outage_waits_at_most_an_hour_more(mailing, smtp, clock):
    project, sessions, _ = mailing
    email_id = queue_for(sessions, project.config, "storyteller", now=clock.now)
    with transaction(sessions) as session:
        session.get(Email, email_id).attempts = 60  # about two days of an unreachable server, an hour apart
    smtp.stop()
    Worker(project.config, sessions, clock).run_due()
    with sessions() as session:
        waiting = session.get(Email, email_id)
    assert (waiting.status, waiting.attempts) == (EMAIL_QUEUED, 61)
    assert waiting.send_after == clock.now + email_outbox.LONGEST_WAIT


def test_admins_see_at_the_top_of_each_page_that_emails_are_not_going_out_and_why_until_they_do(mailing, smtp, clock):
    from web_fixtures import make_app, sign_in

    project, sessions, _ = mailing
    app = make_app(project, sessions)
    queue_for(sessions, project.config, "storyteller", now=clock.now)
    smtp.stop()
    Worker(project.config, sessions, clock).run_due()
    admin_page = sign_in(app.test_client(), "admin").get("/review").get_data(as_text=True)
    assert "Emails are not going out" in admin_page
    assert "could not connect to the mail server 127.0.0.1" in admin_page
    assert "Emails are not going out" not in sign_in(app.test_client(), "volunteer").get("/queue").get_data(as_text=True)
    smtp.start()
    clock.now += timedelta(hours=2)
    Worker(project.config, sessions, clock).run_due()
    smtp.wait_for(1)
    assert "Emails are not going out" not in sign_in(app.test_client(), "admin").get("/review").get_data(as_text=True)
