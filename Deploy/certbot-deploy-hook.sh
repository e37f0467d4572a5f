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
set -eu
STATE=/var/lib/sealrelay
CONFIG=$STATE/relay.conf
lineage=${RENEWED_LINEAGE:?RENEWED_LINEAGE is not set (run by certbot, or set it by hand)}
host=$(sed -n 's/^hostname[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$CONFIG")
[ "$(basename "$lineage")" = "$host" ] || exit 0

install -d -m 0700 -o sealrelay -g sealrelay "$STATE/tls"
install -m 0644 -o sealrelay -g sealrelay "$lineage/fullchain.pem" "$STATE/tls/cert.pem.new"
install -m 0600 -o sealrelay -g sealrelay "$lineage/privkey.pem" "$STATE/tls/key.pem.new"
mv -f "$STATE/tls/cert.pem.new" "$STATE/tls/cert.pem"
mv -f "$STATE/tls/key.pem.new" "$STATE/tls/key.pem"
# A restart lets uploads in flight finish first (SIGTERM, up to 20 s).
if [ -d /run/systemd/system ]; then systemctl try-restart sealrelayd.service; fi
