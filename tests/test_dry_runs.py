"""A dry run changes no live row, whatever the clock says (DESIGN: "A dry run changes no live row").

One lived-in workspace is made with real commands at real (injected) times: posts published to
the outbox, approved and waiting, drafted and waiting for approval, rejected, failed after
"Connection refused" from a live Mastodon account, claimed by a daemon that died (still
``publishing``), skipped as missed; heartbeats, a pause, alerts sent, retries, image uses. Then
every command that rehearses (``run --once --dry-run``, ``post --now --dry-run`` on schedules
with automatic and required approval, ``preview``, ``preview --outbox``) runs on a copy of it
with clocks before, at, just after and a week after the pending slots, and the database is
dumped before and after. The difference must be exactly the allowed set:

- no row of any table (posts, publications, audit events, image uses, rate budgets, retries,
  pauses, alerts, heartbeats, and any table added later) changes or disappears, except that a
  post still ``planned`` (it carries nothing yet) may get its first draft;
- new rows are only: live posts that are planned or drafted (approved when their schedule says
  ``approval: auto``; held or skipped by the drafter with its reason, never "missed"), their
  draft audit events and image uses; and dry-mode rows (posts and publications of mode ``dry``,
  ``dry-publish`` events);
- no file of the live outbox (``"mode": "live"``) changes.

``run --dry-run`` without ``--once`` runs the same daemon steps on a timer (``maintain``,
``draft_due``, ``publish_due``, the heartbeat); ``run --once`` covers each of them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import closed_port, run_cli

Row = dict[str, Any]
Dump = dict[str, dict[tuple[Any, ...], Row]]

IGNORED_TABLES = {"alembic_version",
                  "image_asset",  # the library cache: a scan mirrors the files, it decides nothing
                  "audit_chain"}  # the chains' heads, derived from the events (each checked);
# ``audit verify`` after each dry run proves the heads still agree with them
DRAFTING = {"planned", "drafted", "approved", "held", "skipped"}
NOOR_LIVE = 'live: true, base_url: "http://127.0.0.1:{port}"'
SEED_ENV = {"NOOR_MASTODON": "token-for-a-server-that-is-down", "INFLUENCER_ACTOR": "ines"}


def at(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def _cli(ws: Path, now: str, *args: str, env: dict[str, str] | None = None,
         ok: tuple[int, ...] = (0, 1)) -> str:
    result = run_cli(*args, cwd=ws, env={"INFLUENCER_NOW": now, **SEED_ENV, **(env or {})},
                     timeout=120)
    assert result.returncode in ok, (args, result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def _query(ws: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(ws / ".influencer" / "influencer.db") as db:
        return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace after a Monday morning of real use (times in UTC)."""
    from tests.conftest import REPO

    ws = tmp_path_factory.mktemp("lived-in") / "ws"
    ws.mkdir()
    for folder in ("personas", "schedules"):
        shutil.copytree(REPO / folder, ws / folder)
    noor = ws / "personas" / "noor.yaml"
    noor.write_text(noor.read_text(encoding="utf-8").replace(
        'live: false, base_url: "https://piaille.fr"', NOOR_LIVE.format(port=closed_port())),
        encoding="utf-8")
    (ws / "influencer.toml").write_text(  # alerts go to a webhook that is down: still recorded
        f'[daemon]\nattempts = 2\nbackoff_base = 60\n[alerts]\n'
        f'webhook_url = "http://127.0.0.1:{closed_port()}/hook"\n', encoding="utf-8")

    _cli(ws, "2026-12-07T06:30:00Z", "run", "--once")  # Monday's Ava drafts; Mei's 03:30 missed
    _cli(ws, "2026-12-07T06:31:00Z", "preview", "--days", "3")  # drafts to Wednesday, stored
    ava = {(platform, day): pid for pid, platform, day in _query(
        ws, "SELECT id, platform, substr(slot_at, 1, 10) FROM post "
            "WHERE persona = 'ava' AND status = 'drafted'")}
    _cli(ws, "2026-12-07T06:32:00Z", "approve", ava["x", "2026-12-07"], ava["instagram", "2026-12-07"],
         ava["x", "2026-12-08"])
    _cli(ws, "2026-12-07T06:33:00Z", "reject", ava["instagram", "2026-12-08"],
         "--reason", "the coat is out of stock")
    # Noor's Mastodon server is down: Connection refused, retried later, then failed
    _cli(ws, "2026-12-07T06:34:00Z", "post", "noor-weekends", "--now", "--yes")
    _cli(ws, "2026-12-07T08:20:00Z", "run", "--once")  # Ava's Monday posts go out; Noor fails
    # a daemon dies right after claiming Mei's 10:00 posts: they stay publishing, leased
    _cli(ws, "2026-12-07T10:06:00Z", "run", "--once",
         env={"INFLUENCER_TEST_EXIT_AFTER_CLAIM": "1"}, ok=(70,))
    _cli(ws, "2026-12-07T10:07:00Z", "pause", "mei")

    statuses = {status for (status,) in _query(ws, "SELECT DISTINCT status FROM post")}
    assert {"published", "approved", "drafted", "skipped", "failed", "publishing"} <= statuses
    for table in ("daemon", "pause", "alert_sent", "image_use", "publication", "audit_event"):
        assert _query(ws, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    return ws


def _pending_slot(ws: Path) -> datetime:
    """The publish time of Ava's approved Tuesday post (the next live post due)."""
    (moment,) = _query(ws, "SELECT publish_at FROM post WHERE status = 'approved' "
                           "AND persona = 'ava' AND mode = 'live'")[0]
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


CLOCKS: dict[str, Callable[[datetime], datetime]] = {
    "before": lambda slot: datetime(2026, 12, 7, 6, 0, tzinfo=UTC),  # before the seeding itself
    "at": lambda slot: slot,  # exactly when the approved post is due
    "after": lambda slot: slot + timedelta(hours=2),  # its grace passed; leases ended
    "week": lambda slot: slot + timedelta(days=7),  # the rehearsal that broke 37 posts
}
COMMANDS = {
    "run-once": (("run", "--once", "--dry-run"), (0,)),
    "post-auto": (("post", "noor-weekends", "--now", "--dry-run", "--yes"), (0, 1)),
    "post-required": (("post", "ava-autumn", "--now", "--dry-run", "--yes"), (0, 1, 4)),
    "preview": (("preview", "--days", "3"), (0, 1)),
    "preview-outbox": (("preview", "--days", "3", "--outbox"), (0, 1)),
    "revoke": (("rights", "revoke", "ava", "--reason", "a rehearsal", "--takedown", "--erase",
                "--dry-run"), (0,)),
}


@pytest.fixture
def copy(lived_in: Path, tmp_path: Path) -> Iterator[Path]:
    ws = tmp_path / "ws"
    shutil.copytree(lived_in, ws)
    yield ws


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_dry_run_changes_no_live_row(copy: Path, command: str, clock: str) -> None:
    args, codes = COMMANDS[command]
    now = CLOCKS[clock](_pending_slot(copy))
    before, outbox = dump(copy), live_outbox(copy)
    _cli(copy, now.isoformat(), *args, ok=codes)
    after = dump(copy)
    assert forbidden(before, after) == []
    assert live_outbox(copy) == outbox
    _cli(copy, now.isoformat(), "audit", "verify", ok=(0,))


def test_the_check_sees_what_the_live_daemon_would_change(copy: Path) -> None:
    """The same check over a live ``run --once`` a week ahead names the rows a dry run must not
    touch: missed posts skipped, leases ended, a heartbeat, audit events."""
    before = dump(copy)
    _cli(copy, (_pending_slot(copy) + timedelta(days=7)).isoformat(), "run", "--once")
    problems = "\n".join(forbidden(before, dump(copy)))
    for expected in ("status 'approved' -> 'skipped'", "status 'publishing' -> ",
                     "new daemon row", "to_status 'skipped'"):
        assert expected in problems


def dump(ws: Path) -> Dump:
    """Every row of every table (but the library cache), by primary key."""
    tables: Dump = {}
    with sqlite3.connect(ws / ".influencer" / "influencer.db") as db:
        db.row_factory = sqlite3.Row
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            if name in IGNORED_TABLES:
                continue
            keys = [c["name"] for c in db.execute(f"PRAGMA table_info({name})") if c["pk"]]
            rows = [dict(r) for r in db.execute(f"SELECT * FROM {name}")]
            tables[name] = {tuple(r[k] for k in keys): r for r in rows}
    return tables


def live_outbox(ws: Path) -> dict[str, str]:
    """Each file of the live outbox (folders whose post.json says mode live), by content hash."""
    files: dict[str, str] = {}
    for document in (ws / "outbox").rglob("post.json") if (ws / "outbox").is_dir() else []:
        if json.loads(document.read_text(encoding="utf-8")).get("mode") != "live":
            continue
        for path in sorted(document.parent.iterdir()):
            files[str(path.relative_to(ws))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def forbidden(before: Dump, after: Dump) -> list[str]:
    """What the dry run changed that it may not: one line per row."""
    problems = []
    posts_before, posts_after = before.get("post", {}), after.get("post", {})
    for table, rows in before.items():
        for key, row in rows.items():
            new = after.get(table, {}).get(key)
            if new is None:
                problems.append(f"{table} {key} disappeared")
            elif new != row and not (table == "post" and _first_draft(row, new)):
                problems.append(f"{table} {key} changed: {_changes(row, new)}")
    for table, rows in after.items():
        for key, row in rows.items():
            if key in before.get(table, {}):
                continue
            why = _new_row_refused(table, row, posts_before, posts_after)
            if why:
                problems.append(f"new {table} row {key}: {why}")
    return problems


def _changes(old: Row, new: Row) -> str:
    return ", ".join(f"{k} {old[k]!r} -> {new[k]!r}" for k in old if old[k] != new.get(k))


def _first_draft(old: Row, new: Row) -> bool:
    """A planned post drafted for the first time (by a preview or the dry daemon's drafting)."""
    return (old["status"] == "planned" and new["status"] in DRAFTING
            and not (new["reason"] or "").startswith("missed")
            and new["attempts"] == 0 and new["claimed_by"] is None)


def _new_row_refused(table: str, row: Row, posts_before: dict[tuple[Any, ...], Row],
                     posts_after: dict[tuple[Any, ...], Row]) -> str | None:
    def drafting(post_id: str | None) -> bool:
        """A dry post, or a live post new or planned before: what drafting may touch."""
        post = posts_after.get((post_id,))
        if post is None:
            return False
        old = posts_before.get((post_id,))
        return post["mode"] == "dry" or old is None or old["status"] == "planned"

    if table == "post":
        if row["mode"] == "dry":
            return None
        if row["status"] in DRAFTING and row["attempts"] == 0 and row["claimed_by"] is None \
                and not (row["reason"] or "").startswith("missed"):
            return None
        return f"a live post {row['status']} ({row['reason']})"
    if table == "publication":
        return None if row["mode"] == "dry" else "a live publication"
    if table == "image_use":
        return None if drafting(row["post_id"]) else f"an image use of post {row['post_id']}"
    if table == "audit_event":
        detail = json.loads(row["detail"] or "{}")
        if row["action"] == "dry-publish" or (drafting(row["post_id"]) and (
                posts_after[(row["post_id"],)]["mode"] == "dry"
                or (row["to_status"] in DRAFTING - {"approved"}
                    and not str(detail.get("reason", "")).startswith("missed"))
                or (row["to_status"] == "approved" and detail.get("reason") == "approval: auto"))):
            return None
        return f"{row['action']} of post {row['post_id']}: to_status {row['to_status']!r} ({detail})"
    return f"new {table} row"


def test_the_check_sees_what_a_real_revocation_changes(copy: Path) -> None:
    """The same check over ``rights revoke`` without ``--dry-run``: the revoked version, the
    head moved to it, the cancelled posts and their audit events."""
    before = dump(copy)
    _cli(copy, _pending_slot(copy).isoformat(), "rights", "revoke", "ava", "--reason", "real",
         "--as", "ines")
    problems = "\n".join(forbidden(before, dump(copy)))
    for expected in ("grant_version", "grant_head", "-> 'cancelled'"):
        assert expected in problems, problems
