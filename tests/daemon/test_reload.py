"""Reloading: a broken file keeps the previous configuration (and says where it is broken);
fixing it applies the change; SIGHUP re-reads too; SIGTERM exits 0."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from influencer.store import open_store
from influencer.store.models import DaemonBeat
from tests.daemon.harness import Daemons, wait_for, write_schedule
from tests.platforms.mastodon_standin import MastodonStandIn


def heartbeat(db_url: str) -> DaemonBeat | None:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return session.exec(select(DaemonBeat)).first()
    finally:
        engine.dispose()


def beat_where(db_url: str, check: Any, what: str) -> DaemonBeat:
    result: DaemonBeat = wait_for(lambda: (b := heartbeat(db_url)) is not None and check(b) and b, 30, what)
    return result


def test_a_broken_file_keeps_the_old_jobs_and_a_fix_applies(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    write_schedule(ws, times=("10:00",))
    daemon = run.start()
    first = beat_where(pg_url, lambda b: b.detail.get("next_publish"), "the first jobs")
    assert first.detail["next_publish"].startswith("2026-12-01T10:00")

    schedule = ws / "schedules" / "ava-masto.yaml"
    schedule.write_text(schedule.read_text().replace('"10:00"', '"25:00"'))
    broken = beat_where(pg_url, lambda b: b.detail.get("config_errors"), "the reload to be refused")
    assert broken.config_hash == first.config_hash
    assert broken.detail["next_publish"] == first.detail["next_publish"]
    assert any(e.startswith("schedules/ava-masto.yaml:") for e in broken.detail["config_errors"])
    wait_for(lambda: "schedules/ava-masto.yaml:" in daemon.output(), 10, "the error in the log")

    write_schedule(ws, times=("11:30",))
    fixed = beat_where(pg_url, lambda b: not b.detail.get("config_errors")
                       and b.config_hash != first.config_hash, "the fixed file to apply")
    assert fixed.detail["next_publish"].startswith("2026-12-01T11:30")
    # the 10:00 job is gone; 11:30 has a draft job and a publish job
    assert (first.detail["slot_jobs"], fixed.detail["slot_jobs"]) == (1, 2)

    daemon.process.send_signal(signal.SIGHUP)
    wait_for(lambda: daemon.output().count("configuration reloaded") >= 2, 10, "a reload on SIGHUP")
    assert run.stop(daemon) == 0
    assert "daemon stopped" in daemon.output() or "stopped" in daemon.output()
    assert not instance.statuses


def test_an_alias_bomb_dropped_into_a_running_daemon_is_refused_and_sigterm_still_stops_it(
        ws: Path, pg_url: str, run: Daemons) -> None:
    from tests.test_hostile import BOMB

    write_schedule(ws, times=("10:00",))
    daemon = run.start()
    first = beat_where(pg_url, lambda b: b.detail.get("next_publish"), "the first jobs")
    (ws / "personas" / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    refused = beat_where(pg_url, lambda b: b.detail.get("config_errors"), "the bomb refused")
    assert refused.detail["config_errors"] == [
        "personas/bomb.yaml:1: YAML anchor &a is not allowed in configuration files "
        "(write the value out in full)"]
    assert refused.config_hash == first.config_hash  # the previous configuration stays
    assert run.stop(daemon) == 0
    assert daemon.output().count("personas/bomb.yaml:1:") == 1  # said once
