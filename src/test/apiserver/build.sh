#!/usr/bin/env bash
# Builds the test API server (main.go: the upstream apiextensions-apiserver) from Debian sid's Go
# source packages, offline, and fetches sid's etcd and kubectl beside it. Nothing of the host changes:
# a private apt configuration (own sources.list for sid on the host's Debian mirror, own state and
# cache), `apt-get download` and `dpkg-deb -x` into a scratch tree, Go in GOPATH mode over its
# /usr/share/gocode/src with no network (GOPROXY=off, GOTOOLCHAIN=local).
#
# Cached under ${PB_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pb-test}/apiserver/<key>, the key
# hashing main.go and the package versions; when that exists this returns at once, with no network.
# versions.txt pins the versions built with. A pinned version sid no longer has is replaced by sid's
# current one, loudly; the build then lands under another key and versions.txt should be re-pinned
# (PB_APISERVER_REPIN=1 rewrites it).
#
# stdout: APISERVER=<path>, ETCD=<path>, KUBECTL=<path>, KEY=<key>. Everything else goes to stderr.
# Environment: PB_TEST_CACHE, PB_DEBIAN_MIRROR (default: the host's), PB_APISERVER_REPIN=1,
# PB_APISERVER_GOCACHE (a Go build cache to keep; default: a scratch one, deleted).
# A build from nothing needs ~4.5 GB of scratch space under the cache directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSIONS=$HERE/versions.txt
CACHE=${PB_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pb-test}/apiserver
FORMAT=1 # bump when the way of building changes the binary
ROOTS=(golang-k8s-apiextensions-apiserver-dev)
TOOLS=(etcd-server kubectl)
START=$(date +%s%N)

log() { echo "apiserver/build.sh: $*" >&2; }
loud() { printf '\n!!!!!!!!!! apiserver/build.sh: %s\n\n' "$*" >&2; }
ms_since() { echo $(( ($(date +%s%N) - START) / 1000000 )); }
key_of() { { cat "$HERE/main.go"; echo "format $FORMAT"; grep -v '^#' "$1" | sort; } | sha256sum | cut -c1-16; }
summary() { # the versions that matter, from a versions file
    awk '/^(golang-1\.[0-9]+-go|etcd-server|kubectl|golang-k8s-apiextensions-apiserver-dev|golang-k8s-apiserver-dev) / {
        printf "%s%s=%s", sep, $1, $2; sep = " " }' "$1"
    echo " ($(grep -vc -E '^#|^(golang-1\.[0-9]+-(go|src)|etcd-server|kubectl) ' "$1") Go source packages in all)"
}
emit() { # the result, for the test code
    local dir=$CACHE/$1
    log "versions: $(summary "$dir/versions.txt")"
    echo "APISERVER=$dir/bin/apiserver"
    echo "ETCD=$dir/bin/etcd"
    echo "KUBECTL=$dir/bin/kubectl"
    echo "KEY=$1"
}

