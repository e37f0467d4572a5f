"""Video and audio (MP4, MOV, M4A, MP3, FLAC, Ogg Opus, Ogg Vorbis): `seal scrub FILE --out
OUT` against ExifTool, mat2 and ffmpeg (SECURITY.md, issue "Metadata scrubbing, part 1").

Fixtures: media made by ffmpeg from its lavfi test sources, with tags written by ffmpeg
itself, ExifTool (QuickTime Keys, UserData, XMP) and mutagen (ID3v1/v2, APEv2, FLAC
pictures, Vorbis and Opus comments with cover art, iTunes atoms), plus a Vorbis sound from
Debian's sound-theme-freedesktop. No metadata byte is written by hand; only the damaged-file
cases edit structural bytes (sizes, lengths, checksums), and one case relabels a track's
handler code to stand in for a timed-metadata track no Debian tool can write.

The oracle: afterwards ExifTool and mat2 show no place, device, person, software, date, XMP
or picture, none of the planted strings is anywhere in the file's bytes, and the file
decodes without a single error to the same frames (ffmpeg framemd5), duration and streams.
"""
import base64
import hashlib
import json
import random
import re
import struct
import subprocess
from pathlib import Path

import pytest
from mutagen.apev2 import APEv2
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, COMM, ID3, TALB, TIT2, TPE1, TXXX
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from conftest import exiftool_json, mat2_show, require_tool, run, run_seal

DEBIAN_OGA = Path("/usr/share/sounds/freedesktop/stereo/bell.oga")  # sound-theme-freedesktop

PERSON = "Jane Qx Doe"
TITLE = "Dormitory Night Zq"
COMMENT = "planted comment 7731"
ALBUM = "Hidden Album Kv"
MAKE, MODEL, SOFTWARE = "AcmePhone", "AcmeModel X9", "AcmeOS 17.4.1"
LOCATION = "+37.5665+126.9780/"
# Strings that must not survive anywhere in a cleaned file's bytes. "Lavf" is what ffmpeg's
# muxer writes as the encoder tag (its codecs' own marks, "Lavc", live inside the audio and
# video bitstreams, which are copied untouched).
SECRETS = [PERSON, TITLE, COMMENT, ALBUM, MAKE, MODEL, SOFTWARE, "Lavf"]

# ExifTool tags that tell who, where, when or with what; a few structural tags happen to
# match and are allowed below.
IDENTIFYING = re.compile(
    r"GPS|Location|Serial|Owner|Artist|Author|Creator|Software|Encoder|Vendor|Make|Model|Comment|"
    r"Title|Album|Picture|Cover|Lyrics|Copyright|Description|Keyword|XMP|Date|Year|Handler ?Description|"
    r"Compressor ?Name|Performer|Composer", re.I)
STRUCTURAL = {"MediaDataSize", "MediaDataOffset", "HandlerType", "CopyrightFlag"}
# Groups that only hold tags.
TAG_GROUPS = re.compile(r"^(Keys|UserData|ItemList|ID3v1|ID3v2_\d|APE|Lyrics3|XMP.*|Vorbis)$")
CODEC_INFO = {"VorbisVersion", "AudioChannels", "SampleRate", "NominalBitrate", "MaximumBitrate", "MinimumBitrate"}


# ---------------------------------------------------------------- helpers

def ffmpeg(*args):
    require_tool("ffmpeg")
    run("ffmpeg", "-v", "error", "-nostdin", "-y", *args)


def scrub(src: Path, out: Path = None):
    out = out or src.with_name("clean-" + src.name)
    r = run_seal("scrub", src, "--out", out, cwd=src.parent, timeout=120)
    assert r.returncode == 0, f"seal scrub {src.name} exited {r.returncode}:\n{r.stdout}{r.stderr}"
    assert out.exists()
    return out, r


def removed(result) -> list:
    items = []
    for line in result.stdout.splitlines():
        if line.startswith("removed: "):
            items += [part.strip() for part in line.removeprefix("removed: ").split(", ")]
    return items


