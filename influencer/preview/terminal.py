"""The preview and the queue on a terminal, readable at any width, and plain when piped.

- ``plain`` (output piped, or ``--plain``): one tab-separated line per post under a header line,
  every field whole (line breaks in a caption shown as ``⏎``): for ``grep``, ``cut``, ``less``.
- ``blocks`` (a terminal narrower than ``TABLE_WIDTH``): each post as a short block, its head
  line (id, time, twin and platform, status) then the caption and the warnings, wrapped to the
  terminal: readable at 80 columns.
- ``table`` (a wide terminal, or ``--wide`` at any width): one row per post with every column.

Ids are shown short (``SHORT_ID`` characters); every command accepts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from influencer.flow.context import short_id
from influencer.preview.model import PreviewItem

Layout = Literal["plain", "blocks", "table"]
TABLE_WIDTH = 140  # below this a table's caption column gets too narrow to read
STATUS_STYLE = {"approved": "green", "published": "green", "drafted": "yellow", "held": "red",
                "skipped": "red", "failed": "bold red", "unconfirmed": "magenta",
                "publishing": "cyan"}
FLAG_NAMES = {"made_with_ai": "X AI flag", "is_ai_generated": "IG AI flag",
              "paid_partnership": "paid"}
PLAIN_COLUMNS = ("id", "when", "persona", "platform", "status", "caption", "length", "images",
                 "ai_flags", "warnings")


def layout_for(console: Console, piped: bool, wide: bool, plain: bool) -> Layout:
    if plain or (piped and not wide):
        return "plain"
    if wide or console.width >= TABLE_WIDTH:
        return "table"
    return "blocks"


def render(items: Iterable[PreviewItem], console: Console, title: str, layout: Layout) -> None:
    """``items`` in ``layout``; plain lines and blocks are written as the items come (a long
    window in bounded memory), a table once it has them all."""
    if layout == "plain":
        _plain(items, console)
    elif layout == "table":
        _table(list(items), console, title)
    else:
        _blocks(items, console, title)


def _flags(item: PreviewItem) -> str:
    flags = item.post.get("flags") or {}
    shown = [FLAG_NAMES.get(name, name) for name, on in flags.items() if on]
    return ", ".join(shown) or "label only"


def _images(item: PreviewItem) -> str:
    return ", ".join(Path(p).name for p in item.sources) or "—"


def _status(item: PreviewItem) -> str:
    return (item.state or item.status) + (" (stale)" if item.stale else "")


def _one_line(text: str) -> str:
    return " ⏎ ".join(part for part in text.split("\n") if part.strip())


def _length(item: PreviewItem) -> str:
    return f"{item.length}/{item.limit}" if item.limit else ""


def _plain(items: Iterable[PreviewItem], console: Console) -> None:
    def cell(value: str) -> str:
        return value.replace("\t", " ").replace("\n", " ⏎ ")

    console.file.write("\t".join(PLAIN_COLUMNS) + "\n")  # never wrapped, never styled
    for item in items:
        console.file.write("\t".join(cell(v) for v in (
            short_id(item.post["post_id"]), item.post.get("publish_at") or "", item.post["persona"],
            item.post["platform"], _status(item), _one_line(item.post.get("text") or ""),
            _length(item), _images(item), _flags(item), "; ".join(item.warnings))) + "\n")


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells (CJK and emoji take two), broken
    between words, and inside a word only when it is longer than a line (Japanese has none)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while cell_len(word) > width:  # a word longer than a line: as much as fits, then on
            cut = _fitting(word, width - cell_len(line) - 1) if line else 0
            if not cut:
                if line:
                    lines.append(line)
                line, cut = "", max(1, _fitting(word, width))
            line = f"{line} {word[:cut]}" if line else word[:cut]
            word = word[cut:]
            lines.append(line)
            line = ""
        if not word:
            continue
        if line and cell_len(line) + 1 + cell_len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _fitting(word: str, room: int) -> int:
    """How many characters of ``word`` fit in ``room`` cells."""
    used = 0
    for index, char in enumerate(word):
        used += cell_len(char)
        if used > room:
            return index
    return len(word)


def _blocks(items: Iterable[PreviewItem], console: Console, title: str) -> None:
    width = max(40, console.width)
    console.print(Text(title, style="bold"))
    for item in items:
        head = Text()
        head.append(short_id(item.post["post_id"]), style="bold")
        head.append(f"  {item.local_time}  {item.post['persona']}/{item.post['platform']}  ")
        head.append(_status(item), style=STATUS_STYLE.get(item.status, ""))
        console.print()
        console.print(head, overflow="fold")
        caption = _one_line(item.post.get("text") or "(no draft yet)")
        over = item.limit and item.length > item.limit
        body = wrap_cells(f"{caption}  ({_length(item)})" if item.limit else caption,
                          width - 2) or [""]
        for line in body:
            console.print("  " + escape(line), style="red" if over else "", highlight=False)
        console.print(f"  [dim]{escape(_images(item))} · {escape(_flags(item))}[/dim]",
                      highlight=False, overflow="fold")
        for warning in item.warnings:
            for number, line in enumerate(wrap_cells(warning, width - 4)):
                console.print(("  ⚠ " if number == 0 else "    ") + escape(line),
                              style="yellow", highlight=False)


def _table(items: list[PreviewItem], console: Console, title: str) -> None:
    table = Table(title=title, title_justify="left", show_lines=True, header_style="bold")
    for column, ratio in (("id", None), ("when", None), ("persona", None), ("platform", None),
                          ("image", 1), ("caption", 4), ("AI flags", 1), ("status", 1),
                          ("warnings", 2)):
        table.add_column(column, overflow="fold", ratio=ratio,
                         no_wrap=column in ("id", "persona", "platform"))
    for item in items:
        caption = Text(item.post.get("text") or "")
        if item.limit:
            over = item.length > item.limit
            caption.append(f"\n({_length(item)})", style="red" if over else "dim")
        table.add_row(short_id(item.post["post_id"]), item.local_time, item.post["persona"],
                      item.post["platform"], _images(item), caption, _flags(item),
                      Text(_status(item), style=STATUS_STYLE.get(item.status, "")),
                      "\n".join(item.warnings))
    console.print(table)
