"""What the Mastodon adapter needs around Mastodon.py: its failures in our terms, the cached
instance limit, and a status's HTML read back to text.

Mastodon.py's exceptions map as follows:

    MastodonRatelimitError (429)            RetryableError, retry_after from X-RateLimit-Reset
    MastodonServerError (5xx)               RetryableError; UnknownOutcome for the status create
    MastodonUnauthorizedError, other 4xx    PermanentError with the instance's own "error" message
    MastodonNetworkError                    RetryableError if the connection was never made
                                            (refused, DNS, connect timeout), else UnknownOutcome
    answered, but unreadable                UnknownOutcome (it may have been acted on)
    anything else (bad argument, version)   PermanentError: no retry fixes our own mistake

Mastodon.py raises ``MastodonRatelimitError`` without the answer; the adapter keeps the last
answer (a response hook on the session) so the reset time can be read with our clock, and so
that the same error raised for an answer that was not a 429 (unreadable rate-limit headers on a
successful post) is not taken for "nothing happened".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from influencer.errors import PermanentError, PlatformError, RetryableError, UnknownOutcome
from influencer.platforms.http_errors import from_status, from_transport, retry_after

if TYPE_CHECKING:
    from mastodon import MastodonError


def classify(where: str, exc: MastodonError, last: requests.Response | None, now: datetime, *,
             creates: bool = False) -> PlatformError:
    """Our error for a Mastodon.py exception; ``last`` is the last answer received, if any, and
    ``creates`` says the call makes a status (a 5xx answer to it is then an unknown outcome)."""
    from mastodon import MastodonAPIError, MastodonNetworkError, MastodonRatelimitError

    wait = retry_after(last.headers, now) if last is not None else None
    if isinstance(exc, MastodonRatelimitError):
        if last is not None and last.status_code != 429:
            return UnknownOutcome(f"{where}: answered HTTP {last.status_code}, but its rate-limit "
                                  f"headers could not be read ({exc})")
        return RetryableError(f"{where}: HTTP 429: rate limited", wait)
    if isinstance(exc, MastodonNetworkError):
        return from_transport(where, exc)
    if isinstance(exc, MastodonAPIError):
        # Mastodon.py raises API errors as (text, status, reason, the instance's "error" message)
        args = [*exc.args, None, None, None, None]
        if isinstance(args[1], int):
            return from_status(where, args[1], str(args[3] or args[2] or ""), wait, creates=creates)
        return UnknownOutcome(f"{where}: the answer could not be read ({exc})")
    return PermanentError(f"{where}: {exc}")


@dataclass(frozen=True)
class InstanceLimits:
    """One instance's status character limit, kept in a small JSON file with the time it was read."""

    path: Path

    def read(self, now: datetime, ttl: timedelta) -> int | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            checked = datetime.fromisoformat(data["checked_at"])
            limit = int(data["max_characters"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return limit if timedelta(0) <= now - checked < ttl else None

    def write(self, limit: int, now: datetime) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"max_characters": limit, "checked_at": now.isoformat()})
        # written aside and renamed, so a daemon next door never reads half a file
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(self.path)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str) -> str:
    """A status's HTML ``content`` as the text that was posted (paragraphs, breaks, full links)."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)
