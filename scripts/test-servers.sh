# Sourced by scripts/test: starts throw-away PostgreSQL 15 and MariaDB servers on free loopback
# ports, in temporary data directories, as an unprivileged user, each with a replica (PostgreSQL
# streaming replication; MariaDB binlog replication of the databases named rd_repl_*, which the
# throttle tests use), and exports where they listen. stop_servers tears them down and removes
# their directories.
# RETENTIOND_TEST_DURABLE=1 keeps the servers' durable defaults (PostgreSQL fsync on, InnoDB's redo
# flushed at each commit), as production runs them; otherwise commits are not flushed (faster tests).

pg_bin=/usr/lib/postgresql/15/bin
if [ -n "${RETENTIOND_TEST_DURABLE:-}" ]; then pg_fsync=on innodb_flush=1; else pg_fsync=off innodb_flush=2; fi
servers_dir=""
server_user=""

# Runs a command as the unprivileged server user (or as ourselves when not root).
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$server_user" -- "$@"; else "$@"; fi
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    if port_is_free "$port"; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# Starts the PostgreSQL server of DIR/data on 127.0.0.1:PORT (its socket in DIR, its log in
# DIR/server.log), with SETTINGS (postgres options) after the ones every test server has.
run_postgresql() {  # run_postgresql DIR PORT [SETTINGS]
  as_server_user "$pg_bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $2 -k $1 -c fsync=$pg_fsync ${3:-}" start >/dev/null
}

start_postgresql() {
  local dir="$servers_dir/pg"
  as_server_user mkdir -p "$dir"
  as_server_user "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$servers_dir/pg-initdb.log" 2>&1 || {
    cat "$servers_dir/pg-initdb.log" >&2; return 1; }
  for _ in 1 2 3; do
    RETENTIOND_TEST_PG_PORT=$(free_port)
    if run_postgresql "$dir" "$RETENTIOND_TEST_PG_PORT"; then
      export RETENTIOND_TEST_PG_HOST=127.0.0.1 RETENTIOND_TEST_PG_PORT \
             RETENTIOND_TEST_PG_USER=postgres RETENTIOND_TEST_PG_DATA="$dir/data"
      echo "PostgreSQL 15 listening on 127.0.0.1:$RETENTIOND_TEST_PG_PORT"
      return 0
    fi
  done
  cat "$dir/server.log" >&2; return 1
}

# A streaming replica of the test primary (pg_basebackup -R), on a port of its own. Its physical
# slot (-C -S) keeps the WAL it has not received on the primary, so that it catches up after the
# tests that restart the primary (whose shutdown checkpoint would otherwise recycle that WAL).
start_postgresql_replica() {
  local dir="$servers_dir/pg-replica"
  as_server_user "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$RETENTIOND_TEST_PG_PORT" -U postgres \
    -D "$dir/data" -R -C -S rd_test_replica -X stream -c fast >"$servers_dir/pg-basebackup.log" 2>&1 || {
    cat "$servers_dir/pg-basebackup.log" >&2; return 1; }
  for _ in 1 2 3; do
    RETENTIOND_TEST_PG_REPLICA_PORT=$(free_port)
    if run_postgresql "$dir" "$RETENTIOND_TEST_PG_REPLICA_PORT" "-c hot_standby=on"; then
      export RETENTIOND_TEST_PG_REPLICA_PORT RETENTIOND_TEST_PG_REPLICA_DATA="$dir/data"
      echo "PostgreSQL 15 replica listening on 127.0.0.1:$RETENTIOND_TEST_PG_REPLICA_PORT"
      return 0
    fi
  done
  cat "$dir/server.log" >&2; return 1
}

# Creates the data directory of a MariaDB server in DIR/data, the installer's output in LOG.
install_mariadb() {  # install_mariadb DIR LOG
  as_server_user mkdir -p "$1"
  as_server_user mariadb-install-db --no-defaults --datadir="$1/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$2" 2>&1 || { cat "$2" >&2; return 1; }
}

# Starts the MariaDB server of DIR/data on 127.0.0.1:PORT (socket, pid file and logs in DIR), with
# OPTIONS after the ones every test server has, and waits until root can run SQL on its socket;
# a server that does not answer within 60 s is stopped, and the call fails.
run_mariadb() {  # run_mariadb DIR PORT OPTIONS...
  local dir=$1 port=$2
  shift 2
  as_server_user mariadbd --no-defaults --datadir="$dir/data" --bind-address=127.0.0.1 \
    --port="$port" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/server.log" --skip-name-resolve --innodb-flush-log-at-trx-commit=$innodb_flush \
    "$@" >"$dir/stdout.log" 2>&1 &
  wait_for 60 mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e 'SELECT 1' && return 0
  kill "$(cat "$dir/mysqld.pid" 2>/dev/null)" 2>/dev/null || true
  return 1
}

# Runs SQL as root on the socket of the MariaDB server in DIR.
mariadb_root() {  # mariadb_root DIR SQL
  mariadb --no-defaults --socket="$1/mysqld.sock" -uroot -e "$2"
}

