"""The database tables. Images stay files: the database keeps their hashes and their use.

Times are stored as UTC and come back timezone-aware (``UTCDateTime``), on SQLite as on
PostgreSQL. The schema is owned by the Alembic migrations in ``migrations/versions``; a test
checks that these models and the migrated schema agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from influencer.store.status import PostKind, PostMode, PostStatus


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times in the database must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[Any]):
    """A ``StrEnum`` stored as its text; read back as the enum member, not a bare string."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class StoredImage(BaseModel):
    """One image of a stored draft: the rendered file that will be sent, and where it came from."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file: str  # the rendered file's name
    sha256: str  # of the rendered file: what is sent is what was previewed
    path: str  # the rendered file
    alt: str = ""  # the image's alt text before labelling
    signed: bool = False  # carries a C2PA manifest
    source: str | None = None  # the library file it was rendered from (workspace-relative)
    source_sha256: str | None = None
    media_type: str | None = None
    width: int | None = None
    height: int | None = None


class StoredImages(TypeDecorator[list[StoredImage]]):
    """A JSON list of ``StoredImage`` in the database, typed models in Python."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[StoredImage] | list[dict[str, Any]] | None,
                           dialect: Dialect) -> list[dict[str, Any]]:
        return [StoredImage.model_validate(i).model_dump(mode="json") for i in value or []]

    def process_result_value(self, value: list[dict[str, Any]] | None,
                             dialect: Dialect) -> list[StoredImage]:
        return [StoredImage.model_validate(i) for i in value or []]


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def new_post_id() -> str:
    """16 hex characters: safe as a Mastodon idempotency key and a Bluesky record key."""
    return uuid.uuid4().hex[:16]


class ImageAsset(SQLModel, table=True):
    """One image file of a twin's library, known by its content hash."""

    __tablename__ = "image_asset"
    __table_args__ = (
        UniqueConstraint("persona", "path", name="uq_image_asset_persona_path"),
        Index("ix_image_asset_persona_sha256", "persona", "sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    persona: str = Field(max_length=64, index=True)
    path: str = Field(sa_type=Text)  # relative to the workspace root
    sha256: str = Field(max_length=64)
    size: int = Field(sa_type=BigInteger)
    mtime_ns: int = Field(sa_type=BigInteger)
    width: int
    height: int
    format: str = Field(max_length=16)
    phash: str | None = Field(default=None, max_length=32, index=True)  # perceptual hash, hex
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    alt_text: str | None = Field(default=None, sa_type=Text)
    focal_x: float | None = None
    focal_y: float | None = None
    do_not_use: bool = False
    missing: bool = False  # the file was gone at the last scan
    first_seen: datetime = _aware(default_factory=_now)
    last_seen: datetime = _aware(default_factory=_now)


class Post(SQLModel, table=True):
    """One slot's post: its draft (images, caption, labels) and where it is in its life."""

    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("schedule", "platform", "slot_at", "mode", "kind", name="uq_post_slot"),
        Index("ix_post_status_publish_at", "status", "publish_at"),
        Index("ix_post_persona_slot_at", "persona", "slot_at"),
    )

    id: str = Field(default_factory=new_post_id, primary_key=True, max_length=32)
    persona: str = Field(max_length=64)
    schedule: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    slot_at: datetime = _aware()  # nominal slot time (UTC), part of the slot's identity
    publish_at: datetime = _aware()  # slot time with its jitter
    mode: PostMode = Field(default=PostMode.live, sa_type=EnumText(PostMode, 8))
    kind: PostKind = Field(default=PostKind.slot, sa_type=EnumText(PostKind, 8),
                           sa_column_kwargs={"server_default": "slot"})
    status: PostStatus = Field(default=PostStatus.planned, sa_type=EnumText(PostStatus, 16))
    reason: str | None = Field(default=None, sa_type=Text)  # why skipped / held / failed
    text: str | None = Field(default=None, sa_type=Text)  # as published: label, body, hashtags
    body: str | None = Field(default=None, sa_type=Text)  # the writer's caption, before labelling
    alt_texts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hashtags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    images: list[StoredImage] = Field(default_factory=list, sa_column=Column(StoredImages, nullable=False))
    writer: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, max_length=128)
    prompt_hash: str | None = Field(default=None, max_length=64)
    persona_hash: str | None = Field(default=None, max_length=64)
    schedule_hash: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = _aware(default=None)
    first_claimed_at: datetime | None = _aware(default=None)  # any create after it may be this post's
    platform_key: str | None = Field(default=None, max_length=64)  # e.g. the Bluesky rkey, fixed at claim
    progress: dict[str, Any] = Field(default_factory=dict, sa_column=Column(  # an adapter's earlier steps
        JSON, nullable=False, server_default="{}"))
    looked_up_at: datetime | None = _aware(default=None)  # the last lookup of an unknown outcome
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = _aware(default=None)
    created_at: datetime = _aware(default_factory=_now)
    updated_at: datetime = _aware(default_factory=_now)


