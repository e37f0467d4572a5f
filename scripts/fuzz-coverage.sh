#!/usr/bin/env bash
# The line coverage each fuzz target reaches in the code it is aimed at (SECURITY.md
# "Fuzzing"). The targets are built with llvm-cov's instrumentation in place of the address
# sanitizer; each replays once (-runs=0) its committed corpus and what earlier runs found
# (.artifacts/fuzz/corpus/), and llvm-cov counts the lines run in that target's own files.
#
#   scripts/fuzz-coverage.sh [TARGET ...]      prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=($(ls Fuzz/Sources/Entry))
fi
# The toolchain's own LLVM tools: Debian's older ones cannot read its profiles.
llvm=$(dirname "$(readlink -f "$(command -v swift)")")

# In a build folder of its own, so the sanitized build of scripts/fuzz.sh stays as it is.
bash scripts/fuzz-build.sh .build-fuzz-cov -sanitize=fuzzer -profile-generate -profile-coverage-mapping

# The files a target is aimed at: its parser, not the code every target links.
aimed_at() {
    case $1 in
        EnvelopeHead) echo Sources/SealCore/Envelope/EnvelopeHead*.swift Sources/SealCore/Envelope/Stanza.swift ;;
        Validator) echo Sources/SealRelay/Intake/EnvelopeValidator.swift ;;
        UploadTable) echo Sources/SealRelay/Intake/UploadTable.swift ;;
        RelayConfig) echo Sources/SealRelay/Config/*.swift ;;
        ReportContainer) echo Sources/SealCore/Report/{ReportReader,Manifest,ReportFields,AttachmentName}.swift ;;
        Bundle) echo Sources/SealCore/Bundle/{RecipientBundle,JSON,Day}.swift ;;
        KeyFile) echo Sources/SealCore/Keys/{SecretKeyFile,ReviewerPublicKey,ReviewerIdentity,PassphraseProtection}.swift ;;
        RequestSignature) echo Sources/SealAPI/HTTPMessageSignature.swift ;;
        PoWToken) echo Sources/SealAPI/ProofOfWork/PoWToken.swift ;;
        ScrubJPEG) echo Sources/SealScrub/Images/JPEG*.swift ;;
        ScrubPNG) echo Sources/SealScrub/Images/PNG*.swift ;;
        ScrubWebP) echo Sources/SealScrub/Images/WebP*.swift ;;
        ScrubHEIF) echo Sources/SealScrub/Images/HEIF/*.swift ;;
        ScrubMP4) echo Sources/SealScrub/Media/MP4/*.swift ;;
        ScrubMP3) echo Sources/SealScrub/Media/MP3/*.swift Sources/SealScrub/Media/ID3v2.swift ;;
        ScrubFLAC) echo Sources/SealScrub/Media/FLAC*.swift Sources/SealScrub/Media/VorbisComment.swift ;;
        ScrubOgg) echo Sources/SealScrub/Media/Ogg/*.swift Sources/SealScrub/Media/VorbisComment.swift ;;
        ScrubPDF) echo Sources/SealScrub/PDF/*.swift ;;
        ScrubOffice) echo Sources/SealScrub/Documents/*.swift ;;
        *) echo "no files named for $1 in $0" >&2; exit 1 ;;
    esac
}

out=.artifacts/fuzz/coverage
mkdir -p "$out"
echo "| target | inputs | lines | lines run |"
echo "|---|---|---|---|"
for t in "${targets[@]}"; do
    mkdir -p ".artifacts/fuzz/corpus/$t"
    inputs=$(find ".artifacts/fuzz/corpus/$t" "Fuzz/Corpus/$t" -type f | wc -l)
    LLVM_PROFILE_FILE="$out/$t.profraw" .build-fuzz-cov/release/fuzz-"$t" -runs=0 \
        ".artifacts/fuzz/corpus/$t" "Fuzz/Corpus/$t" >"$out/$t.log" 2>&1
    "$llvm/llvm-profdata" merge -sparse "$out/$t.profraw" -o "$out/$t.profdata"
    files=$(aimed_at "$t")  # on its own line, so that a target with no files stops the script
    # shellcheck disable=SC2086  # one word per file
    "$llvm/llvm-cov" export -summary-only -instr-profile="$out/$t.profdata" \
        .build-fuzz-cov/release/fuzz-"$t" $files |
        python3 -c 'import json, sys
lines = json.load(sys.stdin)["data"][0]["totals"]["lines"]
print("| {} | {} | {:,} | {:,} ({:.0f} %) |".format(*sys.argv[1:], lines["count"], lines["covered"], lines["percent"]))' "$t" "$inputs"
done
