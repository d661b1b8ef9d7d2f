"""The HTTP session the X and Mastodon clients use: a timeout on every call, and the last answer's headers kept."""

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError


class RecordingSession(requests.Session):
    """A requests session that applies a timeout, can point a client at another host, and keeps the last headers.

    tweepy hard-codes X's host and sets no timeout; without one a hung call blocks the worker.
    The host is rewritten before the request is signed, so an OAuth signature still matches.
    The headers are kept because neither tweepy nor Mastodon.py hands them back with the result.
    """

    def __init__(self, timeout: float, real_base: str | None = None, base_url: str | None = None):
        super().__init__()
        self.timeout = timeout
        self.real_base = real_base.rstrip("/") if real_base else None
        self.base_url = base_url.rstrip("/") if base_url else None
        self.last_headers: dict[str, str] = {}

    def request(self, method, url, *args, **kwargs):
        """Send a request to the configured host with the default timeout, and keep the answer's headers."""
        if self.real_base and self.base_url and self.base_url != self.real_base and url.startswith(self.real_base):
            url = self.base_url + url[len(self.real_base):]
        kwargs.setdefault("timeout", self.timeout)
        self.last_headers = {}
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = {key.lower(): value for key, value in response.headers.items()}
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
