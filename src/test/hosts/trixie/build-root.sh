#!/usr/bin/env bash
# build-root.sh [ROOT] - builds (or keeps) a Debian trixie root for pb's tests: a second "host" with
# libvirt 11.3 (modular daemons), QEMU 10.0, passt, virtiofsd 1.13 (Rust), podman 5.4 and OpenJDK 21,
# run beside this bookworm host by start.sh/stop.sh (its own libvirt on sockets under ROOT/run).
#
#   ROOT   default /var/cache/pb-tests/trixie-root
#
# Idempotent: ROOT/.pb-root-stamp holds a hash of the recipe (suite, package list, configuration
# written below). When it matches, nothing is done. Otherwise the root is built from nothing in
# ROOT.build and swapped in only once it works; an interrupted build leaves the old root untouched.
#
# Every mount (debootstrap's, /proc, /sys, /dev, the .deb cache) is made in a private mount namespace
# of the build (unshare -m): none is ever seen by this host, and all vanish with the build's
# processes, on failure too (they are also unmounted explicitly).
#
# Debian trixie packages libvirt 11.3 with the monolithic libvirtd only (no virtqemud/virtnetworkd:
# libvirt-daemon-driver-qemu holds the driver module, libvirt-daemon the one daemon): start.sh runs it.
#
# Environment:
#   PB_TRIXIE_MIRROR     Debian mirror (default: the first .../debian URI of this host's apt sources)
#   PB_TRIXIE_SECURITY   security mirror (default: the host's .../debian-security URI; "none" skips it)
#   PB_TRIXIE_DEBS       .deb cache kept between builds (default: ROOT's folder/trixie-debs; "none": off)
#
# Prints the time each step took, the root's size and the versions it got (also in ROOT/.pb-root-versions).
# Fails with a non-zero exit and one line "build-root: FAILED: ..." (the step's log tail above it).
set -euo pipefail

SUITE=trixie
# What a pb host needs (PackageManager's apt names, with trixie's own virtiofsd package), and what
# podman needs to run on this cgroup-v1 host (runc: crun fails here). No recommends.
PACKAGES=(
    libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu libvirt-daemon-driver-network
    qemu-system-x86 qemu-utils ovmf swtpm swtpm-tools genisoimage
    passt virtiofsd
    podman runc uidmap catatonit
    openjdk-21-jdk-headless ca-certificates
    openssh-client iproute2 dnsmasq-base dnsmasq-utils sudo procps
)
# A user for qemu:///session and rootless podman inside the root (its uid is unused on the host).
TEST_USER=pbt
TEST_UID=1600
TEST_SUBID=300000:65536
# Test-host configuration, as src/test/images/host-setup.sh writes it on the host: runc with explicit
# ulimits; no systemd in the root, so cgroupfs and a file event log; containers get no network by default.
CONTAINERS_CONF='# written by pb src/test/hosts/trixie/build-root.sh (test host configuration)
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
# the root shares the host'"'"'s network namespace: netavark'"'"'s default bridge (podman0, 10.88.0.0/16, an nft
# table) would sit beside the host podman'"'"'s own. No network unless asked (--network pasta works).
netns = "none"
'
# Nothing in the root starts a service by itself (postinst scripts would start libvirtd on the host).
POLICY_RC_D='#!/bin/sh
exit 101
'
DPKG_CFG='# written by build-root.sh: smaller, faster root
force-unsafe-io
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
'
APT_CONF='APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
Acquire::Languages "none";
'
RECIPE_VERSION=3

die() { echo "build-root: FAILED: $*" >&2; exit 1; }
log() { echo "build-root: $*" >&2; }
now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.1f\", $2-$1}"; }

