"""Publishing to Bluesky through the atproto SDK against a real PDS started on loopback."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery_voice import dispatch, logbook
from recovery_voice.accounts import check_account, list_accounts
from recovery_voice.db import transaction
from recovery_voice.models import Account, Delivery, RateLimit
from recovery_voice.posts import cancel
from recovery_voice.publishers import Part
from recovery_voice.publishers.bluesky import find_facets
from recovery_voice.publishers.tid import part_rkey
from recovery_voice.worker import Worker

from conftest import sqlite_only
from faultproxy import FaultProxy, route
from pdsserver import start_or_skip
from test_mastodon_publisher import STORY, queue, run, the_delivery

POST = "app.bsky.feed.post"
PASSWORD = "main-password-for-tests"
numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pds_behind_proxy():
    """A PDS whose login answer does not move the SDK to another URL, so a proxy in front stays in the path."""
    server = start_or_skip(did_doc_with_session=False)
    yield server
    server.stop()


def new_account(pds, name=None):
    """A fresh account with an app password, as an organisation would set one up."""
    handle = f"{name or 'org'}{next(numbers)}.test"
    account = pds.create_account(handle, PASSWORD)
    account["app_password"] = pds.app_password(handle, PASSWORD, "recovery-voice")
    return account


def bluesky_config(project, base_url, account, monkeypatch, extra_account=""):
    monkeypatch.setenv("RV_BSKY_PASSWORD", account["app_password"])
    # No link cards: these posts link to example.org, and no test may fetch a page beyond this computer.
    project.write_config(extra="[worker]\nrequest_timeout_seconds = 1\nbackoff_seconds = 0.05\n"
                               "[linkcards]\nenabled = false\n", accounts=f"""
