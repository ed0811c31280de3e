#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: distributed mode on one machine, the README's recipe
# ("Running it distributed") step by step — PostgreSQL, a Prefect server, `jiefen deploy --all`, two
# `jiefen worker`s, two API processes, the demo seed. State (pids, logs, Prefect's home) in .cluster/.
#
#   scripts/cluster.sh start | stop | status
#
# Settings (environment): JIEFEN_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/jiefen),
# CLUSTER_PREFECT_PORT (4200), CLUSTER_API_PORTS ("8001 8002"), CLUSTER_HOST (127.0.0.1), and JIEFEN (the
# command that runs jiefen; default .venv/bin/jiefen).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
STATE="$ROOT/.cluster"
BIN="$ROOT/.venv/bin"
read -ra JIEFEN <<< "${JIEFEN:-$BIN/jiefen}"
HOST="${CLUSTER_HOST:-127.0.0.1}"
PREFECT_PORT="${CLUSTER_PREFECT_PORT:-4200}"
read -ra API_PORTS <<< "${CLUSTER_API_PORTS:-8001 8002}"
export JIEFEN_DATABASE_URL="${JIEFEN_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/jiefen}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'cluster: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start NAME COMMAND...: in a session of its own (so stop can end the whole group), logs in .cluster/NAME.log
start() {
  local name=$1; shift
  if alive "$STATE/$name.pid"; then say "$name already running (pid $(cat "$STATE/$name.pid"))"; return; fi
  rm -f "$STATE/$name.pid"
  # the pid written from inside: setsid forks when started as a group leader, and then $! is not it
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$STATE/$name.pid" "$@" > "$STATE/$name.log" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [ -s "$STATE/$name.pid" ] && break; sleep 0.1; done
}

wait_http() {  # URL WHAT LOG
  for _ in $(seq 1 120); do
    if "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  tail -20 "$3" >&2 || true
  die "$2 did not answer at $1 within 120 s (log: $3)"
}

port_free() {
  ! "$BIN/python" -c "import socket, sys; s = socket.socket(); s.settimeout(1); sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))) != 0)" "$HOST" "$1"
}

postgres() {
  # 1. PostgreSQL: started if it is on this machine and stopped; the database made if missing.
  local host port
  read -r host port < <("$BIN/python" -c "import sqlalchemy as sa, sys; u = sa.engine.make_url(sys.argv[1]); print(u.host or 'localhost', u.port or 5432)" "$JIEFEN_DATABASE_URL")
  case "$JIEFEN_DATABASE_URL" in postgresql*) ;; *) die "JIEFEN_DATABASE_URL must be PostgreSQL (every process reaches the one database)";; esac
  if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    case "$host" in
      127.0.0.1|localhost|::1)
        say "starting the local PostgreSQL"
        if command -v pg_ctlcluster > /dev/null && [ -d /etc/postgresql ]; then
          pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
        elif command -v service > /dev/null; then
          service postgresql start || true
        fi
        for _ in $(seq 1 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
        pg_isready -q -h "$host" -p "$port" || die "PostgreSQL at $host:$port did not start (start it yourself, then run make cluster again)"
        ;;
      *) die "PostgreSQL at $host:$port does not answer (not this machine's: start it there)";;
    esac
  fi
  "$BIN/python" - "$JIEFEN_DATABASE_URL" <<'EOF'
import sys

import sqlalchemy as sa

url = sa.engine.make_url(sys.argv[1])
admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
with admin.connect() as conn:
    if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}).first():
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
        print(f"cluster: created the database {url.database}")
EOF
}

