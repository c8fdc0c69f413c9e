"""``influencer check``: every problem in the workspace's files, and everything in them that the
model's consent in force refuses on every day, each at its file and line.

A conflict with the consent does not stop the workspace from loading: the daemon then refuses
the posts concerned (``rights.refusal``) instead of keeping an older configuration that the
model's agent has since narrowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from influencer import rights
from influencer.config import Persona, Schedule, Workspace
from influencer.config.cron import CronExpression
from influencer.config.crosscheck import inside
from influencer.config.settings import SETTINGS_FILE
from influencer.errors import BadImage, ConfigIssue
from influencer.flow import grants
from influencer.flow.grants import Grant

PLACEHOLDER_VOICE = ("Describe the twin's voice in one or two sentences.",
                     "Write a line the twin would really post.")


def problems(ws: Workspace) -> list[ConfigIssue]:
    """The files' problems, then the conflicts with each persona file's grant (the consent in
    force until grants are recorded in the database)."""
    found = list(ws.issues)
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        source = ws.sources[f"persona:{persona.id}"]
        for conflict in rights.account_conflicts(persona.rights, persona.accounts, twin=persona.id):
            found.append(_issue(source.shown, source.line(*conflict.loc), conflict))
    for schedule in sorted(ws.schedules.values(), key=lambda s: s.id):
        owner = ws.personas.get(schedule.persona)
        if owner is None:
            continue
        source = ws.sources[f"schedule:{schedule.id}"]
        for conflict in rights.schedule_conflicts(owner.rights, schedule, twin=owner.id):
            found.append(_issue(source.shown, source.line(*conflict.loc), conflict))
        found += _tags_without_images(ws, owner, schedule)
    return found


def check_warnings(ws: Workspace, today: date,
                   ledger: Mapping[str, Grant] | None = None) -> list[ConfigIssue]:
    """What is allowed but probably not meant: consent that has ended or ends before a schedule
    does, a grant in force that is not the file's, a voice still the template's placeholder.
    ``ledger``: the recorded grants in force, when the database could be read. ``check``
    prints them; they fail nothing."""
    found = []
    in_force = grants.in_force(ws.personas, ledger or {})
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        source = ws.sources[f"persona:{persona.id}"]
        grant = in_force[persona.id]
        recorded = (ledger or {}).get(persona.id)
        if recorded is not None and grant is recorded.rights and recorded.rights != persona.rights:
            found.append(_not_the_file(source.shown, source.line("rights"), recorded))
        elif grant.revoked:
            found.append(ConfigIssue(source.shown, source.line("rights", "revoked"),
                                     "rights.revoked", f"the grant is revoked: nothing of "
                                     f"{persona.id} is drafted or published"))
        elif grant.expires < today:
            found.append(ConfigIssue(source.shown, source.line("rights", "expires"),
                                     "rights.expires", f"the grant expired on {grant.expires}: "
                                     f"nothing of {persona.id} is drafted or published",
                                     "record the renewed contract's dates"))
        elif (grant.expires - today).days <= ws.settings.alerts.rights_warning_days:
            found.append(ConfigIssue(source.shown, source.line("rights", "expires"),
                                     "rights.expires", f"the grant expires on {grant.expires}, in "
                                     f"{(grant.expires - today).days} days: nothing of "
                                     f"{persona.id} is drafted or published after it",
                                     "renew it with the model, or let the schedules end"))
        voice = persona.voice
        if voice.description in PLACEHOLDER_VOICE or set(voice.examples) & set(PLACEHOLDER_VOICE):
            found.append(ConfigIssue(source.shown, source.line("voice"), "voice",
                                     "still the template's placeholder text",
                                     "describe the twin's real voice and give examples in its "
                                     "own words: the captions are written from them"))
    found += _credential_warnings(ws)
    for schedule in sorted(ws.schedules.values(), key=lambda s: s.id):
        found += _rare_crons(ws, schedule, today)
        owner = ws.personas.get(schedule.persona)
        if owner is None or in_force[owner.id].revoked:
            continue
        source = ws.sources[f"schedule:{schedule.id}"]
        expires = in_force[owner.id].expires
        if expires >= today and (schedule.end is None or schedule.end > expires):
            found.append(ConfigIssue(
                source.shown, source.line("end") if schedule.end else source.line("persona"),
                "end", f"runs past {owner.id}'s grant, which expires on {expires}: slots after "
                "it are refused", f"end: {expires}, or record the renewed grant"))
    return found


def _not_the_file(shown: str, line: int, recorded: Grant) -> ConfigIssue:
    """The grant in force was recorded after this file's ``rights`` (a revocation, or a new
    grant made with ``rights grant``): the file's terms are not the ones applied."""
    when = f"version {recorded.version}, by {recorded.recorded_by} on {recorded.recorded_at:%Y-%m-%d}"
    if recorded.rights.revoked:
        return ConfigIssue(shown, line, "rights", f"consent was revoked ({when}: "
                           f"{recorded.reason}); nothing of {recorded.persona} is drafted or "
                           "published, whatever this file says",
                           f"only a new grant restores it: influencer rights grant "
                           f"{recorded.persona} --reason … --as NAME, or a new contract here")
    return ConfigIssue(shown, line, "rights", f"the grant in force is {when} "
                       f"({recorded.source}), not these terms",
                       f"see: influencer rights show {recorded.persona}; copy its terms here")


