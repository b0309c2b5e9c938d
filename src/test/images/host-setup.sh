#!/bin/sh
# host-setup.sh - idempotent host set-up that pb's integration tests need (run as root).
#
# This is TEST-HOST configuration, not something pb itself hard-codes:
#  * podman: crun fails on some hosts (hybrid cgroups, rlimits). runc with explicit ulimits works
#    everywhere we measured, so tests pin it in a containers.conf drop-in:
#      [engine]     runtime = "runc"
#      [containers] default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
#  * with --libvirt: start virtlogd/libvirtd by hand when PID 1 is not systemd.
#
# Usage: host-setup.sh [--libvirt]
set -eu

log() { echo "host-setup: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    echo "host-setup: must run as root" >&2
    exit 1
fi

apt_install() {
    log "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "$@" >/dev/null 2>&1 || {
        apt-get update -q >/dev/null 2>&1 || true
        apt-get install -y -q "$@"
    }
}

# --- podman + runc -------------------------------------------------------------------------------
missing=""
command -v podman >/dev/null 2>&1 || missing="$missing podman"
command -v runc >/dev/null 2>&1 || missing="$missing runc"
# shellcheck disable=SC2086
[ -z "$missing" ] || apt_install $missing

CONF_DIR=/etc/containers/containers.conf.d
CONF_FILE=$CONF_DIR/50-pb-tests.conf
WANT='# written by pb src/test/images/host-setup.sh (test host configuration)
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]'
mkdir -p "$CONF_DIR"
if [ ! -f "$CONF_FILE" ] || [ "$(cat "$CONF_FILE")" != "$WANT" ]; then
    printf '%s\n' "$WANT" >"$CONF_FILE"
    log "wrote $CONF_FILE"
fi

# podman < 4.0 ignores containers.conf.d drop-ins; fall back to the main file there.
rt=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true)
if [ "$rt" != runc ]; then
    MAIN=/etc/containers/containers.conf
    if [ ! -f "$MAIN" ]; then
        printf '%s\n' "$WANT" >"$MAIN"
        log "wrote $MAIN"
    else
        log "WARNING: podman runtime is '$rt', not runc, and $MAIN exists: add the settings of $CONF_FILE to it by hand"
    fi
fi

# --- libvirt (optional) ---------------------------------------------------------------------------
if [ "${1:-}" = --libvirt ]; then
    missing=""
    command -v libvirtd >/dev/null 2>&1 || missing="$missing libvirt-daemon-system libvirt-clients"
    command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
    command -v qemu-img >/dev/null 2>&1 || missing="$missing qemu-utils"
    [ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing="$missing ovmf"
    # shellcheck disable=SC2086
    [ -z "$missing" ] || apt_install $missing
    if [ "$(ps -p 1 -o comm= 2>/dev/null)" != systemd ]; then
        pgrep -x virtlogd >/dev/null || { virtlogd -d; log "started virtlogd"; }
        pgrep -x libvirtd >/dev/null || { libvirtd -d; log "started libvirtd"; }
    fi
fi
exit 0
