"""A logged-in atproto client for one Bluesky account, its saved session, and error classification.

Logins (``com.atproto.server.createSession``) are rate-limited (30 per 5 minutes per account), so
the session is saved in ``<state_dir>/bluesky/<persona>.session`` (mode 0600, with the PDS URL
and handle it is for) and reused; atproto refreshes it when its access token nears expiry and we
save it again. A saved session the PDS no longer accepts is dropped and the app password is
used once. Login skips the AppView profile lookup (``fetch_bsky_profile=False``): only
``com.atproto.*`` is ever called, so a PDS without an AppView is enough.

atproto's failures, classified (the SDK itself neither retries nor sleeps):

    429                                  RetryableError (with ratelimit-reset / retry-after)
    5xx                                  UnknownOutcome for a write that can publish (the reference
                                         PDS answers a duplicate record key with 500), else Retryable
    refused before sending               RetryableError
    400 / 401 / 403 / other 4xx          PermanentError with the PDS's own error and message
    timeout / broken connection          UnknownOutcome for a write that can publish or delete,
                                         RetryableError for anything else
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from atproto_client import Client  # type: ignore[import-untyped, unused-ignore]
from atproto_client import exceptions as at  # type: ignore[import-untyped, unused-ignore]
from atproto_client.request import Request  # type: ignore[import-untyped, unused-ignore]

from influencer.config.credentials import Secret
from influencer.errors import PermanentError, PlatformError, RetryableError, UnknownOutcome
from influencer.platforms.private_files import write_private_json

DEFAULT_PDS = "https://bsky.social"
REFUSED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _retry_after(exc: Any, now: datetime) -> float | None:
    after = exc.retry_after
    if after is not None:
        return float(after)
    reset = exc.reset_at
    return max((reset - now).total_seconds(), 0.0) if reset is not None else None


def classify(exc: BaseException, doing: str, *, may_publish: bool) -> PlatformError:
    """The PlatformError an atproto (or transport) failure stands for."""
    message = f"bluesky: {doing}: {exc}"
    if isinstance(exc, at.RateLimitExceededError):
        return RetryableError(message, _retry_after(exc, datetime.now(UTC)))
    response = getattr(exc, "response", None)
    if isinstance(exc, at.RequestErrorBase) and response is not None:
        status = int(response.status_code)
        if status >= 500:  # a write that may have been made: the reference PDS answers a record key
            # that exists with 500 (observed, @atproto/pds): a lookup decides, never a blind retry
            return UnknownOutcome(message) if may_publish else RetryableError(message)
        return PermanentError(message)
    cause = exc.__cause__ if isinstance(exc, at.NetworkError) else exc
    if isinstance(cause, REFUSED):
        return RetryableError(f"bluesky: {doing}: not sent ({type(cause).__name__}: {cause})")
    if isinstance(cause, httpx.TransportError):
        lost = f"bluesky: {doing}: sent, but no answer ({type(cause).__name__}: {cause})"
        return UnknownOutcome(lost) if may_publish else RetryableError(lost)
    if isinstance(exc, at.LoginRequiredError):
        return PermanentError(f"bluesky: {doing}: not logged in")
    return UnknownOutcome(message) if may_publish else PermanentError(message)


@contextmanager
def classified(doing: str, *, may_publish: bool = False) -> Iterator[None]:
    try:
        yield
    except PlatformError:
        raise
    except Exception as exc:
        raise classify(exc, doing, may_publish=may_publish) from None


class BlueskySession:
    """An atproto ``Client`` logged in as one account, reusing the saved session."""

    def __init__(self, base_url: str | None, handle: str, password: Callable[[], Secret],
                 path: Path, timeout: float) -> None:
        self.base_url = (base_url or DEFAULT_PDS).rstrip("/")
        self.handle = handle.lstrip("@")
        self._password = password
        self.path = path
        self.timeout = timeout
        self.client = self._fresh_client()
        self.did = ""

    def login(self) -> str:
        """Log in (from the saved session when it still works) and return the account's DID."""
        saved = self._saved()
        if saved:
            with classified("resume the saved session"):
                self.client.login(session_string=saved, fetch_bsky_profile=False)
            try:
                with classified("check the saved session"):
                    self.did = str(self.client.com.atproto.server.get_session().did)
                    return self.did
            except PermanentError:  # expired or revoked: log in with the app password once
                self.path.unlink(missing_ok=True)
                self.close()
                self.client = self._fresh_client()
        with classified("log in"):
            self.client.login(self.handle, self._password().reveal(), fetch_bsky_profile=False)
        return self.did  # set by _changed when the session was created

    def close(self) -> None:
        self.client.request.close()

    def _fresh_client(self) -> Any:
        client = Client(self.base_url, request=Request(timeout=self.timeout))
        client.on_session_change(self._changed)
        return client

    def _changed(self, event: Any, session: Any) -> None:
        self.did = str(session.did)
        self._save(session.export())

    def _saved(self) -> str | None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or (saved.get("base_url"), saved.get("handle")) != (
                self.base_url, self.handle):
            return None  # a session for another PDS or account
        session = saved.get("session")
        return session if isinstance(session, str) else None

    def _save(self, session: str) -> None:
        saved = {"base_url": self.base_url, "handle": self.handle, "session": session}
        write_private_json(self.path, saved, ".session-")
