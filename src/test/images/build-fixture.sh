#!/usr/bin/env bash
# build-fixture.sh - builds the pb test images in local podman storage:
#   localhost/pb-fixture:latest          like Fedora bootc: declares no root filesystem
#   localhost/pb-fixture-xfs:latest      like CentOS Stream bootc: /usr/lib/bootc/install/ says xfs
#   localhost/pb-fixture-signed:latest   as pb-fixture, with a signed UEFI boot chain (shim, GRUB,
#                                        kernel) that boots under Secure Boot with Microsoft's keys
#   localhost/pb-fixture-cloudinit:latest  as pb-fixture, with Debian's cloud-init and only the NoCloud
#                                        datasource (a CIDATA seed): without a seed cloud-init stays off
#   localhost/pb-fixture-sd252:latest    as pb-fixture, but from Debian 12 (bookworm): systemd 252 and
#                                        kernel 6.1, as CentOS Stream 9 and RHEL 9 bootc images have
#                                        systemd 252 (no fstab.extra credential, which is 254+)
# (the variant names derive from PB_FIXTURE_IMAGE: REPO:TAG -> REPO-xfs:TAG, REPO-signed:TAG,
# REPO-cloudinit:TAG, REPO-sd252:TAG).
#
# THESE ARE TEST STAND-INS FOR REAL BOOTC IMAGES. No container registry is reachable from the test
# machines, so pb's integration tests cannot pull quay.io/fedora/fedora-bootc. One Debian (trixie,
# systemd 257) debootstrap is customised, imported once, and the xfs, signed and cloudinit variants
# are small layers on it (podman build FROM it). The sd252 variant is a second debootstrap (bookworm,
# systemd 252) customised the same way by a second run of this script (PB_FIXTURE_SUITE=bookworm,
# PB_FIXTURE_ONLY_BASE=1, its own work folder $PB_FIXTURE_WORK/sd252), so it has every property below.
#
# What the images reproduce of real (Fedora/CentOS) bootc images:
#   * labels containers.bootc=1, ostree.bootable=1; image config USER 1000 (user "bootc-user"): so
#     `bootc install` must be run with `podman run --user root:root` (as podman-bootc does);
#   * filesystem layout: /root -> var/roothome, /home -> var/home, /mnt -> var/mnt, /srv -> var/srv,
#     /opt -> var/opt (relative symlinks); the targets do not exist in the image and are made at boot
#     by /usr/lib/tmpfiles.d/rpm-ostree-0-integration.conf, which sorts after systemd's
#     provision.conf. Hence the credential ssh.authorized_keys.root writes nothing at first boot
#     (provision.conf runs while /root dangles), while a tmpfiles.extra credential with
#     `d /root/.ssh 0750 - - -` and `f+~ /root/.ssh/authorized_keys 700 - - - <base64>` works;
#   * in the booted guest / is read-only except /etc and /var (like bootc's composefs root): an
#     early unit (pb-fixture-ro-root.service, after systemd-remount-fs) bind-mounts /etc and /var
#     onto themselves and remounts / `remount,bind,ro`; `mkdir /data` fails, /root, /home, /mnt/x
#     (all in /var) and /etc are writable, /tmp is a tmpfs;
#   * install configuration in /usr/lib/bootc/install/*.toml (none, or root type xfs), merged and
#     printed by `bootc install print-configuration` with real bootc's JSON shape;
#   * /usr/bin/bootc is a SHELL-SCRIPT STAND-IN with real bootc's CLI contract for
#       bootc install to-disk --via-loopback --generic-image --skip-fetch-check \
#           [--filesystem xfs|ext4|btrfs] [--root-size SIZE] [--karg ARG]... /output/disk.raw
#     (all of real bootc's to-disk options are accepted, unknown ones rejected as clap does; the
#     target file must exist, the root partition fills it; it refuses to run unless uid 0 with
#     CAP_SYS_ADMIN, in a container, with --pid=host; without --filesystem and without an install
#     config it fails "ERROR Installing to disk: Creating rootfs: No root filesystem specified").
#     Like real bootc it also runs OUTSIDE a container (e.g. as root in an installer VM, the way
#     bcvk and pb's rootless path use it) when given --source-imgref: then only uid 0 with
#     CAP_SYS_ADMIN is required, the target may be a block device (e.g. /dev/disk/by-id/virtio-X),
#     and the image is read from containers-storage (transport containers-storage: only; graph root
#     /var/lib/containers/storage plus STORAGE_OPTS=additionalimagestore=DIR, as real bootc's image
#     proxy does; read with the driver STORAGE_DRIVER names, overlay by default; overlay and vfs are
#     understood): an image that is not there fails the install. The installed tree is that image's
#     layers, not the running system.
#     The reference the installed system follows (bootc's --target-imgref, with --target-transport,
#     default registry; without it the source image: /run/.containerenv's image= in a container, the
#     --source-imgref name otherwise) is recorded where ostree keeps a deployment's origin, read by
#     bootc status/upgrade: /ostree/deploy/<--stateroot, default>/deploy/pb-fixture.0.origin holding
#     `[origin]` and `container-image-reference=ostree-unverified-registry:REF` (another transport T:
#     `ostree-unverified-image:T:REF`), the form real bootc writes. The stand-in's root is the physical
#     root, so the booted guest reads it at that path, as a bootc guest does through /ostree.
#     --source-imgref also takes containers-storage's @ID and NAME@sha256:DIGEST forms.
#     It writes a GPT disk (BIOS-BOOT 1 MiB, EFI-SYSTEM 512 MiB, root labelled "root") that boots
#     under UEFI and BIOS (SeaBIOS, GRUB i386-pc). UEFI: the plain and -xfs images get an unsigned
#     GRUB as EFI/BOOT/BOOTX64.EFI (refused under Secure Boot, as an unsigned loader is); the
#     -signed image carries /usr/lib/bootupd/updates/EFI/BOOT/{BOOTX64.EFI (Debian's shim, signed by
#     Microsoft), grubx64.efi (Debian-signed GRUB), mmx64.efi}, copied to the ESP as bootupd would,
#     with grub.cfg in /EFI/debian (the signed GRUB's built-in prefix); the kernel is Debian's signed
#     one; mokutil is installed. Kernel command line:
#       root=LABEL=root rw console=tty0 console=ttyS0,115200 <install config kargs> <--karg...>
#
# What they do NOT reproduce: ostree/composefs (no deployments but their origin file, no /sysroot, no `bootc status`,
# upgrade, switch, rollback; / is a plain ext4/xfs/btrfs with a per-mount read-only flag, so root
# could remount it rw), SELinux, bootupd itself, BLS entries and /boot (kernel and initrd live on
# the ESP; the image keeps the kernel in /usr/lib/modules/$KVER/ and /boot is empty), fstab-less root (the stand-in writes LABEL=root into /etc/fstab), LUKS (--block-setup
# tpm2-luks), --source-imgref transports other than containers-storage, signature policies (the origin is
# always ostree-unverified-*), the
# /var copy-once semantics of ostree, and real bootc's progress output. The stand-in installs the
# running container's own / (podman's bind mounts over /etc/hosts etc. restored).
#
# Idempotent: if all five images carry this script's hash (label dev.bootc.pb.fixture-hash) it
# exits 0 at once. The debootstrap result is cached in $PB_FIXTURE_WORK (default /var/tmp/pb-fixture).
# Must run as root. Installs its host prerequisites with apt-get when they are missing, and runs
# host-setup.sh (podman runtime/ulimits) next to it.
#
# Environment:
#   PB_FIXTURE_IMAGE   image to build           (default localhost/pb-fixture:latest); the variants
#                                                are named after it (REPO-xfs:TAG, REPO-signed:TAG)
#   PB_FIXTURE_WORK    work/cache folder        (default /var/tmp/pb-fixture)
#   PB_FIXTURE_MIRROR  Debian mirror            (default: taken from /etc/apt/sources.list*, else
#                                                http://deb.debian.org/debian)
#   PB_FIXTURE_SUITE   Debian suite             (default trixie)
#   PB_FIXTURE_SD252_SUITE  suite of the -sd252 variant (default bookworm: systemd 252)
#   PB_FIXTURE_ONLY_BASE    1: build PB_FIXTURE_IMAGE alone, no variants (how the -sd252 variant is built)
# Options: --force  rebuild even when the images are up to date
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
IMAGE=${PB_FIXTURE_IMAGE:-localhost/pb-fixture:latest}
# variants: REPO:TAG -> REPO-xfs:TAG and REPO-signed:TAG (a ':' after the last '/' starts the tag)
if [[ "${IMAGE##*/}" == *:* ]]; then REPO=${IMAGE%:*} TAG=${IMAGE##*:}; else REPO=$IMAGE TAG=latest; fi
IMAGE_XFS=$REPO-xfs:$TAG
IMAGE_SIGNED=$REPO-signed:$TAG
IMAGE_CLOUDINIT=$REPO-cloudinit:$TAG
IMAGE_SD252=$REPO-sd252:$TAG
WORK=${PB_FIXTURE_WORK:-/var/tmp/pb-fixture}
SUITE=${PB_FIXTURE_SUITE:-trixie}
SD252_SUITE=${PB_FIXTURE_SD252_SUITE:-bookworm}
ONLY_BASE=${PB_FIXTURE_ONLY_BASE:-0}
HASH_LABEL=dev.bootc.pb.fixture-hash
FORCE=0

for a in "$@"; do
    case "$a" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-fixture: unknown argument: $a" >&2; exit 2 ;;
    esac
done

T0=$(date +%s.%N)
PHASE="" PHASE_T=$T0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
phase() {
    if [ -n "$PHASE" ]; then
        echo "build-fixture: [$PHASE] done in $(elapsed "$PHASE_T") s" >&2
    fi
    PHASE=$1 PHASE_T=$(now)
    [ -z "$PHASE" ] || echo "build-fixture: [$PHASE] ..." >&2
}
die() { echo "build-fixture: ERROR: $*" >&2; exit 1; }
HASH=$(sha256sum "$SELF" | cut -d' ' -f1)

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, podman storage)"

