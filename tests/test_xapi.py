"""The loopback X API fake answers tweepy the way X does."""

from __future__ import annotations

import time

import pytest
import requests
import tweepy
from requests_oauthlib import OAuth1

try:
    from xapi import XApiServer, weighted_length
except ImportError:  # tests/ imported as a package
    from tests.xapi import XApiServer, weighted_length

X_HOST = "https://api.twitter.com"
CREDS = dict(consumer_key="ck", consumer_secret="cs",
             access_token="at", access_token_secret="ats")


class LoopbackSession(requests.Session):
    """Sends tweepy's hard-coded https://api.twitter.com calls to the fake.

    The URL is rewritten before the request is prepared, so OAuth signs the
    loopback URL that is actually called."""

    def __init__(self, base_url: str, timeout: float | None = None):
        super().__init__()
        self.base_url = base_url
        self.default_timeout = timeout

    def request(self, method, url, *args, **kwargs):
        if isinstance(url, str) and url.startswith(X_HOST):
            url = self.base_url + url[len(X_HOST):]
        if self.default_timeout is not None:
            kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_client(x: XApiServer, timeout: float | None = 5, **overrides) -> tweepy.Client:
    kwargs = dict(CREDS)
    kwargs.update(overrides)
    client = tweepy.Client(**kwargs)
    client.session = LoopbackSession(x.base_url, timeout=timeout)
    return client


@pytest.fixture
def x():
    with XApiServer(**CREDS, user_id="1001", username="recoveryvoice") as server:
        yield server


@pytest.fixture
def client(x):
    return make_client(x)


# ---------------------------------------------------------------- create


def test_create_tweet_returns_response_with_snowflake_id(x, client):
    resp = client.create_tweet(text="Recovery is possible.")
    assert isinstance(resp, tweepy.Response)
    tweet_id = resp.data["id"]
    assert isinstance(tweet_id, str) and tweet_id.isdigit() and len(tweet_id) == 19
    assert resp.data["text"] == "Recovery is possible."
    assert resp.data["edit_history_tweet_ids"] == [tweet_id]
    assert x.tweets[tweet_id]["text"] == "Recovery is possible."
    assert x.tweets[tweet_id]["in_reply_to_tweet_id"] is None
    assert [t["id"] for t in x.created] == [tweet_id]
    (req,) = x.requests
    assert (req.method, req.path, req.status, req.signature_ok) == ("POST", "/2/tweets", 201, True)
    assert req.json == {"text": "Recovery is possible."}
    assert req.headers["authorization"].startswith("OAuth ")


