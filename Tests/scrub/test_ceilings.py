"""Resource ceilings a hostile file cannot get past (SECURITY.md, "Fuzzing"): each file is
crafted to make a parser allocate, recurse or loop without end. `seal scrub` must answer
in bounded memory (under 512 MiB peak) without hanging, refusing with one line where the
file is broken; and `seal open` of a report that carries the same file unscrubbed (the
sender's choice) must open it in bounded memory too, since its attachment check reads it."""
import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import SEAL, run_seal, seal_encrypt, warnings_of, world, work  # noqa: F401  (fixtures)
from test_pdf import hand_pdf, peak_rss_kib

CEILING_KIB = 512 << 10


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 65535, 65535, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + png_chunk(b"IEND", b"")


def huge_jpeg() -> bytes:
    sof = struct.pack(">BHHB", 8, 65535, 65535, 1) + bytes([1, 0x11, 0])
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def zip_bomb_docx(inflated: int = 1 << 30) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b"<a>")
            block = b" " * (1 << 20)
            for _ in range(inflated >> 20):
                part.write(block)
            part.write(b"</a>")
    return out.getvalue()


def nested_xml_docx(depth: int = 200_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", b"<?xml version=\"1.0\"?>" + b"<a>" * depth + b"</a>" * depth)
    return out.getvalue()


def self_referencing_object_stream() -> bytes:
    # Object 5 is an object stream that says it extends itself and holds object 5.
    inner = b"5 0 "
    body = inner + b"<< /Type /ObjStm /N 1 /First %d /Extends 5 0 R >>" % len(inner)
    return hand_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
        b"<< /Producer (x) >>",
        b"<< /Type /ObjStm /N 1 /First %d /Extends 5 0 R /Length %d >>\nstream\n" % (len(inner), len(body)) + body + b"\nendstream",
    ])


def mp4_box_of_2_63() -> bytes:
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0, b"isom", b"mp42")
    return ftyp + struct.pack(">I4sQ", 1, b"moov", 1 << 63) + b"\x00" * 64


def ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(payload: bytes, sequence: int, flags: int = 0) -> bytes:
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    header = struct.pack("<4sBBqIII", b"OggS", 0, flags, 0, 0x5EA1, sequence, 0) + bytes([len(segments)] + segments)
    page = header + payload
    return page[:22] + struct.pack("<I", ogg_crc(page)) + page[26:]


def ogg_comment_of_4_gib() -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 1) + struct.pack("<I", 0xFFFFFFFF) + b"A" * 100
    return ogg_page(head, 0, flags=2) + ogg_page(tags, 1) + ogg_page(b"\xf8\xff\xfe", 2, flags=4)


HOSTILE = {
    "zip-bomb.docx": zip_bomb_docx,
    "nested-xml.docx": nested_xml_docx,
    "huge.png": huge_png,
    "huge.jpg": huge_jpeg,
    "objstm-loop.pdf": self_referencing_object_stream,
    "box-2-63.mp4": mp4_box_of_2_63,
    "comment-4-gib.opus": ogg_comment_of_4_gib,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_seal_scrub_answers_a_hostile_file_in_bounded_memory(work, name):
    hostile = work / name
    hostile.write_bytes(HOSTILE[name]())
    out = work / f"clean-{name}"
    r, rss = peak_rss_kib(work, "scrub", hostile, "--out", out, timeout=120)
    print(f"{name}: exit {r.returncode}, peak RSS {rss / 1024:.1f} MiB, {r.stderr.strip()[:120]}")
    assert rss < CEILING_KIB, f"peak RSS {rss} KiB"
    assert r.returncode in (0, 1), r.stderr
    if r.returncode == 1:
        assert len(warnings_of(r)) == 1, r.stderr
        assert not out.exists()


@pytest.mark.parametrize("name", HOSTILE)
def test_seal_open_reads_a_hostile_attachment_in_bounded_memory(world, name):
    d = world["dir"]
    (d / name).write_bytes(HOSTILE[name]())
    sealed = seal_encrypt(world, "--attach", name, "--allow-unscrubbed", name)
    assert sealed.returncode == 0, sealed.stderr
    r, rss = peak_rss_kib(d, "open", "--key", world["key"], "--out", "opened", "r.seal", timeout=120)
    print(f"{name}: exit {r.returncode}, peak RSS {rss / 1024:.1f} MiB")
    assert r.returncode == 0, r.stderr
    assert rss < CEILING_KIB, f"peak RSS {rss} KiB"
    saved = list((d / "opened").glob(f"thread-*/report-*/attachments/{name}"))
    assert len(saved) == 1 and saved[0].read_bytes() == (d / name).read_bytes()
