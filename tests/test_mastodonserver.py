"""mastodon-mock behind tests/mastodonserver.py answers Mastodon.py as documented there."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from mastodon import (Mastodon, MastodonAPIError, MastodonInternalServerError,
                      MastodonNetworkError, MastodonNotFoundError, MastodonRatelimitError,
                      MastodonUnauthorizedError)

try:
    from mastodonserver import MastodonServer
except ImportError:  # tests/ imported as a package
    from tests.mastodonserver import MastodonServer


@pytest.fixture(scope="module")
def server():
    with MastodonServer() as s:
        yield s


@pytest.fixture(autouse=True)
def fresh(request):
    """Each test that uses the shared server starts from the seed."""
    if "server" in request.fixturenames:
        request.getfixturevalue("server").reset()


@pytest.fixture(scope="module")
def tuned():
    """A second server: 300-character limit and the mock's own rate limiter (5 per minute)."""
    with MastodonServer(max_characters=300, ratelimit=(5, 60)) as s:
        yield s


@pytest.fixture
def api(server):
    return server.client("alice")


def raw_post(server, user="alice", **headers):
    """POST /api/v1/statuses with plain requests, to see status, headers and body."""
    headers["Authorization"] = f"Bearer {server.token(user)}"
    data = {k: headers.pop(k) for k in list(headers) if k in ("status", "visibility")}
    return requests.post(server.base_url + "/api/v1/statuses", headers=headers,
                         data=data or {"status": "raw"}, timeout=5)


# ------------------------------------------------------------------ the server


def test_runs_on_loopback(server):
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    assert requests.get(server.base_url + "/health", timeout=5).text == "OK"
    assert server._folder.is_dir() and server._proc.poll() is None


# ------------------------------------------------------------------ credentials


def test_verify_credentials_resolves_each_token(server):
    alice = server.client("alice").account_verify_credentials()
    bob = server.client("bob").account_verify_credentials()
    assert (alice.username, bob.username) == ("alice", "bob")
    assert alice.id != bob.id and "source" in alice
    assert server.account_id("alice") == str(alice.id)


def test_missing_or_unknown_token_is_401(server):
    for token in (None, "no-such-token"):
        api = Mastodon(access_token=token, api_base_url=server.base_url,
                       version_check_mode="none", request_timeout=5)
        with pytest.raises(MastodonUnauthorizedError, match="requires an authenticated user"):
            api.account_verify_credentials()


def test_created_user_gets_a_working_token(server):
    token = server.create_user("dora")
    assert server.client(token=token).account_verify_credentials().username == "dora"


# ------------------------------------------------------------------ Idempotency-Key


def test_same_idempotency_key_replays_the_same_status(server, api):
    first = api.status_post("hello", idempotency_key="k1")
    again = api.status_post("hello", idempotency_key="k1")
    assert again.id == first.id
    assert [s["id"] for s in server.statuses("alice")] == [str(first.id)]


def test_replay_ignores_a_different_body(server, api):
    first = api.status_post("original", idempotency_key="k2")
    again = api.status_post("changed", idempotency_key="k2")
    assert again.id == first.id and "original" in again.content
    assert server.texts("alice") == ["original"]


def test_idempotency_key_is_per_account(server, api):
    mine = api.status_post("mine", idempotency_key="shared")
    theirs = server.client("bob").status_post("theirs", idempotency_key="shared")
    assert mine.id != theirs.id
    assert server.texts("alice") == ["mine"] and server.texts("bob") == ["theirs"]


def test_concurrent_posts_with_one_key_make_one_status(server):
    ids, errors = [], []

    def post():
        try:
            ids.append(server.client("alice").status_post("race", idempotency_key="k3").id)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors and len(set(ids)) == 1
    assert len(server.statuses("alice")) == 1


def test_other_keys_post_while_the_first_is_still_remembered(server, api):
    """The mock never forgets a key (no expiry); real Mastodon keeps it for an hour."""
    first = api.status_post("one", idempotency_key="a")
    assert api.status_post("one", idempotency_key="a").id == first.id
    api.status_post("two", idempotency_key="b")
    assert server.texts("alice") == ["one", "two"]


