"""Bounding model-API traffic: requests in flight, and requests per minute.

A ``RequestGate`` is entered around every HTTP request (each retry too), so a batch runs as
many requests at once as ``Settings.concurrency.writers`` allows and no more than
``requests_per_minute`` start in any 60 seconds. The clock and sleep are injected so tests can
run a minute of traffic without waiting a minute.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType

Sleep = Callable[[float], Awaitable[None]]


class SlidingWindow:
    """At most ``limit`` acquisitions in any ``period`` seconds (exact, not a burst average)."""

    def __init__(self, limit: int, period: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit, self.period = limit, period
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        # The lock keeps waiters in arrival order and stops two of them taking the same opening.
        async with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.period:
                    self._starts.popleft()
                if len(self._starts) < self.limit:
                    self._starts.append(now)
                    return
                await self._sleep(self.period - (now - self._starts[0]))


class RequestGate:
    """``async with gate:`` around one request: a concurrency slot, then a rate-limit opening."""

    def __init__(self, concurrency: int, per_minute: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._window = (SlidingWindow(per_minute, clock=clock, sleep=sleep)
                        if per_minute else None)
        self.in_flight = 0
        self.most_in_flight = 0  # high-water mark, for reports and tests

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        try:
            if self._window is not None:
                await self._window.acquire()
        except BaseException:
            self._slots.release()
            raise
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.in_flight -= 1
        self._slots.release()
