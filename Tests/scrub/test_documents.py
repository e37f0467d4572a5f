"""Metadata scrubbing of office documents: Word, Excel, PowerPoint and OpenDocument.

Oracles: ExifTool and mat2 for what they can see; for what they cannot (comment and
revision authors, people.xml, absolute paths, printer names) a search of every inflated
part for the planted names. The cleaned file must still open: python-docx, openpyxl and
python-pptx load it, no reference dangles, and LibreOffice renders the same text.
"""
import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import damaged_copies, exiftool_json, mat2_show, run, run_seal, seal_encrypt, seal_open, warnings_of
from documents import (BODY, COMMENT, COMMENTER, DELETED, DELETED_PARAGRAPH, EDITOR, INSERTED, MOVED, PERSON,
                       REFORMATTED, SECRETS, all_part_text, convert, dangling_references, make_docx, make_pptx,
                       make_xlsx, text_via_pdf)

TRACKED_CHANGES_ACCEPTED = "tracked changes (accepted: deleted text, earlier wording, editors and edit dates removed)"
from test_images import TAGS, base_image, exiftool_write, removed_items, scrub


@pytest.fixture
def photo(work):
    """A JPEG with GPS, camera serial and owner in its EXIF."""
    p = base_image(work / "payslip.jpg", (64, 48))
    exiftool_write(p, *TAGS)
    assert "GPS:GPSLatitude" in exiftool_json(p)
    return p


def assert_no_secrets(path: Path, secrets=SECRETS):
    blob = all_part_text(path)
    for secret in secrets:
        assert secret.encode() not in blob, f"{secret!r} survived in {path.name}"
    tags = exiftool_json(path)
    for key, value in tags.items():
        for secret in SECRETS:
            assert secret not in str(value), f"ExifTool still shows {key}: {value}"
    shown = mat2_show(path)
    for secret in SECRETS:
        assert secret not in shown, f"mat2 still shows {secret}: {shown}"


def assert_pictures_clean(path: Path):
    with zipfile.ZipFile(path) as z:
        pictures = [n for n in z.namelist() if n.lower().endswith((".jpg", ".jpeg"))]
        assert pictures, "the document lost its photo"
        for name in pictures:
            im = Image.open(io.BytesIO(z.read(name)))
            im.load()
            assert not im.getexif().get(0x8825), f"{name} still has GPS"


def assert_fixed_timestamps(path: Path):
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.fixture
def docx(work, photo):
    d = make_docx(work / "contract.docx", photo)
    blob = all_part_text(d)
    for planted in (PERSON, EDITOR, COMMENTER, "kimcs", "w:rsid", "people.xml", "Normal.dotm", "thumbnail",
                    "w16cex:dateUtc", "<w:del ", "<w:ins ", "w:rPrChange", "w:pPrChange", "<w:moveFrom ", "<w:moveTo "):
        assert planted.encode() in blob, f"fixture lacks {planted}"
    return d


def accepted(rendered: str) -> list:
    """The words of a rendering of the Word fixture that shows its tracked changes (as
    LibreOffice does), less what accepting them takes out: the deleted text and the copy
    of the moved sentence at the place it left."""
    for gone in (DELETED, MOVED, DELETED_PARAGRAPH):
        assert gone in rendered, f"the rendering does not show {gone!r}"
        rendered = rendered.replace(gone, " ", 1)
    return rendered.split()


def test_word_document_loses_authors_company_history_and_paths(docx):
    r, out = scrub(docx)
    assert_no_secrets(out)
    assert dangling_references(out) == []
    assert_pictures_clean(out)
    assert_fixed_timestamps(out)
    blob = all_part_text(out)
    assert b"w:rsid" not in blob and b"people.xml" not in blob and b"docProps/thumbnail" not in blob
    items = removed_items(r)
    for words in ("author name", "company name", "revision IDs (rsids)", "thumbnail picture of the first page",
                  "list of the people who edited it (people.xml)", "the template's path on the author's computer",
                  "custom document properties", "file paths of inserted pictures", "from pictures inside: GPS position"):
        assert words in items, f"{words!r} not reported: {items}"


def test_word_comments_keep_their_text_under_a_pseudonym_and_lose_their_dates(docx):
    import docx as python_docx
    _, out = scrub(docx)
    d = python_docx.Document(out)
    comments = list(d.comments)
    assert [c.text for c in comments] == [COMMENT]
    assert comments[0].author == "Author 1"
    assert "w:date=" not in zipfile.ZipFile(out).read("word/comments.xml").decode()


