"""A loopback fake of the X (Twitter) API v2 for tests.

``XApiServer`` is a standard-library HTTP server (``ThreadingHTTPServer`` in a
daemon thread) on 127.0.0.1 that answers the handful of v2 endpoints
recovery-voice uses, with X's bodies and headers, and verifies every request's
OAuth 1.0a (HMAC-SHA1) signature with oauthlib::

    with XApiServer(consumer_key="ck", consumer_secret="cs",
                    access_token="at", access_token_secret="ats") as x:
        client = tweepy.Client(consumer_key="ck", ...)
        client.session = RewritingSession(x.base_url)   # see test_xapi.py
        client.create_tweet(text="hello")
        assert [t["text"] for t in x.created] == ["hello"]

Endpoints
---------
``POST /2/tweets``            201 ``{"data": {"id", "text", "edit_history_tweet_ids"}}``
                              403 duplicate text (same text as a tweet that still exists)
                              400 invalid-request problem: empty text, over 280 weighted chars,
                                  body not a JSON object
                              403 reply to an unknown/deleted id (X's real answer; see
                                  ``reply_missing_status`` to get a 400 instead)
``DELETE /2/tweets/:id``      200 ``{"data": {"deleted": true}}``; for an id that does not
                              exist (never created, or already deleted) 200
                              ``{"data": {"deleted": false}}`` (``delete_missing="404"`` for a
                              404 resource-not-found problem instead)
``GET /2/users/me``           200 ``{"data": {"id", "name", "username"}}``
``GET /2/tweets/:id``         200 ``{"data": {...}}`` or 200 ``{"errors": [not found]}`` (as X)
``GET /2/users/:id/tweets``   200 newest first ``{"data": [...], "meta": {...}}`` (for
                              reconciling an unknown outcome)
``POST /2/media/upload``      simple image upload: multipart ``media`` (the file) and
                              ``media_category=tweet_image`` (``media_type`` optional);
                              200 ``{"data": {"id", "media_key": "3_<id>", "size",
                              "expires_after_secs": 86400, "image": {"image_type", "w", "h"}}}``;
                              413 over 5 MB; 400 for a file that is not a JPEG, PNG, GIF or
                              WebP, or a missing/unknown media_category.  The bytes received
                              are kept: ``x.media[id]["data"]``.
``POST /2/media/metadata``    JSON ``{"id", "metadata": {"alt_text": {"text"}}}``; 200
                              ``{"data": {"id", "associated_metadata": {...}}}``; 400 for an
                              unknown id or alt text over 1,000 characters.
``POST /2/tweets`` with ``media: {"media_ids": [...]}`` checks that 1 to 4 ids are given, each
uploaded by this user and not expired (400 otherwise), and keeps them on the tweet
(``x.created[n]["media_ids"]``).  A multipart body is not part of the OAuth signature base
string (RFC 5849 3.4.1.3.1: only form-urlencoded bodies are), nor is a JSON one.

Every answer to an authenticated request carries ``x-rate-limit-limit``,
``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds) for that
endpoint's fixed window; an exhausted window answers 429 with no Retry-After.
A request whose OAuth signature is missing or wrong, whose consumer key or
token is not the configured one, whose timestamp is more than
``timestamp_tolerance`` seconds off, or whose nonce+timestamp was already used
answers 401 and does not count against the rate limit.

Scripting failures: ``fail_next(kind, count=1, method="POST", path_prefix="/2/tweets",
**opts)`` queues a failure for the next ``count`` authenticated requests that
match (``method=None`` matches any method).  Kinds: ``"429"`` (``reset_in``),
``"401"``, ``"400"``, ``"413"``, ``"500"``, ``"503"``, ``"timeout"`` (``seconds``: the
request is processed -- the tweet IS created -- then the answer is held back
for ``seconds``), ``"drop"`` (the connection is closed without an answer, after
processing the request when ``after_create`` is true, the default).  Media endpoints are
scripted the same way, e.g. ``fail_next("503", path_prefix="/2/media/upload")``.
"""

