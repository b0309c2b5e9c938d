#!/usr/bin/env bash
# verify-fixture.sh - end-to-end check of the pb test fixtures (see build-fixture.sh), without pb:
#   1. build-fixture.sh (no-op when up to date)
#   2. in a throw-away container of the image: systemd-tmpfiles with the credential
#      ssh.authorized_keys.root alone (must write nothing: /root dangles into /var at that point) and
#      with a tmpfiles.extra credential (must write /root/.ssh/authorized_keys)
#   3. truncate -s DISK_SIZE disk.raw, then exactly as pb runs it:
#      podman run --rm --privileged --pid=host --user root:root ... IMAGE \
#          bootc install to-disk --via-loopback --generic-image --skip-fetch-check [...] /output/disk.raw
#   4. qemu-img convert -O qcow2
#   5. one QEMU/TCG VM (plain qemu-system-x86_64, no libvirt): firmware uefi (OVMF without secure
#      boot), uefi-secure (OVMF Secure Boot, Microsoft keys enrolled, SMM) or bios (SeaBIOS). The
#      root key goes in as a tmpfiles.extra SMBIOS credential (as podman-bootc/bcvk do), a "core"
#      user via sysusers.extra + tmpfiles.extra, two virtiofs shares (/mnt/share, /var/share) via an
#      fstab.extra credential when virtiofsd exists. Then over SSH: read-only / (mkdir /data fails),
#      writable /etc /var /root /mnt/x, df / spans the disk, Secure Boot state (mokutil), virtiofs.
# Prints timings. Run as root. Boots one VM at a time and removes it (unless --keep).
#
# Usage: verify-fixture.sh [--firmware uefi|uefi-secure|bios] [--filesystem ext4|xfs|btrfs]
#            [--root-size SIZE] [--disk-size SIZE (default 20G)] [--karg ARG]... [--qemu-arg ARG]...
#            [--variant plain|xfs|signed|sd252] [--root-key tmpfiles|credential] [--expect-refusal] [--no-virtiofs] [--keep]
#            [--reuse-disk DIR]
#   --root-key credential  send only ssh.authorized_keys.root (what pb sent before): on these
#                          images root's SSH login must then FAIL; the core user still logs in
#   --expect-refusal       (with uefi-secure, for an image with an unsigned bootloader) expect the
#                          firmware to refuse it: print the serial console's refusal and pass
# Environment: PB_FIXTURE_IMAGE (default localhost/pb-fixture:latest); the -xfs and -signed variants
# are built alongside it: verify one with --variant xfs|signed|sd252 or by naming it in PB_FIXTURE_IMAGE.
# (sd252 has systemd 252, which ignores the fstab.extra credential: verify it with --no-virtiofs; pb mounts its
# shares over SSH, see Systemd252VolumesIT.)
# shellcheck disable=SC2054  # commas inside QEMU option values are intended
set -euo pipefail
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
IMAGE=${PB_FIXTURE_IMAGE:-localhost/pb-fixture:latest}
VARIANT=""
FIRMWARE=uefi FS="" ROOT_SIZE="" DISK_SIZE=20G KEEP=0 REUSE="" KARGS=() QEMU_EXTRA=()
ROOT_KEY=tmpfiles EXPECT_REFUSAL=0 VIRTIOFS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --firmware) FIRMWARE=$2; shift ;;
        --variant) VARIANT=$2; shift ;;
        --filesystem) FS=$2; shift ;;
        --root-size) ROOT_SIZE=$2; shift ;;
        --disk-size) DISK_SIZE=$2; shift ;;
        --karg) KARGS+=("$2"); shift ;;
        --qemu-arg) QEMU_EXTRA+=("$2"); shift ;;
        --root-key) ROOT_KEY=$2; shift ;;
        --expect-refusal) EXPECT_REFUSAL=1 ;;
        --no-virtiofs) VIRTIOFS=0 ;;
        --keep) KEEP=1 ;;
        --reuse-disk) REUSE=$2; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
