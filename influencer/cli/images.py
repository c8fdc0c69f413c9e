"""Commands about the twins' image libraries."""

from __future__ import annotations

from typing import Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, JsonOption, app, print_json, store, table

images_app = typer.Typer(
    rich_markup_mode=None, help="The twins' image libraries: scan the folders, list the images, "
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
    skipped. A sidecar is photo.jpg.yaml or photo.yaml; one that matches no image is reported.
    Exit 1 when any file was skipped as bad or a sidecar matches no image.
    """
    from influencer.imagery import scan_library

    with store() as (ws, engine):
        reports = scan_library(ws, engine, persona)
    for r in reports:
        typer.echo(f"{r.persona}: {len(r.added)} added, {len(r.changed)} changed, "
                   f"{len(r.unchanged)} unchanged, {len(r.missing)} missing, "
                   f"{len(r.skipped)} skipped")
        for path in r.missing:
            typer.echo(f"  missing {path}")
        for skipped in r.skipped:
            typer.echo(f"  skipped {skipped.path}: {skipped.reason}", err=True)
        for orphan in r.orphans:
            typer.echo(f"  {orphan.path}: {orphan.reason}", err=True)
    raise typer.Exit(EXIT_PROBLEMS if any(r.skipped or r.orphans for r in reports) else EXIT_OK)


@images_app.command("list")
def images_list(
    persona: Annotated[str, typer.Argument(metavar="PERSONA", help="The persona whose images to list.")],
    as_json: JsonOption = False,
) -> None:
    """List a persona's images: size, tags, how often and when last used, and flags."""
    from dataclasses import asdict

    from influencer.imagery import list_images

    with store() as (ws, engine):
        entries = list_images(ws, engine, persona)
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    table(f"Images of {persona}", ["file", "size", "tags", "uses", "last used", "flags"], [
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
        print_json(report.as_dict())
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