image_hash() { podman image inspect --format "{{index .Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true; }
if [ "$ONLY_BASE" = 1 ]; then ALL=("$IMAGE"); else ALL=("$IMAGE" "$IMAGE_XFS" "$IMAGE_SIGNED" "$IMAGE_CLOUDINIT" "$IMAGE_SD252"); fi
up_to_date() {   # [IMAGE...]: these (default: all this run builds) carry this script's hash
    local img
    [ "$FORCE" = 0 ] && command -v podman >/dev/null 2>&1 || return 1
    [ $# -gt 0 ] || set -- "${ALL[@]}"
    for img in "$@"; do [ "$(image_hash "$img")" = "$HASH" ] || return 1; done
}

# ---- fast path ------------------------------------------------------------------------------------
if up_to_date; then
    echo "build-fixture: ${ALL[*]} up to date ($HASH_LABEL=$HASH)" >&2
    exit 0
fi

# ---- host prerequisites -------------------------------------------------------------------------
phase prerequisites
need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v flock >/dev/null 2>&1 || need+=(util-linux)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -gt 0 ]; then
    echo "build-fixture: installing host packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || true
    apt-get install -y -q "${need[@]}" >&2 || die "apt-get install ${need[*]} failed"
fi
sh "$HERE/host-setup.sh" || die "host-setup.sh failed"

mkdir -p "$WORK"
exec 9>"$WORK/lock"
if ! flock -n 9; then
    echo "build-fixture: another build holds $WORK/lock, waiting ..." >&2
    flock 9
fi
if up_to_date; then   # built by whoever held the lock
    echo "build-fixture: ${ALL[*]} up to date ($HASH_LABEL=$HASH)" >&2
    exit 0
fi
# The -sd252 variant: this script again, on its own suite, work folder and lock, for that image alone.
build_sd252() {
    phase "sd252 variant ($SD252_SUITE)"
    local force=()
    [ "$FORCE" = 0 ] || force=(--force)
    PB_FIXTURE_IMAGE=$IMAGE_SD252 PB_FIXTURE_SUITE=$SD252_SUITE PB_FIXTURE_ONLY_BASE=1 PB_FIXTURE_WORK=$WORK/sd252 \
        "$SELF" ${force[@]+"${force[@]}"} || die "building $IMAGE_SD252 ($SD252_SUITE) failed"
}
if [ "$ONLY_BASE" = 0 ] && up_to_date "$IMAGE" "$IMAGE_XFS" "$IMAGE_SIGNED" "$IMAGE_CLOUDINIT"; then
    build_sd252   # only the -sd252 variant is missing or stale
    phase ""
    echo "build-fixture: $HASH_LABEL=$HASH; total $(elapsed "$T0") s" >&2
    exit 0
fi

# ---- debootstrap (cached) -----------------------------------------------------------------------
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # one-line format: deb [opts] URI suite ...; deb822: URIs: URI ...
        sed -n -e 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]\+\).*/\2/p' \
               -e 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n'
    done | grep -E '^https?://[^ ]*/debian/?$' | head -n1 | sed 's:/*$::'
}
MIRROR=${PB_FIXTURE_MIRROR:-$(find_mirror || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

PACKAGES=linux-image-amd64,systemd-sysv,udev,dbus,openssh-server,iproute2,kmod,busybox,mount
PACKAGES+=,e2fsprogs,xfsprogs,btrfs-progs,dosfstools,mtools,fdisk,grub-efi-amd64-bin,grub-pc-bin
# libarchive's package is named for the 64-bit time_t transition from trixie on
case "$SUITE" in buster|bullseye|bookworm) PACKAGES+=,libarchive13 ;; *) PACKAGES+=,libarchive13t64 ;; esac
PACKAGES+=,zstd,procps
# the signed UEFI boot chain of the -signed variant (shim signed by Microsoft, GRUB and kernel by Debian)
PACKAGES+=,shim-signed,grub-efi-amd64-signed,mokutil
BASE_KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$PACKAGES" minbase v1 | sha256sum | cut -c1-16)
BASE=$WORK/base-$BASE_KEY

phase debootstrap
if [ -f "$BASE.done" ] && [ -d "$BASE" ]; then
    echo "build-fixture: using cached debootstrap $BASE ($SUITE from $MIRROR)" >&2
else
    for old in "$WORK"/base-*; do    # keep one base only: they are ~1 GB each
        [ -e "$old" ] || continue
        case "$old" in "$BASE"|"$BASE".*) ;; *) rm -rf --one-file-system "$old" ;; esac
    done
    umount "$BASE/proc" "$BASE/sys" 2>/dev/null || true   # left over by an interrupted debootstrap
    rm -rf --one-file-system "$BASE" "$BASE.done"
    script=/usr/share/debootstrap/scripts/$SUITE
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    echo "build-fixture: debootstrap $SUITE from $MIRROR (a few minutes) ..." >&2
    if ! debootstrap --variant=minbase --include="$PACKAGES" \
            --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
            "$SUITE" "$BASE" "$MIRROR" "$script" >"$WORK/debootstrap.log" 2>&1; then
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed (full log: $WORK/debootstrap.log)"
    fi
    touch "$BASE.done"
fi

# ---- customise a copy of the base ---------------------------------------------------------------
phase customise
R=$WORK/rootfs
umount "$R/proc" 2>/dev/null || true
rm -rf --one-file-system "$R"
cp -a "$BASE" "$R"
mount -t proc proc "$R/proc"
trap 'umount "$R/proc" 2>/dev/null || true' EXIT

# Network: DHCP on every ethernet interface (QEMU user networking hands out 10.0.2.15).
mkdir -p "$R/etc/systemd/network"
cat >"$R/etc/systemd/network/80-pb-fixture-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
echo "nameserver 10.0.2.3" >"$R/etc/resolv.conf"
echo pb-fixture >"$R/etc/hostname"
cat >"$R/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	pb-fixture
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF

# sshd: root with keys only; one ed25519 host key generated on first boot (fast even under TCG).
mkdir -p "$R/etc/ssh/sshd_config.d"
cat >"$R/etc/ssh/sshd_config.d/50-pb-fixture.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
EOF
rm -f "$R"/etc/ssh/ssh_host_*
cat >"$R/etc/systemd/system/pb-fixture-ssh-keygen.service" <<'EOF'
[Unit]
Description=Generate the SSH host key (pb-fixture)
DefaultDependencies=no
After=local-fs.target
Before=ssh.service sshd.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key

[Install]
WantedBy=ssh.service
EOF

# First boot must not stop at prompts; periodic jobs only cost CPU under TCG.
chroot "$R" systemctl enable systemd-networkd.service ssh.service pb-fixture-ssh-keygen.service \
    >/dev/null 2>&1 || die "systemctl enable failed"
# Debian's sshd-keygen.service (first boot only) would also make RSA/ECDSA keys: slow under TCG.
chroot "$R" systemctl mask systemd-firstboot.service sshd-keygen.service >/dev/null 2>&1 \
    || die "systemctl mask failed"
for t in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
         e2scrub_reap.service fstrim.timer xfs_scrub_all.timer man-db.timer; do
    [ -e "$R/usr/lib/systemd/system/$t" ] && chroot "$R" systemctl mask "$t" >/dev/null 2>&1 || true
done
# Under TCG every module load (with signature check) costs: do not autoload what a VM test never
# uses (watchdog, SMBus, PC speaker, nested KVM, wireless regulatory, CPU frequency, DRM).
printf 'blacklist %s\n' iTCO_wdt iTCO_vendor_support lpc_ich i2c_i801 pcspkr kvm kvm_amd kvm_intel \
    powernow_k8 acpi_cpufreq cfg80211 bochs drm >"$R/etc/modprobe.d/pb-fixture-blacklist.conf"
