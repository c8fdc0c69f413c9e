"""Instagram long-lived access tokens: last 60 days, refreshed here, warned about before expiry.

The configured credential is a long-lived token. Refreshing it
(``GET /refresh_access_token?grant_type=ig_refresh_token``) returns a token valid for another 60
days; it is kept in ``<state_dir>/instagram/<persona>.json`` (mode 0600) with its expiry and the
hash of the configured token it stands in for. The stored token is used over the configured one
until the configured one changes (a person pasted a new token: that one is newer).

Policy: refresh when the expiry is unknown or less than ``REFRESH_WHEN_LEFT`` remains, at most
once per ``RETRY_REFRESH_AFTER`` (Instagram refuses to refresh a token younger than 24 h). A
failed refresh does not stop publishing with a still valid token; it is recorded and shown by
``token_warning``, which also warns ``WARN_WHEN_LEFT`` before the expiry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from influencer.config.credentials import Secret
from influencer.platforms.private_files import write_private_json

LIFETIME = timedelta(days=60)
REFRESH_WHEN_LEFT = timedelta(days=30)
WARN_WHEN_LEFT = timedelta(days=7)
RETRY_REFRESH_AFTER = timedelta(days=1)


def fingerprint(token: Secret) -> str:
    return hashlib.sha256(token.reveal().encode()).hexdigest()


@dataclass
class TokenRecord:
    access_token: str | None  # None: no refreshed token yet, the configured one is used
    replaces: str  # sha256 of the configured token this one stands in for
    expires_at: datetime | None = None
    refreshed_at: datetime | None = None
    attempted_at: datetime | None = None
    last_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenRecord:
        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        token = data.get("access_token")
        return cls(token if isinstance(token, str) else None, str(data["replaces"]), moment("expires_at"),
                   moment("refreshed_at"), moment("attempted_at"), data.get("last_error"))


class TokenStore:
    """The refreshed token of one account, beside the configured one."""

    def __init__(self, path: Path, configured: Secret) -> None:
        self.path = path
        self.configured = configured

    def record(self) -> TokenRecord | None:
        """The stored record, if it belongs to the configured token."""
        try:
            record = TokenRecord.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return record if record.replaces == fingerprint(self.configured) else None

    def token(self) -> Secret:
        record = self.record()
        return Secret(record.access_token) if record and record.access_token else self.configured

    def refresh_due(self, now: datetime) -> bool:
        record = self.record()
        if record is None:
            return True
        if record.attempted_at and now - record.attempted_at < RETRY_REFRESH_AFTER:
            return False
        return record.expires_at is None or record.expires_at - now < REFRESH_WHEN_LEFT

    def refreshed(self, token: str, expires_in: float, now: datetime) -> TokenRecord:
        record = TokenRecord(token, fingerprint(self.configured), now + timedelta(seconds=expires_in),
                             refreshed_at=now, attempted_at=now)
        self._save(record)
        return record

    def failed(self, reason: str, now: datetime) -> None:
        record = self.record() or TokenRecord(None, fingerprint(self.configured))
        record.attempted_at, record.last_error = now, reason
        self._save(record)

    def warning(self, now: datetime, who: str) -> str | None:
        record = self.record()
        if record is None:
            return None
        if record.expires_at is None:
            return (f"instagram token for {who}: expiry unknown, refreshing failed: {record.last_error}"
                    if record.last_error else None)
        left = record.expires_at - now
        if left > WARN_WHEN_LEFT:
            return None
        when = record.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        state = "expired on" if left <= timedelta(0) else f"expires in {max(left.days, 0)} days, on"
        reason = f" (refreshing failed: {record.last_error})" if record.last_error else ""
        return f"instagram token for {who} {state} {when}{reason}: paste a new long-lived token"

    def _save(self, record: TokenRecord) -> None:
        write_private_json(self.path, record.to_json(), ".token-")
