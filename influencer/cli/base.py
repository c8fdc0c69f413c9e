"""Shared pieces of the command line: the app, global options, output helpers, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from influencer import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from influencer.config import Workspace

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_WAITING = 0, 1, 2, 3, 4

app = typer.Typer(
    name="influencer",
    help="Run virtual influencers built on the digital twins of real models: every post in the "
    "twin's voice, labelled as AI-generated, within the model's consent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: rich's Markdown and traceback imports doubled --help
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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


def workspace() -> Workspace:
    from influencer.config import open_workspace

    return open_workspace(State.workspace)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """A listing as a person reads it where it is printed: a table when it fits the terminal,
    one block per row when it does not (every value whole, never folded into slivers), and
    tab-separated lines under a ``# title`` and a header when piped (for ``cut`` and ``grep``;
    ``--json`` for programs)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        typer.echo(f"# {title}")
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))
        return
    widths = [max([len(column), *(len(row[i]) for row in rows)]) for i, column in enumerate(columns)]
    if sum(widths) + 3 * len(columns) + 1 > console.width:
        from influencer.preview.terminal import wrap_cells

        console.print(f"[bold]{escape(title)}[/bold]")
        for row in rows:
            console.print(f"[bold]{escape(row[0])}[/bold]")
            for column, cell in zip(columns[1:], row[1:], strict=True):
                lines = wrap_cells(f"{column}: {cell}", max(40, console.width) - 4) if cell else []
                for number, line in enumerate(lines):
                    console.print(("  " if number == 0 else "    ") + escape(line),
                                  soft_wrap=True, highlight=False)
        return
    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    console.print(grid)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


@contextmanager
def store() -> Iterator[tuple[Workspace, Engine]]:
    """The workspace and its database, disposed of when the command is done."""
    from influencer.store import open_store

    ws = workspace()
    engine = open_store(ws.database_url())
    try:
        yield ws, engine
    finally:
        engine.dispose()