# PB_FIXTURE_IMAGE may name a variant itself (REPO-xfs:TAG, REPO-signed:TAG): build-fixture.sh is
# then run for the base name, which builds the variants alongside.
if [[ "${IMAGE##*/}" == *:* ]]; then REPO=${IMAGE%:*} TAG=${IMAGE##*:}; else REPO=$IMAGE TAG=latest; fi
case "$REPO" in *-xfs) VARIANT=${VARIANT:-xfs}; REPO=${REPO%-xfs} ;; *-signed) VARIANT=${VARIANT:-signed}; REPO=${REPO%-signed} ;;
    *-sd252) VARIANT=${VARIANT:-sd252}; REPO=${REPO%-sd252} ;; esac
BASE_IMAGE=$REPO:$TAG
case "$VARIANT" in ""|plain) IMAGE=$BASE_IMAGE ;; xfs|signed|sd252) IMAGE=$REPO-$VARIANT:$TAG ;;
    *) echo "--variant: plain, xfs, signed or sd252" >&2; exit 2 ;; esac
case "$FIRMWARE" in uefi|uefi-secure|bios) ;; *) echo "--firmware: uefi, uefi-secure or bios" >&2; exit 2 ;; esac
case "$ROOT_KEY" in tmpfiles|credential) ;; *) echo "--root-key: tmpfiles or credential" >&2; exit 2 ;; esac
ts() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "verify: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

t=$(ts)
PB_FIXTURE_IMAGE=$BASE_IMAGE "$HERE/build-fixture.sh"
log "build-fixture.sh: $(dt "$t") s"
log "image $IMAGE; print-configuration: $(podman run --rm --pull=never --user root:root "$IMAGE" bootc install print-configuration)"

# ---- 2. the tmpfiles ordering of the image, in a throw-away container (a few seconds) -----------
t=$(ts)
out=$(podman run --rm --pull=never --user root:root "$IMAGE" sh -c '
    set -e
    key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbFixtureTmpfilesOrderCheckOnly0000000000 check"
    b64=$(printf "%s\n" "$key" | base64 -w0)
    mkdir -p /tmp/c1 /tmp/c2
    printf "%s\n" "$key" >/tmp/c1/ssh.authorized_keys.root
    printf "d /root/.ssh 0750 - - -\nf+~ /root/.ssh/authorized_keys 700 - - - %s\n" "$b64" >/tmp/c2/tmpfiles.extra
    CREDENTIALS_DIRECTORY=/tmp/c1 systemd-tmpfiles --create --boot >/dev/null 2>&1 || true
    if [ -e /root/.ssh/authorized_keys ]; then echo "credential:written"; else echo "credential:nothing"; fi
    rm -rf /var/roothome /var/home /var/mnt /var/srv /var/opt
    CREDENTIALS_DIRECTORY=/tmp/c2 systemd-tmpfiles --create --boot >/dev/null 2>&1 || true
    if grep -q "$key" /root/.ssh/authorized_keys 2>/dev/null; then echo "tmpfiles.extra:written"; else echo "tmpfiles.extra:nothing"; fi
' | tr '\n' ' ')
log "systemd-tmpfiles in the image: $out($(dt "$t") s)"
case "$out" in
    *"credential:nothing"*"tmpfiles.extra:written"*) ;;
    *) die "expected ssh.authorized_keys.root to write nothing and tmpfiles.extra to write the key" ;;
esac

# ---- 3./4. the base disk, as pb makes it -----------------------------------------------------
if [ -n "$REUSE" ]; then
    W=$REUSE
else
    W=$(mktemp -d /var/tmp/pb-verify.XXXXXX)
    mkdir -p "$W/out"
    truncate -s "$DISK_SIZE" "$W/out/disk.raw"    # real bootc writes into an existing file only
    args=(bootc install to-disk --via-loopback --generic-image --skip-fetch-check)
    [ -z "$FS" ] || args+=(--filesystem "$FS")
    [ -z "$ROOT_SIZE" ] || args+=(--root-size "$ROOT_SIZE")
    for k in ${KARGS[@]+"${KARGS[@]}"}; do args+=(--karg "$k"); done
    args+=(/output/disk.raw)
    t=$(ts)
    podman run --rm --pull=never --privileged --pid=host --user root:root \
        --security-opt label=type:unconfined_t \
        -v /var/lib/containers:/var/lib/containers -v /dev:/dev -v "$W/out:/output" \
        "$IMAGE" "${args[@]}"
    log "install to-disk: $(dt "$t") s"
    t=$(ts)
    qemu-img convert -O qcow2 "$W/out/disk.raw" "$W/disk.qcow2"
    log "qemu-img convert: $(dt "$t") s ($(du -h "$W/disk.qcow2" | cut -f1))"
