#!/bin/sh
# pb's installer VM, the guest side (systemd unit pb-install.service): bootc install to-disk of the image
# from the host's container storage (virtiofs tag pbstorage) onto the target disk (serial pbtarget), then
# power off. pb reads the result from the console: the last line "pb-installer: exit N".
# Written by pb with the install command's arguments in place of @ARGS@, the host storage's driver for @DRIVER@.
target=/dev/disk/by-id/virtio-pbtarget
i=0
while [ ! -b "$target" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
rc=0
if [ ! -b "$target" ]; then
    echo "pb-installer: the target disk $target did not appear"
    rc=70
elif ! mkdir -p /run/pb-storage || ! mount -t virtiofs -o ro pbstorage /run/pb-storage; then
    echo "pb-installer: cannot mount the host's container storage (virtiofs tag pbstorage)"
    rc=71
else
    echo "pb-installer: installing"
    # the host's store is read with the host's storage driver (rootless podman may use vfs)
    STORAGE_DRIVER=@DRIVER@ STORAGE_OPTS=additionalimagestore=/run/pb-storage bootc install to-disk @ARGS@ "$target" </dev/null 2>&1
    rc=$?
    sync
fi
echo "pb-installer: exit $rc"
systemctl poweroff --force --force