def lines(result) -> list:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def assert_refused(src: Path, work: Path, what=""):
    out = work / ("refused-" + src.name)
    r = run_seal("scrub", src, "--out", out, cwd=work, timeout=30)
    assert r.returncode == 1, f"{what or src.name}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    assert len(lines(r)) == 1, f"{what or src.name}: expected one line, got {lines(r)}"
    assert not out.exists(), f"{what or src.name}: an output file was written"
    assert not list(work.glob(".refused-*.partial")), f"{what}: a temporary file was left behind"
    return r


def assert_no_secrets(path: Path, secrets=SECRETS, pictures=()):
    data = path.read_bytes()
    for s in secrets:
        for encoded in (s.encode(), s.encode("utf-16-le"), base64.b64encode(s.encode())[:-4]):
            assert encoded not in data, f"{path.name}: {s!r} is still in the file ({encoded!r})"
    for picture in pictures:
        assert picture[200:264] not in data, f"{path.name}: the cover picture is still in the file"


def assert_clean(path: Path, secrets=SECRETS, pictures=()):
    """ExifTool and mat2 show nothing identifying, and no planted string is in the bytes."""
    assert_no_secrets(path, secrets, pictures)
    for key, value in exiftool_json(path).items():
        group, _, tag = key.partition(":")
        if key == "SourceFile" or group in ("System", "ExifTool", "File"):
            continue
        assert not TAG_GROUPS.match(group) or (group == "Vorbis" and (tag in CODEC_INFO or (tag == "Vendor" and not value))), \
            f"{path.name}: {key} = {value!r} remains"
        if tag.endswith("Date"):
            # QuickTime's zero date (1904) is how "no date" is written.
            assert value in ("0000:00:00 00:00:00", ""), f"{path.name}: {key} = {value!r} remains"
            continue
        if tag in STRUCTURAL or (tag == "Vendor" and not value):
            continue
        assert not IDENTIFYING.search(tag), f"{path.name}: {key} = {value!r} remains"
    shown = mat2_show(path)
    for line in shown.splitlines():
        line = line.strip()
        if ":" not in line or line.startswith("[+]"):
            continue
        key, _, value = line.partition(":")
        if "Date" in key:
            assert value.strip() in ("0000:00:00 00:00:00", ""), f"mat2 shows {line!r} in {path.name}"
        elif key.strip() not in STRUCTURAL and not (key.strip() == "Vendor" and not value.strip()):
            assert not IDENTIFYING.search(key), f"mat2 shows {line!r} in {path.name}"


def probe(path: Path) -> dict:
    """Duration and the audio and video streams; a cover picture shows up as a video stream
    marked "attached picture", and is not part of the recording."""
    require_tool("ffprobe")
    r = run("ffprobe", "-v", "error", "-show_entries",
            "format=duration:stream=index,codec_type,codec_name:stream_disposition=attached_pic",
            "-of", "json", path, check=False)
    assert r.returncode == 0 and not r.stderr.strip(), f"ffprobe: {path.name}: {r.stderr}"
    info = json.loads(r.stdout)
    info["streams"] = [s for s in info["streams"] if not s.get("disposition", {}).get("attached_pic")]
    return info


def frames(path: Path) -> list:
    r = run("ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:V?", "-map", "0:a?",
            "-f", "framemd5", "-", check=False)
    assert r.returncode == 0 and not r.stderr.strip(), f"ffmpeg decoding {path.name}: {r.stderr}"
    return [line for line in r.stdout.splitlines() if not line.startswith("#")]


def assert_same_media(original: Path, cleaned: Path):
    """The cleaned file decodes fully, without an error, to the very same frames."""
    r = run("ffmpeg", "-v", "error", "-nostdin", "-i", cleaned, "-map", "0:V?", "-map", "0:a?", "-f", "null", "-",
            check=False)
    assert r.returncode == 0 and not r.stderr.strip(), f"{cleaned.name} does not decode cleanly: {r.stderr}"
    before, after = probe(original), probe(cleaned)
    assert [(s["codec_type"], s["codec_name"]) for s in after["streams"]] == \
           [(s["codec_type"], s["codec_name"]) for s in before["streams"]]
    assert abs(float(after["format"]["duration"]) - float(before["format"]["duration"])) < 0.01
    got, want = frames(cleaned), frames(original)
    assert len(want) > 10 and got == want, f"{cleaned.name}: decoded frames differ from the original's"


