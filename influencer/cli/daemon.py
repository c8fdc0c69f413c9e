"""Commands about the daemon: run, status, pause, resume, retry, resolve, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from influencer.cli.base import EXIT_UNAVAILABLE, JsonOption, State, app, print_json, table
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
    import signal

    signal.signal(signal.SIGTERM, _stop_before_start)  # from the first instruction: a stop
    signal.signal(signal.SIGINT, _stop_before_start)  # during start-up claims nothing
    try:
        code = _run(dry_run, once, log_format, metrics_port, metrics_host)
    except StopBeforeStart:
        typer.echo("stopped during start-up: nothing was claimed or sent", err=True)
        code = 0
    raise typer.Exit(code)


class StopBeforeStart(Exception):
    """SIGTERM or SIGINT before the daemon took over its signals: start-up is abandoned."""


def _stop_before_start(signum: int, frame: object) -> None:
    raise StopBeforeStart


def _run(dry_run: bool, once: bool, log_format: Literal["text", "json"] | None,
         metrics_port: int | None, metrics_host: str) -> int:
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
    try:
        _say_not_live(ctx, dry_run)
        metrics = None
        if metrics_port is not None:
            metrics = Metrics(ctx)
            metrics.serve(metrics_port, metrics_host)
        runner = DaemonRunner(Daemon(ctx, dry_run, metrics))
        return runner.run_once() if once else runner.run()  # which take over the signals
    finally:
        ctx.engine.dispose()


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
def status(
    within: Annotated[float | None, typer.Option(
        "--within", metavar="SECONDS", min=1, help="A daemon seen this recently counts as alive "
        "(default: three [daemon] heartbeats; with cron, more than the cron interval).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Next runs per schedule, posts by status, posts that need a person, and each daemon's
    heartbeat and configuration. Exit 0 when healthy, 1 when no daemon has been seen within its
    heartbeat window, 2 when a post failed in the last 24 hours or is unconfirmed, 3 when the
    database is unreachable."""
    from influencer.flow.context import database_unavailable
    from influencer.flow.status import status_report

    try:
        with _context() as ctx:
            report = status_report(ctx, within)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        typer.echo(f"error: the database is unreachable: {_first_line(exc)}", err=True)
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    if as_json:
        print_json(report.as_json())
    else:
        _show_status(report)
    raise typer.Exit(report.exit_code)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _show_status(report: StatusReport) -> None:
    from influencer.flow.context import short_id

    table("Next runs", ["schedule", "persona", "platform", "next publish (UTC)"],
          [[r["schedule"], r["persona"], r["platform"], (r["next_publish_at"] or "none")[:19]]
           for r in report.next_runs])
    counts = dict(report.counts)
    if report.retrying:
        counts["approved"] = counts.get("approved", 0) - report.retrying
        counts["retrying (approved, after an error)"] = report.retrying
    table("Posts", ["status", "count"], [[s, str(n)] for s, n in sorted(counts.items()) if n])
    if report.problems:
        table("Needs a person", ["post", "twin/platform", "status", "since (UTC)", "error", "do"],
              [[short_id(p["post_id"]), f"{p['persona']}/{p['platform']}", p["status"],
                p["since"][:16], p["error"] or "",
                f"influencer {'retry' if p['status'] == 'failed' else 'resolve'} "
                f"{short_id(p['post_id'])} --as NAME"] for p in report.problems])
    once = [d for d in report.daemons if d["once"]]
    shown = [d for d in report.daemons if not d["once"] or d is once[0]]  # the latest --once run
    table("Daemons", ["id", "mode", "last seen (UTC)", "state", "configuration"],
          [[d["id"], d["mode"] + (" once" if d["once"] else ""), d["seen_at"][:19],
            ("seen" if d["once"] else "alive") if d["alive"]
            else ("stopped" if d["stopped_at"] else "silent"),
            ("same files" if d["same_config"] else "DIFFERENT files")
            + (f", {len(d['config_errors'])} errors" if d["config_errors"] else "")]
           for d in shown])
    if len(once) > 1:
        typer.echo(f"(and {len(once) - 1} earlier run --once passes in the last day; --json lists "
                   "them)")
    if report.paused:
        typer.echo("paused: " + ", ".join("everything" if p == "*" else p for p in report.paused))
    if not report.alive:
        typer.echo(f"no daemon seen in the last {report.window:.0f} s: nothing is publishing "
                   "(start one: influencer run)")
    if report.problems:
        many = len(report.problems) != 1
        typer.echo(f"{len(report.problems)} {'posts' if many else 'post'} failed or "
                   f"{'are' if many else 'is'} unconfirmed: see above, or influencer queue")


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
    from influencer.flow.context import short_id
    from influencer.flow.settle import retry as again

    with _context(actor, "retry") as ctx:
        post = again(ctx, post_id)
    typer.echo(f"post {short_id(post.id)} ({post.persona} on {post.platform}) is approved again; "
               "the daemon sends it at its next pass")


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
    from influencer.flow.context import short_id
    from influencer.flow.settle import resolve as settle

    if (published is None) == (not not_published):
        raise InfluencerError("say either --published URL or --not-published")
    with _context(actor, "resolve") as ctx:
        post = settle(ctx, post_id, published)
    typer.echo(f"post {short_id(post.id)} ({post.persona} on {post.platform}) is {post.status}")


@app.command()
def delete(post_id: PostArgument, actor: ActorOption = None) -> None:
    """Remove a published post from its platform (or the outbox) through its adapter."""
    from influencer.flow.context import short_id
    from influencer.flow.takedown import delete as remove

    with _context(actor, "delete") as ctx:
        post = remove(ctx, post_id)
    typer.echo(f"post {short_id(post.id)} ({post.persona} on {post.platform}) is {post.status}")
