#!/usr/bin/env bash
# Builds Pulse's container images from the repository root, tagged with a timestamp version and the git sha
# (never :latest), and pushes them with --push. CI builds through .github/workflows/images.yml instead;
# this is for a developer or an air-gapped registry.
#
#   scripts/build-images.sh [--push] [--registry REGISTRY] [--dry-run] [SERVICE...]
#
#   SERVICE       api, producer, consumer (default: all three)
#   --registry    image prefix; images are REGISTRY/pulse-<service> (default: ghcr.io/$PULSE_IMAGE_OWNER,
#                 else ghcr.io/<owner of the origin remote>)
#   --push        log in and push; refused when the work tree has uncommitted changes
#   --dry-run     print the commands instead of running them
#
# Log-in for --push: REGISTRY_TOKEN, or the file named by REGISTRY_TOKEN_FILE (default ~/.config/pulse/registry-token),
# with REGISTRY_USER (default: the registry's owner part).
set -euo pipefail

readonly ALL_SERVICES=(api producer consumer)
cd "$(dirname "$0")/.."

die() {
  echo "build-images: $*" >&2
  exit 1
}

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

default_registry() {
  if [ -n "${PULSE_IMAGE_OWNER:-}" ]; then
    echo "ghcr.io/${PULSE_IMAGE_OWNER}"
    return
  fi
  local remote owner
  remote=$(git config --get remote.origin.url || true)
  owner=$(echo "$remote" | sed -n 's#.*github\.com[:/]\([^/]*\)/.*#\1#p' | tr '[:upper:]' '[:lower:]')
  [ -n "$owner" ] || die "cannot tell the image owner from the origin remote; pass --registry or set PULSE_IMAGE_OWNER"
  echo "ghcr.io/${owner}"
}

read_token() {
  if [ -n "${REGISTRY_TOKEN:-}" ]; then
    printf '%s' "$REGISTRY_TOKEN"
    return
  fi
  local file="${REGISTRY_TOKEN_FILE:-$HOME/.config/pulse/registry-token}"
  [ -r "$file" ] || die "--push needs a registry token: set REGISTRY_TOKEN, or put it in ${file} (or point REGISTRY_TOKEN_FILE at it)"
  tr -d '[:space:]' <"$file"
}

run() {
  if [ "$dry_run" = true ]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

push=false
dry_run=false
registry=""
services=()
while [ $# -gt 0 ]; do
  case "$1" in
    --push) push=true ;;
    --dry-run) dry_run=true ;;
    --registry)
      [ $# -ge 2 ] || die "--registry needs a value"
      registry="$2"
      shift
      ;;
    --registry=*) registry="${1#--registry=}" ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ " ${ALL_SERVICES[*]} " == *" $1 "* ]] || die "unknown service $1 (one of: ${ALL_SERVICES[*]})"
      services+=("$1")
      ;;
  esac
  shift
done
[ ${#services[@]} -gt 0 ] || services=("${ALL_SERVICES[@]}")
[ -n "$registry" ] || registry=$(default_registry)

sha=$(git rev-parse --short=7 HEAD)
version="$(date -u +%Y%m%d-%H%M%S)-${sha}"

if [ "$push" = true ]; then
  [ -z "$(git status --porcelain)" ] || die "refusing to push from a dirty work tree: commit or stash first, so the sha tag names what is in the image"
  token=$(read_token)
  user="${REGISTRY_USER:-${registry#*/}}"
  user="${user%%/*}"
  if [ "$dry_run" = true ]; then
    echo "+ docker login ${registry%%/*} --username ${user} --password-stdin"
  else
    printf '%s' "$token" | docker login "${registry%%/*}" --username "$user" --password-stdin
  fi
fi

for service in "${services[@]}"; do
  image="${registry}/pulse-${service}"
  run docker build \
    --file "services/${service}/Dockerfile" \
    --build-arg "VERSION=${version}" \
    --build-arg "REVISION=$(git rev-parse HEAD)" \
    --label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --tag "${image}:${version}" \
    --tag "${image}:sha-${sha}" \
    .
  if [ "$push" = true ]; then
    run docker push "${image}:${version}"
    run docker push "${image}:sha-${sha}"
  fi
  echo "built ${image}:${version} and ${image}:sha-${sha}"
done