chroot "$R" systemctl mask modprobe@drm.service >/dev/null 2>&1 || die "systemctl mask failed"
# Like the dracut initramfs of Fedora and CentOS bootc images (its virtiofs module), the initramfs
# boots from a virtiofs share given as `rootfstype=virtiofs root=TAG`: how bcvk and pb's rootless
# installer VM boot the image itself. initramfs-tools has no such method: an init-top script picks
# the boot method "virtiofs" (through /conf/param.conf, which init reads after each script) and
# /scripts/virtiofs mounts the share (the Debian kernel has fuse and virtiofs built in).
mkdir -p "$R/etc/initramfs-tools/scripts/init-top"
cat >"$R/etc/initramfs-tools/scripts/init-top/pb-virtiofs" <<'SCRIPT'
#!/bin/sh
case "$1" in prereqs) exit 0 ;; esac
for x in $(cat /proc/cmdline); do
    [ "$x" = rootfstype=virtiofs ] && echo BOOT=virtiofs >>/conf/param.conf
done
exit 0
SCRIPT
chmod 755 "$R/etc/initramfs-tools/scripts/init-top/pb-virtiofs"
cat >"$R/etc/initramfs-tools/scripts/virtiofs" <<'SCRIPT'
# initramfs-tools boot method: the root file system is the virtiofs share named by root=
mountroot() {
    [ "$quiet" != y ] && log_begin_msg "Mounting virtiofs share ${ROOT} as the root file system"
    mode=ro
    [ "${readonly:-y}" = n ] && mode=rw
    mount -t virtiofs -o "$mode" "${ROOT#virtiofs:}" "${rootmnt}" || panic "cannot mount the virtiofs share ${ROOT}"
    [ "$quiet" != y ] && log_end_msg
}
mount_top() { :; }
mount_premount() { :; }
mount_bottom() { :; }
SCRIPT
# A small initrd (13 instead of 37 MB) loads and boots noticeably faster under TCG.
mkdir -p "$R/etc/initramfs-tools/conf.d"
echo MODULES=list >"$R/etc/initramfs-tools/conf.d/pb-fixture.conf"
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ext4 xfs btrfs vfat \
    >>"$R/etc/initramfs-tools/modules"
# bookworm's kernel (6.1) has virtiofs as a module, not built in: the initramfs needs it for rootfstype=virtiofs
if ls "$R"/usr/lib/modules/*/kernel/fs/fuse/virtiofs.ko* >/dev/null 2>&1; then
    echo virtiofs >>"$R/etc/initramfs-tools/modules"
fi
chroot "$R" update-initramfs -u -k all >"$WORK/update-initramfs.log" 2>&1 \
    || { cat "$WORK/update-initramfs.log" >&2; die "update-initramfs failed"; }
# Real bootc images keep the kernel and initramfs in /usr/lib/modules/$KVER/{vmlinuz,initramfs.img}
# and ship an empty /boot (bcvk and pb's rootless installer VM boot them from there).
for v in "$R"/boot/vmlinuz-*; do
    [ -e "$v" ] || continue
    kv=${v##*/vmlinuz-}
    [ -d "$R/usr/lib/modules/$kv" ] || die "no /usr/lib/modules/$kv for $v"
    mv "$v" "$R/usr/lib/modules/$kv/vmlinuz"
    mv "$R/boot/initrd.img-$kv" "$R/usr/lib/modules/$kv/initramfs.img"
done
rm -f "$R"/boot/* "$R"/vmlinuz "$R"/vmlinuz.old "$R"/initrd.img "$R"/initrd.img.old
ls "$R"/usr/lib/modules/*/vmlinuz >/dev/null 2>&1 || die "no kernel in /usr/lib/modules/*/vmlinuz"
umount "$R/proc"
trap - EXIT
# The image config says USER 1000, as many derived bootc images do: bootc must be run --user root:root.
chroot "$R" useradd --uid 1000 --user-group --no-create-home --home-dir /var/home/bootc-user \
    --shell /usr/sbin/nologin --comment "pb-fixture image USER" bootc-user || die "useradd failed"

# Real bootc images' layout: these are relative symlinks into /var whose targets do not exist in the
# image; rpm-ostree-0-integration.conf makes them at boot, after provision.conf (ssh.authorized_keys.root).
for d in root home mnt srv opt; do
    rm -rf --one-file-system "${R:?}/$d" "${R:?}/var/$d"
done
ln -s var/roothome "$R/root"
ln -s var/home "$R/home"
ln -s var/mnt "$R/mnt"
ln -s var/srv "$R/srv"
ln -s var/opt "$R/opt"
rm -rf --one-file-system "${R:?}/var/roothome"
# With / read-only a mount point must exist in the image: systemd-gpt-auto-generator's efi.automount
# (the ESP, found on the boot disk under BIOS) fails otherwise.
mkdir -p "$R/efi"
cat >"$R/usr/lib/tmpfiles.d/rpm-ostree-0-integration.conf" <<'EOF'
# pb-fixture: as in Fedora/CentOS bootc images (rpm-ostree). /root, /home, /mnt, /srv, /opt are
# symlinks into /var; their targets are made here, at boot. This file sorts after provision.conf.
d /var/home 0755 root root -
d /var/mnt 0755 root root -
d /var/opt 0755 root root -
d /var/roothome 0700 root root -
d /var/srv 0755 root root -
EOF

