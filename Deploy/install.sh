#!/usr/bin/env bash
# Installs sealrelayd on Debian 12 as a systemd service. Safe to run again: it upgrades the
# binary and the unit, and never touches an existing relay.conf, spool or key.
#
#   sudo Deploy/install.sh --binary .build/release/sealrelayd \
#       --bundle bundle.json --reviewer-credential alice.fetch.pub --hostname relay.example.org
#
# Options:
#   --binary PATH                 sealrelayd to install (required)
#   --bundle FILE                 the organisation-signed bundle (required on first install)
#   --reviewer-credential FILE    a reviewer's NAME.fetch.pub (repeatable)
#   --hostname NAME               host name for the self-signed certificate
#   --listen HOST:PORT            public HTTPS listener (default 0.0.0.0:8443)
#   --onion-listen HOST:PORT      loopback plain-HTTP listener for Tor (see tor-onion-service.torrc)
#   --tls-certificate FILE --tls-key FILE
#                                 use an existing certificate in place (the sealrelay user must
#                                 be able to read both; for Let's Encrypt see
#                                 certbot-deploy-hook.sh instead)
#   --no-start                    install and enable, but do not (re)start the service
#
# The --bundle ... --tls-key options are passed to `sealrelayd init`, which runs only when
# /var/lib/sealrelay/relay.conf does not exist yet.
set -euo pipefail

USER_NAME=sealrelay
STATE_DIR=/var/lib/sealrelay
CONFIG=$STATE_DIR/relay.conf
BIN_DEST=/usr/local/bin/sealrelayd
UNIT_DEST=/etc/systemd/system/sealrelayd.service
DOC_DIR=/usr/local/share/doc/sealrelay
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "install.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

binary="" bundle="" hostname="" listen="" onion="" cert="" key="" start=yes
credentials=()
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=${2:?}; shift 2 ;;
        --bundle) bundle=${2:?}; shift 2 ;;
        --reviewer-credential) credentials+=("${2:?}"); shift 2 ;;
        --hostname) hostname=${2:?}; shift 2 ;;
        --listen) listen=${2:?}; shift 2 ;;
        --onion-listen) onion=${2:?}; shift 2 ;;
        --tls-certificate) cert=${2:?}; shift 2 ;;
        --tls-key) key=${2:?}; shift 2 ;;
        --no-start) start=no; shift ;;
        -h|--help) usage ;;
        *) echo "install.sh: unknown argument $1" >&2; usage ;;
    esac
done

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -n "$binary" ] || die "--binary PATH is required"
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then die "$binary is not an executable file"; fi
[ -f "$HERE/sealrelayd.service" ] || die "sealrelayd.service not found next to this script"
if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
        echo "install.sh: made for Debian 12, this is ${PRETTY_NAME:-unknown}; carrying on" >&2
    fi
fi

# 1. Runtime library. The binary links libsodium; build it with --static-swift-stdlib so the
#    Swift runtime is inside it.
if ! dpkg-query -W -f='${Status}' libsodium23 2>/dev/null | grep -q "ok installed"; then
    echo "installing libsodium23"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsodium23
