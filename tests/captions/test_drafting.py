"""Drafting: fit, check, rewrite once, hold; many at once under limits, results in order."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from influencer.captions import (
    CaptionDrafter,
    CaptionRequest,
    CaptionResult,
    ImageInput,
    writer_factory,
)
from influencer.captions.counting import measure
from influencer.captions.fitting import published_text
from influencer.captions.throttle import RequestGate, SlidingWindow
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona
from influencer.config.settings import (
    ConcurrencySettings,
    ModerationSettings,
    Settings,
    WriterDefaults,
)
from influencer.errors import CaptionError, ModerationUnavailable

from .conftest import RecordingSleep, png, with_openai
from .standin import ModelStandIn, Reply, caption_reply

IMAGE = ImageInput(png(), "image/png", tags=("wool coat",))


def req(persona: Persona, platform: str = "instagram", slot: str = "s1") -> CaptionRequest:
    return CaptionRequest(persona=persona, platform=BUILTIN_SPECS[platform], slot_key=slot,
                          images=(IMAGE,))


def moderated(url: str, **kw: Any) -> Settings:
    return Settings(moderation=ModerationSettings(provider="openai", base_url=url), **kw)


def run_many(root: Path, requests: list[CaptionRequest],
             settings: Settings | None = None) -> list[CaptionResult]:
    async def go() -> list[CaptionResult]:
        async with CaptionDrafter(root, settings, sleep=RecordingSleep()) as drafter:
            return await drafter.write_many(requests)
    return asyncio.run(go())


def test_a_rule_breaking_caption_is_rewritten_once_with_the_reason(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.script("chat", caption_reply("No filter, no AI, just me ✨"),
                   caption_reply("Texture first, as always."))
    [result] = run_many(workspace, [req(with_openai(personas["ava"], standin.url))])
    assert result.status == "drafted" and result.caption is not None
    assert result.caption.text == "Texture first, as always."
    rewrite_prompt = standin.bodies("chat")[1]["messages"][1]["content"][0]["text"]
    assert "claims the twin is human" in rewrite_prompt
    assert "No filter, no AI, just me" in rewrite_prompt


def test_a_caption_still_bad_after_the_rewrite_is_held_never_drafted(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.caption = lambda body: caption_reply("Ask @someone about politics!")
    [result] = run_many(workspace, [req(with_openai(personas["ava"], standin.url))])
    assert result.status == "held" and not result.publishable
    assert "'politics'" in result.reason and "@someone" in result.reason
    assert len(standin.bodies("chat")) == 2  # one rewrite, not a loop


def test_moderation_sees_text_and_image_and_a_flagged_text_is_rewritten(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.flag_words = {"fight": "violence"}
    standin.script("chat", caption_reply("Dressed to fight."), caption_reply("Dressed for November."))
    [result] = run_many(workspace, [req(with_openai(personas["ava"], standin.url))],
                        moderated(standin.url))
    assert result.status == "drafted" and result.caption is not None
    assert result.caption.text == "Dressed for November."
    first = standin.bodies("moderation")[0]
    assert first["model"] == "omni-moderation-latest"
    kinds = [part["type"] for part in first["input"]]
    assert kinds == ["text", "image_url"]
    assert "moderation flagged the caption for: violence" in result.caption.notes[-1]


def test_a_flagged_image_holds_the_post_without_a_rewrite(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.flag_images = True
    [result] = run_many(workspace, [req(personas["ava"])], moderated(standin.url))
    assert result.status == "held" and "flagged the image" in result.reason
    assert len(standin.bodies("moderation")) == 1


def test_moderation_that_cannot_answer_fails_the_draft(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.script("moderation", *[Reply(503) for _ in range(3)])
    settings = moderated(standin.url, writer=WriterDefaults(attempts=3))
    [result] = run_many(workspace, [req(personas["ava"])], settings)
    assert result.status == "failed" and isinstance(result.error, ModerationUnavailable)


def test_too_long_asks_the_writer_once_to_shorten_then_cuts(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    long = "Wool that outlives the winter is the only kind worth buying. " * 10
    standin.script("chat", caption_reply(long, ["#knitwear"]), caption_reply(long[:400]))
    persona = with_openai(personas["mei"], standin.url)
    [result] = run_many(workspace, [req(persona, "x")])
    assert result.status == "drafted" and result.caption is not None
    shorten = standin.bodies("chat")[1]["messages"][1]["content"][0]["text"]
    assert "Shorten it to at most" in shorten
    assert len(standin.bodies("chat")) == 2
    final = published_text(result.caption, req(persona, "x"))
    assert measure(final, "weighted") <= 280 and final.startswith("AI生成\n\n")


def test_write_many_keeps_order_and_one_failure_does_not_stop_the_others(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        text = body["messages"][1]["content"][0]["text"]
        if "poison" in text:
            return Reply(400, body={"error": {"message": "bad request"}})
        return caption_reply("Caption for " + ("first" if "first" in text else "other"))

    standin.caption = answer
    ava = with_openai(personas["ava"], standin.url)
    requests = [CaptionRequest(persona=ava, platform=BUILTIN_SPECS["x"], slot_key=f"s{n}",
                               recent=(word,))
                for n, word in enumerate(["first", "poison", "third", "fourth"])]
    requests.append(req(personas["noor"], "mastodon", "offline-slot"))
    results = run_many(workspace, requests)
    assert [r.slot_key for r in results] == ["s0", "s1", "s2", "s3", "offline-slot"]
    assert [r.status for r in results] == ["drafted", "failed", "drafted", "drafted", "drafted"]
    assert "slot s1" in results[1].reason and "HTTP 400" in results[1].reason
    assert results[0].caption is not None and results[0].caption.text == "Caption for first"
    assert results[4].caption is not None and results[4].caption.writer == "offline"


def test_concurrency_limit_is_honoured_and_used(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.delay = 0.2  # a real slow server, so requests overlap
    settings = Settings(concurrency=ConcurrencySettings(writers=3, requests_per_minute=10_000))
    ava = with_openai(personas["ava"], standin.url)
    requests = [CaptionRequest(persona=ava, platform=BUILTIN_SPECS["x"], slot_key=f"s{n}")
                for n in range(12)]
    results = run_many(workspace, requests, settings)
    assert all(r.status == "drafted" for r in results)
    assert standin.most_in_flight == 3


def test_sliding_window_allows_at_most_n_per_minute_without_waiting() -> None:
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    async def go() -> list[float]:
        window = SlidingWindow(5, 60.0, clock=lambda: now[0], sleep=fake_sleep)
        starts = []
        for _ in range(12):
            await window.acquire()
            starts.append(now[0])
        return starts

    starts = asyncio.run(go())
    assert starts[:5] == [0.0] * 5 and starts[5:10] == [60.0] * 5 and starts[10:] == [120.0] * 2
    for start in starts:
        assert sum(start <= s < start + 60 for s in starts) <= 5


def test_gate_counts_in_flight_requests() -> None:
    async def go() -> int:
        gate = RequestGate(2, per_minute=None)
        release = asyncio.Event()

        async def hold() -> None:
            async with gate:
                await release.wait()

        tasks = [asyncio.create_task(hold()) for _ in range(5)]
        for _ in range(10):
            await asyncio.sleep(0)  # let every task reach the gate; no time passes
        in_flight = gate.in_flight
        release.set()
        await asyncio.gather(*tasks)
        return in_flight

    assert asyncio.run(go()) == 2


def test_requests_per_minute_bounds_a_batch_against_the_server(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds  # a minute passes on the injected clock, not on the wall
        await asyncio.sleep(0)

    ava = with_openai(personas["ava"], standin.url)
    requests = [CaptionRequest(persona=ava, platform=BUILTIN_SPECS["x"], slot_key=f"s{n}")
                for n in range(7)]

    async def go() -> list[CaptionResult]:
        gate = RequestGate(10, per_minute=3, clock=lambda: now[0], sleep=fake_sleep)
        async with CaptionDrafter(workspace, gate=gate) as drafter:
            return await drafter.write_many(requests)

    results = asyncio.run(go())
    assert all(r.status == "drafted" for r in results)
    assert len(standin.bodies("chat")) == 7
    assert now[0] == 120.0  # 3 at 0 s, 3 at 60 s, 1 at 120 s


def test_unknown_writer_names_the_known_ones() -> None:
    with pytest.raises(CaptionError, match="offline, openai"):
        writer_factory("telepathy")
