#!/usr/bin/env bash
# verify-fixture-ostree.sh - the update cycle of pb-fixture-ostree end to end, without pb or libvirt:
#   1. build-fixture-ostree.sh (v1; no-op when up to date) and v2 (FROM v1: a file and a unit more)
#   2. bootc install to-disk of v1 exactly as pb runs it (privileged podman container), qcow2
#   3. one QEMU/TCG VM (2 GiB, UEFI or BIOS; the root key as a tmpfiles.extra SMBIOS credential, as pb sends
#      it); the guest reboots itself, QEMU stays: boot 1 (v1): bootc status; write /var/lib/keep, change
#      /etc/issue, add /etc/pb-local.conf; the host's container storage HOT-PLUGGED read-only (virtiofsd
#      serving a read-only bind mount, a vhost-user-fs-pci device added through QEMU's monitor), mounted,
#      `env STORAGE_OPTS=additionalimagestore=/run/pb-storage bootc switch --transport containers-storage
#      v2` (bcvk's manual flow), unmounted and unplugged; reboot -> boot 2 (v2 booted, v1 rollback, the
#      files kept, the v2 unit active); `bootc upgrade --check` (no changes); `bootc rollback`; reboot ->
#      boot 3 (v1 booted, v2 rollback)
# Prints each `bootc status --json` and the boot times; exit 0 when every check held. Run as root.
# Usage: verify-fixture-ostree.sh [--firmware uefi|bios] [--filesystem ext4|xfs|btrfs] [--keep]
set -euo pipefail
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
REPO=${PB_FIXTURE_OSTREE_IMAGE:-localhost/pb-fixture-ostree}
FIRMWARE=uefi FS=ext4 KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --firmware) FIRMWARE=$2; shift ;;
        --filesystem) FS=$2; shift ;;
        --keep) KEEP=1 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
ts() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "verify-ostree: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

"$HERE/build-fixture-ostree.sh" --version v1
"$HERE/build-fixture-ostree.sh" --version v2
V1=$REPO:v1 V2=$REPO:v2
W=$(mktemp -d /var/tmp/pb-verify-ostree.XXXXXX)
mkdir -p "$W/out"
truncate -s 10G "$W/out/disk.raw"
t=$(ts)
podman run --rm --pull=never --privileged --pid=host --user root:root --security-opt label=type:unconfined_t \
    -v /var/lib/containers:/var/lib/containers -v /dev:/dev -v "$W/out:/output" "$V1" \
    bootc install to-disk --via-loopback --generic-image --skip-fetch-check --filesystem "$FS" /output/disk.raw
log "install to-disk: $(dt "$t") s"
qemu-img convert -O qcow2 "$W/out/disk.raw" "$W/disk.qcow2" && rm -f "$W/out/disk.raw"

ssh-keygen -q -t ed25519 -N "" -f "$W/key"
KEY64=$(base64 -w0 <"$W/key.pub")
TMPFILES=$(printf '%s\n' 'd /root/.ssh 0750 - - -' "f+~ /root/.ssh/authorized_keys 700 - - - $KEY64" | base64 -w0)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
QEMU=(qemu-system-x86_64 -machine q35,accel=tcg -m 2048 -smp 2 -nographic -nodefaults
      -serial file:"$W/serial.log" -monitor unix:"$W/monitor.sock",server,nowait
      -object memory-backend-memfd,id=mem,size=2048M,share=on -numa node,memdev=mem
      -device pcie-root-port,id=rp1,chassis=1,slot=1
      -drive file="$W/disk.qcow2",if=virtio,format=qcow2
      -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0,romfile=
      -smbios "type=11,value=io.systemd.credential.binary:tmpfiles.extra=$TMPFILES")
if [ "$FIRMWARE" = uefi ]; then
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$W/vars.fd"
    QEMU+=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive if=pflash,format=raw,file="$W/vars.fd")
fi
PIDS=()
stop() { [ -f "$W/qemu.pid" ] && kill "$(cat "$W/qemu.pid")" 2>/dev/null; for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null; done; return 0; }
# --keep: the VM and its folder stay (for a look after a failure); stop them with: kill $(cat W/qemu.pid)
if [ "$KEEP" = 1 ]; then trap 'log "kept: $W, qemu $(cat "$W/qemu.pid" 2>/dev/null), virtiofsd ${PIDS[*]-}"' EXIT; else trap 'stop; sleep 2; rm -rf "$W" || true' EXIT; fi
SSH=(timeout 600 ssh -i "$W/key" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o ServerAliveInterval=5 -o ServerAliveCountMax=3
     -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1)
g() { "${SSH[@]}" "$@"; }
monitor() { printf '%s\n' "$1" | socat - UNIX-CONNECT:"$W/monitor.sock" >>"$W/monitor.log" 2>&1; }
wait_ssh() {   # $1 boot id to be different from (the previous boot's), prints the new one
    local t0=$1 prev=$2 id
    for _ in $(seq 1 300); do
        if id=$(g cat /proc/sys/kernel/random/boot_id 2>/dev/null) && [ -n "$id" ] && [ "$id" != "$prev" ]; then
            log "ssh answered $(dt "$t0") s after $3"; echo "$id"; return 0
        fi
        kill -0 "$(cat "$W/qemu.pid")" 2>/dev/null || die "qemu exited; serial: $(tail -n 30 "$W/serial.log")"
        sleep 1
    done
    tail -n 40 "$W/serial.log" >&2; die "no SSH after $(dt "$t0") s"
}
status() { g bootc status --json; }
field() { jq -r "$1" <<<"$2"; }
command -v socat >/dev/null || apt-get install -y -q socat >/dev/null
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

