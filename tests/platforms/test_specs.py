"""The API documents the stand-ins validate against are in the repository and complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.specs import extract


def test_each_committed_subset_is_exactly_its_own_extraction() -> None:
    assert extract.check() == []


@pytest.mark.parametrize("name", sorted(extract.SOURCES))
def test_a_subset_keeps_every_path_the_stand_ins_route(name: str) -> None:
    source = extract.SOURCES[name]
    document = extract.load(extract.HERE / source.subset)
    assert list(document["paths"]) == list(source.paths)
    assert document[extract.EXTRACT_KEY]["sha256"] == source.sha256


def test_an_original_with_another_checksum_is_refused(tmp_path: Path) -> None:
    forged = tmp_path / "openapi.json"
    forged.write_text(json.dumps({"openapi": "3.0.0", "paths": {}}), encoding="utf-8")
    with pytest.raises(SystemExit, match="is not the recorded"):
        extract.from_original("x", forged)


def test_a_dangling_reference_is_not_a_clean_extraction(tmp_path: Path) -> None:
    source = extract.SOURCES["x"]
    document = extract.load(extract.HERE / source.subset)
    schemas = document["components"]["schemas"]
    schemas.pop(sorted(schemas)[0])
    with pytest.raises(KeyError):
        extract.extract(document, source)
