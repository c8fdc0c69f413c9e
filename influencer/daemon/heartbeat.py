"""Heartbeats: each daemon records who it is, when it was last alive, and a hash of the
configuration it runs, so ``influencer status`` notices a dead daemon or two daemons reading
different files."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from typing import Any

from influencer.config import Workspace
from influencer.config.settings import SETTINGS_FILE
from influencer.pipeline import Context
from influencer.store.models import DaemonBeat


def daemon_id() -> str:
    """Unique per process: host, pid and a random suffix (pids are reused after restarts)."""
    return f"daemon:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def config_hash(ws: Workspace) -> str:
    """One hash over every persona and schedule file and influencer.toml."""
    digest = hashlib.sha256()
    for key in sorted(ws.sources):
        digest.update(f"{key}={ws.sources[key].sha256}\n".encode())
    settings = ws.root / SETTINGS_FILE
    if settings.exists():
        digest.update(settings.read_bytes())
    return digest.hexdigest()


def beat(ctx: Context, mode: str, once: bool, detail: dict[str, Any], stopped: bool = False) -> None:
    now = ctx.now()
    with ctx.session() as session:
        row = session.get(DaemonBeat, ctx.actor) or DaemonBeat(
            id=ctx.actor, host=socket.gethostname(), pid=os.getpid(), mode=mode, once=once,
            started_at=now, config_hash="")
        row.seen_at, row.config_hash, row.detail = now, config_hash(ctx.ws), detail
        row.stopped_at = now if stopped else None
        session.add(row)
        session.commit()
