"""Commands about the workspace itself: init, check, personas, schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, JsonOption, State, app, print_json, table, workspace

if TYPE_CHECKING:
    from influencer.config import Workspace
    from influencer.errors import ConfigIssue
    from influencer.flow.grants import Grant

personas_app = typer.Typer(rich_markup_mode=None, help="List the twins (personas) or scaffold a new one.",
                           invoke_without_command=True, no_args_is_help=False)
app.add_typer(personas_app, name="personas")


@app.command()
def init(
    path: Annotated[str, typer.Argument(metavar="[PATH]", help="The folder to make a workspace of "
                                        "(created if missing; default: the current folder).")] = ".",
) -> None:
    """Create a workspace: personas/ with a commented example twin and a drawn image,
    schedules/ with its commented schedule, a commented influencer.toml, and a .gitignore for
    the runtime state (.influencer/, outbox/). Refuses a folder that already holds one."""
    from pathlib import Path

    from influencer.clock import utcnow
    from influencer.config.scaffold import new_workspace

    target = Path(path)
    created = new_workspace(target, utcnow().date())
    root = target.expanduser().resolve()
    for item in created:
        typer.echo(f"created {item.relative_to(root)}{'/' if item.is_dir() else ''}")
    where = "" if root == Path.cwd().resolve() else f"cd {path} && "
    typer.echo(f"next: {where}influencer check && influencer images scan && influencer preview --days 7")


def _ledger(ws: Workspace) -> tuple[dict[str, Grant], str | None]:
    """The files' grants recorded in the consent ledger (each change of a file is a version),
    then the versions in force; or why the database could not be read."""
    from influencer.clock import utcnow
    from influencer.config.people import who_acts
    from influencer.errors import InfluencerError, StoreError
    from influencer.flow import Context
    from influencer.flow.consent import record_file_grants
    from influencer.flow.grants import recorded
    from influencer.store import open_store

    try:
        ctx = Context(ws, open_store(ws.database_url()), utcnow,
                      who_acts(None, ws.settings.audit.actor))
    except (StoreError, InfluencerError) as exc:
        return {}, f"the consent ledger could not be read: {exc}"
    try:
        record_file_grants(ctx)
        with ctx.session() as session:
            return recorded(session), None
    finally:
        ctx.engine.dispose()


@app.command()
def check(as_json: JsonOption = False) -> None:
    """Validate every persona, schedule and influencer.toml, and report every problem found.

    Checks fields, cross-file references, cron expressions, time zones, paths and the form of
    credential references (the secrets themselves need not exist), what the model's rights
    refuse on every day (a platform, a campaign category, an account's territories), and that
    each schedule's image tags match an image. Each problem is printed as
    FILE:LINE: FIELD: MESSAGE (HINT). Warnings (a grant revoked, expired or ending before a
    schedule does; a voice still the template's placeholder) are printed too but fail nothing.
    Exit 1 when any problem is found.
    """
    from influencer.clock import utcnow
    from influencer.config import find_root, load_workspace
    from influencer.flow.check import check_warnings, problems

    ws = load_workspace(find_root(explicit=State.workspace))
    issues = problems(ws)

    ledger, unread = _ledger(ws) if not ws.issues else ({}, None)
    cautions = check_warnings(ws, utcnow().date(), ledger) if not ws.issues else []
    files = len({issue.file for issue in issues})

    def listed(found: list[ConfigIssue]) -> list[dict[str, object]]:
        return [{"file": str(i.file), "line": i.line, "field": i.field, "message": i.message,
                 "hint": i.hint} for i in found]

    if as_json:
        print_json({
            "ok": not issues, "workspace": str(ws.root),
            "personas": sorted(ws.personas), "schedules": sorted(ws.schedules),
            "issues": listed(issues), "warnings": listed(cautions), "ledger_unread": unread,
        })
    else:
        for issue in issues:
            typer.echo(str(issue), err=True)
        for caution in cautions:
            typer.echo(f"warning: {caution}", err=True)
        if unread:  # a machine without the database (CI, a laptop) still checks the files
            typer.echo(f"note: {unread}; the grants were checked against the files only", err=True)
        if issues:
            typer.echo(f"✗ {len(issues)} problem(s) in {files} file(s)", err=True)
        else:
            warned = f", {len(cautions)} warning(s)" if cautions else ""
            typer.echo(f"✓ {len(ws.personas)} personas, {len(ws.schedules)} schedules: no problems"
                       f"{warned} ({ws.root})")
    raise typer.Exit(EXIT_PROBLEMS if issues else EXIT_OK)


@personas_app.callback()
def personas(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the personas: accounts (live or outbox), rights, images and writer."""
    if ctx.invoked_subcommand is not None:
        return
    from influencer.clock import utcnow
    from influencer.flow.grants import in_force
    from influencer.flow.listings import persona_rows

    ws = workspace()
    ledger, _ = _ledger(ws)  # the grants in force (the files', where the database is not at hand)
    rows = persona_rows(ws, utcnow().date(), in_force(ws.personas, ledger))
    if as_json:
        print_json(rows)
        return
    table("Personas", ["id", "name", "twin of", "accounts", "rights", "images", "writer"], [
        [r["id"], r["name"], r["twin_of"],
         ", ".join(f"{k}{'' if v['live'] else ' (outbox)'}" for k, v in r["accounts"].items()),
         f"{r['rights']['state']}, until {r['rights']['expires']}", str(r["images"]), r["writer"]]
        for r in rows
    ])


@personas_app.command("new")
def personas_new(
    persona_id: Annotated[str, typer.Argument(metavar="ID", help="The new persona's id.")],
    name: Annotated[str | None, typer.Option(help="The twin's display name.")] = None,
    twin_of: Annotated[str | None, typer.Option(
        help="The real person the twin is of (default: the holder).")] = None,
    holder: Annotated[str | None, typer.Option(
        help="Who holds the right of usage: the model.")] = None,
    granted: Annotated[str | None, typer.Option(
        metavar="DATE", help="First day of the grant (YYYY-MM-DD).")] = None,
    expires: Annotated[str | None, typer.Option(
        metavar="DATE", help="Last day of the grant (YYYY-MM-DD).")] = None,
    platforms: Annotated[str | None, typer.Option(
        metavar="LIST", help="Where the model allows the twin, e.g. x,instagram.")] = None,
    agency: Annotated[str | None, typer.Option(help="The model's agency, if any.")] = None,
    contract: Annotated[str | None, typer.Option(help="The contract's reference.")] = None,
) -> None:
    """Scaffold personas/ID.yaml (every field commented) and its imagery folder, with the
    model's grant: holder, dates and platforms are required — asked for on a terminal, refused
    when missing otherwise. No persona is made with a grant nobody gave."""
    import sys
    from datetime import date

    from influencer.clock import utcnow
    from influencer.config import find_root
    from influencer.config.scaffold import Grant, free_persona_path, new_persona
    from influencer.errors import InfluencerError

    root = find_root(explicit=State.workspace)
    free_persona_path(root, persona_id)
    given = {"holder": holder, "granted": granted, "expires": expires, "platforms": platforms}
    missing = [key for key, value in given.items() if not value]
    if missing and sys.stdin.isatty():
        questions = {"holder": "Who holds the right of usage (the model's name)",
                     "granted": "First day of the grant (YYYY-MM-DD)",
                     "expires": "Last day of the grant (YYYY-MM-DD)",
                     "platforms": "Platforms the model allows (e.g. x,instagram)"}
        for key in missing:
            given[key] = typer.prompt(questions[key])
        missing = []
    if missing:
        raise InfluencerError("the model's grant is needed to make a persona: give "
                              + " ".join(f"--{key}" for key in missing)
                              + " (the persona file's rights record what the model agreed to)")

    def day(option: str) -> date:
        try:
            return date.fromisoformat(str(given[option]))
        except ValueError:
            raise InfluencerError(f"--{option} {given[option]!r} is not a date (YYYY-MM-DD)") from None

    grant = Grant(str(given["holder"]), day("granted"), day("expires"),
                  tuple(p.strip().lower() for p in str(given["platforms"]).split(",") if p.strip()),
                  agency=agency, contract=contract)
    created = new_persona(root, persona_id, name=name, twin_of=twin_of, grant=grant,
                          today=utcnow().date())
    for path in created:
        typer.echo(f"created {path.relative_to(root)}{'/' if path.is_dir() else ''}")
    typer.echo(f"next: describe the voice in personas/{persona_id}.yaml, put images in "
               f"personas/{persona_id}/images/, then: influencer check")


@app.command()
def schedules(as_json: JsonOption = False) -> None:
    """List the schedules: persona, platforms, when (crontab meaning), zone, approval."""
    from influencer.flow.listings import schedule_rows

    rows = schedule_rows(workspace())
    if as_json:
        print_json(rows)
        return
    table("Schedules", ["id", "persona", "platforms", "when", "zone", "approval", "window"], [
        [r["id"], r["persona"], ", ".join(r["platforms"]),
         "; ".join(r["cron"] or []) or ", ".join(r["times"] or []), r["timezone"], r["approval"],
         f"{r['start'] or '…'} – {r['end'] or '…'}"]
        for r in rows
    ])




accounts_app = typer.Typer(help="The twins' platform accounts.", no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("verify")
def accounts_verify(
    persona: Annotated[str | None, typer.Argument(
        metavar="[PERSONA]", help="Only this persona's accounts (default: every persona).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve each account's credentials and try them against its platform: prints the
    account each would post as, or why it cannot. Secrets are never printed. Exit 1 when any
    account fails."""
    from dataclasses import asdict

    from influencer.flow.accounts import verify_accounts

    checks = verify_accounts(workspace(), persona)
    if as_json:
        print_json([asdict(c) for c in checks])
    else:
        table("Accounts", ["persona", "platform", "handle", "mode", "result"], [
            [c.persona, c.platform, c.handle, "live" if c.live else "outbox",
             ("✓ " if c.ok else "✗ ") + c.detail] for c in checks])
    raise typer.Exit(EXIT_OK if all(c.ok for c in checks) else EXIT_PROBLEMS)
