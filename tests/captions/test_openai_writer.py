"""The openai writer against a real HTTP server on 127.0.0.1 (no SDK monkeypatching)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from influencer.captions import CaptionDrafter, CaptionRequest, CaptionResult, ImageInput, RetryPolicy
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona
from influencer.config.settings import Settings, WriterDefaults
from influencer.errors import CredentialError, WriterGaveUp

from .conftest import RecordingSleep, png, with_openai
from .standin import ModelStandIn, Reply, caption_reply

IMAGE = png()


def request(persona: Persona, platform: str = "instagram", slot: str = "ava-autumn/ig/1") -> CaptionRequest:
    return CaptionRequest(persona=persona, platform=BUILTIN_SPECS[platform], slot_key=slot,
                          images=(ImageInput(IMAGE, "image/png", tags=("wool coat",)),))


def draft(root: Path, req: CaptionRequest, settings: Settings | None = None,
          sleep: RecordingSleep | None = None, policy: RetryPolicy | None = None) -> CaptionResult:
    async def run() -> CaptionResult:
        async with CaptionDrafter(root, settings, sleep=sleep or RecordingSleep(),
                                  policy=policy) as drafter:
            return await drafter.draft(req)
    return asyncio.run(run())


def test_sends_the_image_the_voice_and_asks_for_structured_output(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    persona = with_openai(personas["ava"], standin.url, temperature=0.4)
    result = draft(workspace, request(persona))
    assert result.status == "drafted", result.reason
    assert result.caption is not None
    assert result.caption.writer == "openai" and result.caption.model == "stand-in-vision"
    assert result.caption.text.startswith("Soft wool")
    assert "#NorthlightTwin" in result.caption.hashtags  # the persona's always-tag is ensured
    body = standin.bodies("chat")[0]
    assert body["model"] == "stand-in-vision" and body["temperature"] == 0.4
    assert body["response_format"]["type"] == "json_schema"
    system, user = body["messages"]
    assert "Warm, witty Stockholm stylist" in system["content"]
    assert "Layering season is my favourite season." in system["content"]
    image_part = next(p for p in user["content"] if p["type"] == "image_url")
    prefix = "data:image/png;base64,"
    assert image_part["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(image_part["image_url"]["url"][len(prefix):]) == IMAGE
    header = standin.requests[0].headers
    assert header.get("authorization") == "Bearer no-key"  # a local endpoint needs no key
    assert len(result.caption.prompt_sha256) == 64


def test_key_comes_from_the_credential_reference(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVA_LLM_KEY", "sk-test-123")
    persona = with_openai(personas["ava"], standin.url, credentials="env:AVA_LLM_KEY")
    assert draft(workspace, request(persona)).status == "drafted"
    assert standin.requests[0].headers["authorization"] == "Bearer sk-test-123"


def test_openai_itself_without_a_key_is_a_credential_error(
        workspace: Path, personas: dict[str, Persona]) -> None:
    persona = personas["ava"].model_copy(update={"writer": with_openai(
        personas["ava"], "https://api.openai.com/v1").writer})
    result = draft(workspace, request(persona))
    assert result.status == "failed" and isinstance(result.error, CredentialError)
    assert "OPENAI_API_KEY" in result.reason


def test_retry_after_seconds_is_honoured(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.script("chat", Reply(429, headers={"Retry-After": "3"}),
                   Reply(503, headers={"Retry-After": "1.5"}))
    sleep = RecordingSleep()
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)), sleep=sleep)
    assert result.status == "drafted"
    assert len(standin.bodies("chat")) == 3
    assert 3 <= sleep.waits[0] <= 4 and 1.5 <= sleep.waits[1] <= 2.5


def test_retry_after_http_date_is_honoured(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    standin.script("chat", Reply(429, headers={
        "Retry-After": format_datetime(now + timedelta(seconds=7), usegmt=True)}))
    sleep = RecordingSleep()
    policy = RetryPolicy(attempts=3, sleep=sleep, now=lambda: now)
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)), policy=policy)
    assert result.status == "drafted"
    assert 7 <= sleep.waits[0] <= 8


def test_500s_back_off_with_growing_capped_waits_then_give_up_naming_persona_and_slot(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.script("chat", *[Reply(500) for _ in range(5)])
    sleep = RecordingSleep()
    settings = Settings(writer=WriterDefaults(attempts=4))
    req = request(with_openai(personas["ava"], standin.url), slot="ava-autumn/instagram/2026-11-02T08:00Z")
    result = draft(workspace, req, settings, sleep)
    assert result.status == "failed" and isinstance(result.error, WriterGaveUp)
    assert "persona ava" in result.reason
    assert "slot ava-autumn/instagram/2026-11-02T08:00Z" in result.reason
    assert "4 attempts" in result.reason and "HTTP 500" in result.reason
    assert len(standin.bodies("chat")) == 4 and len(sleep.waits) == 3
    assert sleep.waits[0] < sleep.waits[1] < sleep.waits[2] <= 30 * 1.2


def test_a_too_long_retry_after_gives_up_at_once(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.script("chat", Reply(429, headers={"Retry-After": "3600"}))
    sleep = RecordingSleep()
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)), sleep=sleep)
    assert result.status == "failed" and "wait longer" in result.reason
    assert sleep.waits == []


def test_malformed_json_is_retried_and_validated(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    from .standin import completion
    standin.script("chat", Reply(body=completion("this is not json")),
                   Reply(body=completion(json.dumps({"hashtags": []}))),
                   Reply(body=b"{broken"),
                   Reply(body=completion("```json\n" + json.dumps(
                       {"caption": "Fenced but fine.", "hashtags": [], "alt_text": "x"}) + "\n```")))
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)),
                   Settings(writer=WriterDefaults(attempts=4)))
    assert result.status == "drafted", result.reason
    assert result.caption is not None and result.caption.text == "Fenced but fine."


def test_malformed_json_every_time_gives_up(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.caption = lambda body: caption_reply("")  # empty caption: fails validation
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)),
                   Settings(writer=WriterDefaults(attempts=2)))
    assert result.status == "failed" and "not a caption" in result.reason


def test_a_slow_server_times_out_within_bounded_attempts(
        workspace: Path, personas: dict[str, Persona], standin: ModelStandIn) -> None:
    standin.delay = 2.0
    settings = Settings(writer=WriterDefaults(timeout=0.3, attempts=2))
    started = time.monotonic()
    result = draft(workspace, request(with_openai(personas["ava"], standin.url)), settings)
    elapsed = time.monotonic() - started
    assert result.status == "failed" and "timed out" in result.reason
    assert len(standin.bodies("chat")) == 2
    assert elapsed < 1.9  # two 0.3 s timeouts, not the server's 2 s answer
