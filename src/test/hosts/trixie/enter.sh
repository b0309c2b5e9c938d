#!/usr/bin/env bash
# enter.sh ROOT [COMMAND [ARG]...] - runs COMMAND (default: a login shell) inside the trixie root that
# start.sh started: in its mount namespace (whose root is ROOT, with /proc, /sys, /dev) and its PID
# namespace, with a clean environment. What it mounts (podman's overlays...) and starts (a session
# libvirtd...) stays in those namespaces and goes with stop.sh. stdin/stdout pass through:
#   podman save localhost/pb-fixture:latest | enter.sh ROOT podman load
#   enter.sh ROOT su - pbt -c 'virsh -c qemu:///session version'
set -euo pipefail
[[ $(id -u) == 0 ]] || { echo "enter.sh: FAILED: must run as root" >&2; exit 1; }
[[ $# -ge 1 ]] || { echo "enter.sh: FAILED: usage: enter.sh ROOT [COMMAND...]" >&2; exit 1; }
ROOT=$1; shift
[[ $ROOT == /* ]] || ROOT=$PWD/$ROOT
ROOT=${ROOT%/}
PIDF=$ROOT/run/pb-trixie-ns.pid
[[ -f $PIDF ]] && kill -0 "$(cat "$PIDF")" 2>/dev/null || { echo "enter.sh: FAILED: $ROOT is not started (start.sh $ROOT)" >&2; exit 1; }
[[ $# -ge 1 ]] || set -- /bin/bash -l
exec nsenter --target "$(cat "$PIDF")" --mount --pid --root --wd -- /usr/bin/env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
