"""Moderation of caption text and images, before anything is stored.

``Settings.moderation.provider``: ``off``, or ``openai`` (the Moderations API, by default
``omni-moderation-latest``, which takes text and images in one request). It has its own
``base_url`` because local LLM servers have no moderation endpoint. When moderation is on but
gives no verdict, ``ModerationUnavailable`` is raised: an unchecked post is never drafted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from influencer.captions.model import ImageInput
from influencer.captions.openai_clients import OpenAIClients, api_key, unreadable_answers
from influencer.captions.retry import RetryPolicy
from influencer.captions.throttle import RequestGate
from influencer.config.settings import ModerationSettings
from influencer.errors import ModerationUnavailable, WriterGaveUp

if TYPE_CHECKING:
    from openai import AsyncOpenAI


@dataclass(frozen=True)
class ModerationVerdict:
    flagged: bool
    categories: tuple[str, ...] = ()
    image_flagged: bool = False  # a rewrite cannot help: the picture itself was flagged

    @property
    def reason(self) -> str:
        what = "the image" if self.image_flagged else "the caption"
        return f"moderation flagged {what} for: {', '.join(self.categories) or 'unspecified'}"


CLEAN = ModerationVerdict(flagged=False)


class Moderator(Protocol):
    async def check(self, text: str, images: Sequence[ImageInput], *, persona: str,
                    slot: str) -> ModerationVerdict: ...


class NoModeration:
    """``provider = "off"``: every caption passes (the persona's own rules still apply)."""

    async def check(self, text: str, images: Sequence[ImageInput], *, persona: str,
                    slot: str) -> ModerationVerdict:
        return CLEAN


class OpenAIModeration:
    def __init__(self, client: AsyncOpenAI, model: str, policy: RetryPolicy,
                 gate: RequestGate) -> None:
        self.client, self.model, self.policy, self.gate = client, model, policy, gate

    async def check(self, text: str, images: Sequence[ImageInput], *, persona: str,
                    slot: str) -> ModerationVerdict:
        parts: list[Any] = [{"type": "text", "text": text}]
        parts += [{"type": "image_url", "image_url": {"url": i.data_url()}} for i in images]

        async def attempt() -> ModerationVerdict:
            async with self.gate, unreadable_answers():
                answer = await self.client.moderations.create(model=self.model, input=parts)
            return _verdict(answer.results)

        try:
            return await self.policy.run(attempt, persona=persona, slot=slot,
                                         what=f"moderation ({self.model})")
        except WriterGaveUp as exc:
            raise ModerationUnavailable(str(exc)) from exc


def _verdict(results: Sequence[Any]) -> ModerationVerdict:
    categories: list[str] = []
    image = False
    for result in results:
        if not result.flagged:
            continue
        hits = [name for name, on in _as_dict(result.categories).items() if on]
        categories += [name for name in hits if name not in categories]
        # lenient servers may leave this out; then the text is assumed to be at fault
        applied = _as_dict(getattr(result, "category_applied_input_types", None))
        image = image or any("image" in (applied.get(name) or []) for name in hits)
    if not any(result.flagged for result in results):
        return CLEAN
    return ModerationVerdict(True, tuple(categories), image)


def _as_dict(model: Any) -> dict[str, Any]:
    if model is None:
        return {}
    dumped: dict[str, Any] = model.model_dump(by_alias=True)
    return dumped


def moderator_for(settings: ModerationSettings, root: Path, clients: OpenAIClients,
                  policy: RetryPolicy, gate: RequestGate) -> Moderator:
    if settings.provider == "off":
        return NoModeration()
    base = str(settings.base_url) if settings.base_url else None
    key = api_key(settings.credentials, base, root, "moderation")
    return OpenAIModeration(clients.get(base, key), settings.model, policy, gate)
