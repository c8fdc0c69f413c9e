"""Commands about the audit log: checking that nobody rewrote it."""

from __future__ import annotations

from typing import Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, JsonOption, app, print_json, store

audit_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                        help="The audit log: every change of every post and grant, hash-chained "
                             "per twin.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    persona: Annotated[str | None, typer.Argument(
        metavar="[PERSONA]", help="Only this twin's chain (default: every chain).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute every twin's chain of audit events (each carries the hash of the one before)
    and name the first event where one breaks: edited, deleted, inserted or reordered. Exit 1
    when a chain is broken."""
    from sqlmodel import Session

    from influencer.store import audit

    with store() as (_, engine), Session(engine) as session:
        checked, breaks = audit.verify(session, [persona] if persona else None)
    if as_json:
        print_json({"checked": checked, "intact": not breaks,
                    "breaks": [{"twin": b.twin, "seq": b.seq, "event_id": b.event_id,
                                "problem": b.problem} for b in breaks]})
    else:
        for broken in breaks:
            typer.echo(f"broken: {broken}", err=True)
        typer.echo(f"{checked} events checked: " + (
            "every chain is intact" if not breaks else f"{len(breaks)} chain(s) broken"))
    raise typer.Exit(EXIT_PROBLEMS if breaks else EXIT_OK)
