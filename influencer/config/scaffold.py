"""``influencer personas new ID``: a fully commented persona file and its imagery folder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from influencer.config.fields import ID_PATTERN
from influencer.errors import InfluencerError

TEMPLATE = Path(__file__).with_name("persona.yaml.tmpl")


def new_persona(root: Path, persona_id: str, *, name: str | None, twin_of: str | None,
                today: date) -> list[Path]:
    """Create ``personas/ID.yaml`` and ``personas/ID/images/``; refuse to overwrite."""
    if not ID_PATTERN.match(persona_id):
        raise InfluencerError(f"{persona_id!r} is not a valid persona id: use lowercase letters, "
                              "digits, '-' and '_', starting with a letter or digit")
    path = root / "personas" / f"{persona_id}.yaml"
    if path.exists():
        raise InfluencerError(f"{path.relative_to(root)} already exists; not overwriting it")
    images = root / "personas" / persona_id / "images"
    title = persona_id.replace("-", " ").replace("_", " ").title()
    text = TEMPLATE.read_text(encoding="utf-8").format(
        id=persona_id,
        name=json.dumps(name or f"{title} Twin", ensure_ascii=False),
        twin_of=json.dumps(twin_of or title, ensure_ascii=False),
        granted=today.isoformat(),
        expires=today.replace(year=today.year + 5, day=min(today.day, 28)).isoformat(),
        env=persona_id.upper().replace("-", "_"),
    )
    images.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [path, images]
