"""Still images (JPEG, PNG, WebP, HEIC): `seal scrub`, `seal encrypt` and `seal open`
against ExifTool and mat2 (SECURITY.md, issue "Metadata scrubbing, part 1").

Fixtures: base images made with Pillow (or heif-enc for HEIC), metadata written by
ExifTool, real camera photos from Debian's golang-github-rwcarlsen-goexif-dev. The
oracle: after scrubbing, no identifying tag remains (ExifTool and mat2), the pixels
decode identical to the original's, and a turned photo stays turned.
"""
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from conftest import (damaged_copies, exiftool_json, exiftool_value, mat2_metadata, require_tool, run, run_seal,
                      seal_encrypt, seal_open, warnings_of)

ICC = Path("/usr/share/color/icc/ghostscript/srgb.icc")  # libgs-common
GOEXIF = Path("/usr/share/gocode/src/github.com/rwcarlsen/goexif/exif")  # golang-github-rwcarlsen-goexif-dev

# Values distinctive enough to search for in raw bytes, too.
PERSON = "Jane Qx Doe"
SERIAL = "SN-44170923"
TAGS = [
    "-GPSLatitude=51.5012", "-GPSLatitudeRef=N", "-GPSLongitude=0.1246", "-GPSLongitudeRef=W",
    f"-SerialNumber={SERIAL}", "-Make=Acmecam", "-Model=X100Zeta", f"-Artist={PERSON}",
    f"-OwnerName={PERSON}", "-Software=PhoneOS 9.1.7", "-DateTimeOriginal=2024:05:01 10:00:00",
    f"-XMP-dc:Creator={PERSON}",
]
SECRETS = [PERSON, SERIAL, "Acmecam", "X100Zeta", "PhoneOS"]

# ExifTool tag names that identify a person, a device, a place or a time.
IDENTIFYING = re.compile(
    r"GPS|Serial|Owner|Artist|Author|Creator|By-?line|Software|Date|Make|Model|Comment|Copyright|"
    r"Thumbnail|Maker|Description|Title|Keyword|Lens|XMP|IPTC|ICC|Rights|History|Location|City|Country|"
    r"UniqueID|HostComputer|Credit|Source", re.I)
# Groups a clean file may show: the container's own structure and nothing else.
ALLOWED_GROUPS = {
    "jpeg": {"File", "JFIF", "IFD0", "Composite", "Adobe"},
    "png": {"File", "PNG", "IFD0", "Composite"},
    "webp": {"File", "RIFF", "Composite"},
    "heic": {"File", "QuickTime", "Meta", "Composite"},
}


def assert_clean(path: Path, kind: str, orientation=None):
    """ExifTool and mat2 agree that nothing identifying is left."""
    tags = exiftool_json(path)
    for key, value in tags.items():
        group, _, tag = key.partition(":")
        if key == "SourceFile" or group in ("System", "ExifTool"):
            continue
        assert group in ALLOWED_GROUPS[kind], f"{path.name}: {key} = {value!r} remains"
        if group == "IFD0":
            assert tag == "Orientation", f"{path.name}: {key} = {value!r} remains"
        assert not IDENTIFYING.search(tag), f"{path.name}: {key} = {value!r} remains"
    if orientation is not None:
        assert exiftool_value(path, "Orientation") == orientation
    if kind != "webp":  # mat2 0.13.3 does not read WebP
        for key, value in mat2_metadata(path).items():
            assert not IDENTIFYING.search(key), f"{path.name}: mat2 still shows {key}: {value}"
    raw = path.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in raw, f"{path.name} still contains {secret!r}"


def pixels(path: Path):
    """Decoded pixels: Pillow for JPEG/PNG/WebP, heif-convert (libheif) for HEIC."""
    if path.read_bytes()[4:8] == b"ftyp":
        require_tool("heif-convert")
        png = path.with_name(path.name + ".decoded.png")
        run("heif-convert", path, png)
        path = png
    with Image.open(path) as im:
        im.load()
        return im.mode, im.size, im.tobytes()


def scrub(src: Path, out: Path = None, check=True):
    out = out or src.with_name("clean-" + src.name)
    r = run_seal("scrub", src, "--out", out, cwd=src.parent)
    if check:
        assert r.returncode == 0, r.stderr
        assert r.stderr == "", r.stderr
    return r, out


def removed_items(result) -> list:
    return [line.removeprefix("removed: ") for line in result.stdout.splitlines() if line.startswith("removed: ")]


