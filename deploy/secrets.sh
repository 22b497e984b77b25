#!/bin/sh
# The cluster's secrets for docker-compose.yml: random on the first `docker compose up`, kept in named volumes
# until `docker compose down -v`, so a default deployment never runs on a value printed anywhere.
#
#   secrets.sh init DIR   the one-shot `secrets` service: writes each secret that is missing under DIR
#                           DIR/server/secret, DIR/server/turn_secret   the replicas (SECRET, TURN_SECRET)
#                           DIR/lb/cookie_key                            HAProxy (PARLEY_COOKIE_KEY), its own value
#                           DIR/turn/turn_secret                         coturn, the same TURN secret as the replicas
#                         (one volume per reader: HAProxy never sees SECRET, coturn only the TURN secret)
#   secrets.sh run CMD..  the entrypoint of server, lb and coturn: for SECRET, TURN_SECRET and PARLEY_COOKIE_KEY,
#                         when NAME_FILE is set and NAME is empty, NAME becomes that file's content; then CMD runs
#                         in its place. A value set in the environment (SECRET=... docker compose up) wins.
set -eu

random_hex() { head -c 32 /dev/urandom | od -A n -v -t x1 | tr -d ' \n'; }

# Written whole or not at all (a reader never sees half a file), readable by the services' own users.
put() {
  mkdir -p "$(dirname "$1")"
  printf '%s' "$2" >"$1.new"
  chmod 444 "$1.new"
  mv -f "$1.new" "$1"
}

init() {
  dir=$1
  for f in server/secret server/turn_secret lb/cookie_key; do
    if [ ! -s "$dir/$f" ]; then
      put "$dir/$f" "$(random_hex)"
      echo "secrets: generated $f"
    fi
  done
  if [ ! -s "$dir/turn/turn_secret" ] || [ "$(cat "$dir/turn/turn_secret")" != "$(cat "$dir/server/turn_secret")" ]; then
    put "$dir/turn/turn_secret" "$(cat "$dir/server/turn_secret")"
  fi
}

run() {
  for name in SECRET TURN_SECRET PARLEY_COOKIE_KEY; do
    eval "value=\${$name:-}"
    eval "file=\${${name}_FILE:-}"
    [ -n "$file" ] || continue
    if [ -z "$value" ]; then
      if [ ! -s "$file" ]; then
        echo "secrets.sh: $file is missing or empty (the secrets service writes it) and $name is not set" >&2
        exit 1
      fi
      value=$(cat "$file")
      export "$name=$value"
    fi
    unset "${name}_FILE"
  done
  exec "$@"
}

case "${1:-}" in
  init)
    [ $# -eq 2 ] || { echo "usage: secrets.sh init DIR" >&2; exit 2; }
    init "$2"
    ;;
  run)
    shift
    [ $# -gt 0 ] || { echo "usage: secrets.sh run CMD [ARG...]" >&2; exit 2; }
    run "$@"
    ;;
  *)
    echo "usage: secrets.sh init DIR | secrets.sh run CMD [ARG...]" >&2
    exit 2
    ;;
esac
