#!/usr/bin/env bash
# The one list of Debian packages SealRelay needs, and the one place that installs them.
#
#   scripts/install-deps.sh build   what `swift build` needs (make demo)
#   scripts/install-deps.sh test    that, plus every tool the test suite runs (make test, CI)
#   scripts/install-deps.sh bench   that, plus the baselines and profilers of the benchmarks
#
# Installs only what is missing, and only as root; otherwise it prints the exact
# `sudo apt-get install ...` line and stops, so nothing is installed behind anyone's back.
set -euo pipefail

# Building: libsodium (Argon2id, guarded memory, XChaCha20-Poly1305 key files) and libqpdf
# (the PDF scrubber, linked by `seal` only), found through pkg-config.
build=(libsodium-dev libqpdf-dev pkg-config)

# Testing. Oracles and fixtures for metadata removal: ExifTool and mat2 judge it, ffmpeg,
# libheif and webp decode what the scrubbers wrote, qpdf and poppler-utils check PDFs,
# sound-theme-freedesktop and goexif ship real files with real metadata, LibreOffice makes
# and renders documents. The page's browsers: chromium with its driver and CJK fonts, and
# Firefox ESR (Tor Browser's base). The relay's neighbours: PostgreSQL, tor (configuration
# checks), age (the benchmark baseline), python3-venv for the Python tests. tshark captures
# loopback to show a decoy and a report are the same size on the wire (root, as CI runs).
test=(python3-venv age time
    libimage-exiftool-perl mat2 ffmpeg libheif-examples webp libgs-common
    golang-github-rwcarlsen-goexif-dev sound-theme-freedesktop qpdf poppler-utils
    libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
    chromium chromium-driver fonts-noto-cjk firefox-esr libnss3-tools
    postgresql tor tshark)

# Benchmarks: nginx storing bodies and wrk loading it are the relay's baseline; perf profiles.
bench=(wrk nginx-light curl openssl linux-perf)

case "${1:-}" in
    build) wanted=("${build[@]}") ;;
    test) wanted=("${build[@]}" "${test[@]}") ;;
    bench) wanted=("${build[@]}" "${test[@]}" "${bench[@]}") ;;
    *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

# Firefox ESR 140, the base of Tor Browser 15, unpacked from Debian 12's own package beside
# the newer firefox-esr that apt installs (the page is tested in both); `make test` points
# FIREFOX_140 at it.
firefox140=/opt/firefox-esr-140/usr/lib/firefox-esr/firefox-esr
install_firefox140() {
    [ -x "$firefox140" ] && return 0
    version=$(apt-cache madison firefox-esr | awk '$3 ~ /^140\./ {print $3; exit}')
    [ -n "$version" ] || { echo "no firefox-esr 140 in the package lists" >&2; exit 1; }
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq "firefox-esr=$version" && dpkg -x firefox-esr_*.deb /opt/firefox-esr-140)
    rm -rf "$tmp"
}

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
want_firefox140=no
[ "$1" != build ] && [ ! -x "$firefox140" ] && want_firefox140=yes
[ ${#missing[@]} -eq 0 ] && [ $want_firefox140 = no ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "SealRelay needs these Debian packages; install them with:" >&2
    [ ${#missing[@]} -gt 0 ] && echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    [ $want_firefox140 = yes ] && echo "  and, as root, Firefox ESR 140 unpacked: sudo $0 $1" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ $want_firefox140 = yes ]; then
    echo "unpacking Firefox ESR 140 into /opt/firefox-esr-140" >&2
    apt-cache madison firefox-esr | grep -q ' 140\.' || apt-get update -qq
    install_firefox140
fi
