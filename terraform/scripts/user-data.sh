#!/bin/bash
# First-boot bootstrap of the app instance (run once by cloud-init as root).
# Installs Docker and a pinned cosign, refuses to run an image whose cosign
# signature does not verify, then starts it with the API keys read from SSM
# Parameter Store through the instance role. Secrets are never put in argv,
# never printed, and only written to a mode-600 file on tmpfs that is removed
# once the container exists.
#
# Settings come from the environment (scripts/user-data.sh.tftpl sets them):
#   APP_IMAGE APP_VERSION APP_PORT AWS_REGION WEATHER_API_KEY_PARAMETER
#   LOCATION_API_KEY_PARAMETER COSIGN_VERSION COSIGN_SHA256 COSIGN_PUBLIC_KEY
#   optional: REGISTRY_AUTH_PARAMETER, COSIGN_VERIFY_TLOG (default true),
#   APP_RUN_DIR (default /run/app, a tmpfs), COSIGN_INSTALL_DIR (default /usr/local/bin).
set -euo pipefail
umask 077

log() { printf 'user-data: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

: "${APP_IMAGE:?}" "${APP_VERSION:?}" "${APP_PORT:?}" "${AWS_REGION:?}"
: "${WEATHER_API_KEY_PARAMETER:?}" "${LOCATION_API_KEY_PARAMETER:?}"
: "${COSIGN_VERSION:?}" "${COSIGN_SHA256:?}" "${COSIGN_PUBLIC_KEY:?}"
REGISTRY_AUTH_PARAMETER="${REGISTRY_AUTH_PARAMETER:-}"
COSIGN_VERIFY_TLOG="${COSIGN_VERIFY_TLOG:-true}"
run_dir="${APP_RUN_DIR:-/run/app}"
cosign_dir="${COSIGN_INSTALL_DIR:-/usr/local/bin}"
# cloud-init may run without HOME; cosign keeps its TUF cache there.
export HOME="${HOME:-/root}"
# Registry credentials (if any) stay on tmpfs; cosign reads the same file.
export DOCKER_CONFIG="$run_dir/docker"

# Terraform validates this too; checked again because only a digest pins
# the exact bytes that were signed.
digest_re='^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+@sha256:[0-9a-f]{64}$'
[[ "$APP_IMAGE" =~ $digest_re ]] || die "image is not pinned by digest: $APP_IMAGE"
[[ "$COSIGN_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "COSIGN_SHA256 is not a sha256"

mkdir -p "$run_dir" "$DOCKER_CONFIG"
env_file="$run_dir/app.env"
trap 'rm -f "$env_file"' EXIT

log "installing docker"
dnf install -y docker
systemctl enable --now docker

log "installing cosign $COSIGN_VERSION (sha256 pinned)"
cosign_tmp="$(mktemp "$run_dir/cosign.XXXXXX")"
curl -fsSL --proto '=https' --retry 3 -o "$cosign_tmp" \
  "https://github.com/sigstore/cosign/releases/download/$COSIGN_VERSION/cosign-linux-amd64"
printf '%s  %s\n' "$COSIGN_SHA256" "$cosign_tmp" | sha256sum -c --quiet - ||
  die "cosign download does not match its pinned sha256"
mkdir -p "$cosign_dir"
install -m 0755 "$cosign_tmp" "$cosign_dir/cosign"
rm -f "$cosign_tmp"
cosign="$cosign_dir/cosign"

pubkey="$run_dir/cosign.pub"
printf '%s\n' "$COSIGN_PUBLIC_KEY" >"$pubkey"

# Prints a SecureString parameter's value on stdout (for $(...) only).
get_parameter() {
  aws ssm get-parameter --region "$AWS_REGION" --name "$1" \
    --with-decryption --query Parameter.Value --output text
}

if [[ -n "$REGISTRY_AUTH_PARAMETER" ]]; then
  log "logging in to the registry"
  auth="$(get_parameter "$REGISTRY_AUTH_PARAMETER")"
  [[ "$auth" == *:* ]] || die "registry auth parameter is not username:password"
  # The password goes through stdin, never argv.
  printf '%s' "${auth#*:}" | docker login --username "${auth%%:*}" --password-stdin "${APP_IMAGE%%/*}" >/dev/null
  unset auth
fi

log "verifying the signature of $APP_IMAGE"
verify_args=(verify --key "$pubkey" --output json)
if [[ "$COSIGN_VERIFY_TLOG" != "true" ]]; then
  # Only for pipelines that sign with --tlog-upload=false (no Rekor reachable).
  verify_args+=(--insecure-ignore-tlog=true)
fi
if ! "$cosign" "${verify_args[@]}" "$APP_IMAGE" >"$run_dir/cosign-verify.json"; then
  die "signature of $APP_IMAGE does not verify against the pinned key; refusing to run it"
fi

# Pulled by digest after verification: the bytes run are the bytes verified.
docker pull "$APP_IMAGE"

log "reading the API keys from SSM"
weather_key="$(get_parameter "$WEATHER_API_KEY_PARAMETER")"
location_key="$(get_parameter "$LOCATION_API_KEY_PARAMETER")"
for value in "$weather_key" "$location_key"; do
  # An env-file holds one VAR=value per line.
  [[ -n "$value" && "$value" != *$'\n'* ]] || die "an API key parameter is empty or multi-line"
done
# Flask's session key: random per instance, so it exists nowhere else (one
# instance; replacing it only logs users out).
secret_key="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
# printf is a builtin: the values never appear in any process's argv.
printf 'WEATHER_API_KEY=%s\nLOCATION_API_KEY=%s\nSECRET_KEY=%s\n' \
  "$weather_key" "$location_key" "$secret_key" >"$env_file"
unset weather_key location_key secret_key value

log "starting $APP_IMAGE (version $APP_VERSION)"
# Read-only root: the app's only writable place is the /tmp tmpfs, where its
# search history lives (lost on restart; the instance is replaced per version anyway).
docker run --detach --name app --restart unless-stopped \
  --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m \
  --cap-drop ALL --security-opt no-new-privileges --pids-limit 256 \
  --publish "$APP_PORT:$APP_PORT" \
  --env-file "$env_file" \
  --env HISTORY_DB=/tmp/history.db \
  --label "app.version=$APP_VERSION" \
  "$APP_IMAGE"
log "started"
