"""What every OpenAI-compatible request shares: the SDK clients (one per endpoint and key,
made on first use, so nothing here imports the SDK until a writer or moderation needs it), the
API key's lookup, and reading an answer that is not JSON as a retryable failure."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from influencer.config.credentials import resolve
from influencer.errors import CredentialError, WriterReplyInvalid

if TYPE_CHECKING:
    from openai import AsyncOpenAI

OPENAI_HOST = "api.openai.com"
NO_KEY = "no-key"  # local servers take no key, but the SDK insists on a string


def api_key(reference: str | None, base_url: str | None, root: Path, who: str) -> str:
    """The key from the credential reference, else ``OPENAI_API_KEY``; a placeholder for a
    server other than OpenAI's own, which may need none."""
    if reference:
        return resolve(reference, root).reveal()
    from_env = os.environ.get("OPENAI_API_KEY")
    if from_env:
        return from_env
    if base_url and OPENAI_HOST not in base_url:
        return NO_KEY
    raise CredentialError(f"{who}: no API key for OpenAI: set writer.credentials "
                          "(env:NAME or file:PATH#KEY) or OPENAI_API_KEY")


class OpenAIClients:
    """One SDK client per endpoint and key, shared by every writer using it, closed together."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._clients: dict[tuple[str | None, str], AsyncOpenAI] = {}

    def get(self, base_url: str | None, key: str) -> AsyncOpenAI:
        if (base_url, key) not in self._clients:
            from openai import AsyncOpenAI  # the SDK's import costs a third of a second

            self._clients[(base_url, key)] = AsyncOpenAI(
                api_key=key, base_url=base_url, max_retries=0, timeout=self.timeout)
        return self._clients[(base_url, key)]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()


@asynccontextmanager
async def unreadable_answers() -> AsyncIterator[None]:
    """The SDK lets a body that is not JSON escape as a bare ValueError: make it a (retried)
    ``WriterReplyInvalid``."""
    try:
        yield
    except ValueError as exc:
        raise WriterReplyInvalid(f"the server's answer is not JSON: {exc}") from None
