#!/bin/bash
# pb launcher. Builds pb when it is missing or older than the sources, then starts it:
#  - file-store verbs on the CLI's own short class path with its class-data-sharing archive
#    (target/quarkus-app/cli, written by the build: README, Performance);
#  - --store kube (or PB_STORE=kube) through Quarkus' quarkus-run.jar, which has the Kubernetes client.
# Every check here is a bash builtin: no fork before java starts.
# PB_JAVA_OPTS: extra JVM options. PB_REBUILD=never: skip the sources check (tests of a packaged pb).
here=${BASH_SOURCE[0]%/*}
[[ $here == "${BASH_SOURCE[0]}" ]] && here=.
[[ $here == /* ]] || here=$PWD/$here
here=${here//\/.\//\/}; here=${here%/.}
app=$here/target/quarkus-app
jar=$app/quarkus-run.jar

if [[ ${PB_REBUILD:-} != never && -d $here/src/main ]]; then
  stale=
  if [[ ! -f $jar || ! -f $app/cli/pb.jsa ]]; then
    stale=1
  else
    shopt -s globstar nullglob
    for f in "$here"/pom.xml "$here"/src/main/** "$here"/src/build/**; do
      [[ $f -nt $jar ]] && { stale=1; break; }
    done
    # built before libvirt was installed (a fresh host): build again now that pb doctor --fix installed it
    if [[ -z $stale && -f $app/cli/trained-without-libvirt ]]; then
      for f in /usr/lib/*/libvirt.so.0 /usr/lib64/libvirt.so.0 /usr/lib/libvirt.so.0; do
        [[ -e $f ]] && { stale=1; break; }
      done
    fi
    shopt -u globstar nullglob
  fi
  if [[ -n $stale ]]; then
    echo "pb: building (first run or sources changed)..." >&2
    if ! (cd "$here" && ./mvnw -q -B -DskipTests package >&2); then
      echo "pb: build failed: run ./mvnw package to see why" >&2
      exit 1
    fi
  fi
fi

# The store: --store wins over PB_STORE, as in pb itself (Cli.wantsKube).
store=${PB_STORE:-}
store=${store//[[:space:]]/}
store=${store,,}
prev=
verb=
for a in "$@"; do
  [[ $a == -- ]] && break
  [[ -z $verb && $a != -* && $prev != --store && $prev != -n && $prev != -c && $prev != --context && $prev != --store-dir ]] && verb=$a
  if [[ $prev == --store ]]; then store=$a; fi
  if [[ $a == --store=* ]]; then store=${a#--store=}; fi
  prev=$a
done
# The long-running operator gets a bounded heap: the JVM's default (a quarter of RAM) lets its RSS grow
# past 300 MiB on a 24 GiB host (bench/run section 3 reads these flags from here). PB_JAVA_OPTS wins.
operator_flags=(-Xmx256m)
[[ $verb == operator ]] || operator_flags=()

if [[ $store != kube && -f $app/cli/classpath && -f $app/cli/java-flags ]]; then
  read -r cp < "$app/cli/classpath"
  java=java
  [[ -f $app/cli/java ]] && read -r java < "$app/cli/java" && [[ -x $java ]] || java=java
  read -r -a flags < "$app/cli/java-flags"
  flags=("${flags[@]//@APP@/$app}")
  archive=()
  [[ -f $app/cli/pb.jsa ]] && archive=(-XX:SharedArchiveFile="$app/cli/pb.jsa")
  # shellcheck disable=SC2086 # PB_JAVA_OPTS is a list of options
  exec "$java" "${flags[@]}" "${archive[@]}" "${operator_flags[@]}" ${PB_JAVA_OPTS:-} -cp "${cp//@APP@/$app}" dev.bootc.pb.Main "$@"
fi
# shellcheck disable=SC2086
exec java "${operator_flags[@]}" ${PB_JAVA_OPTS:-} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar "$jar" "$@"
