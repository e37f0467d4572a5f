"""PDF: `seal scrub`, `seal encrypt` and `seal open` against ExifTool, mat2, qpdf and
poppler (issue 6, "Metadata scrubbing, part 2").

Fixtures: a contract made by reportlab with a JPEG photo carrying GPS and camera EXIF
(Pillow + ExifTool), then changed by pypdf as an incremental update, so the file holds an
earlier revision with a different author, plus XMP, an annotation with its author's name,
an embedded file, document JavaScript and application private data. Also a real PDF from
Debian (ExifTool's MIE specification). The oracle: ExifTool and mat2 show none of the
planted values, neither do the raw bytes nor qpdf's fully decompressed expansion of the
output, `qpdf --check` passes, `pdftotext` reads the same text, and the photo inside comes
out without EXIF and with the same pixels.
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import (SEAL, damaged_copies, exiftool_json, mat2_show, require_tool, run, run_seal, seal_encrypt, seal_open,
                      warnings_of)

MIE = Path("/usr/share/doc/libimage-exiftool-perl/html/MIE1.1-20070121.pdf")  # libimage-exiftool-perl

AUTHOR = "Kim Chol-su"
OLD_AUTHOR = "Pak Yong-ho"  # only in the earlier revision
ANNOTATOR = "Reviewer Jang Song"
ATTACHED = "kimcs_private_notes.txt"
# Every planted value, distinctive enough to search for in raw bytes.
SECRETS = [AUTHOR, OLD_AUTHOR, ANNOTATOR, "HanWord-Office-2019", "SeafoodCorp-PDF-Engine", "Payroll Dandong",
           "wage deductions", "remittance", "xmp-creator-Ri-Myong", "kimcs", "tracking-beacon-js",
           "piece-private", "secret-notes-content", "SN-023571113", "Zetacam", "EOS-Zeta-77",
           "photographer-Choe", "D:2026030", "2026:03:01", "ReportLab"]
PAGE_TEXT = ["Contract clause 4: workers surrender passports on arrival.", "Wage table: 1200 yuan withheld every month."]
CAMERA_TAGS = ["-Make=Zetacam", "-Model=EOS-Zeta-77", "-SerialNumber=SN-023571113", "-Artist=photographer-Choe",
               "-GPSLatitude=39.0392", "-GPSLatitudeRef=N", "-GPSLongitude=125.7625", "-GPSLongitudeRef=E",
               "-DateTimeOriginal=2026:03:01 10:00:00"]
IDENTIFYING = re.compile(r"Author|Creator|Producer|Title|Subject|Keyword|Date|Software|Tool|Document ?ID|"
                         r"Instance|History|GPS|Serial|Make|Model|Artist", re.I)


def make_photo(path: Path) -> Path:
    """A JPEG with detail in every channel and camera EXIF with a GPS position."""
    rnd = random.Random(11)
    im = Image.new("RGB", (64, 48))
    im.putdata([((x * 5) % 256, (y * 7) % 256, rnd.randrange(256)) for y in range(48) for x in range(64)])
    im.save(path, "JPEG", quality=90)
    require_tool("exiftool")
    run("exiftool", "-q", "-overwrite_original", *CAMERA_TAGS, path)
    return path


def make_contract(work: Path, name="contract.pdf", ascii85=False) -> Path:
    """reportlab writes revision 1 (author OLD_AUTHOR); pypdf appends revision 2 with the
    new author, XMP, an annotation, an embedded file, JavaScript and PieceInfo."""
    from reportlab import rl_config
    from reportlab.pdfgen import canvas
    from pypdf import PdfWriter
    from pypdf.annotations import Text
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

    photo = make_photo(work / "photo.jpg")
    first = work / f"rev1-{name}"
    saved = rl_config.useA85
    rl_config.useA85 = 1 if ascii85 else 0  # reportlab's default wraps JPEGs in ASCII85
    try:
        c = canvas.Canvas(str(first))
        c.setAuthor(OLD_AUTHOR)
        c.setTitle("Payroll Dandong Plant 7")
        c.setSubject("wage deductions")
        c.setKeywords("remittance quota")
        c.setCreator("HanWord-Office-2019")
        c.setProducer("SeafoodCorp-PDF-Engine")
        c.drawString(72, 720, PAGE_TEXT[0])
        c.drawImage(str(photo), 72, 500, 128, 96)
        c.showPage()
        c.drawString(72, 720, PAGE_TEXT[1])
        c.showPage()
        c.save()
    finally:
        rl_config.useA85 = saved

    w = PdfWriter(first, incremental=True)
    w.add_metadata({"/Author": AUTHOR, "/CreationDate": "D:20260301100000+09'00'",
                    "/ModDate": "D:20260302100000+09'00'"})
    xmp = DecodedStreamObject()
    xmp.set_data(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                 b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
                 b'<dc:creator>xmp-creator-Ri-Myong</dc:creator><xmp:CreatorTool>C:\\Users\\kimcs\\HanWord</xmp:CreatorTool>'
                 b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    w._root_object[NameObject("/Metadata")] = w._add_object(xmp)
    note = Text(rect=(50, 50, 100, 100), text="check these hours", open=False)
    note[NameObject("/T")] = TextStringObject(ANNOTATOR)
    note[NameObject("/M")] = TextStringObject("D:20260303100000+09'00'")
    w.add_annotation(page_number=0, annotation=note)
    w.add_attachment(ATTACHED, b"secret-notes-content")
    js = w._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                         NameObject("/JS"): TextStringObject("app.alert('tracking-beacon-js');")}))
    w._root_object["/Names"][NameObject("/JavaScript")] = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("beacon"), js])})
    w._root_object[NameObject("/OpenAction")] = js
    w.pages[1][NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/HanWord"): DictionaryObject({NameObject("/Private"): TextStringObject("piece-private-data")})})
    out = work / name
    with open(out, "wb") as f:
        w.write(f)
    return out


@pytest.fixture
def contract(work) -> Path:
    pdf = make_contract(work)
    # The fixture really has what the tests claim it has.
    raw = expanded(pdf)
    for secret in SECRETS:
        assert secret.encode() in raw, f"fixture lacks {secret}"
    assert pdf.read_bytes().count(b"%%EOF") == 2 and OLD_AUTHOR.encode() in pdf.read_bytes()
    return pdf


def expanded(pdf: Path) -> bytes:
    """The raw bytes plus qpdf's expansion with every stream decompressed and no object
    streams: a value hidden in a compressed stream shows up here."""
    require_tool("qpdf")
    qdf = pdf.with_name(pdf.name + ".qdf")
    r = run("qpdf", "--qdf", "--object-streams=disable", "--decode-level=generalized", pdf, qdf, check=False)
    assert r.returncode in (0, 3), r.stderr  # 3: succeeded with warnings
    return pdf.read_bytes() + b"\n" + qdf.read_bytes()


def scrub(src: Path, out: Path = None):
    out = out or src.with_name("clean-" + src.name)
    r = run_seal("scrub", src, "--out", out, cwd=src.parent)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r, out


def removed_items(result) -> list:
    return [line.removeprefix("removed: ") for line in result.stdout.splitlines() if line.startswith("removed: ")]


def text_of(pdf: Path) -> str:
    require_tool("pdftotext")
    return run("pdftotext", "-layout", pdf, "-").stdout


def refused(work: Path, bad: Path, timeout=30):
    """Runs a scrub that must fail: exit 1, one line on stderr, no output, no temp file."""
    out = work / f"out-{bad.name}"
    r = run_seal("scrub", bad, "--out", out, cwd=work, timeout=timeout)
    assert r.returncode == 1, f"{bad.name}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    assert len(warnings_of(r)) == 1 and r.stderr.startswith("seal: "), f"{bad.name}: {r.stderr!r}"
    assert not out.exists(), bad.name
    assert not list(work.glob(".*partial")), "a temporary file was left behind"
    return r.stderr


def peak_rss_kib(work: Path, *args, timeout=60):
    """Runs `seal` under /usr/bin/time; returns (result, peak resident memory in KiB)."""
    if not Path("/usr/bin/time").exists():
        pytest.fail("/usr/bin/time is not installed; the scrub tests need it (see .ci/run)")
    if not SEAL or not os.access(SEAL, os.X_OK):
        pytest.fail("SEAL_BIN is not set to the built seal binary")
    report = work / "rss.txt"
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), SEAL, *map(str, args)], cwd=work,
                       capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, SEAL_STATE_DIR=str(work / ".seal-state")))
    return r, int(report.read_text().split()[-1])


# --- What goes -----------------------------------------------------------------------------


def test_exiftool_and_mat2_find_no_planted_value(contract):
    before = json.dumps(exiftool_json(contract))
    assert AUTHOR in before and "xmp-creator-Ri-Myong" in before
    _, out = scrub(contract)
    tags = exiftool_json(out)
    for key, value in tags.items():
        group, _, tag = key.partition(":")
        if key == "SourceFile" or group in ("System", "ExifTool", "File"):
            continue
        assert group == "PDF", f"{key} = {value!r} remains"
        assert not IDENTIFYING.search(tag), f"{key} = {value!r} remains"
    shown = mat2_show(out)
    for secret in SECRETS:
        assert secret not in json.dumps(tags) and secret not in shown, secret
    assert not re.search(r"(?m)^\s+(Author|Creator|Producer|Title|CreationDate|ModDate|Keywords|Subject)\s*:", shown), shown


def test_no_planted_value_in_raw_or_decompressed_output(contract):
    _, out = scrub(contract)
    raw = expanded(out)
    for secret in SECRETS:
        assert secret.encode() not in raw, f"{secret} survived"


def test_report_names_what_was_removed_in_plain_words(contract):
    r, _ = scrub(contract)
    removed = removed_items(r)
    for words in ("author name", "title", "name of the program that made the PDF", "creation date", "document IDs",
                  "XMP metadata", "earlier revisions of the document", "names of annotation authors",
                  "annotation dates", "document JavaScript", "JavaScript",
                  "private data of the program that made it (PieceInfo)",
                  f'embedded file "{ATTACHED}": send it as its own attachment',
                  "GPS position in an embedded image", "camera serial number in an embedded image"):
        assert words in removed, f"{words!r} not in {removed}"


def test_earlier_revision_is_gone(contract):
    _, out = scrub(contract)
    data = out.read_bytes()
    assert data.count(b"%%EOF") == 1 and data.count(b"startxref") == 1
    assert OLD_AUTHOR.encode() not in data


def test_annotation_keeps_its_text_and_loses_author_and_date(contract):
    _, out = scrub(contract)
    raw = expanded(out)
    assert b"/Subtype /Text" in raw and b"check these hours" in raw
    assert ANNOTATOR.encode() not in raw and b"D:20260303" not in raw


def test_embedded_file_is_removed(contract):
    require_tool("pdfdetach")
    assert "1 embedded files" in run("pdfdetach", "-list", contract).stdout
    _, out = scrub(contract)
    assert "0 embedded files" in run("pdfdetach", "-list", out).stdout


def test_file_attachment_annotation_is_removed_and_named(work):
    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               TextStringObject)
    pdf = make_contract(work)
    w = PdfWriter(clone_from=pdf)
    data = DecodedStreamObject()
    data.set_data(b"timesheet-of-kimcs")
    data[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("hours.csv"),
                             NameObject("/EF"): DictionaryObject({NameObject("/F"): w._add_object(data)})})
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
                              NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(30), FloatObject(30)]),
                              NameObject("/FS"): w._add_object(spec), NameObject("/T"): TextStringObject(ANNOTATOR)})
    w.pages[1][NameObject("/Annots")] = ArrayObject([w._add_object(annot)])
    attached = work / "attached.pdf"
    with open(attached, "wb") as f:
        w.write(f)
    assert b"timesheet-of-kimcs" in expanded(attached)
    r, out = scrub(attached)
    assert 'attached file "hours.csv": send it as its own attachment' in removed_items(r), r.stdout
    raw = expanded(out)
    assert b"timesheet-of-kimcs" not in raw and b"/FileAttachment" not in raw


def test_creator_and_producer_outside_the_info_dictionary_are_removed(work):
    """Producers name themselves in page and XObject dictionaries too; pdfTeX copies an
    imported PDF's whole Info dictionary and its path into the form XObject it makes."""
    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject,
                               TextStringObject)
    w = PdfWriter(clone_from=make_contract(work))
    page = w.pages[0]
    page[NameObject("/Creator")] = TextStringObject("PageCreator-HanWord-9.1")
    page[NameObject("/Producer")] = TextStringObject("PageProducer-Engine-4.2")
    form = StreamObject()
    form.set_data(b"0 0 m 1 1 l S")
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(10), FloatObject(10)]),
                 NameObject("/Producer"): TextStringObject("FormProducer-Distiller-11"),
                 NameObject("/PTEX.FileName"): TextStringObject("/home/kimcs/figures/chart.pdf"),
                 NameObject("/PTEX.InfoDict"): w._add_object(DictionaryObject({
                     NameObject("/Author"): TextStringObject("Imported-Author-Ri"),
                     NameObject("/Creator"): TextStringObject("ImportedCreator-Calc-7")}))})
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject())
    resources.setdefault(NameObject("/XObject"), DictionaryObject())[NameObject("/FxImported")] = w._add_object(form)
    layer = w._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/OCG"), NameObject("/Name"): TextStringObject("Layer 1"),
        NameObject("/Usage"): DictionaryObject({NameObject("/CreatorInfo"): DictionaryObject({
            NameObject("/Creator"): TextStringObject("LayerCreator-Illustrator-28"),
            NameObject("/Subtype"): NameObject("/Artwork")})})}))
    w._root_object[NameObject("/OCProperties")] = DictionaryObject({
        NameObject("/OCGs"): ArrayObject([layer]),
        NameObject("/D"): DictionaryObject({NameObject("/Order"): ArrayObject([layer])})})
    pdf = work / "software.pdf"
    with open(pdf, "wb") as f:
        w.write(f)
    planted = ["PageCreator-HanWord", "PageProducer-Engine", "FormProducer-Distiller", "kimcs/figures",
               "Imported-Author-Ri", "ImportedCreator-Calc", "LayerCreator-Illustrator"]
    for value in planted:
        assert value.encode() in expanded(pdf), f"fixture lacks {value}"
    r, out = scrub(pdf)
    raw = expanded(out)
    for value in planted:
        assert value.encode() not in raw, f"{value} survived"
    assert b"/FxImported" in raw and b"/OCProperties" in raw, "the form XObject and the layer must stay"
    removed = removed_items(r)
    for words in ("name of the program that created it", "name of the program that made the PDF",
                  "document properties of an imported PDF", "the path of an imported file on the author's computer"):
        assert words in removed, f"{words!r} not in {removed}"
    assert run("qpdf", "--check", out, check=False).returncode == 0
    assert text_of(out) == text_of(pdf)