def base_image(path: Path, size=(96, 64)):
    """A picture with detail in every channel, so a pixel mix-up cannot go unnoticed."""
    rnd = random.Random(7)
    im = Image.new("RGB", size)
    im.putdata([((x * 5) % 256, (y * 7) % 256, rnd.randrange(256)) for y in range(size[1]) for x in range(size[0])])
    fmt = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}[path.suffix]
    im.save(path, fmt, **({"quality": 92} if fmt == "JPEG" else {"lossless": True} if fmt == "WEBP" else {}))
    return path


def exiftool_write(path: Path, *tags):
    require_tool("exiftool")
    run("exiftool", "-q", "-overwrite_original", *tags, path)


@pytest.fixture
def tagged_jpeg(work):
    """A JPEG carrying EXIF (GPS, serial, owner, maker/model, dates), XMP, IPTC, a comment,
    an EXIF thumbnail and an ICC profile, all written by ExifTool; Orientation 6."""
    thumb = work / "thumb.jpg"
    Image.open(base_image(work / "thumb-src.jpg", (24, 16))).save(thumb)
    photo = base_image(work / "photo.jpg")
    exiftool_write(photo, *TAGS, f"-IPTC:By-line={PERSON}", "-IPTC:City=Lagos", "-Comment=shift 3 line B",
                   f"-ThumbnailImage<={thumb}", "-Orientation#=6", f"-ICC_Profile<={ICC}")
    tags = exiftool_json(photo)
    # The fixture really has what the test claims it has.
    for key in ("GPS:GPSLatitude", "ExifIFD:SerialNumber", "IFD1:ThumbnailImage", "XMP-dc:Creator",
                "IPTC:By-line", "File:Comment", "ICC_Profile:ProfileDescription"):
        assert key in tags, key
    return photo


def test_jpeg_loses_every_identifying_tag_and_keeps_pixels_and_orientation(tagged_jpeg):
    r, clean = scrub(tagged_jpeg)
    removed = removed_items(r)
    for words in ("GPS position", "camera serial number", "camera make and model", "owner/artist name",
                  "software", "date and time taken", "thumbnail image", "XMP metadata", "IPTC metadata",
                  "comment", "colour profile"):
        assert words in removed, f"{words!r} missing from {removed}"
    assert_clean(clean, "jpeg", orientation=6)
    assert pixels(clean) == pixels(tagged_jpeg)
    # A second pass finds nothing: the output is a fixed point.
    r2, again = scrub(clean)
    assert r2.stdout.strip() == "nothing to remove"
    assert again.read_bytes() == clean.read_bytes()


def test_jpeg_without_rotation_gets_no_exif_at_all(work):
    photo = base_image(work / "upright.jpg")
    exiftool_write(photo, *TAGS, "-Orientation#=1")
    _, clean = scrub(photo)
    assert_clean(clean, "jpeg")
    assert not any(k.startswith("IFD0:") for k in exiftool_json(clean))
    assert pixels(clean) == pixels(photo)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_every_turning_orientation_survives(work, orientation):
    photo = base_image(work / f"o{orientation}.jpg")
    exiftool_write(photo, *TAGS, f"-Orientation#={orientation}")
    _, clean = scrub(photo)
    assert_clean(clean, "jpeg", orientation=orientation)


@pytest.mark.parametrize("sample,expect", [
    ("sample1.jpg", ["camera make and model", "software", "comment", "date and time taken"]),  # Nikon D2H
    ("samples/has-lens-info.jpg", ["GPS position", "camera make and model", "lens make and model", "maker notes"]),  # iPhone 4S
    ("samples/geodegrees_as_string.jpg", ["GPS position", "camera make and model"]),  # HTC One
])
def test_real_camera_photos_from_debian(work, sample, expect):
    src = GOEXIF / sample
    if not src.exists():
        pytest.fail(f"{src} missing: install golang-github-rwcarlsen-goexif-dev")
    photo = work / src.name
    shutil.copy(src, photo)
    before = exiftool_json(photo)
    r, clean = scrub(photo)
    removed = removed_items(r)
    for words in expect:
        assert words in removed, f"{words!r} missing from {removed}"
    turned = exiftool_value(photo, "Orientation")
    assert_clean(clean, "jpeg", orientation=turned if turned not in (None, 1) else None)
    assert pixels(clean) == pixels(photo)
    assert any(k.startswith("GPS:") for k in before) == ("GPS position" in removed)


