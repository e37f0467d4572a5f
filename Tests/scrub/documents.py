"""Office documents with real identifying metadata, for the document-scrubbing tests.

The base files come from python-docx, openpyxl and python-pptx; LibreOffice (headless)
converts them to OpenDocument. What those libraries cannot write (tracked changes,
people.xml, rsids, x15ac:absPath, printer settings, an attached template, a thumbnail) is
added to the package exactly as Word, Excel and PowerPoint write it, so every kind of
metadata the scrubber claims to remove is really present in the fixture.
"""
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from conftest import require_tool, run

PERSON = "Kim Chol-su"
EDITOR = "Pak Yong-ho"
COMMENTER = "Ri Son-hui"
COMPANY = "Rongrong Seafood Processing Ltd"
MANAGER = "Zhang Wei"
USER_PATH = r"C:\Users\kimcs\Documents\contracts"
EMAIL = "kimcs@rongrong.example"
TITLE = "Dormitory contract draft"
# Everything a cleaned file must no longer contain, anywhere in any part.
SECRETS = [PERSON, EDITOR, COMMENTER, COMPANY, MANAGER, "kimcs", EMAIL, TITLE, "Normal.dotm",
           "HP LaserJet", "2024-03-0"]
BODY = "The contract says workers get 300 yuan a month."
COMMENT = "This wage is below the legal minimum."
INSERTED = "Deductions for food are 200 yuan."
# Tracked changes in the Word fixture: what a reader of the final text must not see.
DELETED = "Old clause."
DELETED_PARAGRAPH = "Workers may keep their phones."
REFORMATTED = "Overtime is unpaid."
MOVED = "Passports are held by the company."

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def edit_zip(path: Path, edits: dict, add: dict = None):
    """Rewrites a ZIP with `edits` (name -> function(str) -> str) and `add` (name -> bytes)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename in (add or {}):
                continue
            data = src.read(item.filename)
            if item.filename in edits:
                data = edits[item.filename](data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    tmp.replace(path)


def add_override(ct: str, part: str, type_: str) -> str:
    return ct.replace("</Types>", f'<Override PartName="{part}" ContentType="{type_}"/></Types>')


def add_default(ct: str, ext: str, type_: str) -> str:
    if f'Extension="{ext}"' in ct:
        return ct
    return ct.replace("</Types>", f'<Default Extension="{ext}" ContentType="{type_}"/></Types>')


def add_rel(rels: str, rid: str, type_: str, target: str, external=False) -> str:
    mode = ' TargetMode="External"' if external else ""
    return rels.replace("</Relationships>",
                        f'<Relationship Id="{rid}" Type="{type_}" Target="{target}"{mode}/></Relationships>')


APP_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>94</TotalTime><Application>Microsoft Office Word</Application><Company>{COMPANY}</Company><Manager>{MANAGER}</Manager><AppVersion>16.0000</AppVersion></Properties>"""

CUSTOM_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="Owner"><vt:lpwstr>{EMAIL}</vt:lpwstr></property></Properties>"""

PEOPLE_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="{COMMENTER}"><w15:presenceInfo w15:providerId="AD" w15:userId="S::{EMAIL}::4f1c"/></w15:person></w15:people>"""

CORE_PROPS = dict(author=PERSON, last_modified_by=EDITOR, title=TITLE, subject="wages",
                  keywords="kimcs, overtime", comments=f"saved in {USER_PATH}")


def thumbnail_bytes(jpeg: Path) -> bytes:
    return jpeg.read_bytes()


