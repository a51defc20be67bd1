"""Failed-login throttling, in memory per worker process.

A key (an account's email, or a client address) that failed `limit` times within `window` seconds is
refused until the oldest of those failures is `window` seconds old. Memory stays bounded: each key keeps
at most `limit` timestamps, and at most `max_keys` keys are kept (the least recently failed go first).
"""

import time
from collections import OrderedDict, deque


class FailureThrottle:
    def __init__(self, limit: int, window: float, max_keys: int = 100_000, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may try now."""
        failures = self._failures.get(key)
        if failures is None or len(failures) < self.limit:
            return 0.0
        wait = failures[0] + self.window - self.clock()
        if wait <= 0:
            del self._failures[key]
            return 0.0
        return wait

    def record_failure(self, key: str) -> None:
        failures = self._failures.pop(key, None) or deque(maxlen=self.limit)
        failures.append(self.clock())
        self._failures[key] = failures
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    """The per-account and per-client throttles of one worker."""

    def __init__(self, per_account: int, per_client: int, window: float) -> None:
        self.accounts = FailureThrottle(per_account, window)
        self.clients = FailureThrottle(per_client, window)

    def retry_after(self, email: str, client: str) -> float:
        return max(self.accounts.retry_after(email), self.clients.retry_after(client))

    def failed(self, email: str, client: str) -> None:
        self.accounts.record_failure(email)
        self.clients.record_failure(client)

    def succeeded(self, email: str) -> None:
        self.accounts.reset(email)
