# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1 and a private socket folder.
# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; pg_start; …; pg_stop`).
#
# pg_start installs Debian's `postgresql` package if no server binaries are there, creates a
# cluster in a temp folder (as the `postgres` user when run as root: initdb refuses root),
# with SCRAM passwords on TCP and TLS (a CA and a server certificate made here, so the tests
# can connect with sslmode=verify-full), starts it and exports:
#   INNTAK_TEST_PG      the superuser's URL (the tests make one database per test)
#   INNTAK_TEST_PG_CA   the CA certificate that signed the server's certificate
# pg_stop stops the server and removes the folder.

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    if [ -z "$(pg_bin_dir)" ]; then
        if [ "$(id -u)" -eq 0 ]; then
            apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
        else
            sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null
        fi
    fi
    local bin
    bin=$(pg_bin_dir)
    PG_TEST_DIR=$(mktemp -d /tmp/inntak-pg.XXXXXX)
    export PG_TEST_DIR
    local password
    password=$(openssl rand -hex 16)
    printf '%s\n' "$password" >"$PG_TEST_DIR/pw"
    # The CA and the server's certificate (CN and SAN 127.0.0.1 and localhost).
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Inntak test CA" \
        -keyout "$PG_TEST_DIR/ca.key" -out "$PG_TEST_DIR/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$PG_TEST_DIR/server.key" -out "$PG_TEST_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$PG_TEST_DIR/san.ext"
    openssl x509 -req -in "$PG_TEST_DIR/server.csr" -CA "$PG_TEST_DIR/ca.crt" \
        -CAkey "$PG_TEST_DIR/ca.key" -CAcreateserial -days 2 -extfile "$PG_TEST_DIR/san.ext" \
        -out "$PG_TEST_DIR/server.crt" 2>/dev/null
    chmod 600 "$PG_TEST_DIR/server.key"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres "$PG_TEST_DIR"
    fi
    pg_as_owner "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --pwfile="$PG_TEST_DIR/pw" -E UTF8 --locale=C.UTF-8 >/dev/null
    # A free port: a few tries, in case another cluster or service holds the first pick.
    local port tries=0
    while :; do
        port=$((50000 + RANDOM % 10000))
        PG_TEST_OPTS="-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c ssl=on \
             -c ssl_cert_file=$PG_TEST_DIR/server.crt -c ssl_key_file=$PG_TEST_DIR/server.key \
             -c max_connections=200 -c fsync=off"
        export PG_TEST_OPTS
        if pg_as_owner "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w start -o \
            "$PG_TEST_OPTS" >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ]; then
            echo "PostgreSQL for the tests did not start:" >&2
            cat "$PG_TEST_DIR/log" >&2
            return 1
        fi
    done
    export INNTAK_TEST_PG="postgres://postgres:$password@127.0.0.1:$port/postgres"
    export INNTAK_TEST_PG_CA="$PG_TEST_DIR/ca.crt"
}

# Stops the server (fast: connections are cut) and starts it again on the same port, as a
# server restart in the middle of a meeting looks to the clients.
pg_stop_only() {
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop >/dev/null
}

pg_start_again() {
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w start \
        -o "$PG_TEST_OPTS" >/dev/null
}

pg_stop() {
    if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
        pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_TEST_DIR"
    fi
}
