#!/usr/bin/env bash
# stop.sh ROOT - stops what start.sh started in the trixie root, and leaves no process and no mount behind.
#
#  1. destroys the running domains of the root's qemu:///system (QEMU would outlive libvirtd);
#  2. SIGTERM to libvirtd, then virtlogd (their pid files, inside the namespace), waiting for each;
#  3. SIGKILL to the PID namespace's init (start.sh's catatonit): the kernel kills every process left in
#     that namespace and the ones nested in it (a user's session libvirtd and its QEMU, passt and
#     virtiofsd in their own sandboxes, podman's containers and pause processes); with the last of them
#     the mount namespace, and every mount in it, is gone.
# Then checks that no process of the root is left (none in its PID namespace, none chrooted there) and
# no mount is under ROOT, and empties ROOT/run. Idempotent: a root that is not started is only checked.
set -uo pipefail

die() { echo "stop.sh: FAILED: $*" >&2; exit 1; }
log() { echo "stop.sh: $*" >&2; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ $# == 1 ]] || die "usage: stop.sh ROOT"
ROOT=$1
[[ $ROOT == /* ]] || ROOT=$PWD/$ROOT
ROOT=${ROOT%/}
[[ -d $ROOT ]] || die "no such root: $ROOT"
PIDF=$ROOT/run/pb-trixie-ns.pid
T0=$(date +%s.%N)

alive() { # PID: running, not a zombie
    local st
    read -r st 2>/dev/null < "/proc/$1/stat" || return 1
    st=${st##*) }
    [[ ${st%% *} != Z ]]
}
wait_gone() { # PID SECONDS
    local i
    for ((i = 0; i < $2 * 20; i++)); do alive "$1" || return 0; sleep 0.05; done
    return 1
}
# processes in the PID namespace PIDNS (a /proc/PID/ns/pid link) or chrooted in ROOT (one find, no fork a process)
members() {
    find /proc -mindepth 2 -maxdepth 3 \( -path '/proc/[0-9]*/ns/pid' -o -path '/proc/[0-9]*/root' \) \
        -printf '%p %l\n' 2>/dev/null |
        awk -v ns="$1" -v root="$ROOT" -v me="$$" '
            { split($1, a, "/"); pid = a[3] }
            pid == me { next }
            (ns != "" && $2 == ns) || $2 == root { print pid }' | sort -un
}

INIT=
PIDNS=
if [[ -f $PIDF ]] && alive "$(cat "$PIDF")"; then
    INIT=$(cat "$PIDF")
    PIDNS=$(readlink "/proc/$INIT/ns/pid")
    in_ns() { timeout 30 nsenter -t "$INIT" -m -p -r -w -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
    # 1. domains
    if [[ -S $ROOT/run/libvirt/libvirt-sock ]]; then
        URI="qemu:///system?socket=$ROOT/run/libvirt/libvirt-sock"
        for d in $(timeout 20 virsh -c "$URI" list --name 2>/dev/null); do
            log "destroying running domain $d"
            timeout 30 virsh -c "$URI" destroy "$d" >/dev/null || log "could not destroy $d"
        done
    fi
    # 2. the daemons, libvirtd first (it writes through virtlogd); pids as the namespace sees them
    # shellcheck disable=SC2016
    in_ns sh -c '
        for d in libvirtd virtlogd; do
            [ -f /run/$d.pid ] || continue
            p=$(cat /run/$d.pid)
            kill -TERM "$p" 2>/dev/null || continue
            i=0
            while kill -0 "$p" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
            if kill -0 "$p" 2>/dev/null; then echo "$d did not stop in 15 s: SIGKILL" >&2; kill -KILL "$p"; fi
        done' || log "stopping the daemons failed: the namespace's end kills them"
    left=$(members "$PIDNS" | grep -vx "$INIT")
    [[ -z $left ]] || log "killing with the namespace: $(for p in $left; do printf '%s(%s) ' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"; done)"
    # 3. the init, and with it everything in the namespace
    kill -KILL "$INIT"
    wait_gone "$INIT" 10 || die "the namespace init $INIT does not end"
    for _ in $(seq 1 100); do [[ -z $(members "$PIDNS") ]] && break; sleep 0.05; done
fi

left=$(members "$PIDNS")
[[ -z $left ]] || die "processes of $ROOT are left: $left"
if findmnt -rn -o TARGET | grep -qE "^$ROOT(/|$)"; then
    die "mounts left under $ROOT: $(findmnt -rn -o TARGET | grep -E "^$ROOT(/|$)" | tr '\n' ' ')"
fi
find "$ROOT/run" -mindepth 1 -maxdepth 1 ! -name lock ! -name pb-trixie-ns.log -exec rm -rf --one-file-system {} + 2>/dev/null
if [[ -n $INIT ]]; then
    log "stopped in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$T0}")s; no process and no mount left in $ROOT"
else
    log "was not started; no process and no mount in $ROOT"
fi
