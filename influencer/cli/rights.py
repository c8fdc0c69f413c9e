"""Commands about the models' consent: the grants in force, their history, revoking, granting."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from influencer.cli.base import EXIT_OK, JsonOption, app, print_json, table
from influencer.cli.posts import ActorOption, _context

rights_app = typer.Typer(
    rich_markup_mode=None, invoke_without_command=True,
    help="The models' consent: each twin's grant in force and its history; revoke it (cancelling "
         "every pending post) or record a new grant.")
app.add_typer(rights_app, name="rights")

ListOption = Annotated[str | None, typer.Option(metavar="LIST", help="Comma-separated.")]


@rights_app.callback()
def rights(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Each twin's grant in force: its version, holder, contract, state, days to expiry, posts
    planned beyond the expiry, and what was published this month."""
    if ctx.invoked_subcommand is not None:
        return
    from influencer.flow.listings import grant_rows

    with _context() as flow:
        _record(flow)
        rows = grant_rows(flow)
    if as_json:
        print_json(rows)
        return
    table("Rights", ["twin", "version", "holder", "contract", "state", "expires", "days left",
                     "planned beyond", "published this month"], [
        [r["persona"], str(r["version"] or "—"), r["holder"], r["contract"] or "—", r["state"],
         r["expires"], str(r["days_left"]), str(r["planned_beyond_expiry"]),
         ", ".join(f"{k} {v}" for k, v in sorted(r["published_this_month"].items())) or "0"]
        for r in rows])


@rights_app.command("show")
def rights_show(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    as_json: JsonOption = False,
) -> None:
    """The twin's grant in force and every version recorded: who recorded it, when, from where
    (the persona file, rights grant, rights revoke) and why."""
    from influencer.errors import InfluencerError
    from influencer.flow.listings import grant_history, grant_rows

    with _context() as flow:
        if persona not in flow.ws.personas:
            raise InfluencerError(f"no persona {persona!r}; see: influencer personas")
        _record(flow)
        [row] = [r for r in grant_rows(flow) if r["persona"] == persona]
        history = grant_history(flow, persona)
    if as_json:
        print_json({**row, "history": history})
        return
    table(f"Rights of {persona}", ["field", "value"], [
        [k.replace("_", " "), _shown(v)] for k, v in row.items() if k != "persona"])
    table(f"History of {persona}'s grant", ["version", "when (UTC)", "by", "from", "revoked",
                                            "why"], [
        [str(h["version"]), h["recorded_at"][:16].replace("T", " "), h["recorded_by"],
         h["source"], "yes" if h["revoked"] else "no", h["reason"] or ""] for h in history])


@rights_app.command("revoke")
def rights_revoke(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    reason: Annotated[str, typer.Option(help="Why, in the model's or agency's words.")],
    dry_run: Annotated[bool, typer.Option(help="Say what would happen; change nothing.")] = False,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that the model withdrew consent: from now on nothing of the twin is drafted or
    sent, and every pending post (planned, drafted, approved, held, failed) is cancelled in the
    same transaction. Posts already being sent when it commits may still go out: their number
    is reported. Only a new grant (influencer rights grant, or a new contract reference in the
    persona file) restores consent; editing the file back does not."""
    from influencer.flow.consent import revoke

    with _context(actor, None if dry_run else "rights revoke") as flow:
        done = revoke(flow, persona, reason, dry_run=dry_run)
    said = {"persona": persona, "version": done.grant.version, "dry_run": dry_run,
            "cancelled": len(done.cancelled), "in_flight": done.in_flight,
            "published": done.published}
    if as_json:
        print_json(said)
        raise typer.Exit(EXIT_OK)
    would = "would be " if dry_run else ""
    typer.echo(f"{'dry run: ' if dry_run else ''}{persona}'s grant {would}revoked as version "
               f"{done.grant.version}: {len(done.cancelled)} pending post(s) {would}cancelled")
    if done.in_flight:
        typer.echo(f"{len(done.in_flight)} post(s) were already being sent or have an unknown "
                   f"outcome, and may be live: {', '.join(p[:8] for p in done.in_flight)}")
    else:
        typer.echo("no post was being sent")
    if done.published:
        typer.echo(f"{done.published} post(s) of {persona} are live on platforms; delete them "
                   f"with: influencer delete ID --as NAME")


@rights_app.command("grant")
def rights_grant(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    reason: Annotated[str, typer.Option(help="Why: the new contract, a renewal, an amendment.")],
    contract: Annotated[str | None, typer.Option(help="The new contract's reference.")] = None,
    holder: Annotated[str | None, typer.Option(help="Who holds the right of usage.")] = None,
    agency: Annotated[str | None, typer.Option(help="The model's agency.")] = None,
    granted: Annotated[str | None, typer.Option(metavar="DATE", help="First day (YYYY-MM-DD).")] = None,
    expires: Annotated[str | None, typer.Option(metavar="DATE", help="Last day (YYYY-MM-DD).")] = None,
    platforms: ListOption = None,
    territories: ListOption = None,
    exclude_categories: ListOption = None,
    actor: ActorOption = None,
) -> None:
    """Record a new version of the twin's grant: the terms in force with the changes given, not
    revoked. It supersedes a revocation. The persona file is not rewritten: check says where it
    differs from the grant in force; update it to match."""
    from influencer.flow.consent import grant

    changes: dict[str, Any] = {k: v for k, v in (
        ("contract", contract), ("holder", holder), ("agency", agency), ("granted", granted),
        ("expires", expires)) if v is not None}
    for name, value in (("platforms", platforms), ("territories", territories),
                        ("exclude_categories", exclude_categories)):
        if value is not None:
            changes[name] = [v.strip() for v in value.split(",") if v.strip()]
    with _context(actor, "rights grant") as flow:
        done = grant(flow, persona, changes, reason)
    rights = done.grant.rights
    typer.echo(f"{persona}'s grant recorded as version {done.grant.version}: "
               f"{rights.granted} to {rights.expires} on {', '.join(rights.platforms)}"
               f"{f' (contract {rights.contract})' if rights.contract else ''}")


def _record(flow: Any) -> None:
    from influencer.flow.consent import record_file_grants

    record_file_grants(flow)


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "0"
    return "—" if value is None else str(value)
