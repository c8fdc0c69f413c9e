"""Commands about the daemon: run, status, pause, resume, retry, resolve, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from influencer.cli.base import JsonOption, State, app, print_json, table
from influencer.cli.posts import ActorOption, _context
from influencer.errors import InfluencerError

if TYPE_CHECKING:
    from influencer.flow import Context
    from influencer.flow.status import StatusReport

PersonaArgument = Annotated[str | None, typer.Argument(
    metavar="[PERSONA]", help="The persona (default: every persona).")]
PostArgument = Annotated[str, typer.Argument(metavar="ID", help="The post.")]


@app.command()
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Publish to outbox/ only (mode dry); "
                                          "no slot is used and no live status changes.")] = False,
    once: Annotated[bool, typer.Option("--once", help="Do everything due now, then exit "
                                       "(for cron). INFLUENCER_NOW sets its now.")] = False,
    log_format: Annotated[Literal["text", "json"] | None, typer.Option(
        "--log-format", help="text, or json: one object per line (default: [log] format).")] = None,
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", metavar="PORT", help="Serve Prometheus metrics on this port.")] = None,
    metrics_host: Annotated[str, typer.Option(
        "--metrics-host", metavar="ADDR", help="Address the metrics server listens on.")] = "127.0.0.1",
) -> None:
    """The daemon: drafts slots that have no draft by their lead time and publishes approved posts
    at their time, each exactly once, on SIGHUP or file changes re-reading the workspace.
    SIGTERM lets publishes in flight finish and exits 0."""
    from influencer.config import open_workspace
    from influencer.daemon.cycle import Daemon
    from influencer.daemon.logs import configure
    from influencer.daemon.metrics import Metrics
    from influencer.daemon.runner import DaemonRunner, daemon_id, running_clock
    from influencer.flow import Context
    from influencer.store import open_store

    ws = open_workspace(State.workspace)
    configure(log_format or ws.settings.log.format, ws.settings.log.level)
    ctx = Context(ws, open_store(ws.database_url()), running_clock(), daemon_id())
    _say_not_live(ctx, dry_run)
    metrics = None
    if metrics_port is not None:
        metrics = Metrics(ctx)
        metrics.serve(metrics_port, metrics_host)
    runner = DaemonRunner(Daemon(ctx, dry_run, metrics))
    try:
        code = runner.run_once() if once else runner.run()
    finally:
        ctx.engine.dispose()
    raise typer.Exit(code)


def _say_not_live(ctx: Context, dry_run: bool) -> None:
    import logging

    log = logging.getLogger("influencer.daemon")
    if dry_run:
        log.info("dry run: every post goes to %s with mode dry; no slot is used", ctx.ws.outbox_dir)
        return
    for persona in ctx.ws.personas.values():
        for platform, account in persona.accounts.items():
            if not account.live:
                log.info("%s/%s is not live (live: false): its posts go to %s", persona.id, platform,
                         ctx.ws.outbox_dir)


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Next runs per schedule, posts by status, and each daemon's heartbeat and configuration.
    Exit 0 when healthy, 1 when posts are failed, unconfirmed or held, 2 when no daemon has a
    recent heartbeat."""
    from influencer.flow.status import status_report

    with _context() as ctx:
        report = status_report(ctx)
    if as_json:
        print_json(report.as_json())
    else:
        _show_status(report)
    raise typer.Exit(report.exit_code)


def _show_status(report: StatusReport) -> None:
    table("Next runs", ["schedule", "persona", "platform", "next publish (UTC)"],
          [[r["schedule"], r["persona"], r["platform"], (r["next_publish_at"] or "none")[:19]]
           for r in report.next_runs])
    table("Posts", ["status", "count"], [[s, str(n)] for s, n in sorted(report.counts.items())])
    table("Daemons", ["id", "mode", "last seen (UTC)", "state", "configuration"],
          [[d["id"], d["mode"] + (" once" if d["once"] else ""), d["seen_at"][:19],
            "alive" if d["alive"] else ("stopped" if d["stopped_at"] else "silent"),
            ("same files" if d["same_config"] else "DIFFERENT files")
            + (f", {len(d['config_errors'])} errors" if d["config_errors"] else "")]
           for d in report.daemons])
    if report.paused:
        typer.echo("paused: " + ", ".join("everything" if p == "*" else p for p in report.paused))
    if not report.alive:
        typer.echo("no daemon has a recent heartbeat: nothing is publishing")
    elif report.needing_a_person:
        typer.echo(f"{report.needing_a_person} posts need a person: influencer queue")


@app.command()
def pause(persona: PersonaArgument = None, actor: ActorOption = None) -> None:
    """Stop new claims for a persona, or for everything; checked by every daemon at claim time.
    Posts whose slot and grace pass while paused are skipped, not sent late."""
    from influencer.flow.control import pause as stop

    with _context(actor) as ctx:
        done = stop(ctx, persona)
    what = persona or "everything"
    typer.echo(f"paused {what}" if done else f"{what} was already paused")


@app.command()
def resume(persona: PersonaArgument = None, actor: ActorOption = None) -> None:
    """Lift a pause made by `influencer pause` with the same argument."""
    from influencer.flow.control import resume as go

    with _context(actor) as ctx:
        done = go(ctx, persona)
    what = persona or "everything"
    typer.echo(f"resumed {what}" if done else f"{what} was not paused")


@app.command()
def retry(post_id: PostArgument, actor: ActorOption = None) -> None:
    """Send a failed post again: back to approved, with its attempts renewed."""
    from influencer.flow.settle import retry as again

    with _context(actor, "retry") as ctx:
        post = again(ctx, post_id)
    typer.echo(f"{post.id} is approved again; the daemon sends it at its next pass")


@app.command()
def resolve(
    post_id: PostArgument,
    published: Annotated[str | None, typer.Option("--published", metavar="URL",
                                                  help="It was published, here.")] = None,
    not_published: Annotated[bool, typer.Option("--not-published",
                                                help="It was not published: send it again.")] = False,
    actor: ActorOption = None,
) -> None:
    """Settle an unconfirmed post (see `influencer queue --unconfirmed`) after checking the
    platform: it was published at URL, or it was not and is sent again."""
    from influencer.flow.settle import resolve as settle

    if (published is None) == (not not_published):
        raise InfluencerError("say either --published URL or --not-published")
    with _context(actor, "resolve") as ctx:
        post = settle(ctx, post_id, published)
    typer.echo(f"{post.id} is {post.status}")


@app.command()
def delete(post_id: PostArgument, actor: ActorOption = None) -> None:
    """Remove a published post from its platform (or the outbox) through its adapter."""
    from influencer.flow.takedown import delete as remove

    with _context(actor, "delete") as ctx:
        post = remove(ctx, post_id)
    typer.echo(f"{post.id} is {post.status}")
