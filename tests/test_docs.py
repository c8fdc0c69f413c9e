"""The documentation is generated from, and checked against, the real commands."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("cli_reference", REPO / "scripts/cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == module.render(), (
        "docs/cli.md is stale: run .venv/bin/python scripts/cli_reference.py")


def test_readme_documents_exit_codes_as_the_cli_defines_them() -> None:
    from influencer import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in (cli.EXIT_OK, cli.EXIT_PROBLEMS, cli.EXIT_USAGE, cli.EXIT_UNAVAILABLE):
        assert re.search(rf"^\| `{code}` \|", readme, re.MULTILINE), f"exit code {code} undocumented"


def test_readme_names_every_top_level_command() -> None:
    import typer.main

    from influencer.cli import app

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert f"influencer {name}" in readme, f"README does not mention `influencer {name}`"
