"""The audit log: append-only, and hash-chained per twin so that an edited, a deleted, an
inserted or a reordered event is found.

Every event belongs to a chain — the twin whose post or grant it is about (``twin``), or ``*``
for the workspace's own (a pause of everything). Its ``seq`` is its place in the chain (1, 2, …)
and its ``hash`` the sha256 of its contents and the hash before it (``prev_hash``). ``append``
is the one way events are written: it takes each chain's head row (``audit_chain``) for update,
so appends of one twin are serialised across processes and daemons never fork a chain (a
unique (twin, seq) makes sure). The database refuses updates and deletes of events (triggers).
``verify`` recomputes every chain and names the first event that breaks it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from influencer.store.models import AuditChain, AuditEvent

GENESIS = "0" * 64  # the hash before a chain's first event
WORKSPACE = "*"  # the chain of events about no twin in particular
CHAINED = ("at", "twin", "seq", "post_id", "actor", "action", "from_status", "to_status", "detail",
           "prev_hash")


def event_hash(fields: Mapping[str, Any]) -> str:
    """The sha256 of an event's contents (``CHAINED``), its time as UTC microseconds."""
    at = fields["at"]
    moment = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    canonical = {name: fields.get(name) for name in CHAINED} | {
        "at": moment.isoformat(timespec="microseconds")}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def event(*, twin: str | None, at: datetime, actor: str, action: str,
          post_id: str | None = None, from_status: str | None = None,
          to_status: str | None = None, detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An event to ``append``; ``twin`` None is the workspace's chain."""
    return {"twin": twin or WORKSPACE, "at": at, "actor": actor, "action": action,
            "post_id": post_id, "from_status": None if from_status is None else str(from_status),
            "to_status": None if to_status is None else str(to_status),
            "detail": dict(detail or {})}


def append(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Chain and insert ``events`` (made by ``event``) in the caller's transaction, holding each
    chain's head until it commits; chains are taken in order of name (no two writers deadlock)."""
    by_twin: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in events:
        by_twin[str(item["twin"])].append(dict(item))
    rows: list[dict[str, Any]] = []
    for twin in sorted(by_twin):
        head = _locked_head(session, twin)
        for row in by_twin[twin]:
            row["seq"], row["prev_hash"] = head.seq + 1, head.hash
            row["hash"] = event_hash(row)
            head.seq, head.hash = row["seq"], row["hash"]
            rows.append(row)
        session.add(head)
    if rows:
        session.flush()
        session.execute(insert(AuditEvent), rows)


def _locked_head(session: Session, twin: str) -> AuditChain:
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(make(AuditChain).values(twin=twin, seq=0, hash=GENESIS)
                    .on_conflict_do_nothing(index_elements=["twin"]))
    query = select(AuditChain).where(col(AuditChain.twin) == twin).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


@dataclass(frozen=True)
class Break:
    """Where a chain stops holding: the event (or the gap), and what is wrong there."""

    twin: str
    seq: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id} (#{self.seq} of {self.twin})" if self.event_id else \
            f"#{self.seq} of {self.twin}"
        return f"{where}: {self.problem}"


def verify(session: Session, twins: Iterable[str] | None = None) -> tuple[int, list[Break]]:
    """Every chain recomputed (or those of ``twins``): how many events were checked, and the
    first break of each chain that has one."""
    heads = {h.twin: h for h in session.exec(select(AuditChain))}
    wanted = sorted(set(heads) if twins is None else set(twins))
    checked, breaks = 0, []
    for twin in wanted:
        count, broken = _verify_chain(_events(session, twin), heads.get(twin), twin)
        checked += count
        if broken is not None:
            breaks.append(broken)
    return checked, breaks


def _events(session: Session, twin: str, page: int = 1000) -> Iterator[AuditEvent]:
    """The twin's events in chain order, a page at a time (a chain may hold millions)."""
    after = -1
    while True:
        rows = list(session.exec(select(AuditEvent).where(col(AuditEvent.twin) == twin,
                                                          col(AuditEvent.seq) > after)
                                 .order_by(col(AuditEvent.seq)).limit(page)))
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].seq
        session.expunge_all()  # what was checked is let go


def _verify_chain(events: Iterable[AuditEvent], head: AuditChain | None,
                  twin: str) -> tuple[int, Break | None]:
    expected, previous, count = 1, GENESIS, 0
    for found in events:
        count += 1
        fields = found.model_dump()
        if found.seq != expected:
            return count, Break(twin, expected, found.id, f"#{expected} is missing (deleted?); "
                                f"the chain goes on at #{found.seq}")
        if found.prev_hash != previous:
            return count, Break(twin, expected, found.id, "it does not follow the event before "
                                "it (reordered, or written around the chain)")
        if event_hash(fields) != found.hash:
            return count, Break(twin, expected, found.id, "its contents do not match its hash "
                                "(edited)")
        expected, previous = expected + 1, str(found.hash)
    if head is not None and (head.seq, head.hash) != (expected - 1, previous):
        return count, Break(twin, expected, None, f"the chain ends at #{expected - 1}, but "
                            f"{head.seq} were written (the last deleted?)")
    return count, None