# The account the tests (and the replica) use, with every privilege.
test_account_sql="
  CREATE USER 'retentiond_test'@'127.0.0.1' IDENTIFIED BY 'retentiond_test';
  GRANT ALL PRIVILEGES ON *.* TO 'retentiond_test'@'127.0.0.1' WITH GRANT OPTION;"

# A MariaDB replica of the test server, replicating only the databases named rd_repl_* (the
# other tests' writes would only load the machine).
start_mariadb_replica() {
  local dir="$servers_dir/mariadb-replica"
  install_mariadb "$dir" "$servers_dir/mariadb-replica-install.log" || return 1
  for _ in 1 2 3; do
    RETENTIOND_TEST_MYSQL_REPLICA_PORT=$(free_port)
    if run_mariadb "$dir" "$RETENTIOND_TEST_MYSQL_REPLICA_PORT" --server-id=2 \
        --replicate-wild-do-table='rd_repl_%.%' --read-only --innodb-buffer-pool-size=64M; then
      mariadb_root "$dir" "$test_account_sql
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$RETENTIOND_TEST_MYSQL_PORT,
          MASTER_USER='retentiond_test', MASTER_PASSWORD='retentiond_test', MASTER_USE_GTID=current_pos;
        START SLAVE;" || return 1
      export RETENTIOND_TEST_MYSQL_REPLICA_PORT RETENTIOND_TEST_MYSQL_REPLICA_SOCKET="$dir/mysqld.sock"
      echo "MariaDB replica listening on 127.0.0.1:$RETENTIOND_TEST_MYSQL_REPLICA_PORT"
      return 0
    fi
  done
  cat "$dir/server.log" >&2; return 1
}

# A throw-away CA and a server certificate for 127.0.0.1 and localhost (the tls: tests), and a
# second CA that signed nothing (a client trusting only it must refuse the server).
make_tls_files() {  # make_tls_files DIR
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=retentiond test CA"
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
    printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile san.ext
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 30 -subj "/CN=another CA"
    # A client certificate, for accounts created REQUIRE SUBJECT (the store's tls_cert and tls_key).
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=retentiond client"
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 30
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; return 1; }
  [ -z "$server_user" ] || chown -R "$server_user" "$dir"
  chmod 644 "$dir"/*.pem
}

start_mariadb() {
  local dir="$servers_dir/mariadb"
  make_tls_files "$servers_dir/tls" || return 1
  install_mariadb "$dir" "$servers_dir/mariadb-install.log" || return 1
  for _ in 1 2 3; do
    RETENTIOND_TEST_MYSQL_PORT=$(free_port)
    if run_mariadb "$dir" "$RETENTIOND_TEST_MYSQL_PORT" --innodb-buffer-pool-size=256M \
        --server-id=1 --log-bin="$dir/binlog" --binlog-format=ROW \
        --ssl-ca="$servers_dir/tls/ca.pem" --ssl-cert="$servers_dir/tls/server.pem" \
        --ssl-key="$servers_dir/tls/server.key"; then
      mariadb_root "$dir" "$test_account_sql"
      export RETENTIOND_TEST_MYSQL_HOST=127.0.0.1 RETENTIOND_TEST_MYSQL_PORT \
             RETENTIOND_TEST_MYSQL_USER=retentiond_test RETENTIOND_TEST_MYSQL_PASSWORD=retentiond_test \
             RETENTIOND_TEST_MYSQL_SOCKET="$dir/mysqld.sock" RETENTIOND_TEST_MYSQL_DATA="$dir/data" \
             RETENTIOND_TEST_TLS_CA="$servers_dir/tls/ca.pem" RETENTIOND_TEST_OTHER_CA="$servers_dir/tls/other-ca.pem" \
             RETENTIOND_TEST_TLS_CLIENT_CERT="$servers_dir/tls/client.pem" \
             RETENTIOND_TEST_TLS_CLIENT_KEY="$servers_dir/tls/client.key"
      echo "MariaDB $(mariadbd --version | awk '{print $3}') listening on 127.0.0.1:$RETENTIOND_TEST_MYSQL_PORT"
      return 0
    fi
  done
  cat "$dir/server.log" >&2; return 1
}

start_servers() {
  if [ "$(id -u)" = 0 ]; then
    server_user=retentiond-test
    id "$server_user" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
  fi
  servers_dir=$(mktemp -d /tmp/retentiond-servers.XXXXXX)
  chmod 755 "$servers_dir"
  [ -z "$server_user" ] || chown "$server_user" "$servers_dir"
  export RETENTIOND_TEST_SERVER_USER="${server_user:-$(id -un)}"
  start_postgresql
  start_postgresql_replica
  start_mariadb
  start_mariadb_replica
}

stop_servers() {
  [ -n "$servers_dir" ] || return 0
  local d pid
  for d in pg-replica pg; do
    if [ -f "$servers_dir/$d/data/postmaster.pid" ]; then
      as_server_user "$pg_bin/pg_ctl" -D "$servers_dir/$d/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  for d in mariadb-replica mariadb; do
    if [ -f "$servers_dir/$d/mysqld.pid" ]; then
      pid=$(cat "$servers_dir/$d/mysqld.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$servers_dir"
  servers_dir=""
}
