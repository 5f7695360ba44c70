#!/usr/bin/env bash
# Stop the WordPress started by start.sh: kill php -S and MariaDB by their PIDs, remove STATE_DIR.
#   scripts/wordpress/stop.sh STATE_DIR
set -uo pipefail
STATE="${1:?usage: stop.sh STATE_DIR}"
for name in php mariadb; do
  file="$STATE/$name.pidfile"
  [[ -f "$file" ]] || continue
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
done
case "$STATE" in
  */radshare-wp.*|*/wordpress-state*) rm -rf "$STATE" ;;
  *) echo "wordpress-stop: left $STATE in place (not a folder start.sh made)" >&2 ;;
esac