[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{base_url}"
handle = "{account['handle']}"
app_password_env = "RV_BSKY_PASSWORD"
{extra_account}
""")
    project.init_db()
    return project


def records(pds, did):
    """Every post record in an account's repo."""
    found, cursor = [], None
    while True:
        params = {"repo": did, "collection": POST, "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = pds.xrpc("com.atproto.repo.listRecords", params=params)
        found.extend(page["records"])
        cursor = page.get("cursor")
        if not cursor or not page["records"]:
            return list(reversed(found))


def test_a_post_goes_out_under_the_record_key_chosen_when_it_was_scheduled(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    queue(project, clock)
    delivery_before, _ = the_delivery(project)
    run(project, clock)
    delivery, parts = the_delivery(project)
    record = pds.get_record(account["did"], POST, delivery_before.remote_key)
    assert record["value"]["text"] == "Our café opens at 10 today. Everyone is welcome."
    assert record["value"]["langs"] == ["en"]
    assert delivery.status == "published" and delivery.remote_id == record["uri"]
    assert delivery.remote_url == f"https://bsky.app/profile/{account['handle']}/post/{delivery_before.remote_key}"


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_links_mentions_and_hashtags_become_facets_with_byte_offsets(project, pds, monkeypatch, clock):
    account, friend = new_account(pds), new_account(pds, "friend")
    bluesky_config(project, pds.url, account, monkeypatch)
    text = f"🌱 Café morning with @{friend['handle']}: https://example.org/café?x=1. #RecoveryMonth"
    queue(project, clock, text=text)
    run(project, clock)
    [record] = records(pds, account["did"])
    encoded = text.encode()
    spans = {f["features"][0]["$type"]: encoded[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode()
             for f in record["value"]["facets"]}
    assert spans == {"app.bsky.richtext.facet#mention": f"@{friend['handle']}",
                     "app.bsky.richtext.facet#link": "https://example.org/café?x=1",
                     "app.bsky.richtext.facet#tag": "#RecoveryMonth"}
    mention = next(f for f in record["value"]["facets"] if "mention" in f["features"][0]["$type"])
    assert mention["features"][0]["did"] == friend["did"]


def test_handles_are_found_for_resolving_and_numbers_are_not_hashtags():
    assert [kind for kind, *_ in find_facets("ask @nobody.example about #42 and #hope")] == ["mention", "tag"]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_handle_the_server_does_not_know_stays_plain_text(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    queue(project, clock, text="Thank you @nobody.test and https://example.org")
    run(project, clock)
    [record] = records(pds, account["did"])
    assert [f["features"][0]["$type"] for f in record["value"]["facets"]] == ["app.bsky.richtext.facet#link"]


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_a_long_story_becomes_a_thread_replying_to_its_root_and_parent(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch, 'footer = "Need support? Call 0300 123 4567"')
    queue(project, clock, text=STORY, warning="mentions of overdose")
    run(project, clock)
    thread = records(pds, account["did"])
    assert len(thread) > 2
    assert thread[0]["value"]["text"].startswith("Content warning: mentions of overdose\n\n")
    assert thread[-1]["value"]["text"].endswith("Need support? Call 0300 123 4567")
    assert "reply" not in thread[0]["value"]
    for previous, record in zip(thread, thread[1:]):
        reply = record["value"]["reply"]
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (previous["uri"], previous["cid"])
        assert (reply["root"]["uri"], reply["root"]["cid"]) == (thread[0]["uri"], thread[0]["cid"])
    assert all(len(r["value"]["text"]) <= 300 for r in thread)


def test_one_session_is_kept_and_reused_by_later_workers(project, pds_behind_proxy, monkeypatch, clock):
    account = new_account(pds_behind_proxy)
    with FaultProxy(pds_behind_proxy.url, platform="bluesky") as proxy:
        bluesky_config(project, proxy.base_url, account, monkeypatch)
        for n in range(3):
            queue(project, clock, text=f"Post {n} from a worker that starts afresh.")
            run(project, clock)  # a new Worker each time, as after a restart
        logins = [r for r in proxy.records if r.path.endswith("com.atproto.server.createSession")]
    assert len(logins) == 1
    assert len(records(pds_behind_proxy, account["did"])) == 3
    with project.sessions() as session:
        saved = session.scalar(select(Account.session))
    # Kept encrypted: no token is readable from the database. A token in JSON would be '"eyJ...' or name its
    # "accessJwt"; ciphertext (URL-safe base64) has no quotes, so a bare "eyJ" inside it, by chance, is no token.
    assert saved and '"eyJ' not in saved and "accessJwt" not in saved and "refreshJwt" not in saved


def test_a_timeout_after_the_record_was_made_is_found_by_its_key_and_not_sent_again(
        project, pds_behind_proxy, monkeypatch, clock):
    account = new_account(pds_behind_proxy)
    with FaultProxy(pds_behind_proxy.url, platform="bluesky", hold=2.0) as proxy:
        bluesky_config(project, proxy.base_url, account, monkeypatch)
        proxy.fail_next("timeout", match=route("POST", "/xrpc/com.atproto.repo.createRecord"))
        queue(project, clock, text=STORY)
        run(project, clock)
    thread = records(pds_behind_proxy, account["did"])
    delivery, parts = the_delivery(project)
    assert delivery.status == "published" and len(parts) == len(thread) > 1
    assert len({r["value"]["text"] for r in thread}) == len(thread)


def test_a_worker_killed_mid_call_is_settled_by_looking_up_the_record_key(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    queue(project, clock)
    with transaction(project.sessions) as session:
        [claimed] = dispatch.claim_due(session, "dead-worker", clock.now, 10)
        claimed = dispatch.start_attempt(session, claimed, "dead-worker", clock.now)
    publisher = Worker(project.config, project.sessions, clock).publisher("bluesky")
    publisher.publish(Part(claimed.outgoing, 1, 1, claimed.outgoing.text))  # ... and then the worker died
    clock.now += project.config.worker.claim_timeout + timedelta(seconds=1)
    run(project, clock, rounds=2)
    assert len(records(pds, account["did"])) == 1
    delivery, parts = the_delivery(project)
    assert delivery.status == "published"
    assert parts[0][1].endswith(part_rkey(Part(claimed.outgoing, 1, 1, "")))


def test_sending_a_record_key_again_is_found_not_duplicated(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    queue(project, clock)
    with project.sessions() as session:
        [claimed] = dispatch.load_claimed(session, session.scalars(select(Delivery.id)).all())
    publisher = Worker(project.config, project.sessions, clock).publisher("bluesky")
    part = Part(claimed.outgoing, 1, 1, claimed.outgoing.text)
    first = publisher.publish(part)
    again = publisher.publish(part)  # the PDS answers 500 for a key that exists: the publisher looks it up
    assert (again.remote_id, again.cid) == (first.remote_id, first.cid)
    assert len(records(pds, account["did"])) == 1


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_cancelling_a_published_thread_deletes_every_record(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    post_id = queue(project, clock, text=STORY)
    run(project, clock)
    count = len(records(pds, account["did"]))
    with transaction(project.sessions) as session:
        cancel(session, [post_id], actor="admin@example.org", now=clock.now)
    run(project, clock)
    assert records(pds, account["did"]) == []
    with project.sessions() as session:
        assert [e.event for e in logbook.entries(session)].count("deleted") == count


def test_a_wrong_app_password_holds_the_posts_until_accounts_check_passes(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    monkeypatch.setenv("RV_BSKY_PASSWORD", "aaaa-bbbb-cccc-dddd")
    queue(project, clock)
    run(project, clock)
    with transaction(project.sessions) as session:
        [listed] = list_accounts(session, project.config)
        assert listed["state"] == "needs_attention" and "app password" in listed["last_error"]
        assert session.scalar(select(Delivery.status)) == "scheduled"
    monkeypatch.setenv("RV_BSKY_PASSWORD", account["app_password"])
    with transaction(project.sessions) as session:
        ok, said = check_account(session, project.config, "bluesky", 5)
    assert ok and said.startswith(f"signed in as @{account['handle']} ({account['did']})")
    run(project, clock)
    assert len(records(pds, account["did"])) == 1


def test_the_rate_limit_headers_are_kept_for_the_account(project, pds, monkeypatch, clock):
    account = new_account(pds)
    bluesky_config(project, pds.url, account, monkeypatch)
    queue(project, clock)
    run(project, clock)
    with project.sessions() as session:
        [allowance] = session.scalars(select(RateLimit)).all()
    assert allowance.action == "post" and allowance.remaining > 0 and allowance.reset_at > clock.now


@sqlite_only  # the network's answers and words; stored states run on both in the tests left unmarked
def test_accounts_check_on_the_command_line_verifies_every_network_without_posting(project, pds, clock):
    from mastodonserver import MastodonServer

    account = new_account(pds)
    with MastodonServer() as mastodon:
        token = mastodon.create_user("cli")
        project.write_config(accounts=f"""
[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{pds.url}"
handle = "{account['handle']}"
app_password_env = "RV_BSKY_PASSWORD"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{mastodon.base_url}"
access_token_env = "RV_MASTODON_TOKEN"
""")
        project.cli("init", check=True)
        env = {"RV_BSKY_PASSWORD": account["app_password"], "RV_MASTODON_TOKEN": token}
        checked = project.cli("accounts", "check", env=env)
        assert checked.returncode == 0, checked.stderr
        assert f"bluesky: ok: signed in as @{account['handle']}" in checked.stdout
        assert "mastodon: ok: signed in as @cli" in checked.stdout
        refused = project.cli("accounts", "check", "mastodon", env={**env, "RV_MASTODON_TOKEN": "revoked"})
        assert refused.returncode == 1 and "mastodon: PROBLEM" in refused.stdout
        listed = project.cli("accounts", "list", env=env)
        assert "needs_attention" in listed.stdout or "needs attention" in listed.stdout
        assert mastodon.statuses(token=token) == []
    assert records(pds, account["did"]) == []
