#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster for the tests, and removes the cluster afterwards.
#
#   bash tests/postgres_cluster.sh [--require] COMMAND [ARG...]
#
# With QUIZBOT_TEST_POSTGRES already set (a server of your own), it only runs COMMAND. Otherwise it finds the
# PostgreSQL server binaries (QUIZBOT_PG_BINDIR, else pg_ctl on PATH, else /usr/lib/postgresql/*/bin, 15 first),
# makes a cluster in a new temporary folder (initdb, owned by an unprivileged user: yourself, or the `postgres`
# user, else `nobody`, when run as root), starts it on 127.0.0.1 only, on a free port, with a random password,
# exports QUIZBOT_TEST_POSTGRES=postgresql://quizbot:...@127.0.0.1:PORT/postgres, runs COMMAND, and on exit
# (whatever the outcome, Ctrl-C included) stops the server and deletes the folder. COMMAND's exit code is kept.
#
# Without binaries it runs COMMAND anyway and the PostgreSQL tests skip, saying why; with --require (CI) it
# installs Debian's postgresql-15 when it can (root), else fails: CI must not pass without the PostgreSQL tests.
set -euo pipefail

require=0
if [[ "${1:-}" == "--require" ]]; then
    require=1
    shift
fi
if [[ $# -eq 0 ]]; then
    echo "usage: $0 [--require] COMMAND [ARG...]" >&2
    exit 2
fi

if [[ -n "${QUIZBOT_TEST_POSTGRES:-}" ]]; then
    exec "$@"
fi

find_bindir() {
    local dir
    if [[ -n "${QUIZBOT_PG_BINDIR:-}" ]]; then
        echo "$QUIZBOT_PG_BINDIR"
        return 0
    fi
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/pg_ctl" && -x "$dir/initdb" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    # Only Debian's own package; keep its post-install from starting a cluster of its own.
    local blocker=/usr/sbin/policy-rc.d placed=0
    if [[ ! -e "$blocker" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$blocker" && chmod +x "$blocker" && placed=1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15
    local status=$?
    if [[ $placed -eq 1 ]]; then rm -f "$blocker"; fi
    return $status
}

if ! bindir=$(find_bindir); then
    if [[ $require -eq 1 && $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "postgres_cluster: no PostgreSQL server binaries; installing postgresql-15" >&2
        install_postgres >&2 || true
    fi
    if ! bindir=$(find_bindir); then
        if [[ $require -eq 1 ]]; then
            echo "postgres_cluster: no PostgreSQL server binaries (initdb, pg_ctl) found; set QUIZBOT_PG_BINDIR" >&2
            exit 1
        fi
        echo "postgres_cluster: no PostgreSQL server binaries found; the PostgreSQL tests will be skipped" >&2
        exec "$@"
    fi
fi

# initdb refuses to run as root: as root, the cluster belongs to an unprivileged user.
as_owner=()
owner=$(id -un)
if [[ $EUID -eq 0 ]]; then
    if id -u postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
    as_owner=(runuser -u "$owner" --)
fi

base=$(mktemp -d "${TMPDIR:-/tmp}/quizbot-pg.XXXXXX")
data="$base/data"
started=0

cleanup() {
    local status=$?
    if [[ $started -eq 1 ]]; then
        (cd "$base" && "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1) || true
    fi
    rm -rf "$base"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chmod 700 "$base"
if [[ $EUID -eq 0 ]]; then chown "$owner" "$base"; fi

password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" >"$base/pwfile"
if [[ $EUID -eq 0 ]]; then chown "$owner" "$base/pwfile"; fi

(cd "$base" && "${as_owner[@]}" "$bindir/initdb" -D "$data" -U quizbot --pwfile="$base/pwfile" \
    --auth=scram-sha-256 -E UTF8 --no-locale --no-sync >"$base/initdb.log" 2>&1) || {
    cat "$base/initdb.log" >&2
    exit 1
}
rm -f "$base/pwfile"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A free port can be taken between choosing it and the server binding it: try a few.
for _ in 1 2 3 4 5; do
    port=$(free_port)
    options="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$base"
    # Throwaway data: nothing needs to reach the disk.
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    if (cd "$base" && "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 \
        -o "$options" start >/dev/null); then
        started=1
        break
    fi
done
if [[ $started -ne 1 ]]; then
    echo "postgres_cluster: the server did not start:" >&2
    cat "$base/server.log" >&2 || true
    exit 1
fi

export QUIZBOT_TEST_POSTGRES="postgresql://quizbot:$password@127.0.0.1:$port/postgres"
echo "postgres_cluster: $("$bindir/postgres" --version) on 127.0.0.1:$port, in $base" >&2

set +e
"$@"
status=$?
set -e
exit $status
