#!/usr/bin/env bash
# build-fixture-ostree.sh - builds pb's test images WITH REAL OSTREE DEPLOYMENTS in local podman storage:
#   localhost/pb-fixture-ostree:v1   the plain fixture (../build-fixture.sh, built first if needed) plus
#                                    Debian's ostree, ostree-boot and dracut, and a bootc stand-in over them
#   localhost/pb-fixture-ostree:v2   (--version v2) FROM v1: /usr/share/pb-fixture/release says v2 and a
#                                    unit more (pb-fixture-v2.service, active at boot: /run/pb-fixture-v2)
#   localhost/pb-fixture-ostree:v3   (--version v3) FROM v1: sshd masked, so it never starts (a bad update)
# v2 and v3 are ordinary `podman build`s of ostree/v2 and ostree/v3 (BASE build argument): a test builds
# them under any tag it likes, e.g. v2 under v1's tag to move the tag as a developer's rebuild does.
#
# THESE ARE TEST STAND-INS FOR REAL BOOTC IMAGES (no registry is reachable here). What is REAL ostree
# (Debian trixie's ostree 2025.2, its ostree-boot and dracut 106, run unchanged):
#   * the install (bootc install to-disk) makes a real ostree sysroot on the root file system:
#     `ostree admin init-fs`, `os-init default` (bootc's stateroot), the image committed into
#     /ostree/repo (`ostree commit --tree=dir=`, its /etc as /usr/etc), `ostree admin deploy` with the
#     target image reference as the deployment's origin, exactly the key and form bootc writes:
#       [origin] container-image-reference=ostree-unverified-registry:REF   (--target-transport registry,
#       bootc's default; REF is --target-imgref, else the image the container runs, else --source-imgref's)
#       ... =ostree-unverified-image:containers-storage:REF                (after a switch from it)
#     repo config sysroot.readonly=true and sysroot.bootloader=grub2, as bootc sets them (bootc: none);
#   * the boot: GRUB -> kernel and a dracut initramfs with ostree's module (98ostree) -> ostree-prepare-root
#     (the `ostree=` karg ostree writes) -> the deployment as /, /sysroot read-only, /var the stateroot's
#     (shared by all deployments; the image's /var copied once, at the first deployment: ostree's
#     initial-var), ostree-remount;
#   * staging, finalization and rollback: `bootc switch/upgrade` run `ostree admin deploy --stage`; nothing
#     changes until the reboot, when ostree-finalize-staged.service (real, started by libostree) merges
#     /etc three ways (the old default, the guest's /etc, the new default) and writes the boot entries;
#     the old booted deployment becomes the rollback, an older one is pruned; `bootc rollback` is
#     `ostree admin set-default` of the rollback deployment (a staged one is dropped, as bootc's is).
# What the stand-in IMITATES (see ostree/bootc and ostree/grub-from-bls):
#   * /usr/bin/bootc is a shell script, not bootc: it reads images only from containers-storage (the graph
#     root, STORAGE_OPTS=additionalimagestore=DIR, storage.conf; overlay or vfs driver), mounts the image's
#     layers as one overlayfs and commits that tree in one go (real bootc imports layer by layer through
#     ostree-ext and keeps the manifest and config in the commit); the image's digest, version, created
#     time and architecture are kept as commit metadata (ostree.manifest-digest, version, pb-fixture.*);
#     `bootc status` prints bootc's Host schema (org.containers.bootc/v1, field names and canonical JSON as
#     bootc's) from `ostree admin status`, the origin files and that metadata; registry and oci transports
#     are refused (nothing can be fetched here); no soft reboot, no download-only, no bound images;
#   * GRUB's blscfg (Debian's GRUB has none): libostree's grub2 back end runs grub-from-bls
#     (OSTREE_GRUB2_EXEC) to turn ostree's boot entries into /boot/loader.N/grub.cfg, then swaps
#     /boot/loader atomically; the ESP's GRUB reads /boot/loader/grub.cfg from the root file system;
#   * GRUB's boot counting (Fedora's grub2 08_fallback_counting, which Debian's GRUB lacks): the same variables
#     (boot_counter, boot_success in /boot/grub/grubenv, set with grub-editenv), a counted boot that starts at 0
#     takes the second entry (the previous deployment); written into grub.cfg by grub-from-bls;
#   * composefs and SELinux are absent: / is read-only only through the plain fixture's
#     pb-fixture-ro-root.service (a per-mount read-only flag root could undo), as on the plain fixture.
# Kept from the plain fixture (see ../build-fixture.sh): labels containers.bootc=1 and ostree.bootable=1,
# USER 1000, /root -> var/roothome (and /home, /mnt, /srv, /opt into /var, made at boot), root's key through
# a tmpfiles.extra credential, / read-only except /etc and /var, the virtiofs-root boot of the installer VM
# (dracut's virtiofs module: rootfstype=virtiofs root=TAG), UEFI and BIOS boot from one GPT disk.
#
# Idempotent: v1 is rebuilt only when this folder's files or the plain fixture changed (label
# dev.bootc.pb.fixture-hash). Must run as root; apt-get inside the build needs the Debian mirror.
# Usage: build-fixture-ostree.sh [--force] [--version v1|v2|v3] [--tag IMAGE]
# Environment: PB_FIXTURE_IMAGE (the plain fixture, default localhost/pb-fixture:latest),
#   PB_FIXTURE_OSTREE_IMAGE (default localhost/pb-fixture-ostree; a version's default tag is :vN),
#   PB_FIXTURE_WORK (default /var/tmp/pb-fixture).
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
BASE_IMAGE=${PB_FIXTURE_IMAGE:-localhost/pb-fixture:latest}
REPO=${PB_FIXTURE_OSTREE_IMAGE:-localhost/pb-fixture-ostree}
WORK=${PB_FIXTURE_WORK:-/var/tmp/pb-fixture}/ostree
HASH_LABEL=dev.bootc.pb.fixture-hash
FORCE=0 VERSION=v1 TAG=""
while [ $# -gt 0 ]; do
    case "$1" in
        --force) FORCE=1 ;;
        --version) VERSION=${2:?--version needs v1, v2 or v3}; shift ;;
        --tag) TAG=${2:?--tag needs an image name}; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-fixture-ostree: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