class Publication(SQLModel, table=True):
    """A post having gone out: to a platform (live) or to the outbox (dry)."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("post_id", "mode", name="uq_publication_post_mode"),
                      # one platform id settles at most one post of an account
                      UniqueConstraint("mode", "platform", "account", "platform_id",
                                       name="uq_publication_platform_id"))

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(foreign_key="post.id", max_length=32, index=True)
    mode: PostMode = Field(sa_type=EnumText(PostMode, 8))
    platform: str = Field(max_length=32)
    account: str | None = Field(default=None, max_length=64)  # the persona whose account it is
    platform_id: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, sa_type=Text)
    published_at: datetime = _aware(default_factory=_now)
    deleted_at: datetime | None = _aware(default=None)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only: every state change of a post, with who made it. Triggers refuse edits; each
    twin's events form a hash chain (``store/audit.py`` is the one way they are written)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("twin", "seq", name="uq_audit_event_chain"),)

    id: int | None = Field(default=None, primary_key=True)
    twin: str = Field(default="*", max_length=64)  # whose chain: a persona, or * for none
    seq: int = 0  # its place in the chain: 1, 2, …
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
    at: datetime = _aware(default_factory=_now)
    post_id: str | None = Field(default=None, max_length=32, index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ImageUse(SQLModel, table=True):
    """One image placed in one post: selection reads these to space out reuse on a platform
    and to keep two twins from showing the same (or a near-identical) image on the same day.

    A redraft or a cancel releases the post's rows; a use is not tied to the image_asset row,
    so it outlives a rescan that renames or drops the file.
    """

    __tablename__ = "image_use"
    __table_args__ = (
        UniqueConstraint("post_id", "position", name="uq_image_use_post_position"),
        Index("ix_image_use_persona_platform_used_on", "persona", "platform", "used_on"),
        Index("ix_image_use_persona_sha256", "persona", "sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(max_length=32, index=True)
    persona: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    position: int = 0  # place in a carousel, from 0
    sha256: str = Field(max_length=64)  # the asset's content hash
    phash: str | None = Field(default=None, max_length=32)
    used_on: date = Field(index=True)  # the slot's day in the schedule's zone
    used_at: datetime = _aware()  # the slot's nominal time (UTC)


# The daemon's tables (migration 0005). Kept in the database, not in a process, so that any
# number of daemons on one database share them: limits, pauses, alerts sent, heartbeats.


class AccountLimit(SQLModel, table=True):
    """One account's publishing budget. Its row is also the lock that serialises claims for the
    account, so in-flight counts (posts ``publishing``) and the hourly window stay exact."""

    __tablename__ = "account_limit"

    account: str = Field(primary_key=True, max_length=128)  # "<persona>/<platform>"
    window_start: datetime | None = _aware(default=None)  # start of the current hour window
    window_count: int = 0  # claims made in that window
    blocked_until: datetime | None = _aware(default=None)  # the platform's rate-limit reset
    updated_at: datetime = _aware(default_factory=_now)


class PublishRetry(SQLModel, table=True):
    """A post that went back to ``approved`` to be sent again, and not before when."""

    __tablename__ = "publish_retry"

    post_id: str = Field(primary_key=True, max_length=32)
    not_before: datetime = _aware()
    reason: str | None = Field(default=None, sa_type=Text)


class Pause(SQLModel, table=True):
    """``influencer pause``: no new claims for a persona, or for everything (scope ``*``)."""

    __tablename__ = "pause"

    scope: str = Field(primary_key=True, max_length=64)
    paused_by: str = Field(max_length=128)
    paused_at: datetime = _aware(default_factory=_now)


class AlertSent(SQLModel, table=True):
    """Alerts already sent, by key: each goes out once however many daemons notice it."""

    __tablename__ = "alert_sent"

    key: str = Field(primary_key=True, max_length=200)
    sent_at: datetime = _aware(default_factory=_now)


class DaemonBeat(SQLModel, table=True):
    """A daemon's heartbeat: who it is, when it was last alive, which configuration it runs."""

    __tablename__ = "daemon"

    id: str = Field(primary_key=True, max_length=128)
    host: str = Field(max_length=255)
    pid: int
    mode: str = Field(max_length=8)  # live | dry
    once: bool = False  # ``run --once``: one pass, then it stops
    started_at: datetime = _aware(default_factory=_now)
    seen_at: datetime = _aware(default_factory=_now)
    stopped_at: datetime | None = _aware(default=None)
    config_hash: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# The consent ledger (migration 0008): every version of each twin's grant, and the head row that