def test_replaying_the_key_of_a_deleted_status_is_a_500(server, api):
    """A mock bug: it stores the key again and hits its unique constraint."""
    first = api.status_post("gone soon", idempotency_key="k4")
    api.status_delete(first.id)
    resp = raw_post(server, **{"Idempotency-Key": "k4", "status": "again"})
    assert resp.status_code == 500
    assert server.statuses("alice") == []


# ------------------------------------------------------------------ length limit


def test_instance_reports_500_characters(api):
    statuses = api.instance_v2().configuration.statuses
    assert statuses.max_characters == 500
    assert statuses.characters_reserved_per_url == 23
    assert statuses.max_media_attachments == 4


def test_length_counts_code_points_of_the_text_only(server, api):
    api.status_post("a" * 500)
    api.status_post("b" * 400, spoiler_text="c" * 200)           # spoiler not counted
    api.status_post("https://example.org/" + "x" * 470)          # URL counted in full (490)
    with pytest.raises(MastodonAPIError) as info:
        api.status_post("a" * 501)
    assert info.value.args[1] == 422
    assert "Text is too long (maximum is 500 characters)" in info.value.args[3]
    assert len(server.statuses("alice")) == 3


def test_max_characters_can_be_configured(tuned):
    token = tuned.create_user("len_user")
    api = tuned.client(token=token)
    assert api.instance_v2().configuration.statuses.max_characters == 300
    api.status_post("a" * 300)
    with pytest.raises(MastodonAPIError, match="maximum is 300"):
        api.status_post("a" * 301)


# ------------------------------------------------------------------ rate-limit headers


def test_no_rate_limit_headers_by_default(server):
    resp = raw_post(server)
    assert resp.status_code == 200
    assert not [h for h in resp.headers if h.lower().startswith("x-ratelimit")]


def test_injected_429_has_epoch_reset_and_retry_after(server, api):
    server.add_fault("ratelimit")
    resp = raw_post(server)
    assert resp.status_code == 429 and resp.json() == {"error": "Too many requests"}
    h = resp.headers
    assert (h["X-RateLimit-Limit"], h["X-RateLimit-Remaining"], h["Retry-After"]) == ("300", "0", "300")
    assert abs(int(h["X-RateLimit-Reset"]) - (time.time() + 300)) < 3
    assert raw_post(server).status_code == 200     # count=1: the next one goes through
    assert server.texts("alice") == ["raw"]


def test_mastodon_py_throws_and_reads_the_reset(server, api):
    server.add_fault("ratelimit")
    with pytest.raises(MastodonRatelimitError):
        api.status_post("limited")
    assert 295 < api.ratelimit_reset - time.time() < 302
    reset = datetime.now(timezone.utc) + timedelta(seconds=42)
    server.add_fault("ratelimit", headers={"X-RateLimit-Reset": reset.isoformat()})
    with pytest.raises(MastodonRatelimitError):
        api.status_post("limited")
    assert 38 < api.ratelimit_reset - time.time() < 44
    assert server.statuses("alice") == []


def test_built_in_limiter_sends_headers_on_every_answer(tuned):
    token = tuned.create_user("rl_user")
    headers = {"Authorization": f"Bearer {token}"}
    url = tuned.base_url + "/api/v1/accounts/verify_credentials"
    answers = [requests.get(url, headers=headers, timeout=5) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"5"}
    resets = {int(r.headers["X-RateLimit-Reset"]) for r in answers}   # epoch seconds
    assert len(resets) == 1 and 50 < resets.pop() - time.time() <= 61
    assert answers[-1].json() == {"error": "Too many requests"}
    api = tuned.client(token=token)
    with pytest.raises(MastodonRatelimitError):
        api.status_post("over")
    other = tuned.client(token=tuned.create_user("rl_other"))        # own bucket
    assert other.status_post("fine").id
    for _ in range(8):                        # control calls use throwaway tokens: no 429
        assert tuned.faults() == []


# ------------------------------------------------------------------ faults


def test_status_fault_creates_nothing(server, api):
    server.add_fault("status")
    with pytest.raises(MastodonInternalServerError, match="An unexpected error occurred"):
        api.status_post("boom")
    server.add_fault("status", status=503, body={"error": "down"})
    with pytest.raises(MastodonAPIError) as info:
        api.status_post("boom")
    assert info.value.args[1] == 503
    assert server.statuses("alice") == []


