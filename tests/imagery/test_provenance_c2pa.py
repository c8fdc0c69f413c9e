"""C2PA signing with a throwaway CA, and reading every disclosure layer back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image
from typer.testing import CliRunner

from influencer.cli import app
from influencer.config import BUILTIN_SPECS, Workspace
from influencer.imagery import SourceImage, render_image, verify_image
from influencer.imagery.xmp import PNG_XMP_KEY, parse_xmp
from tests.imagery.imagery_helpers import exiftool, photo, save

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def read_manifest(path: Path) -> dict[str, Any]:
    import c2pa

    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
    manifest: dict[str, Any] = store["manifests"][store["active_manifest"]]
    return manifest


def created_actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    actions = [a for assertion in manifest["assertions"]
               if assertion["label"].startswith("c2pa.actions")
               for a in assertion["data"]["actions"]]
    return [a for a in actions if a["action"] == "c2pa.created"]


def test_signed_jpeg_has_created_action_and_keeps_its_xmp(signing_ws: Workspace,
                                                          tmp_path: Path) -> None:
    source = SourceImage.of_file(save(photo(900, 1100), tmp_path / "s.jpg"))
    out = render_image(signing_ws, signing_ws.personas["ava"], source, BUILTIN_SPECS["instagram"])
    assert out.signed and out.size <= BUILTIN_SPECS["instagram"].max_image_bytes
    created = created_actions(read_manifest(out.path))
    assert [a["digitalSourceType"] for a in created] == [AI]
    with Image.open(out.path) as im:
        assert parse_xmp(im.info["xmp"]).digital_source_type == AI
    assert exiftool(out.path, "-XMP-iptcExt:DigitalSourceType")["XMP:DigitalSourceType"] == AI
    report = verify_image(out.path)
    assert report.ai_marked and report.c2pa.present
    assert report.c2pa.digital_source_type == AI and report.c2pa.signer == "Twin signer"


def test_signed_png_keeps_its_itxt_xmp(signing_ws: Workspace, tmp_path: Path) -> None:
    source = SourceImage.of_file(save(Image.new("RGBA", (400, 400), (9, 9, 9, 0)),
                                      tmp_path / "t.png"))
    out = render_image(signing_ws, signing_ws.personas["mei"], source, BUILTIN_SPECS["x"])
    assert out.format == "PNG"
    assert [a["digitalSourceType"] for a in created_actions(read_manifest(out.path))] == [AI]
    with Image.open(out.path) as im:
        assert parse_xmp(im.info[PNG_XMP_KEY]).digital_source_type == AI


def test_unsigned_render_says_no_c2pa_but_is_ai_marked(ws: Workspace, tmp_path: Path) -> None:
    out = render_image(ws, ws.personas["noor"], SourceImage.of_file(
        save(photo(500, 500), tmp_path / "u.jpg")), BUILTIN_SPECS["mastodon"])
    report = verify_image(out.path)
    assert not out.signed and not report.c2pa.present and report.ai_marked
    assert report.xmp is not None and "Noor" in (report.xmp.credit or "")


def test_verify_command_prints_every_layer(signing_ws: Workspace, tmp_path: Path) -> None:
    out = render_image(signing_ws, signing_ws.personas["ava"], SourceImage.of_file(
        save(photo(600, 600), tmp_path / "v.jpg")), BUILTIN_SPECS["bluesky"])
    result = CliRunner().invoke(app, ["images", "verify", str(out.path)])
    assert result.exit_code == 0, result.output
    assert f"XMP DigitalSourceType: {AI}" in result.output
    assert "XMP credit: Ava North, AI digital twin of Ava Nordström" in result.output
    assert "C2PA manifest: present" in result.output and "c2pa.created" in result.output
    assert f"C2PA c2pa.created digitalSourceType: {AI}" in result.output
    assert "visible mark: not detectable by software" in result.output
    as_json = CliRunner().invoke(app, ["images", "verify", "--json", str(out.path)])
    data = json.loads(as_json.output)
    assert data["ai_marked"] and data["c2pa"]["digital_source_type"] == AI


def test_verify_fails_on_an_unmarked_image(tmp_path: Path) -> None:
    plain = save(photo(300, 300), tmp_path / "camera.jpg")
    result = CliRunner().invoke(app, ["images", "verify", str(plain)])
    assert result.exit_code == 1
    assert "XMP DigitalSourceType: none" in result.output
    assert "C2PA manifest: none" in result.output
    assert "no machine-readable AI marking" in result.output