# Read-only / except /etc and /var, like bootc's composefs root. systemd-remount-fs would undo a
# per-mount read-only flag set earlier (a superblock remount resets it), so this runs right after it
# and before anything else of sysinit writes. rbind keeps submounts (e.g. /etc/machine-id from /run).
cat >"$R/usr/lib/systemd/system/pb-fixture-ro-root.service" <<'EOF'
[Unit]
Description=Read-only / except /etc and /var (pb-fixture stand-in for bootc's composefs root)
DefaultDependencies=no
After=systemd-remount-fs.service
Before=local-fs-pre.target local-fs.target sysinit.target systemd-sysusers.service
Before=systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev-early.service systemd-tmpfiles-setup-dev.service
Before=systemd-random-seed.service systemd-journal-flush.service systemd-machine-id-commit.service
Before=systemd-update-done.service ldconfig.service systemd-firstboot.service systemd-growfs-root.service
Wants=local-fs-pre.target
ConditionPathIsReadWrite=/

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/mount --rbind /etc /etc
ExecStart=/bin/mount --rbind /var /var
ExecStart=/bin/mount -o remount,bind,ro /

[Install]
WantedBy=local-fs.target
EOF
chroot "$R" systemctl enable pb-fixture-ro-root.service >/dev/null 2>&1 || die "systemctl enable pb-fixture-ro-root failed"

# ConditionNeedsUpdate=: no ldconfig/journal-catalog rebuild on the first boot.
touch -r "$R/usr" "$R/etc/.updated" "$R/var/.updated"
: >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/var/log/*.log \
       "$R/var/cache/debconf/"*-old

mkdir -p "$R/usr/lib/pb-fixture"
echo "$HASH" >"$R/usr/lib/pb-fixture/fixture-hash"

# ---- the bootc stand-in -------------------------------------------------------------------------
cat >"$R/usr/bin/bootc" <<'BOOTC_EOF'
#!/bin/bash
# /usr/bin/bootc - TEST STAND-IN written by pb's src/test/images/build-fixture.sh. NOT the real bootc.
# Reproduces the CLI contract of real bootc (containers/bootc, lib/src/install.rs, cli.rs) for what
# podman-bootc and pb run, for this image only:
#   bootc install to-disk [OPTIONS] <DEVICE>     (DEVICE: an existing regular file, with --via-loopback)
#   bootc install print-configuration [--all]
#   bootc --version
# Errors as real bootc prints them: usage errors in clap's format on stderr, exit 2; failures as
# "ERROR <context>: <context>: <message>" on stderr, exit 1.
# Disk layout (GPT, as real bootc's sfdisk script on x86_64): 1: BIOS-BOOT 1 MiB, 2: EFI-SYSTEM
# 512 MiB FAT32 (bootloader, grub.cfg, kernel, initrd), 3: root (partition and fs label "root"),
# the rest of the disk or --root-size.
set -euo pipefail

ME="bootc (pb-fixture stand-in)"
T0=$(date +%s.%N)
say() { printf '%s: [%5.1fs] %s\n' "$ME" "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
fail() { echo "ERROR $*" >&2; exit 1; }            # real: tracing::error!("{:#}", e); exit(1)
clap_error() {                                      # $1 message, $2 usage line (optional)
    printf 'error: %s\n\n' "$1" >&2
    [ -z "${2:-}" ] || printf 'Usage: %s\n\n' "$2" >&2
    echo "For more information, try '--help'." >&2
    exit 2
}
TODISK_USAGE="bootc install to-disk [OPTIONS] <DEVICE>"
help_todisk() {
    cat <<'EOF'
Install to the target block device (pb-fixture test stand-in for bootc)

Usage: bootc install to-disk [OPTIONS] <DEVICE>

Arguments:
  <DEVICE>  Target block device for installation; with --via-loopback an existing regular file

Options:
      --wipe                            Automatically wipe all existing data on device
      --block-setup <BLOCK_SETUP>       [possible values: direct, tpm2-luks] (only direct here)
      --filesystem <FILESYSTEM>         Target root filesystem type [possible values: xfs, ext4, btrfs]
      --root-size <ROOT_SIZE>           Size of the root partition (default specifier: M)
      --source-imgref <SOURCE_IMGREF>   Install this image (containers-storage:NAME only) instead of the
                                        container's own /; allows running outside a container
      --target-transport <TRANSPORT>    The transport of --target-imgref [default: registry]
      --target-imgref <TARGET_IMGREF>   The image the installed system follows (its origin); default: the source
      --enforce-container-sigpolicy     (accepted, ignored)
      --skip-fetch-check                (accepted; nothing is fetched)
      --disable-selinux                 (accepted, ignored)
      --karg <KARG>                     Add a kernel argument (repeatable)
      --root-ssh-authorized-keys <PATH> authorized_keys for root, via /etc/tmpfiles.d/bootc-root-ssh.conf
      --generic-image                   (accepted; all bootloaders are always installed)
      --bound-images <BOUND_IMAGES>     (accepted, ignored) [possible values: stored, pull]
      --stateroot <STATEROOT>           The origin's stateroot folder [default: default]
      --via-loopback                    Instead of targeting a block device, write to a file via loopback
  -h, --help                            Print help
EOF
}

case "${1:-}" in
    --version|-V) echo "bootc 0.0.0-pb-fixture (test stand-in)"; exit 0 ;;
    -h|--help|help) echo "Usage: bootc <COMMAND>  (pb-fixture test stand-in: only 'install to-disk' and 'install print-configuration')"; exit 0 ;;
    install) shift ;;
    "") clap_error "'bootc' requires a subcommand but one was not provided" "bootc <COMMAND>" ;;
    -*) clap_error "unexpected argument '$1' found" "bootc <COMMAND>" ;;
    upgrade|switch|rollback|edit|status|usr-overlay|container|image|state|internals)
        fail "'bootc $1' is not implemented by this test stand-in (pb-fixture)" ;;
    *) clap_error "unrecognized subcommand '$1'" "bootc <COMMAND>" ;;
esac
SUB=${1:-}
shift || true
case "$SUB" in
    to-disk|print-configuration) ;;
    -h|--help|help) echo "Usage: bootc install <COMMAND>  (stand-in: to-disk, print-configuration)"; exit 0 ;;
    "") clap_error "'bootc install' requires a subcommand but one was not provided" "bootc install <COMMAND>" ;;
    to-filesystem|to-existing-root|ensure-completion|finalize)
        fail "'bootc install $SUB' is not implemented by this test stand-in (pb-fixture)" ;;
    -*) clap_error "unexpected argument '$SUB' found" "bootc install <COMMAND>" ;;
    *) clap_error "unrecognized subcommand '$SUB'" "bootc install <COMMAND>" ;;
esac

# -- install configuration: /usr/lib, /usr/local/lib, /etc, /run + bootc/install/*.toml -----------
# Merged as real bootc does (lib/src/install/config.rs): files sorted by name, a later directory's
# file of the same name replaces an earlier one; root-fs-type, block, filesystem.root.type replace,
# kargs append; match-architectures filters a file; then canonicalize().
ARCH=$(uname -m)
CFG_PRESENT=0 CFG_ROOTFS="" CFG_FSROOT="" CFG_BLOCK="" CFG_KARGS=() CFG_ARCHES=""
toml_values() {   # file -> "TABLE.KEY<TAB>VALUE" lines ([install], [install.filesystem.root], ...)
    awk '
        { sub(/\r$/, "") }
        /^[[:space:]]*(#.*)?$/ { next }
        /^[[:space:]]*\[/ { t = $0; sub(/^[[:space:]]*\[[[:space:]]*/, "", t); sub(/[[:space:]]*\].*$/, "", t); print "[" t "]"; next }
        /=/ { k = $0; sub(/[[:space:]]*=.*/, "", k); sub(/^[[:space:]]*/, "", k)
              v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]+#[^"]*$/, "", v); sub(/[[:space:]]*$/, "", v)
              print t "." k "\t" v; next }
        { print "?" $0 }' "$1"
}
toml_str() {   # "xfs" -> xfs
    local v=$1
    [[ "$v" =~ ^\"([^\"]*)\"$ ]] || [[ "$v" =~ ^\'([^\']*)\'$ ]] || return 1
    printf '%s' "${BASH_REMATCH[1]}"
}
toml_array() {  # ["a", "b"] -> a<NL>b
    local v=$1
    [[ "$v" =~ ^\[(.*)\]$ ]] || return 1
    v=${BASH_REMATCH[1]}
    printf '%s' "$v" | awk 'BEGIN { RS = "\"" } NR % 2 == 0 { print }'
}
json_array() { local first=1 e out="["; while IFS= read -r e; do [ $first = 1 ] || out+=","; first=0; out+="\"$e\""; done; printf '%s]' "$out"; }
load_config() {
    local base f name names=() i fs_ok
    declare -A pick=()
    for base in /usr/lib /usr/local/lib /etc /run; do
        for f in "$base"/bootc/install/*.toml; do
            [ -f "$f" ] || continue
            name=${f##*/}
            pick[$name]=$f
        done
    done
    [ ${#pick[@]} -gt 0 ] || return 0
    mapfile -t names < <(printf '%s\n' "${!pick[@]}" | LC_ALL=C sort)
    for name in "${names[@]}"; do
        f=${pick[$name]}
        local rootfs="" fsroot="" block="" arches="" kargs=() has_install=0 line key val
        while IFS= read -r line; do
            case "$line" in
                "[install]"|"[install.filesystem]"|"[install.filesystem.root]") has_install=1; continue ;;
                "["*"]") fail "Loading configuration: Parsing \"$f\": unknown field \`${line//[\[\]]/}\`" ;;
                "?"*) fail "Loading configuration: Parsing \"$f\": cannot parse: ${line#?}" ;;
            esac
            key=${line%%$'\t'*} val=${line#*$'\t'}
            case "$key" in
                install.root-fs-type) rootfs=$(toml_str "$val") || fail "Loading configuration: Parsing \"$f\": invalid type for root-fs-type" ;;
                install.filesystem.root.type) fsroot=$(toml_str "$val") || fail "Loading configuration: Parsing \"$f\": invalid type for type" ;;
                install.block) block=$(toml_array "$val" | json_array) || fail "Loading configuration: Parsing \"$f\": invalid type for block" ;;
                install.kargs) mapfile -t kargs < <(toml_array "$val") ;;
                install.match-architectures|install.match_architectures) arches=$(toml_array "$val" | tr '\n' ' ') ;;
                .*) ;;   # outside [install]: real bootc ignores other tables only in the toplevel struct
                *) echo "warning: \"$f\": Unknown key ${key#install.}" >&2 ;;
            esac
        done < <(toml_values "$f")
        for fs_ok in "$rootfs" "$fsroot"; do
            case "$fs_ok" in ""|xfs|ext4|btrfs) ;;
                *) fail "Loading configuration: Parsing \"$f\": unknown variant \`$fs_ok\`, expected one of \`xfs\`, \`ext4\`, \`btrfs\`" ;;
            esac
        done
        [ "$has_install" = 1 ] || continue
        if [ -n "$arches" ] && [[ " $arches " != *" $ARCH "* ]]; then continue; fi
        CFG_PRESENT=1
        [ -z "$rootfs" ] || CFG_ROOTFS=$rootfs
        [ -z "$fsroot" ] || CFG_FSROOT=$fsroot
        [ -z "$block" ] || CFG_BLOCK=$block
        [ -z "$arches" ] || CFG_ARCHES=$(printf '%s\n' $arches | json_array)
        for i in ${kargs[@]+"${kargs[@]}"}; do CFG_KARGS+=("$i"); done
    done
    if [ "$CFG_PRESENT" = 1 ]; then   # canonicalize(): filesystem.root.type wins, block defaults to direct
        if [ -n "$CFG_FSROOT" ]; then CFG_ROOTFS=$CFG_FSROOT; elif [ -n "$CFG_ROOTFS" ]; then CFG_FSROOT=$CFG_ROOTFS; fi
        [ -n "$CFG_BLOCK" ] || CFG_BLOCK='["direct"]'
    fi
}

