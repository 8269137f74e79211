"""Sign-in throttling, per account and per client address (OWASP Authentication Cheat Sheet).

Each failed sign-in counts against two keys: ``account:<e-mail as typed, folded>`` and
``address:<client IP>``. Within a window (15 minutes) a key may fail a few times freely (5 per
account, 30 per address); then it is blocked for a delay (30 s) that doubles with each
further failure, up to 15 minutes.
A blocked key is refused with the seconds to wait (HTTP 429 and ``Retry-After``) before any
password work is done. Unknown e-mails are counted exactly like known ones, so throttling
tells nothing about which accounts exist. A success clears the account's key only: an
address that guesses across many accounts stays counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class ThrottleState:
    """Failures of one key in its current window, and until when it is blocked."""

    failures: int
    window_start: datetime
    blocked_until: datetime | None = None


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures a key may have in ``window`` before it is blocked (``free_*``: the
    next attempt after that many waits), the first delay, and the longest one."""

    free_per_account: int = 5
    free_per_address: int = 30
    window: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)


class ThrottleStore(Protocol):
    """Where throttle states live (a table, so that every worker process sees them)."""

    def get(self, key: str) -> ThrottleState | None: ...
    def put(self, key: str, state: ThrottleState) -> None: ...
    def clear(self, key: str) -> None: ...


def account_key(email: str) -> str:
    """The throttle key of an account (the e-mail as typed, trimmed and lower-cased)."""
    return "account:" + email.strip().lower()[:320]


def address_key(address: str) -> str:
    """The throttle key of a client address."""
    return "address:" + address[:100]


@dataclass
class LoginThrottle:
    """Decides whether a sign-in may be tried, and records how it went."""

    store: ThrottleStore
    policy: ThrottlePolicy = ThrottlePolicy()

    def retry_after(self, keys: list[str], now: datetime) -> int | None:
        """Seconds (rounded up, >= 1) until every key may try again; None when none is blocked."""
        waits = [
            s.blocked_until - now
            for key in keys
            if (s := self.store.get(key)) is not None and s.blocked_until and s.blocked_until > now
        ]
        if not waits:
            return None
        return max(1, math.ceil(max(waits).total_seconds()))

    def failed(self, email: str, address: str, now: datetime) -> None:
        """Count a failed sign-in against the account and the address."""
        self._count(account_key(email), self.policy.free_per_account, now)
        self._count(address_key(address), self.policy.free_per_address, now)

    def succeeded(self, email: str) -> None:
        """Forget the account's failures (the address keeps its count)."""
        self.store.clear(account_key(email))

    def _count(self, key: str, free: int, now: datetime) -> None:
        state = self.store.get(key)
        if state is None or now - state.window_start > self.policy.window:
            state = ThrottleState(0, now)
        failures = state.failures + 1
        blocked = state.blocked_until
        if failures >= free:
            blocked = now + self._delay(failures - free + 1)
        self.store.put(key, ThrottleState(failures, state.window_start, blocked))

    def _delay(self, over: int) -> timedelta:
        delay: timedelta = self.policy.first_delay * (2 ** min(over - 1, 20))
        return min(delay, self.policy.max_delay)
