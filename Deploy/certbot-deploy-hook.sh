#!/bin/sh
# certbot deploy hook for SealRelay: copies a renewed Let's Encrypt certificate and key into
# the relay's state directory (as the files relay.conf already names, tls/cert.pem and
# tls/key.pem) and restarts the relay, which reads them at start-up only. certbot's own
# files stay root's alone.
#
#   install -m 0755 certbot-deploy-hook.sh /etc/letsencrypt/renewal-hooks/deploy/sealrelay.sh
#   # the first time, by hand (certbot sets RENEWED_LINEAGE on renewals):
#   RENEWED_LINEAGE=/etc/letsencrypt/live/relay.example.org /etc/letsencrypt/renewal-hooks/deploy/sealrelay.sh
#
# It acts only on the certificate whose name is the relay's `hostname` in relay.conf, so other
# certificates on the same host renew without touching the relay.
#
# It runs as root and writes into a directory the relay's user owns, so it never follows a
# link there: it refuses a tls/ that is a symlink or not a directory, builds the new files in
# a root-only directory beside the state directory, and renames them into place (a rename
# replaces a symlink at the target; it does not write through it).
set -eu
STATE=${SEALRELAY_STATE:-/var/lib/sealrelay}
OWNER=${SEALRELAY_USER:-sealrelay}
CONFIG=$STATE/relay.conf
lineage=${RENEWED_LINEAGE:?RENEWED_LINEAGE is not set (run by certbot, or set it by hand)}
host=$(sed -n 's/^hostname[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$CONFIG")
[ "$(basename "$lineage")" = "$host" ] || exit 0

if [ -L "$STATE/tls" ] || { [ -e "$STATE/tls" ] && [ ! -d "$STATE/tls" ]; }; then
    echo "sealrelay certbot hook: $STATE/tls is a symlink or not a directory; refusing to write through it" >&2
    exit 1
fi
install -d -m 0700 -o "$OWNER" -g "$OWNER" "$STATE/tls"
staging=$(mktemp -d "$(dirname "$STATE")/.sealrelay-certbot.XXXXXX")
trap 'rm -rf "$staging"' EXIT
install -m 0644 -o "$OWNER" -g "$OWNER" "$lineage/fullchain.pem" "$staging/cert.pem"
install -m 0600 -o "$OWNER" -g "$OWNER" "$lineage/privkey.pem" "$staging/key.pem"
mv -fT "$staging/cert.pem" "$STATE/tls/cert.pem"
mv -fT "$staging/key.pem" "$STATE/tls/key.pem"
# A restart lets uploads in flight finish first (SIGTERM, up to 20 s).
if [ -d /run/systemd/system ]; then systemctl try-restart sealrelayd.service; fi
