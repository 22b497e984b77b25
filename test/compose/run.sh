#!/usr/bin/env bash
# Brings up the project's own docker-compose.yml, unchanged, with three replicas, and checks it through the
# load balancer's published port (test/compose/check.mjs); then takes everything down again.
#
#   npm run test:compose            (as root on Debian; installs docker.io, docker-compose, debootstrap if missing)
#
# Without an image registry, the public base images are built locally from Debian's packages
# (test/compose/images.sh). A Docker engine that is not running is started here and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
out=test-results/compose
mkdir -p "$out"
project=parleycompose
replicas=3
say() { printf '== %s (%ss)\n' "$*" "$(($(date +%s) - t0))"; }
fail() {
  printf 'FAIL %s\n' "$*"
  exit 1
}

# --- tools: Debian's Docker engine, Compose v1, debootstrap (installed when missing and this is root)
node scripts/procs.cjs ensure dockerd docker docker-compose debootstrap || fail "the compose test's tools"
# The engine's own client first: it speaks the engine's API version and builds without BuildKit plugins.
if [ -x /usr/bin/docker ]; then export PATH="/usr/bin:$PATH"; fi

# `docker compose` (v2 syntax) through Compose v1 where no v2 plugin is installed.
plugin=/usr/local/lib/docker/cli-plugins/docker-compose
if ! docker compose version >/dev/null 2>&1 && [ ! -e "$plugin" ]; then
  mkdir -p "$(dirname "$plugin")"
  cat >"$plugin" <<'SHIM'
#!/bin/sh
# Docker CLI plugin: `docker compose ...` runs Compose v1 (`docker-compose ...`).
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"local","Version":"1.29.2","ShortDescription":"Docker Compose (v1)"}'
  exit 0
fi
shift
exec docker-compose "$@"
SHIM
  chmod 755 "$plugin"
fi
compose() { docker compose -p "$project" "$@"; }

# --- engine
started_dockerd=
dockerd_pid=
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  dockerd >"$out/dockerd.log" 2>&1 &
  dockerd_pid=$!
  started_dockerd=1
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || fail "dockerd did not start (see $out/dockerd.log)"
fi

cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && docker info >/dev/null 2>&1; then
    compose logs --no-color --tail 40 >"$out/compose-logs.txt" 2>&1 || true
    echo "-- last container logs ($out/compose-logs.txt):"
    tail -n 60 "$out/compose-logs.txt" || true
  fi
  say "taking the cluster down"
  compose down -v --remove-orphans >"$out/down.log" 2>&1 || true
  if [ -n "$started_dockerd" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  say "done"
  exit "$rc"
}
trap cleanup EXIT

# --- base images (once per machine), then the project's own file
say "base images"
DOCKER=docker bash test/compose/images.sh >"$out/images.log" 2>&1 || {
  cat "$out/images.log"
  fail "building the stand-in base images"
}
port=$(node scripts/procs.cjs free-port)
export PARLEY_PORT=$port
# check.mjs reads each replica's metrics through the LB, which passes /metrics only with this token.
PARLEY_METRICS_TOKEN=$(node -e "process.stdout.write(require('node:crypto').randomBytes(16).toString('hex'))")
export PARLEY_METRICS_TOKEN
say "docker compose up --build --scale server=$replicas (load balancer on 127.0.0.1:$port)"
compose down -v --remove-orphans >/dev/null 2>&1 || true
t_up=$(date +%s)
if ! compose up -d --build --scale server=$replicas >"$out/up.log" 2>&1; then
  tail -n 40 "$out/up.log"
  fail "docker compose up"
fi
printf 'PASS docker compose up --scale server=%s (%ss)\n' "$replicas" "$(($(date +%s) - t_up))"
running=$(compose ps -q server | wc -l)
[ "$running" = "$replicas" ] || fail "$running server containers, expected $replicas"

say "checking through the load balancer"
node test/compose/check.mjs "http://127.0.0.1:$port" "$replicas"

say "checking the generated secrets inside the containers"
# What each container's main process was started with (after deploy/secrets.sh), as its kernel keeps it.
env_of() { docker exec "$1" cat /proc/1/environ | tr '\0' '\n' | sed -n "s/^$2=//p"; }
hex64='^[0-9a-f]{64}$'
secret=$(for c in $(compose ps -q server); do env_of "$c" SECRET; done | sort -u)
turn_secret=$(for c in $(compose ps -q server); do env_of "$c" TURN_SECRET; done | sort -u)
cookie_key=$(env_of "$(compose ps -q lb)" PARLEY_COOKIE_KEY)
coturn_secret=$(docker exec "$(compose ps -q coturn)" cat /proc/1/cmdline | tr '\0' '\n' | sed -n 's/^--static-auth-secret=//p')
[ "$(printf '%s\n' "$secret" | wc -l)" = 1 ] && printf '%s' "$secret" | grep -Eq "$hex64" ||
  fail "the replicas' SECRET is not one generated value"
[ "$(printf '%s\n' "$turn_secret" | wc -l)" = 1 ] && printf '%s' "$turn_secret" | grep -Eq "$hex64" ||
  fail "the replicas' TURN_SECRET is not one generated value"
printf '%s' "$cookie_key" | grep -Eq "$hex64" || fail "HAProxy's PARLEY_COOKIE_KEY is not a generated value"
[ "$cookie_key" != "$secret" ] && [ "$cookie_key" != "$turn_secret" ] || fail "HAProxy's cookie key is a replica secret"
[ "$coturn_secret" = "$turn_secret" ] || fail "coturn's --static-auth-secret is not the replicas' TURN_SECRET"
printf 'PASS one generated SECRET on %s replicas, TURN_SECRET shared with coturn, HAProxy with its own cookie key\n' "$replicas"
say "compose test passed"