# Fast path: the pinned versions were built already. No apt, no network.
if [[ -f $VERSIONS ]]; then
    key=$(key_of "$VERSIONS")
    if [[ -x $CACHE/$key/bin/apiserver ]]; then
        log "cached build $key ($CACHE/$key), $(ms_since) ms"
        emit "$key"
        exit 0
    fi
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one build at a time; a second caller then finds the first one's result

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- a private apt configuration for sid on the host's Debian mirror -------------------------------
mirror=${PB_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -v '^\s*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
fi
[[ -n $mirror ]] || { log "no Debian mirror in /etc/apt/sources.list*; set PB_DEBIAN_MIRROR"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -f $keyring ]] || { log "$keyring is missing (package debian-archive-keyring)"; exit 1; }
APT=$WORK/apt
mkdir -p "$APT"/etc/{sources.list.d,preferences.d,apt.conf.d} "$APT"/state/lists/partial "$APT"/cache/archives/partial
: >"$APT/state/status" # an empty dpkg status: the host's installed packages play no part
echo "deb [signed-by=$keyring] ${mirror%/} sid main" >"$APT/etc/sources.list"
sandbox=$(id -un) # apt's _apt could not read a cache under a private home
cat >"$APT/apt.conf" <<EOF
Dir::Etc "$APT/etc";
Dir::Etc::sourcelist "$APT/etc/sources.list";
Dir::Etc::sourceparts "$APT/etc/sources.list.d";
Dir::Etc::preferencesparts "$APT/etc/preferences.d";
Dir::Etc::parts "$APT/etc/apt.conf.d";
Dir::State "$APT/state";
Dir::State::status "$APT/state/status";
Dir::Cache "$APT/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "$sandbox";
Acquire::Languages "none";
// The mirror may be a frozen snapshot whose Release date has passed; signatures are still checked.
Acquire::Check-Valid-Until "false";
EOF
export APT_CONFIG=$APT/apt.conf
log "apt-get update (sid on $mirror, private configuration)"
apt-get -q update >"$WORK/apt-update.log" 2>&1 || { cat "$WORK/apt-update.log" >&2; exit 1; }
if ! compgen -G "$APT/state/lists/*_sid_main_binary-amd64_Packages*" >/dev/null; then
    cat "$WORK/apt-update.log" >&2
    log "no package index for sid from $mirror (unreachable, or no sid there?)"
    exit 1
fi

# --- which packages, at which versions --------------------------------------------------------------
pinned() { [[ -f $VERSIONS ]] && awk -v p="$1" '$1 == p { print $2 }' "$VERSIONS" || true; }
declare -A have=() newest=() # "pkg ver" -> 1, pkg -> sid's version, from one apt-cache call
index() {
    local p v
    while read -r p v; do
        have["$p $v"]=1
        [[ -n ${newest[$p]:-} ]] || newest[$p]=$v # madison lists the newest first
    done < <(apt-cache madison "$@" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $1); gsub(/ /, "", $2); print $1, $2 }')
}
available() { [[ -n ${have["$1 $2"]:-} ]]; }
candidate() { echo "${newest[$1]:-}"; }

gopkg=$(grep -oE '^golang-1\.[0-9]+-go' "$VERSIONS" 2>/dev/null | head -1 || true)
[[ -z $gopkg ]] || index "$gopkg"
if [[ -z $gopkg ]] || [[ -z $(candidate "$gopkg") ]]; then
    [[ -n $gopkg ]] && loud "pinned Go toolchain $gopkg is gone from sid; using golang-go's"
    gopkg=$(apt-cache depends golang-go | grep -oE 'golang-1\.[0-9]+-go' | head -1)
fi
packages=("$gopkg" "${gopkg%-go}-src" "${TOOLS[@]}")
mapfile -t gosrc < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${ROOTS[@]}" | grep -E '^golang-[^ ]*-dev$' | sort -u)
packages+=("${gosrc[@]}")
index "${packages[@]}"
log "${#gosrc[@]} Go source packages in the Depends closure of ${ROOTS[*]}"

resolved=$WORK/versions.txt
{
    echo "# Debian sid packages the test API server was built with (src/test/apiserver/build.sh)."
    echo "# Re-pin: PB_APISERVER_REPIN=1 src/test/apiserver/build.sh"
} >"$resolved"
moved=0
for p in "${packages[@]}"; do
    want=$(pinned "$p")
    if [[ -n $want ]] && available "$p" "$want"; then
        echo "$p $want" >>"$resolved"
        continue
    fi
    now=$(candidate "$p")
    [[ -n $now ]] || { log "$p: not in sid"; exit 1; }
    if [[ -n $want ]]; then
        loud "$p $want (pinned) is gone from the mirror: using $now"
        moved=1
    elif [[ -f $VERSIONS ]]; then
        loud "$p is new in the closure (not pinned): using $now"
        moved=1
    fi
    echo "$p $now" >>"$resolved"
