"""Login throttling: too many wrong passwords for one email, or from one address, pause sign-in for a while."""

import threading
import time
from collections import defaultdict, deque

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class Throttle:
    """Counts recent failed sign-ins per key (email, address) in this process."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS, clock=time.monotonic):
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        """Tell whether any key has failed too often within the window."""
        with self._lock:
            return any(len(self._recent(key)) >= self.max_failures for key in keys)

    def failed(self, *keys: str) -> None:
        """Record one failure against each key."""
        with self._lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of a key that has now signed in."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str) -> deque:
        """Return the key's failures, dropping those older than the window."""
        entries = self._failures[key]
        while entries and entries[0] < self.clock() - self.window:
            entries.popleft()
        return entries
