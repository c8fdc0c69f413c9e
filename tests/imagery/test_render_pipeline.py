"""Rendering for each platform: colour, orientation, cropping, limits, metadata, cache."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageCms

from influencer.config import BUILTIN_SPECS, PlatformSpec, Workspace
from influencer.errors import ImageryError
from influencer.imagery import RenderedImage, SourceImage, render_image, render_post_images
from influencer.imagery.encode import encode_within
from influencer.imagery.xmp import IPTC_EXT, PNG_XMP_KEY, parse_xmp
from tests.imagery.imagery_helpers import exiftool, photo, save

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
INSTAGRAM, X, BLUESKY = BUILTIN_SPECS["instagram"], BUILTIN_SPECS["x"], BUILTIN_SPECS["bluesky"]


def render(ws: Workspace, path: Path, spec: PlatformSpec = INSTAGRAM, **source: Any) -> RenderedImage:
    return render_image(ws, ws.personas["ava"], SourceImage.of_file(path, **source), spec)


def pixel(path: Path, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(path) as im:
        value = im.convert("RGB").getpixel(xy)
        assert isinstance(value, tuple)
        return value


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_cmyk_jpeg_becomes_srgb(ws: Workspace, tmp_path: Path) -> None:
    source = save(Image.new("CMYK", (400, 500), (0, 255, 255, 0)), tmp_path / "cmyk.jpg")
    out = render(ws, source)
    with Image.open(out.path) as im:
        assert (im.format, im.mode) == ("JPEG", "RGB")
        assert "icc_profile" not in im.info
    assert near(pixel(out.path, (200, 250)), (255, 0, 0), 20)


def test_icc_profile_is_applied_then_stripped(ws: Workspace, tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = save(Image.new("RGB", (400, 500), (30, 120, 200)), tmp_path / "tagged.jpg",
                  icc_profile=srgb, quality=95)
    out = render(ws, source)
    with Image.open(out.path) as im:
        assert "icc_profile" not in im.info
    assert near(pixel(out.path, (10, 10)), (30, 120, 200), 6)


def test_sixteen_bit_png_is_scaled_not_clipped(ws: Workspace, tmp_path: Path) -> None:
    values = np.full((500, 400), 32896, dtype=np.uint16)  # 50 % grey in 16 bits
    source = save(Image.fromarray(values), tmp_path / "deep.png")
    with Image.open(source) as im:
        assert im.mode.startswith("I")
    out = render(ws, source)
    assert near(pixel(out.path, (100, 100)), (128, 128, 128), 3)


def test_palette_png_with_transparency(ws: Workspace, tmp_path: Path) -> None:
    im = Image.new("P", (400, 500), 0)
    im.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    im.paste(1, (0, 0, 200, 500))  # left half red, right half transparent (index 0)
    source = save(im, tmp_path / "palette.png", transparency=0)
    flat = render(ws, source, INSTAGRAM)  # JPEG only: flattened onto white
    assert flat.format == "JPEG"
    assert near(pixel(flat.path, (300, 250)), (255, 255, 255), 4)
    assert near(pixel(flat.path, (50, 250)), (200, 30, 30), 20)
    kept = render(ws, source, X)  # PNG allowed: transparency kept
    assert kept.format == "PNG"
    with Image.open(kept.path) as out:
        assert out.mode == "RGBA"
        corner = out.getpixel((300, 250))
        assert isinstance(corner, tuple) and corner[3] == 0


def test_exif_orientation_is_applied(ws: Workspace, tmp_path: Path) -> None:
    stored = Image.new("RGB", (300, 200), (220, 0, 0))
    stored.paste((0, 0, 220), (0, 100, 300, 200))  # stored: red top, blue bottom
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: red on the right, blue on the left
    source = save(stored, tmp_path / "turned.jpg", exif=exif.tobytes(), quality=95)
    out = render(ws, source, X)
    assert (out.width, out.height) == (200, 300)
    assert near(pixel(out.path, (20, 150)), (0, 0, 220), 30)
    assert near(pixel(out.path, (180, 150)), (220, 0, 0), 30)
    assert "Orientation" not in str(exiftool(out.path, "-Orientation"))


def test_all_source_metadata_is_stripped(ws: Workspace, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R5"  # Model
    exif.get_ifd(0x8769)[0xA431] = "SN-0042-SECRET"  # BodySerialNumber
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 19.0, 48.0), 3: "E", 4: (18.0, 4.0, 7.0)})
    original_xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
                    b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
                    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="SecretRetoucher 9"'
                    b'/></rdf:RDF></x:xmpmeta>')
    source = save(photo(800, 1000), tmp_path / "camera.jpg", exif=exif.tobytes(),
                  xmp=original_xmp, comment=b"shot at home", quality=92)
    before = exiftool(source, "-a")
    assert before["EXIF:Make"] == "Canon" and "EXIF:GPSLatitude" in before
    assert before["EXIF:SerialNumber"] == "SN-0042-SECRET"
    out = render(ws, source)
    after = exiftool(out.path, "-a")
    text = str(after)
    for leaked in ("Canon", "EOS R5", "SN-0042", "GPS", "SecretRetoucher", "shot at home"):
        assert leaked not in text, leaked
    assert not [k for k in after if k.startswith(("EXIF:", "ICC", "File:Comment"))]
    assert after["XMP:DigitalSourceType"] == AI


def test_xmp_reads_back_with_pillow_and_exiftool(ws: Workspace, tmp_path: Path) -> None:
    jpeg = render(ws, save(photo(600, 750), tmp_path / "a.jpg"))
    with Image.open(jpeg.path) as im:
        facts = parse_xmp(im.info["xmp"])
    assert facts.digital_source_type == AI
    assert facts.credit == "Ava North, AI digital twin of Ava Nordström"
    assert facts.description and facts.description.startswith("AI-generated image of Ava North")
    tool = exiftool(jpeg.path, "-XMP-iptcExt:DigitalSourceType", "-XMP-photoshop:Credit")
    assert tool["XMP:DigitalSourceType"] == AI
    assert "Ava Nordström" in str(tool["XMP:Credit"])
    png = render(ws, save(Image.new("RGBA", (300, 300), (0, 0, 0, 0)), tmp_path / "b.png"), X)
    assert png.format == "PNG"
    with Image.open(png.path) as im:
        assert IPTC_EXT in im.info[PNG_XMP_KEY]
    assert exiftool(png.path, "-XMP-iptcExt:DigitalSourceType")["XMP:DigitalSourceType"] == AI


@pytest.mark.parametrize("name", sorted(BUILTIN_SPECS))
@pytest.mark.parametrize("shape", [(5000, 1600), (900, 2600)])
def test_each_platform_limits(ws: Workspace, tmp_path: Path, name: str,
                              shape: tuple[int, int]) -> None:
    spec = BUILTIN_SPECS[name]
    out = render(ws, save(photo(*shape, seed=3), tmp_path / "wide.jpg", quality=95), spec)
    assert out.format in spec.formats
    assert out.size <= spec.max_image_bytes
    assert out.width <= spec.max_width
    aspect = out.width / out.height
    if spec.aspect_min is not None:
        assert spec.aspect_max is not None and spec.aspect_min <= aspect <= spec.aspect_max
    else:
        assert abs(aspect - shape[0] / shape[1]) < 0.01  # no crop where any aspect goes
    if shape[0] > spec.max_width:
        assert out.width == spec.max_width


def test_instagram_carousel_shares_one_aspect(ws: Workspace, tmp_path: Path) -> None:
    sources = [SourceImage.of_file(save(photo(w, h, seed=i), tmp_path / f"{i}.jpg"))
               for i, (w, h) in enumerate([(1200, 1500), (2000, 1000), (900, 1800)])]
    rendered = render_post_images(ws, ws.personas["ava"], sources, INSTAGRAM)
    assert len(rendered) == 3
    aspects = {round(r.width / r.height, 2) for r in rendered}
    assert aspects == {0.8}
    assert all(r.width <= INSTAGRAM.max_width and r.format == "JPEG" for r in rendered)
    with pytest.raises(ImageryError, match="at most 4"):
        render_post_images(ws, ws.personas["ava"], sources * 2, X)


def test_byte_limit_steps_quality_down(ws: Workspace, tmp_path: Path) -> None:
    source = save(photo(1600, 2000, seed=5), tmp_path / "grainy.jpg", quality=95)
    free = render(ws, source, BLUESKY)
    tight = dataclasses.replace(BLUESKY, max_image_bytes=int(free.size * 0.6))
    limited = render(ws, source, tight)
    assert limited.size <= tight.max_image_bytes < free.size
    assert (limited.width, limited.height) == (free.width, free.height)
    with Image.open(source) as im:
        encoded = encode_within(im.convert("RGB").resize((free.width, free.height)), tight,
                                b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", "grainy.jpg")
    assert encoded.format == "JPEG" and encoded.quality is not None and encoded.quality < 90


def test_cannot_fit_is_an_error_not_a_silent_failure(ws: Workspace, tmp_path: Path) -> None:
    source = save(photo(1600, 2000, seed=6), tmp_path / "big.jpg")
    tiny = dataclasses.replace(INSTAGRAM, max_image_bytes=3_000)
    with pytest.raises(ImageryError, match=r"big\.jpg: cannot fit .* 3,000 bytes"):
        render(ws, source, tiny)
    assert not list((ws.state_dir / "renders").rglob("*.jpg"))


def test_cache_gives_identical_bytes_in_one_file(ws: Workspace, tmp_path: Path) -> None:
    source = save(photo(1000, 1000, seed=7), tmp_path / "cached.jpg")
    first, second = render(ws, source), render(ws, source)
    assert first == second
    assert first.path.read_bytes() == second.path.read_bytes()
    files = [p for p in (ws.state_dir / "renders").rglob("*") if p.is_file()]
    assert files == [first.path]
    other = render(ws, source, focal=(0.1, 0.5))  # another focal point is another render
    assert other.path != first.path


def test_visible_mark_is_off_by_default_and_drawn_when_asked(ws: Workspace,
                                                             tmp_path: Path) -> None:
    source = save(Image.new("RGB", (1000, 1250), (128, 128, 128)), tmp_path / "grey.jpg")
    plain = render(ws, source)
    assert near(pixel(plain.path, (40, 1210)), (128, 128, 128), 4)
    persona = ws.personas["ava"]
    marked_persona = persona.model_copy(update={"disclosure": persona.disclosure.model_copy(
        update={"mark": persona.disclosure.mark.model_copy(update={"enabled": True})})})
    marked = render_image(ws, marked_persona, SourceImage.of_file(source), INSTAGRAM)
    assert marked.path != plain.path
    with Image.open(marked.path) as im:
        band = np.asarray(im.convert("L"))[1250 - 120:, :400]
    assert band.min() < 60 and band.max() > 200  # dark band with white text in the corner
    mark_height = (np.asarray(Image.open(marked.path).convert("L"))[:, 40:400] > 200).any(axis=1)
    assert mark_height.sum() >= 0.05 * 1000


def test_webp_source_and_png_bytes_are_read(ws: Workspace, tmp_path: Path) -> None:
    source = save(photo(700, 700), tmp_path / "w.webp", quality=90)
    out = render(ws, source, INSTAGRAM)
    assert out.format == "JPEG" and out.width == 700
    assert Image.open(io.BytesIO(out.path.read_bytes())).format == "JPEG"