done
if [[ -f $VERSIONS ]]; then
    needed=$(printf '%s\n' "${packages[@]}")
    while read -r p v; do
        grep -Fxq "$p" <<<"$needed" || { loud "$p $v (pinned) is no longer needed"; moved=1; }
    done < <(grep -v '^#' "$VERSIONS")
fi

key=$(key_of "$resolved")
if [[ -x $CACHE/$key/bin/apiserver ]]; then
    log "cached build $key (for sid's current versions), $(ms_since) ms"
else
    # --- download, unpack, build ------------------------------------------------------------------
    mkdir -p "$WORK/debs" "$WORK/root"
    log "downloading $(grep -vc '^#' "$resolved") packages"
    (cd "$WORK/debs" && grep -v '^#' "$resolved" | awk '{ print $1 "=" $2 }' | xargs apt-get -q download) \
        >"$WORK/download.log" 2>&1 || { tail -20 "$WORK/download.log" >&2; exit 1; }
    log "downloaded $(du -sm "$WORK/debs" | cut -f1) MB at $(( $(ms_since) / 1000 )) s; unpacking"
    for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/root"; done
    ver=${gopkg#golang-}
    goroot=$WORK/root/usr/lib/go-${ver%-go}
    [[ -x $goroot/bin/go ]] || { log "no go in $goroot"; exit 1; }
    log "building with $("$goroot/bin/go" version) at $(( $(ms_since) / 1000 )) s"
    # The server reports the Kubernetes version of its libraries (kubectl version refuses the default
    # v0.0.0-master+$Format:%H$): apiextensions-apiserver 0.36.4 is Kubernetes 1.36.4.
    libv=$(awk '$1 == "golang-k8s-apiextensions-apiserver-dev" { print $2 }' "$resolved")
    libv=${libv%%[-+~]*}
    kv="v1.${libv#0.}"
    kminor=${kv#v1.}
    kminor=${kminor%%.*}
    V=k8s.io/component-base/version
    gocache=${PB_APISERVER_GOCACHE:-$WORK/gocache} # ~1.4 GB; set it to keep Go's build cache between builds
    mkdir -p "$gocache" "$WORK/out/bin"
    (
        cd "$WORK"
        env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="$WORK" GOROOT="$goroot" GOPATH="$WORK/root/usr/share/gocode" \
            GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local GOFLAGS= GOSUMDB=off GOTELEMETRY=off CGO_ENABLED=0 \
            GOCACHE="$gocache" \
            go build -trimpath -o "$WORK/out/bin/apiserver" \
            -ldflags "-s -X $V.gitVersion=$kv -X $V.gitMajor=1 -X $V.gitMinor=$kminor -X $V.gitTreeState=clean" \
            "$HERE/main.go"
    ) >"$WORK/go-build.log" 2>&1 || { tail -40 "$WORK/go-build.log" >&2; log "go build failed"; exit 1; }
    log "server version $kv"
    cp "$WORK/root/usr/bin/etcd" "$WORK/root/usr/bin/kubectl" "$WORK/out/bin/"
    cp "$resolved" "$WORK/out/versions.txt"
    cp "$HERE/main.go" "$WORK/out/main.go"
    rm -rf "${CACHE:?}/$key"
    mv "$WORK/out" "$CACHE/$key"
    log "built $key in $(( $(ms_since) / 1000 )) s ($(du -sm "$CACHE/$key" | cut -f1) MB kept; scratch $(du -sm "$WORK" | cut -f1) MB, deleted)"
    log "package versions:"
    grep -v '^#' "$resolved" | sed 's/^/    /' >&2
fi

if [[ ! -f $VERSIONS ]] || [[ ${PB_APISERVER_REPIN:-} == 1 ]]; then
    cp "$resolved" "$VERSIONS"
    log "pinned the versions in $VERSIONS (commit it)"
elif [[ $moved == 1 ]]; then
    loud "sid moved on: built with versions other than $VERSIONS pins. Re-pin: PB_APISERVER_REPIN=1 $0"
fi
emit "$key"
