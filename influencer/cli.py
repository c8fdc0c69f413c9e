"""The ``influencer`` command: argument parsing and printing only.

Every command calls one function elsewhere and prints what it returns. Heavy libraries are
imported inside commands, so ``influencer --help`` stays fast.

Exit codes (the same for every command):

    0  success
    1  the command ran and found problems (check found errors, a post could not be drafted)
    2  usage or configuration error (bad arguments, a workspace file with errors)
    3  the work could not be done: the database or another service is unreachable
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from influencer import __version__
from influencer.errors import ConfigError, InfluencerError, StoreError

if TYPE_CHECKING:
    from influencer.config import Workspace

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3

app = typer.Typer(
    name="influencer",
    help="Run virtual influencers built on the digital twins of real models: every post in the "
    "twin's voice, labelled as AI-generated, within the model's consent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
personas_app = typer.Typer(help="List the twins (personas) or scaffold a new one.",
                           invoke_without_command=True, no_args_is_help=False)
app.add_typer(personas_app, name="personas")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")]


class State:
    workspace: str | None = None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"influencer {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", metavar="PATH",
        help="The workspace folder (holding personas/ and schedules/). Default: INFLUENCER_HOME, "
        "else the current folder or the nearest one above it that has them.")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    State.workspace = workspace


def _workspace() -> Workspace:
    from influencer.config import open_workspace

    return open_workspace(State.workspace)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@app.command()
def check(as_json: JsonOption = False) -> None:
    """Validate every persona, schedule and influencer.toml, and report every problem found.

    Checks fields, cross-file references, cron expressions, time zones, paths and the form of
    credential references (the secrets themselves need not exist). Each problem is printed as
    FILE:LINE: FIELD: MESSAGE (HINT). Exit 1 when any is found.
    """
    from influencer.config import find_root, load_workspace

    ws = load_workspace(find_root(explicit=State.workspace))
    files = len({issue.file for issue in ws.issues})
    if as_json:
        _print_json({
            "ok": not ws.issues, "workspace": str(ws.root),
            "personas": sorted(ws.personas), "schedules": sorted(ws.schedules),
            "issues": [{"file": str(i.file), "line": i.line, "field": i.field,
                        "message": i.message, "hint": i.hint} for i in ws.issues],
        })
    else:
        for issue in ws.issues:
            typer.echo(str(issue), err=True)
        if ws.issues:
            typer.echo(f"✗ {len(ws.issues)} problem(s) in {files} file(s)", err=True)
        else:
            typer.echo(f"✓ {len(ws.personas)} personas, {len(ws.schedules)} schedules: no problems "
                       f"({ws.root})")
    raise typer.Exit(EXIT_PROBLEMS if ws.issues else EXIT_OK)


@personas_app.callback()
def personas(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the personas: accounts (live or outbox), rights, images and writer."""
    if ctx.invoked_subcommand is not None:
        return
    from influencer.clock import utcnow
    from influencer.listings import persona_rows

    rows = persona_rows(_workspace(), utcnow().date())
    if as_json:
        _print_json(rows)
        return
    _table("Personas", ["id", "name", "twin of", "accounts", "rights", "images", "writer"], [
        [r["id"], r["name"], r["twin_of"],
         ", ".join(f"{k}{'' if v['live'] else ' (outbox)'}" for k, v in r["accounts"].items()),
         f"{r['rights']['state']}, until {r['rights']['expires']}", str(r["images"]), r["writer"]]
        for r in rows
    ])


@personas_app.command("new")
def personas_new(
    persona_id: Annotated[str, typer.Argument(metavar="ID", help="The new persona's id.")],
    name: Annotated[str | None, typer.Option(help="The twin's display name.")] = None,
    twin_of: Annotated[str | None, typer.Option(help="The real person the twin is of.")] = None,
) -> None:
    """Scaffold personas/ID.yaml (every field commented) and its imagery folder."""
    from influencer.clock import utcnow
    from influencer.config import find_root
    from influencer.config.scaffold import new_persona

    root = find_root(explicit=State.workspace)
    created = new_persona(root, persona_id, name=name, twin_of=twin_of, today=utcnow().date())
    for path in created:
        typer.echo(f"created {path.relative_to(root)}{'/' if path.is_dir() else ''}")
    typer.echo("next: edit the file, add images, then run: influencer check")


@app.command()
def schedules(as_json: JsonOption = False) -> None:
    """List the schedules: persona, platforms, when (crontab meaning), zone, approval."""
    from influencer.listings import schedule_rows

    rows = schedule_rows(_workspace())
    if as_json:
        _print_json(rows)
        return
    _table("Schedules", ["id", "persona", "platforms", "when", "zone", "approval", "window"], [
        [r["id"], r["persona"], ", ".join(r["platforms"]),
         "; ".join(r["cron"] or []) or ", ".join(r["times"] or []), r["timezone"], r["approval"],
         f"{r['start'] or '…'} – {r['end'] or '…'}"]
        for r in rows
    ])