def test_word_comment_utc_dates_are_removed_and_the_part_keeps_its_links(docx):
    _, out = scrub(docx)
    with zipfile.ZipFile(out) as z:
        extensible = z.read("word/commentsExtensible.xml").decode()
    assert 'w16cex:durableId="3A1B2C3D"' in extensible and "dateUtc" not in extensible
    assert b"dateUtc" not in all_part_text(out)
    assert dangling_references(out) == []


def test_word_tracked_changes_are_accepted_so_deleted_text_editors_and_dates_are_gone(docx):
    r, out = scrub(docx)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    for kept in (INSERTED, REFORMATTED, "Section 2."):
        assert xml.count(kept) == 1, kept
    assert xml.count(MOVED) == 1, "the moved sentence must stay only where it went"
    assert xml.index("Section 2.") < xml.index(MOVED)
    for gone in (DELETED, DELETED_PARAGRAPH, "<w:ins", "<w:del", "w:delText", "PrChange", "<w:move", "w:author", "w:date"):
        assert gone not in xml, f"{gone!r} survived"
    # The formatting as it is now stays: centred paragraph, bold run.
    assert '<w:jc w:val="center"/>' in xml and "<w:b/>" in xml and 'w:val="left"' not in xml
    blob = all_part_text(out)
    for person in (EDITOR.encode(), PERSON.encode()):
        assert person not in blob
    assert TRACKED_CHANGES_ACCEPTED in removed_items(r)


def test_word_document_renders_its_final_text_after_cleaning(docx, work):
    _, out = scrub(docx)
    assert text_via_pdf(out, work / "render").split() == accepted(text_via_pdf(docx, work / "render"))


def test_excel_workbook_loses_authors_company_path_and_printer(work, photo):
    import openpyxl
    xlsx = make_xlsx(work / "wages.xlsx", photo)
    assert b"absPath" in all_part_text(xlsx) and b"printerSettings1.bin" in all_part_text(xlsx)
    r, out = scrub(xlsx)
    assert_no_secrets(out)
    assert dangling_references(out) == []
    assert_pictures_clean(out)
    items = removed_items(r)
    for words in ("the folder the file was saved in (absPath)", "printer settings (printer name)",
                  "name of the person who saved it (file sharing)"):
        assert words in items, items
    wb = openpyxl.load_workbook(out)
    ws = wb["Wages"]
    assert ws["A1"].value == BODY and ws["A2"].value == 300
    assert ws["A1"].comment.author == "Author 1"
    assert ws["A1"].comment.text == f"Author 1:\n{COMMENT}"
    assert ws.page_setup.orientation == "landscape"


def test_powerpoint_deck_loses_authors_and_keeps_comments(work, photo):
    from pptx import Presentation
    pptx = make_pptx(work / "deck.pptx", photo)
    r, out = scrub(pptx)
    assert_no_secrets(out)
    assert dangling_references(out) == []
    assert_pictures_clean(out)
    prs = Presentation(out)
    assert prs.slides[0].shapes.title.text == BODY
    z = zipfile.ZipFile(out)
    assert b'name="Author 1"' in z.read("ppt/commentAuthors.xml")
    assert COMMENT.encode() in z.read("ppt/comments/comment1.xml")


@pytest.mark.parametrize("maker, name", [(make_xlsx, "wages.xlsx"), (make_pptx, "deck.pptx")])
def test_spreadsheet_and_deck_render_the_same_text_after_cleaning(work, photo, maker, name):
    original = maker(work / name, photo)
    _, out = scrub(original)
    assert text_via_pdf(out, work / "render").split() == text_via_pdf(original, work / "render").split()


@pytest.fixture
def odt(docx, work):
    """The Word fixture as LibreOffice saves it: comments, tracked changes, meta.xml,
    settings.xml, a thumbnail, all in OpenDocument form."""
    out = convert(docx, "odt", work / "odf")
    blob = all_part_text(out)
    for planted in (PERSON.encode(), COMMENTER.encode(), b"Thumbnails/thumbnail.png", b"settings.xml",
                    b"<text:tracked-changes", b"<office:change-info", DELETED.encode(), DELETED_PARAGRAPH.encode()):
        assert planted in blob, f"fixture lacks {planted}"
    return out