fi
missing=$(ldd "$binary" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
[ -z "$missing" ] || die "$binary needs libraries this system lacks: $missing(build with: swift build -c release --static-swift-stdlib --product sealrelayd)"

# 2. The service user: a system account with no login shell and no home of its own.
if ! getent group "$USER_NAME" >/dev/null; then
    groupadd --system "$USER_NAME"
fi
if ! getent passwd "$USER_NAME" >/dev/null; then
    useradd --system --gid "$USER_NAME" --home-dir "$STATE_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "SealRelay relay" "$USER_NAME"
    echo "created system user $USER_NAME"
fi

# 3. The binary, replaced by rename so a running relay keeps its old inode until restarted.
changed=no
if ! cmp -s "$binary" "$BIN_DEST"; then
    install -D -m 0755 -o root -g root "$binary" "$BIN_DEST.new"
    mv -f "$BIN_DEST.new" "$BIN_DEST"
    changed=yes
    echo "installed $BIN_DEST"
fi
# The submission page and the word lists it serves are SwiftPM resource folders that must sit
# next to the executable; without them the relay runs but answers 404 at /.
for res in "$(dirname "$binary")"/SealRelay_SealRelay.resources "$(dirname "$binary")"/SealRelay_SealCore.resources; do
    [ -d "$res" ] || { echo "install.sh: $res is missing; the relay will run without its submission page" >&2; continue; }
    dest="$(dirname "$BIN_DEST")/$(basename "$res")"
    rm -rf "$dest.new"
    cp -R "$res" "$dest.new"
    chown -R root:root "$dest.new"
    chmod -R u=rwX,go=rX "$dest.new"
    rm -rf "$dest"
    mv "$dest.new" "$dest"
    changed=yes
done
# Does it start at all (loader, libraries, CPU)? 126/127 mean it could not be executed.
rc=0
"$BIN_DEST" --help >/dev/null 2>&1 || rc=$?
[ "$rc" -lt 126 ] || die "$BIN_DEST does not run here (exit status $rc)"

# 4. The state directory: keys, config and spool, owned by the service user alone.
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$STATE_DIR"
chown "$USER_NAME:$USER_NAME" "$STATE_DIR"
chmod 0700 "$STATE_DIR"

# 5. First install only: sealrelayd init, as the service user so every file it writes is
#    that user's. The bundle and credentials are staged where that user can read them.
if [ -e "$CONFIG" ]; then
    if [ -n "$bundle" ] || [ ${#credentials[@]} -gt 0 ]; then
        echo "install.sh: $CONFIG exists; not re-initialising (edit it by hand, then restart)" >&2
    fi
else
    [ -n "$bundle" ] || die "first install: --bundle FILE is required to initialise $STATE_DIR"
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    chown "$USER_NAME:$USER_NAME" "$stage"
    chmod 0700 "$stage"
    install -m 0600 -o "$USER_NAME" -g "$USER_NAME" "$bundle" "$stage/bundle.json"
    args=(init --dir "$STATE_DIR" --bundle "$stage/bundle.json")
    i=0
    for c in "${credentials[@]}"; do
        i=$((i + 1))
        install -m 0600 -o "$USER_NAME" -g "$USER_NAME" "$c" "$stage/$i-$(basename "$c")"
        args+=(--reviewer-credential "$stage/$i-$(basename "$c")")
    done
    [ -z "$hostname" ] || args+=(--hostname "$hostname")
    [ -z "$listen" ] || args+=(--listen "$listen")
    [ -z "$onion" ] || args+=(--onion-listen "$onion")
    if [ -n "$cert$key" ]; then
        if [ -z "$cert" ] || [ -z "$key" ]; then die "give both --tls-certificate and --tls-key"; fi
        cert=$(realpath "$cert") key=$(realpath "$key")
        args+=(--tls-certificate "$cert" --tls-key "$key")
        for f in "$cert" "$key"; do
            runuser -u "$USER_NAME" -- test -r "$f" ||
                echo "install.sh: warning: $USER_NAME cannot read $f; the relay will not start until it can (for Let's Encrypt, use certbot-deploy-hook.sh)" >&2
        done
    fi
    (cd / && runuser -u "$USER_NAME" -- env -i HOME="$STATE_DIR" PATH=/usr/bin:/bin "$BIN_DEST" "${args[@]}")
    rm -rf "$stage"
    trap - EXIT
    echo "initialised $STATE_DIR (organisation bundle, relay key, TLS pair, config)"
fi

# 6. Reference files, and the unit.
install -d -m 0755 "$DOC_DIR"
for f in relay.conf.sample tor-onion-service.torrc certbot-deploy-hook.sh; do
    [ ! -f "$HERE/$f" ] || install -m 0644 "$HERE/$f" "$DOC_DIR/$f"
done
if ! cmp -s "$HERE/sealrelayd.service" "$UNIT_DEST"; then
    install -m 0644 "$HERE/sealrelayd.service" "$UNIT_DEST"
    changed=yes
    echo "installed $UNIT_DEST"
fi

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable sealrelayd.service
    if [ "$start" = yes ]; then
        if [ "$changed" = yes ]; then systemctl restart sealrelayd.service; else systemctl start sealrelayd.service; fi
        systemctl --no-pager --lines=5 status sealrelayd.service || true
    fi
else
    # No running systemd (a container or a chroot): enable offline, start nothing.
    SYSTEMD_OFFLINE=1 systemctl enable sealrelayd.service
    echo "systemd is not running here: enabled, not started"
fi

admin=$(sed -n 's/^admin_listen[[:space:]]*=[[:space:]]*//p' "$CONFIG" | tr -d '"')
echo
echo "config:   $CONFIG"
echo "logs:     journalctl -u sealrelayd"
echo "health:   curl -s http://${admin:-127.0.0.1:9443}/healthz"
echo "Tor:      $DOC_DIR/tor-onion-service.torrc"
echo "TLS:      for Let's Encrypt, install $DOC_DIR/certbot-deploy-hook.sh in /etc/letsencrypt/renewal-hooks/deploy/"