images_app = typer.Typer(help="The twins' image libraries: scan the folders, list the images, "
                         "verify the AI provenance of a file.", no_args_is_help=True)
app.add_typer(images_app, name="images")


@images_app.command("scan")
def images_scan(
    persona: Annotated[str | None, typer.Argument(
        metavar="[PERSONA]", help="Scan only this persona's folder (default: every persona).")] = None,
) -> None:
    """Scan imagery folders into the library: hashes, sizes, perceptual hashes, sidecars.

    Incremental: files whose size and modification time are unchanged are not read again.
    Prints added/changed/unchanged/missing/skipped per persona, with the reason for each file
    skipped. Exit 1 when any file was skipped as bad.
    """
    from influencer.imagery import scan_library
    from influencer.store import open_store

    ws = _workspace()
    engine = open_store(ws.database_url())
    try:
        reports = scan_library(ws, engine, persona)
    finally:
        engine.dispose()
    for r in reports:
        typer.echo(f"{r.persona}: {len(r.added)} added, {len(r.changed)} changed, "
                   f"{len(r.unchanged)} unchanged, {len(r.missing)} missing, "
                   f"{len(r.skipped)} skipped")
        for path in r.missing:
            typer.echo(f"  missing {path}")
        for skipped in r.skipped:
            typer.echo(f"  skipped {skipped.path}: {skipped.reason}", err=True)
    raise typer.Exit(EXIT_PROBLEMS if any(r.skipped for r in reports) else EXIT_OK)


@images_app.command("list")
def images_list(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The persona whose images to list.")],
    as_json: JsonOption = False,
) -> None:
    """List a persona's images: size, tags, how often and when last used, and flags."""
    from dataclasses import asdict

    from influencer.imagery import list_images
    from influencer.store import open_store

    ws = _workspace()
    engine = open_store(ws.database_url())
    try:
        entries = list_images(ws, engine, persona)
    finally:
        engine.dispose()
    if as_json:
        _print_json([asdict(e) for e in entries])
        return
    _table(f"Images of {persona}", ["file", "size", "tags", "uses", "last used", "flags"], [
        [e.path, f"{e.width}×{e.height} {e.format}", ", ".join(e.tags),
         f"{e.uses} ({', '.join(e.platforms)})" if e.uses else "0",
         str(e.last_used or "never"),
         ", ".join(f for f, on in (("do_not_use", e.do_not_use), ("missing", e.missing)) if on)]
        for e in entries
    ])


@images_app.command("verify")
def images_verify(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The image file to check.")],
    as_json: JsonOption = False,
) -> None:
    """Print every disclosure layer found in an image file: XMP digital source type,
    description and credit, the C2PA manifest and its c2pa.created action. Exit 1 when no
    machine-readable AI marking is found. A visible mark cannot be detected by software."""
    from pathlib import Path

    from influencer.imagery import verify_image

    report = verify_image(Path(file))
    if as_json:
        _print_json(report.as_dict())
        raise typer.Exit(EXIT_OK if report.ai_marked else EXIT_PROBLEMS)
    data = report.as_dict()
    xmp, c2pa = data["xmp"] or {}, data["c2pa"]
    typer.echo(f"file: {file} ({report.format})")
    for label, key in (("XMP DigitalSourceType", "digital_source_type"),
                       ("XMP description", "description"), ("XMP credit", "credit"),
                       ("XMP rights", "rights")):
        typer.echo(f"{label}: {xmp.get(key) or 'none'}")
    if c2pa["present"]:
        typer.echo(f"C2PA manifest: present ({c2pa['validation_state']}), signed by "
                   f"{c2pa['signer'] or 'unknown'}; actions: {', '.join(c2pa['actions']) or 'none'}")
        typer.echo(f"C2PA c2pa.created digitalSourceType: {c2pa['digital_source_type'] or 'none'}")
    else:
        typer.echo(f"C2PA manifest: {c2pa['problem'] or 'none'}")
    typer.echo(f"visible mark: {data['visible_mark']}")
    if report.ai_marked:
        typer.echo("✓ machine-readable AI marking found")
        raise typer.Exit(EXIT_OK)
    typer.echo("✗ no machine-readable AI marking (XMP or C2PA digital source type)", err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def main() -> None:
    """Entry point: run the app, turning our errors into messages and exit codes."""
    try:
        app()
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"✗ {len(exc.issues)} problem(s); run `influencer check` for details", err=True)
        sys.exit(EXIT_USAGE)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    except InfluencerError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
