"""Odd answers from real loopback servers are read for what they are: never "published" without an id, never
"refused" when the post may exist, never a dead end when nothing was sent, and never a call without an end."""

import time
from datetime import timedelta

import pytest

from recovery_voice.publishers import remote_text
from recovery_voice.worker import Worker

from conftest import sqlite_only
from faultproxy import FaultProxy, route
from mastodonserver import MastodonServer
from pdsserver import start_or_skip
from test_bluesky_publisher import bluesky_config, new_account, records
from test_mastodon_publisher import STORY, mastodon_config, queue, run, the_delivery
from test_x_publisher import CREDENTIALS, X_ACCOUNT
from xapi import XApiServer

STATUSES = route("POST", "/api/v1/statuses")


@pytest.fixture(scope="module")
def mastodon():
    with MastodonServer() as server:
        yield server


@pytest.fixture
def behind_proxy(project, mastodon, monkeypatch, request):
    """A project posting to a fresh Mastodon user through a fault proxy; yields (project, proxy, token)."""
    token = mastodon.create_user("ans" + str(abs(hash(request.node.nodeid)) % 10**9))
    monkeypatch.setenv("RV_MASTODON_TOKEN", token)
    with FaultProxy(mastodon.base_url, platform="mastodon", hold=0.8, trickle_every=0.2) as proxy:
        mastodon_config(project, proxy.base_url)
        yield project, proxy, token


def publish_twice(project, clock):
    """Run a round, note what it left, then a round a minute later; return the first round's status."""
    worker = run(project, clock)
    after_first = the_delivery(project)[0]
    clock.now += timedelta(minutes=1)
    worker.run_due()
    return after_first


@sqlite_only
def test_a_mastodon_200_with_an_html_page_is_resent_under_its_key_not_failed_as_refused(behind_proxy, mastodon,
                                                                                       clock):
    project, proxy, token = behind_proxy
    proxy.fail_next("html", match=STATUSES)
    queue(project, clock)
    first = publish_twice(project, clock)
    assert first.status == "scheduled" and "not a status" in first.last_error
    [status] = mastodon.statuses(token=token)  # the replay under the same key returned the first status
    delivery, parts = the_delivery(project)
    assert (delivery.status, delivery.remote_id) == ("published", status["id"]) and parts == [(1, status["id"], None)]


@sqlite_only
@pytest.mark.parametrize("kind", ["empty", "null_data"])
def test_a_mastodon_200_without_a_status_id_is_never_marked_published(behind_proxy, mastodon, clock, kind):
    project, proxy, token = behind_proxy
    proxy.fail_next(kind, match=STATUSES)
    queue(project, clock)
    first = publish_twice(project, clock)
    assert first.status == "scheduled" and first.remote_id is None
    [status] = mastodon.statuses(token=token)
    delivery, _ = the_delivery(project)
    assert (delivery.status, delivery.remote_id, delivery.remote_url) == ("published", status["id"], status["url"])


@sqlite_only
def test_a_reset_on_the_instance_lookup_is_tried_again_since_nothing_was_sent(behind_proxy, mastodon, clock):
    project, proxy, token = behind_proxy
    proxy.fail_next("reset", match=route("GET", "/api/v2/instance"))
    queue(project, clock)
    first = publish_twice(project, clock)
    assert first.status == "scheduled" and "nothing was posted" in first.last_error
    assert [r.outcome for r in proxy.records if r.method == "POST"] == ["forwarded"]
    assert the_delivery(project)[0].status == "published" and len(mastodon.statuses(token=token)) == 1


@sqlite_only
def test_a_server_without_the_v2_instance_api_takes_its_limit_from_v1(project, clock, monkeypatch, caplog):
    with MastodonServer(max_characters=2000) as big, FaultProxy(big.base_url, platform="mastodon") as proxy:
        token = big.create_user("oldserver")
        monkeypatch.setenv("RV_MASTODON_TOKEN", token)
        mastodon_config(project, proxy.base_url)
        proxy.fail_next("404", count=100, match=route("GET", "/api/v2/instance"))
        long_text = STORY[:1500].strip()
        queue(project, clock, text=long_text)
        run(project, clock)
        assert big.texts(token=token) == [long_text]  # one status: v1 said 2000
    assert the_delivery(project)[0].status == "published"
    assert "has no /api/v2/instance" in caplog.text


