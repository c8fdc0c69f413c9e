"""Commands about the audit log: checking that nobody rewrote it."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, JsonOption, app, print_json, store
from influencer.cli.posts import _context

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


FormatOption = Annotated[str, typer.Option("--format", metavar="csv|json|html",
                                           help="csv, json, or html (a printable report).")]
DateOption = Annotated[str | None, typer.Option(metavar="YYYY-MM-DD",
                                                help="From this day (UTC), inclusive.")]


@audit_app.command("export")
def audit_export(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    output_format: FormatOption = "csv",
    start: Annotated[str | None, typer.Option("--from", metavar="YYYY-MM-DD",
                                              help="From this day (UTC), inclusive.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="YYYY-MM-DD",
                                            help="Up to this day (UTC), exclusive.")] = None,
    output: Annotated[Path | None, typer.Option(metavar="FILE",
                                                help="Write here (default: standard output).")] = None,
) -> None:
    """Every post that used the twin's likeness and went out — when, where, its URL, caption,
    image hashes, the disclosure layers applied (label, alt text, native flags, XMP, C2PA), the
    grant version that authorised it, who approved it, every status change — and every rights
    event (grants, revocations, erasures). For the model's agent and a regulator; the html form
    is a printable report, a page per month with totals per platform."""
    import io

    from influencer.errors import InfluencerError
    from influencer.flow.export import audit_export as gather
    from influencer.preview.audit_report import as_json, render_html, write_csv

    if output_format not in ("csv", "json", "html"):
        raise InfluencerError(f"--format {output_format!r}: csv, json or html")
    with _context() as ctx:
        found = gather(ctx, persona, _day(start, "--from"), _day(end, "--to"))
    if output_format == "csv":
        buffer = io.StringIO()
        write_csv(found, buffer)
        text = buffer.getvalue()
    elif output_format == "json":
        text = json.dumps(as_json(found), indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = render_html(found, f"Use of {persona}'s likeness: audit report")
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(found.posts)} posts and {len(found.rights)} rights events: {output}",
                   err=True)


def _day(text: str | None, option: str) -> datetime | None:
    from influencer.errors import InfluencerError

    if text is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise InfluencerError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