# ---------------------------------------------------------------------------------------------------
# Internal: the steps that run inside the build's private mount namespace.
# ---------------------------------------------------------------------------------------------------
bind_all() { # ROOT: /proc, /sys (with the cgroup mounts), /dev (with pts, shm), the .deb cache
    local r=$1
    # the root a mount point of its own: runc makes / rslave (mount / MS_REC|MS_SLAVE), which fails
    # with EINVAL in a plain chroot whose / is only a directory
    mount --bind "$r" "$r"
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys"
    # a /dev of its own, never the host's: package scripts run `systemd-tmpfiles --create`, whose
    # static-nodes-permissions.conf says `z /dev/kvm 0660 - kvm -`; through a bind of the host's /dev that
    # gave the host's /dev/kvm the root's kvm group id, and the host's libvirt then probed QEMU again on
    # every call (a define took 56 s instead of 0.02 s; pb doctor now warns of it)
    mount -t tmpfs -o mode=0755,nosuid tmpfs "$r/dev"
    local n
    for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        mknod -m 0666 "$r/dev/${n%%:*}" c "$(cut -d: -f2 <<<"$n")" "$(cut -d: -f3 <<<"$n")"
    done
    mkdir -p "$r/dev/pts" "$r/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
    ln -s pts/ptmx "$r/dev/ptmx"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
    ln -s /proc/self/fd "$r/dev/fd"
    if [[ -n ${DEBS:-} ]]; then
        mkdir -p "$r/var/cache/apt/archives"
        mount --bind "$DEBS" "$r/var/cache/apt/archives"
    fi
}
unbind_all() {
    local r=$1 m
    # deepest first
    for m in $(findmnt -rn -o TARGET | grep -E "^$r(/|\$)" | sort -r); do umount -l "$m" 2>/dev/null || true; done
}
in_root() { chroot "$B" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }

