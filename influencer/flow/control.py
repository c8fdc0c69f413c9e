"""Pausing and resuming a twin's publishing (or everything's); checked at every claim. Each is
one transaction and one audit event."""

from __future__ import annotations

from influencer.errors import InfluencerError
from influencer.flow.context import Context
from influencer.store import audit
from influencer.store.models import Pause

EVERYTHING = "*"


def _scope(ctx: Context, persona: str | None) -> str:
    if persona is not None and persona not in ctx.ws.personas:
        raise InfluencerError(f"no persona {persona!r}; known: {', '.join(sorted(ctx.ws.personas))}")
    return persona or EVERYTHING


def pause(ctx: Context, persona: str | None) -> bool:
    """No new claims for the persona (or all); False when it was already paused."""
    scope = _scope(ctx, persona)
    with ctx.session() as session:
        if session.get(Pause, scope) is not None:
            return False
        session.add(Pause(scope=scope, paused_by=ctx.actor, paused_at=ctx.now()))
        audit.append(session, [audit.event(twin=scope, at=ctx.now(), actor=ctx.actor,
                                           action="pause", detail={"scope": scope})])
        session.commit()
    return True


def resume(ctx: Context, persona: str | None) -> bool:
    """Lift a pause; False when there was none for that scope."""
    scope = _scope(ctx, persona)
    with ctx.session() as session:
        row = session.get(Pause, scope)
        if row is None:
            return False
        session.delete(row)
        audit.append(session, [audit.event(twin=scope, at=ctx.now(), actor=ctx.actor,
                                           action="resume", detail={"scope": scope})])
        session.commit()
    return True