def boxes(path: Path) -> list:
    """Top-level ISO boxes as (type, offset, size): an independent reader for layout checks."""
    data, out, at = path.read_bytes(), [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        elif size == 0:
            size = len(data) - at
        out.append((kind.decode("latin-1"), at, size))
        at += size
    return out


def find_boxes(data: bytes, kind: bytes) -> list:
    return [m.start() - 4 for m in re.finditer(re.escape(kind), data)]


def picture_file(work: Path, name="cover.jpg", size="96x96") -> bytes:
    """A real JPEG from ffmpeg, with noise so that it is large and unique."""
    path = work / name
    ffmpeg("-f", "lavfi", "-i", f"nullsrc=s={size},geq=random(1)*255:128:128", "-frames:v", "1", "-q:v", "2", path)
    return path.read_bytes()


def flac_picture(jpeg: bytes) -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.desc, pic.data = 3, "image/jpeg", f"{PERSON} cover", jpeg
    return pic


META = ["-metadata", f"title={TITLE}", "-metadata", f"artist={PERSON}", "-metadata", f"comment={COMMENT}",
        "-metadata", f"album={ALBUM}", "-metadata", f"location={LOCATION}",
        "-metadata", "creation_time=2021-05-06T07:08:09Z"]
VIDEO = ["-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]
SINE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=3"]

# What ExifTool writes on top of ffmpeg's tags: Apple's QuickTime keys (what an iPhone
# writes), UserData make/model and XMP.
EXIFTOOL_VIDEO_TAGS = [
    f"-XMP-dc:Creator={PERSON}", "-Keys:GPSCoordinates=37.5665, 126.978", f"-Keys:Make={MAKE}",
    f"-Keys:Model={MODEL}", f"-Keys:Software={SOFTWARE}", "-Keys:CreationDate=2021:05:06 07:08:09+09:00",
    f"-UserData:Make={MAKE}", f"-UserData:Model={MODEL}", f"-UserData:Author={PERSON}",
]


def exiftool_write(path: Path, *tags):
    require_tool("exiftool")
    run("exiftool", "-q", "-overwrite_original", *tags, path)


# ---------------------------------------------------------------- MP4 / MOV / M4A

@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def phone_mp4(media) -> Path:
    """moov before mdat (+faststart), ffmpeg's mdta keys, then ExifTool's Apple keys and XMP."""
    path = media / "phone.mp4"
    ffmpeg(*VIDEO, *META, "-movflags", "+faststart+use_metadata_tags", path)
    exiftool_write(path, *EXIFTOOL_VIDEO_TAGS)
    return path


def test_mp4_with_moov_first_loses_location_device_dates_and_xmp(phone_mp4, work):
    before = exiftool_json(phone_mp4)
    assert "37 deg" in str(before.get("Keys:GPSCoordinates")) and before.get("UserData:Make") == MAKE
    assert before.get("XMP-dc:Creator") == PERSON and before.get("QuickTime:CreateDate", "").startswith("2021")
    layout = [kind for kind, _, _ in boxes(phone_mp4)]
    assert layout.index("moov") < layout.index("mdat"), layout

    out, r = scrub(phone_mp4, work / "phone.mp4")
    for words in ("GPS location", "recording device make and model", "creation date", "XMP metadata",
                  "artist name", "title", "comment", "encoder software"):
        assert words in removed(r), f"{words!r} not reported: {r.stdout}"
    assert_clean(out)
    assert_same_media(phone_mp4, out)
    # The index shrank and sits before the media, so every chunk offset had to move.
    old = {k: (at, size) for k, at, size in boxes(phone_mp4)}
    new = {k: (at, size) for k, at, size in boxes(out)}
    assert new["mdat"][1] == old["mdat"][1] and new["mdat"][0] < old["mdat"][0]
    assert [k for k, _, _ in boxes(out)] == ["ftyp", "moov", "mdat"]


@pytest.mark.parametrize("brand", ["mp4", "mov"])
def test_moov_after_mdat(media, work, brand):
    """ffmpeg's default layout: mdat first (after a 'wide' or 'free' box), the index last."""
    path = media / f"late.{brand}"
    ffmpeg(*VIDEO, *META, "-f", brand, path)
    layout = [kind for kind, _, _ in boxes(path)]
    assert layout.index("mdat") < layout.index("moov"), layout
    before = exiftool_json(path)
    assert any("GPS" in k for k in before), before
    out, r = scrub(path, work / path.name)
    assert "GPS location" in removed(r) and "title" in removed(r)
    assert_clean(out)
    assert_same_media(path, out)


@pytest.mark.parametrize("flags", ["frag_keyframe+empty_moov", "frag_keyframe+empty_moov+default_base_moof"])
def test_fragmented_mp4_keeps_playing(media, work, flags):
    """Fragments whose track headers carry absolute base offsets must follow the shrunken moov."""
    path = media / f"frag-{flags.count('+')}.mp4"
    ffmpeg(*VIDEO, *META, "-movflags", flags, path)
    data = path.read_bytes()
    tfhd_flags = {struct.unpack(">I", data[at + 8:at + 12])[0] & 0xFFFFFF for at in find_boxes(data, b"tfhd")}
    assert tfhd_flags, "no movie fragments"
    if "default_base_moof" not in flags:
        assert all(f & 1 for f in tfhd_flags), "expected explicit base data offsets"
    out, r = scrub(path, work / path.name)
    assert "title" in removed(r)
    assert_clean(out)
    assert_same_media(path, out)


@pytest.fixture(scope="module")
def tagged_m4a(media):
    path = media / "memo.m4a"
    ffmpeg(*SINE, "-c:a", "aac", path)
    cover = picture_file(media, "m4a-cover.jpg")
    tags = MP4(path)
    tags["\xa9nam"], tags["\xa9ART"], tags["\xa9alb"] = TITLE, PERSON, ALBUM
    tags["\xa9cmt"], tags["\xa9day"], tags["\xa9too"] = COMMENT, "2021-05-06", SOFTWARE
    tags["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    tags["----:com.apple.iTunes:LOCATION"] = [LOCATION.encode()]
    tags.save()
    return path, cover


def test_m4a_voice_memo_loses_itunes_tags_and_cover(tagged_m4a, work):
    path, cover = tagged_m4a
    assert path.read_bytes()[8:12] == b"M4A "
    assert "ItemList:CoverArt" in exiftool_json(path)
    out, r = scrub(path, work / path.name)
    for words in ("cover picture", "album", "artist name", "GPS location", "creation date"):
        assert words in removed(r), f"{words!r} not reported: {r.stdout}"
    assert_clean(out, pictures=[cover])
    assert_same_media(path, out)


def test_timestamps_zeroed_in_version_1_headers_of_smooth_streaming_fragments(media, work):
    """ffmpeg's ISMV writes 64-bit (version 1) tkhd/mdhd and Smooth Streaming 'uuid' boxes
    inside each fragment, which are timing, not metadata, and must stay."""
    path = media / "stream.ismv"
    ffmpeg(*VIDEO, *META, "-f", "ismv", path)
    data = path.read_bytes()
    assert all(data[at + 8] == 1 for at in find_boxes(data, b"tkhd") + find_boxes(data, b"mdhd"))
    out, r = scrub(path, work / path.name)
    assert "creation date" in removed(r)
    assert_clean(out)
    assert_same_media(path, out)


@pytest.mark.parametrize("handler", ["tmcd", "meta"])
def test_timecode_and_timed_metadata_tracks_are_dropped_and_their_samples_zeroed(media, work, handler):
    """A timecode track usually holds the time of day a camera started recording. Phones
    and action cameras record position and sensor data as a timed metadata track (handler
    'meta': Apple's mebx, GoPro's GPMF); no Debian tool writes one, so for that case the
    real ffmpeg timecode track is relabelled: only its handler code changes (a structural
    byte, no metadata). Either way its sample, the start time, must not leave."""
    path = media / f"timecode-{handler}.mov"
    ffmpeg(*VIDEO, "-timecode", "01:02:03:04", "-f", "mov", path)
    data = bytearray(path.read_bytes())
    handlers = [at for at in find_boxes(bytes(data), b"hdlr") if data[at + 16:at + 20] == b"tmcd"]
    assert len(handlers) == 1
    data[handlers[0] + 16:handlers[0] + 20] = handler.encode()
    # The track's only chunk: the last 'stco' (video, sound, then timecode).
    stco = find_boxes(bytes(data), b"stco")[-1]
    sample_at = struct.unpack(">I", data[stco + 16:stco + 20])[0]
    sample = bytes(data[sample_at:sample_at + 4])
    assert int.from_bytes(sample, "big") == ((1 * 60 + 2) * 60 + 3) * 15 + 4
    path.write_bytes(bytes(data))

    assert [s["codec_type"] for s in probe(path)["streams"]] == ["video", "audio", "data"]

    out, r = scrub(path, work / path.name)
    words = "timecode track" if handler == "tmcd" else "timed metadata track"
    assert any(words in item for item in removed(r)), r.stdout
    streams = [s["codec_type"] for s in probe(out)["streams"]]
    assert streams == ["video", "audio"], streams
    assert "TAG:timecode=" not in run("ffprobe", "-v", "error", "-show_format", "-show_streams", out).stdout
    shift = dict((k, at) for k, at, _ in boxes(path))["mdat"] - dict((k, at) for k, at, _ in boxes(out))["mdat"]
    assert out.read_bytes()[sample_at - shift:sample_at - shift + 4] == bytes(4)
    assert frames(out) == frames(path)


# ---------------------------------------------------------------- MP3

@pytest.fixture(scope="module")
def tagged_mp3(media):
    """ID3v2.4 from ffmpeg plus mutagen's cover, comment and user text; ID3v1; APEv2."""
    path = media / "song.mp3"
    ffmpeg(*SINE, "-c:a", "libmp3lame", *META, path)
    cover = picture_file(media, "mp3-cover.jpg")
    tags = ID3(path)
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=cover))
    tags.add(COMM(encoding=1, lang="eng", desc="", text=COMMENT))  # UTF-16
    tags.add(TXXX(encoding=3, desc="LOCATION", text=LOCATION))
    ape = APEv2()
    ape["Artist"], ape["Title"], ape["Album"] = PERSON, TITLE, ALBUM
    ape.save(path)
    tags.save(v1=2)  # also writes an ID3v1 tag at the end, after the APE tag
    data = path.read_bytes()
    assert data.startswith(b"ID3") and data[-128:].startswith(b"TAG") and b"APETAGEX" in data[-200:]
    return path, cover


def test_mp3_loses_id3v2_id3v1_and_ape(tagged_mp3, work):
    path, cover = tagged_mp3
    before = exiftool_json(path)
    assert before.get("ID3v1:Artist") and before.get("APE:Artist") == PERSON and "ID3v2_4:Picture" in before
    out, r = scrub(path, work / path.name)
    for words in ("cover picture", "artist name", "title", "album", "comment", "GPS location", "encoder software"):
        assert words in removed(r), f"{words!r} not reported: {r.stdout}"
    assert "No metadata found" in mat2_show(out)
    assert_clean(out, pictures=[cover])
    assert_same_media(path, out)
    data = out.read_bytes()
    assert data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xfa") and b"TAG" not in data[-128:]


@pytest.mark.parametrize("writer", ["mutagen", "ffmpeg"])
def test_mp3_id3v23(media, work, writer):
    path = media / f"v23-{writer}.mp3"
    if writer == "ffmpeg":
        ffmpeg(*SINE, "-c:a", "libmp3lame", "-id3v2_version", "3", *META, path)
    else:
        ffmpeg(*SINE, "-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0", path)
        tags = ID3()
        tags.add(TIT2(encoding=1, text=TITLE))
        tags.add(TPE1(encoding=0, text=PERSON))
        tags.add(TALB(encoding=0, text=ALBUM))
        tags.save(path, v2_version=3)
    assert path.read_bytes()[:4] == b"ID3\x03"
    out, r = scrub(path, work / path.name)
    assert {"title", "artist name"} <= set(removed(r))
    assert "No metadata found" in mat2_show(out)
    assert_clean(out)
    assert_same_media(path, out)


# ---------------------------------------------------------------- FLAC

@pytest.fixture(scope="module")
def tagged_flac(media):
    path = media / "voice.flac"
    ffmpeg(*SINE, *META, path)
    cover = picture_file(media, "flac-cover.jpg")
    tags = FLAC(path)
    tags["ARTIST"], tags["TITLE"], tags["ALBUM"] = PERSON, TITLE, ALBUM
    tags["COMMENT"], tags["LOCATION"], tags["DATE"] = COMMENT, LOCATION, "2021-05-06"
    tags.add_picture(flac_picture(cover))
    tags.save()
    return path, cover


def flac_blocks(data: bytes) -> list:
    """(type, last, length) of each metadata block: an independent reader."""
    assert data[:4] == b"fLaC"
    at, out = 4, []
    while True:
        head = data[at]
        length = int.from_bytes(data[at + 1:at + 4], "big")
        out.append((head & 0x7F, bool(head & 0x80), length))
        at += 4 + length
        if head & 0x80:
            return out


def test_flac_keeps_streaminfo_and_drops_comments_pictures_padding(tagged_flac, work):
    path, cover = tagged_flac
    assert {4, 6, 1} <= {t for t, _, _ in flac_blocks(path.read_bytes())}
    out, r = scrub(path, work / path.name)
    for words in ("cover picture", "artist name", "title", "album", "comment", "GPS location", "creation date"):
        assert words in removed(r), f"{words!r} not reported: {r.stdout}"
    blocks = flac_blocks(out.read_bytes())
    assert blocks[0][0] == 0 and {t for t, _, _ in blocks} <= {0, 3}
    assert [last for _, last, _ in blocks] == [False] * (len(blocks) - 1) + [True]
    assert "No metadata found" in mat2_show(out)
    assert_clean(out, pictures=[cover])
    assert_same_media(path, out)
    # STREAMINFO's MD5 is of the decoded samples: they must still match it.
    md5 = out.read_bytes()[8 + 18:8 + 34].hex()
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(out), "-f", "s16le", "-"],
                         capture_output=True, timeout=120)
    assert pcm.returncode == 0 and hashlib.md5(pcm.stdout).hexdigest() == md5