def test_ids_increase(client):
    ids = [int(client.create_tweet(text=f"post {i}").data["id"]) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_reply_thread(x, client):
    first = client.create_tweet(text="1/3 A thread about peer support.").data["id"]
    second = client.create_tweet(text="2/3 It starts with listening.",
                                 in_reply_to_tweet_id=first).data["id"]
    third = client.create_tweet(text="3/3 And keeps going.",
                                in_reply_to_tweet_id=second).data["id"]
    tweets = x.tweets
    assert tweets[second]["in_reply_to_tweet_id"] == first
    assert tweets[third]["in_reply_to_tweet_id"] == second
    assert x.requests[-1].json == {"text": "3/3 And keeps going.",
                                   "reply": {"in_reply_to_tweet_id": second}}


def test_reply_to_unknown_tweet_is_refused(x, client):
    with pytest.raises(tweepy.Forbidden) as e:
        client.create_tweet(text="orphan", in_reply_to_tweet_id="1234567890123456789")
    assert "deleted or not visible" in str(e.value)
    assert x.created == []


def test_reply_to_unknown_tweet_as_400_when_configured():
    with XApiServer(**CREDS, reply_missing_status=400) as x:
        with pytest.raises(tweepy.BadRequest):
            make_client(x).create_tweet(text="orphan", in_reply_to_tweet_id="1")


def test_duplicate_text_is_forbidden(x, client):
    first = client.create_tweet(text="Same words twice").data["id"]
    with pytest.raises(tweepy.Forbidden) as e:
        client.create_tweet(text="Same words twice")
    assert "duplicate content" in str(e.value)
    assert e.value.response.status_code == 403
    assert e.value.response.json() == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank", "title": "Forbidden", "status": 403}
    assert len(x.created) == 1
    # once the original is gone the text may be posted again
    client.delete_tweet(first)
    client.create_tweet(text="Same words twice")
    assert len(x.created) == 2


@pytest.mark.parametrize("text", ["", "a" * 281, "恢" * 141])
def test_empty_or_too_long_text_is_invalid_request(x, client, text):
    with pytest.raises(tweepy.BadRequest) as e:
        client.create_tweet(text=text)
    body = e.value.response.json()
    assert body["title"] == "Invalid Request"
    assert body["detail"] == "One or more parameters to your request was invalid."
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["message"]
    assert x.created == []


def test_weighted_length_limits(client):
    assert weighted_length("a" * 280) == 280
    assert weighted_length("恢" * 140) == 280
    assert weighted_length("🙂") == 2 and weighted_length("👩🏽‍💻") == 2
    long_url = "https://example.org/" + "p" * 200
    assert weighted_length("a" * 256 + " " + long_url) == 280
    client.create_tweet(text="a" * 280)
    client.create_tweet(text="恢" * 140)
    client.create_tweet(text="b" * 256 + " " + long_url)


# ---------------------------------------------------------------- delete / me / lookups


def test_delete_tweet(x, client):
    tweet_id = client.create_tweet(text="to be removed").data["id"]
    resp = client.delete_tweet(tweet_id)
    assert resp.data == {"deleted": True}
    assert x.tweets == {}
    assert len(x.created) == 1
    assert x.requests[-1].method == "DELETE" and x.requests[-1].path == f"/2/tweets/{tweet_id}"
    # deleting again: 200 with deleted false
    assert client.delete_tweet(tweet_id).data == {"deleted": False}


def test_delete_missing_as_404_when_configured():
    with XApiServer(**CREDS, delete_missing="404") as x:
        with pytest.raises(tweepy.NotFound):
            make_client(x).delete_tweet("1234")


def test_get_me(x, client):
    resp = client.get_me(user_auth=True)
    assert resp.data.id == 1001
    assert resp.data.username == "recoveryvoice"
    assert resp.data.name == "recoveryvoice"
    assert x.created == []


def test_query_parameters_are_signed(x, client):
    resp = client.get_me(user_auth=True, user_fields=["created_at", "description"])
    assert resp.data.username == "recoveryvoice"
    req = x.requests[-1]
    assert req.query == "user.fields=created_at%2Cdescription" and req.signature_ok


def test_tampered_query_is_rejected(x):
    session = requests.Session()
    auth = OAuth1("ck", "cs", "at", "ats")
    prepared = session.prepare_request(
        requests.Request("GET", x.base_url + "/2/users/me?user.fields=id", auth=auth))
    prepared.url = x.base_url + "/2/users/me?user.fields=description"
    resp = session.send(prepared, timeout=5)
    assert resp.status_code == 401
    assert x.requests[-1].auth_error == "invalid signature"


def test_get_tweet_and_users_tweets(x, client):
    a = client.create_tweet(text="older").data["id"]
    b = client.create_tweet(text="newer").data["id"]
    assert client.get_tweet(a, user_auth=True).data.text == "older"
    timeline = client.get_users_tweets(1001, user_auth=True)
    assert [t.id for t in timeline.data] == [int(b), int(a)]
    client.delete_tweet(a)
    missing = client.get_tweet(a, user_auth=True)
    assert missing.data is None and "Could not find tweet" in missing.errors[0]["detail"]


# ---------------------------------------------------------------- rate limits


def test_every_answer_carries_rate_limit_headers(x):
    client = make_client(x, return_type=requests.Response)
    before = time.time()
    resp = client.create_tweet(text="counted")
    assert resp.status_code == 201
    assert resp.headers["x-rate-limit-limit"] == "100"
    assert resp.headers["x-rate-limit-remaining"] == "99"
    assert before + 890 <= int(resp.headers["x-rate-limit-reset"]) <= time.time() + 901  # rounded up
    me = client.get_me(user_auth=True)
    assert me.headers["x-rate-limit-limit"] == "75"
    assert me.headers["x-rate-limit-remaining"] == "74"
    assert x.rate_limit("POST /2/tweets")["x-rate-limit-remaining"] == "99"


def test_exhausted_window_answers_429():
    with XApiServer(**CREDS, post_limit=2, post_window=60) as x:
        client = make_client(x)
        client.create_tweet(text="one")
        client.create_tweet(text="two")
        with pytest.raises(tweepy.TooManyRequests) as e:
            client.create_tweet(text="three")
        headers = e.value.response.headers
        assert headers["x-rate-limit-limit"] == "2"
        assert headers["x-rate-limit-remaining"] == "0"
        assert time.time() < int(headers["x-rate-limit-reset"]) <= time.time() + 61  # rounded up
        assert "retry-after" not in headers
        assert e.value.response.json() == {"title": "Too Many Requests", "detail": "Too Many Requests",
                                           "type": "about:blank", "status": 429}
        assert len(x.created) == 2
        client.get_me(user_auth=True)  # other endpoints have their own window


def test_scripted_429(x, client):
    x.fail_next("429", reset_in=120)
    with pytest.raises(tweepy.TooManyRequests) as e:
        client.create_tweet(text="later")
    reset = int(e.value.response.headers["x-rate-limit-reset"])
    assert abs(reset - (time.time() + 120)) <= 2
    assert e.value.reset_time == reset
    assert e.value.response.headers["x-rate-limit-remaining"] == "0"
    assert "retry-after" not in e.value.response.headers
    assert x.created == []
    client.create_tweet(text="later")  # only the next one was scripted


def test_user_24h_limit():
    with XApiServer(**CREDS, user_24h_limit=1) as x:
        client = make_client(x, return_type=requests.Response)
        ok = client.create_tweet(text="only one today")
        assert ok.headers["x-user-limit-24hour-remaining"] == "0"
        with pytest.raises(tweepy.TooManyRequests):
            client.create_tweet(text="one too many")


# ---------------------------------------------------------------- auth


@pytest.mark.parametrize("override", [{"consumer_secret": "wrong"},
                                      {"access_token_secret": "wrong"},
                                      {"consumer_key": "other"}])
def test_bad_credentials_are_unauthorized(x, override):
    client = make_client(x, **override)
    with pytest.raises(tweepy.Unauthorized) as e:
        client.create_tweet(text="nope")
    assert e.value.response.json() == {"title": "Unauthorized", "type": "about:blank",
                                       "status": 401, "detail": "Unauthorized"}
    assert x.requests[-1].signature_ok is False
    assert x.created == []


def test_missing_oauth_header_is_unauthorized(x):
    client = tweepy.Client(bearer_token="app-only")
    client.session = LoopbackSession(x.base_url, timeout=5)
    with pytest.raises(tweepy.Unauthorized):
        client.create_tweet(text="nope", user_auth=False)
    assert x.requests[-1].auth_error == "no OAuth Authorization header"


def test_replayed_request_is_rejected(x, client):
    client.get_me(user_auth=True)
    signed = x.requests[-1].headers["authorization"]
    replay = requests.get(x.base_url + "/2/users/me", headers={"Authorization": signed}, timeout=5)
    assert replay.status_code == 401
    assert x.requests[-1].auth_error == "nonce already used"


def test_fixed_nonce_is_accepted_once(x):
    auth = OAuth1("ck", "cs", "at", "ats", nonce="fixednonce123", timestamp=str(int(time.time())))
    assert requests.get(x.base_url + "/2/users/me", auth=auth, timeout=5).status_code == 200
    assert requests.get(x.base_url + "/2/users/me", auth=auth, timeout=5).status_code == 401


def test_stale_timestamp_is_rejected(x):
    auth = OAuth1("ck", "cs", "at", "ats", timestamp=str(int(time.time()) - 301))
    resp = requests.get(x.base_url + "/2/users/me", auth=auth, timeout=5)
    assert resp.status_code == 401
    assert x.requests[-1].auth_error == "timestamp out of range"


# ---------------------------------------------------------------- scripted failures


@pytest.mark.parametrize("kind, exc", [("401", tweepy.Unauthorized),
                                       ("400", tweepy.BadRequest),
                                       ("500", tweepy.TwitterServerError),
                                       ("503", tweepy.TwitterServerError)])
def test_scripted_errors(x, client, kind, exc):
    x.fail_next(kind)
    with pytest.raises(exc) as e:
        client.create_tweet(text="scripted")
    assert e.value.response.status_code == int(kind)
    assert x.created == []


def test_503_body(x, client):
    x.fail_next("503", count=2)
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError) as e:
            client.create_tweet(text="busy")
        assert e.value.response.json() == {"title": "Service Unavailable",
                                           "detail": "Service Unavailable",
                                           "type": "about:blank", "status": 503}
    client.create_tweet(text="busy")
    assert len(x.created) == 1


