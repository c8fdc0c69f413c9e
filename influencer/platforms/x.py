"""X: images via POST /2/media/upload (+ /2/media/metadata for alt text), then POST /2/tweets.

Credentials: the account's secret (``credentials: env:NAME`` or ``file:PATH``) is a JSON object
with the four OAuth 1.0a user-context keys of the X app and the account it posts as::

    {"consumer_key": "…", "consumer_secret": "…", "access_token": "…", "access_token_secret": "…"}

tweepy signs every request (OAuth 1.0a) and supplies the error types; it has no v2 media upload
and cannot send ``made_with_ai``, so the post goes through ``Client.request`` and the upload is
signed with tweepy's ``OAuth1UserHandler`` on the same ``requests`` session. tweepy hard-codes
``https://api.twitter.com`` and sets no timeout: a ``Rerouted`` transport adapter mounted on the
session sends everything to ``account.base_url`` with ``account.timeout``. Its own rate-limit
waiting is off (``wait_on_rate_limit=False``): one retry policy lives outside the adapters.

X takes no idempotency key, and ``POST /2/tweets`` is not idempotent: a 5xx or 408 answer to it,
or a 403 "duplicate content" (X refuses a text the account already posted), is an unknown outcome,
never a retry. ``find_published`` then reads the account's posts since the post's first claim
(``start_time``, every page) for the exact text (X shortens links to t.co and escapes ``&<>``;
both are allowed for) and the same number of images.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import mimetypes
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import requests
import tweepy

from influencer.clock import Clock
from influencer.config.platforms import PlatformSpec, X
from influencer.disclosure import LabeledImage, LabeledPost
from influencer.errors import (
    AlreadyGone,
    CredentialError,
    DisclosureError,
    PermanentError,
    PlatformError,
    UnknownOutcome,
)
from influencer.platforms.base import AccountContext, Lookup, Platform, Published
from influencer.platforms.http_errors import from_status, from_transport, retry_after
from influencer.platforms.http_routing import Rerouted

# At DEBUG these libraries log the Authorization header (consumer key, access token): keep
# them quiet whatever the application's level, so no credential reaches a log line.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

T = TypeVar("T")
CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
URL = re.compile(r"https?://\S+")


class XPlatform(Platform):
    name: ClassVar[str] = "x"
    spec: ClassVar[PlatformSpec] = X
    finds_published: ClassVar[bool] = True
    deletes: ClassVar[bool] = True
    api_host: ClassVar[str] = "https://api.twitter.com"  # tweepy's hard-coded host; base_url reroutes
    lookup_page: ClassVar[int] = 100  # posts per page of a lookup (the API's maximum)
    lookup_pages: ClassVar[int] = 20  # pages a lookup reads at most (X keeps the last 3,200)

    def __init__(self, account: AccountContext, *, clock: Clock | None = None) -> None:
        super().__init__(account)
        self.clock: Clock = clock or account.clock
        self._client: tweepy.Client | None = None
        self._me: dict[str, Any] | None = None

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        ids = [f"<media:{n}>" for n in range(1, len(post.images) + 1)]
        # each entry: the multipart upload, then the POST /2/media/metadata body (id and metadata)
        media = [{"upload": {"file": image.path.name, "media_category": "tweet_image"},
                  "id": media_id, "metadata": {"alt_text": {"text": image.alt_text}}}
                 for media_id, image in zip(ids, post.images, strict=True)]
        flags = post.flag_map
        tweet = {"text": post.text, "media": {"media_ids": ids},
                 "made_with_ai": flags.get("made_with_ai", False),
                 "paid_partnership": flags.get("paid_partnership", False)}
        return {"media": media, "tweet": tweet}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        ids: dict[str, str] = {}
        for image, item in zip(post.images, request["media"], strict=True):
            media_id = self._upload(image, item["upload"])
            ids[item["id"]] = media_id
            described = {"id": item["id"], "metadata": item["metadata"]}
            self._call("describe image", "POST", "/2/media/metadata", _substituted(described, ids))
        tweet = _substituted(request["tweet"], ids)
        created = self._call("create post", "POST", "/2/tweets", tweet, creates=True)
        post_id = _field(created, "create post", "id", missing=UnknownOutcome)
        return self._published(post, post_id, {"media_ids": list(ids.values())})

    def delete(self, published: Published) -> None:
        answer = self._call("delete post", "DELETE", f"/2/tweets/{published.platform_id}")
        if (answer.get("data") or {}).get("deleted") is not True:  # X's answer for a post not there
            raise AlreadyGone(f"X delete post: post {published.platform_id} was not deleted ({answer})")

    def verify(self) -> str:
        return "@" + str(self._account_data()["username"])

    def find_published(self, post: LabeledPost, since: datetime) -> Lookup:
        """The account's posts since ``since`` with the post's text and number of images."""
        user_id = self.account.user_id or str(self._account_data()["id"])
        params: dict[str, Any] = {
            "max_results": self.lookup_page, "exclude": "replies,retweets",
            "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "post.fields": "created_at,attachments"}  # the official v2.167 document's name
        matches = []
        for _ in range(self.lookup_pages):
            page = self._call("look up posts", "GET", f"/2/users/{user_id}/tweets", params=params)
            for item in page.get("data") or []:
                if isinstance(item, dict) and _same_post(post, item):
                    matches.append(self._published(post, str(item["id"]), {"found_by": "lookup"}))
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
            params["pagination_token"] = token
        return Lookup(matches)

    def _published(self, post: LabeledPost, post_id: str, detail: dict[str, Any]) -> Published:
        handle = self.account.handle.lstrip("@")
        url = f"https://x.com/{handle or 'i/web'}/status/{post_id}"
        return Published(self.name, post.post_id, post_id, url, "live", self.clock(), detail)

    def _account_data(self) -> dict[str, Any]:
        if self._me is None:
            me = self._call("verify account", "GET", "/2/users/me")
            self._me = {"id": _field(me, "verify account", "id"),
                        "username": _field(me, "verify account", "username")}
        return self._me

    def _upload(self, image: LabeledImage, form: dict[str, str]) -> str:
        data = image.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != image.sha256:
            raise DisclosureError(f"{image.path}: file changed since it was labelled; not uploaded")
        kind = mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"
        client = self._tweepy()
        auth = tweepy.OAuth1UserHandler(client.consumer_key, client.consumer_secret,
                                        client.access_token, client.access_token_secret).apply_auth()

        def upload() -> requests.Response:
            response: requests.Response = client.session.post(
                f"{self.api_host}/2/media/upload", data={"media_category": form["media_category"]},
                files={"media": (form["file"], data, kind)}, auth=auth,
                headers={"User-Agent": client.user_agent})
            _raise_for(response)
            return response

        uploaded = _json_object("upload image", self._guarded("upload image", upload))
        return _field(uploaded, "upload image", "id")

    def _call(self, where: str, method: str, route: str, body: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None, *, creates: bool = False) -> dict[str, Any]:
        client = self._tweepy()
        response = self._guarded(where, lambda: client.request(method, route, params=params, json=body,
                                                               user_auth=True), creates=creates)
        return _json_object(where, response)

    def _guarded(self, where: str, action: Callable[[], T], *, creates: bool = False) -> T:
        """Run one HTTP exchange; turn every failure into Retryable, Permanent or UnknownOutcome."""
        label = f"X {where}"
        try:
            return action()
        except tweepy.HTTPException as exc:
            response = exc.response
            message = "; ".join(str(m) for m in exc.api_messages) or str(response.reason or "")
            if creates and response.status_code == 403 and "duplicate content" in message.lower():
                # X has a post with this text already: maybe this one, from an earlier attempt
                raise UnknownOutcome(f"{label}: X refused it as a duplicate ({message}); "
                                     "looking for the post it already has") from exc
            raise from_status(label, response.status_code, message,
                              retry_after(response.headers, self.clock()), creates=creates) from exc
        except requests.RequestException as exc:
            raise from_transport(label, exc) from exc

    def _tweepy(self) -> tweepy.Client:
        if self._client is None:
            keys = _credentials(self.account)
            client = tweepy.Client(**keys, wait_on_rate_limit=False)
            base = self.account.base_url or self.api_host
            Rerouted(self.api_host, base, self.account.timeout).mount_on(client.session)
            self._client = client
        return self._client


def _same_post(post: LabeledPost, item: dict[str, Any]) -> bool:
    media = (item.get("attachments") or {}).get("media_keys") or []
    return same_text(post.text, str(item.get("text", ""))) and len(media) == len(post.images)


def same_text(sent: str, found: str) -> bool:
    """Whether X's rendering of a post (t.co links, escaped &<>) is the text that was sent."""
    pattern = r"\s+".join(
        r"https://t\.co/\w+" if URL.fullmatch(word) else re.escape(word) for word in sent.split())
    return re.fullmatch(pattern, html.unescape(found).strip()) is not None