case "$VERSION" in v1|v2|v3) ;; *) echo "build-fixture-ostree: --version: v1, v2 or v3, not $VERSION" >&2; exit 2 ;; esac
TAG=${TAG:-$REPO:$VERSION}
die() { echo "build-fixture-ostree: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (podman storage, as pb's tests use it)"
T0=$(date +%s)

# The plain fixture is built only when it is missing: on a shared host several checkouts (with different
# build-fixture.sh versions) would otherwise rebuild it in turn; a newer one is picked up through its hash label.
if ! podman image exists "$BASE_IMAGE"; then
    PB_FIXTURE_IMAGE=$BASE_IMAGE "$HERE/../build-fixture.sh" || die "building the plain fixture $BASE_IMAGE failed"
fi
label() { podman image inspect --format "{{index .Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true; }
HASH=$( (label "$BASE_IMAGE"; cat "$SELF" "$HERE/bootc" "$HERE/grub-from-bls") | sha256sum | cut -d' ' -f1)
V1=$REPO:v1

build_v1() {   # $1 tag
    if [ "$FORCE" = 0 ] && [ "$(label "$1")" = "$HASH" ]; then
        echo "build-fixture-ostree: $1 is up to date ($HASH_LABEL=$HASH)" >&2
        return 0
    fi
    local ctx=$WORK/v1 base_id
    base_id=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")
    rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$HERE/bootc" "$HERE/grub-from-bls" "$ctx/"
    cat >"$ctx/Containerfile" <<EOF
FROM $base_id
USER root
# ostree (the CLI and libostree), ostree-boot (ostree-prepare-root, its dracut module, ostree-finalize-staged,
# ostree-remount, the system generator), dracut in place of initramfs-tools, jq (the stand-in's JSON) and attr
# (getfattr: a layer's opaque folders).
# Like every ostree-based bootc image: an empty /sysroot (ostree-prepare-root moves the physical root
# there) and /ostree -> sysroot/ostree. The plain fixture's read-only / leaves /var alone here: /var is
# ostree's (var.mount from ostree-system-generator: the stateroot's /var, shared by all deployments),
# and binding the deployment's own /var over it early would hide it.
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \\
        ostree ostree-boot dracut jq attr >/dev/null \\
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log
RUN mv /usr/bin/bootc /usr/lib/pb-fixture/bootc-plain
COPY bootc /usr/bin/bootc
COPY grub-from-bls /usr/lib/pb-fixture/grub-from-bls
# The initramfs: systemd's, with ostree's module (ostree-prepare-root when the ostree= karg is given) and
# dracut's virtiofs module (the installer VM's root); only the drivers a VM boots from (16 MB, not 38 MB:
# under TCG every megabyte GRUB and the kernel unpack costs).
RUN set -e; K=\$(ls /usr/lib/modules); \\
    dracut --no-hostonly --reproducible --force --kver "\$K" \\
        -m "systemd-initrd ostree virtiofs rootfs-block dracut-systemd base fs-lib shutdown" \\
        --drivers "virtio_blk virtio_pci virtio_scsi virtio_console sd_mod ahci nvme ext4 xfs btrfs vfat virtiofs overlay erofs" \\
        /usr/lib/modules/\$K/initramfs.img >/tmp/dracut.log 2>&1 || { cat /tmp/dracut.log; exit 1; }; \\
    rm -f /tmp/dracut.log; chmod 0644 /usr/lib/modules/\$K/initramfs.img; rm -rf /boot/* /etc/initramfs-tools; \\
    mkdir -p /usr/lib/systemd/system/ostree-finalize-staged.service.d /usr/lib/systemd/system.conf.d; \\
    printf '[Service]\nEnvironment=OSTREE_GRUB2_EXEC=/usr/lib/pb-fixture/grub-from-bls\n' \\
        >/usr/lib/systemd/system/ostree-finalize-staged.service.d/50-pb-fixture.conf; \\
    printf '[Manager]\nDefaultEnvironment=OSTREE_GRUB2_EXEC=/usr/lib/pb-fixture/grub-from-bls\n' \\
        >/usr/lib/systemd/system.conf.d/50-pb-fixture-ostree.conf; \\
    echo OSTREE_GRUB2_EXEC=/usr/lib/pb-fixture/grub-from-bls >>/etc/environment; \\
    mkdir -p /usr/share/pb-fixture; echo v1 >/usr/share/pb-fixture/release; \\
    mkdir -p /sysroot; ln -sfn sysroot/ostree /ostree; \\
    mkdir -p /usr/lib/systemd/system/pb-fixture-ro-root.service.d; \\
    printf '[Service]\\nExecStart=\\nExecStart=/bin/mount --rbind /etc /etc\\nExecStart=/bin/mount -o remount,bind,ro /\\n' \\
        >/usr/lib/systemd/system/pb-fixture-ro-root.service.d/50-ostree.conf
USER 1000
LABEL $HASH_LABEL=$HASH
LABEL org.opencontainers.image.version=v1
LABEL org.opencontainers.image.description="pb test stand-in for a bootc image with real ostree deployments (Debian trixie, ostree 2025.2); NOT a real bootc image"
EOF
    echo "build-fixture-ostree: building $1 (apt-get, dracut: a few minutes) ..." >&2
    podman build --pull=never --network=host -f "$ctx/Containerfile" -t "$1" "$ctx" >"$WORK/build-v1.log" 2>&1 \
        || { tail -n 40 "$WORK/build-v1.log" >&2; die "podman build of $1 failed (log: $WORK/build-v1.log)"; }
    rm -rf "$ctx"
}

mkdir -p "$WORK"
exec 9>"$WORK/lock"
flock 9
case "$VERSION" in
    v1) build_v1 "$TAG" ;;
    v2|v3)
        build_v1 "$V1"
        podman build --pull=never --build-arg BASE="$V1" -f "$HERE/$VERSION/Containerfile" -t "$TAG" "$HERE/$VERSION" \
            >"$WORK/build-$VERSION.log" 2>&1 || { tail -n 40 "$WORK/build-$VERSION.log" >&2; die "podman build of $TAG failed"; }
        ;;
esac
echo "build-fixture-ostree: $TAG is $(podman image inspect --format '{{.Id}} {{.Digest}}' "$TAG" | cut -c1-12,65-) ($(( $(date +%s) - T0 )) s)" >&2
