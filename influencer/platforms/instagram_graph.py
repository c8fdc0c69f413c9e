"""The Instagram Graph API over plain HTTP (httpx), and how its failures are classified.

Requests go to ``<base>/<GRAPH_VERSION>/<path>`` with the access token in an
``Authorization: Bearer`` header, so it never appears in a URL, a log line or an error message.
Graph errors come as ``{"error": {"message", "type", "code", "error_subcode", "is_transient"}}``:

    HTTP 429, codes 4 / 17 / 32 / 613 (rate limits), is_transient, 5xx   RetryableError
    code 9 subcode 2207042 (daily publishing cap hit at publish time)   QuotaExhausted (held back)
    anything else (190 token, 10 / 200 permissions, 100 / 36003 / 9004 validation)  PermanentError
    refused before sending                                            RetryableError
    timeout or broken connection after sending                        UnknownOutcome where the call
                                                                      could publish, else Retryable
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from influencer.config.credentials import Secret
from influencer.errors import HeldBack, PermanentError, RetryableError, UnknownOutcome

GRAPH_VERSION = "v23.0"  # Graph API version every path is prefixed with
DEFAULT_BASE_URL = "https://graph.instagram.com"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
QUOTA_SUBCODE = 2207042  # "reached the maximum number of posts ... published by the API"


class QuotaExhausted(HeldBack):
    """The account's Content Publishing quota for the last 24 h is used up: nothing was sent, and
    the post waits (checked again every ``RECHECK`` seconds, spending none of its attempts); the
    API does not say when the rolling window frees a place."""

    RECHECK = 3600.0

    def __init__(self, used: int | None, total: int | None, window_seconds: int | None) -> None:
        self.used, self.total, self.window_seconds = used, total, window_seconds
        hours = f"{window_seconds // 3600} h" if window_seconds else "24 h"
        counts = f"{used} of {total} posts" if used is not None and total is not None else "all posts"
        super().__init__(f"instagram: publishing quota used ({counts} in {hours})", self.RECHECK)


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value and value.strip().isdigit():
        return float(value)
    # Business Use Case rate limits say when access comes back, in minutes
    usage = response.headers.get("x-business-use-case-usage")
    try:
        minutes = [int(entry.get("estimated_time_to_regain_access") or 0)
                   for entries in json.loads(usage or "{}").values() for entry in entries]
    except (ValueError, AttributeError, TypeError):
        return None
    longest = max(minutes, default=0)
    return longest * 60.0 if longest else None


def raise_for(response: httpx.Response, doing: str) -> None:
    """Raise the PlatformError a non-2xx Graph answer stands for."""
    if response.is_success:
        return
    error = _error_body(response)
    code, subcode = error.get("code"), error.get("error_subcode")
    text = str(error.get("message") or response.reason_phrase or "no message")
    details = ", ".join(f"{k} {v}" for k, v in (("code", code), ("subcode", subcode)) if v is not None)
    message = f"instagram: {doing}: {text} (HTTP {response.status_code}{', ' + details if details else ''})"
    if subcode == QUOTA_SUBCODE:
        raise QuotaExhausted(None, None, None)
    if (response.status_code == 429 or code in RATE_LIMIT_CODES or error.get("is_transient") is True
            or response.status_code >= 500):
        raise RetryableError(message, _retry_after(response))
    raise PermanentError(message)


class Graph:
    """A narrow Graph API client: GET and POST a path, JSON back, failures classified."""

    def __init__(self, base_url: str | None, token: Secret, timeout: float,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base = f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/{GRAPH_VERSION}"
        self._token = token
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def use_token(self, token: Secret) -> None:
        self._token = token

    def get(self, path: str, doing: str, params: dict[str, str] | None = None, *,
            versioned: bool = True) -> dict[str, Any]:
        return self._call("GET", path, doing, params=params, may_publish=False, versioned=versioned)

    def post(self, path: str, doing: str, data: dict[str, str], *, may_publish: bool = False
             ) -> dict[str, Any]:
        """POST form data. ``may_publish``: a lost answer may mean a post went out."""
        return self._call("POST", path, doing, data=data, may_publish=may_publish)

    def _call(self, method: str, path: str, doing: str, *, may_publish: bool, versioned: bool = True,
              params: dict[str, str] | None = None, data: dict[str, str] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token.reveal()}"}
        base = self.base if versioned else self.base.rsplit("/", 1)[0]
        try:
            response = self._client.request(method, f"{base}/{path.lstrip('/')}", params=params,
                                            data=data, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RetryableError(f"instagram: {doing}: not sent ({type(exc).__name__}: {exc})") from None
        except httpx.TransportError as exc:
            lost = f"instagram: {doing}: sent, but no answer ({type(exc).__name__}: {exc})"
            raise (UnknownOutcome(lost) if may_publish else RetryableError(lost)) from None
        raise_for(response, doing)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            lost = f"instagram: {doing}: answer is not a JSON object"
            raise UnknownOutcome(lost) if may_publish else PermanentError(lost)
        return body