from __future__ import annotations

import hmac
import io
import itertools
import math
import json
import re
import socket
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

__all__ = ["XApiServer", "RecordedRequest", "weighted_length"]

# --------------------------------------------------------------------------
# X's bodies
# --------------------------------------------------------------------------

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_MISSING_DETAIL = "You attempted to reply to a Tweet that is deleted or not visible to you."
TOO_LONG_MESSAGE = (
    "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text."
)
EMPTY_TEXT_MESSAGE = "Post text must not be empty."  # exact live wording not verified
INVALID_REQUEST_DETAIL = "One or more parameters to your request was invalid."
INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"


def _about_blank(status: int, title: str, detail: str | None = None) -> dict:
    return {"title": title, "detail": detail if detail is not None else title,
            "type": "about:blank", "status": status}


def _invalid_request(message: str, parameters: dict | None = None) -> dict:
    error: dict[str, Any] = {"message": message}
    if parameters is not None:
        error = {"parameters": parameters, "message": message}
    return {"errors": [error], "title": "Invalid Request",
            "detail": INVALID_REQUEST_DETAIL, "type": INVALID_REQUEST_TYPE}


def _tweet_not_found(tweet_id: str) -> dict:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with id: [{tweet_id}].",
        "type": NOT_FOUND_TYPE,
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "id",
        "resource_id": tweet_id,
    }


# Media: the shapes follow X's v2 media docs; the exact live wordings are not verified.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ALT_TEXT = 1000
MAX_MEDIA_PER_TWEET = 4
MEDIA_EXPIRES_AFTER_SECS = 86400
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
MEDIA_CATEGORIES = ("tweet_image", "tweet_gif", "tweet_video", "amplify_video", "dm_image", "subtitles")
INVALID_MEDIA_IDS_MESSAGE = "Your media IDs are invalid."
TOO_MANY_MEDIA_MESSAGE = "Your Tweet has too many media attached: at most 4 images."
TOO_LARGE = _about_blank(413, "Payload Too Large",
                         f"Media file size must be <= {MAX_IMAGE_BYTES} bytes.")

UNAUTHORIZED = _about_blank(401, "Unauthorized")
TOO_MANY_REQUESTS = _about_blank(429, "Too Many Requests")
SERVICE_UNAVAILABLE = _about_blank(503, "Service Unavailable")
INTERNAL_ERROR = _about_blank(500, "Internal Server Error")
FORBIDDEN_DUPLICATE = _about_blank(403, "Forbidden", DUPLICATE_DETAIL)

# --------------------------------------------------------------------------
# Weighted length (twitter-text v3 configuration, simplified)
# --------------------------------------------------------------------------

_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL_RE = re.compile(r"https?://[^\s]+", re.IGNORECASE)
_URL_WEIGHT = 23
MAX_WEIGHTED_LENGTH = 280


def _is_light(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES)


def _is_emoji_start(cp: int) -> bool:
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF
            or 0x2300 <= cp <= 0x23FF or 0x2B00 <= cp <= 0x2BFF)