CRON_SPAN_DAYS = 4 * 366  # every weekday of every date, leap years included, comes up in 4 years


def _rare_crons(ws: Workspace, schedule: Schedule, today: date) -> list[ConfigIssue]:
    """A cron expression that never fires (``0 0 31 2 *``) or less than once a year."""
    source = ws.sources[f"schedule:{schedule.id}"]
    found = []
    for index, text in enumerate(schedule.cron or []):
        cron = CronExpression.parse(text)
        days = sum(1 for n in range(CRON_SPAN_DAYS) if cron.matches_day(today + timedelta(days=n)))
        if days == 0:
            found.append(ConfigIssue(source.shown, source.line("cron", index), "cron",
                                     f"{text!r} never fires (no such day)",
                                     "check the day of month against the month"))
        elif days < 4:
            found.append(ConfigIssue(source.shown, source.line("cron", index), "cron",
                                     f"{text!r} fires {days} time(s) in 4 years",
                                     "is that what you meant?"))
    return found


def _credential_warnings(ws: Workspace) -> list[ConfigIssue]:
    """Secrets written inline, and secrets files inside the workspace (git would commit them)
    or readable by others."""
    found = []
    url = ws.settings.database.url
    if url and not url.startswith(("env:", "file:")) and _url_has_password(url):
        found.append(ConfigIssue(SETTINGS_FILE, _settings_line(ws, ("database", "url")),
                                 "database.url", "holds a password inline",
                                 "write env:NAME or file:PATH#KEY, or leave the password out and "
                                 "let PostgreSQL read it from PGPASSFILE"))
    for shown, line, field, ref in _references(ws):
        if not ref.startswith("file:"):
            continue
        path = Path(ref.removeprefix("file:").partition("#")[0]).expanduser()
        path = path if path.is_absolute() else ws.root / path
        if inside(ws.root, path):
            found.append(ConfigIssue(shown, line, field, f"{ref.partition('#')[0]} is inside the "
                                     "workspace, where git would commit it",
                                     "keep secrets outside it, e.g. ~/.config/influencer/"))
        elif path.is_file() and path.stat().st_mode & 0o077:
            found.append(ConfigIssue(shown, line, field, f"{ref.partition('#')[0]} can be read "
                                     "by other users", f"chmod 600 {path}"))
    return found


def _references(ws: Workspace) -> list[tuple[str, int, str, str]]:
    """Every credential reference: (file, line, field, reference)."""
    refs = []
    for persona in sorted(ws.personas.values(), key=lambda p: p.id):
        source = ws.sources[f"persona:{persona.id}"]
        for platform, account in persona.accounts.items():
            refs.append((source.shown, source.line("accounts", platform, "credentials"),
                         f"accounts.{platform}.credentials", account.credentials))
        if persona.writer.credentials:
            refs.append((source.shown, source.line("writer", "credentials"),
                         "writer.credentials", persona.writer.credentials))
    alerts = ws.settings.alerts
    if alerts.smtp_credentials:
        refs.append((SETTINGS_FILE, _settings_line(ws, ("alerts", "smtp_credentials")),
                     "alerts.smtp_credentials", alerts.smtp_credentials))
    url = ws.settings.database.url
    if url and url.startswith("file:"):
        refs.append((SETTINGS_FILE, _settings_line(ws, ("database", "url")), "database.url", url))
    return refs


def _url_has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return bool(make_url(url).password)
    except ArgumentError:
        return False


def _settings_line(ws: Workspace, loc: tuple[str, ...]) -> int:
    from influencer.config.settings import toml_line

    path = ws.root / SETTINGS_FILE
    return toml_line(path.read_text(encoding="utf-8"), loc) if path.exists() else 1


def _tags_without_images(ws: Workspace, persona: Persona, schedule: Schedule) -> list[ConfigIssue]:
    """A schedule whose tags no image in the twin's folder carries (read from the sidecars,
    so it holds before the first ``images scan``)."""
    from influencer.imagery.library import image_files
    from influencer.imagery.sidecar import load_sidecar

    match = schedule.images.tags
    folder = ws.imagery_dir(persona)
    if not (match.all or match.any) or not folder.is_dir():
        return []
    tags_seen: set[str] = set()
    for image in image_files(folder):
        try:
            sidecar = load_sidecar(image, ws.root)
        except BadImage:
            continue  # images scan reports it
        if not sidecar.do_not_use and match.matches(sidecar.tags):
            return []
        tags_seen.update(sidecar.tags)
    source = ws.sources[f"schedule:{schedule.id}"]
    known = ", ".join(sorted(tags_seen)) or "none: add sidecars with tags"
    return [ConfigIssue(source.shown, source.line("images", "tags"), "images.tags",
                        f"no usable image of {persona.id} is tagged {match}",
                        f"tags in {persona.imagery.folder}: {known}")]


def _issue(shown: str, line: int, conflict: rights.Conflict) -> ConfigIssue:
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in conflict.loc)
    return ConfigIssue(shown, line, field.lstrip("."), conflict.message, conflict.hint)