def test_javascript_and_open_action_are_removed(contract):
    _, out = scrub(contract)
    raw = expanded(out)
    assert b"/JavaScript" not in raw and b"/JS" not in raw and b"/OpenAction" not in raw


def test_document_id_is_new_and_deterministic(contract):
    from pypdf import PdfReader
    def ids(pdf):
        return [getattr(x, "original_bytes", x) for x in PdfReader(pdf).trailer["/ID"]]
    old_ids = ids(contract)
    _, a = scrub(contract, contract.with_name("a.pdf"))
    _, b = scrub(contract, contract.with_name("b.pdf"))
    assert a.read_bytes() == b.read_bytes(), "two scrubs of one file differ (time or file name leaked in)"
    new_ids = ids(a)
    assert not set(new_ids) & set(old_ids)
    for old in old_ids:
        assert old not in a.read_bytes() and old.hex().encode() not in a.read_bytes().lower()


def test_embedded_jpeg_loses_exif_and_keeps_pixels(contract, work):
    require_tool("pdfimages")
    _, out = scrub(contract)
    run("pdfimages", "-j", out, work / "img")
    images = sorted(work.glob("img-*.jpg"))
    assert len(images) == 1, images
    tags = exiftool_json(images[0])
    assert not [k for k in tags if k.split(":")[0] in ("IFD0", "ExifIFD", "GPS", "XMP-dc", "IFD1")], tags
    with Image.open(images[0]) as got, Image.open(work / "photo.jpg") as want:
        assert got.tobytes() == want.tobytes() and got.size == want.size


