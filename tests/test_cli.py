"""The command line as a user runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from influencer import __version__
from influencer.config import load_workspace
from tests.helpers import run_cli as run


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"influencer {__version__}\n")


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("check", "personas", "schedules"):
        assert command in result.stdout


def test_check_passes_on_the_examples(workspace: Path) -> None:
    result = run("check", cwd=workspace / "personas")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("✓ 3 personas, 3 schedules: no problems")


def test_check_reports_every_problem_and_exits_1(workspace: Path) -> None:
    (workspace / "schedules" / "bad.yaml").write_text(
        'id: bad\npersona: ava\nplatforms: [x]\ncron: "0 25 * * *"\ntimezone: Nowhere/City\n',
        encoding="utf-8")
    (workspace / "personas" / "broken.yaml").write_bytes(b"\xff\xfe")
    result = run("check", cwd=workspace)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "personas/broken.yaml:1: file is not UTF-8 (byte 0xff in column 1) (save it as UTF-8)",
        "schedules/bad.yaml:4: cron: '0 25 * * *' is not a valid cron expression (hour 25 > 23)",
        "schedules/bad.yaml:5: timezone: 'Nowhere/City' is not a known time zone "
        "(use an IANA name such as Europe/Stockholm)",
        "✗ 3 problem(s) in 2 file(s)",
    ]
    assert "Traceback" not in result.stderr


def test_check_json(workspace: Path) -> None:
    (workspace / "schedules" / "bad.yaml").write_text("id: bad\njiter: 1\n", encoding="utf-8")
    result = run("check", "--json", cwd=workspace)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["personas"] == ["ava", "mei", "noor"]
    assert {"file": "schedules/bad.yaml", "line": 2, "field": "jiter", "message": "unknown field",
            "hint": "did you mean 'jitter'?"} in report["issues"]


def test_listings_as_json(workspace: Path) -> None:
    personas = json.loads(run("personas", "--json", cwd=workspace).stdout)
    assert [p["id"] for p in personas] == ["ava", "mei", "noor"]
    assert personas[0]["accounts"]["x"] == {"handle": "@ava_twin", "live": False}
    assert personas[0]["rights"]["state"] == "valid"
    schedules = json.loads(run("schedules", "--json", cwd=workspace).stdout)
    assert [s["id"] for s in schedules] == ["ava-autumn", "mei-evenings", "noor-weekends"]
    assert schedules[0]["cron"] == ["0 9 * * 1-5"]


def test_rights_state_follows_the_one_clock(workspace: Path) -> None:
    env = {"INFLUENCER_NOW": "2031-08-25T12:00:00Z"}
    personas = json.loads(run("personas", "--json", cwd=workspace, env=env).stdout)
    assert personas[0]["rights"]["state"] == "expires in 6 days"
    env = {"INFLUENCER_NOW": "2031-09-01T00:00:00Z"}
    personas = json.loads(run("personas", "--json", cwd=workspace, env=env).stdout)
    assert personas[0]["rights"]["state"] == "expired"


def test_tables_print_when_piped(workspace: Path) -> None:
    result = run("schedules", cwd=workspace, env={"COLUMNS": "160"})
    assert result.returncode == 0
    assert "ava-autumn" in result.stdout and "0 9 * * 1-5" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes into a pipe


def test_listing_with_a_broken_workspace_is_a_configuration_error(workspace: Path) -> None:
    (workspace / "schedules" / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    result = run("schedules", cwd=workspace)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "✗ 3 problem(s); run `influencer check` for details"
    assert "Traceback" not in result.stderr


def test_outside_a_workspace(tmp_path: Path) -> None:
    result = run("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no workspace in ")


def test_workspace_option_and_environment(workspace: Path, tmp_path: Path) -> None:
    assert run("--workspace", str(workspace), "check", cwd=tmp_path).returncode == 0
    assert run("check", cwd=tmp_path, env={"INFLUENCER_HOME": str(workspace)}).returncode == 0
    result = run("-w", str(tmp_path), "check", cwd=workspace)
    assert result.returncode == 2 and "is not a workspace" in result.stderr


def test_bad_clock_override_is_a_usage_error(workspace: Path) -> None:
    result = run("personas", cwd=workspace, env={"INFLUENCER_NOW": "soon"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: INFLUENCER_NOW='soon' is not an ISO 8601 time")


def test_usage_error_exits_2(workspace: Path) -> None:
    assert run("check", "--nope", cwd=workspace).returncode == 2
    assert run("no-such-command", cwd=workspace).returncode == 2


def test_personas_new_scaffolds_a_file_that_passes_check(workspace: Path) -> None:
    result = run("personas", "new", "lena", "--name", "Lena: Twin", "--twin-of", "Lena Berg",
                 "--holder", "Lena Berg", "--granted", "2026-11-01", "--expires", "2099-10-31",
                 "--platforms", "x,bluesky", "--contract", "LB-1", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["created personas/lena.yaml",
                                              "created personas/lena/images/"]
    text = (workspace / "personas" / "lena.yaml").read_text(encoding="utf-8")
    assert text.count("#") > 30  # every field is explained
    ws = load_workspace(workspace)
    assert ws.issues == []
    assert ws.personas["lena"].name == "Lena: Twin"
    assert ws.personas["lena"].accounts["x"].credentials == "env:LENA_X"
    grant = ws.personas["lena"].rights
    assert (grant.holder, str(grant.expires), grant.platforms, grant.contract) == (
        "Lena Berg", "2099-10-31", ["x", "bluesky"], "LB-1")
    assert "influencer rights" not in text  # points to no command that does not exist


@pytest.mark.parametrize(("args", "message"), [
    (("personas", "new", "ava"), "error: personas/ava.yaml already exists; not overwriting it"),
    (("personas", "new", "../x"), "error: '../x' is not a valid persona id"),
])
def test_personas_new_refuses(workspace: Path, args: tuple[str, ...], message: str) -> None:
    before = (workspace / "personas" / "ava.yaml").read_bytes()
    result = run(*args, cwd=workspace)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert (workspace / "personas" / "ava.yaml").read_bytes() == before


def test_init_makes_a_workspace_that_checks_clean(tmp_path: Path) -> None:
    result = run("init", "studio", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ws = tmp_path / "studio"
    assert "created personas/example.yaml" in result.stdout
    assert result.stdout.rstrip().endswith("influencer preview --days 7")
    assert (ws / ".gitignore").read_text(encoding="utf-8").splitlines()[1:4:2] == [".influencer/", "outbox/"]
    assert sorted(p.name for p in (ws / "personas" / "example" / "images").glob("*.jpg")) == [
        "example-camel-coat.jpg", "example-charcoal-coat.jpg", "example-forest-coat.jpg"]
    checked = run("check", cwd=ws)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("✓ 1 personas, 1 schedules: no problems")


def test_init_refuses_a_folder_that_holds_a_workspace(workspace: Path) -> None:
    before = sorted(p.name for p in workspace.iterdir())
    result = run("init", str(workspace), cwd=workspace.parent)
    assert result.returncode == 2
    assert "already holds a workspace (personas, schedules)" in result.stderr
    assert sorted(p.name for p in workspace.iterdir()) == before


def test_init_keeps_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    assert run("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "node_modules/\n"