if [ "$SUB" = print-configuration ]; then
    ALL=0
    for a in "$@"; do
        case "$a" in
            --all) ALL=1 ;;
            -h|--help) echo "Usage: bootc install print-configuration [--all]"; exit 0 ;;
            *) clap_error "unexpected argument '$a' found" "bootc install print-configuration" ;;
        esac
    done
    load_config
    # serde_json::to_writer of InstallConfiguration: field order as declared, no trailing newline;
    # kargs only with --all (filter_to_external() drops them), and only when set.
    q() { if [ -n "$1" ]; then printf '"%s"' "$1"; else printf null; fi; }
    out="{\"root-fs-type\":$(q "$CFG_ROOTFS"),\"block\":${CFG_BLOCK:-null},\"filesystem\":"
    if [ -n "$CFG_FSROOT" ]; then out+="{\"root\":{\"type\":\"$CFG_FSROOT\"}}"; else out+=null; fi
    if [ "$ALL" = 1 ] && [ ${#CFG_KARGS[@]} -gt 0 ]; then out+=",\"kargs\":$(printf '%s\n' "${CFG_KARGS[@]}" | json_array)"; fi
    out+=",\"match-architectures\":${CFG_ARCHES:-null}}"
    printf '%s' "$out"
    exit 0
fi

# -- install to-disk: options as clap parses them ----------------------------------------------
FS="" ROOT_SIZE="" TARGET="" KARGS=() VIA_LOOPBACK=0 WIPE=0 SOURCE_IMGREF="" ROOT_SSH_KEYS="" BLOCK_SETUP=""
TARGET_IMGREF="" TARGET_TRANSPORT=registry STATEROOT=default
FS_VALUES="[possible values: xfs, ext4, btrfs]"
value_opt() {   # $1 option name, $2 value name, $3 value -> validates
    case "$1" in
        --filesystem) case "$3" in xfs|ext4|btrfs) ;; *)
            printf "error: invalid value '%s' for '--filesystem <FILESYSTEM>'\n  %s\n\nFor more information, try '--help'.\n" "$3" "$FS_VALUES" >&2; exit 2 ;; esac ;;
        --block-setup) case "$3" in direct|tpm2-luks) ;; *)
            printf "error: invalid value '%s' for '--block-setup <BLOCK_SETUP>'\n  [possible values: direct, tpm2-luks]\n\nFor more information, try '--help'.\n" "$3" >&2; exit 2 ;; esac ;;
        --bound-images) case "$3" in stored|skip|pull) ;; *)
            printf "error: invalid value '%s' for '--bound-images <BOUND_IMAGES>'\n  [possible values: stored, pull]\n\nFor more information, try '--help'.\n" "$3" >&2; exit 2 ;; esac ;;
    esac
}
declare -A VALNAME=([--filesystem]=FILESYSTEM [--root-size]=ROOT_SIZE [--karg]=KARG
    [--target-imgref]=TARGET_IMGREF [--target-transport]=TARGET_TRANSPORT [--source-imgref]=SOURCE_IMGREF
    [--block-setup]=BLOCK_SETUP [--stateroot]=STATEROOT [--bound-images]=BOUND_IMAGES
    [--root-ssh-authorized-keys]=ROOT_SSH_AUTHORIZED_KEYS)
FLAGS=" --via-loopback --generic-image --skip-fetch-check --wipe --disable-selinux --enforce-container-sigpolicy --target-no-signature-verification "
POSITIONAL=()
while [ $# -gt 0 ]; do
    a=$1
    case "$a" in
        -h|--help) help_todisk; exit 0 ;;
        --) shift; POSITIONAL+=("$@"); break ;;
        --*)
            name=${a%%=*} val="" has_val=0
            [ "$name" = "$a" ] || { val=${a#*=}; has_val=1; }
            if [[ "$FLAGS" == *" $name "* ]]; then
                [ $has_val = 0 ] || clap_error "unexpected value '$val' for '$name' found; no more were expected" "$TODISK_USAGE"
                case "$name" in --via-loopback) VIA_LOOPBACK=1 ;; --wipe) WIPE=1 ;; esac
            elif [ -n "${VALNAME[$name]:-}" ]; then
                if [ $has_val = 0 ]; then
                    if [ $# -lt 2 ] || [[ "$2" == --* ]]; then
                        msg="a value is required for '$name <${VALNAME[$name]}>' but none was supplied"
                        [ "$name" != --filesystem ] || msg+=$'\n  '"$FS_VALUES"
                        printf "error: %s\n\nFor more information, try '--help'.\n" "$msg" >&2; exit 2
                    fi
                    val=$2; shift
                fi
                value_opt "$name" "${VALNAME[$name]}" "$val"
                case "$name" in
                    --filesystem) FS=$val ;;
                    --root-size) ROOT_SIZE=$val ;;
                    --karg) KARGS+=("$val") ;;
                    --source-imgref) SOURCE_IMGREF=$val ;;
                    --root-ssh-authorized-keys) ROOT_SSH_KEYS=$val ;;
                    --block-setup) BLOCK_SETUP=$val ;;
                    --target-imgref) TARGET_IMGREF=$val ;;
                    --target-transport) TARGET_TRANSPORT=$val ;;
                    --stateroot) STATEROOT=$val ;;
                esac
            else
                printf "error: unexpected argument '%s' found\n\n  tip: to pass '%s' as a value, use '-- %s'\n\nUsage: %s\n\nFor more information, try '--help'.\n" \
                    "$name" "$name" "$name" "$TODISK_USAGE" >&2
                exit 2
            fi
            ;;
        -?*) clap_error "unexpected argument '$a' found" "$TODISK_USAGE" ;;
        *) POSITIONAL+=("$a") ;;
    esac
    shift