def package_extras(ct, rels, thumb: bytes):
    """docProps parts Office writes: app properties with company, custom properties and a
    thumbnail; returns (ct, rels, added parts)."""
    ct = add_override(ct, "/docProps/custom.xml", "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    ct = add_default(ct, "jpeg", "image/jpeg")
    rels = add_rel(rels, "rIdCustom", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties",
                   "docProps/custom.xml")
    if "docProps/thumbnail.jpeg" not in rels:
        rels = add_rel(rels, "rIdThumb", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
                       "docProps/thumbnail.jpeg")
    return ct, rels, {"docProps/custom.xml": CUSTOM_XML, "docProps/thumbnail.jpeg": thumb}


# Tracked changes as Word writes them: an insertion and a deletion, a paragraph and a run
# whose earlier formatting is recorded, a sentence moved from one paragraph to another, and
# a paragraph deleted with its paragraph mark. Every edit names its author and its date.
TRACKED_CHANGES = (
    f'<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00D4E5F6"><w:ins w:id="90" w:author="{EDITOR}" '
    f'w:date="2024-03-01T10:00:00Z"><w:r><w:t>{INSERTED}</w:t></w:r></w:ins>'
    f'<w:del w:id="91" w:author="{PERSON}" w:date="2024-03-02T11:00:00Z"><w:r><w:delText>{DELETED}</w:delText></w:r></w:del></w:p>'
    f'<w:p><w:pPr><w:jc w:val="center"/><w:pPrChange w:id="92" w:author="{EDITOR}" w:date="2024-03-03T09:00:00Z">'
    f'<w:pPr><w:jc w:val="left"/></w:pPr></w:pPrChange></w:pPr><w:r><w:rPr><w:b/>'
    f'<w:rPrChange w:id="93" w:author="{PERSON}" w:date="2024-03-03T09:01:00Z"><w:rPr/></w:rPrChange></w:rPr>'
    f'<w:t>{REFORMATTED}</w:t></w:r></w:p>'
    f'<w:p><w:moveFromRangeStart w:id="94" w:author="{EDITOR}" w:date="2024-03-04T08:00:00Z" w:name="move1"/>'
    f'<w:moveFrom w:id="95" w:author="{EDITOR}" w:date="2024-03-04T08:00:00Z"><w:r><w:t>{MOVED}</w:t></w:r></w:moveFrom>'
    f'<w:moveFromRangeEnd w:id="94"/></w:p>'
    f'<w:p><w:r><w:t>Section 2.</w:t></w:r></w:p>'
    f'<w:p><w:moveToRangeStart w:id="96" w:author="{EDITOR}" w:date="2024-03-04T08:00:00Z" w:name="move1"/>'
    f'<w:moveTo w:id="97" w:author="{EDITOR}" w:date="2024-03-04T08:00:00Z"><w:r><w:t>{MOVED}</w:t></w:r></w:moveTo>'
    f'<w:moveToRangeEnd w:id="96"/></w:p>'
    f'<w:p><w:pPr><w:rPr><w:del w:id="98" w:author="{PERSON}" w:date="2024-03-05T08:00:00Z"/></w:rPr></w:pPr>'
    f'<w:del w:id="99" w:author="{PERSON}" w:date="2024-03-05T08:00:00Z"><w:r><w:delText>{DELETED_PARAGRAPH}</w:delText></w:r></w:del></w:p>'
)

# Word 2019+ keeps each comment's UTC date in a part of its own.
COMMENTS_EXTENSIBLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w16cex:commentsExtensible xmlns:w16cex="http://schemas.microsoft.com/office/word/2018/wordml/cex"><w16cex:commentExtensible w16cex:durableId="3A1B2C3D" w16cex:dateUtc="2024-03-06T07:00:00Z"/></w16cex:commentsExtensible>"""


def make_docx(path: Path, photo: Path) -> Path:
    """A Word document with author, editor, company, a comment (with its UTC date in
    commentsExtensible.xml), tracked changes (TRACKED_CHANGES), rsids, people.xml, an
    attached template path, a thumbnail, custom properties and a photo carrying GPS EXIF
    whose picture description is its full path."""
    import docx
    from docx.shared import Inches
    d = docx.Document()
    for key, value in CORE_PROPS.items():
        setattr(d.core_properties, key, value)
    p = d.add_paragraph(BODY)
    d.add_comment(p.runs, text=COMMENT, author=COMMENTER, initials="RSH")
    d.add_paragraph("Photo of the pay slip:")
    d.add_picture(str(photo), width=Inches(1))
    d.save(path)

    def document(xml: str) -> str:
        xml = xml.replace("<w:body>", "<w:body>" + TRACKED_CHANGES, 1)
        return re.sub(r'descr="[^"]*"', f'descr="{USER_PATH}\\\\payslip.jpg"', xml, count=1) if 'descr="' in xml else \
            xml.replace("<wp:docPr ", f'<wp:docPr descr="{USER_PATH}\\payslip.jpg" ', 1)

    def settings(xml: str) -> str:
        return xml.replace("</w:settings>",
                           '<w:attachedTemplate r:id="rIdTpl"/><w:rsids><w:rsidRoot w:val="00A1B2C3"/>'
                           '<w:rsid w:val="00D4E5F6"/></w:rsids></w:settings>')

    def content_types(ct: str) -> str:
        ct = add_override(ct, "/word/people.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml")
        return add_override(ct, "/word/commentsExtensible.xml",
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtensible+xml")

    def doc_rels(rels: str) -> str:
        rels = add_rel(rels, "rIdPeople", "http://schemas.microsoft.com/office/2011/relationships/people", "people.xml")
        return add_rel(rels, "rIdCex", "http://schemas.microsoft.com/office/2018/08/relationships/commentsExtensible",
                       "commentsExtensible.xml")

    settings_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     '<Relationship Id="rIdTpl" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
                     f'Target="file:///C:/Users/kimcs/AppData/Roaming/Microsoft/Templates/Normal.dotm" TargetMode="External"/></Relationships>')
    with zipfile.ZipFile(path) as z:
        ct, rels = z.read("[Content_Types].xml").decode(), z.read("_rels/.rels").decode()
    ct, rels, extra = package_extras(content_types(ct), rels, thumbnail_bytes(photo))
    edit_zip(path, {
        "word/document.xml": document, "word/settings.xml": settings,
        "[Content_Types].xml": lambda _: ct, "_rels/.rels": lambda _: rels,
        "word/_rels/document.xml.rels": doc_rels, "docProps/app.xml": lambda _: APP_XML,
    }, {"word/people.xml": PEOPLE_XML, "word/commentsExtensible.xml": COMMENTS_EXTENSIBLE,
        "word/_rels/settings.xml.rels": settings_rels, **extra})
    return path


def make_xlsx(path: Path, photo: Path) -> Path:
    """An Excel workbook with author, editor, company, a cell comment by a named author,
    the folder it was saved in (x15ac:absPath), printer settings and a photo with EXIF."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image as XLImage
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Wages"
    ws["A1"] = BODY
    ws["A2"] = 300
    # Excel starts a note with its author's name, as here.
    ws["A1"].comment = Comment(f"{COMMENTER}:\n{COMMENT}", COMMENTER)
    ws.add_image(XLImage(str(photo)), "C3")
    wb.properties.creator = PERSON
    wb.properties.lastModifiedBy = EDITOR
    wb.properties.title = TITLE
    wb.save(path)

    def workbook(xml: str) -> str:
        abs_path = ('<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                    '<mc:Choice Requires="x15ac"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" '
                    f'url="{USER_PATH}\\"/></mc:Choice></mc:AlternateContent>')
        return re.sub(r"(<workbook[^>]*>)", lambda m: m.group(1) + f'<fileSharing userName="{PERSON}"/>' + abs_path, xml, count=1)

    def sheet(xml: str) -> str:
        setup = '<pageSetup orientation="landscape" r:id="rIdPrn" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
        return re.sub(r"(<drawing )", setup + r"\1", xml, count=1)

    def sheet_rels(rels: str) -> str:
        return add_rel(rels, "rIdPrn", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/printerSettings",
                       "../printerSettings/printerSettings1.bin")

    with zipfile.ZipFile(path) as z:
        ct, rels = z.read("[Content_Types].xml").decode(), z.read("_rels/.rels").decode()
    ct = add_default(ct, "bin", "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings")
    ct, rels, extra = package_extras(ct, rels, thumbnail_bytes(photo))
    printer = "HP LaserJet 4250 PCL6 (kimcs-pc)".encode("utf-16-le").ljust(220, b"\0")
    edit_zip(path, {
        "xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": sheet,
        "xl/worksheets/_rels/sheet1.xml.rels": sheet_rels,
        "[Content_Types].xml": lambda _: ct, "_rels/.rels": lambda _: rels,
        "docProps/app.xml": lambda _: APP_XML,
    }, {"xl/printerSettings/printerSettings1.bin": printer, **extra})
    return path


def make_pptx(path: Path, photo: Path) -> Path:
    """A PowerPoint deck with author, editor, company, a comment author list and a photo."""
    from pptx import Presentation
    from pptx.util import Inches
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = BODY
    slide.shapes.add_picture(str(photo), Inches(1), Inches(2), width=Inches(2))
    prs.core_properties.author = PERSON
    prs.core_properties.last_modified_by = EDITOR
    prs.core_properties.title = TITLE
    prs.save(path)
    authors = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:cmAuthorLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
               f'<p:cmAuthor id="1" name="{COMMENTER}" initials="RSH" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>')
    comments = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:cmLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
                f'<p:cm authorId="1" dt="2024-03-05T09:00:00.000" idx="1"><p:pos x="10" y="10"/><p:text>{COMMENT}</p:text></p:cm></p:cmLst>')
    with zipfile.ZipFile(path) as z:
        ct, rels = z.read("[Content_Types].xml").decode(), z.read("_rels/.rels").decode()
    ct = add_override(ct, "/ppt/commentAuthors.xml", "application/vnd.openxmlformats-officedocument.presentationml.commentAuthors+xml")
    ct = add_override(ct, "/ppt/comments/comment1.xml", "application/vnd.openxmlformats-officedocument.presentationml.comments+xml")
    ct, rels, extra = package_extras(ct, rels, thumbnail_bytes(photo))
    edit_zip(path, {
        "[Content_Types].xml": lambda _: ct, "_rels/.rels": lambda _: rels,
        "ppt/_rels/presentation.xml.rels": lambda r: add_rel(
            r, "rIdAuthors", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/commentAuthors", "commentAuthors.xml"),
        "ppt/slides/_rels/slide1.xml.rels": lambda r: add_rel(
            r, "rIdCm", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments", "../comments/comment1.xml"),
        "docProps/app.xml": lambda _: APP_XML,
    }, {"ppt/commentAuthors.xml": authors, "ppt/comments/comment1.xml": comments, **extra})
    return path


def soffice(*args, cwd: Path, timeout=180):
    """LibreOffice headless with a private profile, so tests never share or keep state."""
    require_tool("soffice")
    profile = cwd / ".lo-profile"
    return run("soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", *args,
               cwd=cwd, timeout=timeout)


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Converts with LibreOffice; returns the new file."""
    outdir.mkdir(exist_ok=True)
    soffice("--convert-to", fmt, "--outdir", outdir, src, cwd=src.parent)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice did not convert {src.name} to {fmt}"
    return out


def text_via_pdf(src: Path, outdir: Path) -> str:
    """The text a reader sees: LibreOffice renders to PDF, pdftotext reads it back."""
    pdf = convert(src, "pdf", outdir)
    require_tool("pdftotext")
    text = run("pdftotext", "-layout", pdf, "-").stdout
    pdf.unlink()
    return text


def all_part_text(path: Path) -> bytes:
    """Every part of the package, inflated and concatenated (and UTF-16 text decoded too)."""
    out = b""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            out += name.encode() + b"\n" + data + b"\n"
            try:
                out += data.decode("utf-16-le", errors="ignore").encode() + b"\n"
            except Exception:
                pass
    return out


def dangling_references(path: Path) -> list:
    """What Word or Excel would ask to "repair": relationships whose target part is missing,
    r:id attributes naming a relationship that does not exist, and content-type overrides
    for parts that are not there."""
    problems = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        ct = z.read("[Content_Types].xml").decode()
        for part in re.findall(r'PartName="/([^"]+)"', ct):
            if part not in names:
                problems.append(f"content type for missing {part}")
        for rels in (n for n in names if n.endswith(".rels")):
            folder = rels.rsplit("_rels/", 1)[0]
            source = folder + rels.rsplit("/", 1)[1][:-5]
            xml = z.read(rels).decode()
            ids = set()
            for m in re.finditer(r"<Relationship ([^>]*)/?>", xml):
                attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                ids.add(attrs["Id"])
                if attrs.get("TargetMode") == "External":
                    continue
                target = attrs["Target"]
                resolved = target.lstrip("/") if target.startswith("/") else str(Path(folder, target))
                resolved = str(Path(resolved)).replace("\\", "/")
                # normalise "a/../b"
                parts = []
                for piece in resolved.split("/"):
                    if piece == "..":
                        parts.pop()
                    elif piece not in ("", "."):
                        parts.append(piece)
                if "/".join(parts) not in names:
                    problems.append(f"{rels}: {attrs['Id']} -> missing {'/'.join(parts)}")
            if source in names and source.endswith(".xml"):
                used = set(re.findall(r'\br:(?:id|embed|link|pict|dm|lo|qs|cs)="([^"]+)"', z.read(source).decode("utf-8", "ignore")))
                for rid in used - ids:
                    problems.append(f"{source}: r:id {rid} has no relationship")
    return problems
