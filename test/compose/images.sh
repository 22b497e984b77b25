#!/usr/bin/env bash
# Builds local stand-ins for the public base images that Dockerfile and docker-compose.yml name
# (debian:bookworm, node:20-bookworm-slim, redis:7, haproxy:2.6, coturn/coturn) from Debian's packages,
# for machines that have a Docker engine but no image registry. Each image is built once per machine;
# FORCE=1 rebuilds them. The project's own Dockerfile and docker-compose.yml stay exactly as published.
set -euo pipefail
DOCKER=${DOCKER:-docker}
work=$(mktemp -d /tmp/parley-standin.XXXXXX)
trap 'rm -rf "$work"' EXIT

# An image is rebuilt when its recipe changed (Dockerfile text, base image, node version for node).
label_of() { $DOCKER image inspect -f '{{ index .Config.Labels "parley.standin" }}' "$1" 2>/dev/null || true; }
have() { [ "${FORCE:-0}" != 1 ] && [ -n "$(label_of "$1")" ] && [ "$(label_of "$1")" != "<no value>" ] && { [ -z "${2:-}" ] || [ "$(label_of "$1")" = "$2" ]; }; }
say() { printf '== %s\n' "$*"; }

# The Debian mirror this machine's apt uses (deb822 or one-line sources).
mirror=$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian}/debian-security

if ! have debian:bookworm; then
  say "debian:bookworm from $mirror (debootstrap)"
  node "$(dirname "$0")/../../scripts/procs.cjs" require debootstrap
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/99norecommends"
  tar -C "$rootfs" --numeric-owner -c . | $DOCKER import --change 'CMD ["bash"]' --change "LABEL parley.standin=debootstrap" - debian:bookworm >/dev/null
  rm -rf "$rootfs"
fi
$DOCKER tag debian:bookworm debian:bookworm-slim
base_id=$($DOCKER image inspect -f '{{ .Id }}' debian:bookworm)

recipe() { # tag, then the Dockerfile on stdin: builds it unless an image from the same recipe exists
  local tag=$1 text hash
  text=$(cat)
  hash=$(printf '%s\n%s\n%s\n' "$text" "${2:-}" "$base_id" | sha256sum | cut -c1-16)
  if have "$tag" "$hash"; then return 0; fi
  say "$tag"
  [ -z "${3:-}" ] || "$3"
  local old
  old=$($DOCKER image inspect -f '{{ .Id }}' "$tag" 2>/dev/null || true)
  printf '%s\n' "$text" | $DOCKER build -q -t "$tag" --label "parley.standin=$hash" -f - "$work/ctx" >/dev/null
  # The superseded stand-in, unless something still uses it.
  if [ -n "$old" ]; then $DOCKER rmi "$old" >/dev/null 2>&1 || true; fi
}

mkdir -p "$work/ctx"
node_context() { # this machine's node, npm and CA bundle
  local npm_dir mods
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mods=$(dirname "$npm_dir")
  mkdir -p "$work/ctx/bin" "$work/ctx/lib/node_modules"
  cp "$(command -v node)" "$work/ctx/bin/node"
  cp -a "$mods/npm" "$work/ctx/lib/node_modules/npm"
  if [ -d "$mods/corepack" ]; then cp -a "$mods/corepack" "$work/ctx/lib/node_modules/corepack"; fi
  cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/ca-certificates.crt"
  cat >"$work/ctx/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
set -e
# Like the official image: a first argument that is an option or not a command runs node.
if [ "${1#-}" != "$1" ] || { [ -n "$1" ] && ! command -v "$1" >/dev/null 2>&1; }; then
  set -- node "$@"
fi
exec "$@"
ENTRY
}
recipe node:20-bookworm-slim "$(node --version) $(npm --version)" node_context <<'DF'
FROM debian:bookworm
COPY bin/node /usr/local/bin/node
COPY lib/node_modules /usr/local/lib/node_modules
COPY ca-certificates.crt /usr/local/share/parley-standin/ca-certificates.crt
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && if [ -d /usr/local/lib/node_modules/corepack ]; then ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack; fi \
 && chmod 755 /usr/local/bin/docker-entrypoint.sh \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_VERSION=20 NODE_EXTRA_CA_CERTS=/usr/local/share/parley-standin/ca-certificates.crt
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
DF
rm -rf "${work:?}/ctx" && mkdir -p "$work/ctx"

# Like the official image: redis-server runs as user redis in /data, and protected mode is off by default
# (the official build patches that default), so other containers may connect.
recipe redis:7 <<'DF'
FROM debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
WORKDIR /data
RUN printf '%s\n' '#!/bin/sh' 'set -e' \
  'if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi' \
  'if [ "$1" = redis-server ]; then' \
  '  case "$*" in *protected-mode*) ;; *) set -- "$@" --protected-mode no ;; esac' \
  '  if [ "$(id -u)" = 0 ]; then chown -R redis /data; exec setpriv --reuid=redis --regid=redis --init-groups "$@"; fi' \
  'fi' 'exec "$@"' >/usr/local/bin/docker-entrypoint.sh \
 && chmod 755 /usr/local/bin/docker-entrypoint.sh
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
DF

# Like the official image: haproxy in the foreground (master-worker) with /usr/local/etc/haproxy/haproxy.cfg.
recipe haproxy:2.6 <<'DF'
FROM debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /usr/local/etc/haproxy /var/lib/haproxy
RUN printf '%s\n' '#!/bin/sh' 'set -e' \
  'if [ "${1#-}" != "$1" ]; then set -- haproxy "$@"; fi' \
  'if [ "$1" = haproxy ]; then shift; set -- haproxy -W -db "$@"; fi' 'exec "$@"' >/usr/local/bin/docker-entrypoint.sh \
 && chmod 755 /usr/local/bin/docker-entrypoint.sh
STOPSIGNAL SIGUSR1
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
DF

# Like the official image: options go to turnserver, in the foreground.
recipe coturn/coturn <<'DF'
FROM debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq coturn >/dev/null \
 && rm -rf /var/lib/apt/lists/*
RUN printf '%s\n' '#!/bin/sh' 'set -e' 'if [ "${1#-}" != "$1" ]; then set -- turnserver "$@"; fi' 'exec "$@"' \
    >/usr/local/bin/docker-entrypoint.sh \
 && chmod 755 /usr/local/bin/docker-entrypoint.sh
EXPOSE 3478 3478/udp
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["turnserver", "--log-file=stdout"]
DF
say "stand-in base images ready"
