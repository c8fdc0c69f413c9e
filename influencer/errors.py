"""The one exception tree of influencer.

    InfluencerError                 anything this package raises on purpose
    ├── WorkspaceNotFound           no personas/ or schedules/ folder here or above
    ├── ConfigError                 one or more problems in the workspace's files
    ├── StoreError                  the database cannot be reached or migrated
    │   └── IllegalTransition       a post was asked to move to a status it cannot reach
    ├── CredentialError             a credential reference cannot be resolved
    ├── ImageryError                an image cannot be read, rendered or signed
    │   ├── BadImage                a file in a twin's imagery folder is not a usable image
    │   └── SigningError            C2PA signing is configured but cannot be done
    ├── CaptionError                a caption could not be written (names persona and slot)
    │   ├── PromptTemplateError     a prompt template is missing, broken or left its sandbox
    │   ├── WriterReplyInvalid      the writer answered, but not with a caption
    │   ├── WriterGaveUp            the writer kept failing until the attempts ran out
    │   ├── ModerationUnavailable   moderation is on but could not give a verdict
    │   └── CaptionDoesNotFit       not even the disclosure label fits the platform's limit
    ├── DisclosureError             a post lacks an AI-disclosure layer: it cannot be published
    └── PlatformError               a platform adapter could not do what was asked
        ├── RetryableError          rate limit, 5xx, refused before sending: try again later
        │   └── HeldBack            a quota is used up: wait, without spending an attempt
        ├── PermanentError          auth or validation: the platform's own message, no retry
        │   └── AlreadyGone         a post to delete is not there (deleted already)
        └── UnknownOutcome          sent, but no answer: never retried blindly

A caption that breaks the persona's rules is not an error: it comes back as a held result.

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


class ImageryError(InfluencerError):
    """An image cannot be read, rendered within a platform's limits, or signed."""


class BadImage(ImageryError):
    """A file in a twin's imagery folder is not a usable image; the message says why."""


class SigningError(ImageryError):
    """C2PA signing is configured but cannot be done (library missing, bad certificate)."""


class CaptionError(InfluencerError):
    """A caption could not be written; the message names the persona and slot when known."""


class PromptTemplateError(CaptionError):
    """A prompt template is missing, does not render, or tried to reach Python internals."""


class WriterReplyInvalid(CaptionError):
    """The writer answered, but the answer is not a caption (malformed JSON, missing fields)."""


class WriterGaveUp(CaptionError):
    """The writer failed on every attempt, or with an error no retry can fix."""

    def __init__(self, persona: str, slot: str, reason: str) -> None:
        self.persona, self.slot, self.reason = persona, slot, reason
        super().__init__(f"persona {persona}, slot {slot}: {reason}")


class ModerationUnavailable(CaptionError):
    """Moderation is configured but gave no verdict: the post must not go out unchecked."""


class CaptionDoesNotFit(CaptionError):
    """The disclosure label alone is longer than the platform allows; it is never cut."""


class DisclosureError(InfluencerError):
    """A post lacks an AI-disclosure layer its platform needs; it is refused, never published."""


class PlatformError(InfluencerError):
    """A platform adapter could not publish, delete or verify; the message says why."""


class RetryableError(PlatformError):
    """Nothing was published and trying again later may work (429, 5xx, connection refused)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after  # seconds the platform asked us to wait, if it said
        super().__init__(message)


class HeldBack(RetryableError):
    """Nothing was sent because the account may not publish yet (a quota); not the post's fault,
    so waiting for it does not spend one of the post's attempts."""


class PermanentError(PlatformError):
    """The platform refused the request for good (auth, validation); carries its own message."""


class AlreadyGone(PermanentError):
    """A post asked to be deleted is not on the platform: someone deleted it already."""


class UnknownOutcome(PlatformError):
    """The request was sent but its outcome is unknown (timeout, broken connection after send)."""
