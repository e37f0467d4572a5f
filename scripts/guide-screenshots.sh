#!/usr/bin/env bash
# Makes the two pictures in docs/REVIEWER-GUIDE.md from a real run: a terminal session of
# `seal open` and `seal verify` on three reports with structured fields, and the case index
# those wrote, as LibreOffice Calc shows it. Demo keys without passphrases, in a temp folder.
#
#   scripts/guide-screenshots.sh [SEAL]      writes docs/images/guide-*.png
set -euo pipefail
cd "$(dirname "$0")/.."
SEAL=$(realpath "${1:-.build/debug/seal}")
out=$(realpath docs/images)
dir=$(mktemp -d /tmp/sealrelay-guide.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export SEAL_STATE_DIR="$dir/state"

quiet() { "$@" >/dev/null 2>&1; }
quiet "$SEAL" org keygen --out org --no-passphrase
FP=$("$SEAL" fingerprint org/org.pub | awk '/^hex:/ {print $2}')
quiet "$SEAL" keygen --name alice --out keys --no-passphrase
quiet "$SEAL" org bundle --org-key org/org.seckey --reviewer keys/alice.pub \
    --relay-url https://relay.example.org --valid-days 30 --out bundle.json
mkdir inbox
printf 'Invoice 2026-0412: 18 t frozen cod fillets, FOB Dalian.\n' > invoice.txt
report() {
    local n=$1; shift
    quiet "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --codename-file "codename-$n.txt" \
        --out "inbox/report-$n.seal" "$@"
}
report 1 --message "Passports taken on arrival; 14-hour shifts." --attach invoice.txt \
    --field workplace="제2가공공장" --field location="辽宁东港" --field product="frozen cod fillets" \
    --field shipment=MSCU1234567
report 2 --message "임금을 석 달째 못 받았습니다." --field workplace="제2가공공장" --field dates="2026년 3월-5월" \
    --field employer="Donggang Ocean Foods"
report 3 --message "工资被扣，不能离开宿舍。" --field location="辽宁丹东" --field buyer="an importer in Europe" \
    --field label="OCEAN PRIDE"

# The session, as a reviewer types it on the air-gapped machine.
session=$dir/session.txt
run() {
    printf '$ %s\n' "$*" | sed "s|$dir/||g; s|$SEAL|seal|; s|$FP|\$FP|" >> "$session"
    "$@" 2>&1 | sed "s|$dir/||g" >> "$session" || true
}
run "$SEAL" open --key keys/alice.seckey --bundle bundle.json --org-fingerprint "$FP" --out case inbox
run "$SEAL" verify --bundle bundle.json --org-fingerprint "$FP" case
printf 'Invoice 2026-0412: 19 t frozen cod fillets, FOB Dalian.\n' > "$(ls -d case/thread-*/report-*/attachments/invoice.txt)"
printf '$ # someone changes one byte of the invoice\n' >> "$session"
run "$SEAL" verify --bundle bundle.json --org-fingerprint "$FP" case
printf '$ echo $?\n1\n' >> "$session"

# The terminal picture: the session in a monospaced page, shot by headless Chromium.
python3 - "$session" "$dir/session.html" <<'PY'
import html, sys
text = open(sys.argv[1], encoding="utf-8").read()
lines = []
for line in text.splitlines():
    line = html.escape(line)
    lines.append(f'<b>{line}</b>' if line.startswith("$ ") else line)
open(sys.argv[2], "w", encoding="utf-8").write(
    "<!doctype html><meta charset=utf-8><style>body{margin:0;background:#1e1e1e}"
    "pre{margin:0;padding:16px;color:#ddd;font:13px/1.45 'DejaVu Sans Mono','Noto Sans Mono CJK SC',monospace;"
    "white-space:pre-wrap;word-break:break-all}b{color:#8fd18f}</style><pre>" + "\n".join(lines) + "</pre>")
PY
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,720 \
    --screenshot="$out/guide-terminal.png" "file://$dir/session.html" >/dev/null 2>&1

# The spreadsheet picture: index.csv read by Calc's CSV filter (comma, quote, UTF-8), its
# cells written out as a table and shot like the terminal (Calc's own PNG export is a
# printed page, which cuts the columns off).
cp case/index.csv index.csv
HOME=$dir soffice --headless --infilter="CSV:44,34,76,1" --convert-to html --outdir "$dir/calc" index.csv >/dev/null 2>&1
sed -i 's|</head>|<style>body{margin:8px;font:13px sans-serif}td{border:1px solid #bbb;padding:2px 6px;white-space:nowrap}</style></head>|I' \
    "$dir/calc/index.html"
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1500,200 \
    --screenshot="$out/guide-index-calc.png" "file://$dir/calc/index.html" >/dev/null 2>&1
echo "wrote $out/guide-terminal.png and $out/guide-index-calc.png"
