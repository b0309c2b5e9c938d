#!/bin/bash
# Builds a small UEFI-bootable Debian disk (qcow2) for the "vm" tests, with no loop device and no
# mount: debootstrap a root, make the ESP and the ext4 root as files, splice them into a GPT disk.
# The guest runs systemd (so it honours SMBIOS credentials), systemd-networkd (DHCP on any NIC),
# openssh-server, and a serial console on ttyS0.
#
# usage: build-debian-disk.sh SUITE OUT.qcow2     (SUITE: bookworm | trixie)
set -euo pipefail
suite=${1:?suite}
out=${2:?output qcow2}
mirror=${PB_DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit} /^deb /{print $2; exit}' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d /var/tmp/pb-disk-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

pkgs=linux-image-amd64,systemd-sysv,udev,dbus,openssh-server,iproute2,kmod,e2fsprogs

debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

echo "LABEL=root / ext4 defaults 0 1" > "$root/etc/fstab"
echo "pb-test" > "$root/etc/hostname"
: > "$root/etc/machine-id"
mkdir -p "$root/etc/systemd/network" "$root/etc/systemd/system/multi-user.target.wants"
cat > "$root/etc/systemd/network/80-dhcp.network" <<'NET'
[Match]
Name=en* eth*
[Network]
DHCP=ipv4
NET
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# no password login at all: only keys injected as credentials get in
chroot "$root" passwd -l root >/dev/null
chroot "$root" apt-get clean
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/lib/apt/lists/*

kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -1)
initrd=initrd.img-${kernel#vmlinuz-}
cat > "$work/grub.cfg" <<CFG
set timeout=0
search --no-floppy --label root --set root
linux /boot/$kernel root=LABEL=root ro console=ttyS0,115200 quiet
initrd /boot/$initrd
boot
CFG
grub-mkstandalone -O x86_64-efi -o "$work/BOOTX64.EFI" \
  --modules="part_gpt ext2 search search_label linux normal" \
  "boot/grub/grub.cfg=$work/grub.cfg"

esp_mib=64
mkfs.fat -F 32 -s 1 -C "$work/esp.img" $((esp_mib * 1024)) >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

root_mib=$(( $(du -sm "$root" | cut -f1) + 512 ))
mkfs.ext4 -q -L root -d "$root" "$work/root.img" "${root_mib}M"

disk=$work/disk.raw
truncate -s $(( (1 + esp_mib + root_mib + 1) * 1024 * 1024 )) "$disk"
sfdisk -q "$disk" <<PART
label: gpt
start=1MiB, size=${esp_mib}MiB, type=U, name=esp
start=$((1 + esp_mib))MiB, size=${root_mib}MiB, type=L, name=root
PART
dd if="$work/esp.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$disk" bs=1M seek=$((1 + esp_mib)) conv=notrunc,sparse status=none

mkdir -p "$(dirname "$out")"
qemu-img convert -O qcow2 "$disk" "$out.tmp"
chmod 0644 "$out.tmp"
mv "$out.tmp" "$out"
echo "built $out ($suite, kernel ${kernel#vmlinuz-})"
