"""Where the store gets wall-clock time from.

The store only asks ``now_ms()``; the commit turns it into a strictly increasing commit
timestamp (see ``revisions.db.next_timestamp``). Tests use :class:`ManualClock` so
``@timestamp`` reads are exact.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Wall-clock milliseconds since the epoch."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start_ms: int = 1_600_000_000_000) -> None:
        self.value = start_ms

    def now_ms(self) -> int:
        return self.value

    def set(self, value_ms: int) -> None:
        self.value = value_ms

    def advance(self, delta_ms: int = 1) -> int:
        self.value += delta_ms
        return self.value
