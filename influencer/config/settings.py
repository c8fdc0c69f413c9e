"""``influencer.toml``: optional workspace settings.

Every section is optional. ``INFLUENCER_DATABASE_URL`` overrides ``[database] url``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, field_validator

from influencer.config.fields import HINT, CredentialRef, Strict, Text
from influencer.config.people import person_name
from influencer.config.source import read_text
from influencer.config.validation import validate
from influencer.errors import ConfigIssue

SETTINGS_FILE = "influencer.toml"


class DatabaseSettings(Strict):
    url: Text | None = None  # a URL, or env:NAME / file:PATH#KEY; default: sqlite in .influencer/


class OutboxSettings(Strict):
    folder: Text = "outbox"


class ConcurrencySettings(Strict):
    writers: int = Field(default=8, ge=1, le=256)  # caption requests in flight at once
    requests_per_minute: int = Field(default=120, ge=1)  # caption requests per minute
    publishers: int = Field(default=4, ge=1, le=64)  # publishes in flight per daemon


class WriterDefaults(Strict):
    """Defaults for persona writers that do not set these themselves."""

    model: Text | None = None
    base_url: HttpUrl | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    timeout: float = Field(default=60.0, gt=0)  # seconds per request
    attempts: int = Field(default=4, ge=1, le=10)
    credentials: CredentialRef | None = None


class ModerationSettings(Strict):
    provider: Literal["off", "openai"] = "off"  # local LLM servers have no moderation endpoint
    base_url: HttpUrl | None = None
    model: Text = "omni-moderation-latest"
    credentials: CredentialRef | None = None


class LogSettings(Strict):
    format: Literal["text", "json"] = "text"
    level: Literal["debug", "info", "warning", "error"] = "info"


class MediaHostSettings(Strict):
    """Where Instagram fetches images from: a served folder, or an S3-compatible bucket."""

    kind: Literal["folder", "s3"] = "folder"
    folder: Text | None = None
    public_base_url: HttpUrl | None = None
    bucket: Text | None = None
    endpoint_url: HttpUrl | None = None
    region: Text | None = None
    prefix: Text = ""
    credentials: CredentialRef | None = None


class SigningSettings(Strict):
    """C2PA signing: paths to a PEM certificate chain and its private key, never inline."""

    certificate: Text | None = None
    key: Text | None = None
    algorithm: Literal["es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"] = "es256"
    timestamp_url: HttpUrl | None = None

    @field_validator("certificate", "key")
    @classmethod
    def _a_path(cls, value: str | None) -> str | None:
        if value is not None and "-----BEGIN" in value:
            raise ValueError(f"expected a path to a PEM file, found PEM text{HINT}"
                             "put it in a file outside git and give the file's path")
        return value


class DaemonSettings(Strict):
    """``influencer run``: leases, retries, per-account limits, heartbeats (seconds unless named)."""

    lease: float = Field(default=600, gt=0)  # a claim older than this with no outcome is unconfirmed
    attempts: int = Field(default=5, ge=1, le=50)  # sends of one post before it is failed
    backoff_base: float = Field(default=30, gt=0)  # first retry after about this long, then doubling
    backoff_cap: float = Field(default=3600, gt=0)  # no retry waits longer (unless the platform says)
    heartbeat: float = Field(default=15, gt=0)  # how often a daemon records that it is alive
    poll: float = Field(default=5, gt=0)  # how often due work and changed files are looked for
    horizon: float = Field(default=86_400, gt=0)  # how far ahead slots are scheduled as jobs
    account_concurrency: int = Field(default=2, ge=1, le=64)  # publishes in flight per account
    account_per_hour: int | None = Field(default=None, ge=1)  # publishes per account per hour
    shutdown_timeout: float = Field(default=60, ge=0)  # wait for in-flight publishes on SIGTERM
    outage_backoff_cap: float = Field(default=60, gt=0)  # longest wait between tries of a lost database
    settle_every: float = Field(default=300, gt=0)  # an unconfirmed post is looked up this often…
    settle_within: float = Field(default=86_400, gt=0)  # …until this long after its first claim;
    # then a person is alerted, with the candidates the lookups found


class AlertSettings(Strict):
    """Where alerts go: a webhook (JSON POST) and/or e-mail. Failures to deliver are logged only."""

    webhook_url: HttpUrl | None = None
    smtp_host: Text | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_from: Text | None = None
    smtp_to: list[Text] = Field(default_factory=list)
    smtp_credentials: CredentialRef | None = None  # resolves to "user:password"
    timeout: float = Field(default=10, gt=0)  # seconds per delivery attempt
    rights_warning_days: int = Field(default=14, ge=0)  # warn this many days before rights expire


class AuditSettings(Strict):
    """Who acts when a command is not told (``--as``) and ``INFLUENCER_ACTOR`` is not set: for a
    workspace one person runs. In a shared workspace leave it unset, so each person names
    themselves."""

    actor: Text | None = None

    @field_validator("actor")
    @classmethod
    def _a_person(cls, value: str | None) -> str | None:
        return None if value is None else person_name(value)


class TakedownSettings(Strict):
    """How fast a takedown deletes: per platform, at most ``[count, seconds]`` deletes per
    account in any window that long (default: X 50 per 15 minutes a user, Mastodon 30 per 30
    minutes, Bluesky 100 per 5), and how often one delete is tried before a person is asked to
    finish it."""

    budget: dict[Text, tuple[int, float]] = Field(default_factory=dict)
    attempts: int = Field(default=5, ge=1, le=50)


class Settings(Strict):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    concurrency: ConcurrencySettings = Field(default_factory=ConcurrencySettings)
    writer: WriterDefaults = Field(default_factory=WriterDefaults)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    media_host: MediaHostSettings = Field(default_factory=MediaHostSettings)
    signing: SigningSettings = Field(default_factory=SigningSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    takedown: TakedownSettings = Field(default_factory=TakedownSettings)


def load_settings(path: Path, shown: str) -> tuple[Settings, list[ConfigIssue]]:
    """The settings in ``path`` (defaults when it does not exist) and any issues found."""
    if not path.exists():
        return Settings(), []
    text, issue = read_text(path, shown)
    if text is None:
        return Settings(), [issue] if issue else []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match[1]) if match else 1
        reason = re.sub(r" \(at line \d+, column \d+\)", "", str(exc))
        return Settings(), [ConfigIssue(shown, line, "", f"invalid TOML: {reason}")]
    settings, issues = validate(Settings, data, shown, lambda loc: toml_line(text, loc))
    return settings or Settings(), issues


def toml_line(text: str, loc: Sequence[str | int]) -> int:
    """Best line for a dotted location in a TOML document: the key's line within its table."""
    lines = text.splitlines()
    parts = [p for p in loc if isinstance(p, str)]
    if not parts:
        return 1
    table, key = parts[0], parts[1] if len(parts) > 1 else None
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
    for number, line in enumerate(lines, 1):
        if header.match(line):
            if key is None:
                return number
            return _key_line(lines, number, key) or number
    inline = re.compile(rf"^\s*{re.escape(table)}\s*[=.]")
    return next((n for n, line in enumerate(lines, 1) if inline.match(line)), 1)


def _key_line(lines: list[str], header_line: int, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(header_line, len(lines)):
        line = lines[number]
        if line.lstrip().startswith("["):
            return None
        if pattern.match(line):
            return number + 1
    return None