def _credentials(account: AccountContext) -> dict[str, str]:
    problem = (f"X account {account.handle}: credentials {account.credentials} must be a JSON object "
               f"with {', '.join(CREDENTIAL_KEYS)}")
    try:
        value = json.loads(account.secret().reveal())
    except CredentialError as exc:
        raise PermanentError(f"X account {account.handle}: {exc}") from None
    except ValueError:
        raise PermanentError(problem + " (it is not JSON)") from None
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value[k]
                                              for k in CREDENTIAL_KEYS):
        raise PermanentError(problem)
    return {k: value[k] for k in CREDENTIAL_KEYS}


def _raise_for(response: requests.Response) -> None:
    """What ``tweepy.Client.request`` raises for an answer, for the requests it cannot make."""
    status = response.status_code
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound,
        429: tweepy.TooManyRequests}
    if status in errors:
        raise errors[status](response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _json_object(where: str, response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json() if response.content else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise _unexpected(where, "an answer that is not a JSON object")
    return payload


def _substituted(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with the media placeholders of ``build_request`` replaced by real media ids."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {k: _substituted(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, ids) for v in value]
    return value


def _field(payload: dict[str, Any], where: str, name: str,
           missing: type[PlatformError] = PermanentError) -> str:
    data = payload.get("data")
    if not isinstance(data, dict) or not data.get(name):
        raise _unexpected(where, f"an answer without data.{name}", missing)
    return str(data[name])


def _unexpected(where: str, what: str, kind: type[PlatformError] = UnknownOutcome) -> PlatformError:
    return kind(f"X {where}: {what}")
