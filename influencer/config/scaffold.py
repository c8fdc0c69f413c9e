"""Scaffolding: ``influencer init`` (a whole workspace) and ``influencer personas new`` (a twin).

Every file written is commented field by field, so a new user reads what to change where they
change it. Nothing existing is ever overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from influencer.config.fields import ID_PATTERN
from influencer.config.platforms import known_platforms
from influencer.config.settings import SETTINGS_FILE
from influencer.errors import InfluencerError

HERE = Path(__file__).parent
TEMPLATE = HERE / "persona.yaml.tmpl"
EXAMPLE_ID = "example"
# the example twin's images: (file, coat colour, colour name), each with a sidecar
EXAMPLE_IMAGES = (("example-camel-coat.jpg", "#c49a62", "camel"),
                  ("example-forest-coat.jpg", "#4f6b55", "forest green"),
                  ("example-charcoal-coat.jpg", "#55504b", "charcoal"))
SIDECAR = """\
tags: [coat, studio]
alt: "Illustration of a faceless figure in a long {colour} coat against a plain studio backdrop."
focal: [0.5, 0.3]
do_not_use: false
"""


@dataclass(frozen=True)
class Grant:
    """The model's consent a new persona is made with: nobody's twin is used without it."""

    holder: str
    granted: date
    expires: date
    platforms: tuple[str, ...]
    agency: str | None = None
    contract: str | None = None


def grant_problems(grant: Grant, today: date) -> list[str]:
    problems = []
    if not grant.holder.strip():
        problems.append("--holder: the person who holds the right of usage is empty")
    if grant.expires < grant.granted:
        problems.append(f"--expires {grant.expires} is before --granted {grant.granted}")
    elif grant.expires < today:
        problems.append(f"--expires {grant.expires} has passed: a persona starts with a grant "
                        "in force")
    unknown = [p for p in grant.platforms if p not in known_platforms()]
    if unknown or not grant.platforms:
        problems.append(f"--platforms: {', '.join(unknown) or 'none given'}; choose from "
                        f"{', '.join(sorted(known_platforms()))}")
    return problems


def free_persona_path(root: Path, persona_id: str) -> Path:
    """Where a new persona's file goes; refused for a bad id or a file that exists."""
    if not ID_PATTERN.match(persona_id):
        raise InfluencerError(f"{persona_id!r} is not a valid persona id: use lowercase letters, "
                              "digits, '-' and '_', starting with a letter or digit")
    path = root / "personas" / f"{persona_id}.yaml"
    if path.exists():
        raise InfluencerError(f"{path.relative_to(root)} already exists; not overwriting it")
    return path


def new_persona(root: Path, persona_id: str, *, name: str | None, twin_of: str | None,
                grant: Grant, today: date) -> list[Path]:
    """Create ``personas/ID.yaml`` and ``personas/ID/images/``; refuse to overwrite, and refuse
    a grant that is not complete and in force."""
    path = free_persona_path(root, persona_id)
    problems = grant_problems(grant, today)
    if problems:
        raise InfluencerError("the model's grant is not complete: " + "; ".join(problems))
    images = root / "personas" / persona_id / "images"
    title = persona_id.replace("-", " ").replace("_", " ").title()
    first = grant.platforms[0]
    text = TEMPLATE.read_text(encoding="utf-8").format(
        id=persona_id,
        name=json.dumps(name or f"{title} Twin", ensure_ascii=False),
        twin_of=json.dumps(twin_of or grant.holder, ensure_ascii=False),
        holder=json.dumps(grant.holder, ensure_ascii=False),
        agency=json.dumps(grant.agency, ensure_ascii=False) if grant.agency else "null",
        contract=json.dumps(grant.contract, ensure_ascii=False) if grant.contract else "null",
        granted=grant.granted.isoformat(), expires=grant.expires.isoformat(),
        platforms=", ".join(grant.platforms),
        account=_account_line(persona_id, first),
    )
    images.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [path, images]


def _account_line(persona_id: str, platform: str) -> str:
    env = f"{persona_id.upper().replace('-', '_')}_{platform.upper()}"
    handle = {"x": f'"@{persona_id}_twin"', "instagram": f"{persona_id}.twin",
              "bluesky": f"{persona_id}-twin.bsky.social",
              "mastodon": f'"@{persona_id}@mastodon.example"'}.get(platform, persona_id)
    extra = ', base_url: "https://mastodon.example"' if platform == "mastodon" else ""
    return (f"  {platform}: {{handle: {handle}, credentials: \"env:{env}\", live: false"
            f"{extra}, territories: [EU, US]}}")


