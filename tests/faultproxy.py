"""A fault-injecting, rate-limiting reverse proxy for loopback API servers in tests.

``FaultProxy`` is a standard-library ``ThreadingHTTPServer`` on 127.0.0.1 (port 0)
placed in front of an upstream loopback server (tests/xapi.py, mastodon-mock, a
Bluesky PDS). It forwards method, path, query, headers and body, and returns the
upstream's status, headers and body. The Host header the client sent is kept by
default, so an OAuth 1.0a signature made over the proxy URL (X) stays valid::

    with XApiServer(...) as x, FaultProxy(x.base_url, platform="x", seed=7) as proxy:
        client.session = XSession(proxy.base_url, timeout=0.5)
        proxy.storm(rate=0.3, kinds=("429", "500", "timeout"), match=route("POST", "/2/tweets"))
        ...
        assert not proxy.violations

Kinds: ``"429"`` and ``"500"`` are answered by the proxy in the platform's format
without forwarding (a 429's reset lies ``reset_in`` s ahead); ``"timeout"`` is
FORWARDED (the upstream does create the post), then the answer is held ``hold`` s
and the connection closed unanswered; ``"timeout_before"`` holds and closes
without forwarding. ``"html"``, ``"empty"`` and ``"null_data"`` are FORWARDED, then
the client gets a 200 with an HTML page, ``{}`` or ``{"data": null}`` instead of
the upstream's answer. ``"reset"`` resets the connection (RST) without
forwarding; ``"404"`` answers 404 without forwarding. ``"trickle"`` is FORWARDED
and the upstream's answer is sent one byte every ``trickle_every`` s (status line
included), so a per-read timeout never fires.

Per request, in order: a queued ``fail_next`` fault; else the ``limit`` limiter
(over the limit: the platform's 429, not forwarded; otherwise its limit/remaining/
reset headers replace the upstream's); else the ``storm`` (a seeded
``random.Random`` fails a share ``rate`` of matching requests with a kind drawn
from ``kinds``); else plain forwarding.

Formats: ``"x"`` ``x-rate-limit-*`` (reset epoch s, problem+json body);
``"mastodon"`` ``X-RateLimit-*`` (reset ISO 8601 UTC, ``{"error": "Too many
requests"}``); ``"bluesky"`` ``ratelimit-*`` + ``ratelimit-policy`` (reset epoch s,
``{"error": "RateLimitExceeded", ...}``). See ``PLATFORMS``.

Limits are per credential (``auth_key``: an OAuth 1.0a header's ``oauth_token``,
else the Authorization value, else ``"-"``). Every request is recorded
(``records``); one that arrives for a key while a 429 the proxy sent for that key
(and its rule's match) still said to wait is flagged in ``violations``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

__all__ = ["FaultProxy", "ProxyRecord", "PLATFORMS", "KINDS", "route", "auth_key"]

Matcher = Callable[[str, str], bool]
KINDS = ("429", "500", "timeout", "timeout_before", "html", "empty", "null_data", "reset", "404", "trickle")
# Kinds that forward the request (the upstream acts on it) and then replace the answer the client gets.
_FORWARD_THEN_REPLACE = {"html": (200, "text/html; charset=utf-8", b"<html><body>Status created</body></html>"),
                         "empty": (200, "application/json", b"{}"),
                         "null_data": (200, "application/json", b'{"data": null}')}
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
               "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade"}


def route(method: str | None = None, prefix: str = "") -> Matcher:
    """A matcher for requests with this method (any if None) whose path starts with prefix."""
    method = method.upper() if method else None
    return lambda m, path: (method is None or m == method) and path.startswith(prefix)


def _any(method: str, path: str) -> bool:
    return True


def auth_key(authorization: str | None) -> str:
    """The credential a request is rate limited under (see the module docstring)."""
    value = (authorization or "").strip()
    if value.lower().startswith("oauth "):
        token = re.search(r'oauth_token="([^"]*)"', value)
        return "oauth:" + unquote(token.group(1)) if token else value
    return value or "-"




def _epoch(reset_at: float) -> str:
    return str(math.ceil(reset_at))


def _iso(reset_at: float) -> str:
    stamp = datetime.fromtimestamp(reset_at, timezone.utc)
    return stamp.isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class PlatformFormat:
    """How one platform spells rate-limit headers and error bodies."""

    name: str
    names: tuple[str, ...]       # limit, remaining, reset[, policy] header names
    reset_format: Callable[[float], str]
    integer_reset: bool          # the reset header has whole-second resolution
    default_limit: int           # limit header value for an injected 429 without a limiter
    default_window: int
    too_many: dict
    server_error: dict
    content_type: str = "application/json; charset=utf-8"

    def rate_headers(self, limit: int, remaining: int, reset_at: float, window: float) -> dict:
        values = [str(limit), str(max(0, remaining)), self.reset_format(reset_at),
                  f"{limit};w={math.ceil(window)}"]
        return dict(zip(self.names, values))

    def header_names(self) -> set[str]:
        return {name.lower() for name in self.names}


def _problem(status: int, title: str) -> dict:
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


PLATFORMS = {
    "x": PlatformFormat("x", ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
                        _epoch, True, 100, 900,
                        _problem(429, "Too Many Requests"), _problem(500, "Internal Server Error"),
                        content_type="application/problem+json"),
    "mastodon": PlatformFormat("mastodon", ("X-RateLimit-Limit", "X-RateLimit-Remaining",
                                            "X-RateLimit-Reset"), _iso, False, 300, 300,
                               {"error": "Too many requests"}, {"error": "Internal Server Error"}),
    "bluesky": PlatformFormat("bluesky", ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
                                          "ratelimit-policy"), _epoch, True, 3000, 300,
                              {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                              {"error": "InternalServerError", "message": "Internal Server Error"}),
}




@dataclass
class ProxyRecord:
    """One request the proxy saw and what it did with it.

    ``outcome``: "forwarded", "429", "500", "timeout" (forwarded, answer withheld),
    "timeout_before" (withheld, not forwarded), "upstream_error" (502/504), or
    "pending" while in flight. ``by``: "script", "limit", "storm" or None.
    ``status``: what the client got (None: no answer); ``upstream_status``: what the
    upstream answered (None: not forwarded or no answer).
    """

    at: float
    method: str
    path: str
    query: str
    key: str
    outcome: str = "pending"
    by: str | None = None
    status: int | None = None
    upstream_status: int | None = None
    reset_at: float | None = None
    violation: bool = False
    duration: float = 0.0
    body_sha256: str = ""  # the request body's SHA-256 (a Bluesky blob upload's body is the image itself)


@dataclass
class _Script:
    kind: str
    count: int
    match: Matcher


@dataclass
class _Storm:
    rate: float
    kinds: tuple[str, ...]
    match: Matcher


@dataclass
class _Limiter:
    requests: int
    window: float
    match: Matcher
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def take(self, key: str, now: float) -> tuple[bool, int, float]:
        """Count one request: (allowed, remaining, reset_at) in its aligned window."""
        start = math.floor(now / self.window) * self.window
        prev_start, used = self.windows.get(key, (start, 0))
        used = used + 1 if prev_start == start else 1
        self.windows[key] = (start, used)
        return used <= self.requests, self.requests - used, start + self.window


@dataclass
class _Decision:
    kind: str | None = None          # a fault kind, or None to forward
    by: str | None = None
    headers: dict | None = None      # rate headers for the answer
    reset_at: float | None = None


def _check_kind(kind: str) -> str:
    kind = str(kind)
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {KINDS}")
    return kind




class FaultProxy:
    """A reverse proxy on 127.0.0.1 that injects faults and rate limits (see module doc).

    ``upstream``: base URL of the loopback server. ``platform``: "x", "mastodon" or
    "bluesky". ``seed``: for the storm's ``random.Random``. ``reset_in``: seconds
    ahead an injected 429's reset lies. ``hold``: seconds a timeout withholds the
    answer (make it longer than the client's timeout). ``preserve_host``: forward
    the client's Host header (False: the upstream's host:port).
    """

    def __init__(self, upstream: str, *, platform: str = "x", seed: int = 0,
                 reset_in: float = 1.0, hold: float = 2.0, upstream_timeout: float = 15.0,
                 preserve_host: bool = True, trickle_every: float = 0.5):
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._up_host, self._up_port = parts.hostname, parts.port or 80
        self._up_base = parts.path.rstrip("/")
        self.format = PLATFORMS[platform]
        self.reset_in, self.hold, self.trickle_every = reset_in, hold, trickle_every
        self.upstream_timeout, self.preserve_host = upstream_timeout, preserve_host
        self.rng = random.Random(seed)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._scripts: list[_Script] = []
        self._storm: _Storm | None = None
        self._limiter: _Limiter | None = None
        self._waits: dict[str, list[tuple[float, Matcher]]] = {}
        self._records: list[ProxyRecord] = []
        self._inflight = 0
        self._conns: set[socket.socket] = set()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.proxy = self
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------

    def start(self) -> "FaultProxy":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name="FaultProxy", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release held answers and close open client connections."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)
        self._httpd.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- configuring faults ---------------------------------------------

    def storm(self, rate: float = 0.3, kinds: Iterable[str] = ("429", "500", "timeout"),
              match: Matcher | None = None) -> None:
        """From now on, fail about ``rate`` of the matching requests (replaces any storm)."""
        kinds = tuple(_check_kind(k) for k in kinds)
        if not 0 <= rate <= 1 or not kinds:
            raise ValueError("rate must be in [0, 1] and kinds not empty")
        with self._lock:
            self._storm = _Storm(rate, kinds, match or _any)

    def calm(self) -> None:
        """End the storm."""
        with self._lock:
            self._storm = None

    def fail_next(self, kind: str, count: int = 1, match: Matcher | None = None) -> None:
        """Fail the next ``count`` matching requests with ``kind`` (before limiter and storm)."""
        with self._lock:
            self._scripts.append(_Script(_check_kind(kind), count, match or _any))

    def limit(self, requests: int, window: float, match: Matcher | None = None) -> None:
        """Allow ``requests`` per key per fixed window aligned to multiples of ``window``."""
        if requests < 0 or window <= 0:
            raise ValueError("requests must be >= 0 and window > 0")
        with self._lock:
            self._limiter = _Limiter(requests, window, match or _any)

    def unlimit(self) -> None:
        with self._lock:
            self._limiter = None

    def clear(self) -> None:
        """Drop scripted faults, the storm and the limiter (records are kept)."""
        with self._lock:
            self._scripts.clear()
            self._storm = self._limiter = None

    # ---- bookkeeping ----------------------------------------------------

    @property
    def records(self) -> list[ProxyRecord]:
        with self._lock:
            return list(self._records)

    @property
    def violations(self) -> list[ProxyRecord]:
        """Requests that arrived while a 429 sent for their key still said to wait."""
        return [r for r in self.records if r.violation]

    @property
    def counts(self) -> Counter:
        """Requests per outcome ("forwarded", "429", "500", "timeout", ...)."""
        return Counter(r.outcome for r in self.records)

    def clear_records(self) -> None:
        """Forget the records and the pending 429 waits."""
        with self._lock:
            self._records.clear()
            self._waits.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is in flight; False if still busy after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    # ---- deciding -------------------------------------------------------

    def _arrive(self, method: str, path: str, query: str, key: str) -> tuple[ProxyRecord, _Decision]:
        now = time.time()
        record = ProxyRecord(at=now, method=method, path=path, query=query, key=key)
        with self._lock:
            self._records.append(record)
            self._inflight += 1
            waits = [(reset, m) for reset, m in self._waits.get(key, ()) if reset > now]
            self._waits[key] = waits
            record.violation = any(m(method, path) for _, m in waits)
            decision, match = self._decide(method, path, key, now)
            if decision.kind == "429":
                self._waits.setdefault(key, []).append((decision.reset_at, match))
            record.by, record.reset_at = decision.by, decision.reset_at
        return record, decision

    def _decide(self, method: str, path: str, key: str, now: float) -> tuple[_Decision, Matcher]:
        for script in self._scripts:
            if script.match(method, path):
                script.count -= 1
                if script.count <= 0:
                    self._scripts.remove(script)
                return self._fault(script.kind, "script", now), script.match
        limiter, headers = self._limiter, None
        if limiter is not None and limiter.match(method, path):
            allowed, remaining, reset_at = limiter.take(key, now)
            headers = self.format.rate_headers(limiter.requests, remaining, reset_at, limiter.window)
            if not allowed:
                return _Decision("429", "limit", headers, reset_at), limiter.match
        storm = self._storm
        if storm is not None and storm.match(method, path) and self.rng.random() < storm.rate:
            return self._fault(self.rng.choice(storm.kinds), "storm", now), storm.match
        return _Decision(None, None, headers), _any

    def _fault(self, kind: str, by: str, now: float) -> _Decision:
        if kind != "429":
            return _Decision(kind, by)
        fmt, limiter = self.format, self._limiter
        reset_at = now + self.reset_in
        if fmt.integer_reset:
            reset_at = math.ceil(reset_at)
        limit = limiter.requests if limiter else fmt.default_limit
        window = limiter.window if limiter else fmt.default_window
        return _Decision("429", by, fmt.rate_headers(limit, 0, reset_at, window), reset_at)

    # ---- serving (handler threads) --------------------------------------

    def _serve(self, handler: "_Handler", body: bytes) -> None:
        parts = urlsplit(handler.path)
        key = auth_key(handler.headers.get("Authorization"))
        record, decision = self._arrive(handler.command, parts.path, parts.query, key)
        record.body_sha256 = hashlib.sha256(body).hexdigest() if body else ""
        try:
            self._act(handler, record, decision, body)
        finally:
            with self._idle:
                record.duration = time.time() - record.at
                self._inflight -= 1
                self._idle.notify_all()

    def _act(self, handler: "_Handler", record: ProxyRecord, decision: _Decision, body: bytes) -> None:
        kind = decision.kind
        if kind in ("429", "500"):
            status = int(kind)
            payload = self.format.too_many if status == 429 else self.format.server_error
            record.outcome, record.status = kind, status
            handler.reply_json(status, payload, self.format.content_type, decision.headers or {})
            return
        if kind == "timeout_before":
            record.outcome = kind
            self._withhold(handler)
            return
        if kind == "reset":
            record.outcome = kind
            handler.reset()
            return
        if kind == "404":
            record.outcome, record.status = kind, 404
            handler.reply_json(404, {"error": "Not Found"}, "application/json", {})
            return
        answer = self._forward(handler, body)
        if isinstance(answer, int):
            record.outcome, record.status = "upstream_error", answer
            handler.reply_json(answer, {"error": "upstream unavailable"}, "application/json", {})
            return
        status, headers, data = answer
        record.upstream_status = status
        if kind == "timeout":
            record.outcome = kind
            self._withhold(handler)
            return
        if kind in _FORWARD_THEN_REPLACE:
            replaced, content_type, data = _FORWARD_THEN_REPLACE[kind]
            record.outcome, record.status = kind, replaced
            handler.reply_raw(replaced, [("Content-Type", content_type)], data)
            return
        if kind == "trickle":
            record.outcome, record.status = kind, status
            handler.reply_trickled(status, headers, data, self.trickle_every, self._stopping)
            return
        if decision.headers:
            names = self.format.header_names()
            headers = [(k, v) for k, v in headers if k.lower() not in names]
            headers += list(decision.headers.items())
        record.outcome, record.status = "forwarded", status
        handler.reply_raw(status, headers, data)

    def _withhold(self, handler: "_Handler") -> None:
        """Hold the answer for ``hold`` seconds (less if stopping), then hang up."""
        self._stopping.wait(self.hold)
        handler.close_connection = True
        _shutdown(handler.connection)

    def _forward(self, handler: "_Handler", body: bytes):
        """Send the request upstream: (status, headers, body), or 502/504 on failure."""
        conn = http.client.HTTPConnection(self._up_host, self._up_port, timeout=self.upstream_timeout)
        try:
            conn.putrequest(handler.command, self._up_base + handler.path,
                            skip_host=True, skip_accept_encoding=True)
            for name, value in self._request_headers(handler, body):
                conn.putheader(name, value)
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        except socket.timeout:
            return 504
        except (OSError, http.client.HTTPException):
            return 502
        finally:
            conn.close()

    def _request_headers(self, handler: "_Handler", body: bytes) -> list[tuple[str, str]]:
        headers = [(k, v) for k, v in handler.headers.items()
                   if k.lower() not in _HOP_BY_HOP and k.lower() not in ("host", "content-length", "expect")]
        host = handler.headers.get("Host") if self.preserve_host else None
        headers.insert(0, ("Host", host or f"{self._up_host}:{self._up_port}"))
        if body or handler.command in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(body))))
        return headers


def _shutdown(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    proxy: FaultProxy

    def handle_error(self, request, client_address) -> None:
        """Stay quiet when a client hangs up (timeouts do that on purpose)."""
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30  # an idle keep-alive connection is closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.proxy._lock:
            self.server.proxy._conns.add(self.connection)

    def finish(self) -> None:
        with self.server.proxy._lock:
            self.server.proxy._conns.discard(self.connection)
        super().finish()

    def log_message(self, format, *args) -> None:
        pass

    def _serve(self) -> None:
        self.server.proxy._serve(self, self._read_body())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        data = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(data)
            data += self.rfile.read(size)
            self.rfile.readline()

    def reply_json(self, status: int, payload: dict, content_type: str, headers: dict) -> None:
        """Answer with a JSON body the proxy made itself."""
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.reply_raw(status, [("Content-Type", content_type), *headers.items()], data)

    def reset(self) -> None:
        """Hang up with a TCP reset (SO_LINGER 0), as a crashed middlebox does."""
        import struct

        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.connection.close()

    def reply_trickled(self, status: int, headers: list[tuple[str, str]], data: bytes, every: float,
                       stopping: threading.Event) -> None:
        """Send the whole answer one byte at a time, `every` seconds apart, until done or the client leaves."""
        lines = [f"HTTP/1.1 {status} Trickled"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"]
        lines += [f"Content-Length: {len(data)}", "Connection: close", "", ""]
        raw = "\r\n".join(lines).encode("latin-1") + data
        self.close_connection = True
        for index in range(len(raw)):
            if stopping.wait(every):
                return
            try:
                self.connection.sendall(raw[index:index + 1])
            except OSError:
                return

    def reply_raw(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        """Answer with a status, headers (hop-by-hop dropped) and a Content-Length body."""
        self.send_response_only(status)
        names = set()
        for name, value in headers:
            lower = name.lower()
            if lower in _HOP_BY_HOP or lower == "content-length":
                continue
            names.add(lower)
            self.send_header(name, value)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
