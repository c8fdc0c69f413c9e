"""Commands about posts: preview, queue, approve, reject, edit, redraft, post."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from influencer.cli.base import EXIT_OK, EXIT_PROBLEMS, EXIT_WAITING, JsonOption, State, app, print_json
from influencer.errors import InfluencerError

if TYPE_CHECKING:
    from influencer.flow import Context, Post
    from influencer.flow.plan import Excluded
    from influencer.flow.publish import Outcome
    from influencer.preview.model import PreviewItem

PersonaOption = Annotated[str | None, typer.Option("--persona", metavar="ID",
                                                   help="Act on this persona's posts.")]
DayOption = Annotated[str | None, typer.Option("--day", metavar="YYYY-MM-DD",
                                               help="Only posts on this day (the schedule's zone).")]
IdsArgument = Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Post ids.")]
ActorOption = Annotated[str | None, typer.Option(
    "--as", metavar="NAME", help="Who you are, for the audit log (default: INFLUENCER_ACTOR, "
    "else [audit] actor in influencer.toml).")]


@contextmanager
def _context(actor: str | None = None, needed_for: str | None = None) -> Iterator[Context]:
    """The workspace's context, acting as the person named by ``actor`` (``--as``) or the
    defaults; ``needed_for`` names the decision that may not be made without a name."""
    from influencer.flow import Context

    ctx = Context.open(State.workspace, actor, needed_for)
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


WideOption = Annotated[bool, typer.Option("--wide", help="A table with every column, whatever "
                                          "the terminal's width.")]
PlainOption = Annotated[bool, typer.Option("--plain", help="One tab-separated line per post "
                                           "(the default when output is piped).")]


def _show(items: Iterable[PreviewItem], title: str, wide: bool = False, plain: bool = False) -> None:
    from rich.console import Console

    from influencer.preview.terminal import layout_for, render

    console = Console()
    layout = layout_for(console, not sys.stdout.isatty(), wide, plain)
    if layout == "table" and wide:
        console = Console(width=max(console.width, 220))
    render(items, console, title, layout)


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
    wide: WideOption = False,
    plain: PlainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft what is missing in the window (stored), then show the stored drafts exactly as they
    will be published, and the slots excluded with the reason. Exit 1 when some posts could not
    be drafted, or when nothing in the window will go out (every slot skipped or excluded)."""
    from influencer.flow import Window
    from influencer.flow.review import preview_window, window_posts
    from influencer.preview.items import iter_items
    from influencer.preview.model import write_preview_document

    statuses: list[str] = []  # of every post shown, counted as the items stream past
    with _context() as ctx:
        begin = _parse_when(start) if start else ctx.now()
        window = Window(begin, begin + timedelta(days=days), persona, platform)
        result = preview_window(ctx, window, None if as_json else _progress("drafting"))
        if outbox:
            from influencer.flow.publish import publish_window_dry

            publish_window_dry(ctx, window_posts(ctx, result.post_ids))
        items: Iterable[PreviewItem] = _tallied(
            iter_items(ctx, window_posts(ctx, result.post_ids)), statuses)
        title = f"Preview {begin:%Y-%m-%d %H:%M} UTC + {days} days"
        if html is not None:
            from influencer.preview.html import render_html

            items = list(items)  # the page groups by day and gathers thumbnails: all of it
            html.write_text(render_html(items, title, ctx.ws.state_dir / "thumbs"),
                            encoding="utf-8")
        if as_json:
            write_preview_document(sys.stdout, items, begin.isoformat(), window.end.isoformat(),
                                   [{"schedule": e.schedule, "platform": e.platform,
                                     "slot_at": e.slot_at.isoformat(), "reason": e.reason}
                                    for e in result.excluded])
        else:
            aside = plain or not sys.stdout.isatty()  # piped: the lines stay one per post
            _show(items, title, wide, plain)
            _show_excluded(ctx, result.excluded, aside)
    going = [s for s in statuses if s != "skipped"]
    nothing_goes_out = bool(statuses or result.excluded) and not going
    if not as_json:
        typer.echo(f"{len(statuses)} posts, {result.not_drafted} could not be drafted, "
                   f"{len(result.excluded)} slots excluded" + (f"; HTML: {html}" if html else ""),
                   err=aside)
        if nothing_goes_out:
            typer.echo("nothing in this window will go out: every slot was skipped or excluded "
                       "(the reasons are above)", err=True)
    raise typer.Exit(EXIT_PROBLEMS if result.not_drafted or nothing_goes_out else EXIT_OK)