def test_second_image_after_end_of_image_is_cut(work):
    first = base_image(work / "first.jpg")
    exiftool_write(first, *TAGS)
    second = base_image(work / "second.jpg", (40, 30))
    exiftool_write(second, f"-Artist={PERSON}", "-GPSLatitude=1", "-GPSLatitudeRef=N")
    combined = work / "combined.jpg"
    combined.write_bytes(first.read_bytes() + second.read_bytes())
    r, clean = scrub(combined)
    assert "data after the end of the image" in removed_items(r)
    data = clean.read_bytes()
    assert data.endswith(b"\xff\xd9") and data.count(b"\xff\xd8") == 1
    assert_clean(clean, "jpeg")
    assert pixels(clean) == pixels(first)


def test_type_comes_from_content_not_name(work, tagged_jpeg):
    disguised = work / "holiday.png"
    shutil.copy(tagged_jpeg, disguised)
    r, clean = scrub(disguised, work / "clean.png")
    assert "GPS position" in removed_items(r)
    assert clean.read_bytes()[:3] == b"\xff\xd8\xff"
    assert_clean(clean, "jpeg", orientation=6)
    png = base_image(work / "real.png")
    exiftool_write(png, f"-PNG:Author={PERSON}")
    as_jpg = work / "real.jpg"
    shutil.copy(png, as_jpg)
    r, clean = scrub(as_jpg, work / "clean2.jpg")
    assert "author name" in removed_items(r)
    assert_clean(clean, "png")


def test_png_text_exif_xmp_time_and_profile_are_dropped(work):
    png = base_image(work / "photo.png")
    exiftool_write(png, *TAGS, "-Orientation#=6", f"-ICC_Profile<={ICC}")
    exiftool_write(png, f"-PNG:Author={PERSON}", "-PNG:Comment=shift 3", "-PNG:Software=PhoneOS 9.1.7",
                   "-PNG:ModifyDate=2024:05:01 10:00:00", "-PNG:Copyright=Jane")
    tags = exiftool_json(png)
    for key in ("PNG:Author", "PNG:ModifyDate", "GPS:GPSLatitude", "XMP-dc:Creator", "ICC_Profile:ProfileDescription"):
        assert key in tags, key
    r, clean = scrub(png)
    removed = removed_items(r)
    for words in ("author name", "GPS position", "camera serial number", "XMP metadata", "date and time modified",
                  "colour profile", "comment", "copyright notice"):
        assert words in removed, f"{words!r} missing from {removed}"
    assert_clean(clean, "png", orientation=6)
    assert pixels(clean) == pixels(png)


def test_webp_exif_xmp_and_profile_are_dropped_and_flags_cleared(work):
    webp = base_image(work / "photo.webp")
    exiftool_write(webp, *TAGS, f"-ICC_Profile<={ICC}")
    assert "GPS:GPSLatitude" in exiftool_json(webp)
    r, clean = scrub(webp)
    removed = removed_items(r)
    for words in ("GPS position", "camera serial number", "XMP metadata", "colour profile"):
        assert words in removed
    assert_clean(clean, "webp")
    data = clean.read_bytes()
    assert int.from_bytes(data[4:8], "little") == len(data) - 8, "RIFF size not fixed"
    assert data[12:16] == b"VP8X" and data[20] & (0x20 | 0x08 | 0x04) == 0, "VP8X still announces metadata"
    assert pixels(clean) == pixels(webp)
    require_tool("dwebp")
    run("dwebp", clean, "-o", work / "dwebp.png")


@pytest.fixture
def tagged_heic(work):
    """heif-enc (libheif) output with a thumbnail and an ICC profile, tagged by ExifTool."""
    require_tool("heif-enc")
    src = base_image(work / "src.png")
    with_icc = work / "src-icc.png"
    Image.open(src).save(with_icc, icc_profile=ICC.read_bytes())
    heic = work / "photo.heic"
    run("heif-enc", "-q", "90", "-t", "32", "-o", heic, with_icc)
    exiftool_write(heic, *TAGS)
    info = run("heif-info", heic).stdout
    assert "thumbnail" in info and "color profile: prof" in info, info
    assert "GPS:GPSLatitude" in exiftool_json(heic)
    return heic


