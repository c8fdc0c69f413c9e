"""The database: tables, engine, migrations and atomic status changes."""

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
    "history",
    "open_store",
    "safe_url",
    "transition",
]
