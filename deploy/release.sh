#!/usr/bin/env bash
# Builds and deploys a release: deploy/release.sh <version>
#   1. docker build -t hearth:<version> (pushed to $HEARTH_REGISTRY for Helm)
#   2. deploys it with compose (pinning HEARTH_VERSION in .env) or `helm upgrade` (HEARTH_DEPLOY=helm)
#   3. removes local release tags beyond the newest 3; deploy/rollback.sh <version> returns to one of them.
source "$(dirname "$0")/release-lib.sh"

[ $# -eq 1 ] || die "usage: deploy/release.sh <version>"
version="$1"
check_version "$version"

docker build -t "hearth:$version" --build-arg "WITH_LOCAL_MODELS=${WITH_LOCAL_MODELS:-false}" "$ROOT"
if [ "$DEPLOY" = helm ]; then
  if [ -n "${HEARTH_REGISTRY:-}" ]; then
    docker tag "hearth:$version" "$(helm_image_repo):$version"
    docker push "$(helm_image_repo):$version"
  fi
  deploy_helm "$version"
else
  deploy_compose "$version"
fi

tags=(); while IFS= read -r tag; do tags+=("$tag"); done < <(release_tags)
excess=$(( ${#tags[@]} - KEEP_RELEASES ))
for (( i = 0; i < excess; i++ )); do
  [ "${tags[$i]}" = "$version" ] && continue
  docker image rm "hearth:${tags[$i]}" >/dev/null
  echo "removed old release hearth:${tags[$i]}"
done
echo "released hearth:$version ($DEPLOY)"