@sqlite_only
def test_a_trickling_mastodon_answer_is_cut_off_at_the_deadline_and_resent_under_its_key(behind_proxy, mastodon,
                                                                                        clock):
    project, proxy, token = behind_proxy  # request timeout 0.5 s; a byte every 0.2 s never trips it
    proxy.fail_next("trickle", match=STATUSES)
    queue(project, clock)
    started = time.monotonic()
    worker = run(project, clock)
    took = time.monotonic() - started
    delivery, _ = the_delivery(project)
    assert took < 3, f"the call took {took:.1f} s"
    assert delivery.status == "scheduled" and "may or may not have gone out" in delivery.last_error
    clock.now += timedelta(minutes=1)
    worker.run_due()
    assert the_delivery(project)[0].status == "published" and len(mastodon.statuses(token=token)) == 1


@sqlite_only
def test_a_long_error_body_full_of_control_characters_is_cut_short_and_cleaned(behind_proxy, mastodon, clock):
    project, proxy, token = behind_proxy
    mastodon.add_fault("status", status=422, body={"error": "\x1b[2J\x1b[31mRefused\u202e " + "blah " * 2000})
    queue(project, clock)
    run(project, clock)
    delivery, _ = the_delivery(project)
    assert delivery.status == "failed" and "Refused" in delivery.last_error
    assert len(delivery.last_error) < 500
    assert not any(ord(c) < 32 or c == "\u202e" for c in delivery.last_error)


def test_remote_text_keeps_short_plain_text_as_it_is():
    assert remote_text("Text character limit of 500 exceeded") == "Text character limit of 500 exceeded"
    assert remote_text("a\nb\tc\x07") == "a b c" and len(remote_text("x" * 1000)) == 300


# X ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def x_behind_proxy(project, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with XApiServer(*CREDENTIALS.values()) as x_api, \
            FaultProxy(x_api.base_url, platform="x", trickle_every=0.2) as proxy:
        project.write_config(extra="[worker]\nrequest_timeout_seconds = 0.5\n",
                             accounts=X_ACCOUNT.format(proxy.base_url))
        project.init_db()
        yield project, proxy, x_api


@sqlite_only
@pytest.mark.parametrize("kind", ["empty", "null_data", "html", "trickle"])
def test_an_x_answer_without_the_tweet_goes_to_a_person_never_published_without_an_id(x_behind_proxy, clock, kind):
    project, proxy, x_api = x_behind_proxy
    proxy.fail_next(kind, match=route("POST", "/2/tweets"))
    queue(project, clock)
    started = time.monotonic()
    run(project, clock)
    assert time.monotonic() - started < 3
    delivery, parts = the_delivery(project)
    assert (delivery.status, delivery.remote_id, parts) == ("needs_review", None, [])
    assert "Look on the account 'x'" in delivery.last_error
    x_api.wait_idle()
    assert len(x_api.created) == 1  # X did make it: a person finds it there


# Bluesky ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip(did_doc_with_session=False)  # the SDK stays on the proxy's URL after logging in
    yield server
    server.stop()


@sqlite_only
@pytest.mark.parametrize("kind", ["empty", "html", "trickle"])
def test_a_bluesky_create_answered_unreadably_is_looked_up_by_its_key_and_recorded(project, pds, monkeypatch, clock,
                                                                                   kind):
    account = new_account(pds)
    with FaultProxy(pds.url, platform="bluesky", trickle_every=0.2) as proxy:
        bluesky_config(project, proxy.base_url, account, monkeypatch)
        proxy.fail_next(kind, match=route("POST", "/xrpc/com.atproto.repo.createRecord"))
        queue(project, clock)
        started = time.monotonic()
        worker = Worker(project.config, project.sessions, clock)
        worker.run_due()
        took = time.monotonic() - started
        clock.now += timedelta(minutes=1)
        worker.run_due()
    [record] = records(pds, account["did"])
    delivery, _ = the_delivery(project)
    assert took < 5, f"the first round took {took:.1f} s"
    assert (delivery.status, delivery.remote_id) == ("published", record["uri"])
