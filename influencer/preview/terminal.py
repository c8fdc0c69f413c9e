"""The preview as a terminal table: one row per post, as it will go out."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from influencer.preview.model import PreviewItem

STATUS_STYLE = {"approved": "green", "published": "green", "drafted": "yellow", "held": "red",
                "skipped": "red", "failed": "red", "unconfirmed": "magenta"}
FLAG_NAMES = {"made_with_ai": "X AI flag", "is_ai_generated": "IG AI flag",
              "paid_partnership": "paid"}


def _flags(item: PreviewItem) -> str:
    flags = item.post.get("flags") or {}
    shown = [FLAG_NAMES.get(name, name) for name, on in flags.items() if on]
    return ", ".join(shown) or "label only"


def _caption(item: PreviewItem) -> Text:
    text = Text(item.post.get("text") or "")
    if item.limit:
        over = item.length > item.limit
        text.append(f"\n({item.length}/{item.limit})", style="red" if over else "dim")
    return text


def render_table(items: list[PreviewItem], console: Console, title: str) -> None:
    table = Table(title=title, title_justify="left", show_lines=True, header_style="bold")
    for column in ("when", "persona", "platform", "image", "caption", "AI flags", "status",
                   "warnings"):
        table.add_column(column, overflow="fold")
    for item in items:
        images = ", ".join(Path(p).name for p in item.sources) or "—"
        status = Text(item.status + (" (stale)" if item.stale else ""),
                      style=STATUS_STYLE.get(item.status, ""))
        table.add_row(item.local_time, item.post["persona"], item.post["platform"], images,
                      _caption(item), _flags(item), status, "\n".join(item.warnings))
    console.print(table)
