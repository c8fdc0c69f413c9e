"""The platform seam: one class per platform, which mostly declares.

An adapter names its ``PlatformSpec`` (limits as data, from ``config/platforms.py``), says how a
labelled post becomes the platform's request (``build_request``) and how to send it (``send``).
``publish`` is the same for every adapter and is not to be overridden: it accepts only a
``LabeledPost`` and refuses a request that dropped the label, the alt texts or the native AI
flag before anything is sent. Retries and rate limits live outside adapters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, final

from influencer.config.credentials import Secret, resolve
from influencer.config.platforms import PlatformSpec
from influencer.disclosure import LabeledPost
from influencer.errors import DisclosureError, PlatformError


@dataclass(frozen=True)
class Published:
    platform: str
    post_id: str
    platform_id: str
    url: str | None
    mode: str  # live | dry
    published_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    detail: dict[str, Any] = field(default_factory=dict)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _flag_set(value: Any, name: str) -> bool:
    if isinstance(value, dict):
        if value.get(name) in (True, "true"):
            return True
        return any(_flag_set(item, name) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_flag_set(item, name) for item in value)
    return False


def require_disclosed(request: dict[str, Any], post: LabeledPost, spec: PlatformSpec) -> None:
    """Refuse a request that lost a disclosure layer on its way out of an adapter."""
    sent = list(_strings(request))
    problems = []
    if post.text not in sent:
        problems.append("the labelled caption is not in the request")
    if spec.alt_text_limit is not None:
        problems += [f"alt text {i + 1} is not in the request"
                     for i, alt in enumerate(post.alt_texts) if alt not in sent]
    if spec.native_ai_flag and not _flag_set(request, spec.native_ai_flag):
        problems.append(f"the request does not set {spec.native_ai_flag}")
    if problems:
        raise DisclosureError(f"post {post.post_id} refused for {spec.name}: " + "; ".join(problems))


@dataclass(frozen=True)
class Lookup:
    """What a platform shows of a post whose outcome is unknown.

    ``matches``: this account's posts made since the post was first claimed with its exact text
    and number of images (and its key, where the platform keeps one); ``proven_absent``: the
    platform shows that it was not made (e.g. Instagram's container is unpublished), so sending
    it again cannot make a second one."""

    matches: list[Published] = field(default_factory=list)
    proven_absent: bool = False


@dataclass(frozen=True)
class AccountContext:
    """What an adapter is given to post as one account. The secret is resolved on demand."""

    persona: str
    platform: str
    handle: str
    credentials: str  # the reference (env:NAME / file:PATH#KEY), never the secret
    root: Path  # workspace root: file: references resolve from here
    state_dir: Path  # .influencer/: sessions and caches an adapter may keep
    base_url: str | None = None
    user_id: str | None = None
    timeout: float = 30.0  # seconds per HTTP request
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)  # the flow's

    def secret(self) -> Secret:
        return resolve(self.credentials, self.root)


class Platform(ABC):
    """Base of every adapter. Subclasses declare ``name`` and ``spec``, say how a post becomes a
    request and how to send it, and declare which optional capabilities they have: the flow asks
    these flags, never probes for methods."""

    name: ClassVar[str]
    spec: ClassVar[PlatformSpec]
    # Optional capabilities; an adapter that sets one to True overrides the method named.
    finds_published: ClassVar[bool] = False  # find_published: settles an unknown outcome by lookup
    deletes: ClassVar[bool] = False  # delete: takes a published post down
    refreshes_token: ClassVar[bool] = False  # token_warning: its credential expires and is renewed
    # How long after its first claim a post whose create may have gone through can be sent again,
    # because the platform itself refuses to make a second copy (an idempotency key's window, a
    # fixed record key). None: never; an unknown outcome is settled by lookup or by a person.
    resend_safe_for: ClassVar[timedelta | None] = None

    def __init__(self, account: AccountContext) -> None:
        self.account = account
        # What earlier attempts of the post being sent did (e.g. containers already made); the
        # flow loads it before a send and stores it after, whatever the outcome.
        self.progress: dict[str, Any] = {}

    @classmethod
    def claim_key(cls, post_id: str, now: datetime) -> str | None:
        """The key the platform will store the post under, fixed when it is first claimed so that
        every attempt uses the same one; None for platforms that have none."""
        return None

    @classmethod
    @abstractmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        """The payload this platform is sent for ``post`` (media ids as placeholders)."""

    @abstractmethod
    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        """Upload the images and create the post; raise PlatformError subclasses on failure."""

    def find_published(self, post: LabeledPost, since: datetime) -> Lookup:
        """What the platform shows of ``post``, first claimed at ``since`` (after an unknown
        outcome): every match made since then, never an older post with the same text."""
        raise PlatformError(f"{self.name}: looking a post up is not supported")

    def delete(self, published: Published) -> None:
        raise PlatformError(f"{self.name}: deleting is not supported")

    def token_warning(self, now: datetime | None = None) -> str | None:
        """A warning when the account's token expires soon or could not be renewed, else None."""
        return None

    def verify(self) -> str:
        """Check the credentials work; return the account the adapter would post as."""
        raise PlatformError(f"{self.name}: verifying is not supported")

    @final
    def publish(self, post: LabeledPost) -> Published:
        if not isinstance(post, LabeledPost):
            raise DisclosureError(f"{self.name} accepts only a LabeledPost, got {type(post).__name__}")
        request = self.build_request(post)
        require_disclosed(request, post, self.spec)
        return self.send(post, request)