def test_jpeg_under_ascii85_is_cleaned_too(work):
    pdf = make_contract(work, "a85.pdf", ascii85=True)
    assert b"/ASCII85Decode" in expanded(pdf)
    r, out = scrub(pdf)
    assert "GPS position in an embedded image" in removed_items(r)
    run("pdfimages", "-j", out, work / "a85img")
    images = sorted(work.glob("a85img-*.jpg"))
    assert len(images) == 1 and "GPS:GPSLatitude" not in exiftool_json(images[0])
    with Image.open(images[0]) as got, Image.open(work / "photo.jpg") as want:
        assert got.tobytes() == want.tobytes()


# --- What stays ----------------------------------------------------------------------------


def test_output_passes_qpdf_check(contract):
    _, out = scrub(contract)
    r = run("qpdf", "--check", out, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No syntax or stream encoding errors found" in r.stdout


def test_text_is_unchanged(contract):
    _, out = scrub(contract)
    before = text_of(contract)
    assert all(line in before for line in PAGE_TEXT)
    assert text_of(out) == before


def test_debian_sample_loses_its_properties_and_keeps_its_text(work):
    pdf = work / "mie.pdf"
    shutil.copy(MIE, pdf)
    tags = exiftool_json(pdf)
    assert tags.get("PDF:Producer", "").startswith("Mac OS X") and "PDF:CreateDate" in tags
    r, out = scrub(pdf)
    assert "name of the program that made the PDF" in removed_items(r)
    after = exiftool_json(out)
    assert not [k for k in after if k.startswith("PDF:") and IDENTIFYING.search(k)], after
    assert b"Quartz" not in expanded(out)
    assert text_of(out) == text_of(pdf)
    assert run("qpdf", "--check", out, check=False).returncode == 0


def test_scrubbing_a_cleaned_pdf_finds_only_its_new_id(contract, work):
    _, once = scrub(contract)
    r, _ = scrub(once)
    assert removed_items(r) == ["document IDs"], r.stdout


# --- What is refused -----------------------------------------------------------------------


def test_password_protected_pdf_is_refused(contract, work):
    locked = work / "locked.pdf"
    assert run("qpdf", "--encrypt", "open-sesame", "owner-pw", "256", "--", contract, locked, check=False).returncode in (0, 3)
    assert "protected by a password" in refused(work, locked)


def test_pdf_encrypted_without_open_password_is_cleaned_and_decrypted(contract, work):
    restricted = work / "restricted.pdf"
    assert run("qpdf", "--encrypt", "", "owner-pw", "256", "--print=none", "--", contract, restricted,
               check=False).returncode in (0, 3)
    r, out = scrub(restricted)
    assert "author name" in removed_items(r)
    assert "File is not encrypted" in run("qpdf", "--show-encryption", out).stdout
    raw = expanded(out)
    for secret in SECRETS:
        assert secret.encode() not in raw, secret


def test_signed_pdf_is_refused_because_cleaning_breaks_the_signature(contract, work):
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject, NumberObject, TextStringObject
    w = PdfWriter(clone_from=contract)
    sig = w._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Sig"), NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
        NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"), NameObject("/Name"): TextStringObject(AUTHOR),
        NameObject("/ByteRange"): ArrayObject([NumberObject(0), NumberObject(10), NumberObject(20), NumberObject(30)]),
        NameObject("/Contents"): ByteStringObject(b"\x30\x80" + b"\x00" * 30)}))
    field = w._add_object(DictionaryObject({
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Signature1"), NameObject("/V"): sig,
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)}))
    w._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([field]), NameObject("/SigFlags"): NumberObject(3)})
    signed = work / "signed.pdf"
    with open(signed, "wb") as f:
        w.write(f)
    message = refused(work, signed)
    assert "digitally signed" in message and "--allow-unscrubbed" in message


