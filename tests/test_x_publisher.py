"""Publishing to X through tweepy against a loopback server that answers like X API v2."""

import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
import tweepy
from sqlalchemy import select

from recovery_voice import logbook
from recovery_voice.accounts import check_account, list_accounts
from recovery_voice.config import load_config
from recovery_voice.db import transaction
from recovery_voice.models import Account, Delivery, Post
from recovery_voice.publishers import FinalError, RetryableError, UnknownOutcome
from recovery_voice.publishers.x import classify_network_error, classify_tweepy_error
from recovery_voice.worker import Worker

from conftest import sqlite_only
from faultproxy import FaultProxy
from test_mastodon_publisher import nth_post
from test_worker import schedule
from xapi import XApiServer

CREDENTIALS = {"RV_X_CK": "consumer-key", "RV_X_CS": "consumer-secret", "RV_X_AT": "access-token",
               "RV_X_ATS": "access-token-secret"}


@pytest.fixture
def x_api():
    with XApiServer("consumer-key", "consumer-secret", "access-token", "access-token-secret",
                    username="ourcommunity") as server:
        yield server


X_ACCOUNT = """
[[accounts]]
name = "x"
platform = "x"
base_url = "{}"
consumer_key_env = "RV_X_CK"
consumer_secret_env = "RV_X_CS"
access_token_env = "RV_X_AT"
access_token_secret_env = "RV_X_ATS"
"""


