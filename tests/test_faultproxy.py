"""tests/faultproxy.py forwards faithfully and injects faults in each platform's format."""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import tweepy
from mastodon import MastodonNetworkError, MastodonRatelimitError

try:
    from faultproxy import PLATFORMS, FaultProxy, auth_key, route
    from mastodonserver import MastodonServer
    from xapi import XApiServer
except ImportError:  # tests/ imported as a package
    from tests.faultproxy import PLATFORMS, FaultProxy, auth_key, route
    from tests.mastodonserver import MastodonServer
    from tests.xapi import XApiServer

RATE_HEADERS = {"x": ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
                "mastodon": ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),
                "bluesky": ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")}


# ---------------------------------------------------------------- a tiny upstream


class Echo:
    """A loopback upstream that answers every request with what it received.

    ``/status/NNN`` answers NNN. Every answer carries the upstream's own rate-limit
    headers in all three spellings (limit 999) so replacement can be checked."""

    def __init__(self):
        self.seen: list[dict] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                seen = {"method": self.command, "path": self.path, "body": body,
                        "headers": dict(self.headers.items())}
                echo.seen.append(seen)
                status = int(self.path.split("/")[2]) if self.path.startswith("/status/") else 200
                data = json.dumps(seen).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Upstream", "echo")
                for names in RATE_HEADERS.values():
                    for name, value in zip(names, ("999", "998", "12345")):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo():
    upstream = Echo()
    yield upstream
    upstream.close()


@pytest.fixture
def make_proxy(echo):
    proxies = []

    def make(platform="x", **kwargs):
        kwargs.setdefault("hold", 0.6)
        proxy = FaultProxy(echo.base_url, platform=platform, **kwargs).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


