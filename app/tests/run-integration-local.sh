#!/usr/bin/env bash
# Runs the integration suite against a locally started app, in two passes:
#   1. stub upstream answering normally   (STUB_MODE=ok,    EXPECT_UPSTREAM=ok)
#   2. stub upstream failing every call   (STUB_MODE=error, EXPECT_UPSTREAM=down)
# Each pass starts the stub and gunicorn on free loopback ports with a fresh history database,
# runs `python -m pytest app/tests/integration`, and stops both; the exit code is the suite's.
# Env: PYTHON (default python3), JUNIT_DIR (write integration-<mode>.xml there), and extra
# pytest arguments on the command line.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
app_dir="$(dirname "$here")"
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d)"
pids=()

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # url: up to 30 s
  local _
  for _ in $(seq 150); do
    if "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "timed out waiting for $1" >&2
  return 1
}

run_pass() { # stub-mode expect-upstream [pytest args...]
  local mode=$1 expect=$2; shift 2
  local stub_port app_port stub app rc=0
  stub_port=$(free_port)
  app_port=$(free_port)
  stub="http://127.0.0.1:$stub_port"
  app="http://127.0.0.1:$app_port"

  "$PYTHON" "$here/stub_upstream.py" --host 127.0.0.1 --port "$stub_port" --mode "$mode" --quiet \
    >"$work/stub-$mode.log" 2>&1 &
  local stub_pid=$!
  pids+=("$stub_pid")
  (
    cd "$app_dir"
    export APP_ENV=production HISTORY_DB="$work/history-$mode.db" UPSTREAM_TIMEOUT=2 ACCESS_LOG=0
    SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')"
    export SECRET_KEY
    export OPEN_METEO_URL="$stub" OPEN_METEO_GEOCODING_URL="$stub" IPGEO_URL="$stub" \
      VISUALCROSSING_URL="$stub" ABSTRACT_URL="$stub"
    exec "$PYTHON" -m weather --bind "127.0.0.1:$app_port"
  ) >"$work/app-$mode.log" 2>&1 &
  local app_pid=$!
  pids+=("$app_pid")

  if ! wait_for "$stub/__stub/health" || ! wait_for "$app/healthz"; then
    tail -n 30 "$work/app-$mode.log" >&2
    return 1
  fi

  local junit=()
  [[ -n "${JUNIT_DIR:-}" ]] && mkdir -p "$JUNIT_DIR" && junit=("--junitxml=$JUNIT_DIR/integration-$mode.xml")
  echo "== integration pass: STUB_MODE=$mode EXPECT_UPSTREAM=$expect APP_BASE_URL=$app"
  APP_BASE_URL="$app" EXPECT_UPSTREAM="$expect" \
    "$PYTHON" -m pytest "$here/integration" -q -p no:cacheprovider "${junit[@]}" "$@" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "-- app log (last 40 lines)" >&2
    tail -n 40 "$work/app-$mode.log" >&2
  fi
  kill "$app_pid" "$stub_pid" 2>/dev/null || true
  wait "$app_pid" "$stub_pid" 2>/dev/null || true
  return $rc
}

status=0
run_pass ok ok "$@" || status=$?
run_pass error down "$@" || status=$?
exit $status