def test_flac_behind_an_id3_tag(tagged_flac, media, work):
    """Some taggers put ID3v2 in front of FLAC; the file then looks like MP3 by its first bytes."""
    path = media / "id3.flac"
    path.write_bytes(tagged_flac[0].read_bytes())
    tags = ID3()
    tags.add(TPE1(encoding=3, text=PERSON))
    tags.save(path)
    assert path.read_bytes()[:3] == b"ID3"
    out, r = scrub(path, work / path.name)
    assert out.read_bytes()[:4] == b"fLaC" and "artist name" in removed(r)
    assert_clean(out, pictures=[tagged_flac[1]])
    assert_same_media(tagged_flac[0], out)


# ---------------------------------------------------------------- Ogg

def ogg_pages(data: bytes) -> list:
    """Every page as a dict, checking capture pattern and CRC with Ogg's own CRC-32 (an
    independent implementation: polynomial 0x04C11DB7, unreflected, zero init)."""
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    pages, at = [], 0
    while at < len(data):
        assert data[at:at + 4] == b"OggS", f"no page at {at}"
        nseg = data[at + 26]
        lacing = data[at + 27:at + 27 + nseg]
        end = at + 27 + nseg + sum(lacing)
        page = bytearray(data[at:end])
        want = struct.unpack("<I", page[22:26])[0]
        page[22:26] = b"\0\0\0\0"
        crc = 0
        for b in page:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ b]
        assert crc == want, f"page at {at}: bad CRC"
        pages.append({"flags": data[at + 5], "granule": struct.unpack("<q", data[at + 6:at + 14])[0],
                      "serial": struct.unpack("<I", data[at + 14:at + 18])[0],
                      "seq": struct.unpack("<I", data[at + 18:at + 22])[0], "body": bytes(page[27 + nseg:])})
        at = end
    return pages