def get(proxy, path="/thing", token="t1", **kwargs):
    kwargs.setdefault("timeout", 3)
    return requests.get(proxy.base_url + path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def reset_epoch(platform, headers):
    """A 429's reset header as epoch seconds (ISO 8601 for Mastodon)."""
    value = headers[RATE_HEADERS[platform][2]]
    if platform == "mastodon":
        assert value.endswith("Z") and "T" in value
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return int(value)


# ---------------------------------------------------------------- forwarding


def test_forwards_method_path_query_headers_and_body(make_proxy, echo):
    proxy = make_proxy()
    with requests.Session() as s:
        resp = s.post(proxy.base_url + "/2/tweets?a=1&b=%C3%A9", json={"text": "hé"},
                      headers={"Authorization": "Bearer abc", "X-Custom": "yes"}, timeout=3)
        again = s.delete(proxy.base_url + "/2/tweets/5", headers={"Authorization": "Bearer abc"}, timeout=3)
    assert resp.status_code == 200 and resp.headers["X-Upstream"] == "echo"
    seen = resp.json()
    assert (seen["method"], seen["path"]) == ("POST", "/2/tweets?a=1&b=%C3%A9")
    assert json.loads(seen["body"]) == {"text": "hé"}
    assert seen["headers"]["Authorization"] == "Bearer abc" and seen["headers"]["X-Custom"] == "yes"
    assert seen["headers"]["Host"] == f"127.0.0.1:{proxy.port}"          # the client's Host
    assert again.json()["method"] == "DELETE" and len(echo.seen) == 2
    assert [(r.method, r.path, r.query, r.outcome, r.status) for r in proxy.records] == [
        ("POST", "/2/tweets", "a=1&b=%C3%A9", "forwarded", 200),
        ("DELETE", "/2/tweets/5", "", "forwarded", 200)]


def test_passes_upstream_status_and_headers_through(make_proxy):
    proxy = make_proxy()
    resp = get(proxy, "/status/418")
    assert resp.status_code == 418 and resp.headers["x-rate-limit-limit"] == "999"
    assert proxy.records[0].upstream_status == 418


def test_host_can_be_rewritten_to_the_upstream(make_proxy, echo):
    proxy = make_proxy(preserve_host=False)
    assert get(proxy).json()["headers"]["Host"] == echo.base_url.split("//")[1]


def test_chunked_request_body_is_forwarded_with_a_length(make_proxy):
    proxy = make_proxy()
    resp = requests.post(proxy.base_url + "/up", data=iter([b"ab", b"cd"]), timeout=3)
    assert resp.json()["body"] == "abcd"
    assert resp.json()["headers"]["Content-Length"] == "4"


def test_unreachable_upstream_is_a_502():
    proxy = FaultProxy("http://127.0.0.1:9", hold=0.5).start()
    try:
        assert requests.get(proxy.base_url + "/x", timeout=3).status_code == 502
        assert proxy.counts["upstream_error"] == 1
    finally:
        proxy.stop()


def test_auth_key_uses_the_oauth_token_not_the_signature():
    one = 'OAuth oauth_consumer_key="ck", oauth_nonce="1", oauth_signature="a", oauth_token="at%2Dx"'
    two = 'OAuth oauth_consumer_key="ck", oauth_nonce="2", oauth_signature="b", oauth_token="at%2Dx"'
    assert auth_key(one) == auth_key(two) == "oauth:at-x"
    assert auth_key("Bearer abc") == "Bearer abc" and auth_key(None) == "-"


# ---------------------------------------------------------------- faults per platform


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky"])
def test_429_is_answered_in_the_platform_format_without_forwarding(make_proxy, echo, platform):
    proxy = make_proxy(platform, reset_in=1.5)
    proxy.fail_next("429")
    before = time.time()
    resp = get(proxy)
    assert resp.status_code == 429 and echo.seen == []
    assert resp.json() == PLATFORMS[platform].too_many
    limit, remaining, _ = RATE_HEADERS[platform]
    assert (resp.headers[limit], resp.headers[remaining]) == (
        str(PLATFORMS[platform].default_limit), "0")
    reset = reset_epoch(platform, resp.headers)
    assert before + 1.5 <= reset <= before + 2.6
    if platform == "bluesky":
        assert resp.headers["ratelimit-policy"] == "3000;w=300"
    if platform == "x":
        assert resp.headers["Content-Type"] == "application/problem+json"
        assert resp.json() == {"title": "Too Many Requests", "detail": "Too Many Requests",
                               "type": "about:blank", "status": 429}
    (record,) = proxy.records
    assert (record.outcome, record.by, record.status) == ("429", "script", 429)
    assert record.reset_at == pytest.approx(reset, abs=1e-5)
    assert get(proxy).status_code == 200


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky"])
def test_500_is_answered_in_the_platform_format_without_forwarding(make_proxy, echo, platform):
    proxy = make_proxy(platform)
    proxy.fail_next("500")
    resp = get(proxy)
    assert resp.status_code == 500 and resp.json() == PLATFORMS[platform].server_error
    assert echo.seen == [] and proxy.counts == {"500": 1}


def test_timeout_forwards_then_withholds_the_answer(make_proxy, echo):
    proxy = make_proxy(hold=0.6)
    proxy.fail_next("timeout", match=route("POST", "/2/tweets"))
    start = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(proxy.base_url + "/2/tweets", json={"text": "x"}, timeout=0.3)
    assert time.monotonic() - start < 0.6
    assert [s["path"] for s in echo.seen] == ["/2/tweets"]            # it did reach upstream
    assert proxy.wait_idle(3)
    (record,) = proxy.records
    assert (record.outcome, record.status, record.upstream_status) == ("timeout", None, 200)
    assert record.duration >= 0.6


def test_timeout_shorter_than_the_client_wait_is_a_dropped_connection(make_proxy, echo):
    proxy = make_proxy(hold=0.2)
    proxy.fail_next("timeout")
    with pytest.raises(requests.ConnectionError):
        get(proxy, timeout=3)
    assert len(echo.seen) == 1


def test_timeout_before_never_reaches_upstream(make_proxy, echo):
    proxy = make_proxy(hold=0.5)
    proxy.fail_next("timeout_before")
    with pytest.raises(requests.ReadTimeout):
        get(proxy, timeout=0.2)
    assert proxy.wait_idle(3) and echo.seen == []
    assert proxy.counts == {"timeout_before": 1}


def test_fail_next_counts_and_matches(make_proxy):
    proxy = make_proxy()
    proxy.fail_next("500", count=2, match=route("POST"))
    assert get(proxy).status_code == 200
    statuses = [requests.post(proxy.base_url + "/p", timeout=3).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    with pytest.raises(ValueError):
        proxy.fail_next("drop")


def test_stop_releases_a_held_request_quickly(echo):
    proxy = FaultProxy(echo.base_url, hold=30).start()
    proxy.fail_next("timeout_before")
    errors = []
    thread = threading.Thread(target=lambda: errors.append(_expect_error(proxy)))
    thread.start()
    time.sleep(0.2)
    start = time.monotonic()
    proxy.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - start < 3
    assert isinstance(errors[0], requests.ConnectionError)


def _expect_error(proxy):
    try:
        get(proxy, timeout=10)
    except requests.RequestException as e:
        return e
    return None


# ---------------------------------------------------------------- storm


def outcomes(proxy, n, path="/thing"):
    with requests.Session() as s:
        return [s.get(proxy.base_url + path, headers={"Authorization": f"Bearer k{i}"},
                      timeout=3).status_code for i in range(n)]


def test_storm_fails_about_the_share_asked_and_is_seeded(make_proxy, echo):
    first = make_proxy(seed=42)
    first.storm(rate=0.3, kinds=("429", "500"))
    got = outcomes(first, 300)
    failed = sum(code != 200 for code in got)
    assert 60 <= failed <= 120
    assert {429, 500} <= set(got)
    assert len(echo.seen) == 300 - failed
    assert first.counts["forwarded"] == 300 - failed
    assert all(r.by == "storm" for r in first.records if r.outcome != "forwarded")
    second = make_proxy(seed=42)
    second.storm(rate=0.3, kinds=("429", "500"))
    assert outcomes(second, 300) == got


def test_storm_only_hits_matching_requests_and_calms(make_proxy):
    proxy = make_proxy()
    proxy.storm(rate=1.0, kinds=("500",), match=route("POST", "/2/tweets"))
    assert get(proxy, "/2/tweets").status_code == 200
    assert requests.post(proxy.base_url + "/2/tweets", timeout=3).status_code == 500
    proxy.calm()
    assert requests.post(proxy.base_url + "/2/tweets", timeout=3).status_code == 200


# ---------------------------------------------------------------- limiter


def wait_for_window_start(window):
    time.sleep(window - time.time() % window + 0.02)


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky"])
def test_limiter_windows_and_headers(make_proxy, echo, platform):
    proxy = make_proxy(platform)
    proxy.limit(requests=3, window=1)
    limit_h, remaining_h, reset_h = RATE_HEADERS[platform]
    wait_for_window_start(1)
    answers = [get(proxy, token="a") for _ in range(4)]
    other = get(proxy, token="b")
    assert [r.status_code for r in answers] == [200, 200, 200, 429] and other.status_code == 200
    assert [r.headers[remaining_h] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers[limit_h] for r in answers} == {"3"}                # not the upstream's 999
    assert len(echo.seen) == 4                                           # the 429 was not forwarded
    resets = {reset_epoch(platform, r.headers) for r in answers}
    assert len(resets) == 1
    reset = resets.pop()
    assert reset == math.floor(reset) and 0 < reset - time.time() <= 1   # whole epoch second
    assert answers[3].json() == PLATFORMS[platform].too_many
    assert other.headers[remaining_h] == "2"
    if platform == "bluesky":
        assert answers[0].headers["ratelimit-policy"] == "3;w=1"
    if platform == "x":                              # the next window starts afresh
        time.sleep(max(0.0, reset - time.time()) + 0.02)
        after = get(proxy, token="a")
        assert after.status_code == 200 and after.headers[remaining_h] == "2"
    assert not proxy.violations
    assert proxy.records[3].by == "limit"
    assert proxy.records[3].reset_at == pytest.approx(reset, abs=1e-5)


def test_limiter_windows_are_aligned_to_multiples(make_proxy):
    proxy = make_proxy("x")
    proxy.limit(requests=100, window=60, match=route("GET", "/thing"))
    reset = int(get(proxy).headers["x-rate-limit-reset"])
    assert reset % 60 == 0 and 0 < reset - time.time() <= 60
    assert get(proxy, "/other").headers["x-rate-limit-limit"] == "999"   # not matched


# ---------------------------------------------------------------- violations


def test_requests_before_the_reset_are_violations(make_proxy):
    proxy = make_proxy("x", reset_in=0.5)
    proxy.fail_next("429", match=route("POST"))
    assert requests.post(proxy.base_url + "/p", headers={"Authorization": "Bearer a"},
                         timeout=3).status_code == 429
    requests.post(proxy.base_url + "/p", headers={"Authorization": "Bearer a"}, timeout=3)  # too soon
    get(proxy, token="a")                            # another route: not what was limited
    requests.post(proxy.base_url + "/p", headers={"Authorization": "Bearer b"}, timeout=3)  # other key
    reset = proxy.records[0].reset_at
    time.sleep(max(0.0, reset - time.time()) + 0.02)
    requests.post(proxy.base_url + "/p", headers={"Authorization": "Bearer a"}, timeout=3)  # in time
    (violation,) = proxy.violations
    assert violation is proxy.records[1] and violation.key == "Bearer a"
    assert [r.violation for r in proxy.records] == [False, True, False, False, False]
    assert proxy.counts == {"429": 1, "forwarded": 4}
    proxy.clear_records()
    assert proxy.records == [] and proxy.violations == []


def test_a_client_that_ignores_the_limiter_shows_violations(make_proxy):
    proxy = make_proxy("bluesky")
    proxy.limit(requests=1, window=30)
    codes = [get(proxy, token="hasty").status_code for _ in range(3)]
    assert codes == [200, 429, 429]
    assert [r.violation for r in proxy.records] == [False, False, True]


# ---------------------------------------------------------------- X fake and tweepy

X_CREDS = dict(consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats")


class Rewrite(requests.Session):
    """Send tweepy's https://api.twitter.com calls to the proxy, signed for the proxy URL."""

    def __init__(self, base_url, timeout):
        super().__init__()
        self.base_url, self.timeout = base_url, timeout

    def request(self, method, url, *args, **kwargs):
        url = url.replace("https://api.twitter.com", self.base_url, 1)
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def x_behind_proxy():
    with XApiServer(**X_CREDS) as x, FaultProxy(x.base_url, platform="x", hold=0.6, reset_in=0.2) as proxy:
        client = tweepy.Client(**X_CREDS)
        client.session = Rewrite(proxy.base_url, timeout=0.3)
        yield x, proxy, client


def test_tweepy_through_the_proxy_keeps_signatures_valid(x_behind_proxy):
    x, proxy, client = x_behind_proxy
    tweet = client.create_tweet(text="through the proxy")
    assert client.get_me(user_auth=True).data.username == "recoveryvoice"
    assert client.delete_tweet(tweet.data["id"]).data == {"deleted": True}
    assert all(r.signature_ok and r.status in (200, 201) for r in x.requests)
    assert proxy.counts == {"forwarded": 3}
    assert {r.key for r in proxy.records} == {"oauth:at"}


def test_tweepy_sees_the_proxy_429_and_its_reset(x_behind_proxy):
    x, proxy, client = x_behind_proxy
    proxy.fail_next("429", match=route("POST", "/2/tweets"))
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.create_tweet(text="limited")
    reset = int(info.value.response.headers["x-rate-limit-reset"])
    assert 0 < reset - time.time() <= 2 and x.requests == []
    time.sleep(max(0.0, reset - time.time()) + 0.02)
    client.create_tweet(text="limited")
    assert [t["text"] for t in x.created] == ["limited"] and not proxy.violations


def test_tweepy_timeout_is_an_unknown_outcome_the_fake_did_post(x_behind_proxy):
    x, proxy, client = x_behind_proxy
    proxy.fail_next("timeout")
    with pytest.raises(requests.ReadTimeout):
        client.create_tweet(text="did it go out?")
    assert [t["text"] for t in x.created] == ["did it go out?"]
    with pytest.raises(tweepy.Forbidden, match="duplicate"):             # the naive retry
        client.create_tweet(text="did it go out?")


def test_proxy_limiter_replaces_the_fake_headers(x_behind_proxy):
    x, proxy, client = x_behind_proxy
    proxy.limit(requests=2, window=60, match=route("POST", "/2/tweets"))
    first = client.create_tweet(text="one", user_auth=True)
    client.create_tweet(text="two")
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.create_tweet(text="three")
    headers = info.value.response.headers
    assert (headers["x-rate-limit-limit"], headers["x-rate-limit-remaining"]) == ("2", "0")
    assert int(headers["x-rate-limit-reset"]) % 60 == 0
    assert len(x.created) == 2 and first.data["text"] == "one"


# ---------------------------------------------------------------- Mastodon.py and mastodon-mock


@pytest.fixture(scope="module")
def mastodon():
    with MastodonServer() as server:
        yield server


def test_mastodon_py_reads_the_iso_reset(mastodon):
    mastodon.reset()
    with FaultProxy(mastodon.base_url, platform="mastodon", reset_in=2) as proxy:
        api = mastodon.client("alice", base_url=proxy.base_url)
        proxy.fail_next("429")
        with pytest.raises(MastodonRatelimitError):
            api.status_post("limited")
        assert abs(api.ratelimit_reset - proxy.records[0].reset_at) < 1.5
        assert api.ratelimit_remaining == 0


def test_idempotency_key_makes_the_retry_after_a_timeout_safe(mastodon):
    mastodon.reset()
    with FaultProxy(mastodon.base_url, platform="mastodon", hold=0.8) as proxy:
        api = mastodon.client("alice", base_url=proxy.base_url, request_timeout=0.4)
        proxy.fail_next("timeout", match=route("POST", "/api/v1/statuses"))
        with pytest.raises(MastodonNetworkError):
            api.status_post("once only", idempotency_key="d-1")
        retry = api.status_post("once only", idempotency_key="d-1")
        assert mastodon.texts("alice") == ["once only"]
        assert [s["id"] for s in mastodon.statuses("alice")] == [str(retry.id)]
        assert proxy.counts == {"timeout": 1, "forwarded": 1}
