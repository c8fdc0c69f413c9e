"""The layer contract: every import in the package follows the parts table (docs/architecture.md,
from DESIGN.md's "Parts"). Imports inside functions and under TYPE_CHECKING count too: a lazy
import is still an arrow."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "influencer"
PARTS = ("config", "store", "imagery", "captions", "disclosure", "rights", "platforms", "flow",
         "daemon", "preview", "importers", "learning", "web", "cli")
MAY_IMPORT: dict[str, set[str]] = {
    "config": set(),
    "store": {"config"},
    "imagery": {"config", "store"},
    "captions": {"config"},
    "disclosure": {"config", "imagery", "captions"},
    "rights": {"config"},
    "platforms": {"config", "disclosure"},
    "flow": {"config", "store", "imagery", "captions", "disclosure", "rights", "platforms"},
    "daemon": {"flow"},
    "preview": {"flow"},
    "importers": {"config", "store", "captions", "rights"},
    "learning": {"config", "store", "platforms"},
    "web": {"flow", "preview", "rights", "learning"},
    "cli": set(PARTS) - {"cli"},
}
# Importable by every part: the one exception tree, the one clock, the package root (version).
FOUNDATION = {"errors": set(), "clock": {"errors"}, "__init__": set(), "__main__": {"cli"}}


def part_of(module: str) -> str | None:
    """``influencer.flow.plan`` -> ``flow``; ``influencer`` -> ``__init__``; others -> None."""
    names = module.split(".")
    if names[0] != "influencer":
        return None
    return names[1] if len(names) > 1 else "__init__"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        yield (relative.parts[0].removesuffix(".py") if len(relative.parts) == 1 else relative.parts[0]), path


def imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; write influencer.…")


def test_every_module_belongs_to_a_part_of_the_table() -> None:
    strays = [str(path.relative_to(REPO)) for part, path in modules()
              if part not in MAY_IMPORT and part not in FOUNDATION]
    assert strays == [], "modules outside the parts table (move them into a part)"


@pytest.mark.parametrize("part", [*PARTS, *FOUNDATION])
def test_a_part_imports_only_what_the_table_allows(part: str) -> None:
    allowed = MAY_IMPORT.get(part, FOUNDATION.get(part, set())) | {part}
    if part in MAY_IMPORT:
        allowed |= {"errors", "clock", "__init__"}
    wrong = [f"{path.relative_to(REPO)}:{line}: imports {module}"
             for owner, path in modules() if owner == part
             for line, module in imports(path)
             if (target := part_of(module)) is not None and target not in allowed]
    assert wrong == []


def test_the_contract_finds_an_arrow_pointing_back_up(tmp_path: Path) -> None:
    """The checker itself: a lazy import of the CLI from the flow is caught."""
    module = tmp_path / "bad.py"
    module.write_text("def f() -> None:\n    from influencer.cli import app\n", encoding="utf-8")
    assert [(line, part_of(name)) for line, name in imports(module)] == [(2, "cli")]
    assert "cli" not in MAY_IMPORT["flow"]


def test_the_documented_table_is_the_one_tested() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+)(?:/|\.py)` \| [^|]+ \|\s*([^|]*?)\s*\|$", text, re.MULTILINE)
    documented = {name: {p.strip() for p in allowed.split(",") if p.strip()} for name, allowed in rows}
    documented["cli"] = set(PARTS) - {"cli"} if documented.get("cli") == {"everything"} else documented["cli"]
    assert documented == MAY_IMPORT