def test_fail_next_matches_method_and_path(x, client):
    x.fail_next("503", method="DELETE")
    tweet_id = client.create_tweet(text="kept").data["id"]  # POST is not affected
    with pytest.raises(tweepy.TwitterServerError):
        client.delete_tweet(tweet_id)
    assert tweet_id in x.tweets
    x.fail_next("500", method=None, path_prefix="/2/users/me")
    with pytest.raises(tweepy.TwitterServerError):
        client.get_me(user_auth=True)


def test_timeout_leaves_the_tweet_created(x):
    client = make_client(x, timeout=0.15)
    x.fail_next("timeout", seconds=0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.create_tweet(text="did it post?")
    assert [t["text"] for t in x.tweets.values()] == ["did it post?"]
    # a blind retry now hits X's duplicate check
    with pytest.raises(tweepy.Forbidden):
        client.create_tweet(text="did it post?")
    assert x.wait_idle(2)
    assert len(x.created) == 1


def test_drop_after_create(x, client):
    x.fail_next("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create_tweet(text="lost answer")
    assert [t["text"] for t in x.created] == ["lost answer"]
    assert x.requests[-1].status is None
    client.get_me(user_auth=True)  # the client recovers on a fresh connection


def test_drop_before_create(x, client):
    x.fail_next("drop", after_create=False)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create_tweet(text="never made")
    assert x.created == []


def test_latency(x, client):
    x.latency = 0.05
    start = time.monotonic()
    client.get_me(user_auth=True)
    assert time.monotonic() - start >= 0.05


def test_fail_next_rejects_unknown_kind(x):
    with pytest.raises(ValueError):
        x.fail_next("418")
    with pytest.raises(ValueError):
        x.fail_next("timeout")


# ---------------------------------------------------------------- media (v2 simple upload and metadata)


def picture(fmt: str = "PNG", size=(48, 32)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def upload(x, data: bytes, mime: str = "image/png", category: str | None = "tweet_image", auth=None):
    fields = {"media_category": category} if category is not None else {}
    return requests.post(x.base_url + "/2/media/upload", auth=auth or OAuth1("ck", "cs", "at", "ats"),
                         files={"media": ("blob", data, mime)}, data=fields, timeout=10)


def set_alt(x, media_id: str, text: str):
    return requests.post(x.base_url + "/2/media/metadata", auth=OAuth1("ck", "cs", "at", "ats"),
                         json={"id": media_id, "metadata": {"alt_text": {"text": text}}}, timeout=5)


def test_an_upload_answers_with_xs_media_object_and_keeps_the_bytes(x):
    data = picture("JPEG", (60, 40))
    resp = upload(x, data, "image/jpeg")
    assert resp.status_code == 200
    body = resp.json()["data"]
    assert body == {"id": body["id"], "media_key": f"3_{body['id']}", "size": len(data),
                    "expires_after_secs": 86400, "image": {"image_type": "image/jpeg", "w": 60, "h": 40}}
    assert body["id"].isdigit() and x.media[body["id"]]["data"] == data
    assert x.requests[-1].signature_ok  # the multipart body is outside the signature, as RFC 5849 says
    assert resp.headers["x-rate-limit-limit"] == "500" and resp.headers["x-rate-limit-remaining"] == "499"


def test_alt_text_is_stored_and_echoed_as_associated_metadata(x):
    media_id = upload(x, picture()).json()["data"]["id"]
    resp = set_alt(x, media_id, "Five people on a bench by the canal.")
    assert resp.status_code == 200 and "x-rate-limit-remaining" in resp.headers
    assert resp.json() == {"data": {"id": media_id, "associated_metadata": {
        "alt_text": {"text": "Five people on a bench by the canal."}}}}
    assert x.media[media_id]["alt"] == "Five people on a bench by the canal."


def test_alt_text_over_1000_characters_or_an_unknown_id_is_an_invalid_request(x):
    media_id = upload(x, picture()).json()["data"]["id"]
    too_long = set_alt(x, media_id, "a" * 1001)
    assert too_long.status_code == 400 and too_long.json()["title"] == "Invalid Request"
    assert x.media[media_id]["alt"] is None
    assert set_alt(x, media_id, "a" * 1000).status_code == 200
    assert set_alt(x, "123", "who?").json()["errors"][0]["message"] == "Your media IDs are invalid."


def test_an_upload_over_5_mb_answers_413(x):
    resp = upload(x, picture() + b"\0" * (5 * 1024 * 1024))
    assert resp.status_code == 413 and resp.json()["status"] == 413 and x.media == {}


@pytest.mark.parametrize("data", [b"just some text, not a picture", picture("BMP"), picture("TIFF")])
def test_a_file_that_is_not_a_jpeg_png_gif_or_webp_answers_400(x, data):
    resp = upload(x, data, "image/png")
    assert resp.status_code == 400 and resp.json()["title"] == "Invalid Request" and x.media == {}


def test_an_upload_without_its_media_category_answers_400(x):
    assert upload(x, picture(), category=None).status_code == 400
    assert upload(x, picture(), category="tweet_sticker").status_code == 400


def test_an_unsigned_or_wrongly_signed_upload_answers_401(x):
    assert upload(x, picture(), auth=OAuth1("ck", "wrong", "at", "ats")).status_code == 401
    assert x.requests[-1].auth_error == "invalid signature"
    unsigned = requests.post(x.base_url + "/2/media/upload", files={"media": ("b", picture(), "image/png")},
                             data={"media_category": "tweet_image"}, timeout=5)
    assert unsigned.status_code == 401 and x.media == {}


def test_a_tweet_keeps_the_media_ids_it_was_created_with(x, client):
    ids = [upload(x, picture()).json()["data"]["id"] for _ in range(4)]
    tweet_id = client.create_tweet(text="Four pictures.", media_ids=ids).data["id"]
    assert x.tweets[tweet_id]["media_ids"] == ids and x.created[-1]["media_ids"] == ids


def test_a_tweet_with_unknown_foreign_expired_or_five_media_is_an_invalid_request(x, client):
    ids = [upload(x, picture()).json()["data"]["id"] for _ in range(5)]
    foreign = x.add_media(picture(), owner="999")
    expired = x.add_media(picture(), owner=x.user_id, uploaded_at=time.time() - 86401)
    for media_ids in (["1"], [foreign], [expired], ids):
        with pytest.raises(tweepy.BadRequest):
            client.create_tweet(text=f"Pictures {media_ids}", media_ids=media_ids)
    assert x.created == []


def test_media_endpoints_can_be_scripted_to_fail(x):
    x.fail_next("503", path_prefix="/2/media/upload")
    assert upload(x, picture()).status_code == 503 and x.media == {}
    x.fail_next("429", path_prefix="/2/media/metadata", reset_in=30)
    media_id = upload(x, picture()).json()["data"]["id"]
    limited = set_alt(x, media_id, "later")
    assert limited.status_code == 429 and limited.headers["x-rate-limit-remaining"] == "0"
