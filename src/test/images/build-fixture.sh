#!/usr/bin/env bash
# build-fixture.sh - builds localhost/pb-fixture:latest in local podman storage.
#
# THIS IS A TEST STAND-IN FOR A REAL BOOTC IMAGE. No container registry is reachable from the test
# machines, so pb's integration tests cannot pull quay.io/fedora/fedora-bootc. This script builds a
# small Debian (trixie, systemd 257) image from the Debian mirror instead:
#   * labelled containers.bootc=1 (and dev.bootc.pb.fixture-hash=<sha256 of this script>),
#   * systemd-networkd DHCP on en*/eth*, sshd (root: keys only), serial console, busybox (httpd),
#   * /usr/bin/bootc is a SHELL-SCRIPT STAND-IN that implements only
#       bootc install to-disk --via-loopback --generic-image --skip-fetch-check \
#           [--filesystem ext4|xfs|btrfs] [--root-size SIZE] [--karg ARG]... /output/disk.raw
#     for this image only. It writes a GPT disk (BIOS-boot + ESP + root labelled "root") that boots
#     under UEFI (OVMF without secure boot, GRUB as EFI/BOOT/BOOTX64.EFI) and BIOS (SeaBIOS, GRUB).
#     The kernel command line is: root=LABEL=root rw console=tty0 console=ttyS0,115200 <--karg...>
#
# Idempotent: if $PB_FIXTURE_IMAGE already carries this script's hash it exits 0 at once.
# The debootstrap result is cached in $PB_FIXTURE_WORK (default /var/tmp/pb-fixture).
# Must run as root. Installs its host prerequisites with apt-get when they are missing, and runs
# host-setup.sh (podman runtime/ulimits) next to it.
#
# Environment:
#   PB_FIXTURE_IMAGE   image to build           (default localhost/pb-fixture:latest)
#   PB_FIXTURE_WORK    work/cache folder        (default /var/tmp/pb-fixture)
#   PB_FIXTURE_MIRROR  Debian mirror            (default: taken from /etc/apt/sources.list*, else
#                                                http://deb.debian.org/debian)
#   PB_FIXTURE_SUITE   Debian suite             (default trixie)
# Options: --force  rebuild even when the image is up to date
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
IMAGE=${PB_FIXTURE_IMAGE:-localhost/pb-fixture:latest}
WORK=${PB_FIXTURE_WORK:-/var/tmp/pb-fixture}
SUITE=${PB_FIXTURE_SUITE:-trixie}
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

image_hash() { podman image inspect --format "{{index .Labels \"$HASH_LABEL\"}}" "$IMAGE" 2>/dev/null || true; }
up_to_date() {
    [ "$FORCE" = 0 ] && command -v podman >/dev/null 2>&1 && [ "$(image_hash)" = "$HASH" ]
}

# ---- fast path ------------------------------------------------------------------------------------
if up_to_date; then
    echo "build-fixture: $IMAGE is up to date ($HASH_LABEL=$HASH)" >&2
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
    echo "build-fixture: $IMAGE is up to date ($HASH_LABEL=$HASH)" >&2
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
PACKAGES+=,libarchive13t64,zstd,procps
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
# A small initrd (13 instead of 37 MB) loads and boots noticeably faster under TCG.
mkdir -p "$R/etc/initramfs-tools/conf.d"
echo MODULES=list >"$R/etc/initramfs-tools/conf.d/pb-fixture.conf"
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ext4 xfs btrfs vfat \
    >>"$R/etc/initramfs-tools/modules"
chroot "$R" update-initramfs -u -k all >"$WORK/update-initramfs.log" 2>&1 \
    || { cat "$WORK/update-initramfs.log" >&2; die "update-initramfs failed"; }