ns_main() {
    local step=$1
    B=$2
    case $step in
    debootstrap)
        # debootstrap mounts /proc and /sys in the target itself; in this namespace they cannot leak
        trap 'unbind_all "$B"' EXIT
        debootstrap --variant=minbase --components=main ${DEBS:+--cache-dir="$DEBS"} \
            "$SUITE" "$B" "$MIRROR"
        ;;
    install)
        trap 'unbind_all "$B"' EXIT
        bind_all "$B"
        in_root apt-get update
        in_root apt-get install -y "${PACKAGES[@]}"
        # with a .deb cache, /var/cache/apt/archives is that cache: keep it for the next build
        [[ -n ${DEBS:-} ]] || in_root apt-get clean
        rm -f "$B"/var/cache/apt/*.bin # apt's binary caches (~80 MB), remade when needed
        ;;
    configure)
        trap 'unbind_all "$B"' EXIT
        bind_all "$B"
        in_root useradd -m -u "$TEST_UID" -s /bin/bash "$TEST_USER"
        # trixie's useradd gives the user 100000:65536 by itself, the range this host's own rootless
        # user has: only ours (the kernel's uids are one space for the host and the root)
        local f
        for f in subuid subgid; do
            grep -v "^$TEST_USER:" "$B/etc/$f" > "$B/etc/$f.new" || true
            echo "$TEST_USER:$TEST_SUBID" >> "$B/etc/$f.new"
            mv "$B/etc/$f.new" "$B/etc/$f"
        done
        # no libvirt network starts by itself: it would take virbr0/192.168.122.0/24 beside the host's
        rm -f "$B"/etc/libvirt/qemu/networks/autostart/*.xml
        ;;
    verify)
        trap 'unbind_all "$B"' EXIT
        bind_all "$B"
        local v x missing=
        for x in libvirtd virtlogd virsh qemu-system-x86_64 qemu-img passt /usr/libexec/virtiofsd podman runc \
            newuidmap java ssh ip dnsmasq dhcp_release sudo swtpm genisoimage; do
            in_root sh -c "command -v $x" >/dev/null || missing="$missing $x"
        done
        ls "$B"/usr/share/qemu/firmware/*x86_64*.json >/dev/null 2>&1 || missing="$missing OVMF-descriptors"
        [[ -z $missing ]] || { echo "missing in the root:$missing" >&2; exit 1; }
        {
            echo "libvirt:    $(in_root libvirtd --version)"
            echo "qemu:       $(in_root qemu-system-x86_64 --version | head -1)"
            echo "podman:     $(in_root podman --version)"
            echo "runc:       $(in_root runc --version | head -1)"
            echo "passt:      $(in_root dpkg-query -W -f '${Version}' passt)"
            echo "virtiofsd:  $(in_root /usr/libexec/virtiofsd --version 2>&1 | head -1)"
            echo "java:       $(in_root java -version 2>&1 | head -1)"
            echo "ovmf:       $(in_root dpkg-query -W -f '${Version}' ovmf)"
            echo "systemd:    none (PID 1 of the host is not systemd; libvirt and podman use cgroupfs)"
        } > "$B/.pb-root-versions"
        # podman really runs a container here: runc, the storage driver, an overlay of the root's own /
        v=$(in_root podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}} {{.Host.CgroupsVersion}}')
        echo "podman info: $v"
        [[ $v == "runc overlay "* ]] || { echo "podman info says '$v', expected runc and overlay" >&2; exit 1; }
        in_root podman run --rm --network none --rootfs /:O /bin/true
        echo "podman run --rootfs /:O /bin/true: ok"
        in_root podman info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'
        ;;
    *) echo "unknown step $step" >&2; exit 2 ;;
    esac
}

if [[ ${1:-} == --ns-step ]]; then
    shift
    ns_main "$@"
    exit
fi

# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------
[[ $(id -u) == 0 ]] || die "must run as root"
for t in debootstrap chroot unshare findmnt sha256sum; do
    command -v "$t" >/dev/null || die "$t is missing on this host (apt-get install debootstrap util-linux coreutils)"
done

ROOT=${1:-/var/cache/pb-tests/trixie-root}
[[ $ROOT == /* ]] || ROOT=$PWD/$ROOT
ROOT=${ROOT%/}
[[ $ROOT != / && -n $ROOT ]] || die "refusing ROOT=/"
B=$ROOT.build
LOGF=$ROOT.build.log

host_uri() { # the first URI of this host's apt sources whose path ends with $1 (debian, debian-security)
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] && grep -hE '^\s*deb\s' "$f" | sed -E 's/\[[^]]*\]//' | awk '{print $2}'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] && grep -hiE '^\s*URIs:' "$f" | sed -E 's/^\s*URIs:\s*//I' | tr ' ' '\n'
    done
} 2>/dev/null
MIRROR=${PB_TRIXIE_MIRROR:-$(host_uri | grep -E '/debian/?$' | head -1)}
SECURITY=${PB_TRIXIE_SECURITY:-$(host_uri | grep -E '/debian-security/?$' | head -1)}
[[ -n $MIRROR ]] || die "no Debian mirror in this host's apt sources: set PB_TRIXIE_MIRROR"
[[ $SECURITY == none ]] && SECURITY=
DEBS=${PB_TRIXIE_DEBS:-$(dirname "$ROOT")/trixie-debs}
[[ $DEBS == none ]] && DEBS=

recipe() {
    printf '%s\n' "recipe $RECIPE_VERSION" "suite $SUITE" "${PACKAGES[@]}" "$TEST_USER $TEST_UID $TEST_SUBID" \
        "$CONTAINERS_CONF" "$POLICY_RC_D" "$DPKG_CFG" "$APT_CONF"
}
HASH=$(recipe | sha256sum | cut -d' ' -f1)

if [[ -f $ROOT/.pb-root-stamp && $(cat "$ROOT/.pb-root-stamp") == "$HASH" ]]; then
    log "up to date: $ROOT (recipe ${HASH:0:12}, $(du -sxh "$ROOT" | cut -f1))"
    exit 0
fi

