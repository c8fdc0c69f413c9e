"""The ``openai`` writer: OpenAI or any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio).

The image itself goes with the prompt (a base64 data URL in an ``image_url`` part) so a vision
model describes what is really in the picture. Structured output is requested with a JSON
schema, and the reply is still validated here, because local servers may ignore the schema.
The SDK's retrying is off (``max_retries=0``): ``RetryPolicy`` is the one retry policy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from openai import AsyncOpenAI, omit
from openai.types.chat import (
    ChatCompletionContentPartParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from influencer.captions.model import Caption, CaptionRequest
from influencer.captions.openai_clients import OpenAIClients, api_key, unreadable_answers
from influencer.captions.prompt import Prompt, PromptTemplates
from influencer.captions.retry import RetryPolicy
from influencer.captions.throttle import RequestGate
from influencer.config.persona import Persona
from influencer.config.settings import WriterDefaults
from influencer.errors import WriterReplyInvalid

DEFAULT_MODEL = "gpt-4.1-mini"
RESPONSE_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {
        "name": "caption",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "caption": {"type": "string"},
                "hashtags": {"type": "array", "items": {"type": "string"}},
                "alt_text": {"type": "string"},
            },
            "required": ["caption", "hashtags", "alt_text"],
            "additionalProperties": False,
        },
    },
}


class WriterReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    caption: str = Field(min_length=1)
    hashtags: list[str] = Field(default_factory=list)
    alt_text: str = ""


class OpenAIWriter:
    name = "openai"

    def __init__(self, client: AsyncOpenAI, model: str, temperature: float | None,
                 templates: PromptTemplates, policy: RetryPolicy, gate: RequestGate) -> None:
        self.client, self.model, self.temperature = client, model, temperature
        self.templates, self.policy, self.gate = templates, policy, gate

    @classmethod
    def for_persona(cls, persona: Persona, defaults: WriterDefaults, root: Path,
                    clients: OpenAIClients, templates: PromptTemplates, policy: RetryPolicy,
                    gate: RequestGate) -> OpenAIWriter:
        own = persona.writer
        base_url = own.base_url or defaults.base_url
        base = str(base_url) if base_url else None
        key = api_key(own.credentials or defaults.credentials, base, root,
                      f"persona {persona.id}")
        temperature = own.temperature if own.temperature is not None else defaults.temperature
        return cls(clients.get(base, key), own.model or defaults.model or DEFAULT_MODEL,
                   temperature, templates, policy, gate)

    async def write(self, request: CaptionRequest) -> Caption:
        prompt = self.templates.render(request)
        messages = _messages(prompt, request)

        async def attempt() -> WriterReply:
            async with self.gate, unreadable_answers():
                completion = await self.client.chat.completions.create(
                    model=self.model, messages=messages, response_format=RESPONSE_FORMAT,
                    temperature=omit if self.temperature is None else self.temperature)
            return parse_reply(completion.choices[0].message.content if completion.choices
                               else None)

        reply = await self.policy.run(attempt, persona=request.persona.id,
                                      slot=request.slot_key, what=f"openai writer ({self.model})")
        return Caption(text=reply.caption.strip(), hashtags=tuple(reply.hashtags),
                       alt_text=reply.alt_text.strip(), writer=self.name, model=self.model,
                       prompt_sha256=prompt.sha256)


def _messages(prompt: Prompt, request: CaptionRequest) -> list[ChatCompletionMessageParam]:
    content: list[ChatCompletionContentPartParam] = [{"type": "text", "text": prompt.user}]
    content += [{"type": "image_url", "image_url": {"url": image.data_url()}}
                for image in request.images]
    system: ChatCompletionSystemMessageParam = {"role": "system", "content": prompt.system}
    user: ChatCompletionUserMessageParam = {"role": "user", "content": content}
    return [system, user]


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_reply(content: str | None) -> WriterReply:
    """The reply as a caption; ``WriterReplyInvalid`` (retried) when it is not one."""
    if not content:
        raise WriterReplyInvalid("the model answered with no content")
    fenced = _FENCE.match(content)
    text = fenced.group(1) if fenced else content
    try:
        return WriterReply.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise WriterReplyInvalid(f"the model's answer is not a caption: {first}") from None

