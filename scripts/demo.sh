#!/usr/bin/env bash
# Offline round trip with demo keys: organisation key, two reviewers, a signed bundle,
# a report with an attachment, and opening it as each reviewer. Every step is printed.
set -euo pipefail
SEAL=${1:-.build/debug/seal}
SEAL=$(cd "$(dirname "$SEAL")" && pwd)/$(basename "$SEAL")
DIR=$(mktemp -d /tmp/sealrelay-demo.XXXXXX)
export SEAL_STATE_DIR="$DIR/state"
cd "$DIR"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "Demo directory: $DIR (demo keys are stored WITHOUT passphrases)"
step "$SEAL" org keygen --out org --no-passphrase
FP=$("$SEAL" fingerprint org/org.pub | awk '/^hex:/ {print $2}')
step "$SEAL" keygen --name alice --out reviewers --no-passphrase
step "$SEAL" keygen --name bob --out reviewers --no-passphrase
step "$SEAL" org bundle --org-key org/org.seckey --reviewer reviewers/alice.pub --reviewer reviewers/bob.pub \
    --relay-url https://127.0.0.1:8443 --valid-days 30 --out bundle.json
step "$SEAL" fingerprint bundle.json

printf 'Shift log, line 3: 14 hours, no pay since August.\n' > shift-log.txt
step "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" \
    --message "Our passports were taken on arrival." --attach shift-log.txt \
    --codename-file codename.txt --out report.seal
step "$SEAL" codename --codename-file codename.txt --language korean
step "$SEAL" open --key reviewers/alice.seckey --out opened-alice report.seal
step "$SEAL" open --key reviewers/bob.seckey --out opened-bob report.seal
echo
echo "What alice reads:"
find opened-alice -type f | sort | sed 's/^/  /'
printf '  message: %s\n' "$(cat opened-alice/*/*/message.txt)"
cmp shift-log.txt opened-alice/*/*/attachments/shift-log.txt && echo "  attachment identical to the original"
cat <<NEXT

Try next (in $DIR):
  $SEAL fingerprint reviewers/alice.pub
  $SEAL encrypt --bundle bundle.json --org-fingerprint $FP --message "a follow-up" --codename-file codename.txt --out second.seal
  $SEAL open --key reviewers/bob.seckey --out opened-bob .      # opens every .seal here, grouped by thread
NEXT
