"""Drafting captions: write, fit, check, rewrite once if needed, and say what came of it.

For each request the persona's writer writes a caption; it is fitted to the platform (the writer
gets one chance to shorten it); the persona's rules and moderation check it; a caption that
fails is rewritten once with the reason, and if that fails too the result says the post must be
held, with the reason. Nothing here raises for one bad caption: ``write_many`` returns one
result per request, in order, and one failure does not stop the others.

A drafter owns its HTTP clients and limits, which belong to the event loop it runs in: use it as
``async with CaptionDrafter(...) as drafter:`` inside one loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from influencer.captions import fitting
from influencer.captions.model import Caption, CaptionRequest, CaptionResult, CaptionWriter, Revision
from influencer.captions.moderation import Moderator, moderator_for
from influencer.captions.openai_clients import OpenAIClients
from influencer.captions.prompt import PromptTemplates
from influencer.captions.registry import WriterContext, writer_factory
from influencer.captions.retry import RetryPolicy, Sleep
from influencer.captions.safety import rule_violations
from influencer.captions.throttle import RequestGate
from influencer.config.settings import Settings
from influencer.errors import CaptionError, InfluencerError


class CaptionDrafter:
    def __init__(self, root: Path, settings: Settings | None = None, *,
                 sleep: Sleep = asyncio.sleep, policy: RetryPolicy | None = None,
                 moderator: Moderator | None = None, gate: RequestGate | None = None) -> None:
        """``sleep`` is for retry back-off only; a gate with a fake clock can be injected to
        test the rate limit (a fake sleep with the real clock would spin, not wait)."""
        self.root = root
        self.settings = settings or Settings()
        defaults, limits = self.settings.writer, self.settings.concurrency
        self.policy = policy or RetryPolicy(attempts=defaults.attempts, sleep=sleep)
        # one gate for every model-API request, writer and moderation alike
        self.gate = gate or RequestGate(limits.writers, limits.requests_per_minute)
        self.clients = OpenAIClients(timeout=defaults.timeout)
        self.context = WriterContext(root, defaults, self.policy, self.gate, self.clients,
                                     PromptTemplates(root))
        self._moderator = moderator
        self._writers: dict[str, CaptionWriter] = {}

    async def __aenter__(self) -> CaptionDrafter:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.clients.aclose()

    @property
    def moderator(self) -> Moderator:
        if self._moderator is None:
            self._moderator = moderator_for(self.settings.moderation, self.root, self.clients,
                                            self.policy, self.gate)
        return self._moderator

    def writer_for(self, request: CaptionRequest) -> CaptionWriter:
        persona = request.persona
        key = f"{persona.id}\x1f{persona.writer.model_dump_json()}"
        if key not in self._writers:
            self._writers[key] = writer_factory(persona.writer.name)(persona, self.context)
        return self._writers[key]

    async def write_many(self, requests: Sequence[CaptionRequest]) -> list[CaptionResult]:
        """Every request drafted concurrently (bounded by the gate), results in request order."""
        return list(await asyncio.gather(*(self.draft(r) for r in requests)))

    async def draft(self, request: CaptionRequest) -> CaptionResult:
        """One request's result; never raises for a failure of this one request."""
        try:
            return await self._draft(request)
        except InfluencerError as exc:
            return CaptionResult.failed(request.slot_key, exc)
        except Exception as exc:
            error = CaptionError(f"{request.where}: unexpected {type(exc).__name__}: {exc}")
            return CaptionResult.failed(request.slot_key, error)

    async def _draft(self, request: CaptionRequest) -> CaptionResult:
        writer = self.writer_for(request)
        caption = await self._fitted(writer, request, await writer.write(request), may_ask=True)
        problem, image_flagged = await self._problem(request, caption, with_images=True)
        if problem is None:
            return CaptionResult.drafted(request.slot_key, caption)
        if image_flagged:
            return CaptionResult.held(request.slot_key, caption, problem)
        again = replace(request, revision=Revision("rewrite", problem, caption.text))
        rewritten = await self._fitted(writer, request, await writer.write(again), may_ask=False)
        rewritten = replace(rewritten, notes=(*rewritten.notes, f"rewritten: {problem}"))
        second, _ = await self._problem(request, rewritten, with_images=False)
        if second is None:
            return CaptionResult.drafted(request.slot_key, rewritten)
        return CaptionResult.held(request.slot_key, rewritten,
                                  f"held: still breaks the rules after one rewrite: {second}")

    async def _fitted(self, writer: CaptionWriter, request: CaptionRequest, caption: Caption,
                      *, may_ask: bool) -> Caption:
        caption = fitting.tidy_hashtags(caption, request)
        if fitting.fits(caption, request):
            return caption
        trimmed = fitting.drop_optional_hashtags(caption, request)
        if fitting.fits(trimmed, request) or not may_ask:
            return fitting.cut_to_fit(trimmed, request)
        always = request.persona.voice.hashtags.always
        budget = fitting.body_budget(request, always)
        reason = f"too long: at most {budget} for the text and hashtags"
        shorter = await writer.write(replace(request, revision=Revision(
            "shorten", reason, caption.text, budget)))
        shorter = fitting.tidy_hashtags(shorter, request)
        shorter = replace(shorter, notes=(*shorter.notes, "shortened by the writer"))
        return fitting.cut_to_fit(shorter, request)

    async def _problem(self, request: CaptionRequest, caption: Caption, *,
                       with_images: bool) -> tuple[str | None, bool]:
        """Why the caption may not go out (None when it may), and whether the image is why."""
        reasons = rule_violations(caption, request)
        if reasons:
            return "; ".join(reasons), False
        text = "\n".join(filter(None, [caption.text, " ".join(caption.hashtags),
                                       caption.alt_text]))
        verdict = await self.moderator.check(
            text, request.images if with_images else (), persona=request.persona.id,
            slot=request.slot_key)
        return (verdict.reason, verdict.image_flagged) if verdict.flagged else (None, False)


async def write_many(requests: Sequence[CaptionRequest], *, root: Path,
                     settings: Settings | None = None, sleep: Sleep = asyncio.sleep,
                     moderator: Moderator | None = None) -> list[CaptionResult]:
    """Draft every request with a drafter of its own; results in request order."""
    async with CaptionDrafter(root, settings, sleep=sleep, moderator=moderator) as drafter:
        return await drafter.write_many(requests)
