"""Instagram Graph API: media container(s) with is_ai_generated, then media_publish.

Talks to ``account.base_url`` (default ``https://graph.instagram.com``) under the version in
``instagram_graph.GRAPH_VERSION``, as IG user ``account.user_id`` (``me`` when unset), with the
long-lived access token the credential reference points to (refreshed and warned about in
``instagram_token``). Images are fetched by Instagram from a ``MediaHost`` URL.

    GET  /{ig-user-id}/content_publishing_limit   quota spent: QuotaExhausted, nothing sent
    POST /{ig-user-id}/media                      one container per image (carousel: children with
                                                  is_carousel_item, then a CAROUSEL container with
                                                  caption and is_ai_generated)
    GET  /{container-id}?fields=status_code       until FINISHED (ERROR / EXPIRED: permanent)
    POST /{ig-user-id}/media_publish              creation_id: the post goes out here

``media_publish`` is not idempotent: when it fails with a 5xx or gets no answer, the outcome is
unknown unless the publish container already says PUBLISHED (then the media is found). The
containers made are kept in ``progress``: a later attempt publishes the same container while it is
valid (24 h) instead of making new ones, and ``find_published`` asks the container first —
PUBLISHED: the media is found by its caption among the account's media since the first claim;
FINISHED a while after the publish call: proof it was not published, so publishing it is safe.
The Graph API cannot delete Instagram media: ``delete`` refuses and says so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from influencer.config.platforms import INSTAGRAM, PlatformSpec
from influencer.config.settings import SETTINGS_FILE, load_settings
from influencer.disclosure import LabeledPost
from influencer.errors import CredentialError, PermanentError, PlatformError, RetryableError, UnknownOutcome
from influencer.platforms.base import AccountContext, Lookup, Platform, Published
from influencer.platforms.instagram_graph import Graph, QuotaExhausted
from influencer.platforms.instagram_token import TokenStore
from influencer.platforms.media_host import MediaHost, media_host_from

__all__ = ["InstagramPlatform", "QuotaExhausted"]

PLACEHOLDER = re.compile(r"<(image_url|container):(\d+)>")


def _stamp(media: dict[str, Any]) -> datetime:
    """A media's ``timestamp`` (``2026-12-01T09:00:02+0000``), aware."""
    try:
        return datetime.strptime(str(media.get("timestamp")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unknown: never ruled out by its time


def _fill(value: Any, found: dict[str, list[str]]) -> Any:
    """The request with its placeholders replaced by the real URLs and container ids."""
    if isinstance(value, str):
        match = PLACEHOLDER.fullmatch(value)
        return found[match[1]][int(match[2]) - 1] if match else value
    if isinstance(value, dict):
        return {key: _fill(item, found) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, found) for item in value]
    return value


def _form(fields: dict[str, Any]) -> dict[str, str]:
    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return ",".join(value) if isinstance(value, list) else str(value)

    return {key: text(value) for key, value in fields.items()}


class InstagramPlatform(Platform):
    name: ClassVar[str] = "instagram"
    spec: ClassVar[PlatformSpec] = INSTAGRAM
    finds_published: ClassVar[bool] = True
    refreshes_token: ClassVar[bool] = True  # the Graph API cannot delete media
    poll_attempts: ClassVar[int] = 20  # status checks per container before giving up (retryable)
    poll_interval: ClassVar[float] = 3.0  # seconds between status checks
    lookup_limit: ClassVar[int] = 25  # media per page of a caption lookup
    lookup_pages: ClassVar[int] = 20  # pages a caption lookup reads at most
    container_life: ClassVar[timedelta] = timedelta(hours=23)  # containers expire after 24 h
    settled_after: ClassVar[timedelta] = timedelta(minutes=2)  # a FINISHED container this long
    # after the publish call proves that the call did not publish it

    def __init__(self, account: AccountContext, media_host: MediaHost | None = None, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(account)
        self._media_host = media_host
        self._transport = transport
        self._clock = clock or account.clock
        self._sleep = sleep
        self._user = account.user_id or "me"

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        flagged = post.flag_map.get("is_ai_generated", False)
        urls = [f"<image_url:{n}>" for n in range(1, len(post.images) + 1)]
        if len(post.images) == 1:
            container = {"image_url": urls[0], "caption": post.text,
                         "alt_text": post.images[0].alt_text, "is_ai_generated": flagged}
            return {"containers": [container], "publish": {"creation_id": "<container:1>"}}
        children = [{"image_url": url, "is_carousel_item": True, "alt_text": image.alt_text}
                    for url, image in zip(urls, post.images, strict=True)]
        carousel = {"media_type": "CAROUSEL", "caption": post.text, "is_ai_generated": flagged,
                    "children": [f"<container:{n}>" for n in range(1, len(children) + 1)]}
        return {"containers": [*children, carousel],
                "publish": {"creation_id": f"<container:{len(children) + 1}>"}}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        graph = self._graph()
        try:
            self._check_quota(graph)
            creation = self._reusable(graph) or self._containers(graph, post, request)
            self.progress["publish_tried_at"] = self._clock().isoformat()
            media_id = self._publish(graph, creation, post)
            return self._published(graph, post, media_id, self.progress.get("containers", []))
        finally:
            graph.close()

    def find_published(self, post: LabeledPost, since: datetime) -> Lookup:
        """Ask the publish container first; look for the caption only when it is published or
        unknown (media made since ``since``)."""
        graph = self._graph()
        try:
            creation = self.progress.get("creation_id")
            code = self._status(graph, creation)[0] if creation else ""
            tried = self.progress.get("publish_tried_at")
            if code in ("EXPIRED", "ERROR") or (code == "FINISHED" and tried and self._clock()
                                                 - datetime.fromisoformat(tried) >= self.settled_after):
                return Lookup(proven_absent=True)
            return Lookup(self._lookup(graph, post, since))
        finally:
            graph.close()

    def _containers(self, graph: Graph, post: LabeledPost, request: dict[str, Any]) -> dict[str, str]:
        """Host the images and make the containers, each kept in ``progress`` as it is made."""
        host = self._host()
        found: dict[str, list[str]] = {"image_url": [host.put(i.path, i.sha256) for i in post.images],
                                       "container": []}
        self.progress.update({"containers": [], "made_at": self._clock().isoformat()})
        for container in request["containers"]:
            created = graph.post(f"{self._user}/media", "create a media container",
                                 _form(_fill(container, found)))
            found["container"].append(self._finished(graph, str(created["id"])))
            self.progress["containers"] = list(found["container"])
        creation = _form(_fill(request["publish"], found))
        self.progress["creation_id"] = creation["creation_id"]
        return creation

    def _reusable(self, graph: Graph) -> dict[str, str] | None:
        """The publish container of an earlier attempt, when it is ready and still valid."""
        creation, made = self.progress.get("creation_id"), self.progress.get("made_at")
        if not creation or not made or self._clock() - datetime.fromisoformat(made) > self.container_life:
            return None
        return {"creation_id": creation} if self._status(graph, creation)[0] == "FINISHED" else None

    def delete(self, published: Published) -> None:
        raise PermanentError("instagram: the Graph API cannot delete Instagram media; delete "
                             f"{published.url or published.platform_id} in the Instagram app")

    def verify(self) -> str:
        graph = self._graph()
        try:
            me = graph.get("me", "verify the account", {"fields": "user_id,username"})
        finally:
            graph.close()
        user_id, username = str(me.get("user_id", "")), str(me.get("username", ""))
        if self.account.user_id and user_id and user_id != self.account.user_id:
            raise PermanentError(f"instagram: the token belongs to {username} (IG user {user_id}), "
                                 f"not to the configured user id {self.account.user_id}")
        return f"{username} (IG user {user_id})"

    def refresh_token(self) -> datetime:
        """Refresh the long-lived token now; store it and return its new expiry."""
        graph = self._graph(refresh=False)
        try:
            return self._refresh(graph, self._tokens())
        finally:
            graph.close()

    def token_warning(self, now: datetime | None = None) -> str | None:
        """A warning when the token expires within 7 days (or could not be refreshed), else None."""
        return self._tokens().warning(now or self._clock(), self.account.persona)

    # -- the steps -------------------------------------------------------------------------------

    def _tokens(self) -> TokenStore:
        try:
            configured = self.account.secret()
        except CredentialError as exc:
            raise PermanentError(f"instagram: {exc}") from None
        return TokenStore(self.account.state_dir / "instagram" / f"{self.account.persona}.json", configured)

    def _graph(self, refresh: bool = True) -> Graph:
        tokens = self._tokens()
        graph = Graph(self.account.base_url, tokens.token(), self.account.timeout, self._transport)
        if refresh and tokens.refresh_due(self._clock()):
            try:
                self._refresh(graph, tokens)
            except PlatformError as exc:  # the current token still works until it expires
                tokens.failed(str(exc), self._clock())
        return graph

    def _refresh(self, graph: Graph, tokens: TokenStore) -> datetime:
        answer = graph.get("refresh_access_token", "refresh the access token",
                           {"grant_type": "ig_refresh_token"}, versioned=False)
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, (int, float)):
            raise PermanentError("instagram: refreshing the token gave no access_token / expires_in")
        record = tokens.refreshed(token, float(expires_in), self._clock())
        graph.use_token(tokens.token())
        assert record.expires_at is not None
        return record.expires_at

    def _host(self) -> MediaHost:
        if self._media_host is None:
            settings, issues = load_settings(self.account.root / SETTINGS_FILE, SETTINGS_FILE)
            if issues:
                raise PermanentError("instagram: media host: " + "; ".join(str(i) for i in issues))
            self._media_host = media_host_from(settings.media_host, self.account.root,
                                               self.account.timeout)
        return self._media_host

    def _check_quota(self, graph: Graph) -> None:
        answer = graph.get(f"{self._user}/content_publishing_limit", "read the publishing quota",
                           {"fields": "quota_usage,config"})
        data = answer.get("data") or [{}]
        usage = data[0].get("quota_usage")
        config = data[0].get("config") or {}
        total = int(config.get("quota_total") or self.spec.posts_per_day or 50)
        if isinstance(usage, int) and usage >= total:
            raise QuotaExhausted(usage, total, config.get("quota_duration"))

    def _status(self, graph: Graph, container: str) -> tuple[str, str]:
        answer = graph.get(container, "check the media container", {"fields": "status_code,status"})
        return str(answer.get("status_code", "")), str(answer.get("status") or "")

    def _finished(self, graph: Graph, container: str) -> str:
        """Wait (bounded) until Instagram has fetched and processed the container's image."""
        for attempt in range(self.poll_attempts):
            code, status = self._status(graph, container)
            if code in ("FINISHED", "PUBLISHED"):
                return container
            if code in ("ERROR", "EXPIRED"):
                why = "expired before it was published" if code == "EXPIRED" else "could not be processed"
                raise PermanentError(f"instagram: media container {container} {why}: {status or code}")
            if attempt + 1 < self.poll_attempts:
                self._sleep(self.poll_interval)
        raise RetryableError(f"instagram: media container {container} still {code or 'unknown'} after "
                             f"{self.poll_attempts} checks")

    def _publish(self, graph: Graph, creation: dict[str, str], post: LabeledPost) -> str:
        try:
            return str(graph.post(f"{self._user}/media_publish", "publish", creation, may_publish=True)["id"])
        except PermanentError:
            raise
        except (RetryableError, UnknownOutcome, KeyError) as exc:
            failure = exc if isinstance(exc, PlatformError) else UnknownOutcome("instagram: publish: no id")
            return self._settle(graph, creation["creation_id"], post, failure)

    def _settle(self, graph: Graph, container: str, post: LabeledPost, failure: PlatformError) -> str:
        """The publish call failed: only a PUBLISHED container settles it now. Anything else is
        an unknown outcome (a 5xx may come after the media was made): the flow looks it up later
        instead of publishing again."""
        try:
            code, _ = self._status(graph, container)
            since = datetime.fromisoformat(self.progress.get("made_at") or self._clock().isoformat())
            found = self._lookup(graph, post, since) if code == "PUBLISHED" else []
        except PlatformError:
            code, found = "", []
        if len(found) == 1:
            return found[0].platform_id
        raise UnknownOutcome(f"{failure} (container {container}: status {code or 'unknown'}; "
                             "looked up before publishing again)") from None

    def _lookup(self, graph: Graph, post: LabeledPost, since: datetime) -> list[Published]:
        """Media of the account made since ``since`` whose caption is the post's text."""
        params = {"fields": "id,caption,permalink,timestamp", "limit": str(self.lookup_limit)}
        matches = []
        for _ in range(self.lookup_pages):
            answer = graph.get(f"{self._user}/media", "look up media", params)
            page = answer.get("data") or []
            for media in page:
                if media.get("caption") == post.text and _stamp(media) >= since:
                    matches.append(Published(self.name, post.post_id, str(media["id"]),
                                             media.get("permalink"), "live", self._clock(),
                                             {"found_by": "caption"}))
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not page or not after or min(_stamp(m) for m in page) < since:
                break
            params = {**params, "after": str(after)}
        return matches

    def _published(self, graph: Graph, post: LabeledPost, media_id: str, containers: list[str]) -> Published:
        try:
            permalink = graph.get(media_id, "read the permalink", {"fields": "permalink"}).get("permalink")
        except PlatformError:  # the post is out; a missing link must not turn that into a failure
            permalink = None
        return Published(self.name, post.post_id, media_id, permalink, "live", self._clock(),
                         {"containers": containers})
