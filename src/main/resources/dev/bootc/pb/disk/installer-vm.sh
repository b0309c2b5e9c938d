#!/bin/sh
# pb's installer VM (the base disk built without root, as bcvk does): run by pb, under `podman unshare`
# when pb is not root. Mounts the image's root file system (a container made from the image), puts the
# installer unit into it, shares it and the container storage with virtiofsd, and runs QEMU (the rest of
# the arguments) until the guest powers off. The guest boots the image's own kernel and initramfs with
# its root on virtiofs and runs bootc install to-disk onto the target disk (/usr/lib/pb-installer/install).
#
# usage: installer-vm.sh CONTAINER WORKDIR VIRTIOFSD GRAPHROOT -- QEMU ARGS...
# exit: QEMU's status; 3 when the image has no kernel, 4 when virtiofsd did not start.
set -eu
container=$1 work=$2 virtiofsd=$3 graphroot=$4
shift 4
[ "$1" = -- ] && shift

say() { echo "pb-installer-host: $*"; }
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' INT TERM HUP

root=$(podman mount "$container")
kernel= initrd=
for d in "$root"/usr/lib/modules/*/; do
    if [ -f "$d/vmlinuz" ] && [ -f "$d/initramfs.img" ]; then kernel=$d/vmlinuz initrd=$d/initramfs.img; fi
done
if [ -z "$kernel" ]; then
    say "the image has no kernel and initramfs in /usr/lib/modules/*/{vmlinuz,initramfs.img}"
    exit 3
fi
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initramfs.img"
mkdir -p "$root/usr/lib/pb-installer" "$root/etc/systemd/system"
cp "$work/guest/install" "$root/usr/lib/pb-installer/install"
chmod 755 "$root/usr/lib/pb-installer/install"
cp "$work/guest/pb-install.service" "$work/guest/pb-install.target" "$root/etc/systemd/system/"

# One virtiofsd per shared folder, with xattrs (labels, capabilities): the Rust one, or QEMU 7's C one, which
# writes a pid file in /run/virtiofsd that only root may write: without root it gets a /run of its own.
as_is() { exec "$@"; }
own_run() { exec unshare --mount --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$@"' sh "$@"; }
wrap=as_is
rust=
if "$virtiofsd" --help 2>&1 | grep -q -- --shared-dir; then
    rust=1
elif [ ! -w /run ]; then
    wrap=own_run
fi
share() { # TAG DIR
    if [ -n "$rust" ]; then
        $wrap "$virtiofsd" --socket-path="$work/$1.sock" --shared-dir="$2" --cache=auto --sandbox=chroot --xattr </dev/null >"$work/virtiofsd-$1.log" 2>&1 &
    else
        $wrap "$virtiofsd" --socket-path="$work/$1.sock" -o source="$2" -o cache=auto -o sandbox=chroot -o xattr </dev/null >"$work/virtiofsd-$1.log" 2>&1 &
    fi
    pids="$pids $!"
}
share root "$root"
share storage "$graphroot"
i=0
while [ ! -S "$work/root.sock" ] || [ ! -S "$work/storage.sock" ]; do
    i=$((i + 1))
    dead=
    for p in $pids; do kill -0 "$p" 2>/dev/null || dead=1; done
    if [ -n "$dead" ] || [ $i -gt 300 ]; then
        say "virtiofsd did not start:"
        cat "$work"/virtiofsd-*.log
        exit 4
    fi
    sleep 0.1
done
say "booting the installer VM"
set +e
"$@"
rc=$?
set -e
exit $rc
