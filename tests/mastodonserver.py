"""A real mastodon-mock server (PyPI ``mastodon-mock`` 0.6.1) on 127.0.0.1 for tests.

``MastodonServer`` runs the mock's FastAPI app under uvicorn in a child process,
on a loopback socket the parent binds (port 0, handed over by file descriptor, so
there is no port race), with its SQLite file and media folder in a temporary
folder that ``stop()`` deletes::

    with MastodonServer() as server:
        api = server.client("alice")             # Mastodon.py, ratelimit "throw"
        api.status_post("hello", idempotency_key="k1")
        assert len(server.statuses("alice")) == 1

Seeded users (fixed tokens, survive ``reset()``): ``alice`` / ``alice_token``,
``bob`` / ``bob_token``, ``carol`` (locked) / ``carol_token``.

Facts about mastodon-mock 0.6.1 (checked by tests/test_mastodonserver.py)
-------------------------------------------------------------------------
Idempotency-Key
    Honoured on ``POST /api/v1/statuses``, per account: the same key from the
    same account returns the original status (same id, 200) and creates nothing,
    even when the body differs; concurrent posts with one key make one status. A
    key is remembered for the server's lifetime (no one-hour expiry as on real
    Mastodon). The same key from another account creates a new status. Bug: once
    the original status is deleted, a replay with its key answers a plain-text
    500 (the mock stores the key a second time and hits its unique constraint)
    instead of posting afresh; uvicorn then dropped the keep-alive connection, so
    the client's next call failed with a connection reset.
Length limit
    ``instance_v2().configuration.statuses.max_characters`` is 500 (plus
    ``max_media_attachments`` 4, ``characters_reserved_per_url`` 23). The mock
    has no setting for it; ``MastodonServer(max_characters=N)`` patches the
    constant in the child so instance and write path agree. Over the limit:
    422 ``{"error": "Validation failed: Text is too long (maximum is 500
    characters)"}`` (real Mastodon: "Text character limit of 500 exceeded");
    it counts ``len(status)`` in code points only: no URL rule, no spoiler_text.
Rate-limit headers
    Off by default: normal responses carry no ``X-RateLimit-*`` headers (real
    Mastodon sends them on every response). ``MastodonServer(ratelimit=(limit,
    window_seconds))`` turns on the mock's per-token fixed window: every answer
    then carries ``X-RateLimit-Limit/Remaining/Reset`` and an exhausted window
    answers 429 ``{"error": "Too many requests"}`` without handling the request.
    In both the built-in limiter and an injected ``ratelimit`` fault the Reset is
    **epoch seconds** (real Mastodon: ISO 8601, e.g. ``2025-01-01T12:05:00.000000Z``);
    Mastodon.py accepts both and stores ``api.ratelimit_reset`` (epoch, adjusted
    by the Date header). Injected 429s add ``Retry-After: 300`` and default to
    Limit 300, Remaining 0, Reset now+300; every one of these can be overridden
    with ``headers=``. Mastodon.py with ``ratelimit_method="throw"`` raises
    ``MastodonRatelimitError`` (no response attached: read ``api.ratelimit_reset``).
    The built-in limiter keys on the bearer token (no token: the client address),
    counts every path (``/health``, ``/api/v1/_mock/*`` too; this class gives each
    of its own control calls a throwaway token so they use no real bucket) and
    keeps its counters across ``reset()``; its windows start at a token's first
    request, not on aligned boundaries.
Faults (``POST /api/v1/_mock/faults``, first matching rule wins, ``count`` = budget)
    ``status`` (any status, default 500, body ``{"error": "An unexpected error
    occurred"}``; nothing is created), ``ratelimit`` (429 as above), ``latency``
    (sleep ``delay_ms``, then handle normally), ``timeout`` (sleep max(delay_ms,
    30 s), then handle), ``malformed`` (200 with the truncated body ``{"error":
    "truncated``; nothing created). There is no effect that drops the connection.
    If the client gives up during a ``latency``/``timeout`` sleep, the mock then
    finds the client gone, loses the body and creates nothing: the mock alone
    cannot produce "created, but the client never heard"; put tests/faultproxy.py
    ("timeout" kind) in front for that. ``/api/v1/_mock/*`` is never faulted;
    ``reset()`` clears the rules.
Statuses
    ``in_reply_to_id`` is stored and echoed (``in_reply_to_account_id`` set);
    a reply to an unknown id is accepted (real Mastodon: 404).
    ``spoiler_text``, ``language`` and ``visibility`` are stored and echoed;
    ``visibility`` is not validated. Delete answers 200 with the deleted status;
    afterwards ``GET`` and a second ``DELETE`` answer 404 ``Record not found``.
Media
    ``POST /api/v2/media`` (and v1) stores the file in the temporary folder and
    the ``description`` and ``focus`` with it, answering **200 with ``url`` set**:
    the mock never processes asynchronously. Statuses list their
    ``media_attachments`` (with ``description``); the bytes are served back at
    the attachment's ``url``. Unknown ``media_ids`` are ignored silently.
    Real Mastodon answers 202 with ``url: null`` while it processes a file,
    ``GET /api/v1/media/:id`` answers 206 until it is done, and a status naming
    unprocessed media is refused with 422 ("Cannot attach files that have not
    finished processing. Try again in a moment!"). This wrapper adds that:
    ``server.process_media_slowly(polls)`` makes each later upload answer 202 and
    its next ``polls`` GETs 206 (``-1``: never done); ``media_polls()`` counts
    the GETs answered. Off (0) at start; ``reset()`` does not change it.
    ``server.uploads()`` lists every upload answered (file name sent, media id, status,
    time), to count how often each image was uploaded.
Credentials
    ``GET /api/v1/accounts/verify_credentials`` resolves the bearer token to its
    account (with ``source``); no or an unknown token answers 401 ``{"error":
    "This method requires an authenticated user"}`` (Mastodon.py:
    ``MastodonUnauthorizedError``). Scopes are stored, not enforced.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests

__all__ = ["MastodonServer", "SEED_TOKENS"]

SEED_TOKENS = {"alice": "alice_token", "bob": "bob_token", "carol": "carol_token"}
DEFAULT_MAX_CHARACTERS = 500
MEDIA_CONTROL = "/_test/media_processing"  # this wrapper's own, outside the mock's routes and its limiter


class MastodonServer:
    """A mastodon-mock child process on a free 127.0.0.1 port.

    ``max_characters``: the status limit the instance reports and enforces.
    ``ratelimit``: ``(limit, window_seconds)`` to turn on the mock's own per-token
    limiter (and its X-RateLimit-* headers on every answer), or None (off).
    """

    def __init__(self, *, max_characters: int = DEFAULT_MAX_CHARACTERS,
                 ratelimit: tuple[int, int] | None = None,
                 startup_timeout: float = 20.0, log_level: str = "warning"):
        self.max_characters = max_characters
        self.ratelimit = ratelimit
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.port: int | None = None
        self._proc: subprocess.Popen | None = None
        self._folder: Path | None = None
        self._http = requests.Session()
        self._http.trust_env = False
        self._account_ids: dict[str, str] = {}
        self._control = itertools.count(1)

    # ---- lifecycle ------------------------------------------------------

    def start(self) -> "MastodonServer":
        """Start the child and wait until it answers /health (idempotent)."""
        if self._proc is not None:
            return self
        self._folder = Path(tempfile.mkdtemp(prefix="rv-mastodon-"))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        try:
            self._proc = self._spawn(sock.fileno())
        finally:
            sock.close()  # the child holds its own copy
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, fd: int) -> subprocess.Popen:
        args = [sys.executable, str(Path(__file__).resolve()), "--fd", str(fd),
                "--port", str(self.port), "--folder", str(self._folder),
                "--max-characters", str(self.max_characters), "--log-level", self.log_level]
        if self.ratelimit is not None:
            args += ["--ratelimit", f"{self.ratelimit[0]}/{self.ratelimit[1]}"]
        log = open(self._folder / "server.log", "wb")
        try:
            return subprocess.Popen(args, pass_fds=(fd,), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, cwd=self._folder)
        finally:
            log.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mastodon-mock exited early:\n{self.log()}")
            try:
                if self._http.get(self.base_url + "/health", headers=self._auth(None),
                                  timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"mastodon-mock did not start in {self.startup_timeout:g}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 3 s) and delete its folder."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._account_ids.clear()

    def __enter__(self) -> "MastodonServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def log(self) -> str:
        """The child's stdout/stderr so far."""
        try:
            return (self._folder / "server.log").read_text(errors="replace")
        except (OSError, TypeError):
            return ""

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("MastodonServer is not started")
        return f"http://127.0.0.1:{self.port}"

    # ---- users and clients ----------------------------------------------

    def token(self, user: str = "alice") -> str:
        """The access token of a seeded user (alice, bob or carol) or a created one."""
        try:
            return SEED_TOKENS[user]
        except KeyError:
            raise LookupError(f"no token for {user!r}; seeded: {sorted(SEED_TOKENS)}") from None

    def create_user(self, username: str) -> str:
        """Create a local account and return its token (lost on ``reset()``)."""
        data = self._call("POST", "/api/v1/_mock/dev_user", json={"username": username})
        return data["access_token"]

    def client(self, user: str = "alice", *, token: str | None = None,
               base_url: str | None = None, **kwargs: Any):
        """A Mastodon.py client for ``user`` (ratelimit "throw", 5 s timeout by default).

        ``base_url`` points it elsewhere, e.g. at a fault proxy in front of this server.
        """
        from mastodon import Mastodon

        kwargs.setdefault("ratelimit_method", "throw")
        kwargs.setdefault("request_timeout", 5)
        kwargs.setdefault("version_check_mode", "none")
        return Mastodon(access_token=token or self.token(user),
                        api_base_url=base_url or self.base_url, **kwargs)

    def account_id(self, user: str = "alice", *, token: str | None = None) -> str:
        """The account id behind a user's token (verify_credentials)."""
        token = token or self.token(user)
        if token not in self._account_ids:
            me = self._call("GET", "/api/v1/accounts/verify_credentials", token=token)
            self._account_ids[token] = me["id"]
        return self._account_ids[token]

    # ---- inspection -----------------------------------------------------

    def statuses(self, user: str = "alice", *, token: str | None = None) -> list[dict]:
        """Every status the mock holds for a user (any visibility), newest first."""
        token = token or self.token(user)
        path = f"/api/v1/accounts/{self.account_id(token=token)}/statuses"
        found: list[dict] = []
        params: dict[str, Any] = {"limit": 40}
        while True:
            page = self._call("GET", path, token=token, params=params)
            found.extend(page)
            if len(page) < params["limit"]:
                return found
            params["max_id"] = page[-1]["id"]

    def texts(self, user: str = "alice", *, token: str | None = None) -> list[str]:
        """The exact text (``/source``) of each of a user's statuses, oldest first."""
        token = token or self.token(user)
        return [self._call("GET", f"/api/v1/statuses/{s['id']}/source", token=token)["text"]
                for s in reversed(self.statuses(token=token))]

    # ---- control plane --------------------------------------------------

    def add_fault(self, effect: str = "status", *, path: str | None = "/api/v1/statuses",
                  methods: tuple[str, ...] | None = ("POST",), path_regex: str | None = None,
                  status: int | None = None, delay_ms: int = 0, count: int | None = 1,
                  body: Any = None, headers: dict[str, str] | None = None) -> dict:
        """Register a fault rule (``POST /api/v1/_mock/faults``); returns the rule.

        ``effect``: "status", "ratelimit", "latency", "timeout" or "malformed".
        ``count=None`` fires forever; ``path`` may contain ``*`` (fnmatch).
        """
        spec: dict[str, Any] = {"type": effect, "delay_ms": delay_ms}
        if status is not None:
            spec["status"] = status
        if body is not None:
            spec["body"] = body
        if headers is not None:
            spec["headers"] = headers
        rule = {"match": {"methods": list(methods) if methods else None, "path": path,
                          "path_regex": path_regex},
                "effect": spec, "count": count}
        return self._call("POST", "/api/v1/_mock/faults", json=rule)

    def process_media_slowly(self, polls: int) -> None:
        """Make later uploads answer 202 and their next ``polls`` GETs 206, as a busy Mastodon does (-1: never done)."""
        self._call("POST", MEDIA_CONTROL, json={"polls": polls})

    def media_polls(self) -> int:
        """How many GET /api/v1/media/:id the slow processing has answered, 206 or 200."""
        return self._call("GET", MEDIA_CONTROL)["polled"]

    def uploads(self) -> list[dict]:
        """Every media upload the server answered: ``file`` (the name sent), ``id``, ``status``, ``at`` (its arrival)."""
        return self._call("GET", MEDIA_CONTROL)["uploads"]

    def faults(self) -> list[dict]:
        """The active fault rules with their remaining budgets."""
        return self._call("GET", "/api/v1/_mock/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/api/v1/_mock/faults")

    def reset(self) -> None:
        """Back to the seed: drop every status and created user, clear faults."""
        self._call("POST", "/api/v1/_mock/reset")
        self._account_ids.clear()

    def _auth(self, token: str | None) -> dict[str, str]:
        """A user's bearer header, or a throwaway one so control calls use no limiter bucket."""
        return {"Authorization": f"Bearer {token or f'control-{next(self._control)}'}"}

    def _call(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
        resp = self._http.request(method, self.base_url + path, headers=self._auth(token),
                                  timeout=10, **kwargs)
        resp.raise_for_status()
        return resp.json()


# ---------------------------------------------------------------------------
# The child process: python tests/mastodonserver.py --fd N ...
# ---------------------------------------------------------------------------


def _set_max_characters(limit: int) -> None:
    """Patch the mock's hard-coded 500 in the instance metadata and the write path."""
    from mastodon_mock.routers import statuses
    from mastodon_mock.serializers import instance

    instance.MAX_STATUS_CHARACTERS = limit
    instance._STATUS_CONFIG["max_characters"] = limit
    statuses.MAX_STATUS_CHARACTERS = limit


class _SlowMediaProcessing:
    """ASGI middleware making uploads look asynchronous, as on real Mastodon (mastodon-mock answers at once).

    An upload answers 202 with ``url``/``preview_url`` null; its next ``polls`` GETs answer 206 the same way;
    a status naming it before then is refused with Mastodon's 422. Control at ``MEDIA_CONTROL``.
    """

    NOT_READY = b'{"error": "Cannot attach files that have not finished processing. Try again in a moment!"}'

    def __init__(self, app):
        self.app = app
        self.polls = 0
        self.polled = 0
        self.pending: dict[str, int] = {}  # media id -> GETs still to answer 206 (negative: for ever)
        self.uploads: list[dict] = []  # every upload answered: its file name, media id, status and time

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        if path == MEDIA_CONTROL:
            return await self._control(method, receive, send)
        if method == "POST" and path in ("/api/v1/media", "/api/v2/media"):
            return await self._upload(scope, receive, send)
        if method == "GET" and path.startswith("/api/v1/media/"):
            return await self._poll(scope, receive, send, path.rsplit("/", 1)[-1])
        if method == "POST" and path == "/api/v1/statuses" and self.pending:
            return await self._status(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _control(self, method, receive, send):
        if method == "POST":
            self.polls = int(json.loads(await _body(receive))["polls"])
        await _answer(send, 200, json.dumps({"polls": self.polls, "polled": self.polled,
                                             "uploads": self.uploads}).encode())

    async def _upload(self, scope, receive, send):
        arrived = time.time()  # when the upload began: a client killed during it never hears the answer
        sent = await _body(receive)
        status, headers, body = await _captured(self.app, scope, _replay(sent))
        named = re.search(rb'filename="([^"]*)"', sent)
        media_id = str(json.loads(body).get("id")) if status == 200 else None
        self.uploads.append({"file": named.group(1).decode(errors="replace") if named else None, "id": media_id,
                             "status": status, "at": arrived})
        if status == 200 and self.polls:
            self.pending[media_id] = self.polls
            status, body = 202, _unprocessed(json.loads(body))
        await _answer(send, status, body, headers)

    async def _poll(self, scope, receive, send, media_id):
        self.polled += 1
        left = self.pending.get(media_id)
        if left is None:
            return await self.app(scope, receive, send)
        if left == 0:
            del self.pending[media_id]
            return await self.app(scope, receive, send)
        if left > 0:
            self.pending[media_id] = left - 1
        status, headers, body = await _captured(self.app, scope, receive)
        await _answer(send, 206 if status == 200 else status, _unprocessed(json.loads(body)) if status == 200 else body,
                      headers)

    async def _status(self, scope, receive, send):
        body = await _body(receive)
        if set(_media_ids(scope, body)) & set(self.pending):
            return await _answer(send, 422, self.NOT_READY)
        await self.app(scope, _replay(body), send)


def _unprocessed(media: dict) -> bytes:
    """A MediaAttachment as Mastodon shows one it is still processing."""
    return json.dumps({**media, "url": None, "preview_url": None}).encode()


def _media_ids(scope, body: bytes) -> list[str]:
    """The media ids a status post names, form-encoded (as Mastodon.py sends) or JSON."""
    content_type = dict(scope["headers"]).get(b"content-type", b"").decode()
    if content_type.startswith("application/json"):
        return [str(i) for i in json.loads(body or b"{}").get("media_ids") or []]
    form = urllib.parse.parse_qs(body.decode(errors="replace"))
    return form.get("media_ids[]", []) + form.get("media_ids", [])


async def _body(receive) -> bytes:
    """The whole request body."""
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes):
    """A receive callable that hands the app a body already read."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _captured(app, scope, receive) -> tuple[int, list, bytes]:
    """Run the app and keep its answer instead of sending it."""
    answer = {"status": 500, "headers": []}
    chunks: list[bytes] = []

    async def send(message):
        if message["type"] == "http.response.start":
            answer.update(status=message["status"], headers=message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
    await app(scope, receive, send)
    return answer["status"], answer["headers"], b"".join(chunks)


async def _answer(send, status: int, body: bytes, headers: list | None = None) -> None:
    """Send a JSON answer, keeping the app's other headers (rate limits) but with the new length."""
    kept = [(k, v) for k, v in (headers or []) if k.lower() not in (b"content-length", b"content-type")]
    await send({"type": "http.response.start", "status": status,
                "headers": kept + [(b"content-type", b"application/json"),
                                   (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _watch_parent() -> None:
    """Exit when the test process that started us is gone."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    for name in ("--fd", "--port", "--max-characters"):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--ratelimit", default=None)
    args = parser.parse_args(argv)

    import uvicorn
    from mastodon_mock.app import create_app
    from mastodon_mock.config import (DatabaseConfig, MastodonMockConfig, RateLimitConfig,
                                      StreamingConfig)
    from mastodon_mock.testing.seed import DEFAULT_TEST_SEED

    _set_max_characters(args.max_characters)
    ratelimit = RateLimitConfig()
    if args.ratelimit:
        limit, window = (int(x) for x in args.ratelimit.split("/"))
        ratelimit = RateLimitConfig(enabled=True, limit=limit, window_seconds=window)
    folder = Path(args.folder)
    config = MastodonMockConfig(
        domain=f"127.0.0.1:{args.port}", url_scheme="http",
        database=DatabaseConfig(path=str(folder / "mastodon.sqlite")),
        media_storage_path=str(folder / "media"), seed=DEFAULT_TEST_SEED,
        ratelimit=ratelimit, streaming=StreamingConfig(heartbeat_seconds=0.2))
    threading.Thread(target=_watch_parent, daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(
        _SlowMediaProcessing(create_app(config)), log_level=args.log_level, server_header=False,
        timeout_graceful_shutdown=1, lifespan="on"))
    server.run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    _child(sys.argv[1:])
