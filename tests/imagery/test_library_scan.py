"""Scanning a twin's imagery folder into the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from influencer.cli import app
from influencer.config import Workspace
from influencer.errors import ImageryError
from influencer.imagery import list_images, scan_library
from influencer.store.models import ImageAsset
from tests.imagery.imagery_helpers import CountingHasher, bomb_png, photo, save, sidecar


def rows(engine: Engine, persona: str = "ava") -> dict[str, ImageAsset]:
    with Session(engine) as session:
        found = session.exec(select(ImageAsset).where(ImageAsset.persona == persona)).all()
    return {Path(r.path).name: r for r in found}


def folder(ws: Workspace, persona: str = "ava") -> Path:
    return ws.imagery_dir(ws.personas[persona])


def test_scan_records_hash_size_dimensions_phash_and_sidecar(ws: Workspace,
                                                             engine: Engine) -> None:
    image = save(photo(640, 480), folder(ws) / "nested" / "walk.jpg", quality=90)
    sidecar(image, "tags: [Autumn, knitwear]\nalt: A walk.\nfocal: [0.25, 0.75]\n")
    [report] = scan_library(ws, engine, "ava")
    assert report.added == ["personas/ava/images/nested/walk.jpg"] and not report.skipped
    row = rows(engine)["walk.jpg"]
    assert (row.width, row.height, row.format, row.size) == (640, 480, "JPEG",
                                                             image.stat().st_size)
    assert len(row.sha256) == 64 and row.phash and len(row.phash) == 16
    assert row.tags == ["autumn", "knitwear"] and row.alt_text == "A walk."
    assert (row.focal_x, row.focal_y) == (0.25, 0.75) and not row.do_not_use


def test_rescan_is_incremental(ws: Workspace, engine: Engine) -> None:
    names = ["a.jpg", "b.png", "c.webp"]
    for index, name in enumerate(names):
        save(photo(300, 200, seed=index), folder(ws) / name)
    hasher = CountingHasher()
    [first] = scan_library(ws, engine, "ava", hasher=hasher)
    assert sorted(Path(p).name for p in first.added) == names and len(hasher.paths) == 3

    [second] = scan_library(ws, engine, "ava", hasher=hasher)
    assert len(second.unchanged) == 3 and not second.added and not second.changed
    assert len(hasher.paths) == 3  # nothing was read again

    save(photo(300, 200, seed=9), folder(ws) / "a.jpg")
    os.utime(folder(ws) / "a.jpg", ns=(1_700_000_000_000_000_000,) * 2)
    (folder(ws) / "b.png").unlink()
    sidecar(folder(ws) / "c.webp", "tags: [winter]\ndo_not_use: true\n")
    [third] = scan_library(ws, engine, "ava", hasher=hasher)
    assert [Path(p).name for p in third.changed] == ["a.jpg"]
    assert [Path(p).name for p in third.missing] == ["b.png"]
    assert [Path(p).name for p in third.unchanged] == ["c.webp"]
    assert hasher.paths[3:] == ["a.jpg"]  # only the changed file was hashed
    found = rows(engine)
    assert found["b.png"].missing and not found["a.jpg"].missing
    assert found["c.webp"].tags == ["winter"] and found["c.webp"].do_not_use


class RefusingHasher(CountingHasher):
    """Meets the PermissionError the kernel raises for an unreadable file: root reads
    anything, so under root this stands in for chmod 000."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    def __call__(self, path: Path) -> str:
        if path.name == self.refused:
            raise PermissionError(13, "Permission denied", str(path))
        return super().__call__(path)


def unreadable(path: Path) -> tuple[Path, CountingHasher]:
    save(photo(100, 100), path)
    if os.geteuid() != 0:
        path.chmod(0)
        return path, CountingHasher()
    return path, RefusingHasher(path.name)