@pytest.fixture
def x_project(project, x_api, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\n", accounts=X_ACCOUNT.format(x_api.base_url))
    project.init_db()
    return project


def delivery(sessions):
    with sessions() as session:
        return session.query(Delivery).one()


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_due_post_is_created_on_x_with_a_signed_request_and_its_link_logged(x_project, x_api, clock):
    [post_id] = schedule(x_project, x_project.sessions, 1, clock.now)
    Worker(x_project.config, x_project.sessions, clock).run_due()
    [tweet] = x_api.created
    assert tweet["text"] == "Day 0: our café is open, all welcome."
    assert all(r.signature_ok for r in x_api.requests)
    found = delivery(x_project.sessions)
    assert (found.status, found.remote_id) == ("published", tweet["id"])
    assert found.remote_url == f"https://x.com/i/web/status/{tweet['id']}"
    with x_project.sessions() as session:
        assert session.get(Post, post_id).status == "published"


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_content_warning_leads_the_text_on_x(x_project, x_api, clock):
    with transaction(x_project.sessions) as session:
        from recovery_voice.posts import Draft, create_post
        from recovery_voice.review import approve

        post = create_post(session, x_project.config, Draft(text="My story.", content_warning="overdose",
                                                            when=clock.now.isoformat()), now=clock.now - timedelta(minutes=1))
        approve(session, x_project.config, [post.id], "a@example.org", now=clock.now - timedelta(minutes=1))
    Worker(x_project.config, x_project.sessions, clock).run_due()
    assert x_api.created[0]["text"] == "Content warning: overdose\n\nMy story."


def test_a_rate_limit_waits_until_the_reset_header_then_publishes(x_project, x_api, clock):
    schedule(x_project, x_project.sessions, 1, clock.now)
    x_api.fail_next("429", reset_in=120)
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    waiting = delivery(x_project.sessions)
    reset = int(x_api.requests[-1].headers.get("x-rate-limit-reset", 0) or 0)
    assert waiting.status == "scheduled" and waiting.attempts == 1
    assert "rate limit" in waiting.last_error
    assert abs(waiting.run_at.timestamp() - (time.time() + 120)) < 5
    clock.now = waiting.run_at
    worker.run_due()
    assert delivery(x_project.sessions).status == "published" and len(x_api.created) == 1


def test_a_server_error_is_retried_with_backoff(x_project, x_api, clock):
    schedule(x_project, x_project.sessions, 1, clock.now)
    x_api.fail_next("503")
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    waiting = delivery(x_project.sessions)
    assert waiting.status == "scheduled" and "server error" in waiting.last_error
    assert clock.now + timedelta(seconds=14) <= waiting.run_at <= clock.now + timedelta(seconds=46)
    clock.now = waiting.run_at
    worker.run_due()
    assert delivery(x_project.sessions).status == "published"


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_duplicate_content_is_a_final_failure_with_xs_reason(x_project, x_api, clock):
    schedule(x_project, x_project.sessions, 2, clock.now, text="Same words every time.")
    Worker(x_project.config, x_project.sessions, clock).run_due()
    with x_project.sessions() as session:
        found = sorted(session.query(Delivery).all(), key=lambda d: d.id)
        entry = logbook.entries(session)[-1]
    assert [d.status for d in found] == ["published", "failed"]
    assert "duplicate" in found[1].last_error and entry.event == "failed"


def test_rejected_credentials_hold_the_accounts_posts_and_mark_it_for_attention(x_project, x_api, clock, monkeypatch):
    schedule(x_project, x_project.sessions, 2, clock.now)
    x_api.fail_next("401")
    Worker(x_project.config, x_project.sessions, clock).run_due()
    assert len(x_api.created) == 0
    with x_project.sessions() as session:
        assert {d.status for d in session.query(Delivery)} == {"scheduled"}
        account = session.query(Account).one()
        assert account.state == "needs_attention" and "credentials" in account.last_error
    with transaction(x_project.sessions) as session:
        assert list_accounts(session, x_project.config)[0]["state"] == "needs_attention"
        ok, message = check_account(session, x_project.config, "x")
    assert ok and message == "signed in as @ourcommunity"
    Worker(x_project.config, x_project.sessions, clock).run_due()
    assert len(x_api.created) == 2


def test_a_timeout_after_x_created_the_post_goes_to_review_and_is_not_resent(x_project, x_api, clock):
    schedule(x_project, x_project.sessions, 1, clock.now)
    x_api.fail_next("timeout", seconds=2)
    Worker(x_project.config, x_project.sessions, clock).run_due()
    x_api.wait_idle()
    found = delivery(x_project.sessions)
    assert found.status == "needs_review" and "may or may not have gone out" in found.last_error
    clock.now += timedelta(hours=1)
    Worker(x_project.config, x_project.sessions, clock).run_due()
    assert len(x_api.created) == 1


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_accounts_check_reports_bad_credentials_without_posting(x_project, x_api, monkeypatch):
    monkeypatch.setenv("RV_X_CS", "wrong-secret")
    config = load_config(str(x_project.config_path))
    with transaction(x_project.sessions) as session:
        ok, message = check_account(session, config, "x")
    assert not ok and "did not accept this account's credentials" in message
    assert x_api.created == []


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_missing_credential_variable_is_named(x_project, monkeypatch):
    monkeypatch.delenv("RV_X_AT")
    with transaction(x_project.sessions) as session:
        ok, message = check_account(session, x_project.config, "x")
    assert not ok and "RV_X_AT" in message


def response(status, headers=None, body=b"{}"):
    result = requests.Response()
    result.status_code, result.headers, result._content = status, headers or {}, body
    return result


def test_errors_are_classified_retryable_or_final():
    reset = int(datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp())
    limited = classify_tweepy_error(tweepy.TooManyRequests(response(429, {"x-rate-limit-reset": str(reset)})))
    assert isinstance(limited, RetryableError) and limited.retry_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert isinstance(classify_tweepy_error(tweepy.TwitterServerError(response(503))), RetryableError)
    unauthorised = classify_tweepy_error(tweepy.Unauthorized(response(401)))
    assert isinstance(unauthorised, FinalError) and unauthorised.account_problem
    duplicate = classify_tweepy_error(tweepy.Forbidden(response(
        403, body=b'{"detail":"You are not allowed to create a Tweet with duplicate content.","status":403}')))
    assert isinstance(duplicate, FinalError) and duplicate.duplicate
    bad = classify_tweepy_error(tweepy.BadRequest(response(400)))
    assert isinstance(bad, FinalError) and not bad.account_problem and not bad.duplicate


def test_network_errors_are_retryable_only_when_nothing_was_sent():
    try:
        requests.get("http://127.0.0.1:9", timeout=2)
    except requests.RequestException as error:
        assert isinstance(classify_network_error(error), RetryableError)
    assert isinstance(classify_network_error(requests.ConnectTimeout()), RetryableError)
    assert isinstance(classify_network_error(requests.ReadTimeout()), UnknownOutcome)
    assert isinstance(classify_network_error(requests.ConnectionError("Connection aborted")), UnknownOutcome)


STORY = " ".join(f"Sentence {n} of my story is about the people who walked beside me in recovery." for n in range(8))


def queue_text(project, clock, text):
    from recovery_voice.posts import Draft, create_post
    from recovery_voice.review import approve

    with transaction(project.sessions) as session:
        post = create_post(session, project.config, Draft(text=text, when=clock.now.isoformat()),
                           now=clock.now - timedelta(minutes=1))
        approve(session, project.config, [post.id], "a@example.org", now=clock.now - timedelta(minutes=1))
    return post.id


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_long_story_goes_to_x_as_a_chain_of_replies(x_project, x_api, clock):
    queue_text(x_project, clock, STORY)
    Worker(x_project.config, x_project.sessions, clock).run_due()
    tweets = x_api.created
    assert len(tweets) > 1 and all(t["text"].endswith(f"({n}/{len(tweets)})") for n, t in enumerate(tweets, 1))
    assert [t.get("in_reply_to_tweet_id") for t in tweets] == [None] + [t["id"] for t in tweets[:-1]]
    assert delivery(x_project.sessions).status == "published"


def test_a_timeout_in_the_middle_of_a_thread_asks_a_person_with_the_facts(x_project, x_api, clock):
    with FaultProxy(x_api.base_url, platform="x", hold=2.0) as proxy:
        x_project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\n", accounts=X_ACCOUNT.format(proxy.base_url))
        x_project.init_db()
        proxy.fail_next("timeout", match=nth_post(2, "/2/tweets"))
        queue_text(x_project, clock, STORY)
        worker = Worker(x_project.config, x_project.sessions, clock)
        worker.run_due()
        found = delivery(x_project.sessions)
        assert found.status == "needs_review"
        assert "Look on the account 'x'" in found.last_error and "(part 2 of" in found.last_error
        assert f"parts 1 to 1 are out" in found.last_error
        clock.now += timedelta(hours=1)
        worker.run_due()
    assert len(x_api.created) == 2  # the first part, and the second whose answer was lost: never resent


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_cancelling_a_published_thread_deletes_every_tweet(x_project, x_api, clock):
    post_id = queue_text(x_project, clock, STORY)
    worker = Worker(x_project.config, x_project.sessions, clock)
    worker.run_due()
    with transaction(x_project.sessions) as session:
        from recovery_voice.posts import cancel

        cancel(session, [post_id], actor="admin@example.org", now=clock.now)
    worker.run_due()
    assert x_api.tweets == {}
    assert delivery(x_project.sessions).deletion == "deleted"


def test_the_allowance_in_xs_headers_keeps_the_account_under_its_limit(project, clock, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with XApiServer("consumer-key", "consumer-secret", "access-token", "access-token-secret",
                    username="ourcommunity", post_limit=3, post_window=600) as server:
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\n", accounts=X_ACCOUNT.format(server.base_url))
        project.init_db()
        for n in range(5):
            queue_text(project, clock, f"Post {n} of five.")
        Worker(project.config, project.sessions, clock).run_due()
        assert len(server.created) == 3
        assert not [r for r in server.requests if r.status == 429]
        with project.sessions() as session:
            waiting = session.scalars(select(Delivery.run_at).where(Delivery.status == "scheduled")).all()
        assert len(waiting) == 2 and all(run_at > clock.now + timedelta(minutes=9) for run_at in waiting)
        listed = project.cli("accounts", "list", check=True).stdout
        assert "waiting until" in listed and "(rate limit)" in listed  # an admin can see why nothing goes out


def test_xs_24_hour_user_limit_holds_the_account_for_the_day_without_a_429(project, clock, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with XApiServer("consumer-key", "consumer-secret", "access-token", "access-token-secret",
                    username="ourcommunity", user_24h_limit=2) as server:
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\n", accounts=X_ACCOUNT.format(server.base_url))
        project.init_db()
        for n in range(3):
            queue_text(project, clock, f"Post {n} of three.")
        Worker(project.config, project.sessions, clock).run_due()
        assert len(server.created) == 2 and not [r for r in server.requests if r.status == 429]
        with project.sessions() as session:
            [waiting] = session.scalars(select(Delivery.run_at).where(Delivery.status == "scheduled")).all()
        assert waiting > clock.now + timedelta(hours=23)
