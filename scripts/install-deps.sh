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
# checks), age (the benchmark baseline), python3-venv for the Python tests.
test=(python3-venv age time
    libimage-exiftool-perl mat2 ffmpeg libheif-examples webp libgs-common
    golang-github-rwcarlsen-goexif-dev sound-theme-freedesktop qpdf poppler-utils
    libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
    chromium chromium-driver fonts-noto-cjk firefox-esr libnss3-tools
    postgresql tor)

# Benchmarks: nginx storing bodies and wrk loading it are the relay's baseline; perf profiles.
bench=(wrk nginx-light curl openssl linux-perf)

case "${1:-}" in
    build) wanted=("${build[@]}") ;;
    test) wanted=("${build[@]}" "${test[@]}") ;;
    bench) wanted=("${build[@]}" "${test[@]}" "${bench[@]}") ;;
    *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "SealRelay needs these Debian packages; install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