def _is_emoji_continuation(cp: int) -> bool:
    return (cp in (0xFE0E, 0xFE0F, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F)


def _text_weight(text: str) -> int:
    weight = 0
    cps = [ord(c) for c in text]
    i = 0
    while i < len(cps):
        cp = cps[i]
        if _is_emoji_start(cp):
            # one emoji sequence (modifiers, variation selectors, ZWJ chains,
            # keycaps, tags, a regional-indicator pair) weighs 2
            j = i + 1
            if 0x1F1E6 <= cp <= 0x1F1FF and j < len(cps) and 0x1F1E6 <= cps[j] <= 0x1F1FF:
                j += 1
            while j < len(cps):
                if _is_emoji_continuation(cps[j]):
                    j += 1
                elif cps[j] == 0x200D and j + 1 < len(cps):
                    j += 2
                else:
                    break
            weight += 2
            i = j
            continue
        weight += 1 if _is_light(cp) else 2
        i += 1
    return weight


def weighted_length(text: str) -> int:
    """X's weighted length: NFC, CJK/emoji weigh 2, every http(s) URL 23.

    An approximation of twitter-text's v3 rules (bare domains without a scheme
    count as plain text here)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for m in _URL_RE.finditer(text):
        total += _text_weight(text[pos:m.start()]) + _URL_WEIGHT
        pos = m.end()
    return total + _text_weight(text[pos:])


# --------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    signature_ok: bool = False
    query: str = ""
    body: bytes = b""
    status: int | None = None  # None while in flight, or when the connection was dropped
    auth_error: str | None = None  # why the OAuth check failed, if it did
    received_at: float = field(default_factory=time.time)


@dataclass
class _Window:
    limit: int
    seconds: float
    reset_at: float = 0.0
    remaining: int = 0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.reset_at = now + self.seconds
            self.remaining = self.limit

    def headers(self, prefix: str = "x-rate-limit") -> dict[str, str]:
        return {f"{prefix}-limit": str(self.limit),
                f"{prefix}-remaining": str(self.remaining),
                f"{prefix}-reset": str(math.ceil(self.reset_at))}  # X's window has ended by that second


@dataclass
class _Script:
    kind: str
    count: int
    method: str | None
    path_prefix: str
    opts: dict

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method.upper() == method)
                and path.startswith(self.path_prefix))


_DROP = object()
_FAIL_KINDS = ("429", "401", "400", "413", "500", "503", "timeout", "drop")

# route key -> (limit, window seconds); X's documented per-user limits
DEFAULT_RATE_LIMITS: dict[str, tuple[int, float]] = {
    "POST /2/tweets": (100, 900),
    "DELETE /2/tweets/:id": (50, 900),
    "GET /2/users/me": (75, 900),
    "GET /2/tweets/:id": (900, 900),
    "GET /2/users/:id/tweets": (900, 900),
    # media limits: our assumption for tests (X publishes per-plan numbers), a 15-minute window like the rest
    "POST /2/media/upload": (500, 900),
    "POST /2/media/metadata": (500, 900),
}

_ROUTES = (
    ("POST", re.compile(r"^/2/tweets$"), "POST /2/tweets"),
    ("DELETE", re.compile(r"^/2/tweets/(?P<id>[^/]+)$"), "DELETE /2/tweets/:id"),
    ("GET", re.compile(r"^/2/users/me$"), "GET /2/users/me"),
    ("GET", re.compile(r"^/2/tweets/(?P<id>[^/]+)$"), "GET /2/tweets/:id"),
    ("GET", re.compile(r"^/2/users/(?P<id>[^/]+)/tweets$"), "GET /2/users/:id/tweets"),
    ("POST", re.compile(r"^/2/media/upload$"), "POST /2/media/upload"),
    ("POST", re.compile(r"^/2/media/metadata$"), "POST /2/media/metadata"),
)

_TWITTER_EPOCH_MS = 1288834974657


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class XApiServer:
    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        user_id: str = "1001",
        username: str = "recoveryvoice",
        name: str | None = None,
        *,
        post_limit: int | None = None,
        post_window: float | None = None,
        rate_limits: dict[str, tuple[int, float]] | None = None,
        user_24h_limit: int | None = None,
        timestamp_tolerance: float = 300,
        reply_missing_status: int = 403,
        delete_missing: str = "false",
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.access_token = access_token
        self.access_token_secret = access_token_secret
        self.user_id = str(user_id)
        self.username = username
        self.name = name if name is not None else username
        self.timestamp_tolerance = timestamp_tolerance
        if reply_missing_status not in (400, 403):
            raise ValueError("reply_missing_status must be 400 or 403")
        self.reply_missing_status = reply_missing_status
        if delete_missing not in ("false", "404"):
            raise ValueError('delete_missing must be "false" or "404"')
        self.delete_missing = delete_missing
        self.latency = latency

        limits = dict(DEFAULT_RATE_LIMITS)
        limits.update(rate_limits or {})
        plimit, pwindow = limits["POST /2/tweets"]
        limits["POST /2/tweets"] = (post_limit if post_limit is not None else plimit,
                                    post_window if post_window is not None else pwindow)
        self._windows = {key: _Window(lim, win) for key, (lim, win) in limits.items()}
        self._day = _Window(user_24h_limit, 86400) if user_24h_limit is not None else None

        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight = 0
        self._tweets: dict[str, dict] = {}
        self._created: list[dict] = []
        self._media: dict[str, dict] = {}
        self._requests: list[RecordedRequest] = []
        self._scripts: list[_Script] = []
        self._nonces: set[tuple[str, str, str]] = set()
        self._seq = itertools.count()
        self._last_id = 0

        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.app = self
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------

    def start(self) -> "XApiServer":
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                name="XApiServer", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> "XApiServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- inspection (thread-safe copies) ---------------------------------

    @property
    def tweets(self) -> dict[str, dict]:
        with self._lock:
            return {k: dict(v) for k, v in self._tweets.items()}

    @property
    def created(self) -> list[dict]:
        with self._lock:
            return [dict(t) for t in self._created]

    @property
    def media(self) -> dict[str, dict]:
        """Uploaded media by id: data (the bytes received), mime, width, height, alt (None until set), owner."""
        with self._lock:
            return {k: dict(v) for k, v in self._media.items()}

    def add_media(self, data: bytes, mime: str = "image/png", owner: str = "999",
                  uploaded_at: float | None = None) -> str:
        """Plant an uploaded image directly (another user's, or an old one that has expired); returns its id."""
        with self._lock:
            media_id = self._new_id()
            self._media[media_id] = {"id": media_id, "media_key": f"3_{media_id}", "data": data, "mime": mime,
                                     "width": 0, "height": 0, "alt": None, "owner": str(owner),
                                     "uploaded_at": uploaded_at if uploaded_at is not None else time.time()}
        return media_id

    def expire_media(self) -> None:
        """Make every upload so far older than X keeps an unused one, as if a day had passed."""
        with self._lock:
            for item in self._media.values():
                item["uploaded_at"] -= MEDIA_EXPIRES_AFTER_SECS + 1

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is being handled (e.g. after a client gave up on
        a "timeout" script).  Returns False if still busy after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    def rate_limit(self, route: str = "POST /2/tweets") -> dict[str, str]:
        """The current x-rate-limit-* values of a route key, e.g. "DELETE /2/tweets/:id"."""
        with self._lock:
            w = self._windows[route]
            w.roll(time.time())
            return w.headers()

    # ---- scripting -------------------------------------------------------

    def fail_next(self, kind: str, count: int = 1, *, method: str | None = "POST",
                  path_prefix: str = "/2/tweets", **opts: Any) -> None:
        kind = str(kind)
        if kind not in _FAIL_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; one of {_FAIL_KINDS}")
        if kind == "timeout" and "seconds" not in opts:
            raise ValueError('fail_next("timeout") needs seconds=')
        with self._lock:
            self._scripts.append(_Script(kind, count, method, path_prefix, opts))

    def _take_script(self, method: str, path: str) -> _Script | None:
        with self._lock:
            for s in self._scripts:
                if s.matches(method, path):
                    s.count -= 1
                    if s.count <= 0:
                        self._scripts.remove(s)
                    return s
        return None

    # ---- OAuth 1.0a ------------------------------------------------------

    def _verify_oauth(self, method: str, host: str, path: str, query: str,
                      headers: dict[str, str], body: bytes) -> str | None:
        """None if the request is properly signed, else the reason it is not."""
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("oauth "):
            return "no OAuth Authorization header"
        try:
            oauth = {k: oauth_utils.unescape(v)
                     for k, v in oauth_utils.parse_authorization_header(auth)}
        except Exception as e:  # malformed header
            return f"malformed Authorization header: {e}"
        for required in ("oauth_consumer_key", "oauth_token", "oauth_signature_method",
                         "oauth_timestamp", "oauth_nonce", "oauth_signature"):
            if not oauth.get(required):
                return f"missing {required}"
        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            return "signature method is not HMAC-SHA1"
        if oauth.get("oauth_version", "1.0") != "1.0":
            return "oauth_version is not 1.0"
        if oauth["oauth_consumer_key"] != self.consumer_key:
            return "unknown consumer key"
        if oauth["oauth_token"] != self.access_token:
            return "unknown access token"
        try:
            ts = int(oauth["oauth_timestamp"])
        except ValueError:
            return "oauth_timestamp is not an integer"
        if abs(time.time() - ts) > self.timestamp_tolerance:
            return "timestamp out of range"

        body_params: Any = None
        ctype = headers.get("content-type", "")
        if body and ctype.startswith("application/x-www-form-urlencoded"):
            body_params = body.decode("utf-8")
        params = oauth_signature.collect_parameters(
            uri_query=query, body=body_params, headers={"Authorization": auth},
            exclude_oauth_signature=True)
        base = oauth_signature.signature_base_string(
            method, oauth_signature.base_string_uri(f"http://{host}{path}"),
            oauth_signature.normalize_parameters(params))
        expected = oauth_signature.sign_hmac_sha1_with_client(base, SimpleNamespace(
            client_secret=self.consumer_secret, resource_owner_secret=self.access_token_secret))
        if not hmac.compare_digest(expected, oauth["oauth_signature"]):
            return "invalid signature"

        key = (oauth["oauth_consumer_key"], oauth["oauth_nonce"], oauth["oauth_timestamp"])
        with self._lock:
            if key in self._nonces:
                return "nonce already used"
            self._nonces.add(key)
        return None

    # ---- rate limits -----------------------------------------------------

    def _consume(self, route: str) -> tuple[bool, dict[str, str]]:
        now = time.time()
        with self._lock:
            w = self._windows[route]
            w.roll(now)
            day = self._day if route == "POST /2/tweets" else None
            if day is not None:
                day.roll(now)
            ok = w.remaining > 0 and (day is None or day.remaining > 0)
            if ok:
                w.remaining -= 1
                if day is not None:
                    day.remaining -= 1
            headers = w.headers()
            if day is not None:
                headers.update(day.headers("x-user-limit-24hour"))
            return ok, headers

    def _peek(self, route: str | None) -> dict[str, str]:
        if route is None:
            return {}
        with self._lock:
            w = self._windows[route]
            w.roll(time.time())
            return w.headers()

    # ---- endpoints -------------------------------------------------------

    def _new_id(self) -> str:
        # snowflake layout: ms since the Twitter epoch << 22 | worker << 12 | sequence
        ms = int(time.time() * 1000) - _TWITTER_EPOCH_MS
        candidate = (ms << 22) | (7 << 12) | (next(self._seq) & 0xFFF)
        self._last_id = max(candidate, self._last_id + 1)
        return str(self._last_id)

    def _create(self, body: Any) -> tuple[int, dict]:
        if not isinstance(body, dict):
            return 400, _invalid_request("Request body is not valid JSON.")
        text = body.get("text")
        media = (body.get("media") or {}).get("media_ids") if isinstance(body.get("media"), dict) else None
        if text is not None and not isinstance(text, str):
            return 400, _invalid_request("`text` must be a string.", {"text": [str(text)]})
        if not text and not media:
            return 400, _invalid_request(EMPTY_TEXT_MESSAGE, {"text": [text or ""]})
        text = text or ""
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            return 400, _invalid_request(TOO_LONG_MESSAGE)
        reply_to = None
        reply = body.get("reply")
        if reply is not None:
            if not isinstance(reply, dict) or not reply.get("in_reply_to_tweet_id"):
                return 400, _invalid_request(
                    "`reply.in_reply_to_tweet_id` is required.", {"reply": [json.dumps(reply)]})
            reply_to = str(reply["in_reply_to_tweet_id"])
        with self._lock:
            media_problem = self._check_media_ids(media) if media is not None else None
            if media_problem is not None:
                return 400, media_problem
            if reply_to is not None and reply_to not in self._tweets:
                if self.reply_missing_status == 403:
                    return 403, _about_blank(403, "Forbidden", REPLY_MISSING_DETAIL)
                return 400, _invalid_request(
                    REPLY_MISSING_DETAIL, {"reply.in_reply_to_tweet_id": [reply_to]})
            if text and any(t["text"] == text for t in self._tweets.values()):
                return 403, dict(FORBIDDEN_DUPLICATE)
            tweet_id = self._new_id()
            record = {
                "id": tweet_id,
                "text": text,
                "in_reply_to_tweet_id": reply_to,
                "media_ids": [str(m) for m in media] if media else [],
                "edit_history_tweet_ids": [tweet_id],
                "author_id": self.user_id,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            }
            self._tweets[tweet_id] = record
            self._created.append(dict(record))
        return 201, {"data": {"id": tweet_id, "text": text,
                              "edit_history_tweet_ids": [tweet_id]}}

    def _check_media_ids(self, media: Any) -> dict | None:
        """None when the ids are 1 to 4 of this user's unexpired uploads, else X's invalid-request body (lock held)."""
        if not isinstance(media, list) or not media:
            return _invalid_request(INVALID_MEDIA_IDS_MESSAGE, {"media.media_ids": [json.dumps(media)]})
        if len(media) > MAX_MEDIA_PER_TWEET:
            return _invalid_request(TOO_MANY_MEDIA_MESSAGE, {"media.media_ids": [str(m) for m in media]})
        now = time.time()
        for media_id in media:
            item = self._media.get(str(media_id))
            if (item is None or item["owner"] != self.user_id
                    or now > item["uploaded_at"] + MEDIA_EXPIRES_AFTER_SECS):
                return _invalid_request(INVALID_MEDIA_IDS_MESSAGE, {"media.media_ids": [str(media_id)]})
        return None

    def _upload(self, rec: RecordedRequest) -> tuple[int, dict]:
        """The simple (one-shot) image upload: store the bytes and answer with X's media object."""
        form = _multipart_form(rec.headers.get("content-type", ""), rec.body)
        if form is None or "media" not in form:
            return 400, _invalid_request("The `media` field is required (multipart/form-data).",
                                         {"media": [""]})
        category = form.get("media_category", (b"", None))[0].decode("utf-8", "replace")
        if category not in MEDIA_CATEGORIES:
            return 400, _invalid_request(f"Unsupported media_category: {category!r}.",
                                         {"media_category": [category]})
        data = form["media"][0]
        if len(data) > MAX_IMAGE_BYTES:
            return 413, dict(TOO_LARGE)
        kind = _sniff_image(data)
        if kind is None:
            return 400, _invalid_request("Unsupported media type: X takes JPEG, PNG, GIF and WebP images.",
                                         {"media": ["<binary>"]})
        mime, width, height = kind
        with self._lock:
            media_id = self._new_id()
            self._media[media_id] = {"id": media_id, "media_key": f"3_{media_id}", "data": data, "mime": mime,
                                     "width": width, "height": height, "alt": None, "owner": self.user_id,
                                     "category": category, "uploaded_at": time.time()}
        return 200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(data),
                              "expires_after_secs": MEDIA_EXPIRES_AFTER_SECS,
                              "image": {"image_type": mime, "w": width, "h": height}}}

    def _metadata(self, body: Any) -> tuple[int, dict]:
        """Set an uploaded image's alt text, as POST /2/media/metadata does."""
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            return 400, _invalid_request("Request body is not valid JSON.")
        media_id = str(body.get("id") or "")
        alt = body["metadata"].get("alt_text")
        text = alt.get("text") if isinstance(alt, dict) else None
        if alt is not None and not isinstance(text, str):
            return 400, _invalid_request("`metadata.alt_text.text` must be a string.",
                                         {"metadata.alt_text.text": [str(text)]})
        if text is not None and len(text) > MAX_ALT_TEXT:
            return 400, _invalid_request(f"`metadata.alt_text.text` must be at most {MAX_ALT_TEXT} characters.",
                                         {"metadata.alt_text.text": [text[:40]]})
        with self._lock:
            item = self._media.get(media_id)
            if item is None or item["owner"] != self.user_id:
                return 400, _invalid_request(INVALID_MEDIA_IDS_MESSAGE, {"id": [media_id]})
            if text is not None:
                item["alt"] = text
        return 200, {"data": {"id": media_id, "associated_metadata": dict(body["metadata"])}}

    def _delete(self, tweet_id: str) -> tuple[int, dict]:
        with self._lock:
            existed = self._tweets.pop(tweet_id, None) is not None
        if existed:
            return 200, {"data": {"deleted": True}}
        if self.delete_missing == "404":
            nf = _tweet_not_found(tweet_id)
            return 404, {"errors": [nf], "title": "Not Found Error",
                         "detail": nf["detail"], "type": NOT_FOUND_TYPE}
        return 200, {"data": {"deleted": False}}

    def _public(self, t: dict) -> dict:
        return {"id": t["id"], "text": t["text"],
                "edit_history_tweet_ids": list(t["edit_history_tweet_ids"])}

    def _lookup(self, tweet_id: str) -> tuple[int, dict]:
        with self._lock:
            t = self._tweets.get(tweet_id)
            if t is None:
                return 200, {"errors": [_tweet_not_found(tweet_id)]}
            return 200, {"data": self._public(t)}

    def _timeline(self, user_id: str) -> tuple[int, dict]:
        with self._lock:
            items = sorted(self._tweets.values(), key=lambda t: int(t["id"]), reverse=True)
            data = [self._public(t) for t in items] if user_id == self.user_id else []
        if not data:
            return 200, {"meta": {"result_count": 0}}
        return 200, {"data": data, "meta": {"result_count": len(data),
                                             "newest_id": data[0]["id"],
                                             "oldest_id": data[-1]["id"]}}

    def _dispatch(self, route: str, params: dict, rec: RecordedRequest) -> tuple[int, dict]:
        body = rec.json
        if route == "POST /2/media/upload":
            return self._upload(rec)
        if route == "POST /2/media/metadata":
            return self._metadata(body)
        if route == "POST /2/tweets":
            return self._create(body)
        if route == "DELETE /2/tweets/:id":
            return self._delete(params["id"])
        if route == "GET /2/users/me":
            return 200, {"data": {"id": self.user_id, "name": self.name,
                                  "username": self.username}}
        if route == "GET /2/tweets/:id":
            return self._lookup(params["id"])
        return self._timeline(params["id"])

    # ---- request pipeline (called from handler threads) ------------------

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)
            self._inflight += 1

    def _finish(self) -> None:
        with self._idle:
            self._inflight -= 1
            self._idle.notify_all()

    def _handle(self, rec: RecordedRequest, host: str) -> tuple[Any, dict, dict[str, str], float]:
        """Returns (status or _DROP, body, headers, delay-before-writing)."""
        if self.latency:
            time.sleep(self.latency)
        route, params = None, {}
        for method, pattern, key in _ROUTES:
            m = pattern.match(rec.path)
            if m and method == rec.method:
                route, params = key, m.groupdict()
                break

        reason = self._verify_oauth(rec.method, host, rec.path, rec.query, rec.headers, rec.body)
        rec.signature_ok = reason is None
        rec.auth_error = reason
        if reason is not None:
            return 401, dict(UNAUTHORIZED), self._peek(route), 0.0

        if route is None:
            return 404, {"errors": [{"message": "The requested resource could not be found."}],
                         "title": "Not Found Error", "detail": "The requested resource could not be found.",
                         "type": NOT_FOUND_TYPE}, {}, 0.0

        script = self._take_script(rec.method, rec.path)
        delay = 0.0
        if script is not None:
            kind = script.kind
            if kind == "429":
                w = self._windows[route]
                reset = int(time.time() + float(script.opts.get("reset_in", 60)))
                return 429, dict(TOO_MANY_REQUESTS), {
                    "x-rate-limit-limit": str(w.limit), "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset)}, 0.0
            if kind == "401":
                return 401, dict(UNAUTHORIZED), self._peek(route), 0.0
            if kind == "503":
                return 503, dict(SERVICE_UNAVAILABLE), self._peek(route), 0.0
            if kind == "413":  # X's answer to an image over its limit, whatever the bytes
                return 413, dict(TOO_LARGE), self._peek(route), 0.0
            if kind == "500":
                return 500, dict(INTERNAL_ERROR), self._peek(route), 0.0
            if kind == "400":
                return 400, _invalid_request(script.opts.get("message", "Invalid Request")), \
                    self._peek(route), 0.0
            if kind == "drop" and not script.opts.get("after_create", True):
                return _DROP, {}, {}, 0.0
            if kind == "timeout":
                delay = float(script.opts["seconds"])

        ok, headers = self._consume(route)
        if not ok:
            return 429, dict(TOO_MANY_REQUESTS), headers, delay
        status, body = self._dispatch(route, params, rec)
        if script is not None and script.kind == "drop":
            return _DROP, {}, {}, 0.0
        return status, body, headers, delay


def _multipart_form(content_type: str, body: bytes) -> dict[str, tuple[bytes, str | None]] | None:
    """The fields of a multipart/form-data body: name -> (bytes, the part's content type); None if not multipart."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or match is None:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, tuple[bytes, str | None]] = {}
    for section in body.split(delimiter)[1:]:
        if section.startswith(b"--"):  # the closing delimiter
            break
        head, _, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = re.search(r'name="([^"]*)"', headers.get("content-disposition", ""))
        if name is not None:
            fields[name.group(1)] = (content.removesuffix(b"\r\n"), headers.get("content-type"))
    return fields


def _sniff_image(data: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) of a JPEG, PNG, GIF or WebP, read from the bytes as X does; None for anything else."""
    from PIL import Image, UnidentifiedImageError  # imported here so the fake starts without Pillow

    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = IMAGE_TYPES.get(image.format or "")
            return (mime, image.width, image.height) if mime else None
    except (UnidentifiedImageError, OSError, ValueError):
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: XApiServer

    def handle_error(self, request, client_address):  # quiet on client hang-ups
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server_version = "tsa_b"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _serve(self) -> None:
        app = self.server.app
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        parsed: Any = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        rec = RecordedRequest(method=self.command, path=parts.path, headers=headers,
                              json=parsed, query=parts.query, body=raw)
        app._record(rec)
        try:
            host = headers.get("host") or f"127.0.0.1:{app.port}"
            status, body, extra, delay = app._handle(rec, host)
            if delay:
                time.sleep(delay)
            if status is _DROP:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            rec.status = status
            payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
            problem = status >= 400 and "errors" not in body
            self.send_response(status)
            self.send_header("Content-Type", "application/problem+json" if problem
                             else "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-cache, no-store, max-age=0")
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(payload)
                self.wfile.flush()
            except OSError:
                self.close_connection = True
        finally:
            app._finish()

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve
