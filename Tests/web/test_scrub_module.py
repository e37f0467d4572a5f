"""The page's structural scrubbers (JPEG, PNG, WebP) on files written by real tools, judged
by ExifTool, as Tests/scrub judges the CLI's scrubbers (SECURITY.md)."""
import base64
import json
import shutil

import pytest
from PIL import Image

from webtest import browser, browser_name, world  # noqa: F401  (fixtures)
from webtest import load_module, make_driver, require_tool, run

SCRUB = """
  const [b64] = args;
  const r = S.scrub(C.fromB64url(b64));
  if (!r) return null;
  const out = C.concat(...r.parts);
  return { type: r.type, removed: r.removed, bytes: C.b64url(out) };
"""


@pytest.fixture(scope="module")
def page(world, browser_name):
    driver = make_driver(world, browser=browser_name)
    yield driver
    driver.quit()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def scrub(page, world, path, tmp_path):
    out = load_module(page, world, SCRUB, b64(path.read_bytes()))
    if out is None or "error" in out:
        return out, None
    cleaned = tmp_path / ("clean-" + path.name)
    cleaned.write_bytes(base64.urlsafe_b64decode(out["bytes"] + "=" * (-len(out["bytes"]) % 4)))
    return out, cleaned


def tags(path) -> dict:
    require_tool("exiftool")
    return json.loads(run("exiftool", "-a", "-G1", "-j", path).stdout)[0]


def identifying(t: dict) -> list:
    groups = ("IFD0", "ExifIFD", "GPS", "IFD1", "XMP-", "IPTC", "ICC", "PNG", "Photoshop", "MakerNotes")
    harmless = {"PNG:ImageWidth", "PNG:ImageHeight", "PNG:BitDepth", "PNG:ColorType", "PNG:Compression", "PNG:Filter",
                "PNG:Interlace"}
    return [k for k in t if k.split(":")[0].startswith(groups) and k not in harmless and k != "IFD0:Orientation"]


def exiftool_write(path, *assignments):
    run("exiftool", "-overwrite_original", *assignments, path)


def test_jpeg_keeps_a_turning_orientation_and_nothing_else(page, world, tmp_path):
    photo = tmp_path / "turned.jpg"
    Image.new("RGB", (32, 16), (90, 10, 10)).save(photo)
    exiftool_write(photo, "-Orientation#=6", "-Make=SpyCam", "-SerialNumber=SN-1234", "-GPSLatitude=40.1",
                   "-GPSLatitudeRef=N", "-XMP:Creator=Kim", "-IPTC:By-line=Kim", "-Comment=dorm 3")
    before = tags(photo)
    assert "GPS:GPSLatitude" in before and "XMP-dc:Creator" in before and "IPTC:By-line" in before
    out, cleaned = scrub(page, world, photo, tmp_path)
    after = tags(cleaned)
    assert identifying(after) == [], identifying(after)
    assert after.get("IFD0:Orientation") == "Rotate 90 CW"
    assert not any(k.endswith(":Comment") for k in after)
    assert {"gps", "camera", "serial", "xmp", "iptc", "comment"} <= set(out["removed"])
    assert Image.open(cleaned).tobytes() == Image.open(photo).tobytes()


def test_jpeg_trailing_data_after_the_image_is_dropped(page, world, tmp_path):
    photo = tmp_path / "trailer.jpg"
    Image.new("RGB", (16, 16), (1, 2, 3)).save(photo)
    photo.write_bytes(photo.read_bytes() + b"SECOND-IMAGE-WITH-GPS")
    out, cleaned = scrub(page, world, photo, tmp_path)
    assert b"SECOND-IMAGE" not in cleaned.read_bytes()
    assert "trailing" in out["removed"]


def test_png_text_time_and_exif_are_removed_orientation_kept(page, world, tmp_path):
    from PIL import PngImagePlugin
    photo = tmp_path / "screen.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Kim Chol")
    info.add_itxt("Comment", "기숙사 3동", lang="ko")
    exif = Image.Exif()
    exif[0x0112] = 8
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (20, 10), (5, 6, 7)).save(photo, pnginfo=info, exif=exif.tobytes())
    exiftool_write(photo, "-PNG:CreationTime=2026:03:01 10:00:00", "-XMP:Creator=Kim")
    before = tags(photo)
    assert "PNG:Author" in before and "IFD0:Make" in before
    out, cleaned = scrub(page, world, photo, tmp_path)
    after = tags(cleaned)
    assert identifying(after) == [], identifying(after)
    assert after.get("IFD0:Orientation") == "Rotate 270 CW"
    assert Image.open(cleaned).tobytes() == Image.open(photo).tobytes()


def test_webp_exif_xmp_and_icc_are_removed_and_flags_cleared(page, world, tmp_path):
    photo = tmp_path / "photo.webp"
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (40.0, 1.0, 2.0)}
    Image.new("RGB", (24, 24), (7, 8, 9)).save(photo, exif=exif.tobytes(), xmp=b"<x:xmpmeta><dc:creator>Kim</dc:creator></x:xmpmeta>")
    before = tags(photo)
    assert any(k.startswith("GPS:") for k in before) and any(k.startswith("XMP") for k in before)
    out, cleaned = scrub(page, world, photo, tmp_path)
    after = tags(cleaned)
    assert [k for k in after if k.split(":")[0] in ("IFD0", "GPS", "ExifIFD") or k.startswith("XMP")] == []
    im = Image.open(cleaned)
    assert im.tobytes() == Image.open(photo).tobytes()
    if shutil.which("dwebp"):
        run("dwebp", cleaned, "-o", tmp_path / "decoded.png")


def test_non_image_is_not_claimed_as_cleaned(page, world, tmp_path):
    doc = tmp_path / "contract.pdf"
    doc.write_bytes(b"%PDF-1.4\n1 0 obj << /Author (Kim) >> endobj\n")
    out, _ = scrub(page, world, doc, tmp_path)
    assert out is None


def test_damaged_jpeg_is_refused_not_passed_through(page, world, tmp_path):
    photo = tmp_path / "cut.jpg"
    Image.new("RGB", (16, 16)).save(photo)
    photo.write_bytes(photo.read_bytes()[:200])
    out, _ = scrub(page, world, photo, tmp_path)
    assert out == {"error": "malformed"}
