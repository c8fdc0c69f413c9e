"""Hostile and careless input (issue 13, first part): every file here is a real file written by
the test; each case asserts the exact error, that the command ends promptly, and that nothing
else was lost."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import run_cli

BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
                  for i in range(8)))


def check(workspace: Path) -> tuple[int, str]:
    result = run_cli("check", cwd=workspace, timeout=60)  # a hang fails here, not in CI's limit
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stderr


@pytest.mark.parametrize(("text", "error"), [
    (BOMB, "personas/bad.yaml:1: YAML anchor &a is not allowed in configuration files "
           "(write the value out in full)"),
    ("id: bad\nname: *x\n", "personas/bad.yaml:2: YAML alias *x is not allowed"),
    ("id: bad\nx: " + "[" * 5000 + "]" * 5000 + "\n",
     "personas/bad.yaml:2: nested more than 32 levels deep"),
    ("id: bad\nx:\n" + "".join("  " * i + "-\n" for i in range(1, 40)),
     "personas/bad.yaml:"),  # block nesting too: the line of the 33rd level
    ("id: !!python/object:os.system ls\n",
     "personas/bad.yaml:1: YAML tag !!python/object:os.system is not allowed"),
    ("id: !env HOME\n", "personas/bad.yaml:1: YAML tag !env is not allowed"),
    ("id: bad\nx: [" + ",".join(["a"] * 100_001) + "]\n",
     "personas/bad.yaml:2: more than 100,000 values"),
])
def test_config_bombs_are_refused_at_their_line_quickly(workspace: Path, text: str,
                                                        error: str) -> None:
    (workspace / "personas" / "bad.yaml").write_text(text, encoding="utf-8")
    code, said = check(workspace)
    assert code == 1 and error in said, said
    assert "nested more than" in said or "not allowed" in said or "values" in said
    assert "personas/ava.yaml" not in said  # the good files still load


def test_an_image_with_an_undecodable_name_is_skipped_and_loses_nothing(workspace: Path) -> None:
    folder = os.fsencode(workspace / "personas" / "ava" / "images")
    good = sorted(name for name in os.listdir(folder) if not name.endswith(b".yaml"))
    source = os.path.join(folder, good[0])
    with open(source, "rb") as original:
        data = original.read()
    with open(os.path.join(folder, b"caf\xe9-\xff.jpg"), "wb") as odd:
        odd.write(data)
    result = run_cli("images", "scan", "ava", cwd=workspace, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "skipped personas/ava/images/caf\\xe9-\\xff.jpg: its name is not valid UTF-8: " \
           "rename it" in result.stderr
    assert "Traceback" not in result.stderr
    listed = json.loads(run_cli("images", "list", "ava", "--json", cwd=workspace).stdout)
    assert len(listed) == len(good)  # every good image kept


def test_state_is_owner_only(workspace: Path) -> None:
    assert run_cli("images", "scan", "ava", cwd=workspace).returncode == 0
    state = workspace / ".influencer"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "influencer.db").stat().st_mode) == 0o600
    cache = [p for p in state.rglob("*") if p.is_dir()]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in cache)


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_warns_on_crons_that_never_or_rarely_fire(workspace: Path) -> None:
    schedule = workspace / "schedules" / "ava-autumn.yaml"
    rewrite(schedule, 'cron: "0 9 * * 1-5"', 'cron: ["0 0 31 2 *", "0 0 29 2 *", "0 9 * * 1-5"]')
    code, said = check(workspace)
    assert code == 0  # warnings fail nothing
    assert "warning: schedules/ava-autumn.yaml:5: cron: '0 0 31 2 *' never fires (no such day)" \
        in said
    assert "cron: '0 0 29 2 *' fires 1 time(s) in 4 years (is that what you meant?)" in said
    assert "'0 9 * * 1-5'" not in said


def test_check_warns_on_inline_and_exposed_secrets(workspace: Path, tmp_path: Path) -> None:
    (workspace / "influencer.toml").write_text(
        '[database]\nurl = "postgresql+psycopg://inf:hunter2@db.example/influencer"\n',
        encoding="utf-8")
    persona = workspace / "personas" / "mei.yaml"
    rewrite(persona, 'credentials: "file:~/.config/influencer/secrets.toml#mei_bluesky"',
            'credentials: "file:secrets.toml#mei_bluesky"')  # relative: inside the workspace
    outside = tmp_path / "secrets.toml"
    outside.write_text('ava = "token"\n', encoding="utf-8")
    outside.chmod(0o644)
    rewrite(workspace / "personas" / "ava.yaml", "credentials: env:AVA_X",
            f'credentials: "file:{outside}#ava"')
    code, said = check(workspace)
    assert code == 0, said
    assert "warning: influencer.toml:2: database.url: holds a password inline (write env:NAME " \
           "or file:PATH#KEY, or leave the password out and let PostgreSQL read it from " \
           "PGPASSFILE)" in said
    assert "hunter2" not in said
    assert "accounts.bluesky.credentials: file:secrets.toml is inside the workspace, where git " \
           "would commit it" in said
    assert f"accounts.x.credentials: file:{outside} can be read by other users (chmod 600 " \
           f"{outside})" in said
    outside.chmod(0o600)
    assert "can be read by other users" not in check(workspace)[1]


def test_the_database_url_may_be_a_reference(workspace: Path, tmp_path: Path) -> None:
    database = tmp_path / "elsewhere.db"
    (workspace / "influencer.toml").write_text('[database]\nurl = "env:INFLUENCER_TEST_DB"\n',
                                               encoding="utf-8")
    result = run_cli("images", "scan", "ava", cwd=workspace,
                     env={"INFLUENCER_TEST_DB": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    assert database.is_file() and not (workspace / ".influencer" / "influencer.db").exists()
    assert "warning" not in check(workspace)[1]
    missing = run_cli("images", "scan", "ava", cwd=workspace)
    assert missing.returncode == 2
    assert "env:INFLUENCER_TEST_DB: environment variable INFLUENCER_TEST_DB is not set" \
        in missing.stderr


def test_sigterm_during_start_up_is_a_graceful_stop(workspace: Path) -> None:
    """The daemon is stopped while it is still connecting to a database that never answers:
    it exits 0 at once and says so, instead of dying of the signal or waiting out the hang."""
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            held.append(silent.accept()[0])  # accepted, never answered
            connected.set()
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    port = silent.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
    environ["INFLUENCER_DATABASE_URL"] = (f"postgresql+psycopg://nobody@127.0.0.1:{port}/none"
                                          "?connect_timeout=120")
    process = subprocess.Popen([sys.executable, "-m", "influencer", "run"], cwd=workspace,
                               env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert connected.wait(60), "the daemon never reached the database"
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert time.monotonic() - started < 10
        assert "stopped during start-up: nothing was claimed or sent" in err
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for connection in held:
            connection.close()
        silent.close()


def test_a_reload_that_cannot_finish_in_time_is_given_up_and_keeps_the_configuration(
        workspace: Path) -> None:
    """The daemon's reload reads on a thread of its own and gives up at its limit, keeping what
    it had (here the limit is 1 ms against 200 persona files, which take far longer to read)."""
    from influencer.clock import system_clock
    from influencer.config import load_workspace
    from influencer.flow import Context
    from influencer.store import open_store

    ws = load_workspace(workspace).raise_for_issues()
    ctx = Context(ws, open_store(ws.database_url()), system_clock(), "tester")
    text = (workspace / "personas" / "ava.yaml").read_text(encoding="utf-8")
    for n in range(200):
        (workspace / "personas" / f"twin{n}.yaml").write_text(
            text.replace("id: ava", f"id: twin{n}"), encoding="utf-8")
    try:
        assert ctx.reread(within=0.001) == [
            f"{workspace}: reading the workspace took more than 0.001 s"]
        assert ctx.ws is ws and sorted(ctx.ws.personas) == ["ava", "mei", "noor"]
        assert ctx.reread(within=60) == [] and len(ctx.ws.personas) == 203
    finally:
        ctx.engine.dispose()


def _edit(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return change


CORPUS: list[tuple[str, str, Callable[[str], str] | None, str]] = [
    # (case, file, change (None: 3,000 random bytes), the exact problem check prints)
    ("a tab", "schedules/ava-autumn.yaml", _edit("persona: ava", "persona:\tava\n\tx: 1"),
     "schedules/ava-autumn.yaml:3: invalid YAML: found character '\\t' that cannot start any "
     "token"),
    ("a duplicate key", "schedules/ava-autumn.yaml", lambda t: t + "persona: mei\n",
     'schedules/ava-autumn.yaml:17: invalid YAML: found duplicate key "persona" with value "mei" '
     '(original value: "ava")'),
    ("a 2 MB file", "personas/ava.yaml", lambda t: t + "#" + "x" * 2_100_000 + "\n",
     "personas/ava.yaml:1: file is 2.1 MB; configuration files are limited to 1 MB (is this "
     "really a persona or schedule file?)"),
    ("binary garbage", "personas/ava.yaml", None, "personas/ava.yaml:1: file is not UTF-8"),
    ("a top-level list", "personas/ava.yaml", lambda t: "- a\n- b\n",
     "personas/ava.yaml:1: expected a mapping of fields at the top level, found a list"),
    ("a lone value", "personas/ava.yaml", lambda t: "ava\n",
     "personas/ava.yaml:1: expected a mapping of fields at the top level, found a single value "
     "('ava')"),
    ("an empty file", "personas/ava.yaml", lambda t: "",
     "personas/ava.yaml:1: file is empty (expected a mapping of fields)"),
    ("a traversing time zone", "schedules/ava-autumn.yaml",
     _edit("timezone: Europe/Stockholm", "timezone: ../../etc/passwd"),
     "schedules/ava-autumn.yaml:6: timezone: '../../etc/passwd' is not a known time zone (use an "
     "IANA name such as Europe/Stockholm)"),
    ("an unknown time zone", "schedules/ava-autumn.yaml",
     _edit("timezone: Europe/Stockholm", "timezone: Mars/Olympus"),
     "schedules/ava-autumn.yaml:6: timezone: 'Mars/Olympus' is not a known time zone"),
    ("a step of 0", "schedules/ava-autumn.yaml", _edit('"0 9 * * 1-5"', '"*/0 9 * * *"'),
     "schedules/ava-autumn.yaml:5: cron: '*/0 9 * * *' is not a valid cron expression (minute "
     "step '0' must be a whole number above 0)"),
    ("six cron fields", "schedules/ava-autumn.yaml", _edit('"0 9 * * 1-5"', '"0 0 9 * * 1-5"'),
     "schedules/ava-autumn.yaml:5: cron: '0 0 9 * * 1-5' is not a valid cron expression "
     "(expected 5 fields (minute hour day month weekday), found 6)"),
    ("a backwards range", "schedules/ava-autumn.yaml", _edit('"0 9 * * 1-5"', '"0 9 * * 5-1"'),
     "schedules/ava-autumn.yaml:5: cron: '0 9 * * 5-1' is not a valid cron expression (day of "
     "week range '5-1' runs backwards (5 > 1))"),
    ("24:00", "schedules/city-evenings.yaml", _edit('["12:30", "19:00"]', '["24:00"]'),
     "schedules/city-evenings.yaml:5: times[0]: '24:00' is not a time of day (write 24-hour "
     "HH:MM, e.g. 09:00)"),
    ("2026-02-30", "schedules/ava-autumn.yaml", _edit("start: 2026-11-01", "start: 2026-02-30"),
     "schedules/ava-autumn.yaml:13: start: '2026-02-30' is not a date that exists"),
    ("a huge integer", "schedules/ava-autumn.yaml",
     _edit("jitter: 600", "jitter: 99999999999999999999999"),
     "schedules/ava-autumn.yaml:7: jitter: expected less than or equal to 86400, found "
     "99999999999999999999999"),
    ("a ../ id", "personas/ava.yaml", _edit("id: ava", "id: ../ava"),
     "personas/ava.yaml:2: id: '../ava' is not a valid id"),
    ("imagery outside the workspace", "personas/ava.yaml",
     _edit("folder: personas/ava/images", "folder: ../../etc"),
     "personas/ava.yaml:27: imagery.folder: '../../etc' is outside the workspace"),
    ("an inline secret", "personas/ava.yaml",
     _edit("credentials: env:AVA_X", "credentials: sk-abcdefghijklmnopqrstuvwx"),
     "personas/ava.yaml:31: accounts.x.credentials: *** is not a credential reference (write "
     "env:NAME or file:PATH#KEY; never the secret itself)"),
    ("broken TOML", "influencer.toml", lambda t: "[database\nurl = 1\n",
     "influencer.toml:1: invalid TOML: Expected ']' at the end of a table declaration"),
    ("out-of-range settings", "influencer.toml", lambda t: "[daemon]\nattempts = 0\nlease = -5\n",
     "influencer.toml:2: daemon.attempts: expected greater than or equal to 1, found 0"),
]


@pytest.mark.parametrize(("case", "name", "change", "error"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_bad_input_corpus_gets_its_exact_error_and_nothing_else(
        workspace: Path, case: str, name: str, change: Callable[[str], str] | None,
        error: str) -> None:
    path = workspace / name
    if change is None:
        path.write_bytes(bytes(range(128, 256)) * 24)  # no newline: the first byte is line 1
    else:
        path.write_text(change(path.read_text(encoding="utf-8") if path.exists() else ""),
                        encoding="utf-8")
    code, said = check(workspace)
    assert code == 1, said
    problems = [line for line in said.splitlines()
                if not line.startswith(("warning: ", "✗ "))]
    assert any(line.startswith(error) for line in problems), said
    assert all(line.startswith(name) for line in problems), said  # the other files are fine
