"""Fixtures for caption tests: the model stand-in, personas, images, a recording sleep."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from influencer.config import load_workspace
from influencer.config.persona import Persona, Writer


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real key or endpoint."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def personas(workspace: Path) -> dict[str, Persona]:
    return load_workspace(workspace).personas


def png(colour: tuple[int, int, int] = (180, 120, 90)) -> bytes:
    """A real, tiny PNG made by the test."""
    out = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(out, format="PNG")
    return out.getvalue()


def with_openai(persona: Persona, url: str, **writer: object) -> Persona:
    return persona.model_copy(update={"writer": Writer(name="openai", base_url=url,
                                                       model="stand-in-vision", **writer)})


class RecordingSleep:
    """An injected sleep that records the waits asked for and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
