"""The database: tables, engine, migrations, atomic status changes and the chained audit log."""

from influencer.store import audit
from influencer.store.engine import HEAD_REVISION, open_store, safe_url
from influencer.store.models import AuditEvent, ImageAsset, Post, Publication, StoredImage
from influencer.store.status import PostKind, PostMode, PostStatus
from influencer.store.transitions import Move, apply_moves, history, transition

__all__ = [
    "HEAD_REVISION",
    "AuditEvent",
    "ImageAsset",
    "Move",
    "Post",
    "PostKind",
    "PostMode",
    "PostStatus",
    "Publication",
    "StoredImage",
    "apply_moves",
    "audit",
    "history",
    "open_store",
    "safe_url",
    "transition",
]