def assert_ogg_well_formed(original: Path, cleaned: Path):
    before, after = ogg_pages(original.read_bytes()), ogg_pages(cleaned.read_bytes())
    assert [p["seq"] for p in after] == list(range(len(after))), "page sequence numbers have gaps"
    assert after[0]["flags"] & 2 and after[-1]["flags"] & 4
    assert len({p["serial"] for p in after}) == 1
    # The audio pages are the originals': same granules and bodies, in order.
    audio = lambda pages: [(p["granule"], p["body"]) for p in pages if p["granule"] > 0]
    assert audio(after) == audio(before)


@pytest.fixture(scope="module")
def tagged_opus(media):
    path = media / "voice.opus"
    ffmpeg(*SINE, "-c:a", "libopus", *META, path)
    # A large cover spreads the comment header over many pages, so the page count changes.
    cover = picture_file(media, "opus-cover.jpg", size="320x320")
    tags = OggOpus(path)
    tags["artist"], tags["title"], tags["album"], tags["comment"] = PERSON, TITLE, ALBUM, COMMENT
    tags["metadata_block_picture"] = [base64.b64encode(flac_picture(cover).write()).decode()]
    tags.save()
    return path, cover


def test_opus_comment_header_replaced_and_pages_renumbered(tagged_opus, work):
    path, cover = tagged_opus
    pages = ogg_pages(path.read_bytes())
    header_pages = sum(1 for p in pages if p["granule"] in (0, -1)) - 1
    assert header_pages > 3, "the cover should make the tags span several pages"
    out, r = scrub(path, work / path.name)
    for words in ("cover picture", "artist name", "title", "album", "comment", "encoder software"):
        assert words in removed(r), f"{words!r} not reported: {r.stdout}"
    assert "No metadata found" in mat2_show(out)
    assert_clean(out, pictures=[cover])
    assert_same_media(path, out)
    assert_ogg_well_formed(path, out)
    assert ogg_pages(out.read_bytes())[1]["body"] == b"OpusTags" + bytes(8)