def test_bad_files_are_reported_and_skipped(ws: Workspace, engine: Engine, tmp_path: Path) -> None:
    images = folder(ws)
    save(photo(200, 200), images / "good.jpg")
    whole = save(photo(400, 300), tmp_path / "whole.jpg").read_bytes()
    (images / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    (images / "empty.png").write_bytes(b"")
    (images / "notes.jpg").write_text("this is not a picture", encoding="utf-8")
    bomb_png(images / "bomb.png")
    frames = [Image.new("RGB", (50, 50), c) for c in ("red", "blue")]
    frames[0].save(images / "blink.gif", save_all=True, append_images=frames[1:])
    frames[0].save(images / "blink.webp", save_all=True, append_images=frames[1:])
    outside = save(photo(100, 100), tmp_path / "elsewhere.jpg")
    (images / "link.jpg").symlink_to(outside)
    (images / "inside.jpg").symlink_to(images / "good.jpg")
    locked, hasher = unreadable(images / "locked.jpg")
    sidecar(save(photo(100, 100), images / "typo.jpg"), "tags: [a]\ndo_not_used: true\n")
    sidecar(save(photo(100, 100), images / "broken.jpg"), "tags: [a\nalt: x\n")
    save(photo(100, 100), images / "binary.jpg")
    (images / "binary.yaml").write_bytes(b"tags: [a]\n\x89PNG\r\n\x1a\n\x00\xff\xfe" * 40)

    [report] = scan_library(ws, engine, "ava", hasher=hasher)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert sorted(Path(p).name for p in report.added) == ["good.jpg", "inside.jpg"]
    assert "cannot decode" in reasons["truncated.jpg"] and "truncated" in reasons["truncated.jpg"]
    assert reasons["empty.png"] == "empty file (0 bytes)"
    assert reasons["notes.jpg"] == "not an image (or in a format that cannot be read)"
    assert reasons["bomb.png"].startswith("too many pixels")
    assert reasons["blink.gif"].startswith("animated image (2 frames)")
    assert reasons["blink.webp"].startswith("animated image (2 frames)")
    assert reasons["link.jpg"].startswith("symlink points outside the imagery folder")
    assert reasons["locked.jpg"] == "cannot read: permission denied"
    assert reasons["typo.jpg"] == ("sidecar personas/ava/images/typo.yaml:2: do_not_used: "
                                   "unknown field (did you mean 'do_not_use'?)")
    assert reasons["broken.jpg"].startswith("sidecar personas/ava/images/broken.yaml:")
    assert reasons["binary.jpg"] == ("sidecar personas/ava/images/binary.yaml:2: file is not UTF-8 "
                                     "(byte 0x89 in column 1) (save it as UTF-8)")
    assert len(reasons) == 11
    assert sorted(rows(engine)) == ["good.jpg", "inside.jpg"]
    locked.chmod(0o644)


def test_a_file_that_turns_bad_is_no_longer_used(ws: Workspace, engine: Engine) -> None:
    image = save(photo(300, 300), folder(ws) / "fine.jpg")
    scan_library(ws, engine, "ava")
    data = image.read_bytes()
    image.write_bytes(data[: len(data) // 3])
    [report] = scan_library(ws, engine, "ava")
    assert [Path(s.path).name for s in report.skipped] == ["fine.jpg"]
    assert rows(engine)["fine.jpg"].missing


def test_every_persona_is_scanned_and_unknown_one_is_an_error(ws: Workspace,
                                                              engine: Engine) -> None:
    save(photo(100, 100), folder(ws, "mei") / "m.jpg")
    reports = scan_library(ws, engine)
    assert [r.persona for r in reports] == sorted(ws.personas)
    assert [len(r.added) for r in reports if r.persona == "mei"] == [1]
    with pytest.raises(ImageryError, match="unknown persona 'zed'"):
        scan_library(ws, engine, "zed")


def test_scan_and_list_commands(ws: Workspace, db_url: str, monkeypatch: pytest.MonkeyPatch,
                                engine: Engine) -> None:
    monkeypatch.setenv("INFLUENCER_DATABASE_URL", db_url)
    save(photo(200, 100), folder(ws) / "ok.jpg")
    sidecar(folder(ws) / "ok.jpg", "tags: [autumn]\n")
    (folder(ws) / "zero.jpg").write_bytes(b"")
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws.root), "images", "scan", "ava"])
    assert result.exit_code == 1, result.output
    assert "ava: 1 added, 0 changed, 0 unchanged, 0 missing, 1 skipped" in result.output
    assert "skipped personas/ava/images/zero.jpg: empty file (0 bytes)" in result.output
    assert "scanning" not in result.output  # no progress bar when not on a terminal
    (folder(ws) / "zero.jpg").unlink()
    again = runner.invoke(app, ["--workspace", str(ws.root), "images", "scan"])
    assert again.exit_code == 0 and "ava: 0 added, 0 changed, 1 unchanged" in again.output
    listed = runner.invoke(app, ["--workspace", str(ws.root), "images", "list", "ava", "--json"])
    assert listed.exit_code == 0, listed.output
    import json

    [entry] = json.loads(listed.output)
    assert entry["tags"] == ["autumn"] and entry["uses"] == 0 and entry["last_used"] is None
    assert [e.path for e in list_images(ws, engine, "ava")] == ["personas/ava/images/ok.jpg"]


def test_a_sidecar_may_be_named_after_the_file_or_its_stem_and_a_stray_one_is_reported(
        ws: Workspace, engine: Engine) -> None:
    base = folder(ws)
    by_file = save(photo(300, 200, seed=1), base / "coat.jpg")
    (base / "coat.jpg.yaml").write_text("tags: [coat]\n", encoding="utf-8")
    by_stem = save(photo(300, 200, seed=2), base / "scarf.png")
    (base / "scarf.yaml").write_text("tags: [scarf]\n", encoding="utf-8")
    (base / "cardigan.yaml").write_text("tags: [knit]\n", encoding="utf-8")  # no such image
    (base / "scraf.png.yaml").write_text("tags: [typo]\n", encoding="utf-8")
    [report] = scan_library(ws, engine, "ava")
    assert rows(engine)[by_file.name].tags == ["coat"]
    assert rows(engine)[by_stem.name].tags == ["scarf"]
    assert [(o.path, o.reason.split(":")[0]) for o in report.orphans] == [
        ("personas/ava/images/cardigan.yaml", "sidecar matches no image"),
        ("personas/ava/images/scraf.png.yaml", "sidecar matches no image (did you mean scarf.png?)")]
    (base / "coat.yaml").write_text("tags: [other]\n", encoding="utf-8")  # now two for one image
    [again] = scan_library(ws, engine, "ava")
    assert [(s.path, s.reason) for s in again.skipped] == [
        ("personas/ava/images/coat.jpg", "two sidecars (coat.jpg.yaml, coat.yaml): keep one")]
    assert "coat.jpg.yaml" not in str(again.orphans) and "coat.yaml" not in str(again.orphans)

    result = CliRunner().invoke(app, ["-w", str(ws.root), "images", "scan", "ava"])
    assert result.exit_code == 1
    assert "personas/ava/images/cardigan.yaml: sidecar matches no image" in result.output