t=$(ts)
"${QEMU[@]}" -daemonize -pidfile "$W/qemu.pid" -display none
log "qemu $(cat "$W/qemu.pid") ($FIRMWARE, $FS), ssh port $PORT, serial $W/serial.log"
B1=$(wait_ssh "$t" none "qemu start (boot 1, v1)")
S=$(status); echo "boot 1 (v1) bootc status --json: $S"
D1=$(podman image inspect --format '{{.Digest}}' "$V1") D2=$(podman image inspect --format '{{.Digest}}' "$V2")
[ "$(field .status.booted.image.imageDigest "$S")" = "$D1" ] || die "boot 1: booted digest is not v1's ($D1)"
[ "$(field .status.booted.image.image.image "$S")" = "$V1" ] || die "boot 1: booted image is not $V1"
[ "$(field .status.rollback "$S")" = null ] || die "boot 1: a rollback deployment already"
g 'set -e; echo kept >/var/lib/keep; echo "pb was here" >>/etc/issue; echo local=1 >/etc/pb-local.conf;
   ! mkdir /data 2>/dev/null; readlink /root; findmnt -no OPTIONS /sysroot | grep -q "^ro"; cat /usr/share/pb-fixture/release' \
    || die "boot 1: writing /var, /etc, read-only / and /sysroot"

# the host's storage, read-only on the host's side, plugged in only while the guest reads it; QEMU 7's C virtiofsd
# serves one connection and exits when its device is unplugged, so each plug gets a virtiofsd of its own (as libvirt
# starts one per attached <filesystem>)
VIRTIOFSD=/usr/lib/qemu/virtiofsd
plugged=0
in_storage() {   # $1: a command run in the guest with the host's storage at /run/pb-storage
    plugged=$((plugged + 1))
    local sock=$W/storage$plugged.sock rc=0
    unshare --mount --propagation private sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"' \
        /var/lib/containers/storage "$VIRTIOFSD" --socket-path="$sock" -o source=/var/lib/containers/storage \
        -o cache=auto -o sandbox=chroot -o xattr </dev/null >"$W/virtiofsd$plugged.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
    monitor "chardev-add socket,id=storage$plugged,path=$sock"
    monitor "device_add vhost-user-fs-pci,chardev=storage$plugged,tag=pb-storage,id=storagefs$plugged,bus=rp1"
    sleep 2
    g 'set -e; mkdir -p /run/pb-storage; mount -t virtiofs -o ro pb-storage /run/pb-storage; trap "umount /run/pb-storage" EXIT;
       touch /run/pb-storage/probe 2>/dev/null && { echo "the host storage is writable from the guest" >&2; exit 9; };
       env STORAGE_OPTS=additionalimagestore=/run/pb-storage '"$1" || rc=$?
    monitor "device_del storagefs$plugged"
    sleep 3
    monitor "chardev-remove storage$plugged"
    return $rc
}
t=$(ts)
in_storage "bootc switch --transport containers-storage $V2" || die "bootc switch"
log "bootc switch (import + stage) took $(dt "$t") s"
S=$(status); echo "after switch, before reboot: $S"
[ "$(field .status.staged.image.imageDigest "$S")" = "$D2" ] || die "staged digest is not v2's"
[ "$(field .status.booted.image.imageDigest "$S")" = "$D1" ] || die "booted changed before the reboot"
g 'mountpoint -q /run/pb-storage' && die "the storage is still mounted"

t=$(ts)
g 'systemctl reboot' || true
B2=$(wait_ssh "$t" "$B1" "reboot (boot 2, v2)")
S=$(status); echo "boot 2 (v2) bootc status --json: $S"
[ "$(field .status.booted.image.imageDigest "$S")" = "$D2" ] || die "boot 2: booted is not v2"
[ "$(field .status.rollback.image.imageDigest "$S")" = "$D1" ] || die "boot 2: rollback is not v1"
[ "$(field .status.booted.image.image.transport "$S")" = containers-storage ] || die "boot 2: transport"
out=$(g 'cat /var/lib/keep; tail -n1 /etc/issue; cat /etc/pb-local.conf; cat /usr/share/pb-fixture/release; systemctl is-active pb-fixture-v2.service; cat /run/pb-fixture-v2')
echo "boot 2 files: $(echo "$out" | tr '\n' ';')"
[ "$out" = "$(printf 'kept\npb was here\nlocal=1\nv2\nactive\nv2')" ] || die "boot 2: /var or /etc lost, or v2's file/unit missing"
out=$(in_storage "bootc upgrade --check") || die "bootc upgrade --check"
echo "boot 2 bootc upgrade --check: $out"
[ "$out" = "No changes in: ostree-unverified-image:containers-storage:$V2" ] || die "upgrade --check should find nothing new"

t=$(ts)
g 'bootc rollback' || die "bootc rollback"
S=$(status); echo "after rollback, before reboot: $S"
[ "$(field .status.rollbackQueued "$S")" = true ] || die "rollbackQueued is not true"
g 'systemctl reboot' || true
B3=$(wait_ssh "$t" "$B2" "reboot (boot 3, rollback to v1)")
S=$(status); echo "boot 3 (rolled back) bootc status --json: $S"
[ "$(field .status.booted.image.imageDigest "$S")" = "$D1" ] || die "boot 3: booted is not v1"
[ "$(field .status.rollback.image.imageDigest "$S")" = "$D2" ] || die "boot 3: rollback is not v2"
out=$(g 'cat /var/lib/keep; cat /usr/share/pb-fixture/release; systemctl is-active pb-fixture-v2.service || true')
echo "boot 3 files: $(echo "$out" | tr '\n' ';')"
[ "$out" = "$(printf 'kept\nv1\ninactive')" ] || die "boot 3: not v1, or /var lost"
log "OK ($FIRMWARE, $FS)"
