#!/usr/bin/env bash
# pb launcher: builds the application when it is missing or older than the sources, then runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/quarkus-app/quarkus-run.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
  echo "pb: building (first run or sources changed)..." >&2
  if ! (cd "$here" && ./mvnw -q -B -DskipTests package >&2); then
    echo "pb: build failed: run ./mvnw package to see why" >&2
    exit 1
  fi
fi
exec java ${PB_JAVA_OPTS:-} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar "$jar" "$@"
