"""Prompt templates: the shipped one carries the voice; a persona's own runs in a sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from influencer.captions.model import CaptionRequest, ImageInput, Revision
from influencer.captions.prompt import PromptTemplates
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona, Writer
from influencer.config.schedule import Campaign
from influencer.errors import PromptTemplateError


def req(persona: Persona, **kw: object) -> CaptionRequest:
    return CaptionRequest(persona=persona, platform=BUILTIN_SPECS["x"], slot_key="ava/x/1", **kw)  # type: ignore[arg-type]


def with_template(persona: Persona, root: Path, source: str, name: str = "t.j2") -> Persona:
    (root / name).write_text(source, encoding="utf-8")
    return persona.model_copy(update={"writer": Writer(template=name)})


def test_shipped_template_carries_voice_image_facts_and_campaign(
        workspace: Path, personas: dict[str, Persona]) -> None:
    image = ImageInput(b"png", "image/png", tags=("wool coat",), alt_text="Ava in a grey coat")
    prompt = PromptTemplates(workspace).render(req(
        personas["ava"], images=(image,), campaign=Campaign(theme="Autumn knitwear drop"),
        recent=("Yesterday's caption.",)))
    for expected in ("Warm, witty Stockholm stylist", "A good coat is a promise", "warm, playful",
                     "politics", "AI-generated digital twin of Ava Nordström"):
        assert expected in prompt.system
    for expected in ("wool coat", "Ava in a grey coat", "Autumn knitwear drop",
                     "Yesterday's caption.", "weighted characters"):
        assert expected in prompt.user
    assert "{{" not in prompt.system + prompt.user and "None" not in prompt.user
    assert len(prompt.sha256) == 64


def test_revision_instructions_reach_the_prompt(workspace: Path, personas: dict[str, Persona]) -> None:
    shorten = Revision("shorten", "too long", "A very long caption.", budget=120)
    user = PromptTemplates(workspace).render(req(personas["ava"], revision=shorten)).user
    assert "at most 120" in user and "A very long caption." in user
    rewrite = Revision("rewrite", "mentions @x, which is not allowed", "Hi @x")
    user = PromptTemplates(workspace).render(req(personas["ava"], revision=rewrite)).user
    assert "mentions @x, which is not allowed" in user


def test_persona_template_overrides_the_shipped_one(workspace: Path, personas: dict[str, Persona]) -> None:
    persona = with_template(personas["ava"], workspace,
                            "{% block system %}Be {{ persona.name }}.{% endblock %}"
                            "{% block user %}On {{ platform.title }}.{% endblock %}")
    prompt = PromptTemplates(workspace).render(req(persona))
    assert (prompt.system, prompt.user) == ("Be Ava North.", "On X.")


ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ self.__init__.__globals__ }}",
    "{{ persona.__class__ }}",
    "{{ voice.examples.append('x') }}",
    "{{ '{0.__class__.__mro__}'.format('') }}",
    "{{ config }}",
    "{{ request.application.__globals__ }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_templates_cannot_reach_python_internals(
        workspace: Path, personas: dict[str, Persona], payload: str) -> None:
    source = f"{{% block system %}}{payload}{{% endblock %}}{{% block user %}}x{{% endblock %}}"
    persona = with_template(personas["ava"], workspace, source)
    with pytest.raises(PromptTemplateError) as caught:
        PromptTemplates(workspace).render(req(persona))
    message = str(caught.value)
    assert "t.j2" in message
    assert "<class" not in message and "builtins" not in message and "function" not in message


def test_template_must_stay_inside_the_workspace(workspace: Path, personas: dict[str, Persona]) -> None:
    persona = personas["ava"].model_copy(update={"writer": Writer(template="../outside.j2")})
    with pytest.raises(PromptTemplateError, match="outside the workspace"):
        PromptTemplates(workspace).render(req(persona))


def test_template_needs_both_blocks_and_valid_syntax(workspace: Path, personas: dict[str, Persona]) -> None:
    only_system = with_template(personas["ava"], workspace, "{% block system %}x{% endblock %}")
    with pytest.raises(PromptTemplateError, match="block user"):
        PromptTemplates(workspace).render(req(only_system))
    broken = with_template(personas["ava"], workspace, "{% block system %}{{ x", "b.j2")
    with pytest.raises(PromptTemplateError, match=r"b\.j2:1"):
        PromptTemplates(workspace).render(req(broken))


BOMBS = [
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
     "steps"),  # nested loops that emit nothing still spend the budget
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     "steps|characters"),
    ("{{ 'x' * 10**8 }}", "too large|items"),
    ("{{ 'x' * 100000000 }}", "repeating a str"),
    ("{{ [1, 2] * 10000000 }}", "repeating a list"),
    ("{{ 10 ** 10 ** 10 }}", "too large"),
    ("{{ 'x' | center(1000000000) }}", "filter center"),
    ("{{ 'x ' | indent(1000000000) }}", "filter indent"),
    ("{{ voice.examples | join(' ') * 100000 }}", "repeating a str"),
]


@pytest.mark.parametrize(("payload", "reason"), BOMBS)
def test_a_template_cannot_run_forever_or_grow_without_bound(
        workspace: Path, personas: dict[str, Persona], payload: str, reason: str) -> None:
    import re
    import time

    source = f"{{% block system %}}{payload}{{% endblock %}}{{% block user %}}x{{% endblock %}}"
    persona = with_template(personas["ava"], workspace, source)
    started = time.monotonic()
    with pytest.raises(PromptTemplateError) as caught:
        PromptTemplates(workspace).render(req(persona))
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert message.startswith("t.j2 (persona ava): ") and re.search(reason, message), message


def test_a_bounded_template_still_renders_loops_and_filters(
        workspace: Path, personas: dict[str, Persona]) -> None:
    source = ("{% block system %}{% for e in voice.examples %}{{ loop.index }}. {{ e | upper }}\n"
              "{% endfor %}{{ '-' * 20 }}{{ 2 ** 10 }}{% endblock %}"
              "{% block user %}{{ 'x' | center(9) }}|{% endblock %}")
    persona = with_template(personas["ava"], workspace, source)
    prompt = PromptTemplates(workspace).render(req(persona))
    assert prompt.system.startswith("1. LAYERING SEASON IS MY FAVOURITE SEASON.")
    assert prompt.system.endswith("-" * 20 + "1024") and prompt.user == "x    |"
    import sys

    assert sys.gettrace() is None or "coverage" in type(sys.gettrace()).__module__
