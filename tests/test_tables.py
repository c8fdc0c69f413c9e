"""Listings stay readable where they are printed: at 80 columns every value is whole (no
captions folded into 7-character slivers), on a wide terminal a table, and piped one
tab-separated line per row. And ``personas new`` asks for the grant on a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from influencer.config import load_workspace
from influencer.preview.terminal import wrap_cells
from tests.helpers import on_a_terminal, run_cli

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def shown(text: str) -> list[str]:
    return [ANSI.sub("", line) for line in text.splitlines()]


def test_at_80_columns_every_line_fits_and_values_are_whole(workspace: Path) -> None:
    for args in (("personas",), ("schedules",), ("preview", "--days", "2"), ("queue",)):
        code, out = on_a_terminal(workspace, None, *args, columns=80)
        assert code == 0, out
        lines = shown(out)
        assert max(cell_len(line) for line in lines) <= 80, (args, out)  # CJK and emoji: 2 cells
    code, out = on_a_terminal(workspace, None, "personas", columns=80)
    assert "  accounts: x (outbox), instagram (outbox), mastodon (outbox)" in shown(out)
    code, out = on_a_terminal(workspace, None, "preview", "--days", "2", columns=80)
    assert "Layering" in out or "AI-generated" in out
    assert not any(re.fullmatch(r"│ \S{1,7} *│.*", line) for line in shown(out))


def test_a_wide_terminal_gets_a_table(workspace: Path) -> None:
    code, out = on_a_terminal(workspace, None, "personas", columns=220)
    assert code == 0 and "│ ava  │ Ava North" in out and "━━━━┓" in out, out


def test_piped_listings_are_one_tab_separated_line_per_row(workspace: Path) -> None:
    result = run_cli("personas", cwd=workspace)
    lines = result.stdout.splitlines()
    assert lines[0] == "# Personas"
    assert lines[1].split("\t")[:3] == ["id", "name", "twin of"]
    assert [line.split("\t")[0] for line in lines[2:]] == ["ava", "mei", "noor"]


def test_personas_new_asks_for_the_grant_on_a_terminal(workspace: Path) -> None:
    code, out = on_a_terminal(workspace, None, "personas", "new", "lena", "--name", "Lena", answers=[
        (b"right of usage", b"Lena Berg\n"), (b"First day", b"2026-11-01\n"),
        (b"Last day", b"2099-10-31\n"), (b"Platforms", b"instagram, x\n")])
    assert code == 0, out
    assert "created personas/lena.yaml" in out
    grant = load_workspace(workspace).personas["lena"].rights
    assert (grant.holder, str(grant.granted), grant.platforms) == (
        "Lena Berg", "2026-11-01", ["instagram", "x"])


PIECES = ["AI生成", "⏎", "今日のキーワードはautumn", "Colour", "is", "a", "mood", "🖤", "💛",
          "#東京ファッション", "(95/280)", "x" * 50, "Généré", "par", "IA", "#ad", "é" * 3]


@pytest.mark.parametrize("seed", range(40))
def test_wrapping_counts_terminal_cells_and_loses_nothing(seed: int) -> None:
    import random

    chance = random.Random(seed)
    text = " ".join(chance.choice(PIECES) for _ in range(chance.randint(0, 40)))
    width = chance.randint(8, 100)
    lines = wrap_cells(text, width)
    assert all(cell_len(line) <= width for line in lines), (width, lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line == line.strip() and line for line in lines)