fi
DISK_BYTES=$(qemu-img info --output=json "$W/disk.qcow2" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p' | head -n1)
[ "$KEEP" = 1 ] || trap 'rm -rf "$W"' EXIT

# ---- 5. boot -------------------------------------------------------------------------------------
cd "$W"
rm -f key key.pub
ssh-keygen -q -t ed25519 -N "" -f key
PUB=$(cat key.pub)
b64() { base64 -w0; }
KEY64=$(printf '%s\n' "$PUB" | b64)
SYSUSERS=$(printf '%s\n' 'u core - "core user" /home/core /bin/bash' | b64)
TMPFILES_LINES=(
    'd /home/core 0700 core core -'
    'd /home/core/.ssh 0700 core core -'
    "f+~ /home/core/.ssh/authorized_keys 0600 core core - $KEY64")
CREDS=("io.systemd.credential.binary:sysusers.extra=$SYSUSERS")
if [ "$ROOT_KEY" = tmpfiles ]; then
    TMPFILES_LINES+=('d /root/.ssh 0750 - - -' "f+~ /root/.ssh/authorized_keys 700 - - - $KEY64")
else
    CREDS+=("io.systemd.credential.binary:ssh.authorized_keys.root=$KEY64")
fi
CREDS+=("io.systemd.credential.binary:tmpfiles.extra=$(printf '%s\n' "${TMPFILES_LINES[@]}" | b64)")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000)))
MACHINE=q35,accel=tcg
[ "$FIRMWARE" != uefi-secure ] || MACHINE+=",smm=on"
QEMU=(qemu-system-x86_64 -machine "$MACHINE" -m 1024 -smp 2 -nographic -nodefaults
      -serial file:"$W/serial.log"
      -drive file="$W/disk.qcow2",if=virtio,format=qcow2
      -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0,romfile=)
PIDS=()
VIRTIOFSD=""
for c in /usr/libexec/virtiofsd /usr/lib/qemu/virtiofsd; do [ -x "$c" ] && VIRTIOFSD=$c && break; done
if [ "$VIRTIOFS" = 1 ] && [ -n "$VIRTIOFSD" ] && [ "$EXPECT_REFUSAL" = 0 ]; then
    mkdir -p "$W/share0" "$W/share1"
    echo "host-file-0" >"$W/share0/hello"
    echo "host-file-1" >"$W/share1/hello"
    for i in 0 1; do
        if "$VIRTIOFSD" --help 2>&1 | grep -q -- '--shared-dir'; then   # Rust virtiofsd
            "$VIRTIOFSD" --socket-path="$W/vfs$i.sock" --shared-dir="$W/share$i" --cache=never >"$W/vfs$i.log" 2>&1 &
        else                                                               # QEMU's C virtiofsd
            "$VIRTIOFSD" --socket-path="$W/vfs$i.sock" -o source="$W/share$i" -o cache=none >"$W/vfs$i.log" 2>&1 &
        fi
        PIDS+=($!)
    done
    for _ in $(seq 1 50); do [ -S "$W/vfs0.sock" ] && [ -S "$W/vfs1.sock" ] && break; sleep 0.1; done
    QEMU+=(-object memory-backend-memfd,id=mem,size=1024M,share=on -numa node,memdev=mem
           -chardev socket,id=vfs0,path="$W/vfs0.sock" -device vhost-user-fs-pci,chardev=vfs0,tag=share0
           -chardev socket,id=vfs1,path="$W/vfs1.sock" -device vhost-user-fs-pci,chardev=vfs1,tag=share1)
    FSTAB=$(printf '%s\n' 'share0 /mnt/share virtiofs defaults 0 0' 'share1 /var/share virtiofs defaults 0 0' | b64)
    CREDS+=("io.systemd.credential.binary:fstab.extra=$FSTAB")
else
    VIRTIOFS=0
