#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server on loopback for the test suite.
#   scripts/pg.sh start DIR PORT   -> prints the SQLAlchemy URL
#   scripts/pg.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data dir}; port=${3:-54329}

find_bin() {
    local b
    for b in /usr/lib/postgresql/*/bin; do
        if [ -x "$b/initdb" ]; then echo "$b"; return 0; fi
    done
    return 1
}

case "$cmd" in
start)
    if ! bin=$(find_bin); then
        echo "installing PostgreSQL with apt-get" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
        bin=$(find_bin)
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    owner=""
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root: run the server as the postgres user.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir"; owner="runuser -u postgres --"
    fi
    $owner "$bin/initdb" -D "$dir/data" -U stockpile --auth=trust -E UTF8 >/dev/null
    $owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    $owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U stockpile stockpile_test
    echo "postgresql+psycopg://stockpile@127.0.0.1:$port/stockpile_test"
    ;;
stop)
    bin=$(find_bin) || exit 0
    owner=""
    [ "$(id -u)" = 0 ] && owner="runuser -u postgres --"
    [ -d "$dir/data" ] && $owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    ;;
esac
