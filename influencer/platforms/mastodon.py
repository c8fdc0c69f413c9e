"""Mastodon: each image with its description (alt text), then a status keyed by an idempotency key.

Credentials: the account's secret is the access token of an application authorised on the
instance (scopes ``read:accounts read:statuses write:media write:statuses``). The account's
``base_url`` is the instance (``https://mastodon.social``) and is required.

Mastodon.py does the HTTP: ``ratelimit_method="throw"`` so it never waits on a rate limit (one
retry policy lives outside the adapters), ``request_timeout=account.timeout``, and the API version
is declared (``api_version``) rather than probed, so no request goes out that we did not ask for.

An unknown outcome is settled by looking, not by sending: ``find_published`` searches the
account's recent statuses for this post's text (Mastodon returns it as HTML; it is read back to
text). Every status is also sent with ``Idempotency-Key: <post id>``, so should a post be sent
again within the instance's idempotency window (an hour), the instance answers with the status it
already has instead of making a second one.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon, MastodonError, MastodonNotFoundError

from influencer.clock import Clock
from influencer.config.platforms import MASTODON, PlatformSpec
from influencer.disclosure import LabeledImage, LabeledPost
from influencer.errors import CredentialError, DisclosureError, PermanentError
from influencer.platforms.base import AccountContext, Platform, Published
from influencer.platforms.mastodon_api import InstanceLimits, classify, plain_text

T = TypeVar("T")


class MastodonPlatform(Platform):
    name: ClassVar[str] = "mastodon"
    spec: ClassVar[PlatformSpec] = MASTODON
    finds_published: ClassVar[bool] = True
    deletes: ClassVar[bool] = True
    api_version: ClassVar[str] = "4.0.0"  # the API we speak: v2 media (3.1.4+), v2 instance (v1 fallback)
    limit_ttl: ClassVar[timedelta] = timedelta(days=1)  # how long an instance's character limit is kept
    lookup_depth: ClassVar[int] = 40  # recent statuses find_published searches (the API's maximum)

    def __init__(self, account: AccountContext, *, clock: Clock | None = None) -> None:
        super().__init__(account)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._client: Mastodon | None = None
        self._last: requests.Response | None = None  # the last answer, for its rate-limit headers
        self._account_id: str | None = account.user_id

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        media = [{"file": image.path.name, "description": image.alt_text} for image in post.images]
        status = {"status": post.text, "visibility": "public",
                  "media_ids": [f"<media:{n}>" for n in range(1, len(media) + 1)]}
        return {"media": media, "status": status, "idempotency_key": post.post_id}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        api = self._api()
        status = request["status"]
        ids: dict[str, str] = {}  # placeholder → the instance's media id
        for image, item, placeholder in zip(post.images, request["media"], status["media_ids"], strict=True):
            data, kind = _labelled_bytes(image)
            media = self._guarded("upload image", partial(api.media_post, data, mime_type=kind,
                                                          description=item["description"],
                                                          file_name=item["file"]))
            ids[placeholder] = str(media.id)
        created = self._guarded("post status", lambda: api.status_post(
            status["status"], media_ids=[ids[m] for m in status["media_ids"]],
            visibility=status["visibility"], idempotency_key=request["idempotency_key"]))
        return self._published(post, created, {"media_ids": list(ids.values())})

    def delete(self, published: Published) -> None:
        api = self._api()
        self._guarded("delete status", lambda: api.status_delete(published.platform_id))

    def verify(self) -> str:
        api = self._api()
        me = self._guarded("verify account", api.account_verify_credentials)
        self._account_id = str(me.id)
        return f"@{me.acct}@{self._host()}" if "@" not in me.acct else f"@{me.acct}"

    def caption_limit(self) -> int:
        """The instance's character limit for a status, read from its configuration, kept a day."""
        limits = InstanceLimits(self.account.state_dir / "mastodon" / f"{_safe(self._host())}.json")
        known = limits.read(self.clock(), self.limit_ttl)
        if known is not None:
            return known
        limit = self._fetch_limit()
        limits.write(limit, self.clock())
        return limit

    def find_published(self, post: LabeledPost) -> Published | None:
        """The post if it is among the account's recent statuses (same text), else None."""
        api = self._api()
        if self._account_id is None:
            self.verify()
        recent = self._guarded("look up recent statuses", lambda: api.account_statuses(
            self._account_id, exclude_reblogs=True, limit=self.lookup_depth))
        for status in recent:
            if " ".join(plain_text(status.content).split()) == " ".join(post.text.split()):
                return self._published(post, status, {"found_by": "recent statuses"})
        return None

    def _fetch_limit(self) -> int:
        api = self._api()

        def read() -> Any:
            try:
                return api.instance_v2()
            except MastodonNotFoundError:  # before Mastodon 4.0 there is only v1
                return api.instance_v1()

        instance = self._guarded("read instance", read)
        try:
            return int(instance["configuration"]["statuses"]["max_characters"])
        except (KeyError, TypeError, ValueError):
            legacy = instance.get("max_toot_chars") if isinstance(instance, dict) else None
            return int(legacy) if isinstance(legacy, int) else self.spec.caption_limit

    def _published(self, post: LabeledPost, status: Any, detail: dict[str, Any]) -> Published:
        created = status.get("created_at")
        when = created if isinstance(created, datetime) and created.tzinfo else self.clock()
        return Published(self.name, post.post_id, str(status["id"]), status.get("url") or status.get("uri"),
                         "live", when, detail)

    def _guarded(self, where: str, action: Callable[[], T]) -> T:
        """Run one call; every failure becomes Retryable, Permanent or UnknownOutcome."""
        self._last = None
        try:
            return action()
        except MastodonError as exc:
            raise classify(f"Mastodon {where}", exc, self._last, self.clock()) from exc
        except ValueError as exc:  # Mastodon.py refusing an argument before sending anything
            raise PermanentError(f"Mastodon {where}: {exc}") from exc

    def _api(self) -> Mastodon:
        if self._client is None:
            if not self.account.base_url:
                raise PermanentError(f"Mastodon account {self.account.handle}: no base_url; set it to the "
                                     "instance's address, e.g. base_url: https://mastodon.social")
            session = requests.Session()
            session.hooks["response"].append(self._remember)
            self._client = Mastodon(
                access_token=_token(self.account), api_base_url=self.account.base_url.rstrip("/"),
                ratelimit_method="throw", request_timeout=self.account.timeout, session=session,
                mastodon_version=self.api_version, version_check_mode="created")
        return self._client

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self._last = response
        return response

    def _host(self) -> str:
        return urlsplit(self.account.base_url or "").netloc


def _token(account: AccountContext) -> str:
    try:
        token = account.secret().reveal().strip()
    except CredentialError as exc:
        raise PermanentError(f"Mastodon account {account.handle}: {exc}") from None
    if not token:
        raise PermanentError(f"Mastodon account {account.handle}: {account.credentials} is empty")
    return token


def _labelled_bytes(image: LabeledImage) -> tuple[bytes, str]:
    data = image.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != image.sha256:
        raise DisclosureError(f"{image.path}: file changed since it was labelled; not uploaded")
    return data, mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"


def _safe(host: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
