#!/usr/bin/env bash
# Rolls back to an earlier release with one command: deploy/rollback.sh <previous-version>
#   compose (default): runs the kept image hearth:<version> again and pins it in .env;
#   HEARTH_DEPLOY=helm: `helm rollback` to the revision that deployed hearth:<version>.
# Data stays compatible: each release opens the data of the previous one (SPEC §5).
source "$(dirname "$0")/release-lib.sh"

[ $# -eq 1 ] || die "usage: deploy/rollback.sh <previous-version>   (kept: $(release_tags | tr '\n' ' '))"
version="$1"
check_version "$version"

if [ "$DEPLOY" = helm ]; then
  # release.sh describes each Helm revision as "hearth:<version>"; take the newest such revision.
  revision="$(helm history "$HELM_RELEASE" ${HELM_NS_ARGS[@]+"${HELM_NS_ARGS[@]}"} -o json \
    | tr '{' '\n' | { grep -F "\"description\":\"hearth:$version\"" || true; } \
    | sed -n 's/.*"revision":\([0-9][0-9]*\).*/\1/p' | tail -n 1)"
  [ -n "$revision" ] || die "no Helm revision of release $HELM_RELEASE deployed hearth:$version"
  helm rollback "$HELM_RELEASE" "$revision" ${HELM_NS_ARGS[@]+"${HELM_NS_ARGS[@]}"} --wait
  echo "rolled back $HELM_RELEASE to revision $revision (hearth:$version)"
else
  docker image inspect "hearth:$version" >/dev/null 2>&1 \
    || die "image hearth:$version is not kept here (kept: $(release_tags | tr '\n' ' '))"
  deploy_compose "$version"
  echo "rolled back to hearth:$version"
fi