def test_jpeg_under_flate_is_refused(work):
    """Decoding Flate could expand without bound, so such an image cannot be checked."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject
    pdf = make_contract(work, "flatejpeg.pdf")
    w = PdfWriter(clone_from=pdf)
    for obj in w._objects:
        if obj is not None and hasattr(obj, "get_data") and obj.get("/Subtype") == "/Image":
            data = obj._data
            obj._data = zlib.compress(data)
            obj[NameObject("/Filter")] = ArrayObject([NameObject("/FlateDecode"), NameObject("/DCTDecode")])
    bad = work / "flate-dct.pdf"
    with open(bad, "wb") as f:
        w.write(f)
    assert "compressed a second time" in refused(work, bad)


# --- Damaged and hostile files -------------------------------------------------------------


def hand_pdf(objects: list, trailer_extra=b"", prev=None) -> bytes:
    """A minimal PDF with a correct xref table, from object bodies (1-based)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra
    if prev is not None:
        out += b"/Prev %d " % (xref if prev == "self" else prev)
    out += b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PAGE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"]


def test_truncated_and_garbage_pdfs_are_refused(contract, work):
    data = contract.read_bytes()
    cases = {"half.pdf": data[: len(data) // 2], "header-only.pdf": b"%PDF-1.7\n",
             "garbage.pdf": b"%PDF-1.7\n" + bytes(random.Random(3).randrange(256) for _ in range(5000)),
             "no-trailer.pdf": data[: data.rfind(b"startxref")]}
    for name, body in cases.items():
        (work / name).write_bytes(body)
        refused(work, work / name)


def test_xref_loop_is_refused(work):
    bad = work / "loop.pdf"
    bad.write_bytes(hand_pdf(PAGE + [b"<< /Length 0 >>\nstream\n\nendstream"], prev="self"))
    refused(work, bad)


def test_deep_nesting_is_refused_in_bounded_time_and_memory(work):
    """qpdf stops parsing at depth 500 and puts null in place of the page's content; a
    cleaned copy without its content would mislead, so the file is refused."""
    bad = work / "deep.pdf"
    depth = 200_000
    bad.write_bytes(hand_pdf(PAGE + [b"<< /Length 0 /X " + b"[" * depth + b"]" * depth + b" >>\nstream\n\nendstream"]))
    r, rss = peak_rss_kib(work, "scrub", bad, "--out", work / "deep-out.pdf", timeout=30)
    assert r.returncode == 1 and len(warnings_of(r)) == 1 and "deeply nested" in r.stderr, r.stderr
    assert not (work / "deep-out.pdf").exists()
    assert rss < 200_000, f"peak RSS {rss} KiB"


def test_flate_bomb_costs_neither_time_nor_memory(work):
    """A page whose 150 KiB content stream inflates to 1 GiB: stream data is copied as
    stored, never decompressed."""
    z = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(z.compress(chunk) for _ in range(1024)) + z.flush()
    pdf = work / "bomb.pdf"
    pdf.write_bytes(hand_pdf(PAGE + [b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb
                                     + b"\nendstream"], trailer_extra=b"/Info << /Author (Kim Chol-su) >> "))
    r, rss = peak_rss_kib(work, "scrub", pdf, "--out", work / "bomb-out.pdf", timeout=30)
    assert r.returncode == 0, r.stderr
    assert rss < 150_000, f"peak RSS {rss} KiB"
    assert AUTHOR.encode() not in (work / "bomb-out.pdf").read_bytes()


def object_stream_bomb(inflated_mib: int) -> bytes:
    """A PDF whose page resources live in a Flate object stream padded to `inflated_mib`
    MiB of spaces, behind a cross-reference stream."""
    head, body = b"4 0 ", b"<< /Length 0 >>"
    z = zlib.compressobj(9)
    packed = z.compress(head + body) + b"".join(z.compress(b" " * (1 << 20)) for _ in range(inflated_mib)) + z.flush()
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for i, body_ in enumerate(PAGE[:2] + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /X 4 0 R >> >>"], 1):
        offsets[i] = len(out)
        out += b"%d 0 obj\n" % i + body_ + b"\nendobj\n"
    offsets[5] = len(out)
    out += (b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (len(head), len(packed))
            + packed + b"\nendstream\nendobj\n")
    xref = len(out)
    rows = struct.pack(">BIH", 0, 0, 65535) + b"".join(struct.pack(">BIH", 1, offsets[i], 0) for i in (1, 2, 3))
    rows += struct.pack(">BIH", 2, 5, 0) + struct.pack(">BIH", 1, offsets[5], 0) + struct.pack(">BIH", 1, xref, 0)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(rows) + rows
    out += b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def huge_array(count: int) -> bytes:
    """A 2-byte-per-element array of `count` numbers inside a page's content stream
    dictionary: small on disk, large once parsed."""
    return hand_pdf(PAGE + [b"<< /Length 0 /X [" + b"0 " * count + b"] >>\nstream\n\nendstream"])


@pytest.mark.parametrize("case", ["object-stream-bomb", "huge-array", "larger-array"])
def test_parsing_is_bounded_in_memory(work, case):
    """qpdf holds every parsed object and inflates object streams whole; the scrubber caps
    the memory it may add (512 MiB) and refuses what needs more, with a plain reason."""
    build = {"object-stream-bomb": lambda: object_stream_bomb(1024), "huge-array": lambda: huge_array(1_000_000),
             "larger-array": lambda: huge_array(3_000_000)}[case]
    pdf = work / f"{case}.pdf"
    pdf.write_bytes(build())
    r, rss = peak_rss_kib(work, "scrub", pdf, "--out", work / f"{case}-out.pdf", timeout=120)
    assert rss < 640_000, f"peak RSS {rss} KiB"
    if case == "huge-array":
        assert r.returncode == 0, r.stderr  # large but within the allowance
    else:
        assert r.returncode == 1 and "MiB of memory" in r.stderr and len(warnings_of(r)) == 1, r.stderr
        assert not (work / f"{case}-out.pdf").exists()


def test_random_truncations_and_bit_flips_never_crash(contract, work):
    for i, mutated in damaged_copies(contract.read_bytes(), "seal-pdf", max_flips=8):
        bad = work / f"m{i}.pdf"
        bad.write_bytes(mutated)
        out = work / f"m{i}-out.pdf"
        r = run_seal("scrub", bad, "--out", out, cwd=work, timeout=30)
        assert r.returncode in (0, 1), f"mutation {i}: exit {r.returncode} {r.stderr}"
        if r.returncode == 0:
            # A flipped bit inside compressed page content is copied as it is (nothing is
            # decompressed), so only the file's structure is checked here.
            assert run("qpdf", "--show-npages", out, check=False).returncode == 0, f"mutation {i}"
        else:
            assert not out.exists() and len(warnings_of(r)) == 1, f"mutation {i}: {r.stderr}"


# --- seal encrypt and seal open ------------------------------------------------------------


def test_encrypt_scrubs_a_pdf_by_default(world, contract):
    d = world["dir"]
    shutil.copy(contract, d / "contract.pdf")
    r = seal_encrypt(world, "--message", "the contract", "--attach", "contract.pdf")
    assert r.returncode == 0, r.stderr
    lines = warnings_of(r)
    assert len(lines) == 1 and lines[0].startswith("contract.pdf: removed ") and "author name" in lines[0], r.stderr
    opened, folder = seal_open(world)
    assert opened.stderr == "", opened.stderr
    attachment = folder / "attachments" / "contract.pdf"
    raw = expanded(attachment)
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    manifest = json.loads((folder / "manifest.json").read_text())
    scrubbed = {s["name"]: s["removed"] for s in manifest["scrubbed"]}
    assert "author name" in scrubbed["contract.pdf"] and "earlier revisions of the document" in scrubbed["contract.pdf"]
    assert manifest["files"][0]["type"] == "application/pdf"


def test_open_warns_beside_a_pdf_sent_unscrubbed(world, contract):
    d = world["dir"]
    shutil.copy(contract, d / "contract.pdf")
    r = seal_encrypt(world, "--attach", "contract.pdf", "--allow-unscrubbed", "contract.pdf")
    assert r.returncode == 0, r.stderr
    opened, folder = seal_open(world)
    lines = warnings_of(opened)
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "author name" in lines[0], opened.stderr
    warning = (folder / "attachments" / "contract.pdf.WARNING.txt").read_text()
    for words in ("author name", "XMP metadata", "earlier revisions of the document", "names of annotation authors",
                  f'embedded file "{ATTACHED}"', "GPS position in an embedded image"):
        assert words in warning, warning
    assert (folder / "attachments" / "contract.pdf").read_bytes() == contract.read_bytes()