done
[ ${#POSITIONAL[@]} -ge 1 ] || { printf "error: the following required arguments were not provided:\n  <DEVICE>\n\nUsage: %s\n\nFor more information, try '--help'.\n" "$TODISK_USAGE" >&2; exit 2; }
[ ${#POSITIONAL[@]} -eq 1 ] || clap_error "unexpected argument '${POSITIONAL[1]}' found" "$TODISK_USAGE"
TARGET=${POSITIONAL[0]}
for k in ${KARGS[@]+"${KARGS[@]}"}; do
    case "$k" in *\'*|*$'\n'*) fail "Installing to disk: kernel argument with a quote or newline is not supported by this test stand-in: $k" ;; esac
done

# -- the checks of install_to_disk() and prepare_install(), in real bootc's order --------------
C="Installing to disk"
case "$TARGET_TRANSPORT" in
    registry|oci|oci-archive|containers-storage|dir|docker-archive) ;;
    *) fail "$C: Invalid transport '$TARGET_TRANSPORT'" ;;
esac
case "$STATEROOT" in ""|*/*|.|..) fail "$C: Invalid stateroot '$STATEROOT'" ;; esac
if [ ! -e "$TARGET" ]; then fail "$C: Querying $TARGET: No such file or directory (os error 2)"; fi
if [ "$VIA_LOOPBACK" = 1 ]; then
    [ -f "$TARGET" ] || fail "$C: Not a regular file (to be used via loopback): $TARGET"
else
    [ -b "$TARGET" ] || fail "$C: Not a block device: $TARGET"
    TARGET=$(readlink -f "$TARGET")
    if grep -q "^$TARGET[0-9p]* " /proc/mounts; then fail "$C: $TARGET is in use (mounted)"; fi
fi
# --source-imgref: real bootc (SourceInfo::from_imageref, then ostree-ext's image proxy) reads the
# image through containers/image; for containers-storage: that is the graph root of storage.conf
# (/var/lib/containers/storage) plus additional image stores (STORAGE_OPTS=additionalimagestore=DIR,
# or storage.conf additionalimagestores), all read with one storage driver: STORAGE_DRIVER, else
# overlay (what Fedora's storage.conf says). This stand-in reads the overlay and vfs drivers' own files
# (rootless podman on a host without usable overlay mounts keeps its images with vfs).
storage_records() { tr -d '\n' <"$1" | sed 's/{"id":"/\n{"id":"/g' | grep '^{"id":"'; }
resolve_source_imgref() {
    local ref=$1 transport name want store roots=() rec layer id parent opt
    local CS="$C: Creating ostree deployment: Pulling"
    [[ "$ref" == *:* ]] || fail "$C: Creating source info from a given imageref: Missing ':' in $ref"
    transport=${ref%%:*} name=${ref#*:}
    case "$transport" in
        containers-storage) ;;
        registry|docker|oci|oci-archive|docker-archive|dir)
            fail "$C: --source-imgref transport '$transport' is not supported by this test stand-in (nothing can be fetched here; use containers-storage:)" ;;
        *) fail "$C: Creating source info from a given imageref: Invalid transport '$transport'" ;;
    esac
    name=${name#\[*\]}                              # [driver@graphroot+runroot]NAME
    local byid="" bydigest=""                       # containers-storage:@ID, containers-storage:NAME@sha256:DIGEST
    case "$name" in
        @*) byid=${name#@} ;;
        *@sha256:*) bydigest=sha256:${name##*@sha256:} ;;
    esac
    want=$name
    [[ "${want##*/}" == *[:@]* ]] || want=$want:latest
    for store in /var/lib/containers/storage; do [ -d "$store" ] && roots+=("$store"); done
    IFS=, read -r -a opts <<<"${STORAGE_OPTS:-}"
    for opt in ${opts[@]+"${opts[@]}"}; do
        case "$opt" in additionalimagestore=*) roots+=("${opt#additionalimagestore=}") ;; esac
    done
    if [ -f /etc/containers/storage.conf ]; then
        while IFS= read -r store; do [ -n "$store" ] && roots+=("$store"); done < <(
            sed -n '/additionalimagestores/,/]/p' /etc/containers/storage.conf | grep -o '"/[^"]*"' | tr -d '"')
    fi
    local driver=${STORAGE_DRIVER:-overlay}
    case "$driver" in overlay|vfs) ;; *) fail "$CS: storage driver '$driver' is not supported by this test stand-in (overlay, vfs)" ;; esac
    for store in ${roots[@]+"${roots[@]}"}; do
        [ -f "$store/$driver-images/images.json" ] || continue
        rec=$(storage_records "$store/$driver-images/images.json" | while IFS= read -r r; do
                  names=$(printf '%s' "$r" | sed -n 's/.*"names":\[\([^]]*\)\].*/\1/p')
                  id=$(printf '%s' "$r" | cut -c8-71)
                  if [[ ",$names," == *",\"$want\","* || ",$names," == *",\"localhost/$want\","* ]] ||
                     { [[ "$name" =~ ^[0-9a-f]{12,64}$ ]] && [[ "$id" == "$name"* ]]; } ||
                     { [[ "$byid" =~ ^[0-9a-f]{12,64}$ ]] && [[ "$id" == "$byid"* ]]; } ||
                     { [ -n "$bydigest" ] && [[ "$r" == *"\"$bydigest\""* ]]; }; then
                      printf '%s\n' "$r"; break
                  fi
              done)
        [ -n "$rec" ] || continue
        layer=$(printf '%s' "$rec" | sed -n 's/.*"layer":"\([0-9a-f]\{64\}\)".*/\1/p')
        [ -n "$layer" ] || fail "$CS: image $name in $store has no layer"
        declare -A parent_of=()
        while IFS= read -r r; do
            id=$(printf '%s' "$r" | cut -c8-71)
            parent_of[$id]=$(printf '%s' "$r" | sed -n 's/.*"parent":"\([0-9a-f]\{64\}\)".*/\1/p')
        done < <(storage_records "$store/$driver-layers/layers.json")
        while [ -n "$layer" ]; do
            [ -n "${parent_of[$layer]+x}" ] || fail "$CS: layer $layer of $name is not in $store/$driver-layers/layers.json"
            if [ "$driver" = vfs ]; then
                # vfs keeps each layer as the whole tree up to it: the top layer is the image
                [ -d "$store/vfs/dir/$layer" ] || fail "$CS: layer $layer of $name is missing in $store/vfs/dir"
                SRC_LAYERS+=("$store/vfs/dir/$layer")
                break
            fi
            [ -d "$store/overlay/$layer/diff" ] || fail "$CS: layer $layer of $name is missing in $store/overlay"
            SRC_LAYERS+=("$store/overlay/$layer/diff")
            layer=${parent_of[$layer]:-}
        done
        say "source image $name found in containers-storage $store (${#SRC_LAYERS[@]} layers)"
        return 0
    done
    fail "$CS: Creating importer: failed to invoke method OpenImage: reference \"$name\" does not exist in containers-storage (stores searched: ${roots[*]:-none})"
}
cap_sys_admin() { local bnd; bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status); (( (16#$bnd >> 21) & 1 )); }
if [ -z "$SOURCE_IMGREF" ]; then
    [ -e /run/.containerenv ] || fail "$C: Either --source-imgref must be defined or this command must be executed inside a podman container."
    [ "$(id -u)" = 0 ] || fail "$C: Querying root privilege: The user inside the container from which you are running this command must be root"
    cap_sys_admin || fail "$C: Querying root privilege: The container must be executed with full privileges (e.g. --privileged flag)"
    [ "$$" != 1 ] || fail "$C: This command must be run with the podman --pid=host flag"
    p1=$(stat -c %u /proc/1)
    [ "$p1" = 0 ] || fail "$C: /proc/1 is owned by $p1, not zero; this command must be run in the root user namespace (e.g. not rootless podman)"
    if grep -q 'rootless=1' /run/.containerenv 2>/dev/null; then fail "$C: Cannot install from rootless podman; this command must be run as root"; fi
else
    [ "$(id -u)" = 0 ] || fail "$C: Querying root privilege: This command must be executed as the root user"
    cap_sys_admin || fail "$C: Querying root privilege: This command requires full root privileges (CAP_SYS_ADMIN)"
fi
SRC=/ SRC_LAYERS=()
if [ -n "$SOURCE_IMGREF" ]; then resolve_source_imgref "$SOURCE_IMGREF"; fi
load_config
C="$C: Creating rootfs"
[ -n "$FS" ] || FS=$CFG_FSROOT
[ -n "$FS" ] || fail "$C: No root filesystem specified"
if [ "$BLOCK_SETUP" = tpm2-luks ]; then fail "$C: Block setup tpm2-luks is not supported by this test stand-in"; fi
if [ "$WIPE" = 0 ] && sfdisk -d "$TARGET" >/dev/null 2>&1; then
    fail "$C: Detected existing partitions on $TARGET; use e.g. \`wipefs\` or --wipe if you intend to overwrite"
fi
ROOT_MIB=""
if [ -n "$ROOT_SIZE" ]; then    # bootc_blockdev::parse_size_mib: M/MiB (default), G/GiB, T/TiB
    v=$ROOT_SIZE mul=1
    for sm in MiB:1 M:1 GiB:1024 G:1024 TiB:1048576 T:1048576; do
        suf=${sm%%:*}
        if [[ "$v" == *"$suf"* ]]; then
            rest=${v##*"$suf"}
            [ -z "$rest" ] || fail "$C: Parsing root size: Trailing text after size: $rest"
            v=${v%"$suf"}; mul=${sm#*:}
        fi
    done
    [[ "$v" =~ ^[0-9]+$ ]] || { [ -n "$v" ] && fail "$C: Parsing root size: invalid digit found in string"; fail "$C: Parsing root size: cannot parse integer from empty string"; }
    ROOT_MIB=$((10#$v * mul))
fi

MiB=$((1024 * 1024))
if [ -b "$TARGET" ]; then DISK_BYTES=$(blockdev --getsize64 "$TARGET"); else DISK_BYTES=$(stat -c %s "$TARGET"); fi
DISK_SECTORS=$((DISK_BYTES / 512))
BIOS_START=2048 BIOS_SECTORS=2048                 # 1 MiB at 1 MiB
ESP_START=4096 ESP_SECTORS=$((512 * MiB / 512))   # 512 MiB at 2 MiB (bootc's EFIPN_SIZE_MB)
ROOT_START=$((ESP_START + ESP_SECTORS))
ROOT_MAX=$((DISK_SECTORS - ROOT_START - 34))      # backup GPT header+table
ROOT_MAX=$((ROOT_MAX / 2048 * 2048))
if [ -n "$ROOT_MIB" ]; then
    ROOT_SECTORS=$((ROOT_MIB * 2048))
    [ "$ROOT_SECTORS" -le "$ROOT_MAX" ] || fail "$C: Initializing partitions: --root-size $ROOT_SIZE does not fit into $TARGET ($DISK_BYTES bytes)"
else
    ROOT_SECTORS=$ROOT_MAX
fi
[ "$ROOT_SECTORS" -ge $((1024 * MiB / 512)) ] || fail "$C: $TARGET is too small ($DISK_BYTES bytes; this stand-in needs >= 1.6 GiB)"
for k in ${CFG_KARGS[@]+"${CFG_KARGS[@]}"}; do KARGS=("$k" ${KARGS[@]+"${KARGS[@]}"}); done

say "installing to $TARGET ($((DISK_BYTES / MiB)) MiB): root $FS $((ROOT_SECTORS / 2048)) MiB, kargs: ${KARGS[*]-}"

CLEANUP=()
cleanup() { local i; for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done; }
trap cleanup EXIT
TMP=$(mktemp -d /tmp/bootc-install.XXXXXX)
CLEANUP+=("rm -rf '$TMP'")

# -- partition table (real bootc: type 0FC63DAF... "linux" for root) ------------------------------
sfdisk -q --wipe always --no-reread --no-tell-kernel "$TARGET" >/dev/null <<EOF || fail "$C: Initializing partitions: sfdisk failed"
label: gpt
start=$BIOS_START, size=$BIOS_SECTORS, bootable, type=21686148-6449-6E6F-744E-656564454649, name="BIOS-BOOT"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI-SYSTEM"
start=$ROOT_START, size=$ROOT_SECTORS, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
say "partitioned (GPT: BIOS-BOOT, EFI-SYSTEM, root)"

# -- what goes into the root filesystem ----------------------------------------------------------
if [ ${#SRC_LAYERS[@]} -gt 0 ]; then
    # --source-imgref: the image's layers (top first) read-only, changes in a tmpfs upper layer.
    mkdir -p "$TMP/src" "$TMP/rw"
    mount -t tmpfs -o mode=0755 tmpfs "$TMP/rw" || fail "$C: cannot mount a tmpfs"
    CLEANUP+=("umount '$TMP/rw'")
    mkdir -p "$TMP/rw/upper" "$TMP/rw/work"
    lower=$(IFS=:; echo "${SRC_LAYERS[*]}")
    # one lowerdir+= per layer where the colon list is too long for fsconfig (256 bytes a value: util-linux 2.39+
    # mounts through it, and real images have dozens of layers); kernels before 6.8 take only the colon list
    each=$(printf ',lowerdir+=%s' "${SRC_LAYERS[@]}")
    # (kernel 6.1, the -sd252 variant's, knows only the colon list: the second form then fails "unknown
    # parameter", so a failure names what each form said)
    if ! e1=$(mount -t overlay overlay -o "lowerdir=$lower,upperdir=$TMP/rw/upper,workdir=$TMP/rw/work" "$TMP/src" 2>&1) &&
       ! e2=$(mount -t overlay overlay -o "${each#,},upperdir=$TMP/rw/upper,workdir=$TMP/rw/work" "$TMP/src" 2>&1); then
        fail "$C: cannot mount the layers of $SOURCE_IMGREF (overlay): lowerdir=: ${e1//$'\n'/ }; lowerdir+=: ${e2//$'\n'/ }"
    fi
    CLEANUP+=("umount '$TMP/src'")
    SRC=$TMP/src
else
    # The container's own / (throw-away, --rm) is the source. podman bind-mounts /etc/hostname,
    # /etc/hosts and /etc/resolv.conf over the image's files: unmount them (privileged) or, failing
    # that, overwrite the container's copies with the image's originals from /usr/lib/pb-fixture/etc.
    for f in hostname hosts resolv.conf; do
        if grep -q " /etc/$f " /proc/self/mountinfo; then umount "/etc/$f" 2>/dev/null || true; fi
        if grep -q " /etc/$f " /proc/self/mountinfo; then cat "/usr/lib/pb-fixture/etc/$f" >"/etc/$f"; fi
    done
fi
case "$FS" in ext4) pass=1 ;; *) pass=0 ;; esac
echo "LABEL=root / $FS defaults 0 $pass" >"$SRC/etc/fstab"
# The deployment's origin: the image bootc upgrade follows. Real bootc defaults it to the source image.
if [ -z "$TARGET_IMGREF" ]; then
    if [ -n "$SOURCE_IMGREF" ]; then TARGET_IMGREF=${SOURCE_IMGREF#*:}
    else TARGET_IMGREF=$(sed -n 's/^image="\(.*\)"$/\1/p' /run/.containerenv); fi
fi
if [ "$TARGET_TRANSPORT" = registry ]; then ORIGIN="ostree-unverified-registry:$TARGET_IMGREF"
else ORIGIN="ostree-unverified-image:$TARGET_TRANSPORT:$TARGET_IMGREF"; fi
mkdir -p "$SRC/ostree/deploy/$STATEROOT/deploy"
printf '[origin]\ncontainer-image-reference=%s\n' "$ORIGIN" >"$SRC/ostree/deploy/$STATEROOT/deploy/pb-fixture.0.origin"
: >"$SRC/etc/machine-id"
if [ -n "$ROOT_SSH_KEYS" ]; then   # as real bootc: a tmpfiles.d snippet, so it works with /root -> var/roothome
    [ -f "$ROOT_SSH_KEYS" ] || fail "Installing to disk: Installing to filesystem: Reading $ROOT_SSH_KEYS: No such file or directory (os error 2)"
    mkdir -p "$SRC/etc/tmpfiles.d"
    printf 'd /root/.ssh 0700 root root -\nf+~ /root/.ssh/authorized_keys 600 root root - %s\n' \
        "$(base64 -w0 "$ROOT_SSH_KEYS")" >"$SRC/etc/tmpfiles.d/bootc-root-ssh.conf"
fi
root_tar() {   # tar stream of the source tree, without pseudo file systems, volumes and temp files
    tar -C "$SRC" --numeric-owner --xattrs --xattrs-include='*' --acls \
        --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' --exclude='./run/*' \
        --exclude='./tmp/*' --exclude='./var/tmp/*' --exclude='./output/*' --exclude='./var/lib/containers/*' \
        --exclude='./var/cache/apt/archives/*.deb' --warning=no-file-changed \
        -cf - . || [ $? -eq 1 ]   # 1: "file changed as we read it" (e.g. ./sys), harmless here
}

# -- root filesystem -----------------------------------------------------------------------------
ROOT_OFF=$((ROOT_START * 512)) ROOT_BYTES=$((ROOT_SECTORS * 512))
case "$FS" in
    ext4)
        # Straight into the partition: mke2fs writes at an offset and populates from a tar stream.
        root_tar | mkfs.ext4 -q -F -L root -d - -E offset=$ROOT_OFF "$TARGET" $((ROOT_BYTES / 1024))k \
            || fail "$C: mkfs.ext4 failed"
        ;;
    xfs|btrfs)
        LOOP=$(losetup --find --show --offset "$ROOT_OFF" --sizelimit "$ROOT_BYTES" "$TARGET") \
            || fail "$C: losetup failed (--filesystem $FS needs a loop device: run the container --privileged)"
        CLEANUP+=("losetup -d '$LOOP'")
        if [ "$FS" = xfs ]; then
            mkfs.xfs -q -f -L root "$LOOP" || fail "$C: mkfs.xfs failed"
            mkdir -p "$TMP/mnt"
            mount -t xfs "$LOOP" "$TMP/mnt" || fail "$C: cannot mount the new xfs file system (host kernel lacks xfs?)"
            CLEANUP+=("umount '$TMP/mnt'")
            root_tar | tar -C "$TMP/mnt" --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - \
                || fail "$C: copying the root file system failed"
            umount "$TMP/mnt"
            unset 'CLEANUP[${#CLEANUP[@]}-1]'
        else
            mkdir -p "$TMP/stage"
            root_tar | tar -C "$TMP/stage" --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - \
                || fail "$C: staging the root file system failed"
            mkfs.btrfs -q -f -L root --rootdir "$TMP/stage" "$LOOP" >/dev/null || fail "$C: mkfs.btrfs failed"
            rm -rf "$TMP/stage"
        fi
        sync
        ;;
esac
say "root file system ($FS, label root) written; origin $ORIGIN"

# -- ESP: bootloader for UEFI, grub.cfg, kernel and initrd ---------------------------------------
C="Installing to disk: Installing bootloader"
KVER=$(ls "$SRC/usr/lib/modules" | sort -V | tail -n1)
KERNEL=$SRC/usr/lib/modules/$KVER/vmlinuz INITRD=$SRC/usr/lib/modules/$KVER/initramfs.img
[ -f "$KERNEL" ] && [ -f "$INITRD" ] || fail "$C: kernel/initramfs for $KVER missing in /usr/lib/modules/$KVER"
FAT_OPTS=()
[ ! -b "$TARGET" ] || FAT_OPTS=(-I)   # a whole-disk block device: mkfs.fat wants a partition unless -I
mkfs.fat ${FAT_OPTS[@]+"${FAT_OPTS[@]}"} -F 32 -s 2 -n EFI-SYSTEM --offset $ESP_START "$TARGET" $((ESP_SECTORS / 2)) \
    >"$TMP/mkfs.fat.log" 2>&1 || fail "$C: mkfs.fat failed: $(tail -n 2 "$TMP/mkfs.fat.log")"
ESP="$TARGET@@$((ESP_START * 512))"
export MTOOLS_SKIP_CHECK=1

CMDLINE="root=LABEL=root rw console=tty0 console=ttyS0,115200"
GRUB_KARGS=""
for k in ${KARGS[@]+"${KARGS[@]}"}; do CMDLINE+=" $k"; GRUB_KARGS+=" '$k'"; done
cat >"$TMP/grub.cfg" <<EOF
# written by the pb-fixture bootc stand-in
search --no-floppy --label EFI-SYSTEM --set=root
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=0
menuentry 'pb-fixture (Debian, kernel $KVER)' {
    linux /vmlinuz root=LABEL=root rw console=tty0 console=ttyS0,115200$GRUB_KARGS
    initrd /initrd.img
}
EOF
cat >"$TMP/early.cfg" <<'EOF'
search --no-floppy --label EFI-SYSTEM --set=root
set prefix=($root)/grub
EOF
MODS="part_gpt part_msdos fat search search_label normal configfile linux boot echo test ls cat
      serial terminal gzio"
mmd -i "$ESP" ::/EFI ::/EFI/BOOT ::/grub
mcopy -i "$ESP" "$TMP/grub.cfg" ::/grub/grub.cfg
# Like bootupd: an image that ships a (signed) UEFI boot chain in /usr/lib/bootupd/updates/EFI gets
# exactly that on the ESP (shim as EFI/BOOT/BOOTX64.EFI, grubx64.efi and mmx64.efi next to it);
# Debian's signed GRUB reads $prefix/grub.cfg with its built-in prefix /EFI/debian.
UPDATES=$SRC/usr/lib/bootupd/updates
if [ -f "$UPDATES/EFI/BOOT/BOOTX64.EFI" ]; then
    mcopy -s -i "$ESP" "$UPDATES"/EFI/* ::/EFI/
    mmd -i "$ESP" ::/EFI/debian 2>/dev/null || true
    mcopy -o -i "$ESP" "$TMP/grub.cfg" ::/EFI/debian/grub.cfg
    UEFI_CHAIN="signed: shim + GRUB from $UPDATES"
else
    # shellcheck disable=SC2086
    grub-mkimage -O x86_64-efi -o "$TMP/BOOTX64.EFI" -c "$TMP/early.cfg" -p /grub $MODS efi_gop \
        || fail "$C: grub-mkimage x86_64-efi failed"
    mcopy -i "$ESP" "$TMP/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
    UEFI_CHAIN="unsigned GRUB (refused under Secure Boot)"
fi
mcopy -i "$ESP" "$KERNEL" ::/vmlinuz
mcopy -i "$ESP" "$INITRD" ::/initrd.img
say "ESP written (UEFI: $UEFI_CHAIN; grub.cfg, kernel $KVER, initrd)"

# -- BIOS: what grub-bios-setup would write, placed by hand (it refuses image files) -------------
# shellcheck disable=SC2086
grub-mkimage -O i386-pc -o "$TMP/core.img" -c "$TMP/early.cfg" -p /grub biosdisk $MODS \
    || fail "$C: grub-mkimage i386-pc failed"
le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"; done; }
CORE_SECTORS=$((($(stat -c %s "$TMP/core.img") + 511) / 512))
[ "$CORE_SECTORS" -le "$BIOS_SECTORS" ] || fail "$C: core.img ($CORE_SECTORS sectors) does not fit the BIOS boot partition"
# core.img starts with diskboot.img whose blocklist (last 12 bytes of its sector) says where the
# rest of core.img is: start = partition start + 1 (the length is already set by grub-mkimage).
le64 $((BIOS_START + 1)) | dd of="$TMP/core.img" bs=1 seek=500 conv=notrunc status=none
dd if="$TMP/core.img" of="$TARGET" bs=512 seek=$BIOS_START conv=notrunc status=none
cp /usr/lib/grub/i386-pc/boot.img "$TMP/boot.img"
le64 $BIOS_START | dd of="$TMP/boot.img" bs=1 seek=$((0x5c)) conv=notrunc status=none   # kernel_sector
printf '\x90\x90' | dd of="$TMP/boot.img" bs=1 seek=$((0x66)) conv=notrunc status=none  # no drive check
dd if="$TMP/boot.img" of="$TARGET" bs=440 count=1 conv=notrunc status=none             # keep the pMBR
say "BIOS boot code written"

sync
say "done: $TARGET (kernel command line: $CMDLINE)"
echo "Installation complete!"
BOOTC_EOF
chmod 0755 "$R/usr/bin/bootc"
mkdir -p "$R/usr/lib/pb-fixture/etc"
cp "$R/etc/hostname" "$R/etc/hosts" "$R/etc/resolv.conf" "$R/usr/lib/pb-fixture/etc/"

# The -signed variant's boot chain, laid out as bootupd's payload (see the stand-in's ESP step).
L=$WORK/layers
rm -rf --one-file-system "$L"
if [ "$ONLY_BASE" = 0 ]; then
    mkdir -p "$L/signed/usr/lib/bootupd/updates/EFI/BOOT" "$L/xfs/usr/lib/bootc/install"
    cp -L "$R/usr/lib/shim/shimx64.efi.signed" "$L/signed/usr/lib/bootupd/updates/EFI/BOOT/BOOTX64.EFI"
    cp -L "$R/usr/lib/shim/mmx64.efi.signed" "$L/signed/usr/lib/bootupd/updates/EFI/BOOT/mmx64.efi"
    cp -L "$R/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed" "$L/signed/usr/lib/bootupd/updates/EFI/BOOT/grubx64.efi"
    # CentOS Stream's /usr/lib/bootc/install/20-rhel.toml says the same.
    printf '[install.filesystem.root]\ntype = "xfs"\n' >"$L/xfs/usr/lib/bootc/install/20-pb-fixture-xfs.toml"
fi

# ---- import into podman, then the variants as small layers --------------------------------------
phase "podman import"
old_ids=()
BUILT=("$IMAGE")
[ "$ONLY_BASE" = 1 ] || BUILT=("$IMAGE_CLOUDINIT" "$IMAGE_SIGNED" "$IMAGE_XFS" "$IMAGE")
for img in "${BUILT[@]}"; do   # variants first: they are children of the base
    id=$(podman image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
    [ -z "$id" ] || old_ids+=("$id")
done
DESC="pb test stand-in for a bootc image (Debian $SUITE); NOT a real bootc image"
tar -C "$R" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
    podman import \
        --change 'LABEL containers.bootc=1' \
        --change 'LABEL ostree.bootable=1' \
        --change "LABEL $HASH_LABEL=$HASH" \
        --change "LABEL org.opencontainers.image.description=\"$DESC\"" \
        --change 'USER 1000' \
        --change 'CMD ["/sbin/init"]' \
        - "$IMAGE" >/dev/null 2>"$WORK/import.log" || { cat "$WORK/import.log" >&2; die "podman import failed"; }
NEW_ID=$(podman image inspect --format '{{.Id}}' "$IMAGE")
rm -rf --one-file-system "$R"

if [ "$ONLY_BASE" = 0 ]; then
phase "variants (podman build)"
layer() {   # $1 context folder, $2 image, $3 description
    cat >"$1/Containerfile" <<EOF
FROM $NEW_ID
COPY usr/ /usr/
LABEL $HASH_LABEL=$HASH
LABEL org.opencontainers.image.description="$3"
EOF
    podman build --pull=never -q -f "$1/Containerfile" -t "$2" "$1" >/dev/null 2>"$WORK/build.log" \
        || { cat "$WORK/build.log" >&2; die "podman build of $2 failed"; }
}
layer "$L/xfs" "$IMAGE_XFS" "$DESC; declares root filesystem xfs (like CentOS Stream)"
layer "$L/signed" "$IMAGE_SIGNED" "$DESC; signed UEFI boot chain (shim, GRUB, kernel) for Secure Boot"
# cloud-init from the suite's own archive (the base's sources.list), installed as root in a build
# container, with only the NoCloud datasource: ds-identify turns cloud-init off when no CIDATA seed
# is attached, so the variant boots as pb-fixture does unless a VM gets a seed. Host keys: ed25519
# only (cloud-init regenerates them before sshd starts, as on real images; RSA is slow under TCG).
mkdir -p "$L/cloudinit/etc/cloud/cloud.cfg.d"
printf '%s\n' 'datasource_list: [NoCloud, None]' 'ssh_genkeytypes: [ed25519]' 'locale: C.UTF-8' \
    >"$L/cloudinit/etc/cloud/cloud.cfg.d/90-pb-fixture.cfg"
cat >"$L/cloudinit/Containerfile" <<EOF
FROM $NEW_ID
USER root
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends cloud-init \\
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY etc/ /etc/
USER 1000
LABEL $HASH_LABEL=$HASH
LABEL org.opencontainers.image.description="$DESC; cloud-init (NoCloud datasource only)"
EOF
podman build --pull=never --network=host -q -f "$L/cloudinit/Containerfile" -t "$IMAGE_CLOUDINIT" "$L/cloudinit" \
    >/dev/null 2>"$WORK/build.log" || { cat "$WORK/build.log" >&2; die "podman build of $IMAGE_CLOUDINIT failed"; }
fi
rm -rf --one-file-system "$L"
for id in ${old_ids[@]+"${old_ids[@]}"}; do   # only succeeds when nothing else uses it
    [ "$(podman image inspect --format '{{len .RepoTags}}' "$id" 2>/dev/null || echo x)" = 0 ] || continue
    podman rmi "$id" >/dev/null 2>&1 || true
done

[ "$ONLY_BASE" = 1 ] || build_sd252
phase ""
for img in "${BUILT[@]}"; do
    SIZE=$(podman image inspect --format '{{.Size}}' "$img")
    echo "build-fixture: built $img ($(podman image inspect --format '{{.Id}}' "$img" | cut -c1-12), $((SIZE / 1024 / 1024)) MiB)" >&2
done
echo "build-fixture: $HASH_LABEL=$HASH; total $(elapsed "$T0") s" >&2
