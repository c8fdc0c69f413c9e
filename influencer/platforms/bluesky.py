"""Bluesky: an app.bsky.feed.post record with image blobs, keyed by the post id.

Through the ``atproto`` SDK against the PDS at ``account.base_url`` (default
``https://bsky.social``), as ``account.handle`` with the app password the credential reference
points to. Only ``com.atproto.*`` is called (the AppView is never needed):

    com.atproto.server.createSession   only when there is no usable saved session (bluesky_session)
    com.atproto.repo.uploadBlob        each image, exact bytes (with their XMP), its MIME type
    com.atproto.repo.createRecord      repo = the account's DID, rkey = ``record_key(post)``
    com.atproto.repo.getRecord         ``find_published``: is that record there?
    com.atproto.repo.deleteRecord      ``delete``

The record carries the labelled text, its language (``langs``), ``createdAt`` (the moment of
sending), facets for tags and links, and per image the labelled alt text and ``aspectRatio``.
The record key is made at the post's first claim and stored on it, so a post can never be
created twice: after an unknown outcome, ``find_published`` asks for that record.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from influencer.clock import Clock
from influencer.config.credentials import Secret
from influencer.config.platforms import BLUESKY, PlatformSpec
from influencer.disclosure import LabeledImage, LabeledPost
from influencer.errors import CredentialError, PermanentError
from influencer.platforms.base import AccountContext, Lookup, Platform, Published
from influencer.platforms.bluesky_record import aspect_ratio, facets, post_url, record_key

if TYPE_CHECKING:
    from influencer.platforms.bluesky_session import BlueskySession

COLLECTION = "app.bsky.feed.post"


def classified(what: str, *, may_publish: bool = False) -> AbstractContextManager[None]:
    """``bluesky_session.classified``, imported when a request is made: the SDK's import takes
    most of a second, and a preview only builds requests (``build_request``)."""
    from influencer.platforms import bluesky_session

    return bluesky_session.classified(what, may_publish=may_publish)


def _fill(value: Any, did: str, blobs: list[dict[str, Any]], sent_at: str) -> Any:
    """The request with ``<did>``, ``<blob:N>`` and ``<sent_at>`` replaced by the account's DID,
    the blob refs and the moment of sending."""
    if value == "<did>":
        return did
    if value == "<sent_at>":
        return sent_at
    if isinstance(value, str) and value.startswith("<blob:") and value.endswith(">"):
        return blobs[int(value[6:-1]) - 1]
    if isinstance(value, dict):
        return {key: _fill(item, did, blobs, sent_at) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, did, blobs, sent_at) for item in value]
    return value


class BlueskyPlatform(Platform):
    name: ClassVar[str] = "bluesky"
    spec: ClassVar[PlatformSpec] = BLUESKY
    finds_published: ClassVar[bool] = True
    deletes: ClassVar[bool] = True
    # The record key is fixed at the first claim: a second create under it is refused by the PDS
    # (HTTP 500 from the reference PDS), so sending again can never make a second post.
    resend_safe_for: ClassVar[timedelta | None] = timedelta.max

    def __init__(self, account: AccountContext, *, clock: Clock | None = None) -> None:
        super().__init__(account)
        self.clock: Clock = clock or account.clock

    @classmethod
    def claim_key(cls, post_id: str, now: datetime) -> str | None:
        return record_key(post_id, now)

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        images = [{"alt": image.alt_text, "image": f"<blob:{n}>", "aspectRatio": aspect_ratio(image.path)}
                  for n, image in enumerate(post.images, 1)]
        record: dict[str, Any] = {"$type": COLLECTION, "text": post.text, "createdAt": "<sent_at>",
                                  "langs": [post.language]}
        found = facets(post.text)
        if found:
            record["facets"] = found
        record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        return {"repo": "<did>", "collection": COLLECTION, "rkey": post.platform_key or "<rkey>",
                "record": record}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        if not post.platform_key:
            raise PermanentError(f"bluesky: post {post.post_id} has no record key: it was never claimed")
        with self._session() as session:
            blobs = [self._upload(session, image) for image in post.images]
            sent_at = self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z")
            data = _fill(request, session.did, blobs, sent_at)
            created = self._create(session, data)
            return Published(self.name, post.post_id, str(created.uri),
                             post_url(self.account.handle, data["rkey"]), "live", self.clock(),
                             {"cid": str(created.cid), "did": session.did, "rkey": data["rkey"]})

    def find_published(self, post: LabeledPost, since: datetime) -> Lookup:
        """The record under the post's own key, if the PDS has it; its absence is proof, since no
        other create can be under way once the outcome is being settled."""
        rkey = post.platform_key
        if not rkey:
            return Lookup(proven_absent=True)  # never claimed, so never sent
        with self._session() as session:
            try:
                with classified("look up the post record"):
                    found = session.client.com.atproto.repo.get_record(
                        {"repo": session.did, "collection": COLLECTION, "rkey": rkey})
            except PermanentError as exc:
                if "RecordNotFound" in str(exc) or "Could not locate record" in str(exc):
                    return Lookup(proven_absent=True)
                raise
            value = found.value
            text = getattr(value, "text", None)
            if text is not None and text != post.text:
                raise PermanentError(f"bluesky: record {rkey} holds another text; a person must look")
            return Lookup([Published(self.name, post.post_id, str(found.uri),
                                     post_url(self.account.handle, rkey), "live", self.clock(),
                                     {"cid": str(found.cid), "did": session.did, "rkey": rkey,
                                      "found_by": "rkey"})])

    def delete(self, published: Published) -> None:
        prefix, _, rkey = published.platform_id.rpartition("/")
        if not prefix.endswith(f"/{COLLECTION}") or not rkey:
            raise PermanentError(f"bluesky: {published.platform_id!r} is not a post record URI")
        with self._session() as session, classified("delete the post record", may_publish=True):
            session.client.com.atproto.repo.delete_record(
                {"repo": session.did, "collection": COLLECTION, "rkey": rkey})

    def verify(self) -> str:
        with self._session() as session:
            return f"{self.account.handle.lstrip('@')} ({session.did})"

    @contextmanager
    def _session(self) -> Iterator[BlueskySession]:
        from influencer.platforms.bluesky_session import BlueskySession

        path = self.account.state_dir / "bluesky" / f"{self.account.persona}.session"
        session = BlueskySession(self.account.base_url, self.account.handle, self._password, path,
                                 self.account.timeout)
        try:
            session.login()
            yield session
        finally:
            session.close()

    def _password(self) -> Secret:
        try:
            return self.account.secret()
        except CredentialError as exc:
            raise PermanentError(f"bluesky: {exc}") from None

    def _create(self, session: BlueskySession, data: dict[str, Any]) -> Any:
        """createRecord with exactly ``data`` as its JSON body (the SDK would re-shape the record)."""
        from atproto_client import models  # type: ignore[import-untyped, unused-ignore]
        from atproto_client.models.utils import get_response_model  # type: ignore[import-untyped, unused-ignore]

        body = json.dumps(data, ensure_ascii=False).encode()
        with classified("create the post record", may_publish=True):
            response = session.client.invoke_procedure(
                "com.atproto.repo.createRecord", content=body,
                headers={"Content-Type": "application/json"}, output_encoding="application/json")
            return get_response_model(response, models.ComAtprotoRepoCreateRecord.Response)

    def _upload(self, session: BlueskySession, image: LabeledImage) -> dict[str, Any]:
        data = image.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != image.sha256:
            raise PermanentError(f"bluesky: {image.path.name} changed since it was rendered")
        kind = mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"
        from atproto_client import models  # type: ignore[import-untyped, unused-ignore]
        from atproto_client.models.utils import (  # type: ignore[import-untyped, unused-ignore]
            get_model_as_dict,
            get_response_model,
        )

        with classified(f"upload {image.path.name}"):
            # the raw procedure, with the bytes as httpx ``content``: the SDK's upload_blob passes
            # them as ``data``, which httpx deprecates
            response = session.client.invoke_procedure(
                "com.atproto.repo.uploadBlob", content=data, headers={"Content-Type": kind},
                output_encoding="application/json")
            uploaded = get_response_model(response, models.ComAtprotoRepoUploadBlob.Response)
        return dict(get_model_as_dict(uploaded.blob))