in_use() { # a mount under the path, or start.sh's namespace alive
    local p=$1
    findmnt -rn -o TARGET | grep -qE "^$p(/|$)" && return 0
    [[ -f $p/run/pb-trixie-ns.pid ]] && kill -0 "$(cat "$p/run/pb-trixie-ns.pid")" 2>/dev/null && return 0
    return 1
}
for p in "$ROOT" "$B"; do
    in_use "$p" && die "$p is in use (mounted or started): run stop.sh $p first"
done

export SUITE MIRROR DEBS
export -f bind_all unbind_all in_root ns_main
[[ -n $DEBS ]] && mkdir -p "$DEBS"
mkdir -p "$(dirname "$ROOT")"
: > "$LOGF"
log "building $ROOT from $MIRROR ($SUITE${SECURITY:+, security from $SECURITY}); log: $LOGF"
[[ -f $ROOT/.pb-root-stamp ]] && log "(recipe changed: $(cut -c1-12 "$ROOT/.pb-root-stamp") -> ${HASH:0:12})"

STEP=
on_exit() {
    local rc=$?
    if [[ $rc != 0 ]]; then
        tail -n 25 "$LOGF" >&2 2>/dev/null || true
        echo "build-root: FAILED: step '$STEP' exited $rc (whole log: $LOGF; $B kept for a look)" >&2
    fi
}
trap on_exit EXIT

T0=$(now)
step() { # NAME: runs one step in a fresh private mount namespace, output to the log
    STEP=$1
    local t=$(now)
    echo "=== $1" >> "$LOGF"
    if ! unshare --mount --propagation private -- "$0" --ns-step "$1" "$B" >> "$LOGF" 2>&1; then
        exit 1
    fi
    log "$(printf '%-12s %6ss' "$1" "$(secs "$t" "$(now)")")"
}

STEP=clean
rm -rf --one-file-system "$B"
mkdir -p "$B"

step debootstrap

STEP=apt-config
mkdir -p "$B/etc/apt/apt.conf.d" "$B/etc/dpkg/dpkg.cfg.d" "$B/etc/containers/containers.conf.d"
printf '%s' "$APT_CONF" > "$B/etc/apt/apt.conf.d/90pb-tests"
printf '%s' "$DPKG_CFG" > "$B/etc/dpkg/dpkg.cfg.d/90pb-tests"
printf '%s' "$POLICY_RC_D" > "$B/usr/sbin/policy-rc.d"
chmod 755 "$B/usr/sbin/policy-rc.d"
{
    echo "deb $MIRROR $SUITE main"
    echo "deb $MIRROR $SUITE-updates main"
    [[ -n $SECURITY ]] && echo "deb $SECURITY $SUITE-security main"
} > "$B/etc/apt/sources.list"
rm -f "$B/etc/apt/sources.list.d/"*
cp /etc/resolv.conf "$B/etc/resolv.conf" 2>/dev/null || true

step install
printf '%s' "$CONTAINERS_CONF" > "$B/etc/containers/containers.conf.d/50-pb-tests.conf"
step configure
step verify
sed 's/^/build-root:   /' "$B/.pb-root-versions" >&2

STEP=swap
# what a run left in /run is not part of the root (start.sh also empties it, as a boot would)
find "$B/run" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf --one-file-system {} + 2>/dev/null || true
rm -rf --one-file-system "$B/tmp/"* "$B/var/tmp/"* 2>/dev/null || true
echo "$HASH" > "$B/.pb-root-stamp"
if [[ -e $ROOT ]]; then
    rm -rf --one-file-system "$ROOT.old"
    mv "$ROOT" "$ROOT.old"
fi
mv "$B" "$ROOT"
rm -rf --one-file-system "$ROOT.old"
STEP=
log "built $ROOT in $(secs "$T0" "$(now)")s: $(du -sxh "$ROOT" | cut -f1)${DEBS:+ (.deb cache $DEBS: $(du -sh "$DEBS" | cut -f1))}"