def test_opendocument_text_loses_meta_settings_thumbnail_and_comment_authors(odt, work):
    r, out = scrub(odt)
    assert_no_secrets(out)
    assert_pictures_clean(out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert names[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert "settings.xml" not in names and not any(n.startswith("Thumbnails/") for n in names)
        manifest = z.read("META-INF/manifest.xml").decode()
        for gone in ("settings.xml", "Thumbnails/", "manifest.rdf"):
            assert gone not in manifest
        content = z.read("content.xml").decode()
        assert COMMENT in content and "Author 1" in content
    items = removed_items(r)
    assert "editor settings (printer name, window layout)" in items and "thumbnail picture of the first page" in items
    assert text_via_pdf(out, work / "render").split() == accepted(text_via_pdf(odt, work / "render"))


def test_opendocument_tracked_changes_are_accepted_so_deleted_text_editors_and_dates_are_gone(odt):
    r, out = scrub(odt)
    content = zipfile.ZipFile(out).read("content.xml").decode()
    for kept in (INSERTED, REFORMATTED, MOVED):
        assert content.count(kept) == 1, kept
    for gone in (DELETED, DELETED_PARAGRAPH, "tracked-changes", "changed-region", "change-info", "<text:change"):
        assert gone not in content, f"{gone!r} survived"
    blob = all_part_text(out)
    for person in (EDITOR.encode(), PERSON.encode()):
        assert person not in blob
    assert TRACKED_CHANGES_ACCEPTED in removed_items(r)


def test_opendocument_spreadsheet_and_presentation_are_cleaned(work, photo):
    for maker, name, fmt in ((make_xlsx, "wages.xlsx", "ods"), (make_pptx, "deck.pptx", "odp")):
        original = convert(maker(work / name, photo), fmt, work / "odf")
        assert PERSON.encode() in all_part_text(original)
        _, out = scrub(original)
        # LibreOffice turns the Excel note's "Ri Son-hui:" heading into plain comment text
        # with no author attached; from then on it is content (a known limit, SECURITY.md).
        assert_no_secrets(out, [s for s in SECRETS if s != COMMENTER or fmt != "ods"])
        assert text_via_pdf(out, work / "render").split() == text_via_pdf(original, work / "render").split()


def test_unknown_part_is_removed_and_reported(docx):
    with zipfile.ZipFile(docx, "a") as z:
        z.writestr("word/secret-notes.bin", b"field notes of kimcs")
    r, out = scrub(docx)
    assert "an unknown part (word/secret-notes.bin)" in removed_items(r)
    assert "word/secret-notes.bin" not in zipfile.ZipFile(out).namelist()


def test_plain_zip_archive_is_refused(work):
    archive = work / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "hello")
    r = run_seal("scrub", archive, "--out", work / "out.zip", cwd=work)
    assert r.returncode == 1 and len(warnings_of(r)) == 1 and "ZIP archive" in r.stderr
    assert not (work / "out.zip").exists()


def test_zip_bomb_is_refused_quickly_with_little_memory(work):
    bomb = work / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", b"<" + b"a" * (400 << 20) + b"/>")
    assert bomb.stat().st_size < 1 << 20
    start = time.monotonic()
    r = run("/usr/bin/time", "-f", "%M", run_seal.__globals__["SEAL"], "scrub", bomb, "--out", work / "out.docx",
            cwd=work, check=False)
    elapsed = time.monotonic() - start
    assert r.returncode == 1 and "ZIP bomb" in r.stderr, r.stderr
    peak_kib = int(r.stderr.strip().splitlines()[-1])
    assert peak_kib < 64 << 10, f"peak RSS {peak_kib} KiB"
    assert not (work / "out.docx").exists()
    print(f"bomb refused in {elapsed:.2f} s, peak RSS {peak_kib / 1024:.1f} MiB")


def test_entity_expansion_is_refused(docx, work):
    billion = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
               '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&lol2;</w:document>')
    tmp = work / "x.docx"
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, billion if item.filename == "word/document.xml" else src.read(item.filename))
    r = run_seal("scrub", tmp, "--out", work / "out.docx", cwd=work)
    assert r.returncode == 1 and "entities" in r.stderr and len(warnings_of(r)) == 1
    assert not (work / "out.docx").exists()


def test_truncations_and_bit_flips_never_crash_or_leak(docx, work):
    for i, mutated in damaged_copies(docx.read_bytes(), "seal-docx", max_flips=9):
        src = work / f"m{i}.docx"
        src.write_bytes(mutated)
        out = work / f"m{i}-out.docx"
        r = run_seal("scrub", src, "--out", out, cwd=work, timeout=60)
        assert r.returncode in (0, 1), f"mutation {i}: exit {r.returncode}: {r.stderr}"
        if r.returncode == 0:
            assert dangling_references(out) == []
            blob = all_part_text(out)
            for secret in (PERSON, COMMENTER, "kimcs"):
                assert secret.encode() not in blob, f"mutation {i}: {secret} survived"
        else:
            assert not out.exists() and len(warnings_of(r)) == 1, f"mutation {i}: {r.stderr}"


