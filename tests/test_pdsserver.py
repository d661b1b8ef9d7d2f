"""The local Bluesky PDS works the way the publisher relies on: app-password login without an AppView,
posts under a record key the client chose, replays of that key rejected, deletes, rate-limit headers."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pdsserver import new_tid, start_or_skip

atproto = pytest.importorskip("atproto")
from atproto import models  # noqa: E402
from atproto.exceptions import AtProtocolError, RateLimitExceededError  # noqa: E402
from atproto_client.request import Request  # noqa: E402

POST = "app.bsky.feed.post"


@pytest.fixture(scope="module")
def pds():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def alice(pds):
    account = pds.create_account("alice.test", "alice-main-password")
    account["app_password"] = pds.app_password("alice.test", "alice-main-password", "recovery-voice")
    return account


def logged_in_client(pds, account, responses=None):
    """An SDK client logged in with the app password; every HTTP response lands in `responses`."""
    hooks = {"response": [responses.append]} if responses is not None else {}
    client = atproto.Client(base_url=pds.url, request=Request(event_hooks=hooks, timeout=30))
    # No AppView: skip the app.bsky.actor.getProfile lookup, which the PDS answers with 502.
    client.login(account["handle"], account["app_password"], fetch_bsky_profile=False)
    return client


def post_record(client, text):
    return models.AppBskyFeedPost.Record(text=text, created_at=client.get_current_time_iso(), langs=["en"])


def test_server_listens_on_loopback_only(pds):
    assert pds.url.startswith("http://127.0.0.1:")
    assert pds.plc_url.startswith("http://127.0.0.1:")
    assert pds.start_seconds < 60


def test_login_with_an_app_password_needs_no_appview(pds, alice):
    assert alice["app_password"].count("-") == 3 and alice["app_password"] != alice["password"]
    client = atproto.Client(base_url=pds.url)
    with pytest.raises(AtProtocolError):  # the default login also asks the (missing) AppView for a profile
        client.login(alice["handle"], alice["app_password"])

    client = logged_in_client(pds, alice)
    assert client.me is None
    session = client.com.atproto.server.get_session()
    assert (session.did, session.handle) == (alice["did"], "alice.test")
    # The session carries the DID document, and the SDK moves to the PDS it names.
    assert client._base_url == f"{pds.did_doc_endpoint}/xrpc"
    assert client.export_session_string()


def test_post_with_client_chosen_rkey_is_created_once_and_deleted(pds, alice):
    responses = []
    client = logged_in_client(pds, alice, responses)
    rkey = new_tid()
    started = time.monotonic()
    created = client.app.bsky.feed.post.create(alice["did"], post_record(client, "First post"), rkey=rkey)
    create_seconds = time.monotonic() - started
    assert created.uri == f"at://{alice['did']}/{POST}/{rkey}"
    assert create_seconds < 5

    write = responses[-1]
    assert write.request.url.path.endswith("/com.atproto.repo.createRecord") and write.status_code == 200
    for header in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"):
        assert header in write.headers, header
    assert int(write.headers["ratelimit-remaining"]) < int(write.headers["ratelimit-limit"])

    fetched = client.com.atproto.repo.get_record({"repo": alice["did"], "collection": POST, "rkey": rkey})
    assert fetched.cid == created.cid and fetched.value.text == "First post"

    # A replay under the same rkey is refused (the PDS answers 500 "There is already a value at key")
    # and the original stays as it was.
    with pytest.raises(AtProtocolError) as replay:
        client.app.bsky.feed.post.create(alice["did"], post_record(client, "Second try"), rkey=rkey)
    assert replay.value.response.status_code in (400, 409, 500)
    again = pds.get_record(alice["did"], POST, rkey)
    assert again["cid"] == created.cid and again["value"]["text"] == "First post"

    client.com.atproto.repo.delete_record({"repo": alice["did"], "collection": POST, "rkey": rkey})
    assert pds.get_record(alice["did"], POST, rkey) is None
    client.com.atproto.repo.delete_record({"repo": alice["did"], "collection": POST, "rkey": rkey})  # twice: fine


def test_post_rkeys_must_look_like_tids(pds, alice):
    client = logged_in_client(pds, alice)
    with pytest.raises(AtProtocolError) as bad:
        client.app.bsky.feed.post.create(alice["did"], post_record(client, "x"), rkey="not-a-tid")
    assert bad.value.response.status_code == 400


def test_too_many_logins_of_one_account_get_429_with_reset(pds):
    account = pds.create_account("bob.test", "bob-main-password")
    account["app_password"] = pds.app_password("bob.test", "bob-main-password", "recovery-voice")
    login = {"identifier": "bob.test", "password": account["app_password"]}
    # createSession: 30 per 5 minutes per account and IP. Each login takes at least 350 ms on purpose
    # (the PDS pads it against timing attacks), so spend the 30 in parallel.
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda _: pds.xrpc("com.atproto.server.createSession", login, bypass_limits=False), range(30)))
    client = atproto.Client(base_url=pds.url)
    with pytest.raises(RateLimitExceededError) as limited:
        client.login("bob.test", account["app_password"], fetch_bsky_profile=False)
    assert limited.value.limit == 30 and limited.value.remaining == 0 and limited.value.reset_at is not None