def test_malformed_fault_answers_200_with_broken_json(server):
    server.add_fault("malformed")
    resp = raw_post(server)
    assert resp.status_code == 200 and resp.text == '{"error": "truncated'
    assert server.statuses("alice") == []


def test_latency_within_the_timeout_still_posts(server):
    server.add_fault("latency", delay_ms=300)
    api = server.client("alice", request_timeout=3)
    start = time.monotonic()
    api.status_post("slow")
    assert time.monotonic() - start >= 0.3
    assert server.texts("alice") == ["slow"]


def test_latency_past_the_client_timeout_creates_nothing(server):
    """Once the client hangs up the mock loses the body: no late post, no unknown outcome."""
    server.add_fault("latency", delay_ms=800)
    api = server.client("alice", request_timeout=0.3)
    with pytest.raises(MastodonNetworkError):
        api.status_post("never")
    time.sleep(0.8)
    assert server.statuses("alice") == []


def test_fault_rules_budget_match_and_clear(server, api):
    rule = server.add_fault("status", count=2, path_regex=r"^/api/v1/statuses$", path=None)
    assert rule["remaining"] == 2 and server.faults()[0]["id"] == rule["id"]
    for _ in range(2):
        with pytest.raises(MastodonInternalServerError):
            api.status_post("x")
    assert server.faults() == []
    api.status_post("ok")
    server.add_fault("status", count=None, methods=None, path="/api/v1/accounts/*")
    with pytest.raises(MastodonInternalServerError):
        api.account_verify_credentials()
    assert server.faults()                      # the control plane is never faulted
    server.clear_faults()
    assert api.account_verify_credentials().username == "alice"


def test_reset_clears_faults_and_statuses(server, api):
    api.status_post("before reset")
    server.add_fault("status", count=None)
    server.reset()
    assert server.faults() == [] and server.statuses("alice") == []


# ------------------------------------------------------------------ statuses


def test_reply_spoiler_language_visibility_round_trip(server, api):
    root = api.status_post("root")
    reply = api.status_post("reply", in_reply_to_id=root.id, spoiler_text="cw",
                            language="de", visibility="unlisted")
    assert reply.in_reply_to_id == root.id
    assert reply.in_reply_to_account_id == root.account.id
    assert (reply.spoiler_text, reply.language, reply.visibility) == ("cw", "de", "unlisted")
    fetched = api.status(reply.id)
    assert (fetched.spoiler_text, fetched.language, fetched.in_reply_to_id) == ("cw", "de", root.id)


def test_mock_accepts_what_mastodon_would_refuse(server, api):
    orphan = api.status_post("reply to nothing", in_reply_to_id=99999999)
    assert str(orphan.in_reply_to_id) == "99999999"
    assert raw_post(server, status="odd", visibility="bogus").json()["visibility"] == "bogus"


def test_delete_then_404(server, api):
    status = api.status_post("short-lived")
    deleted = api.status_delete(status.id)
    assert deleted.id == status.id
    with pytest.raises(MastodonNotFoundError, match="Record not found"):
        api.status(status.id)
    with pytest.raises(MastodonNotFoundError):
        api.status_delete(status.id)
    assert server.statuses("alice") == []


def test_statuses_lists_every_status_across_pages(server, api):
    for i in range(45):
        api.status_post(f"post {i}", visibility="direct" if i % 10 == 0 else "public")
    api.status_post("post 0")                                   # a duplicate text
    listed = server.statuses("alice")
    assert len(listed) == 46 and len({s["id"] for s in listed}) == 46
    texts = server.texts("alice")
    assert texts.count("post 0") == 2 and texts[-1] == "post 0" and texts[1] == "post 1"
    assert server.statuses("bob") == []


# ------------------------------------------------------------------ lifecycle (last: stops `tuned`)


def test_stop_ends_the_process_and_deletes_its_folder(tuned):
    folder, proc, port = tuned._folder, tuned._proc, tuned.port
    tuned.stop()
    assert proc.poll() is not None and not folder.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
    tuned.stop()                                                  # idempotent
