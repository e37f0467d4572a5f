#!/usr/bin/env bash
# The daemon faces the internet, so it must carry no file parser it never runs: no
# scrubber code (SealScrub), no libqpdf, no ZIP code, no libxml2 (which arrives with
# FoundationXML). This fails the build's tests if any of them comes back into sealrelayd.
#
#   scripts/check-daemon-links.sh DAEMON SEAL
#
# SEAL, the CLI that does link them all, is checked the other way round, so a check that
# could no longer see them (a stripped binary, a renamed module) fails instead of passing.
set -euo pipefail
daemon=${1:?usage: $0 DAEMON SEAL}
seal=${2:?usage: $0 DAEMON SEAL}

libraries='libqpdf|libFoundationXML|libxml2'
symbols='SealScrub|ZIPFoundation|qpdf_'

found() { # BINARY -> the forbidden libraries and symbols it holds, one per line
    { readelf -d "$1" | grep NEEDED | grep -oE "$libraries" || true
      nm "$1" | grep -oE "$symbols" || true; } | sort -u
}

in_seal=$(found "$seal")
for what in libqpdf SealScrub ZIPFoundation; do
    grep -qx "$what" <<<"$in_seal" || { echo "check-daemon-links: cannot see $what in $seal; the check is blind" >&2; exit 1; }
done

in_daemon=$(found "$daemon")
if [ -n "$in_daemon" ]; then
    echo "check-daemon-links: $daemon links what it must not:" >&2
    sed 's/^/  /' <<<"$in_daemon" >&2
    exit 1
fi
echo "check-daemon-links: $daemon links no scrubber, libqpdf, ZIP or XML code"