umount "$R/proc"
trap - EXIT
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
# Implements only what podman-bootc (and pb) run, for this image only:
#   bootc install to-disk --via-loopback --generic-image --skip-fetch-check \
#       [--filesystem ext4|xfs|btrfs] [--root-size SIZE] [--karg ARG]... TARGET
# TARGET is a raw image file (created 10 GiB sparse if missing, never shrunk). Layout (GPT):
#   1: BIOS boot, 1 MiB (GRUB core.img)   2: ESP FAT32 256 MiB, label EFI-SYSTEM (GRUB EFI,
#   grub.cfg, kernel, initrd)              3: root, partition+fs label "root", rest of the disk
#   or --root-size.
set -euo pipefail

ME="bootc (pb-fixture stand-in)"
T0=$(date +%s.%N)
say() { printf '%s: [%5.1fs] %s\n' "$ME" "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
die() { echo "$ME: error: $*" >&2; exit 1; }
usage() {
    cat >&2 <<'EOF'
usage: bootc install to-disk [--via-loopback] [--generic-image] [--skip-fetch-check] [--wipe]
                             [--filesystem ext4|xfs|btrfs] [--root-size SIZE] [--karg ARG]... TARGET
(pb-fixture test stand-in: nothing else is implemented)
EOF
}

case "${1:-}" in
    --version|-V) echo "bootc 0.0.0 (pb-fixture test stand-in)"; exit 0 ;;
    install) shift ;;
    ""|-h|--help|help) usage; exit 2 ;;
    *) usage; die "'bootc $1' is not implemented by this test stand-in (only 'install to-disk')" ;;
esac
case "${1:-}" in
    to-disk) shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "'bootc install ${1:-}' is not implemented by this test stand-in (only 'to-disk')" ;;
esac

FS=ext4 ROOT_SIZE="" TARGET="" KARGS=()
need_val() { [ $# -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --via-loopback|--generic-image|--skip-fetch-check|--wipe) ;;
        --filesystem) need_val "$@"; FS=$2; shift ;;
        --filesystem=*) FS=${1#*=} ;;
        --root-size) need_val "$@"; ROOT_SIZE=$2; shift ;;
        --root-size=*) ROOT_SIZE=${1#*=} ;;
        --karg) need_val "$@"; KARGS+=("$2"); shift ;;
        --karg=*) KARGS+=("${1#*=}") ;;
        -h|--help) usage; exit 0 ;;
        --) shift; [ $# -le 1 ] || die "more than one target given"; TARGET=${1:-}; break ;;
        -*) usage; die "unknown flag: $1 (this test stand-in implements only the flags listed above)" ;;
        *) [ -z "$TARGET" ] || die "more than one target given: $TARGET $1"; TARGET=$1 ;;
    esac
    shift
done
[ -n "$TARGET" ] || { usage; die "no target device/file given"; }
case "$FS" in
    ext4|xfs|btrfs) ;;
    *) die "unsupported --filesystem '$FS' (this test stand-in supports ext4, xfs and btrfs)" ;;
esac
for k in ${KARGS[@]+"${KARGS[@]}"}; do
    case "$k" in *\'*|*$'\n'*) die "kernel argument with a quote or newline is not supported: $k" ;; esac
done

MiB=$((1024 * 1024))
to_bytes() {   # 10G, 10GiB, 10GB (treated as binary like bootc), 512M, 1048576
    local v=${1%B}
    v=${v%i}
    [[ "$v" =~ ^[0-9]+[KMGT]?$ ]] || die "cannot parse size '$1' (use e.g. 10G, 512M)"
    numfmt --from=iec "$v"
}

# -- target file ---------------------------------------------------------------------------------
if [ -b "$TARGET" ]; then
    die "block device targets are not supported by this test stand-in; give a raw image file"
fi
if [ ! -e "$TARGET" ]; then
    truncate -s 10G "$TARGET" || die "cannot create $TARGET"
    say "created sparse 10 GiB $TARGET"
fi
DISK_BYTES=$(stat -c %s "$TARGET")
DISK_SECTORS=$((DISK_BYTES / 512))

