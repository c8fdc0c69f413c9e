"""How a failed HTTP exchange with a platform becomes one of our three platform errors.

    answered 429                    RetryableError, retry_after from the platform's headers
    answered 5xx, 408               RetryableError; for a create, UnknownOutcome: a server (or a
                                    gateway in front of it) may answer 5xx after making the post
    answered any other 4xx          PermanentError carrying the platform's own message
    failed before sending           RetryableError: refused, DNS, connect timeout, TLS handshake
    failed after sending            UnknownOutcome: read timeout, connection dropped, anything else

Shared by the adapters; works for ``requests`` (tweepy, Mastodon.py) and ``httpx`` failures,
including library exceptions that wrap them (the wrapped one is found through the cause chain).
A message never includes request headers, so no credential can leak through it.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import httpx
import requests
import urllib3.exceptions

from influencer.errors import PermanentError, PlatformError, RetryableError, UnknownOutcome

# Failures that happen before a single byte of the request reached the platform.
BEFORE_SENDING: tuple[type[BaseException], ...] = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError)
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.SSLError,
    requests.exceptions.ConnectTimeout,
    requests.exceptions.SSLError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    ConnectionRefusedError,
    socket.gaierror,
    ssl.SSLError,
)
# X: x-rate-limit-reset (epoch seconds); Mastodon: X-RateLimit-Reset (ISO 8601); Bluesky: ratelimit-reset
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")


def from_status(where: str, status: int, message: str, retry_after: float | None = None, *,
                creates: bool = False) -> PlatformError:
    """The error for an HTTP answer with ``status``; ``where`` names platform and action, and
    ``creates`` says the request makes a post (it is not idempotent)."""
    text = f"{where}: HTTP {status}" + (f": {message}" if message else "")
    if creates and (status == 408 or status >= 500):
        return UnknownOutcome(f"{text}; it may have been made all the same")
    if status == 429 or status == 408 or status >= 500:
        return RetryableError(text, retry_after)
    return PermanentError(text)


def from_transport(where: str, exc: BaseException) -> PlatformError:
    """The error for a request that got no answer: retryable only if it was never sent."""
    if sent_nothing(exc):
        return RetryableError(f"{where}: could not connect ({_why_not_connected(exc)}); "
                              "nothing was sent")
    return UnknownOutcome(f"{where}: sent, but no answer ({_describe(exc)}); "
                          "it may have been acted on")


def sent_nothing(exc: BaseException) -> bool:
    return any(isinstance(e, BEFORE_SENDING) for e in _chain(exc))


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the platform asked us to wait: ``Retry-After``, else a rate-limit reset time."""
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    if "retry-after" in lowered:
        value = lowered["retry-after"]
        if value.isdigit():
            return float(value)
        moment = _http_date(value)
        if moment is not None:
            return max(0.0, (moment - now).total_seconds())
    for name in RESET_HEADERS:
        moment = _reset_time(lowered.get(name, ""))
        if moment is not None:
            return max(0.0, (moment - now).total_seconds())
    return None


def _reset_time(value: str) -> datetime | None:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _http_date(value: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (args, reason, cause, context), and so on, each once."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        stack += [e for e in linked if isinstance(e, BaseException)]


def _why_not_connected(exc: BaseException) -> str:
    """Why no connection was made, in a person's words, with the host when the error names it
    ("connection refused by 127.0.0.1:8443"), instead of the library's nested repr."""
    chain = list(_chain(exc))
    host = next((f"{c.host}:{c.port}" for e in chain
                 if (c := getattr(e, "conn", None)) is not None and getattr(c, "host", None)), None)
    if host is None:
        host = next((h for e in chain if isinstance(e, httpx.RequestError) and (h := _url_host(e))),
                    None)
    at = f" by {host}" if host else ""
    to = f" to {host}" if host else ""
    if any(isinstance(e, ConnectionRefusedError) or "[Errno 111]" in str(e) for e in chain):
        return f"connection refused{at}"
    if any(isinstance(e, socket.gaierror | urllib3.exceptions.NameResolutionError) for e in chain):
        name = host.rsplit(":", 1)[0] if host else ""
        return f"the host name{(' ' + name) if name else ''} could not be resolved"
    if any(isinstance(e, urllib3.exceptions.ConnectTimeoutError | requests.exceptions.ConnectTimeout
                      | httpx.ConnectTimeout) for e in chain):
        return f"connecting{to} timed out"
    if any(isinstance(e, ssl.SSLError | urllib3.exceptions.SSLError | requests.exceptions.SSLError)
           for e in chain):
        return f"the TLS handshake{(' with ' + host) if host else ''} failed"
    return _describe(exc)


def _url_host(exc: httpx.RequestError) -> str | None:
    try:
        url = exc.request.url
    except RuntimeError:  # raised outside a request: no URL to name
        return None
    return f"{url.host}:{url.port}" if url.port else url.host


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