def test_encrypt_cleans_a_document_and_open_finds_nothing(world, docx):
    d = world["dir"]
    shutil.copy(docx, d / "contract.docx")
    r = seal_encrypt(world, "--message", "the contract", "--attach", "contract.docx")
    assert r.returncode == 0, r.stderr
    assert "author name" in r.stderr and "company name" in r.stderr
    opened, folder = seal_open(world)
    assert opened.stderr == "", opened.stderr
    assert_no_secrets(folder / "attachments" / "contract.docx")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"][0]["type"] == "application/zip" or "officedocument" in manifest["files"][0]["type"]


def test_open_warns_about_a_document_sent_unscrubbed(world, docx):
    d = world["dir"]
    shutil.copy(docx, d / "contract.docx")
    r = seal_encrypt(world, "--attach", "contract.docx", "--allow-unscrubbed", "contract.docx")
    assert r.returncode == 0, r.stderr
    opened, folder = seal_open(world)
    warning = (folder / "attachments" / "contract.docx.WARNING.txt").read_text()
    for words in ("author name", "company name", "names of comment authors", TRACKED_CHANGES_ACCEPTED):
        assert words in warning, warning
    assert len(warnings_of(opened)) == 1


DEBIAN_TEMPLATES = sorted(Path("/usr/lib/libreoffice/share/template").rglob("*.ot[tsp]"))  # libreoffice-common


def test_debian_libreoffice_templates_lose_their_meta_and_still_render(work):
    assert len(DEBIAN_TEMPLATES) >= 10, "libreoffice-common's templates are missing (see .ci/run)"
    identifying = ("Creator", "Initial-creator", "Generator", "Creation-date", "Date", "Editing-duration",
                   "Print-date", "Printed-by", "Title")
    had_meta = 0
    for i, template in enumerate(DEBIAN_TEMPLATES):
        before = exiftool_json(template)
        had_meta += any(k.startswith("XMP-meta:") and k.split(":")[1] in identifying for k in before)
        out = work / f"clean-{i}{template.suffix}"
        r = run_seal("scrub", template, "--out", out, cwd=work)
        assert r.returncode == 0, f"{template}: {r.stderr}"
        after = exiftool_json(out)
        left = [k for k in after if k.startswith("XMP-meta:") and k.split(":")[1] in identifying]
        assert left == [], f"{template.name}: {left}"
        assert "settings.xml" not in zipfile.ZipFile(out).namelist()
    assert had_meta >= 10, "too few templates carried metadata to prove anything"
    for template in DEBIAN_TEMPLATES[:2]:
        out = work / f"render-{template.name}"
        scrub_result = run_seal("scrub", template, "--out", out, cwd=work)
        assert scrub_result.returncode == 0
        assert text_via_pdf(out, work / "render").split() == text_via_pdf(template, work / "render").split()


def test_dangling_reference_oracle_catches_a_naive_removal(docx, work):
    """The repair check itself: deleting people.xml without its relationship is caught."""
    naive = work / "naive.docx"
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(naive, "w") as dst:
        for item in src.infolist():
            if item.filename != "word/people.xml":
                dst.writestr(item, src.read(item.filename))
    problems = dangling_references(naive)
    assert any("people.xml" in p for p in problems), problems


@pytest.mark.parametrize("broken", [b"<w:document><w:body>", b"<a><b></a>", b"not xml at all", b""])
def test_a_part_that_is_not_well_formed_xml_is_refused(docx, work, broken):
    damaged = work / "damaged.docx"
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, broken if item.filename == "word/document.xml" else src.read(item.filename))
    r = run_seal("scrub", damaged, "--out", work / "out.docx", cwd=work)
    assert r.returncode == 1 and len(warnings_of(r)) == 1 and "not well-formed" in r.stderr, r.stderr
    assert not (work / "out.docx").exists()


def test_a_damaged_zip_container_is_refused_by_name(work):
    bad = work / "contract.docx"
    bad.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    r = run_seal("scrub", bad, "--out", work / "out.docx", cwd=work)
    assert r.returncode == 1 and len(warnings_of(r)) == 1, r.stderr
    assert "contract.docx" in r.stderr and "not a readable ZIP archive" in r.stderr, r.stderr
    assert not (work / "out.docx").exists()