BIOS_START=2048 BIOS_SECTORS=2048                 # 1 MiB at 1 MiB
ESP_START=4096 ESP_SECTORS=$((256 * MiB / 512))   # 256 MiB at 2 MiB
ROOT_START=$((ESP_START + ESP_SECTORS))
ROOT_MAX=$((DISK_SECTORS - ROOT_START - 34))      # backup GPT header+table
ROOT_MAX=$((ROOT_MAX / 2048 * 2048))
if [ -n "$ROOT_SIZE" ]; then
    ROOT_SECTORS=$(( $(to_bytes "$ROOT_SIZE") / 512 / 2048 * 2048 ))
    [ "$ROOT_SECTORS" -le "$ROOT_MAX" ] || die "--root-size $ROOT_SIZE does not fit into $TARGET ($DISK_BYTES bytes)"
else
    ROOT_SECTORS=$ROOT_MAX
fi
[ "$ROOT_SECTORS" -ge $((1024 * MiB / 512)) ] || die "$TARGET is too small ($DISK_BYTES bytes; need >= 1.3 GiB)"

say "installing to $TARGET ($((DISK_BYTES / MiB)) MiB): root $FS $((ROOT_SECTORS / 2048)) MiB, kargs: ${KARGS[*]-}"

CLEANUP=()
cleanup() { local i; for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done; }
trap cleanup EXIT
TMP=$(mktemp -d /tmp/bootc-install.XXXXXX)
CLEANUP+=("rm -rf '$TMP'")

# -- partition table -----------------------------------------------------------------------------
sfdisk -q --wipe always --no-reread --no-tell-kernel "$TARGET" >/dev/null <<EOF || die "sfdisk failed"
label: gpt
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6449-6E6F-744E-656564454649, name="BIOS-BOOT"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI-SYSTEM"
start=$ROOT_START, size=$ROOT_SECTORS, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
EOF
say "partitioned (GPT: bios-boot, ESP, root)"

# -- what goes into the root filesystem ----------------------------------------------------------
# The container's own / (throw-away, --rm) is the source. podman bind-mounts /etc/hostname,
# /etc/hosts and /etc/resolv.conf over the image's files: unmount them (privileged) or, failing
# that, overwrite the container's copies with the image's originals from /usr/lib/pb-fixture/etc.
for f in hostname hosts resolv.conf; do
    if grep -q " /etc/$f " /proc/self/mountinfo; then umount "/etc/$f" 2>/dev/null || true; fi
    if grep -q " /etc/$f " /proc/self/mountinfo; then cat "/usr/lib/pb-fixture/etc/$f" >"/etc/$f"; fi
done
case "$FS" in ext4) pass=1 ;; *) pass=0 ;; esac
echo "LABEL=root / $FS defaults 0 $pass" >/etc/fstab
: >/etc/machine-id
root_tar() {   # tar stream of the container's /, without pseudo file systems, volumes and temp files
    tar -C / --numeric-owner --xattrs --xattrs-include='*' --acls \
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
            || die "mkfs.ext4 failed"
        ;;
    xfs|btrfs)
        LOOP=$(losetup --find --show --offset "$ROOT_OFF" --sizelimit "$ROOT_BYTES" "$TARGET") \
            || die "losetup failed (--filesystem $FS needs a loop device: run the container --privileged)"
        CLEANUP+=("losetup -d '$LOOP'")
        if [ "$FS" = xfs ]; then
            mkfs.xfs -q -f -L root "$LOOP" || die "mkfs.xfs failed"
            mkdir -p "$TMP/mnt"
            mount -t xfs "$LOOP" "$TMP/mnt" || die "cannot mount the new xfs file system (host kernel lacks xfs?)"
            CLEANUP+=("umount '$TMP/mnt'")
            root_tar | tar -C "$TMP/mnt" --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - \
                || die "copying the root file system failed"
            umount "$TMP/mnt"
            unset 'CLEANUP[${#CLEANUP[@]}-1]'
        else
            mkdir -p "$TMP/stage"
            root_tar | tar -C "$TMP/stage" --numeric-owner --xattrs --xattrs-include='*' --acls -xpf - \
                || die "staging the root file system failed"
            mkfs.btrfs -q -f -L root --rootdir "$TMP/stage" "$LOOP" >/dev/null || die "mkfs.btrfs failed"
            rm -rf "$TMP/stage"
        fi
        sync
        ;;