def _tallied(items: Iterable[PreviewItem], statuses: list[str]) -> Iterator[PreviewItem]:
    for item in items:
        statuses.append(item.status)
        yield item


EXCLUDED_SHOWN = 12


def _show_excluded(ctx: Context, excluded: list[Excluded], aside: bool) -> None:
    """Slots the schedules ask for that will not happen (the consent refuses them, a blackout,
    the daily maximum), each with its reason."""
    from zoneinfo import ZoneInfo

    if not excluded:
        return
    typer.echo("Excluded slots:", err=aside)
    for entry in excluded[:EXCLUDED_SHOWN]:
        schedule = ctx.ws.schedules.get(entry.schedule)
        zone = ZoneInfo(schedule.timezone) if schedule else UTC
        typer.echo(f"  {entry.slot_at.astimezone(zone):%a %d %b %H:%M %Z} {entry.schedule} on "
                   f"{entry.platform}: {entry.reason}", err=aside)
    if len(excluded) > EXCLUDED_SHOWN:
        typer.echo(f"  … and {len(excluded) - EXCLUDED_SHOWN} more (--json lists them all)",
                   err=aside)


@app.command()
def queue(
    unconfirmed: Annotated[bool, typer.Option(help="Only posts whose outcome is unknown.")] = False,
    wide: WideOption = False,
    plain: PlainOption = False,
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
        _show(items, "Queue", wide, plain)


def _selected(ctx: Context, ids: list[str] | None, persona: str | None, day: str | None,
              statuses: tuple[str, ...]) -> list[Post]:
    from influencer.flow import PostStatus
    from influencer.flow.approve import select_posts

    return select_posts(ctx, ids or [], persona, _parse_day(day),
                        tuple(PostStatus(s) for s in statuses))


@app.command()
def approve(ids: IdsArgument = None, persona: PersonaOption = None, day: DayOption = None,
            actor: ActorOption = None) -> None:
    """Sign off drafted or held posts, by id or all of a persona's (on one day), as the person
    named by --as (or INFLUENCER_ACTOR, or [audit] actor)."""
    from influencer.flow.approve import approve as sign_off

    with _context(actor, "approve") as ctx:
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
    actor: ActorOption = None,
) -> None:
    """Reject a draft: its slot is skipped with the reason, or drafted again with --redraft."""
    from influencer.flow.approve import reject as skip
    from influencer.flow.approve import reject_and_redraft
    from influencer.flow.context import posts_by_id

    with _context(actor, "reject") as ctx:
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
    caption: Annotated[str | None, typer.Option(
        help="The new caption, as it should read without the label; hashtags written at its end "
             "become the post's hashtags (none written: it keeps its own).")] = None,
    hashtags: Annotated[str | None, typer.Option(
        help='The post\'s hashtags, e.g. "#knitwear #layering" ("" for none beyond the '
             "persona's always ones, which must stay).")] = None,
    image: Annotated[list[str] | None, typer.Option(
        "--image", metavar="FILE",
        help="An image from the twin's library to use instead (repeat for a carousel); "
             "rendered and labelled again.")] = None,
    actor: ActorOption = None,
) -> None:
    """Change a draft's caption, hashtags or images. Without an option, opens $EDITOR on the
    caption and its hashtags. It is checked and labelled again: the label and a paid
    partnership's #ad cannot be removed and are never doubled, a repeated hashtag is refused.
    An approved post goes back to drafted. The audit event keeps the old and the new text."""
    from influencer.flow.context import posts_by_id, short_id
    from influencer.flow.edit import Edit, edit_post, editable_text, parse_hashtags

    with _context(actor, "edit") as ctx:
        [post] = posts_by_id(ctx, [post_id])
        change = Edit(caption=caption,
                      hashtags=None if hashtags is None else parse_hashtags(hashtags),
                      images=image or ())
        if caption is None and hashtags is None and not image:
            text = _in_editor(editable_text(post))
            if text is None:
                typer.echo("no change")
                return
            change = Edit(caption=text)
        edited = edit_post(ctx, post, change)
    typer.echo(f"edited {short_id(edited.id)} ({edited.status}):\n{edited.text}")
    for picture in edited.images if image else ():
        typer.echo(f"image: {picture.source} → {picture.file}")


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
def redraft(ids: IdsArgument = None, persona: PersonaOption = None, day: DayOption = None,
            actor: ActorOption = None) -> None:
    """Replace drafts on request: images chosen and captions written again."""
    from influencer.flow.draft import REDRAFTABLE
    from influencer.flow.draft import redraft as again

    with _context(actor) as ctx:
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
    approve: Annotated[bool, typer.Option(
        "--approve", help="Approve the posts as the person named by --as and send them (for a "
        "schedule with approval: required).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a "
                                      "terminal (for scripts).")] = False,
    actor: ActorOption = None,
) -> None:
    """Make one post per platform of a schedule now, through the same drafting, labelling,
    approval and publishing path as scheduled posts: claimed with a lease, within the account's
    limits and pauses, retried by the daemon when the platform asks to wait. Under
    `approval: required` the posts are drafted and wait for a person (exit 4) unless --approve.
    On a terminal it says what it will do and asks first. Running it again in the same second
    finds the same posts. Exit 0 when every post went out, 1 when one did not, 4 when they wait
    for approval."""
    from influencer.flow.publish import post_now

    if not now:
        raise InfluencerError("say --now to post immediately")
    with _context(actor, "post --now --approve" if approve else None) as ctx:
        schedule = ctx.ws.schedules.get(schedule_id)
        if schedule is None:
            raise InfluencerError(f"no schedule {schedule_id!r}; see: influencer schedules")
        if sys.stdin.isatty() and not yes:
            typer.echo(_post_now_plan(ctx, schedule_id, dry_run, approve))
            if not typer.confirm("Go ahead?", default=False):
                typer.echo("nothing posted")
                raise typer.Exit(EXIT_PROBLEMS)
        outcomes = post_now(ctx, schedule_id, dry_run, approve)
        code = _say_posted(ctx, outcomes, dry_run)
    raise typer.Exit(code)


