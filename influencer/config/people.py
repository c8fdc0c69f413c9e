"""Who acts: every approval, edit, rejection and post made now names a person in the audit log.

A person is named by ``--as NAME``, else ``INFLUENCER_ACTOR``, else ``[audit] actor`` in
``influencer.toml``. Decisions about what goes out (approve, edit, reject, ``post --now
--approve``, retry, resolve, delete) refuse to run without a name; other commands fall back to
the OS account. Daemons act as themselves (``daemon@host:pid:…``), a name no person may take.
"""

from __future__ import annotations

import getpass
import os
import unicodedata

from influencer.errors import InfluencerError

ACTOR_ENV = "INFLUENCER_ACTOR"
DAEMON_PREFIX = "daemon@"
MAX_NAME = 100


def person_name(text: str) -> str:
    """``text`` as a person's name for the audit log, or ValueError saying what is wrong."""
    name = text.strip()
    if not name:
        raise ValueError("a name cannot be empty")
    if len(name) > MAX_NAME:
        raise ValueError(f"a name is at most {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValueError("a name cannot hold control characters")
    if name.lower().startswith(DAEMON_PREFIX):
        raise ValueError(f"names starting with {DAEMON_PREFIX!r} are the daemons' own")
    return name


def os_account() -> str:
    """The OS user running the command, marked as such (not a person's chosen name)."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"os:uid {os.getuid()}"


def who_acts(given: str | None, default: str | None, needed_for: str | None = None) -> str:
    """The person acting: ``--as`` (``given``), else ``INFLUENCER_ACTOR``, else the workspace's
    ``[audit] actor`` (``default``). When none names one: for ``needed_for`` (a command that
    decides what goes out) an error saying how to name yourself; else the OS account."""
    for source, value in (("--as", given), (ACTOR_ENV, os.environ.get(ACTOR_ENV)),
                          ("[audit] actor", default)):
        if value is not None and value.strip():
            try:
                return person_name(value)
            except ValueError as exc:
                raise InfluencerError(f"{source} {value!r}: {exc}") from None
    if needed_for:
        raise InfluencerError(f"{needed_for} records who decided: say who you are with --as NAME, "
                              f"or set {ACTOR_ENV}, or [audit] actor in influencer.toml")
    return os_account()
