"""The ``influencer`` command: argument parsing and printing only.

Every command calls one function elsewhere and prints what it returns. Heavy libraries are
imported inside commands, so ``influencer --help`` stays fast.

Exit codes (the same for every command):

    0  success
    1  the command ran and found problems (check found errors, a post could not be drafted)
    2  usage or configuration error (bad arguments, a workspace file with errors)
    3  the work could not be done: the database or another service is unreachable
    4  waiting for a person: ``post --now`` drafted posts whose schedule requires approval

``status`` has its own: 0 healthy, 1 no daemon seen within its heartbeat window, 2 a post
failed or is unconfirmed in the last 24 hours, 3 the database is unreachable.
"""

from __future__ import annotations

import sys

import typer

from influencer.cli import audit, daemon, images, posts, rights, workspace  # noqa: F401  (registers the commands)
from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, EXIT_UNAVAILABLE, EXIT_USAGE, app
from influencer.errors import ConfigError, IllegalTransition, InfluencerError, StoreError

__all__ = ["EXIT_OK", "EXIT_PROBLEMS", "EXIT_UNAVAILABLE", "EXIT_USAGE", "app", "main"]


def main() -> None:
    """Entry point: run the app, turning our errors into messages and exit codes."""
    try:
        app()
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"✗ {len(exc.issues)} problem(s); run `influencer check` for details", err=True)
        sys.exit(EXIT_USAGE)
    except IllegalTransition as exc:  # a person asked for a change the post's status forbids
        typer.echo(f"error: post {exc.post_id[:8]} is {exc.current}: it cannot become "
                   f"{exc.target}", err=True)
        sys.exit(EXIT_USAGE)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    except InfluencerError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
