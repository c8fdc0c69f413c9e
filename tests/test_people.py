"""Approval cannot be skipped, and every decision names a person (real CLI processes).

- ``post SCHEDULE --now`` under ``approval: required`` drafts, prints the ids and exits 4; only
  ``--approve`` (as a named person) sends. On a terminal it says what it will do and asks.
- approve, edit, reject, retry, resolve, delete and ``post --now --approve`` refuse to run
  without a name (``--as``, ``INFLUENCER_ACTOR``, ``[audit] actor``); the daemon acts as
  ``daemon@host:pid``; an edit's audit event keeps the old and the new text.
- The invariant, tried across commands and clocks: no live post of a schedule that requires
  approval goes out without an approval event by a person.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import on_a_terminal, run_cli

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Ava's slot is 08:00 UTC ± 10 min, lead 2 h
NAMELESS = "say who you are with --as NAME, or set INFLUENCER_ACTOR, or [audit] actor"


def cli(ws: Path, *args: str, now: datetime = MONDAY, **env: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args, cwd=ws, env={"INFLUENCER_NOW": now.isoformat(), **env})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def rows(ws: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(ws / ".influencer" / "influencer.db") as db:
        return db.execute(sql, params).fetchall()


def events(ws: Path, post_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(actor, to, json.loads(detail)) for actor, to, detail in rows(
        ws, "SELECT actor, to_status, detail FROM audit_event WHERE post_id = ? ORDER BY id", post_id)]


def drafted_ava(ws: Path) -> list[str]:
    assert cli(ws, "preview", "--days", "1", "--persona", "ava", "--json").returncode == 0
    return [i for (i,) in rows(ws, "SELECT id FROM post WHERE persona = 'ava' AND status = "
                                   "'drafted' AND mode = 'live' ORDER BY platform")]


def test_post_now_under_required_approval_drafts_prints_the_ids_and_exits_4(workspace: Path) -> None:
    result = cli(workspace, "post", "ava-autumn", "--now")
    assert result.returncode == 4, result.stderr
    made = rows(workspace, "SELECT id, platform, status FROM post WHERE kind = 'manual'")
    assert {status for _, _, status in made} == {"drafted"} and len(made) == 2
    for post_id, platform, _ in made:
        assert (f"{platform}: drafted {post_id}, waiting for approval (influencer approve "
                f"{post_id} --as NAME; it is sent once approved, within a day)") in result.stdout
    assert not (workspace / "outbox").exists()
    assert cli(workspace, "run", "--once", now=MONDAY + timedelta(minutes=1)).returncode == 0
    assert rows(workspace, "SELECT count(*) FROM publication")[0][0] == 0  # the daemon waits too
    later = MONDAY + timedelta(hours=3)  # approved later: it goes out at the next pass
    assert cli(workspace, "approve", made[0][0], "--as", "ines", now=later).returncode == 0
    assert cli(workspace, "run", "--once", now=later + timedelta(minutes=1)).returncode == 0
    assert rows(workspace, "SELECT post_id FROM publication WHERE mode = 'live'") == [(made[0][0],)]
    skipped = cli(workspace, "run", "--once", now=MONDAY + timedelta(days=1, minutes=1))
    assert skipped.returncode == 0
    assert rows(workspace, "SELECT status, reason FROM post WHERE id = ?", made[1][0]) == [
        ("skipped", "post --now: not approved within a day")]


def test_post_now_approve_needs_a_name_then_approves_as_that_person(workspace: Path) -> None:
    nameless = cli(workspace, "post", "ava-autumn", "--now", "--approve")
    assert nameless.returncode == 2 and NAMELESS in nameless.stderr
    assert not (workspace / ".influencer").exists()  # refused before anything was made
    done = cli(workspace, "post", "ava-autumn", "--now", "--approve", "--as", "Ines Berg")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": published ") == 2
    for (post_id,) in rows(workspace, "SELECT id FROM post WHERE kind = 'manual'"):
        approved = [(a, d["reason"]) for a, to, d in events(workspace, post_id) if to == "approved"]
        assert approved == [("Ines Berg", "approved with post --now --approve")]


def test_post_now_under_automatic_approval_goes_out_without_a_name(workspace: Path) -> None:
    result = cli(workspace, "post", "mei-evenings", "--now")
    assert result.returncode == 0 and result.stdout.count(": published ") == 2


def test_on_a_terminal_post_now_says_what_it_will_do_and_asks(workspace: Path) -> None:
    code, said = on_a_terminal(workspace, b"n\n", "post", "ava-autumn", "--now", "--approve")
    assert code == 1, said
    assert "Post now from ava-autumn as ava: instagram (outbox: not live), x (outbox: not live)." in said
    assert "approved by ines (--approve), then sent." in said
    assert "nothing posted" in said
    assert rows(workspace, "SELECT count(*) FROM post")[0][0] == 0
    code, said = on_a_terminal(workspace, b"y\n", "post", "mei-evenings", "--now")
    assert code == 0, said
    assert "approved by the schedule (approval: auto), then sent." in said
    assert said.count(": published ") == 2


@pytest.mark.parametrize("command", [
    ("approve", "{id}"), ("reject", "{id}", "--reason", "off-brand"), ("edit", "{id}", "--caption", "New."),
    ("retry", "{id}"), ("resolve", "{id}", "--not-published"), ("delete", "{id}")])
def test_every_decision_refuses_to_run_without_a_name(workspace: Path, command: tuple[str, ...]) -> None:
    [post_id, *_] = drafted_ava(workspace)
    before = rows(workspace, "SELECT * FROM post ORDER BY id")
    result = cli(workspace, *(part.format(id=post_id) for part in command))
    assert result.returncode == 2 and NAMELESS in result.stderr, result.stderr
    assert rows(workspace, "SELECT * FROM post ORDER BY id") == before


def test_the_name_comes_from_as_then_the_environment_then_the_settings(workspace: Path) -> None:
    first, second, *_ = drafted_ava(workspace)
    (workspace / "influencer.toml").write_text('[audit]\nactor = "ops desk"\n', encoding="utf-8")
    assert cli(workspace, "approve", first, "--as", "Ines", INFLUENCER_ACTOR="Sam").returncode == 0
    assert cli(workspace, "reject", second, "--reason", "no", INFLUENCER_ACTOR="Sam").returncode == 0
    assert cli(workspace, "edit", first, "--caption", "Texture first.").returncode == 0
    assert [a for a, to, _ in events(workspace, first) if to == "approved"] == ["Ines"]
    assert [a for a, to, _ in events(workspace, second) if to == "skipped"] == ["Sam"]
    assert events(workspace, first)[-1][0] == "ops desk"


def test_names_that_are_not_a_person_s_are_refused_with_where_they_came_from(workspace: Path) -> None:
    [post_id, *_] = drafted_ava(workspace)
    taken = cli(workspace, "approve", post_id, "--as", "daemon@vm:1")
    assert taken.returncode == 2
    assert "--as 'daemon@vm:1': names starting with 'daemon@' are the daemons' own" in taken.stderr
    blank = cli(workspace, "approve", post_id, INFLUENCER_ACTOR="   ")
    assert blank.returncode == 2 and NAMELESS in blank.stderr
    (workspace / "influencer.toml").write_text('[audit]\nactor = "daemon@me"\n', encoding="utf-8")
    check = cli(workspace, "check")
    assert check.returncode == 1
    assert "influencer.toml:2: audit.actor: names starting with 'daemon@' are the daemons' own" \
        in check.stderr


def test_an_edit_keeps_the_old_and_the_new_text_and_the_daemon_acts_as_itself(workspace: Path) -> None:
    [post_id, *_] = drafted_ava(workspace)
    [(old,)] = rows(workspace, "SELECT text FROM post WHERE id = ?", post_id)
    assert cli(workspace, "edit", post_id, "--caption", "Texture first.", "--as", "ines").returncode == 0
    [(new,)] = rows(workspace, "SELECT text FROM post WHERE id = ?", post_id)
    actor, to, detail = events(workspace, post_id)[-1]
    assert (actor, to, detail["old_text"], detail["new_text"]) == ("ines", "drafted", old, new)
    assert "Texture first." in new and old != new
    assert cli(workspace, "run", "--once").returncode == 0
    daemons = {a for (a,) in rows(workspace, "SELECT DISTINCT actor FROM audit_event "
                                             "WHERE actor LIKE 'daemon%'")}
    assert daemons and all(a.startswith("daemon@") for a in daemons)


CLOCKS = [MONDAY + timedelta(minutes=m) for m in (0, 100, 119, 120, 131, 240)] + [
    MONDAY + timedelta(days=1, hours=2)]


def test_no_post_of_a_required_schedule_goes_out_without_a_person_s_approval(workspace: Path) -> None:
    """Every way a post can go out, at clocks across the lead time, the slot and its grace, with
    a person approving only some: each live publication of Ava's (approval: required) has an
    approval event by a person, never by a daemon or the schedule."""
    approved_one = False
    for moment in CLOCKS:
        for command in (("run", "--once"), ("post", "ava-autumn", "--now"),
                        ("preview", "--days", "2", "--outbox"), ("post", "ava-autumn", "--now",
                                                                 "--dry-run")):
            result = cli(workspace, *command, now=moment)
            assert result.returncode in (0, 1, 4), (command, result.stdout, result.stderr)
        waiting = [i for (i,) in rows(workspace, "SELECT id FROM post WHERE persona = 'ava' AND "
                                                 "mode = 'live' AND status = 'drafted' AND "
                                                 "kind = 'slot' ORDER BY publish_at")]
        if waiting and not approved_one:
            assert cli(workspace, "approve", waiting[0], "--as", "ines", now=moment).returncode == 0
            approved_one = True
        published = rows(workspace, "SELECT p.id FROM post p JOIN publication u ON u.post_id = p.id "
                                    "WHERE p.persona = 'ava' AND u.mode = 'live'")
        for (post_id,) in published:
            approvers = [a for a, to, d in events(workspace, post_id) if to == "approved"]
            assert approvers and all(a == "ines" for a in approvers), (post_id, approvers)
    assert approved_one
    assert rows(workspace, "SELECT count(*) FROM publication u JOIN post p ON u.post_id = p.id "
                           "WHERE p.persona = 'ava' AND u.mode = 'live'")[0][0] >= 1
