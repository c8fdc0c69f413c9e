"""Workspace discovery, influencer.toml, credential references and the one clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from influencer.clock import ClockError, parse_now, system_clock
from influencer.config import find_root, load_workspace, open_workspace
from influencer.config.credentials import Secret, resolve
from influencer.errors import ConfigError, CredentialError, WorkspaceNotFound


def test_found_from_a_subfolder(workspace: Path) -> None:
    deep = workspace / "personas" / "ava" / "images"
    assert find_root(start=deep) == workspace.resolve()


def test_explicit_beats_environment(workspace: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    (other / "schedules").mkdir(parents=True)
    monkeypatch.setenv("INFLUENCER_HOME", str(other))
    assert find_root(start=tmp_path) == other.resolve()
    assert find_root(start=tmp_path, explicit=workspace) == workspace.resolve()


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceNotFound, match=r"no workspace in .* or above"):
        find_root(start=tmp_path)
    with pytest.raises(WorkspaceNotFound, match="is not a workspace: it has no personas/"):
        find_root(explicit=tmp_path)


def test_relative_paths_resolve_from_root_whatever_the_cwd(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace / "personas")
    ws = open_workspace(start=Path.cwd())
    assert ws.imagery_dir(ws.personas["ava"]) == workspace.resolve() / "personas/ava/images"
    assert ws.database_url() == f"sqlite:///{workspace.resolve()}/.influencer/influencer.db"
    assert ws.outbox_dir == workspace.resolve() / "outbox"


def test_open_workspace_raises_with_every_issue(workspace: Path) -> None:
    (workspace / "schedules" / "bad.yaml").write_text("id: Bad\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        open_workspace(workspace)
    assert len(caught.value.issues) == 4  # id; persona, platforms, timezone missing
    assert str(caught.value).startswith("schedules/bad.yaml:1: id: 'Bad' is not a valid id")


def test_settings_file(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workspace / "influencer.toml").write_text(
        '[database]\nurl = "postgresql://team@db/influencer"\n[outbox]\nfolder = "out"\n'
        '[concurrency]\nwriters = 4\n', encoding="utf-8")
    ws = load_workspace(workspace)
    assert ws.issues == []
    assert ws.database_url() == "postgresql://team@db/influencer"
    assert ws.outbox_dir == workspace.resolve() / "out"
    assert ws.settings.concurrency.writers == 4
    monkeypatch.setenv("INFLUENCER_DATABASE_URL", "sqlite:////tmp/override.db")
    assert ws.database_url() == "sqlite:////tmp/override.db"


@pytest.mark.parametrize(("toml", "expected"), [
    ('[concurrency]\nwriters = 0\n',
     "influencer.toml:2: concurrency.writers: expected greater than or equal to 1, found 0"),
    ('[log]\nformat = "xml"\n',
     "influencer.toml:2: log.format: expected 'text' or 'json', found 'xml'"),
    ('[databse]\nurl = "x"\n',
     "influencer.toml:1: databse: unknown field (did you mean 'database'?)"),
    ('[database]\nurl = \n',
     "influencer.toml:2: invalid TOML: Invalid value"),
    ('[signing]\ncertificate = "-----BEGIN CERTIFICATE-----"\nkey = "k.pem"\n',
     "influencer.toml:2: signing.certificate: expected a path to a PEM file, found PEM text "
     "(put it in a file outside git and give the file's path)"),
    ('[signing]\ncertificate = "missing.pem"\nkey = "missing.key"\n',
     "influencer.toml:2: signing.certificate: file 'missing.pem' does not exist"),
    ('[signing]\ncertificate = "c.pem"\n',
     "influencer.toml:1: signing: give both certificate and key, or neither"),
])
def test_settings_errors(workspace: Path, toml: str, expected: str) -> None:
    (workspace / "influencer.toml").write_text(toml, encoding="utf-8")
    assert str(load_workspace(workspace).issues[0]) == expected


def test_env_reference(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AVA_X", "token-123")
    secret = resolve("env:AVA_X", tmp_path)
    assert secret.reveal() == "token-123"
    assert "token-123" not in repr(secret) and str(secret) == "***"
    monkeypatch.delenv("AVA_X")
    with pytest.raises(CredentialError, match="environment variable AVA_X is not set"):
        resolve("env:AVA_X", tmp_path)


def test_file_references(tmp_path: Path) -> None:
    (tmp_path / "whole.txt").write_text("s3cr3t\n", encoding="utf-8")
    (tmp_path / "secrets.toml").write_text('mei_bluesky = "app-pass"\n', encoding="utf-8")
    (tmp_path / ".env").write_text("# comment\nAVA_IG='ig-token'\n", encoding="utf-8")
    assert resolve("file:whole.txt", tmp_path).reveal() == "s3cr3t"
    assert resolve("file:secrets.toml#mei_bluesky", tmp_path).reveal() == "app-pass"
    assert resolve("file:.env#AVA_IG", tmp_path).reveal() == "ig-token"
    with pytest.raises(CredentialError, match="no key 'nope'"):
        resolve("file:secrets.toml#nope", tmp_path)
    with pytest.raises(CredentialError, match="cannot read"):
        resolve("file:absent.toml#x", tmp_path)


def test_secret_not_in_error_for_bad_reference(tmp_path: Path) -> None:
    with pytest.raises(CredentialError) as caught:
        resolve("sk-abcdef0123456789", tmp_path)
    assert "abcdef0123456789" not in str(caught.value)
    assert isinstance(Secret("x"), Secret)


def test_clock_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFLUENCER_NOW", "2026-12-01T09:00:00+01:00")
    assert system_clock()() == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert parse_now("2026-12-01T08:00:00Z") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ClockError, match="has no zone"):
        parse_now("2026-12-01T08:00:00")
    with pytest.raises(ClockError, match="is not an ISO 8601 time"):
        parse_now("tomorrow")