@pytest.mark.parametrize("source", ["ffmpeg", "debian"])
def test_vorbis_comment_header_replaced(media, work, source):
    path = media / f"{source}.ogg"
    if source == "ffmpeg":
        ffmpeg(*SINE, "-c:a", "libvorbis", *META, path)
    else:
        path.write_bytes(DEBIAN_OGA.read_bytes())
    cover = picture_file(media, f"{source}-cover.jpg")
    tags = OggVorbis(path)
    tags["artist"], tags["title"], tags["location"] = PERSON, TITLE, LOCATION
    tags["metadata_block_picture"] = [base64.b64encode(flac_picture(cover).write()).decode()]
    tags.save()
    out, r = scrub(path, work / path.name)
    assert {"cover picture", "artist name", "title", "GPS location", "encoder software"} <= set(removed(r))
    assert "No metadata found" in mat2_show(out)
    assert_clean(out, secrets=SECRETS + ["Xiph.Org"], pictures=[cover])
    assert_same_media(path, out)
    assert_ogg_well_formed(path, out)


def test_ogg_that_is_not_opus_or_vorbis_is_refused(media, work):
    path = media / "flac-in.ogg"
    ffmpeg(*SINE, "-c:a", "flac", "-f", "ogg", *META, path)
    r = assert_refused(path, work)
    assert "Opus" in r.stderr + r.stdout


