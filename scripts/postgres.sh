#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the trace-store tests.
#
# Usage:
#   eval "$(bash scripts/postgres.sh)"        # start; exports AGENTFN_TEST_POSTGRES_URL (+ _DIR)
#   bash scripts/postgres.sh stop [DIR]       # stop it and delete its data (DIR defaults to
#                                             # $AGENTFN_TEST_POSTGRES_DIR)
#
# As root on Debian it installs the `postgresql` package when no server binaries are present,
# then runs initdb/pg_ctl from /usr/lib/postgresql/*/bin as the `postgres` user. As another user it
# uses the binaries as that user (they must be installed). The cluster lives in a temp dir, listens
# on 127.0.0.1 on a free port only, trusts local connections (it is for tests, never for data), and
# is independent of any system cluster. Only the `export` lines go to stdout; progress goes to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    return 1
}

as_owner() {
    # Run a command as the cluster owner: `postgres` when we are root (initdb refuses root).
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ "${1:-}" == "stop" ]]; then
    dir="${2:-${AGENTFN_TEST_POSTGRES_DIR:-}}"
    [[ -n "$dir" && -d "$dir/data" ]] || { log "nothing to stop (no DIR/data)"; exit 0; }
    bin="$(find_bin)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    rm -rf "$dir"
    log "stopped and removed $dir"
    exit 0
fi

if ! bin="$(find_bin)"; then
    if [[ $EUID -ne 0 ]]; then
        log "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin and not root: install 'postgresql'"
        exit 1
    fi
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # policy-rc.d keeps the package's own cluster from being started inside containers.
    apt-get install -y -qq --no-install-recommends postgresql >&2
    bin="$(find_bin)"
fi

if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

port="$(python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
)"

dir="$(mktemp -d /tmp/agentfn-pg.XXXXXX)"
chmod 755 "$dir"
if [[ $EUID -eq 0 ]]; then chown postgres: "$dir"; fi

log "initdb in $dir (server binaries: $bin)"
as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }

# fsync off: a throwaway test cluster; max_connections covers the 20-process writer test.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }

as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres agentfn_test >&2

url="postgresql+psycopg://postgres@127.0.0.1:$port/agentfn_test"
printf 'export AGENTFN_TEST_POSTGRES_URL=%q\nexport AGENTFN_TEST_POSTGRES_DIR=%q\n' "$url" "$dir" | tee "$dir/env"
log "ready: $url"
