"""Mastodon: each image with its description (alt text), then a status keyed by an idempotency key.

Credentials: the account's secret is the access token of an application authorised on the
instance (scopes ``read:accounts read:statuses write:media write:statuses``). The account's
``base_url`` is the instance (``https://mastodon.social``) and is required.

Mastodon.py does the HTTP: ``ratelimit_method="throw"`` so it never waits on a rate limit (one
retry policy lives outside the adapters), ``request_timeout=account.timeout``, and the API version
is declared (``api_version``) rather than probed, so no request goes out that we did not ask for.

Images: ``POST /api/v2/media`` may answer 202 with ``url: null`` (always for video and GIF, on
busy instances); the adapter then polls ``GET /api/v1/media/:id`` (206 while processing, 200 when
done; docs.joinmastodon.org/methods/media), a bounded number of times with the injected sleep,
before it creates the status: a status with an unprocessed attachment is refused with 422.
Mastodon.py's ``synchronous=True`` is not used (an unbounded loop that swallows errors).

Every status is sent with its ``language`` and ``Idempotency-Key: <post id>``: within the
instance's idempotency window (an hour; the adapter trusts 55 minutes from the first claim), a
status sent again comes back as the one already made instead of a second one. So an unknown
outcome (a 5xx or lost answer to the create) is looked up first (``find_published``: the account's
statuses since the first claim, every page, same text and number of images) and sent again only
within that window.
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests

from influencer.clock import Clock
from influencer.config.platforms import MASTODON, PlatformSpec
from influencer.disclosure import LabeledImage, LabeledPost
from influencer.errors import (
    AlreadyGone,
    CredentialError,
    DisclosureError,
    PermanentError,
    RetryableError,
)
from influencer.platforms.base import AccountContext, Lookup, Platform, Published
from influencer.platforms.mastodon_api import InstanceLimits, classify, plain_text

if TYPE_CHECKING:  # Mastodon.py is imported when a request is made: a preview only builds them
    from mastodon import Mastodon

T = TypeVar("T")


class MastodonPlatform(Platform):
    name: ClassVar[str] = "mastodon"
    spec: ClassVar[PlatformSpec] = MASTODON
    finds_published: ClassVar[bool] = True
    deletes: ClassVar[bool] = True
    api_version: ClassVar[str] = "4.0.0"  # the API we speak: v2 media (3.1.4+), v2 instance (v1 fallback)
    limit_ttl: ClassVar[timedelta] = timedelta(days=1)  # how long an instance's character limit is kept
    lookup_page: ClassVar[int] = 40  # statuses per page of a lookup (the API's maximum)
    lookup_pages: ClassVar[int] = 25  # pages a lookup reads at most
    processing_checks: ClassVar[int] = 30  # looks at an image still processing (202) before giving up
    processing_interval: ClassVar[float] = 1.0  # seconds between them
    resend_safe_for: ClassVar[timedelta | None] = timedelta(minutes=55)  # the idempotency key's hour

    def __init__(self, account: AccountContext, *, clock: Clock | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(account)
        self.clock: Clock = clock or account.clock
        self._sleep = sleep
        self._client: Mastodon | None = None
        self._last: requests.Response | None = None  # the last answer, for its rate-limit headers
        self._account_id: str | None = account.user_id

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        media = [{"file": image.path.name, "description": image.alt_text} for image in post.images]
        status = {"status": post.text, "visibility": "public", "language": post.language,
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
            ids[placeholder] = str(self._processed(api, media).id)
        created = self._guarded("post status", lambda: api.status_post(
            status["status"], media_ids=[ids[m] for m in status["media_ids"]],
            visibility=status["visibility"], language=status["language"],
            idempotency_key=request["idempotency_key"]), creates=True)
        return self._published(post, created, {"media_ids": list(ids.values())})

    def delete(self, published: Published) -> None:
        api = self._api()
        try:
            self._guarded("delete status", lambda: api.status_delete(published.platform_id))
        except PermanentError as exc:
            if "HTTP 404" in str(exc):  # "Record not found": deleted already
                raise AlreadyGone(str(exc)) from exc
            raise

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

    def find_published(self, post: LabeledPost, since: datetime) -> Lookup:
        """The account's statuses since ``since`` with the post's text and number of images."""
        api = self._api()
        if self._account_id is None:
            self.verify()
        matches: list[Published] = []
        max_id: Any = None
        for _ in range(self.lookup_pages):
            page = self._guarded("look up statuses", partial(
                api.account_statuses, self._account_id, exclude_reblogs=True, max_id=max_id,
                limit=self.lookup_page))
            for status in page:
                if _same_status(post, status) and _created(status, self.clock()) >= since:
                    matches.append(self._published(post, status, {"found_by": "lookup"}))
            if not page or _created(page[-1], self.clock()) < since:
                break
            max_id = page[-1]["id"]
        return Lookup(matches)

    def _processed(self, api: Mastodon, media: Any) -> Any:
        """The attachment once the instance has processed it (a 202 upload comes back without a
        url); a RetryableError when it is still processing: no status was created."""
        for _ in range(self.processing_checks):
            if media.get("url"):
                return media
            self._sleep(self.processing_interval)
            media = self._guarded("check the uploaded image", partial(api.media, media["id"]))
        raise RetryableError(f"Mastodon upload image: media {media['id']} still processing after "
                             f"{self.processing_checks} checks; no status was created")

    def _fetch_limit(self) -> int:
        api = self._api()

        from mastodon import MastodonNotFoundError

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

    def _guarded(self, where: str, action: Callable[[], T], *, creates: bool = False) -> T:
        """Run one call; every failure becomes Retryable, Permanent or UnknownOutcome."""
        from mastodon import MastodonError

        self._last = None
        try:
            return action()
        except MastodonError as exc:
            raise classify(f"Mastodon {where}", exc, self._last, self.clock(), creates=creates) from exc
        except ValueError as exc:  # Mastodon.py refusing an argument before sending anything
            raise PermanentError(f"Mastodon {where}: {exc}") from exc

    def _api(self) -> Mastodon:
        from mastodon import Mastodon

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


def _same_status(post: LabeledPost, status: Any) -> bool:
    same_text = " ".join(plain_text(status.content).split()) == " ".join(post.text.split())
    return same_text and len(status.get("media_attachments") or []) == len(post.images)


def _created(status: Any, fallback: datetime) -> datetime:
    created = status.get("created_at")
    return created if isinstance(created, datetime) and created.tzinfo else fallback


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
