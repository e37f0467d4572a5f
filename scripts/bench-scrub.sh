#!/usr/bin/env bash
# Scrubbing a ~200 MB phone-style video, a 12-megapixel photo and a ~40 MB scanned-contract
# PDF (eight 12-megapixel JPEG pages, an incremental update with an author): time and peak
# memory of `seal scrub`, against `exiftool -all=` on the same files in the same run, and
# for the PDF also `qpdf --linearize` (a full rewrite by the same library, no cleaning);
# then a large spreadsheet and a Word file full of photos against mat2 (exiftool cannot
# write office files). Prints figures only.
# Usage: scripts/bench-scrub.sh SEAL_BINARY  (needs ffmpeg, exiftool, qpdf, mat2,
# /usr/bin/time, and PYTHON with python-docx and openpyxl, e.g. PYTHON=.venv/bin/python)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 SEAL_BINARY" >&2; exit 2; }
SEAL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PYTHON=$(command -v "${PYTHON:-python3}")
PYTHON=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")  # absolute, venv symlink kept
for tool in ffmpeg exiftool qpdf mat2 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-scrub: $tool is missing" >&2; exit 2; }
done
DIR=$(mktemp -d "${TMPDIR:-/tmp}/seal-bench-scrub.XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM
cd "$DIR"

tag() { # real tags, written by ExifTool, the way a phone would leave them
    exiftool -q -overwrite_original -GPSLatitude=37.5665 -GPSLatitudeRef=N -GPSLongitude=126.978 -GPSLongitudeRef=E \
        -Make=Phone -Model="Phone 12" -SerialNumber=SN123456789 -Artist="Kim" -Software="Camera 1.0" \
        -DateTimeOriginal="2026:03:01 08:00:00" "$@" >/dev/null
}

echo "making fixtures in $DIR ..."
ffmpeg -v error -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=45" -f lavfi -i "sine=frequency=440:duration=45" \
    -c:v libx264 -preset ultrafast -b:v 40M -maxrate 40M -bufsize 80M -c:a aac -movflags +faststart \
    -metadata title="dormitory" -metadata location="+37.5665+126.9780/" video.mp4
exiftool -q -overwrite_original -Keys:GPSCoordinates="37.5665 N, 126.978 E" -Keys:Make=Phone -Keys:Model="Phone 12" \
    -UserData:Make=Phone -XMP-dc:Creator=Kim video.mp4 >/dev/null
ffmpeg -v error -f lavfi -i "testsrc2=size=4000x3000:rate=1:duration=1,noise=alls=25:allf=t" -frames:v 1 -q:v 2 photo.jpg
tag -XMP-dc:Creator=Kim -IPTC:By-line=Kim photo.jpg

# A scanned contract: one 12-megapixel JPEG per page, objects written by hand without a
# cross-reference table, which qpdf then rebuilds; ExifTool adds an author as an
# incremental update, the way an editor would.
pdf_objects() {
    local pages=$1 kids="" i
    for i in $(seq 1 "$pages"); do kids="$kids $((i * 3 + 0)) 0 R"; done
    printf '%%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'
    printf '2 0 obj\n<< /Type /Pages /Count %d /Kids [%s ] >>\nendobj\n' "$pages" "$kids"
    for i in $(seq 1 "$pages"); do
        local page=$((i * 3)) img=$((i * 3 + 1)) content=$((i * 3 + 2)) ops="q 595 0 0 842 0 0 cm /Im Do Q"
        printf '%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /XObject << /Im %d 0 R >> >> >>\nendobj\n' \
            "$page" "$content" "$img"
        printf '%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n' "$content" "${#ops}" "$ops"
        printf '%d 0 obj\n<< /Type /XObject /Subtype /Image /Width 4000 /Height 3000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n' \
            "$img" "$(stat -c %s "scan$i.jpg")"
        cat "scan$i.jpg"
        printf '\nendstream\nendobj\n'
    done
    printf 'trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n' "$((pages * 3 + 3))"
}
for i in $(seq 1 8); do
    ffmpeg -v error -f lavfi -i "testsrc2=size=4000x3000:rate=1:duration=1,noise=alls=20:allf=t:all_seed=$i" -frames:v 1 -q:v 3 "scan$i.jpg"
    tag "scan$i.jpg"
done
pdf_objects 8 > raw.pdf
qpdf raw.pdf contract.pdf 2>/dev/null || [ $? -eq 3 ]
exiftool -q -overwrite_original -PDF:Author="Kim" -PDF:Creator="Scanner 3000" contract.pdf >/dev/null
rm -f raw.pdf scan*.jpg

measure() { # LABEL CMD...: prints wall seconds and peak RSS
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>&1 || { echo "bench-scrub: $label failed" >&2; exit 1; }
    read -r secs kib < time.txt
    printf "%-22s %8.2f s %8.1f MiB peak RSS\n" "$label" "$secs" "$(awk -v k="$kib" 'BEGIN{print k/1024}')"
    LAST=$secs
}

for f in video.mp4 photo.jpg contract.pdf; do
    size=$(stat -c %s "$f")
    echo
    echo "== $f ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB) =="
    rm -f "seal-$f" "exif-$f"
    measure "seal scrub" "$SEAL" scrub "$f" --out "seal-$f"; s=$LAST
    measure "exiftool -all=" exiftool -all= -o "exif-$f" "$f"; e=$LAST
    awk -v s="$s" -v e="$e" 'BEGIN { if (s > 0) printf "ratio exiftool/seal (time): %.2f\n", e / s }'
    # exiftool only appends a revision to a PDF (the old one stays); qpdf rewrites it whole.
    if [ "$f" = contract.pdf ]; then
        rm -f "qpdf-$f"
        measure "qpdf --linearize" qpdf --linearize "$f" "qpdf-$f"; q=$LAST
        awk -v s="$s" -v q="$q" 'BEGIN { if (s > 0) printf "ratio qpdf/seal (time): %.2f\n", q / s }'
    fi
    left=$(exiftool -a -G1 -s -GPS:all -SerialNumber -Artist -Make -Model -Author -Creator "seal-$f" | wc -l)
    echo "identifying tags left after seal scrub (exiftool): $left"
done

echo
echo "making office fixtures ..."
ffmpeg -v error -f lavfi -i "testsrc2=size=4000x3000:rate=1:duration=1,noise=alls=25:allf=t" -frames:v 1 -q:v 2 p1.jpg
exiftool -q -overwrite_original -GPSLatitude=37.5665 -GPSLatitudeRef=N -GPSLongitude=126.978 -GPSLongitudeRef=E \
    -Make=Phone -Model="Phone 12" -SerialNumber=SN123456789 p1.jpg >/dev/null
for i in $(seq 2 20); do cp p1.jpg "p$i.jpg"; done
"$PYTHON" - <<'PY'
import docx, openpyxl
from docx.shared import Inches
wb = openpyxl.Workbook()
ws = wb.active
for r in range(200_000):
    ws.append([r, f"worker {r}", r * 3.5, "Rongrong Seafood", "=A%d*2" % (r + 1)])
wb.properties.creator = "Kim"
wb.save("sheet.xlsx")
d = docx.Document()
d.core_properties.author = "Kim"
for i in range(1, 21):
    d.add_paragraph(f"Photo {i}")
    d.add_picture(f"p{i}.jpg", width=Inches(2))
d.save("photos.docx")
PY
for f in sheet.xlsx photos.docx; do
    size=$(stat -c %s "$f")
    echo
    echo "== $f ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB) =="
    rm -f "seal-$f"
    measure "seal scrub" "$SEAL" scrub "$f" --out "seal-$f"; s=$LAST
    measure "mat2" mat2 "$f"; m=$LAST
    awk -v s="$s" -v m="$m" 'BEGIN { if (s > 0) printf "ratio mat2/seal (time): %.2f\n", m / s }'
done
