#!/usr/bin/env bash
# Host rehearsal of the Dockerfile's build and run steps, for machines without a container engine:
#   1. python3 -m venv + pip install --require-hashes -r requirements.txt (proves the hashes),
#      from the index, or with --no-index from a wheelhouse when WHEELS=dir is given;
#   2. pip/setuptools removed and the package byte-compiled, as in the image;
#   3. the app copied to a root-owned, read-only directory and served by gunicorn as an
#      unprivileged user (like uid 10001 in the image) whose only writable place is a data dir,
#      against the stub upstream; /healthz, /version and a search must answer.
# Env: BASE_PYTHON (the interpreter the venv is made from; default Debian's /usr/bin/python3, as
# in a Debian-based image), PYTHON (runs the stub and checks; default python3), WHEELS (optional
# wheelhouse directory).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
app_dir="$(dirname "$here")"
PYTHON="${PYTHON:-python3}"
BASE_PYTHON="${BASE_PYTHON:-/usr/bin/python3}"
[[ -x "$BASE_PYTHON" ]] || BASE_PYTHON=python3
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build: venv from requirements.txt with --require-hashes"
"$BASE_PYTHON" -m venv "$work/venv"
if [[ -n "${WHEELS:-}" ]]; then
  "$work/venv/bin/pip" install -q --no-index --find-links="$WHEELS" --require-hashes -r "$app_dir/requirements.txt"
else
  "$work/venv/bin/pip" install -q --require-hashes -r "$app_dir/requirements.txt"
fi
"$work/venv/bin/pip" uninstall -q -y pip setuptools >/dev/null 2>&1 || true
mkdir -p "$work/app" "$work/data"
cp -r "$app_dir/weather" "$app_dir/VERSION" "$work/app/"
find "$work/app" -name __pycache__ -prune -exec rm -rf {} +
"$work/venv/bin/python" -m compileall -q "$work/app/weather"
chmod -R a-w "$work/app"
touch "$work/built"

run_as=()
if [[ $(id -u) -eq 0 ]]; then
  chown 65534:65534 "$work/data"
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stub_port=$(port)
app_port=$(port)
stub="http://127.0.0.1:$stub_port"
"$PYTHON" "$here/stub_upstream.py" --port "$stub_port" --quiet >/dev/null &
pids+=($!)

echo "== run: gunicorn as an unprivileged user from a read-only app directory"
(
  cd "$work/app"
  exec env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME=/nonexistent PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production SECRET_KEY=build-path-check HISTORY_DB="$work/data/history.db" \
    VERSION_FILE="$work/app/VERSION" APP_REVISION=host-check \
    OPEN_METEO_URL="$stub" OPEN_METEO_GEOCODING_URL="$stub" IPGEO_URL="$stub" \
    "${run_as[@]}" "$work/venv/bin/python3" -m weather --bind "127.0.0.1:$app_port"
) >"$work/app.log" 2>&1 &
pids+=($!)

check() { # path expected-text
  "$PYTHON" - "http://127.0.0.1:$app_port$1" "$2" <<'PY'
import sys, time, urllib.request
url, expected = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 20
while True:
    try:
        body = urllib.request.urlopen(url, timeout=5).read().decode()
        break
    except OSError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"no answer from {url}: {exc}")
        time.sleep(0.2)
if expected not in body:
    sys.exit(f"{url}: {expected!r} not in the answer")
print(f"ok   {url}")
PY
}
status=0
if check /healthz '"ok"'; then
  check /version '"revision":"host-check"' || status=1
  check '/search?q=London' 'London' || status=1
  check /history 'London' || status=1
else
  status=1
fi
if [[ $status -ne 0 ]]; then tail -n 40 "$work/app.log" >&2; fi
if find "$work/app" -newer "$work/built" | grep -q .; then
  echo "the app wrote into its own directory" >&2
  status=1
fi
exit $status
