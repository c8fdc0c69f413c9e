"""The one retry policy for model APIs (the SDK's own retrying is off: ``max_retries=0``).

Retried: 408, 409, 429 and 5xx answers, timeouts, dropped connections, and replies that are not
a caption. A ``Retry-After`` (seconds, HTTP date, or ``retry-after-ms``) is honoured exactly,
plus a little jitter upwards; otherwise the wait grows exponentially with jitter, capped. A
server that asks for a longer wait than ``max_wait`` is not waited for: we give up at once
rather than hold a writer slot for minutes. Sleeping and the clock are injected, so tests
measure the waits without waiting.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from influencer.errors import InfluencerError, WriterGaveUp, WriterReplyInvalid

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
RETRIED_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # bounded: Settings.writer.attempts
    base_delay: float = 1.0  # first back-off, doubled each time
    max_delay: float = 30.0  # cap on a back-off we choose ourselves
    max_wait: float = 120.0  # longest Retry-After we honour before giving up
    jitter: float = 0.2  # fraction of a wait added at random (spreads a thundering herd)
    sleep: Sleep = asyncio.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    rand: Callable[[], float] = random.random

    async def run(self, call: Callable[[], Awaitable[T]], *, persona: str, slot: str,
                  what: str) -> T:
        """``call()`` until it succeeds; ``WriterGaveUp`` names persona, slot and the last error."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except Exception as exc:
                if not isinstance(exc, InfluencerError) and not _sdk_error(exc, "OpenAIError"):
                    raise
                if not retryable(exc):
                    if isinstance(exc, InfluencerError):
                        raise
                    raise WriterGaveUp(persona, slot, f"{what} failed: {describe(exc)}") from exc
                wait = self.wait_before_retry(exc, attempt)
                if attempt == self.attempts or wait is None:
                    why = ("the server asked to wait longer than "
                           f"{self.max_wait:g} s" if wait is None else f"{attempt} attempts")
                    raise WriterGaveUp(persona, slot, f"{what} gave up after {why}; "
                                       f"last error: {describe(exc)}") from exc
                await self.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def wait_before_retry(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before the next attempt; None when the server's wish is too long."""
        asked = retry_after(exc, self.now())
        if asked is not None:
            if asked > self.max_wait:
                return None
            return asked + min(1.0, asked * self.jitter) * self.rand()
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * (1 - self.jitter + 2 * self.jitter * self.rand())


def _sdk_error(exc: BaseException, *names: str) -> bool:
    """Whether ``exc`` is one of the OpenAI SDK's errors ``names``. The SDK is imported only
    by the writers and moderation that use it (it costs a third of a second): when it is not
    loaded, nothing can have raised its errors."""
    sdk = sys.modules.get("openai")
    return sdk is not None and isinstance(exc, tuple(getattr(sdk, name) for name in names))


def retryable(exc: BaseException) -> bool:
    if _sdk_error(exc, "APIStatusError"):
        status = int(getattr(exc, "status_code", 0))
        return status in RETRIED_STATUS or status >= 500
    return isinstance(exc, WriterReplyInvalid) or _sdk_error(
        exc, "APITimeoutError", "APIConnectionError", "APIResponseValidationError")


def retry_after(exc: BaseException, now: datetime) -> float | None:
    """The wait the server asked for, in seconds, if it asked."""
    response = getattr(exc, "response", None)
    headers: Mapping[str, str] | None = getattr(response, "headers", None)
    return None if headers is None else parse_retry_after(headers, now)


def parse_retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def describe(exc: BaseException) -> str:
    """One line about an API error, without the request body (it may hold persona text)."""
    if _sdk_error(exc, "APIStatusError"):
        return f"HTTP {getattr(exc, 'status_code', '?')}: {str(getattr(exc, 'message', exc))[:200]}"
    if _sdk_error(exc, "APITimeoutError"):
        return "request timed out"
    if _sdk_error(exc, "APIConnectionError"):
        return f"cannot connect: {exc.__cause__ or exc}"
    return str(exc)[:300] or type(exc).__name__