def _post_now_plan(ctx: Context, schedule_id: str, dry_run: bool, approve: bool) -> str:
    """What ``post --now`` is about to do, in a person's words."""
    schedule = ctx.ws.schedules[schedule_id]
    accounts = ctx.ws.personas[schedule.persona].accounts
    where = ", ".join(
        f"{p} ({'outbox, dry run' if dry_run else 'live' if accounts[p].live else 'outbox: not live'})"
        for p in schedule.platforms)
    lines = [f"Post now from {schedule_id} as {schedule.persona}: {where}.",
             "Each post is drafted now (image, caption, AI label)"]
    if schedule.approval == "auto":
        lines[-1] += " and approved by the schedule (approval: auto), then sent."
    elif approve:
        lines[-1] += f", approved by {ctx.actor} (--approve), then sent."
    else:
        lines[-1] += (" and left waiting for approval (approval: required): nothing is sent "
                      "until someone approves it.")
    return "\n".join(lines)


def _say_posted(ctx: Context, outcomes: list[Outcome], dry_run: bool) -> int:
    """One line per platform; the exit code (0 all went, 1 one did not, 4 waiting for approval)."""
    from influencer.flow import PostStatus
    from influencer.flow.publish import waiting_for_approval

    failed = waiting = 0
    for outcome in outcomes:
        item = outcome.post
        if waiting_for_approval(outcome):
            waiting += 1
            typer.echo(f"{item.platform}: drafted {item.id}, waiting for approval "
                       f"(influencer approve {item.id} --as NAME; it is sent once approved, "
                       "within a day)")
        elif dry_run and outcome.published is not None:
            typer.echo(f"{item.platform}: dry run {item.id}, outbox "
                       f"{outcome.published.detail.get('folder', '')}")
        elif outcome.held_back:
            failed += 1
            typer.echo(f"{item.platform}: {item.status} {item.id}, not sent now: {outcome.held_back}")
        elif item.status == PostStatus.published:
            live = ctx.ws.personas[item.persona].accounts[item.platform].live
            note = "" if live else " to the outbox (the account is not live: true)"
            where = (outcome.published.url or outcome.published.platform_id if outcome.published
                     else item.reason or "by an identical run in the same second")
            typer.echo(f"{item.platform}: published {item.id}{note}: {where}")
        else:
            failed += 1
            why = item.reason or item.last_error or "no reason recorded"
            typer.echo(f"{item.platform}: {item.status} {item.id} ({why})")
    if failed:
        return EXIT_PROBLEMS
    return EXIT_WAITING if waiting else EXIT_OK
