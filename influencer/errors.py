"""The one exception tree of influencer.

    InfluencerError                 anything this package raises on purpose
    ├── WorkspaceNotFound           no personas/ or schedules/ folder here or above
    ├── ConfigError                 one or more problems in the workspace's files
    ├── StoreError                  the database cannot be reached or migrated
    │   └── IllegalTransition       a post was asked to move to a status it cannot reach
    └── CredentialError             a credential reference cannot be resolved

Commands convert these to messages and exit codes in ``cli.py`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class InfluencerError(Exception):
    """Base of every error raised on purpose by influencer."""


class WorkspaceNotFound(InfluencerError):
    """No workspace was found from the starting folder upwards."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one file, located precisely enough to fix without searching.

    ``str()`` gives the canonical one-line form::

        schedules/autumn.yaml:7: cron: '0 25 * * *' is not a valid cron expression (hour 25 > 23)
    """

    file: Path | str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:" if self.line else f"{self.file}:"
        what = f" {self.field}:" if self.field else ""
        text = f"{where}{what} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(InfluencerError):
    """The workspace's files have problems; every one found in the run is carried."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class StoreError(InfluencerError):
    """The database cannot be opened, locked or migrated."""


class IllegalTransition(StoreError):
    """A post status change that the status machine does not allow."""

    def __init__(self, post_id: str, current: str, target: str) -> None:
        self.post_id, self.current, self.target = post_id, current, target
        super().__init__(f"post {post_id}: cannot go from {current} to {target}")


class CredentialError(InfluencerError):
    """A credential reference names a variable or file that is missing or unreadable."""