esac
say "root file system ($FS, label root) written"

# -- ESP: GRUB for UEFI, grub.cfg, kernel and initrd ---------------------------------------------
KVER=$(ls /usr/lib/modules | sort -V | tail -n1)
[ -f "/boot/vmlinuz-$KVER" ] && [ -f "/boot/initrd.img-$KVER" ] || die "kernel/initrd for $KVER missing in /boot"
mkfs.fat -F 32 -s 2 -n EFI-SYSTEM --offset $ESP_START "$TARGET" $((ESP_SECTORS / 2)) >/dev/null 2>&1 || die "mkfs.fat failed"
ESP="$TARGET@@$((ESP_START * 512))"
export MTOOLS_SKIP_CHECK=1

CMDLINE="root=LABEL=root rw console=tty0 console=ttyS0,115200"
GRUB_KARGS=""
for k in ${KARGS[@]+"${KARGS[@]}"}; do CMDLINE+=" $k"; GRUB_KARGS+=" '$k'"; done
cat >"$TMP/grub.cfg" <<EOF
# written by the pb-fixture bootc stand-in
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
# shellcheck disable=SC2086
grub-mkimage -O x86_64-efi -o "$TMP/BOOTX64.EFI" -c "$TMP/early.cfg" -p /grub $MODS efi_gop \
    || die "grub-mkimage x86_64-efi failed"
# shellcheck disable=SC2086
grub-mkimage -O i386-pc -o "$TMP/core.img" -c "$TMP/early.cfg" -p /grub biosdisk $MODS \
    || die "grub-mkimage i386-pc failed"

mmd -i "$ESP" ::/EFI ::/EFI/BOOT ::/grub
mcopy -i "$ESP" "$TMP/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$ESP" "$TMP/grub.cfg" ::/grub/grub.cfg
mcopy -i "$ESP" "/boot/vmlinuz-$KVER" ::/vmlinuz
mcopy -i "$ESP" "/boot/initrd.img-$KVER" ::/initrd.img
say "ESP written (GRUB EFI, grub.cfg, kernel $KVER, initrd)"

# -- BIOS: what grub-bios-setup would write, placed by hand (it refuses image files) -------------
le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"; done; }
CORE_SECTORS=$((($(stat -c %s "$TMP/core.img") + 511) / 512))
[ "$CORE_SECTORS" -le "$BIOS_SECTORS" ] || die "core.img ($CORE_SECTORS sectors) does not fit the BIOS boot partition"
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
BOOTC_EOF
chmod 0755 "$R/usr/bin/bootc"
mkdir -p "$R/usr/lib/pb-fixture/etc"
cp "$R/etc/hostname" "$R/etc/hosts" "$R/etc/resolv.conf" "$R/usr/lib/pb-fixture/etc/"

# ---- import into podman -------------------------------------------------------------------------
phase "podman import"
OLD_ID=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$R" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
    podman import \
        --change 'LABEL containers.bootc=1' \
        --change 'LABEL ostree.bootable=1' \
        --change "LABEL $HASH_LABEL=$HASH" \
        --change 'LABEL org.opencontainers.image.description="pb test stand-in for a bootc image (Debian '"$SUITE"'); NOT a real bootc image"' \
        --change 'CMD ["/sbin/init"]' \
        - "$IMAGE" >/dev/null 2>"$WORK/import.log" || { cat "$WORK/import.log" >&2; die "podman import failed"; }
NEW_ID=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$NEW_ID" ]; then
    podman rmi "$OLD_ID" >/dev/null 2>&1 || true   # only succeeds when nothing else uses it
fi
rm -rf --one-file-system "$R"

phase ""
SIZE=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "build-fixture: built $IMAGE (${NEW_ID:0:12}, $((SIZE / 1024 / 1024)) MiB, $HASH_LABEL=$HASH) in $(elapsed "$T0") s" >&2