def test_heic_exif_xmp_thumbnail_and_profile_items_are_removed(tagged_heic):
    r, clean = scrub(tagged_heic)
    removed = removed_items(r)
    for words in ("GPS position", "camera serial number", "owner/artist name", "XMP metadata",
                  "thumbnail image", "colour profile"):
        assert words in removed, f"{words!r} missing from {removed}"
    assert_clean(clean, "heic")
    info = run("heif-info", clean).stdout
    assert "thumbnail" not in info and "color profile: no" in info, info
    assert pixels(clean) == pixels(tagged_heic)
    r2, again = scrub(clean)
    assert r2.stdout.strip() == "nothing to remove"
    assert pixels(again) == pixels(tagged_heic)


def test_heic_grid_image_with_metadata_in_idat_layout(work):
    """heif-enc stores small images as a grid (descriptor in idat); ExifTool moves the data."""
    require_tool("heif-enc")
    src = base_image(work / "src.png", (64, 48))
    heic = work / "grid.heic"
    run("heif-enc", "-q", "90", "-o", heic, src)
    exiftool_write(heic, *TAGS)
    _, clean = scrub(heic)
    assert_clean(clean, "heic")
    assert pixels(clean) == pixels(heic)


def all_frames(path: Path):
    from PIL import ImageSequence
    with Image.open(path) as im:
        return [(f.mode, f.size, f.tobytes()) for f in ImageSequence.Iterator(im)]


