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

# A path of the image, resolved inside the image's root: the image's symlinks (absolute or with ..) point into
# the image, never to the host's files, which pb runs beside as root (or as the user). Prints the host path.
inroot() { # RELATIVE-PATH
    todo=$1 cur= links=0
    while [ -n "$todo" ]; do
        comp=${todo%%/*}
        case $todo in */*) todo=${todo#*/} ;; *) todo= ;; esac
        case $comp in
            '' | .) continue ;;
            ..) cur=${cur%/*}; continue ;;
        esac
        if [ -L "$root$cur/$comp" ]; then
            links=$((links + 1))
            if [ $links -gt 40 ]; then say "too many symbolic links in the image at /$1"; return 1; fi
            target=$(readlink "$root$cur/$comp")
            case $target in /*) cur= ;; esac
            todo=$target${todo:+/$todo}
        else
            cur=$cur/$comp
        fi
    done
    printf '%s\n' "$root$cur"
}
# A regular file of the image (resolved inside it), copied out; fails when there is none.
copy_out() { # RELATIVE-PATH DEST
    f=$(inroot "$1") || return 1
    [ -f "$f" ] && [ ! -L "$f" ] || return 1
    cp "$f" "$2"
}
# A file of pb's put into the image's root, at a path resolved inside it.
put_in() { # SOURCE RELATIVE-DIR NAME MODE
    d=$(inroot "$2")
    mkdir -p "$d"
    dest=$(inroot "$2/$3")
    rm -f "$dest"
    cp "$1" "$dest"
    chmod "$4" "$dest"
}

modules=$(inroot usr/lib/modules)
kver=
for d in "$modules"/*; do
    v=${d##*/}
    if [ -f "$(inroot "usr/lib/modules/$v/vmlinuz")" ] && [ -f "$(inroot "usr/lib/modules/$v/initramfs.img")" ]; then kver=$v; fi
done
if [ -z "$kver" ] || ! copy_out "usr/lib/modules/$kver/vmlinuz" "$work/vmlinuz" || ! copy_out "usr/lib/modules/$kver/initramfs.img" "$work/initramfs.img"; then
    say "the image has no kernel and initramfs in /usr/lib/modules/*/{vmlinuz,initramfs.img}"
    exit 3
fi
put_in "$work/guest/install" usr/lib/pb-installer install 755
put_in "$work/guest/pb-install.service" etc/systemd/system pb-install.service 644
put_in "$work/guest/pb-install.target" etc/systemd/system pb-install.target 644

# One virtiofsd per shared folder, with xattrs (labels, capabilities): the Rust one, or QEMU 7's C one. Each runs
# in a mount namespace of its own: the container storage is shared read-only on the host's side (a read-only bind
# mount of it on itself, which the guest cannot undo), and the C virtiofsd, whose pid file goes in /run/virtiofsd
# that only root may write, gets a /run of its own when /run is not writable.
own_run=
rust=
if "$virtiofsd" --help 2>&1 | grep -q -- --shared-dir; then
    rust=1
elif [ ! -w /run ]; then
    own_run=1
fi
share() { # TAG DIR rw|ro
    tag=$1 dir=$2 prep=:
    [ "$3" = ro ] && prep='mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0"'
    [ -n "$own_run" ] && prep="$prep && mount -t tmpfs -o mode=0755 tmpfs /run"
    if [ -n "$rust" ]; then
        set -- "$virtiofsd" --socket-path="$work/$tag.sock" --shared-dir="$dir" --cache=auto --sandbox=chroot --xattr
    else
        set -- "$virtiofsd" --socket-path="$work/$tag.sock" -o source="$dir" -o cache=auto -o sandbox=chroot -o xattr
    fi
    unshare --mount --propagation private sh -c "$prep"' && exec "$@"' "$dir" "$@" </dev/null >"$work/virtiofsd-$tag.log" 2>&1 &
    pids="$pids $!"
}
share root "$root" rw
share storage "$graphroot" ro
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
