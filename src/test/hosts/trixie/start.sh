#!/usr/bin/env bash
# start.sh ROOT - starts the trixie root's own libvirt (built by build-root.sh) beside this host's.
#
# Debian trixie ships libvirt 11.3 with the monolithic libvirtd only (no virtqemud, virtnetworkd...),
# so this starts virtlogd and libvirtd, as this host's own libvirt is started without systemd.
#
# They run in a private mount namespace and a PID namespace (unshare -m -p) whose root is ROOT (bound on itself, then
# pivot_root: runc needs / to be a mount point, and a chrooted process may not create a user
# namespace, which rootless podman, passt and virtiofsd do), with /proc, /sys (with the cgroup mounts
# libvirt and podman use) and /dev (with /dev/pts for QEMU's ptys). None of these mounts is seen by this host, and they
# all vanish with the namespace's last process (stop.sh). The PID namespace's init (catatonit, its pid
# as this host sees it in ROOT/run/pb-trixie-ns.pid) keeps the namespaces alive and reaps orphans;
# killing it kills everything started from the root (stop.sh). enter.sh runs commands in them.
#
# ROOT/run is the root's own /run on disk (no tmpfs): its sockets are reachable from this host:
#   virsh -c 'qemu:///system?socket=ROOT/run/libvirt/libvirt-sock' version
#   chroot ROOT virsh -c qemu:///system version
# ROOT/run/libvirt/virtqemud-sock is a symlink to libvirt-sock, so the URI a host with modular
# daemons (Fedora) would use answers too. Network namespace and PID namespace are this host's: passt
# and QEMU's port forwards listen on this host's loopback.
#
# PB_TRIXIE_BIND="HOSTDIR:DIR[:ro] ..." binds host folders at DIR in the root (in the namespace only),
# e.g. PB_TRIXIE_BIND="/work/main:/src/main:ro /root/.m2:/mnt/host-m2:ro".
#
# Idempotent: when already started and answering, prints the URI and exits 0. Empties ROOT/run
# before starting (as a boot would: stale pid files, sockets, podman's run state).
# Daemon logs: ROOT/var/log/libvirt/{libvirtd,virtlogd}.log (printed when the start fails).
set -euo pipefail