do_start() {
  mkdir -p "$STATE"
  [ -x "$BIN/prefect" ] || die "no $BIN/prefect: run make setup first"
  postgres
  # The API processes share one secret (a token from either is good on both), kept in .cluster/ (0600).
  if [ -z "${JIEFEN_SECRET_KEY:-}" ]; then
    [ -s "$STATE/secret" ] || (umask 077 && "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(48))" > "$STATE/secret")
    JIEFEN_SECRET_KEY="$(cat "$STATE/secret")"
    export JIEFEN_SECRET_KEY
  fi

  # 2. The Prefect server (its own home: .cluster/prefect; its database there is SQLite).
  export PREFECT_API_URL="http://$HOST:$PREFECT_PORT/api"
  if ! alive "$STATE/prefect.pid"; then
    port_free "$PREFECT_PORT" || die "port $PREFECT_PORT is taken (set CLUSTER_PREFECT_PORT)"
    say "starting the Prefect server on port $PREFECT_PORT"
    PREFECT_HOME="$STATE/prefect" start prefect "$BIN/prefect" server start --host "$HOST" --port "$PREFECT_PORT"
  fi
  wait_http "$PREFECT_API_URL/health" "the Prefect server" "$STATE/prefect.log"

  # 3. The database's tables and the demo centre (jiefen seed migrates first).
  say "seeding the demo centre"
  "${JIEFEN[@]}" seed models/seed/demo.yaml

  # 4. The deployments (every flow, with this checkout as its source), then two workers.
  "${JIEFEN[@]}" deploy --all
  for n in 1 2; do
    if ! alive "$STATE/worker$n.pid"; then
      say "starting worker $n"
      start "worker$n" "${JIEFEN[@]}" worker --name "cluster-worker-$n"
    fi
  done

  # 5. Two API processes, without the embedded scheduler and render worker (the workers run those).
  for port in "${API_PORTS[@]}"; do
    if ! alive "$STATE/api-$port.pid"; then
      port_free "$port" || die "port $port is taken (set CLUSTER_API_PORTS)"
      say "starting an API process on port $port"
      PREFECT_SERVER_EPHEMERAL_ENABLED=false start "api-$port" \
        "${JIEFEN[@]}" serve --host "$HOST" --port "$port" --no-scheduler --no-render-worker
    fi
  done
  for port in "${API_PORTS[@]}"; do wait_http "http://$HOST:$port/healthz" "the API on port $port" "$STATE/api-$port.log"; done
  for n in 1 2; do alive "$STATE/worker$n.pid" || { tail -20 "$STATE/worker$n.log" >&2; die "worker $n stopped"; }; done

  cat <<EOF

jiefen is running distributed on this machine:
  web UI and API   $(for port in "${API_PORTS[@]}"; do printf 'http://%s:%s/  ' "$HOST" "$port"; done)(log in as e.g. window1, mediator1, super1 — models/seed/demo.yaml)
  health           http://$HOST:${API_PORTS[0]}/healthz
  Prefect UI       http://$HOST:$PREFECT_PORT/   (deployments, flow runs, work pool "jiefen")
  workers          cluster-worker-1, cluster-worker-2 (logs: .cluster/worker1.log, .cluster/worker2.log)
  database         ${JIEFEN_DATABASE_URL##*@}
  logs and pids    .cluster/
Stop it with: make cluster-stop
EOF
}

stop_one() {  # NAME: the process group, and (a worker) the flow runs it started in sessions of their own
  local file="$STATE/$1.pid" pid kids
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for kid in $kids; do kill -TERM "$kid" 2>/dev/null || true; done
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    for kid in $kids; do kill -KILL "$kid" 2>/dev/null || true; done
    say "stopped $1 (pid $pid)"
  fi
  rm -f "$file"
}

do_stop() {
  [ -d "$STATE" ] || { say "nothing running (no .cluster/)"; return; }
  for port in "${API_PORTS[@]}"; do stop_one "api-$port"; done
  stop_one worker1
  stop_one worker2
  stop_one prefect
  say "stopped (PostgreSQL left running; logs kept in .cluster/)"
}

do_status() {
  for f in "$STATE"/*.pid; do
    [ -e "$f" ] || { say "nothing running"; return; }
    name=$(basename "$f" .pid)
    if alive "$f"; then say "$name running (pid $(cat "$f"))"; else say "$name not running"; fi
  done
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
