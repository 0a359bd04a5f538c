#!/usr/bin/env bash
# Builds one image per app: im-pipeline/<app>:<tag>. Needs a Docker engine (BuildKit); packages the jars first.
#   infra/build-images.sh                 # package, then build all four images tagged 0.1.0-SNAPSHOT
#   TAG=1.2.3 REGISTRY=registry.example.com/ infra/build-images.sh --push
#   infra/build-images.sh --skip-package  # the jars are already in <app>/target
set -euo pipefail
cd "$(dirname "$0")/.."

APPS=(upstream-router downstream-dispatcher task-worker dlq-handler)
TAG="${TAG:-0.1.0-SNAPSHOT}"
REGISTRY="${REGISTRY:-}"
PACKAGE=true
PUSH=false
for arg in "$@"; do
  case "$arg" in
    --skip-package) PACKAGE=false ;;
    --push) PUSH=true ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if ! docker info >/dev/null 2>&1; then
  echo "no Docker engine reachable (docker info failed): images cannot be built on this machine" >&2
  exit 1
fi

if $PACKAGE; then
  ./mvnw -B -q -DskipTests package -pl "$(IFS=,; echo "${APPS[*]}")" -am
fi

for app in "${APPS[@]}"; do
  jar="$app/target/$app-0.1.0-SNAPSHOT-exec.jar"
  [[ -f "$jar" ]] || { echo "missing $jar (run without --skip-package)" >&2; exit 1; }
  image="${REGISTRY}im-pipeline/$app:$TAG"
  echo "building $image"
  DOCKER_BUILDKIT=1 docker build -f "infra/docker/$app.Dockerfile" -t "$image" .
  if $PUSH; then docker push "$image"; fi
done
echo "built: $(printf "${REGISTRY}im-pipeline/%s:$TAG " "${APPS[@]}")"