die() { echo "start.sh: FAILED: $*" >&2; exit 1; }
log() { echo "start.sh: $*" >&2; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ $# == 1 ]] || die "usage: start.sh ROOT"
ROOT=$1
[[ $ROOT == /* ]] || ROOT=$PWD/$ROOT
ROOT=${ROOT%/}
[[ -f $ROOT/.pb-root-stamp && -x $ROOT/usr/sbin/libvirtd ]] || die "$ROOT is no root of build-root.sh (no .pb-root-stamp or libvirtd)"

SOCK=$ROOT/run/libvirt/libvirt-sock
URI="qemu:///system?socket=$SOCK"
PIDF=$ROOT/run/pb-trixie-ns.pid
T0=$(date +%s.%N)

answers() { virsh -c "$URI" version >/dev/null 2>&1 || chroot "$ROOT" virsh -c qemu:///system version >/dev/null 2>&1; }
show_logs() {
    local f
    for f in "$ROOT/var/log/libvirt/virtlogd.log" "$ROOT/var/log/libvirt/libvirtd.log" "$ROOT/run/pb-trixie-ns.log"; do
        [[ -s $f ]] || continue
        echo "----- $f (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
}

if [[ -f $PIDF ]] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
    if answers; then
        log "already started (namespace init $(cat "$PIDF")): $URI"
        echo "$URI"
        exit 0
    fi
    show_logs
    die "started (namespace init $(cat "$PIDF")) but libvirt does not answer: stop.sh $ROOT, then start again"
fi

# Nothing of an earlier run may still be in the root (a process chrooted there, a mount).
if findmnt -rn -o TARGET | grep -qE "^$ROOT(/|$)"; then
    die "something is mounted under $ROOT in this host's namespace: $(findmnt -rn -o TARGET | grep -E "^$ROOT(/|$)" | head -3 | tr '\n' ' ')"
fi
for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$ROOT" ]] && die "process ${p#/proc/} still runs in $ROOT: stop.sh $ROOT"
done

# /dev is this host's: its /dev/kvm belongs to the host's kvm group. The root's own kvm group (another gid)
# would leave libvirt-qemu without /dev/kvm, while QEMU's capability probe sees KVM: libvirt 11 then
# finds its cached capabilities outdated at every lookup ("KVM was enabled when probing ..., but it is
# not available now") and probes QEMU again each time (a define took 77 s). Same gid as the host's.
kvm_gid=$(stat -c %g /dev/kvm 2>/dev/null || true)
root_kvm=$(chroot "$ROOT" getent group kvm | cut -d: -f3)
if [[ -n $kvm_gid && -n $root_kvm && $kvm_gid != "$root_kvm" ]]; then
    chroot "$ROOT" groupmod -o -g "$kvm_gid" kvm
    log "the root's kvm group: gid $root_kvm -> $kvm_gid (this host's /dev/kvm)"
fi

# A boot: empty /run and /tmp, and the users' runtime state that would be under
# /run/user/UID on a host with systemd: a session libvirtd without XDG_RUNTIME_DIR keeps its sockets,
# pid files and domain status in ~/.cache/libvirt, rootless podman in /tmp. PIDs start again at 1 in a
# new PID namespace, so a stale pid file would name a live process (a session domain shown running).
find "$ROOT/run" "$ROOT/tmp" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
for c in "$ROOT"/root/.cache/libvirt "$ROOT"/home/*/.cache/libvirt; do
    [[ -d $c ]] || continue
    find "$c" -mindepth 1 -maxdepth 1 ! -name qemu -exec rm -rf --one-file-system {} +
    rm -rf --one-file-system "$c/qemu/run"
done
mkdir -p "$ROOT/run/lock" "$ROOT/run/libvirt" "$ROOT/var/log/libvirt"
: > "$ROOT/var/log/libvirt/libvirtd.log"
: > "$ROOT/var/log/libvirt/virtlogd.log"

# The namespaces: a mount namespace and a PID namespace whose init holds both. Every process started
# from the root stays in that PID namespace, whatever namespaces it makes of its own (passt, virtiofsd
# and rootless podman sandbox themselves in new mount namespaces, which a mount-namespace check misses):
# stop.sh kills the init, and the kernel kills them all.
# shellcheck disable=SC2016
INNER='
set -eu
R=$1
# the init'"'"'s pid as this host sees it: /proc is still the host'"'"'s here
read -r hostpid _ < /proc/self/stat
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"
mount --rbind /dev "$R/dev"
# PB_TRIXIE_BIND: host folders for the root (a checkout, a Maven repository), made before the pivot
for b in ${PB_TRIXIE_BIND:-}; do
    IFS=: read -r src dst opt <<< "$b"
    mkdir -p "$R$dst"
    mount --bind "$src" "$R$dst"
    [ "$opt" != ro ] || mount -o remount,bind,ro "$R$dst"
done
# pivot_root, not chroot: the kernel refuses a user namespace to a chrooted process (EPERM), and
# rootless podman, passt and virtiofsd each make one
cd "$R"
pivot_root . .
umount -l .
cd /
exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 HOSTPID="$hostpid" /bin/sh -c "
set -e
# shared inside this namespace only (its parent is private): rootless podman wants / shared
mount --make-rshared /
LIBVIRT_LOG_OUTPUTS=3:file:/var/log/libvirt/virtlogd.log virtlogd -d
LIBVIRT_LOG_OUTPUTS=3:file:/var/log/libvirt/libvirtd.log libvirtd -d
echo \$HOSTPID > /run/pb-trixie-ns.pid
echo namespace ready >&2
# the init: reaps the daemons'"'"' orphans; only SIGKILL from outside ends it (stop.sh)
exec catatonit -P
"
'
export PB_TRIXIE_BIND
rm -f "$PIDF"
setsid unshare --mount --pid --fork --propagation private -- bash -c "$INNER" inner "$ROOT" \
    </dev/null >"$ROOT/run/pb-trixie-ns.log" 2>&1 &
launcher=$!

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for _ in $(seq 1 300); do
    if ! kill -0 "$launcher" 2>/dev/null; then
        show_logs
        "$here/stop.sh" "$ROOT" >/dev/null 2>&1 || true
        die "the namespace ended at once (its log above)"
    fi
    [[ -f $PIDF && -S $SOCK ]] && answers && break
    sleep 0.1
done
if ! answers; then
    show_logs
    "$here/stop.sh" "$ROOT" >&2 || true
    die "libvirt in $ROOT does not answer on $SOCK after 30 s (stopped again)"
fi
ln -sfn libvirt-sock "$ROOT/run/libvirt/virtqemud-sock"
log "started in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$T0}")s: libvirtd and virtlogd in a PID namespace whose init (catatonit) is $(cat "$PIDF") here"
echo "$URI"