fi
SMBIOS="type=11"
for c in "${CREDS[@]}"; do SMBIOS+=",value=$c"; done
QEMU+=(-smbios "$SMBIOS")
case "$FIRMWARE" in
    uefi)
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$W/vars.fd"
        QEMU+=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
               -drive if=pflash,format=raw,file="$W/vars.fd") ;;
    uefi-secure)   # Secure Boot OVMF build (needs SMM) with Microsoft's keys enrolled in the VARS
        cp /usr/share/OVMF/OVMF_VARS_4M.ms.fd "$W/vars.fd"
        QEMU+=(-global driver=cfi.pflash01,property=secure,value=on -global ICH9-LPC.disable_s3=1
               -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
               -drive if=pflash,format=raw,unit=1,file="$W/vars.fd") ;;
esac
QEMU+=(${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"})
t=$(ts)
"${QEMU[@]}" -daemonize -pidfile "$W/qemu.pid" -display none
QPID=$(cat "$W/qemu.pid")
stop() { kill "$QPID" 2>/dev/null || true; for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done; }
if [ "$KEEP" = 1 ]; then trap 'stop' EXIT
else trap 'stop; sleep 1; rm -rf "$W"' EXIT; fi
log "qemu pid $QPID ($FIRMWARE), ssh port $PORT, serial log $W/serial.log"

REFUSAL='Access Denied|Security Violation|SECURITY VIOLATION|Verification failed|not allowed'
if [ "$EXPECT_REFUSAL" = 1 ]; then
    for _ in $(seq 1 180); do
        if grep -a -q -E "$REFUSAL" "$W/serial.log" 2>/dev/null; then
            sleep 2
            log "firmware refused the bootloader after $(dt "$t") s; serial console:"
            grep -a -E "$REFUSAL" "$W/serial.log" | tr -d '\r' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | sort -u >&2
            log "OK (refused as expected)"
            exit 0
        fi
        grep -a -q 'Linux version' "$W/serial.log" 2>/dev/null && die "a kernel booted; expected a refusal"
        kill -0 "$QPID" 2>/dev/null || die "qemu exited"
        sleep 1
    done
    tail -c 2000 "$W/serial.log" >&2
    die "no refusal on the serial console after $(dt "$t") s"
fi

SSH=(ssh -i "$W/key" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
     -o ConnectTimeout=5 -o BatchMode=yes -o LogLevel=ERROR)
LOGIN=root
[ "$ROOT_KEY" = tmpfiles ] || LOGIN=core
ok=0
for _ in $(seq 1 200); do
    if out=$("${SSH[@]}" "$LOGIN@127.0.0.1" echo ok 2>/dev/null) && [ "$out" = ok ]; then ok=1; break; fi
    kill -0 "$QPID" 2>/dev/null || { log "qemu exited"; break; }
    grep -a -q -E "$REFUSAL" "$W/serial.log" 2>/dev/null && { grep -a -E "$REFUSAL" "$W/serial.log" >&2; break; }
    sleep 1
done
if [ $ok = 0 ]; then
    log "FAILED: no SSH as $LOGIN after $(dt "$t") s; serial log tail:"; tail -n 40 "$W/serial.log" >&2; exit 1
fi
log "boot to 'ssh $LOGIN@ echo ok' ($FIRMWARE): $(dt "$t") s"
out=$("${SSH[@]}" core@127.0.0.1 'echo ok; id; stat -c "%a %U %n" ~ ~/.ssh ~/.ssh/authorized_keys') \
    || die "ssh core@"
log "ssh core@: $(echo "$out" | tr '\n' ';')"
if [ "$ROOT_KEY" = credential ]; then
    if "${SSH[@]}" root@127.0.0.1 true 2>/dev/null; then die "root logged in with ssh.authorized_keys.root alone"; fi
    log "root login with ssh.authorized_keys.root alone fails, as on real bootc images"
    log "OK"
    exit 0
fi

# the checks, as root in the guest; each prints "NAME=VALUE"
# shellcheck disable=SC2016
GUEST='
    w() { if ( : >"$1/.pb-verify-w" ) 2>/dev/null; then rm -f "$1/.pb-verify-w"; echo yes; else echo no; fi; }
    echo "cmdline=$(cat /proc/cmdline)"
    echo "state=$(systemctl is-system-running 2>/dev/null)"
    echo "failed=$(systemctl list-units --failed --plain --no-legend 2>/dev/null | cut -d" " -f1 | tr "\n" " ")"
    echo "root_mount=$(findmnt -no SOURCE,FSTYPE,OPTIONS / | head -n1)"
    if mkdir /data 2>/dev/null; then echo "mkdir_data=succeeded"; rmdir /data; else echo "mkdir_data=failed"; fi
    echo "write_usr=$(w /usr) write_etc=$(w /etc) write_var=$(w /var) write_root=$(w /root) write_tmp=$(w /tmp)"
    mkdir -p /mnt/x && echo "mkdir_mnt_x=$(readlink -f /mnt/x)" && rmdir /mnt/x
    echo "root_link=$(readlink /root) home_link=$(readlink /home) mnt_link=$(readlink /mnt) srv_link=$(readlink /srv)"
    echo "root_ssh=$(stat -c "%a" /var/roothome /var/roothome/.ssh /var/roothome/.ssh/authorized_keys | tr "\n" " ")"
    echo "df_root_bytes=$(df -B1 --output=size / | tail -n1 | tr -d " ")"
    echo "machine_id=$(cat /etc/machine-id)"
    echo "hostkeys=$(ls /etc/ssh/ | grep -c "^ssh_host_.*_key$")"
    echo "networkd=$(systemctl is-active systemd-networkd) journald=$(systemctl is-active systemd-journald)"
    echo "sb=$(mokutil --sb-state 2>&1 | head -n1)"
    echo "lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null)"
    for m in /mnt/share /var/share; do
        echo "virtiofs:$m=$(findmnt -no FSTYPE,TARGET "$(readlink -f $m)" 2>/dev/null | head -n1 | tr " " ,) $(cat $m/hello 2>/dev/null)"
    done
'
res=$("${SSH[@]}" root@127.0.0.1 "$GUEST") || die "the checks over ssh root@ failed"
echo "$res" | sed 's/^/verify:   /' >&2
val() { echo "$res" | sed -n "s/^$1=//p" | head -n1; }
fails=()
[ "$(val mkdir_data)" = failed ] || fails+=("mkdir /data succeeded: / is not read-only")
echo "$res" | grep -q '^write_usr=no write_etc=yes write_var=yes write_root=yes write_tmp=yes$' \
    || fails+=("writable: want /usr no, /etc /var /root /tmp yes")
[ "$(val mkdir_mnt_x)" = /var/mnt/x ] || fails+=("/mnt/x is not /var/mnt/x")
case "$(val state)" in running) ;; *) fails+=("system state $(val state): $(val failed)") ;; esac
df_bytes=$(val df_root_bytes)
# root partition = disk - 514 MiB (BIOS-BOOT, ESP) - GPT; the fs itself takes a little of it
[ -n "$df_bytes" ] && [ "$df_bytes" -gt $(( (DISK_BYTES - 514 * 1024 * 1024) * 9 / 10 )) ] \
    || [ -n "$ROOT_SIZE" ] || fails+=("df / = $df_bytes bytes does not span the $DISK_BYTES-byte disk")
if [ "$FIRMWARE" = uefi-secure ]; then
    [ "$(val sb)" = "SecureBoot enabled" ] || fails+=("mokutil --sb-state: $(val sb)")
fi
if [ "$VIRTIOFS" = 1 ]; then
    echo "$res" | grep -q '^virtiofs:/mnt/share=virtiofs,/var/mnt/share host-file-0$' || fails+=("virtiofs /mnt/share")
    echo "$res" | grep -q '^virtiofs:/var/share=virtiofs,/var/share host-file-1$' || fails+=("virtiofs /var/share")
fi
[ ${#fails[@]} = 0 ] || { printf 'verify: FAILED: %s\n' "${fails[@]}" >&2; exit 1; }
[ "$KEEP" = 1 ] && log "kept: $W (qemu pid $QPID, port $PORT); kill it when done" && trap - EXIT
log "OK ($IMAGE, $FIRMWARE, df / $((df_bytes / 1024 / 1024)) MiB of a $((DISK_BYTES / 1024 / 1024)) MiB disk)"