# ---------------------------------------------------------------- damaged files

def variants(path: Path, work: Path, cuts):
    data = path.read_bytes()
    for name, blob in cuts(data):
        bad = work / f"{name}{path.suffix}"
        bad.write_bytes(blob)
        yield name, bad


def set_u32(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + struct.pack(">I", value) + data[at + 4:]


def test_damaged_mp4_is_refused(phone_mp4, media, work):
    late = media / "late.mp4"
    if not late.exists():
        ffmpeg(*VIDEO, *META, late)

    def cuts(data):
        moov = find_boxes(data, b"moov")[0]
        yield "mp4-cut-in-moov", data[:moov + 200]
        yield "mp4-cut-in-mdat", data[:len(data) - 100]
        yield "mp4-box-past-eof", set_u32(data, moov, len(data))
        yield "mp4-box-smaller-than-header", set_u32(data, moov, 4)
        yield "mp4-stray-tail", data + b"\0\0\0"
        # An absurd 64-bit size on the first box.
        yield "mp4-huge-largesize", struct.pack(">I4sQ", 1, b"ftyp", 1 << 62) + data[16:]
        stco = find_boxes(data, b"stco")[0]
        yield "mp4-stco-count-lies", set_u32(data, stco + 12, 0x7FFFFFFF)
        yield "mp4-chunk-offset-outside", set_u32(data, stco + 16, len(data) + 5)
        # Boxes nested 5000 deep.
        ftyp = data[:boxes(phone_mp4)[0][2]]
        inner = b""
        for _ in range(5000):
            inner = struct.pack(">I4s", 8 + len(inner), b"trak") + inner
        yield "mp4-deep-nesting", ftyp + struct.pack(">I4s", 8 + len(inner), b"moov") + inner

    for name, bad in variants(phone_mp4, work, cuts):
        assert_refused(bad, work, name)
    for name, bad in variants(late, work, lambda d: [("mp4-late-cut", d[:len(d) * 2 // 3])]):
        assert_refused(bad, work, name)


def test_damaged_mp3_flac_ogg_are_refused(tagged_mp3, tagged_flac, tagged_opus, work):
    def mp3_cuts(data):
        yield "mp3-id3-only", data[:60]
        yield "mp3-id3-size-past-eof", data[:6] + bytes([0x7F, 0x7F, 0x7F, 0x7F]) + data[10:]
        yield "mp3-id3-size-not-synchsafe", data[:6] + bytes([0x80, 0, 0, 0]) + data[10:]
        ape = data.rfind(b"APETAGEX")
        yield "mp3-ape-size-lies", data[:ape + 12] + struct.pack("<I", 0x7FFFFFF0) + data[ape + 16:]
        yield "mp3-id3v1-marker-damaged", data[:-128] + b"TAF" + data[-125:]

    def flac_cuts(data):
        yield "flac-cut-in-metadata", data[:300]
        yield "flac-no-streaminfo", data[:4] + bytes([0x84]) + data[5:]
        yield "flac-block-length-lies", data[:4 + 38 + 1] + b"\xff\xff\xf0" + data[4 + 38 + 4:]
        yield "flac-marker-only", data[:4]

    def ogg_cuts(data):
        yield "ogg-cut-mid-page", data[:len(data) - 37]
        yield "ogg-crc-flipped", data[:22] + bytes([data[22] ^ 1]) + data[23:]
        second = data.find(b"OggS", 4)
        yield "ogg-cut-in-tags", data[:second + 500]

    for path, cuts in ((tagged_mp3[0], mp3_cuts), (tagged_flac[0], flac_cuts), (tagged_opus[0], ogg_cuts)):
        for name, bad in variants(path, work, cuts):
            assert_refused(bad, work, name)


@pytest.mark.parametrize("kind", ["mp4", "mp3", "flac", "opus", "m4a"])
def test_random_truncations_and_bit_flips(kind, phone_mp4, tagged_mp3, tagged_flac, tagged_opus, tagged_m4a, work):
    """Never a crash, a hang or a second line; never an output that still holds a secret."""
    path = {"mp4": phone_mp4, "mp3": tagged_mp3[0], "flac": tagged_flac[0], "opus": tagged_opus[0],
            "m4a": tagged_m4a[0]}[kind]
    data = path.read_bytes()
    rng = random.Random(f"seal-media-{kind}")
    # Half the damage lands where the structure is (the first and last few KiB).
    hot = list(range(min(len(data), 8192))) + list(range(max(0, len(data) - 2048), len(data)))
    for i in range(40):
        if i % 2 == 0:
            blob = data[:rng.choice(hot if i % 4 == 0 else range(len(data)))]
        else:
            at = rng.choice(hot if i % 4 == 1 else range(len(data)))
            blob = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]
        bad = work / f"m{i}{path.suffix}"
        bad.write_bytes(blob)
        out = work / f"out{i}{path.suffix}"
        r = run_seal("scrub", bad, "--out", out, cwd=work, timeout=60)
        assert r.returncode in (0, 1), f"mutation {i}: exit {r.returncode}\n{r.stderr}"
        if r.returncode == 1:
            assert len(lines(r)) == 1 and not out.exists(), f"mutation {i}: {lines(r)}"
        else:
            assert_no_secrets(out, [s for s in SECRETS if s != "Lavf"])
        bad.unlink()
