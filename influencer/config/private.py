"""State that is nobody else's business: folders the tool creates are owner-only (0700), and so
is the SQLite database (0600) — it holds captions before they are public, the audit trail and
the people's names. Folders and files that already exist are left as they are (``check`` warns
when a secrets file is readable by others)."""

from __future__ import annotations

import os
from pathlib import Path


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each owner-only; existing ones are untouched."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it meanwhile
        folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened: set it


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist (before SQLite opens it, which
    gives its -wal and -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