# names the one in force. The head row is also the lock: a claim reads it FOR SHARE inside its
# transaction, a revocation takes it FOR UPDATE, so nothing claimed after a revocation commits.


class GrantVersion(SQLModel, table=True):
    """One version of a twin's grant: its terms as the persona file's ``rights`` spell them,
    where it came from (the file, ``rights grant``, ``rights revoke``), who recorded it, when."""

    __tablename__ = "grant_version"
    __table_args__ = (UniqueConstraint("persona", "version", name="uq_grant_version"),)

    id: int | None = Field(default=None, primary_key=True)
    persona: str = Field(max_length=64, index=True)
    version: int  # 1, 2, … per persona
    terms: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # Rights, as JSON
    source: str = Field(max_length=16)  # file | grant | revoke
    reason: str | None = Field(default=None, sa_type=Text)  # why it was recorded
    file_sha: str = Field(max_length=64)  # the persona file's rights when it was recorded
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = _aware(default_factory=_now)


class GrantHead(SQLModel, table=True):
    """Which version of a twin's grant is in force; its row is the twin's consent lock."""

    __tablename__ = "grant_head"

    persona: str = Field(primary_key=True, max_length=64)
    version: int
    updated_at: datetime = _aware(default_factory=_now)


class AuditChain(SQLModel, table=True):
    """The head of one twin's audit chain: its last event's place and hash. Taken for update by
    every append, so one twin's events are written one writer at a time (migration 0009)."""

    __tablename__ = "audit_chain"

    twin: str = Field(primary_key=True, max_length=64)
    seq: int = 0
    hash: str = Field(max_length=64)


class TakedownItem(SQLModel, table=True):
    """One published post of a twin to take down after a revocation (migration 0010): the
    daemon works through them within each account's delete budget; each keeps what came of it
    (``takedown.py``: waiting, pending, removed, gone, failed, unsupported, not sent)."""

    __tablename__ = "takedown_item"

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(foreign_key="post.id", max_length=32, unique=True)
    persona: str = Field(max_length=64, index=True)
    platform: str = Field(max_length=32)
    state: str = Field(max_length=16, index=True)
    detail: str | None = Field(default=None, sa_type=Text)  # what the platform said, or why not
    url: str | None = Field(default=None, sa_type=Text)  # where a person finishes it by hand
    attempts: int = 0
    not_before: datetime | None = _aware(default=None)
    requested_by: str = Field(max_length=128)
    requested_at: datetime = _aware(default_factory=_now)
    done_at: datetime | None = _aware(default=None)
