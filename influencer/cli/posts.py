"""Commands about posts: preview, queue, approve, reject, edit, redraft, post."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, JsonOption, State, app, print_json
from influencer.errors import InfluencerError

if TYPE_CHECKING:
    from influencer.flow import Context, Post
    from influencer.preview.model import PreviewItem

PersonaOption = Annotated[str | None, typer.Option("--persona", metavar="ID",
                                                   help="Act on this persona's posts.")]
DayOption = Annotated[str | None, typer.Option("--day", metavar="YYYY-MM-DD",
                                               help="Only posts on this day (the schedule's zone).")]
IdsArgument = Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Post ids.")]


@contextmanager
def _context() -> Iterator[Context]:
    from influencer.flow import Context

    ctx = Context.open(State.workspace)
    try:
        yield ctx
    finally:
        ctx.engine.dispose()


def _progress(label: str) -> Callable[[int], Callable[[int], None]] | None:
    """A progress bar on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    def start(total: int) -> Callable[[int], None]:
        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(label, total=total)

        def advance(n: int) -> None:
            bar.advance(task, n)
            if bar.finished:
                bar.stop()
        return advance
    return start


def _parse_when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InfluencerError(f"--from {text!r} is not a date or ISO 8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InfluencerError(f"--day {text!r} is not a date (YYYY-MM-DD)") from None


def _show(items: list[PreviewItem], title: str) -> None:
    from rich.console import Console

    from influencer.preview.terminal import render_table

    render_table(items, Console(), title)


@app.command()
def preview(
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days to preview.")] = 7,
    start: Annotated[str | None, typer.Option("--from", metavar="DATETIME",
                                              help="Start of the window (default: now).")] = None,
    persona: PersonaOption = None,
    platform: Annotated[str | None, typer.Option(metavar="NAME", help="Only this platform.")] = None,
    html: Annotated[Path | None, typer.Option(metavar="FILE",
                                              help="Also write a self-contained HTML page.")] = None,
    outbox: Annotated[bool, typer.Option(help="Also dry-publish every drafted post to outbox/.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Draft what is missing in the window (stored), then show the stored drafts exactly as they
    will be published. Exit 1 when some posts could not be drafted."""
    from influencer.flow import Window
    from influencer.flow.review import preview_window
    from influencer.preview.items import preview_items
    from influencer.preview.model import preview_document

    with _context() as ctx:
        begin = _parse_when(start) if start else ctx.now()
        window = Window(begin, begin + timedelta(days=days), persona, platform)
        result = preview_window(ctx, window, None if as_json else _progress("drafting"))
        if outbox:
            from influencer.flow.publish import publish_window_dry

            publish_window_dry(ctx, result.posts)
        items = preview_items(ctx, result.posts)
        title = f"Preview {begin:%Y-%m-%d %H:%M} UTC + {days} days"
        if html is not None:
            from influencer.preview.html import render_html

            html.write_text(render_html(items, title, ctx.ws.state_dir / "thumbs"),
                            encoding="utf-8")
    if as_json:
        print_json(preview_document(items, begin.isoformat(), window.end.isoformat()))
    else:
        _show(items, title)
        typer.echo(f"{len(items)} posts, {result.not_drafted} could not be drafted, "
                   f"{len(result.excluded)} slots excluded" + (f"; HTML: {html}" if html else ""))
    raise typer.Exit(EXIT_PROBLEMS if result.not_drafted else EXIT_OK)


@app.command()
def queue(
    unconfirmed: Annotated[bool, typer.Option(help="Only posts whose outcome is unknown.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Posts waiting for something: a draft, approval, a person's decision, or their slot."""
    from influencer.flow.approve import queue as waiting
    from influencer.preview.items import preview_items

    with _context() as ctx:
        items = preview_items(ctx, waiting(ctx, unconfirmed))
    if as_json:
        print_json([item.as_json() for item in items])
    else:
        _show(items, "Queue")


def _selected(ctx: Context, ids: list[str] | None, persona: str | None, day: str | None,
              statuses: tuple[str, ...]) -> list[Post]:
    from influencer.flow import PostStatus
    from influencer.flow.approve import select_posts

    return select_posts(ctx, ids or [], persona, _parse_day(day),
                        tuple(PostStatus(s) for s in statuses))


@app.command()
def approve(ids: IdsArgument = None, persona: PersonaOption = None, day: DayOption = None) -> None:
    """Sign off drafted or held posts, by id or all of a persona's (on one day)."""
    from influencer.flow.approve import approve as sign_off

    with _context() as ctx:
        posts = sign_off(ctx, _selected(ctx, ids, persona, day, ("drafted", "held")))
    for post in posts:
        when = f"{post.publish_at:%Y-%m-%d %H:%M} UTC"
        typer.echo(f"approved {post.id} ({post.persona} on {post.platform}, {when})")
    if not posts:
        typer.echo("nothing to approve")


@app.command()
def reject(
    post_id: Annotated[str, typer.Argument(metavar="ID", help="The post to reject.")],
    reason: Annotated[str, typer.Option(help="Why: recorded in the audit log.")],
    redraft: Annotated[bool, typer.Option(help="Draft the slot again instead of skipping it.")] = False,
) -> None:
    """Reject a draft: its slot is skipped with the reason, or drafted again with --redraft."""
    from influencer.flow.approve import reject as skip
    from influencer.flow.approve import reject_and_redraft
    from influencer.flow.context import posts_by_id

    with _context() as ctx:
        [post] = posts_by_id(ctx, [post_id])
        if redraft:
            failed = reject_and_redraft(ctx, post, reason)
            typer.echo(f"rejected {post_id} and drafted it again" + (" (failed)" if failed else ""))
            raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)
        skip(ctx, post, reason)
    typer.echo(f"rejected {post_id}: the slot is skipped")


@app.command()
def edit(
    post_id: Annotated[str, typer.Argument(metavar="ID", help="The post to edit.")],
    caption: Annotated[str | None, typer.Option(help="The new caption (default: open $EDITOR).")] = None,
) -> None:
    """Change a draft's caption. It is checked and labelled again (the label cannot be removed);
    an approved post goes back to drafted."""
    from influencer.flow.approve import edit_caption
    from influencer.flow.context import posts_by_id

    with _context() as ctx:
        [post] = posts_by_id(ctx, [post_id])
        text = caption if caption is not None else _in_editor(post.body or "")
        if text is None:
            typer.echo("no change")
            return
        edited = edit_caption(ctx, post, text)
    typer.echo(f"edited {post_id} ({edited.status}):\n{edited.text}")


def _in_editor(text: str) -> str | None:
    """The text after the user edited it in $EDITOR (None when it did not change)."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    path = Path(handle.name)
    try:
        if subprocess.run([*shlex.split(editor), str(path)], check=False).returncode != 0:
            raise InfluencerError(f"the editor {editor!r} failed; nothing changed")
        edited = path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
    return None if edited.strip() == text.strip() else edited


@app.command()
def redraft(ids: IdsArgument = None, persona: PersonaOption = None, day: DayOption = None) -> None:
    """Replace drafts on request: images chosen and captions written again."""
    from influencer.flow.draft import REDRAFTABLE
    from influencer.flow.draft import redraft as again

    with _context() as ctx:
        posts = _selected(ctx, ids, persona, day, tuple(str(s) for s in REDRAFTABLE))
        start = _progress("redrafting")
        failed = again(ctx, posts, start(len(posts)) if start and posts else None)
    typer.echo(f"redrafted {len(posts) - failed} posts" + (f", {failed} failed" if failed else ""))
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


@app.command()
def post(
    schedule_id: Annotated[str, typer.Argument(metavar="SCHEDULE_ID", help="The schedule to post from.")],
    now: Annotated[bool, typer.Option("--now", help="Post immediately (required).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Publish to outbox/ only.")] = False,
) -> None:
    """Make one post per platform of a schedule now, through the same drafting, labelling and
    publishing path as scheduled posts: claimed with a lease, within the account's limits and
    pauses, retried by the daemon when the platform asks to wait. Running it again in the same
    second finds the same posts. Exit 1 when one was not published."""
    from influencer.flow import PostStatus
    from influencer.flow.publish import post_now

    if not now:
        raise InfluencerError("say --now to post immediately")
    with _context() as ctx:
        outcomes = post_now(ctx, schedule_id, dry_run)
    ok = True
    for outcome in outcomes:
        item = outcome.post
        went = item.status == PostStatus.published or (dry_run and item.status == PostStatus.approved)
        ok &= went
        if dry_run and went:
            typer.echo(f"{item.platform}: dry run, outbox")
        elif outcome.held_back:
            typer.echo(f"{item.platform}: {item.status} {item.id}, not sent now: {outcome.held_back}")
        elif outcome.published is not None:
            live = ctx.ws.personas[item.persona].accounts[item.platform].live
            note = "" if live else " to the outbox (the account is not live: true)"
            typer.echo(f"{item.platform}: published {item.id}{note}: "
                       f"{outcome.published.url or outcome.published.platform_id}")
        else:
            why = "" if went else f" ({item.reason or item.last_error or 'no reason recorded'})"
            typer.echo(f"{item.platform}: {item.status} {item.id}{why}")
    raise typer.Exit(EXIT_OK if ok else EXIT_PROBLEMS)
