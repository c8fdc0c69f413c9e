"""Credential references and the secrets they point to.

A persona file never holds a secret, only a reference: ``env:NAME`` (an environment variable) or
``file:PATH`` (the whole file) / ``file:PATH#KEY`` (one key of a TOML or KEY=VALUE file kept
outside git). ``check`` validates the form; ``resolve`` reads the secret, wrapped so that it
prints as ``***``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from influencer.errors import CredentialError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REFERENCE_HINT = "write env:NAME or file:PATH#KEY; never the secret itself"


class Secret:
    """A secret value that never shows itself in repr, str or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


def reference_problem(ref: str) -> str | None:
    """Why ``ref`` is not a well-formed reference, or None when it is."""
    scheme, sep, rest = ref.partition(":")
    if not sep or scheme not in ("env", "file"):
        return "is not a credential reference"
    if scheme == "env" and not ENV_NAME.match(rest):
        return "env: must be followed by a variable name (letters, digits, _)"
    if scheme == "file":
        path, _, key = rest.partition("#")
        if not path.strip():
            return "file: must be followed by a path"
        if "#" in rest and not key:
            return "file:PATH# must name a key after #"
    return None


def resolve(ref: str, root: Path) -> Secret:
    """The secret ``ref`` points to; CredentialError names the reference, never a value."""
    problem = reference_problem(ref)
    if problem:
        raise CredentialError(f"credentials *** {problem} ({REFERENCE_HINT})")
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(rest)
        if not value:
            raise CredentialError(f"{ref}: environment variable {rest} is not set")
        return Secret(value)
    return _from_file(ref, rest, root)


def _from_file(ref: str, rest: str, root: Path) -> Secret:
    path_text, _, key = rest.partition("#")
    path = Path(path_text).expanduser()
    path = path if path.is_absolute() else root / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(f"{ref}: cannot read {path}: {exc}") from None
    if not key:
        return Secret(text.strip())
    values = _key_values(text, path.suffix)
    if key not in values:
        raise CredentialError(f"{ref}: no key {key!r} in {path}")
    return Secret(values[key])


def _key_values(text: str, suffix: str) -> dict[str, str]:
    if suffix == ".toml":
        try:
            return {k: str(v) for k, v in tomllib.loads(text).items() if not isinstance(v, dict)}
        except tomllib.TOMLDecodeError:
            return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip().strip("'\"") for k, v in pairs if not k.lstrip().startswith("#")}
