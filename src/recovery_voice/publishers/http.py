"""The HTTP plumbing the clients use: a deadline on every call's whole answer, and the last answer's headers kept."""

import socket
import threading
import time

import httpcore
import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError


class DeadlineExceeded(requests.ReadTimeout):
    """A call's answer did not arrive in full within the deadline (a server trickling bytes, say)."""


class _Deadline:
    """One call's deadline: when it passes, the sockets the call uses are shut, which ends any read at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def watch(self, sock: socket.socket | None) -> None:
        """Shut this socket when the deadline passes (at once if it already has)."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut a socket both ways; one already closed is fine."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_current = threading.local()  # the deadline of the call this thread is making


class _WatchedHTTPConnection(HTTPConnection):
    """A urllib3 connection that hands its socket to the current call's deadline before reading the answer."""

    def getresponse(self, *args, **kwargs):
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    """The TLS twin of _WatchedHTTPConnection."""

    getresponse = _WatchedHTTPConnection.getresponse


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections can be cut off by a call's deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class RecordingSession(requests.Session):
    """A requests session with a timeout and a deadline, that can point a client at another host and keeps headers.

    tweepy hard-codes X's host and sets no timeout; without one a hung call blocks the worker. A timeout
    alone bounds each read, not the call, so a server sending a byte now and then could hold it for ever:
    the deadline (the same number of seconds) bounds the whole call, answer included.
    The host is rewritten before the request is signed, so an OAuth signature still matches.
    The headers and status are kept because neither tweepy nor Mastodon.py hands them back with the result.
    """

    def __init__(self, timeout: float, real_base: str | None = None, base_url: str | None = None):
        super().__init__()
        self.timeout = timeout
        self.real_base = real_base.rstrip("/") if real_base else None
        self.base_url = base_url.rstrip("/") if base_url else None
        self.last_headers: dict[str, str] = {}
        self.last_status: int | None = None
        for prefix in ("http://", "https://"):
            self.mount(prefix, _DeadlineAdapter())

    def request(self, method, url, *args, **kwargs):
        """Send a request to the configured host within the deadline, and keep the answer's status and headers."""
        if self.real_base and self.base_url and self.base_url != self.real_base and url.startswith(self.real_base):
            url = self.base_url + url[len(self.real_base):]
        kwargs.setdefault("timeout", self.timeout)
        self.last_headers, self.last_status = {}, None
        with _Deadline(self.timeout) as deadline:
            _current.deadline = deadline
            try:
                response = super().request(method, url, *args, **kwargs)
            except requests.RequestException as error:
                if deadline.expired:
                    raise DeadlineExceeded(f"no complete answer within {self.timeout:g} s") from error
                raise
            finally:
                _current.deadline = None
        self.last_headers = {key.lower(): value for key, value in response.headers.items()}
        self.last_status = response.status_code
        return response


def never_connected(error: BaseException | None) -> bool:
    """Tell whether a network error happened before anything was sent (refused, host not found, connect timeout)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if not isinstance(error, requests.ConnectionError):
        return False
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, (NewConnectionError, NameResolutionError))


# httpx (the Bluesky SDK) ------------------------------------------------------------------------------------------


class DeadlineTransport(httpx.HTTPTransport):
    """An httpx transport where each request, answer included, must finish within `seconds` of being sent.

    httpx's timeouts bound each read; every read here waits at most what is left of the request's deadline.
    """

    def __init__(self, seconds: float, **kwargs):
        super().__init__(**kwargs)
        self.seconds = seconds
        self._pool._network_backend = _DeadlineBackend(self._pool._network_backend)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Start the request's deadline; it covers reading the body too, which httpx does after this returns."""
        _current.ends_at = time.monotonic() + self.seconds
        return super().handle_request(request)


def _left(timeout: float | None) -> float | None:
    """The time a read or write may wait: its own timeout, cut to what is left of the request's deadline."""
    ends_at = getattr(_current, "ends_at", None)
    if ends_at is None:
        return timeout
    left = ends_at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("no complete answer before the deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes keep to the current request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Wraps httpcore's backend so every stream it opens keeps to the deadline."""

    def __init__(self, backend: httpcore.NetworkBackend):
        self._backend = backend

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return _DeadlineStream(self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _DeadlineStream(self._backend.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