def _example_voice(persona: Path) -> None:
    """The example twin speaks: its voice is not the template's placeholder."""
    text = persona.read_text(encoding="utf-8")
    for placeholder, example in EXAMPLE_VOICE:
        text = text.replace(placeholder, example)
    persona.write_text(text, encoding="utf-8")


EXAMPLE_VOICE = (
    ("Describe the twin's voice in one or two sentences.",
     "Calm, precise studio stylist who talks about cut and cloth, never about trends."),
    ("Write a line the twin would really post.", "A coat should fit the day, not the season."),
)


def new_workspace(root: Path, today: date) -> list[Path]:
    """A workspace at ``root``: one commented example twin with a drawn image, its schedule,
    a commented influencer.toml and a .gitignore for the runtime state. Refuses a folder that
    already holds a workspace."""
    root = root.expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise InfluencerError(f"{root} exists and is not a folder")
    taken = [name for name in ("personas", "schedules", SETTINGS_FILE) if (root / name).exists()]
    if taken:
        raise InfluencerError(f"{root} already holds a workspace ({', '.join(taken)}); "
                              "not overwriting it")
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    created = [root / "personas", root / "schedules"]
    example = Grant("Example Model", today, today.replace(year=today.year + 1, day=min(today.day, 28)),
                    ("x",), contract="EXAMPLE-0001")
    persona, images = new_persona(root, EXAMPLE_ID, name="Example Twin", twin_of="Example Model",
                                  grant=example, today=today)
    _example_voice(persona)
    created += [persona, images]
    for name, coat, colour in EXAMPLE_IMAGES:
        image = images / name
        image.write_bytes(draw_example_image(coat))
        image.with_suffix(".yaml").write_text(SIDECAR.format(colour=colour), encoding="utf-8")
        created += [image, image.with_suffix(".yaml")]
    files = {
        root / "schedules" / f"{EXAMPLE_ID}-weekly.yaml": (HERE / "schedule.yaml.tmpl").read_text(
            encoding="utf-8").format(id=f"{EXAMPLE_ID}-weekly", persona=EXAMPLE_ID,
                                     start=today.isoformat()),
        root / SETTINGS_FILE: (HERE / "influencer.toml.tmpl").read_text(encoding="utf-8"),
    }
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        files[gitignore] = (HERE / "gitignore.tmpl").read_text(encoding="utf-8")
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created


def draw_example_image(coat: str, width: int = 1080, height: int = 1350) -> bytes:
    """A faceless fashion croquis in a coat of colour ``coat`` on a studio backdrop, drawn with
    Pillow: no photograph, no real person, the same bytes every time."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    backdrop = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), "#cdbfae"),
                            Image.new("RGB", (width, height), "#efe8de"), backdrop)
    draw = ImageDraw.Draw(image, "RGBA")
    cx, floor = width / 2, height * 0.93
    draw.ellipse((cx - 230, floor - 30, cx + 230, floor + 30), fill="#b9ab99")  # shadow
    draw.polygon([(cx - 70, floor - 420), (cx - 95, floor), (cx - 40, floor),  # legs
                  (cx, floor - 380), (cx + 40, floor), (cx + 95, floor), (cx + 70, floor - 420)],
                 fill="#3a3633")
    draw.polygon([(cx - 120, height * 0.26), (cx + 120, height * 0.26),  # coat
                  (cx + 190, floor - 300), (cx - 190, floor - 300)], fill=coat)
    draw.line([(cx, height * 0.27), (cx, floor - 305)], fill="#00000040", width=6)
    for side in (-1, 1):  # sleeves
        draw.polygon([(cx + side * 110, height * 0.27), (cx + side * 150, height * 0.28),
                      (cx + side * 185, height * 0.55), (cx + side * 140, height * 0.56)],
                     fill="#00000022")
    draw.rectangle((cx - 28, height * 0.20, cx + 28, height * 0.27), fill="#d9b49a")  # neck
    draw.ellipse((cx - 70, height * 0.09, cx + 70, height * 0.22), fill="#d9b49a")  # head
    draw.chord((cx - 78, height * 0.08, cx + 78, height * 0.2), 180, 360, fill="#4a3426")  # hair
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue()
