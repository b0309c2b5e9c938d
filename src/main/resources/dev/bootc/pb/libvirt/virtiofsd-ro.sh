#!/bin/sh
# pb's virtiofsd for a read-only volume. libvirt runs it in place of virtiofsd (<binary path>) with virtiofsd's
# arguments; it makes the shared folder read-only in a mount namespace of its own (a read-only bind mount of
# the folder on itself, which nothing in the guest can undo) and runs virtiofsd there.
set -eu
virtiofsd=@VIRTIOFSD@
src= prev=
for a in "$@"; do
    case $a in
        # libvirt: -o source=DIR[,option...], a comma in DIR written as two
        source=*) src=$(printf '%s\n' "${a#source=}" | sed 's/,,/\x01/g; s/,.*//; s/\x01/,/g') ;;
        --shared-dir=*) src=${a#--shared-dir=} ;;
    esac
    [ "$prev" = --shared-dir ] && src=$a
    prev=$a
done
if [ -z "$src" ] || [ ! -d "$src" ]; then
    echo "pb virtiofsd-ro: no shared folder among the arguments: $*" >&2
    exit 1
fi
ns=--mount
[ "$(id -u)" = 0 ] || ns="--user --map-root-user --mount"
exec unshare $ns --propagation private sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"' "$src" "$virtiofsd" "$@"
