# Shared by release.sh and rollback.sh (sourced, not run). Images are tagged hearth:<version>;
# the newest KEEP_RELEASES of them stay on this machine so that rollback.sh has something to go back to.
#
# Environment:
#   HEARTH_DEPLOY        compose (default) or helm
#   HEARTH_ENV_FILE      the compose .env that pins HEARTH_VERSION (default: <repo>/.env)
#   HEARTH_HELM_RELEASE  Helm release name (default: hearth); HEARTH_HELM_NAMESPACE its namespace
#   HEARTH_REGISTRY      registry to push to for Helm (e.g. registry.example.com/team); none for compose

set -euo pipefail
KEEP_RELEASES=3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPLOY="${HEARTH_DEPLOY:-compose}"
ENV_FILE="${HEARTH_ENV_FILE:-$ROOT/.env}"
HELM_RELEASE="${HEARTH_HELM_RELEASE:-hearth}"
HELM_NS_ARGS=()
if [ -n "${HEARTH_HELM_NAMESPACE:-}" ]; then HELM_NS_ARGS=(--namespace "$HEARTH_HELM_NAMESPACE"); fi

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

check_version() { # a release version: 1.2.3, 1.2.3-rc.1 …
  [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.+][0-9A-Za-z.-]+)?$ ]] || die "not a release version: '$1' (expected e.g. 1.4.2)"
}

# Release tags present locally, oldest first (version order, not creation time).
release_tags() {
  docker image ls hearth --format '{{.Tag}}' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | sort -V || true
}

# Pins the version compose runs, so a later `docker compose up` keeps it.
pin_compose_version() {
  local version="$1"
  touch "$ENV_FILE"
  if grep -q '^HEARTH_VERSION=' "$ENV_FILE"; then
    sed -i.bak "s/^HEARTH_VERSION=.*/HEARTH_VERSION=$version/" "$ENV_FILE" && rm -f "$ENV_FILE.bak"
  else
    printf 'HEARTH_VERSION=%s\n' "$version" >> "$ENV_FILE"
  fi
}

deploy_compose() {
  local version="$1"
  pin_compose_version "$version"
  HEARTH_VERSION="$version" docker compose --project-directory "$ROOT" --env-file "$ENV_FILE" up -d --no-build --wait gateway engine
}

helm_image_repo() { if [ -n "${HEARTH_REGISTRY:-}" ]; then echo "$HEARTH_REGISTRY/hearth"; else echo hearth; fi; }

deploy_helm() {
  local version="$1"
  helm upgrade --install "$HELM_RELEASE" "$ROOT/deploy/helm/hearth" ${HELM_NS_ARGS[@]+"${HELM_NS_ARGS[@]}"} \
    --set "image.repository=$(helm_image_repo)" --set "image.tag=$version" \
    --description "hearth:$version" --wait
}