VARIANTS = {
    # name: (file name, how Pillow saves it)
    "progressive JPEG": ("p.jpg", lambda im, p: im.save(p, progressive=True, quality=85)),
    "CMYK JPEG (Adobe marker)": ("c.jpg", lambda im, p: im.convert("CMYK").save(p, quality=90)),
    "JPEG with restart markers": ("r.jpg", lambda im, p: im.save(p, restart_marker_blocks=1, quality=90)),
    "palette PNG with transparency": ("pal.png", lambda im, p: im.convert("P").save(p, transparency=3)),
    "16-bit PNG": ("g16.png", lambda im, p: im.convert("I;16").save(p)),
    "animated PNG": ("a.png", lambda im, p: im.save(p, save_all=True, append_images=[im.rotate(90)], duration=100)),
    "lossy WebP with alpha": ("a.webp", lambda im, p: im.convert("RGBA").save(p, quality=80)),
    "animated WebP": ("an.webp", lambda im, p: im.save(p, save_all=True, append_images=[im.rotate(90)], lossless=True)),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_decoder_relevant_variants_keep_every_pixel(work, variant):
    """Scans, tables, restart markers, transparency and animation frames pass untouched."""
    name, save = VARIANTS[variant]
    im = Image.open(base_image(work / "src.png", (80, 48)))
    path = work / name
    save(im, path)
    exiftool_write(path, f"-Artist={PERSON}", "-GPSLatitude=1.5", "-GPSLatitudeRef=N")
    r, clean = scrub(path)
    assert "GPS position" in removed_items(r) and "owner/artist name" in removed_items(r)
    assert PERSON.encode() not in clean.read_bytes()
    assert all_frames(clean) == all_frames(path)


def test_avif_is_cleaned_like_heic(work):
    require_tool("heif-enc")
    avif = work / "photo.avif"
    run("heif-enc", "-A", "-q", "60", "-o", avif, base_image(work / "src.png"))
    exiftool_write(avif, *TAGS)
    r, clean = scrub(avif)
    assert "GPS position" in removed_items(r)
    assert_clean(clean, "heic")
    assert pixels(clean) == pixels(avif)


def corrupt_cases(work, tagged_jpeg):
    """Structural damage, made by cutting and patching real files (no metadata is forged)."""
    jpeg = tagged_jpeg.read_bytes()
    png = base_image(work / "p.png").read_bytes()
    webp = base_image(work / "w.webp").read_bytes()
    cases = {
        "soi-only.jpg": jpeg[:2],
        "cut-in-header.jpg": jpeg[:300],
        "cut-in-scan.jpg": jpeg[:len(jpeg) - 200],
        "no-eoi.jpg": jpeg[:-2],
        "length-past-end.jpg": jpeg[:4] + b"\xff\xff" + jpeg[6:64],
        "length-too-small.jpg": jpeg[:4] + b"\x00\x01" + jpeg[6:],
        # A damaged marker byte turns the EXIF block into a "frame header" (0xC1).
        "exif-posing-as-frame.jpg": jpeg.replace(b"\xff\xe1", b"\xff\xc1", 1),
        "png-cut.png": png[:len(png) // 2],
        "png-huge-chunk.png": png[:8] + b"\x7f\xff\xff\xf0" + png[12:],
        "png-over-limit.png": png[:8] + b"\xff\xff\xff\xff" + png[12:],
        "webp-riff-too-big.webp": webp[:4] + (len(webp) * 2).to_bytes(4, "little") + webp[8:],
        "webp-chunk-past-end.webp": webp[:16] + b"\xff\xff\xff\x7f" + webp[20:],
    }
    for name, data in cases.items():
        (work / name).write_bytes(data)
    return list(cases)


def test_malformed_files_are_refused_with_one_line_and_no_output(work, tagged_jpeg):
    for name in corrupt_cases(work, tagged_jpeg):
        out = work / f"out-{name}"
        r = run_seal("scrub", work / name, "--out", out, cwd=work, timeout=30)
        assert r.returncode == 1, f"{name}: exit {r.returncode}\n{r.stdout}{r.stderr}"
        assert len(warnings_of(r)) == 1 and r.stderr.startswith("seal: "), f"{name}: {r.stderr!r}"
        assert not out.exists(), name
    assert not list(work.glob(".*partial")), "a temporary file was left behind"


def test_png_that_stops_after_its_image_data_gets_its_end_marker_back(work):
    """Old LibreOffice wrote PNGs without the IEND chunk (Debian's templates hold some)."""
    png = base_image(work / "p.png")
    cut = work / "no-iend.png"
    cut.write_bytes(png.read_bytes()[:-12])
    r, out = scrub(cut)
    assert "missing end-of-image marker (added)" in removed_items(r)
    assert out.read_bytes().endswith(b"IEND\xaeB`\x82")
    assert pixels(out) == pixels(png)


def test_truncated_heic_is_refused(tagged_heic):
    data = tagged_heic.read_bytes()
    for cut in (20, 200, len(data) // 2, len(data) - 1):
        bad = tagged_heic.with_name(f"cut{cut}.heic")
        bad.write_bytes(data[:cut])
        out = bad.with_name(f"out-{bad.name}")
        r = run_seal("scrub", bad, "--out", out, cwd=bad.parent, timeout=30)
        assert r.returncode == 1 and len(warnings_of(r)) == 1, f"{cut}: {r.stderr}"
        assert not out.exists()


def test_goexif_corrupt_samples_never_crash(work):
    """Debian ships EXIF blocks built to crash parsers (loops, huge counts)."""
    for src in sorted((GOEXIF / "corrupt").glob("*.jpg")):
        photo = work / src.name
        shutil.copy(src, photo)
        out = work / f"out-{src.name}"
        r = run_seal("scrub", photo, "--out", out, cwd=work, timeout=30)
        assert r.returncode in (0, 1), f"{src.name}: exit {r.returncode} {r.stderr}"
        if r.returncode == 0:
            assert not any(k.split(":")[0] in ("ExifIFD", "GPS", "IFD1") for k in exiftool_json(out)), src.name
        else:
            assert len(warnings_of(r)) == 1 and not out.exists(), src.name


@pytest.mark.parametrize("kind", ["jpg", "png", "webp", "heic"])
def test_random_truncations_and_bit_flips(work, kind, tagged_jpeg):
    """Never a crash or a hang; when a damaged file is accepted, its output carries none of
    the original's metadata."""
    if kind == "jpg":
        src = tagged_jpeg
    elif kind == "heic":
        require_tool("heif-enc")
        src = work / "f.heic"
        run("heif-enc", "-q", "50", "-t", "16", "-o", src, base_image(work / "h.png", (48, 32)))
        exiftool_write(src, *TAGS)
    else:
        src = base_image(work / f"f.{kind}")
        exiftool_write(src, *TAGS)
    for i, mutated in damaged_copies(src.read_bytes(), f"seal-{kind}"):
        bad = work / f"m{i}.{kind}"
        bad.write_bytes(mutated)
        out = work / f"m{i}-out.{kind}"
        r = run_seal("scrub", bad, "--out", out, cwd=work, timeout=30)
        assert r.returncode in (0, 1), f"mutation {i}: exit {r.returncode} {r.stderr}"
        if r.returncode == 0:
            raw = out.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in raw, f"mutation {i}: {secret} survived"
        else:
            assert not out.exists() and len(warnings_of(r)) == 1, f"mutation {i}: {r.stderr}"


def test_scrub_refuses_to_overwrite_and_unsupported_formats(work, tagged_jpeg):
    existing = work / "exists.jpg"
    existing.write_bytes(b"keep me")
    r = run_seal("scrub", tagged_jpeg, "--out", existing, cwd=work)
    assert r.returncode == 1 and "already exists" in r.stderr and len(warnings_of(r)) == 1
    assert existing.read_bytes() == b"keep me"
    gif = work / "anim.gif"
    Image.open(tagged_jpeg).save(gif)
    r = run_seal("scrub", gif, "--out", work / "out.gif", cwd=work)
    assert r.returncode == 1 and len(warnings_of(r)) == 1 and "image/gif" in r.stderr
    assert not (work / "out.gif").exists()


def test_encrypt_scrubs_and_open_shows_no_gps(world, tagged_jpeg, tmp_path, monkeypatch):
    d = world["dir"]
    shutil.copy(tagged_jpeg, d / "photo.jpg")
    original = (d / "photo.jpg").read_bytes()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    r = seal_encrypt(world, "--message", "payslip photo", "--attach", "photo.jpg")
    assert r.returncode == 0, r.stderr
    lines = warnings_of(r)
    assert len(lines) == 1 and lines[0].startswith("photo.jpg: removed ") and "GPS position" in lines[0], r.stderr
    assert list(scratch.iterdir()) == [], "the private work folder was not removed"
    assert (d / "photo.jpg").read_bytes() == original, "the source's own file was changed"

    opened, folder = seal_open(world)
    assert opened.stderr == "", opened.stderr
    attachment = folder / "attachments" / "photo.jpg"
    assert_clean(attachment, "jpeg", orientation=6)
    assert not any(k.startswith("GPS:") for k in exiftool_json(attachment))
    assert not (folder / "attachments" / "photo.jpg.WARNING.txt").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    scrubbed = {s["name"]: s["removed"] for s in manifest["scrubbed"]}
    assert "GPS position" in scrubbed["photo.jpg"] and "camera serial number" in scrubbed["photo.jpg"]
    assert "unscrubbed" not in manifest or "photo.jpg" not in manifest["unscrubbed"]
    assert manifest["files"][0]["type"] == "image/jpeg"


def test_open_warns_beside_a_photo_sent_unscrubbed(world, tagged_jpeg):
    d = world["dir"]
    shutil.copy(tagged_jpeg, d / "photo.jpg")
    gif = d / "scan.gif"
    Image.open(tagged_jpeg).save(gif)
    r = seal_encrypt(world, "--attach", "photo.jpg", "--allow-unscrubbed", "photo.jpg",
                     "--attach", "scan.gif", "--allow-unscrubbed", "scan.gif")
    assert r.returncode == 0, r.stderr
    opened, folder = seal_open(world)
    lines = warnings_of(opened)
    assert len(lines) == 2, opened.stderr
    photo_line = next(line for line in lines if "photo.jpg" in line)
    assert photo_line.startswith("warning: ") and "GPS position" in photo_line and "WITHOUT metadata removal" in photo_line
    warning = (folder / "attachments" / "photo.jpg.WARNING.txt").read_text()
    for words in ("GPS position", "camera serial number", "owner/artist name", "thumbnail image"):
        assert words in warning, warning
    assert (folder / "attachments" / "photo.jpg").read_bytes() == tagged_jpeg.read_bytes()
    gif_warning = (folder / "attachments" / "scan.gif.WARNING.txt").read_text()
    assert "could not be checked" in gif_warning
    # Opening again changes nothing and still warns.
    again = run_seal("open", "--key", world["key"], "--out", "opened", "r.seal", cwd=d, check=True)
    assert len(warnings_of(again)) == 2


def test_a_sent_file_cannot_pose_as_the_warning(world, tagged_jpeg):
    d = world["dir"]
    shutil.copy(tagged_jpeg, d / "photo.jpg")
    (d / "photo.jpg.WARNING.txt").write_text("This file is clean.\n")
    r = seal_encrypt(world, "--attach", "photo.jpg", "--allow-unscrubbed", "photo.jpg",
                     "--attach", "photo.jpg.WARNING.txt")
    assert r.returncode == 0, r.stderr
    _, folder = seal_open(world)
    assert "GPS position" in (folder / "attachments" / "photo.jpg.WARNING.txt").read_text()


def test_encrypt_refuses_a_damaged_photo_and_writes_nothing(world, tagged_jpeg):
    d = world["dir"]
    (d / "broken.jpg").write_bytes(tagged_jpeg.read_bytes()[:500])
    r = seal_encrypt(world, "--attach", "broken.jpg")
    assert r.returncode == 1 and len(warnings_of(r)) == 1, r.stderr
    assert "broken.jpg" in r.stderr and "--allow-unscrubbed" in r.stderr
    assert not (d / "r.seal").exists()
