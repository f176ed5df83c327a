#!/usr/bin/env bash
# HTTP benchmarks of BENCHMARKS.md: batch ingest (with the direct-store rate of
# the same rows and the server's peak RSS), single-reading ingest with wrk,
# and series queries over 30 days of 1 Hz data. Usage:
#   scripts/bench-http.sh [sqlite|postgres]     (postgres needs SMARTMAINT_BENCH_POSTGRES=postgres://…/db)
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
work=$(mktemp -d)
# Servers are started inside $(…), so they are not this shell's jobs: their
# pids go to a file that the exit trap reads.
trap 'kill $(cat "$work/pids" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/smartmaint" ./cmd/smartmaint
go build -o "$work/bench" ./cmd/smartmaint-bench

fresh_db() {  # a new, empty store for each measurement
  if [ "$backend" = postgres ]; then
    name="smartmaint_bench_$RANDOM$RANDOM"
    psql "${SMARTMAINT_BENCH_POSTGRES%/*}/postgres?sslmode=disable" -qc "CREATE DATABASE $name" >/dev/null
    echo "${SMARTMAINT_BENCH_POSTGRES%/*}/$name?sslmode=disable"
  else
    echo "sqlite:$work/$RANDOM$RANDOM.db"
  fi
}

serve() {  # start a server on $1, print its pid; its URL is $url
  if curl -s -o /dev/null localhost:18181/health; then
    echo "port 18181 is taken (a server left over from an earlier run?)" >&2; exit 1
  fi
  "$work/smartmaint" serve --addr 127.0.0.1:18181 --db "$1" --log-level warn >"$work/server.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$work/pids"
  echo "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    curl -sf localhost:18181/health >/dev/null && return
    sleep 0.1
  done
  echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}
url=http://127.0.0.1:18181
newkey() {  # an API key of the default tenant of store $1
  "$work/smartmaint" admin create-key --db "$1" --name bench --scopes data:ingest,data:read | sed -n 's/^secret: \(smk_[^ ]*\).*/\1/p'
}

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3), backend $backend"

echo "## direct: the same rows straight into the store"
"$work/bench" direct --db "$(fresh_db)" --batches 300

echo "## batch over HTTP: NDJSON, 10,000 readings per request, 100 sensors, 4 clients"
db=$(fresh_db); export SMARTMAINT_API_KEY=$(newkey "$db"); pid=$(serve "$db")
"$work/bench" batch --url $url --batches 300 --workers 4 --pid "$pid"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "## single readings: wrk, 32 connections, 30 s"
db=$(fresh_db); export SMARTMAINT_API_KEY=$(newkey "$db"); pid=$(serve "$db")
wrk -t2 -c32 -d30s --latency -s scripts/wrk-ingest.lua $url | grep -E 'Requests/sec|Non-2xx|latency p|Latency  '
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "## series: 30 days of 1 Hz data, step=auto, max_points=1000"
db=$(fresh_db)
"$work/bench" series --db "$db" --load --days 30
export SMARTMAINT_API_KEY=$(newkey "$db"); pid=$(serve "$db")
"$work/bench" series --url $url --days 30 --n 200
kill "$pid"; wait "$pid" 2>/dev/null || true
