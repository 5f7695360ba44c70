#!/usr/bin/env bash
# Start a private, real WordPress for the uploader tests and benchmarks.
#
#   scripts/wordpress/start.sh [--pretty] [STATE_DIR]
#
# - MariaDB: a fresh data directory in STATE_DIR, listening on a unix socket only (no TCP port).
# - WordPress: Debian's package copied to STATE_DIR/wp with its own wp-config.php
#   (WP_ENVIRONMENT_TYPE 'local', so Application Passwords work over plain http), installed with
#   WordPress's own wp_install() (wp-cli is not packaged in Debian 12), served by `php -S` on
#   127.0.0.1 at a free port. --pretty turns on pretty permalinks (/wp-json/...); the default
#   keeps WordPress's plain permalinks (?rest_route=...).
# - An admin user and an Application Password are created.
#
# Prints one line of JSON: {"url", "user", "app_password", "state_dir", "php_pid", "mariadb_pid"}.
# Stop with scripts/wordpress/stop.sh STATE_DIR (kills both by PID and removes STATE_DIR).
# Needs the Debian packages in scripts/apt/uploaders.txt.
set -euo pipefail

PRETTY=0
if [[ "${1:-}" == "--pretty" ]]; then PRETTY=1; shift; fi
STATE="${1:-$(mktemp -d "${TMPDIR:-/tmp}/radshare-wp.XXXXXX")}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
WP_SRC=/usr/share/wordpress
for tool in mariadbd mariadb-install-db mariadb php; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || { echo "missing: $tool (install scripts/apt/uploaders.txt)" >&2; exit 3; }
done
[[ -d "$WP_SRC" ]] || { echo "missing: Debian package wordpress" >&2; exit 3; }
MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
SOCK="$STATE/mysql.sock"
log() { echo "wordpress-start: $*" >&2; }

# ---- MariaDB on a unix socket ---------------------------------------------------------------
mariadb-install-db --no-defaults --datadir="$STATE/db" --user="$(id -un)" \
  --auth-root-authentication-method=normal --skip-test-db >"$STATE/mariadb-install.log" 2>&1
"$MARIADBD" --no-defaults --datadir="$STATE/db" --socket="$SOCK" --skip-networking \
  --pid-file="$STATE/mariadb.pid" --user="$(id -un)" --log-error="$STATE/mariadb.log" \
  --innodb-buffer-pool-size=32M --skip-log-bin >/dev/null 2>&1 &
MARIADB_PID=$!
echo "$MARIADB_PID" >"$STATE/mariadb.pidfile"
for _ in $(seq 1 150); do
  [[ -S "$SOCK" ]] && mariadb --no-defaults -S "$SOCK" -u root -e "SELECT 1" >/dev/null 2>&1 && break
  kill -0 "$MARIADB_PID" 2>/dev/null || { log "MariaDB did not start (see $STATE/mariadb.log)"; exit 4; }
  sleep 0.2
done
DB_PASS="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
mariadb --no-defaults -S "$SOCK" -u root -e "CREATE DATABASE wp; CREATE USER 'wp'@'localhost' IDENTIFIED BY '$DB_PASS'; GRANT ALL ON wp.* TO 'wp'@'localhost';"

# ---- WordPress in its own folder --------------------------------------------------------------
PORT="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
cp -rL "$WP_SRC" "$STATE/wp"
rm -f "$STATE/wp/wp-config.php"
mkdir -p "$STATE/wp/wp-content/uploads" "$STATE/wp/wp-content/themes" "$STATE/wp/wp-content/plugins"
salt() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }
cat >"$STATE/wp/wp-config.php" <<PHP
<?php
define('DB_NAME', 'wp');
define('DB_USER', 'wp');
define('DB_PASSWORD', '$DB_PASS');
define('DB_HOST', 'localhost:$SOCK');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('AUTH_KEY', '$(salt)');
define('SECURE_AUTH_KEY', '$(salt)');
define('LOGGED_IN_KEY', '$(salt)');
define('NONCE_KEY', '$(salt)');
define('AUTH_SALT', '$(salt)');
define('SECURE_AUTH_SALT', '$(salt)');
define('LOGGED_IN_SALT', '$(salt)');
define('NONCE_SALT', '$(salt)');
\$table_prefix = 'wp_';
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HOME', '$URL');
define('WP_SITEURL', '$URL');
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
if (!defined('ABSPATH')) { define('ABSPATH', __DIR__ . '/'); }
require_once ABSPATH . 'wp-settings.php';
PHP

cat >"$STATE/install.php" <<'PHP'
<?php
// Runs WordPress's own installer and creates an Application Password; prints JSON.
[$script, $url, $pretty] = $argv;
$parts = parse_url($url);
$_SERVER['HTTP_HOST'] = $parts['host'] . ':' . $parts['port'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = $parts['host'];
$_SERVER['SERVER_PORT'] = $parts['port'];
define('WP_INSTALLING', true);
require __DIR__ . '/wp/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$admin_password = wp_generate_password(24, false);
$result = wp_install('RadShare test blog', 'admin', 'admin@example.org', false, '', $admin_password);
$user_id = $result['user_id'];
if ($pretty === '1') {
    update_option('permalink_structure', '/%postname%/');
} else {
    update_option('permalink_structure', '');
}
[$app_password, $item] = WP_Application_Passwords::create_new_application_password($user_id, ['name' => 'radshare-tests']);
echo json_encode(['user' => 'admin', 'app_password' => $app_password, 'user_id' => $user_id]);
PHP
INSTALL_JSON="$(cd "$STATE" && php -d display_errors=stderr install.php "$URL" "$PRETTY" 2>"$STATE/install.log")"

# ---- Serve with PHP's built-in server ---------------------------------------------------------
# The PHP defaults most shared hosts keep: 2 MB per upload, 8 MB per request.
nohup php -d upload_max_filesize=2M -d post_max_size=8M -d memory_limit=256M \
  -S "127.0.0.1:$PORT" -t "$STATE/wp" >"$STATE/php.log" 2>&1 &
PHP_PID=$!
echo "$PHP_PID" >"$STATE/php.pidfile"
for _ in $(seq 1 100); do
  if php -r "exit(@file_get_contents('$URL/wp-login.php') === false ? 1 : 0);" 2>/dev/null; then break; fi
  kill -0 "$PHP_PID" 2>/dev/null || { log "php -S did not start (see $STATE/php.log)"; exit 5; }
  sleep 0.1
done
php -r '$i = json_decode($argv[1], true); echo json_encode(["url" => $argv[2], "user" => $i["user"], "app_password" => $i["app_password"], "state_dir" => $argv[3], "php_pid" => (int)$argv[4], "mariadb_pid" => (int)$argv[5]], JSON_UNESCAPED_SLASHES), "\n";' \
  "$INSTALL_JSON" "$URL" "$STATE" "$PHP_PID" "$MARIADB_PID"
