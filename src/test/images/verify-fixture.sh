#!/usr/bin/env bash
# verify-fixture.sh - end-to-end check of the pb test fixture (see build-fixture.sh), without pb:
#   1. build-fixture.sh (no-op when up to date)
#   2. podman run ... bootc install to-disk ... /output/disk.raw   (exactly as pb runs it)
#   3. qemu-img convert -O qcow2
#   4. boot under QEMU/TCG (UEFI with non-secure-boot OVMF, or BIOS/SeaBIOS), SSH key and a "core"
#      user injected as SMBIOS type-11 systemd credentials, then ssh root@ and core@ "echo ok".
# Prints timings. Run as root.
#
# Usage: verify-fixture.sh [--firmware uefi|bios] [--filesystem ext4|xfs|btrfs] [--root-size SIZE]
#                          [--karg ARG]... [--qemu-arg ARG]... [--keep] [--reuse-disk DIR]
# shellcheck disable=SC2054  # commas inside QEMU option values are intended
set -euo pipefail
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
IMAGE=${PB_FIXTURE_IMAGE:-localhost/pb-fixture:latest}
FIRMWARE=uefi FS="" ROOT_SIZE="" KEEP=0 REUSE="" KARGS=() QEMU_EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --firmware) FIRMWARE=$2; shift ;;
        --filesystem) FS=$2; shift ;;
        --root-size) ROOT_SIZE=$2; shift ;;
        --karg) KARGS+=("$2"); shift ;;
        --qemu-arg) QEMU_EXTRA+=("$2"); shift ;;
        --keep) KEEP=1 ;;
        --reuse-disk) REUSE=$2; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
ts() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "verify: $*" >&2; }

t=$(ts)
"$HERE/build-fixture.sh"
log "build-fixture.sh: $(dt "$t") s"

if [ -n "$REUSE" ]; then
    W=$REUSE
else
    W=$(mktemp -d /var/tmp/pb-verify.XXXXXX)
    mkdir -p "$W/out"
    truncate -s 10G "$W/out/disk.raw"
    args=(bootc install to-disk --via-loopback --generic-image --skip-fetch-check)
    [ -z "$FS" ] || args+=(--filesystem "$FS")
    [ -z "$ROOT_SIZE" ] || args+=(--root-size "$ROOT_SIZE")
    for k in ${KARGS[@]+"${KARGS[@]}"}; do args+=(--karg "$k"); done
    args+=(/output/disk.raw)
    t=$(ts)
    podman run --rm --privileged --pid=host --security-opt label=type:unconfined_t \
        -v /var/lib/containers:/var/lib/containers -v /dev:/dev -v "$W/out:/output" \
        "$IMAGE" "${args[@]}"
    log "install to-disk: $(dt "$t") s"
    t=$(ts)
    qemu-img convert -O qcow2 "$W/out/disk.raw" "$W/disk.qcow2"
    log "qemu-img convert: $(dt "$t") s ($(du -h "$W/disk.qcow2" | cut -f1))"
fi
[ "$KEEP" = 1 ] || trap 'rm -rf "$W"' EXIT

cd "$W"
rm -f key key.pub
ssh-keygen -q -t ed25519 -N "" -f key
PUB=$(cat key.pub)
b64() { base64 -w0; }
ROOT_KEYS=$(printf '%s\n' "$PUB" | b64)
SYSUSERS=$(printf '%s\n' 'u core - "core user" /home/core /bin/bash' | b64)
TMPFILES=$(printf '%s\n' \
    'd /home/core 0700 core core -' \
    'd /home/core/.ssh 0700 core core -' \
    "f+~ /home/core/.ssh/authorized_keys 0600 core core - $(printf '%s\n' "$PUB" | b64)" | b64)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000)))
QEMU=(qemu-system-x86_64 -machine q35,accel=tcg -m 1024 -smp 2 -nographic -nodefaults
      -serial file:"$W/serial.log"
      -drive file="$W/disk.qcow2",if=virtio,format=qcow2
      -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0
      -smbios "type=11,value=io.systemd.credential.binary:ssh.authorized_keys.root=$ROOT_KEYS,value=io.systemd.credential.binary:sysusers.extra=$SYSUSERS,value=io.systemd.credential.binary:tmpfiles.extra=$TMPFILES")
if [ "$FIRMWARE" = uefi ]; then
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$W/vars.fd"
    QEMU+=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
           -drive if=pflash,format=raw,file="$W/vars.fd")
fi
QEMU+=(${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"})
t=$(ts)
"${QEMU[@]}" -daemonize -pidfile "$W/qemu.pid" -display none
QPID=$(cat "$W/qemu.pid")
if [ "$KEEP" = 1 ]; then trap 'kill $QPID 2>/dev/null || true' EXIT
else trap 'kill $QPID 2>/dev/null || true; sleep 1; rm -rf "$W"' EXIT; fi
log "qemu pid $QPID ($FIRMWARE), ssh port $PORT, serial log $W/serial.log"
SSH=(ssh -i "$W/key" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
     -o ConnectTimeout=5 -o BatchMode=yes -o LogLevel=ERROR)
ok=0
for _ in $(seq 1 120); do
    if out=$("${SSH[@]}" root@127.0.0.1 echo ok 2>/dev/null) && [ "$out" = ok ]; then ok=1; break; fi
    kill -0 "$QPID" 2>/dev/null || { log "qemu exited"; break; }
    sleep 1
done
if [ $ok = 0 ]; then
    log "FAILED: no SSH after $(dt "$t") s; serial log tail:"; tail -n 40 "$W/serial.log" >&2; exit 1
fi
log "boot to 'ssh root@ echo ok' ($FIRMWARE): $(dt "$t") s"
out=$("${SSH[@]}" core@127.0.0.1 'echo ok; id; stat -c "%a %U %n" ~ ~/.ssh ~/.ssh/authorized_keys') \
    || { log "FAILED: ssh core@"; exit 1; }
log "ssh core@: $(echo "$out" | tr '\n' ';')"
"${SSH[@]}" root@127.0.0.1 'cat /proc/cmdline; systemctl is-system-running; findmnt -no SOURCE,FSTYPE /; ip -4 -br addr' >&2 || true
[ "$KEEP" = 1 ] && log "kept: $W (qemu pid $QPID, port $PORT); kill it when done" && trap - EXIT
log "OK"
