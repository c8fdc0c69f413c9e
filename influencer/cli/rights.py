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
    from influencer.flow.takedown import progress

    with _context() as flow:
        if persona not in flow.ws.personas:
            raise InfluencerError(f"no persona {persona!r}; see: influencer personas")
        _record(flow)
        [row] = [r for r in grant_rows(flow) if r["persona"] == persona]
        history = grant_history(flow, persona)
        takedown = progress(flow, persona)
    if as_json:
        print_json({**row, "history": history, "takedown": None if takedown is None else {
            "states": takedown.states, "remaining": takedown.remaining,
            "by_hand": [{"post_id": i.post_id, "platform": i.platform, "state": i.state,
                         "url": i.url, "why": i.detail} for i in takedown.by_hand]}})
        return
    table(f"Rights of {persona}", ["field", "value"], [
        [k.replace("_", " "), _shown(v)] for k, v in row.items() if k != "persona"])
    if takedown is not None:
        typer.echo("takedown: " + ", ".join(f"{n} {state}" for state, n in
                                            sorted(takedown.states.items()))
                   + (f"; {takedown.remaining} to go" if takedown.remaining else "; done"))
        for item in takedown.by_hand:
            typer.echo(f"  by hand: {item.platform} post {item.post_id[:8]} at "
                       f"{item.url or 'its URL is not known'}: {item.detail}")
    table(f"History of {persona}'s grant", ["version", "when (UTC)", "by", "from", "revoked",
                                            "why"], [
        [str(h["version"]), h["recorded_at"][:16].replace("T", " "), h["recorded_by"],
         h["source"], "yes" if h["revoked"] else "no", h["reason"] or ""] for h in history])


@rights_app.command("revoke")
def rights_revoke(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    reason: Annotated[str, typer.Option(help="Why, in the model's or agency's words.")],
    takedown: Annotated[bool, typer.Option(
        help="Also delete every post of the twin that went out (the daemon works through them "
             "within each account's delete budget).")] = False,
    erase: Annotated[bool, typer.Option(
        help="Also remove the twin's rendered images, outbox folders, reference images and "
             "voice profile (the audit log keeps their hashes).")] = False,
    dry_run: Annotated[bool, typer.Option(help="Say what would happen; change nothing.")] = False,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that the model withdrew consent: from now on nothing of the twin is drafted or
    sent, and every pending post (planned, drafted, approved, held, failed) is cancelled in the
    same transaction. Posts already being sent when it commits may still go out: their number
    is reported (a takedown covers them). Only a new grant (influencer rights grant, or a new
    contract reference in the persona file) restores consent; editing the file back does not."""
    from influencer.flow.consent import revoke
    from influencer.flow.erasure import erase as erase_likeness

    with _context(actor, None if dry_run else "rights revoke") as flow:
        done = revoke(flow, persona, reason, dry_run=dry_run, takedown=takedown)
        erased = erase_likeness(flow, persona, dry_run=dry_run) if erase else None
    said = {"persona": persona, "version": done.grant.version, "dry_run": dry_run,
            "cancelled": len(done.cancelled), "in_flight": done.in_flight,
            "published": done.published, "takedown": done.takedown if takedown else None,
            "erased": [{"path": p, "sha256": h} for p, h in erased.files] if erased else None}
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
    if takedown:
        typer.echo(f"takedown: {done.takedown} post(s) {would}queued; the daemon deletes them "
                   f"within each account's budget (progress: influencer rights show {persona})")
    elif done.published:
        typer.echo(f"{done.published} post(s) of {persona} are live on platforms; take them down "
                   f"with: influencer rights takedown {persona} --as NAME")
    if erased is not None:
        _say_erased(erased)


@rights_app.command("takedown")
def rights_takedown(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin (revoked).")],
    dry_run: Annotated[bool, typer.Option(help="Say how many; change nothing.")] = False,
    actor: ActorOption = None,
) -> None:
    """Delete every post of a twin whose consent was revoked: the daemon works through them
    within each account's delete budget ([takedown] budget), settling posts whose outcome is
    unknown first. Resumable; influencer rights show PERSONA reports each post: removed,
    already gone, or to finish by hand (with its URL)."""
    from influencer.flow.consent import takedown

    with _context(actor, None if dry_run else "rights takedown") as flow:
        added = takedown(flow, persona, dry_run=dry_run)
    typer.echo(f"{'dry run: ' if dry_run else ''}{added} post(s) of {persona} "
               f"{'would be ' if dry_run else ''}queued for takedown")


@rights_app.command("erase")
def rights_erase(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The twin.")],
    dry_run: Annotated[bool, typer.Option(help="List what would be removed; change nothing.")] = False,
    actor: ActorOption = None,
) -> None:
    """Remove every copy of the twin's likeness the tool keeps: rendered images and their
    thumbnails, outbox folders, reference images, the voice profile. The audit log keeps each
    file's path and sha256. The imagery library itself is left for a person to remove."""
    from influencer.flow.erasure import erase

    with _context(actor, None if dry_run else "rights erase") as flow:
        _say_erased(erase(flow, persona, dry_run=dry_run))


def _say_erased(erased: Any) -> None:
    verb = "would be removed" if erased.dry_run else "removed"
    typer.echo(f"erasure: {len(erased.files)} file(s) of {erased.persona} {verb} (their "
               f"hashes {'would be ' if erased.dry_run else ''}kept in the audit log); {erased.kept}")


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


@rights_app.command("usage")
def rights_usage(
    start: Annotated[str | None, typer.Option("--from", metavar="YYYY-MM-DD",
                                              help="From this day (UTC), inclusive.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="YYYY-MM-DD",
                                            help="Up to this day (UTC), exclusive.")] = None,
    output_format: Annotated[str | None, typer.Option(
        "--format", metavar="csv|json", help="csv or json (default: a listing).")] = None,
) -> None:
    """Posts that went out per twin, platform and month: the contract's accounting."""
    import csv
    import sys

    from influencer.cli.audit import _day
    from influencer.errors import InfluencerError
    from influencer.flow.export import usage

    if output_format not in (None, "csv", "json"):
        raise InfluencerError(f"--format {output_format!r}: csv or json")
    with _context() as flow:
        rows = usage(flow, _day(start, "--from"), _day(end, "--to"))
    if output_format == "json":
        print_json(rows)
    elif output_format == "csv":
        writer = csv.DictWriter(sys.stdout, ["persona", "platform", "month", "posts"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table("Usage", ["twin", "platform", "month", "posts"],
              [[r["persona"], r["platform"], r["month"], str(r["posts"])] for r in rows])


def _record(flow: Any) -> None:
    from influencer.flow.consent import record_file_grants

    record_file_grants(flow)


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "0"
    return "—" if value is None else str(value)
