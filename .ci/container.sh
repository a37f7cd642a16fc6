#!/usr/bin/env bash
# Builds the connector's container image with podman (no Docker engine and no image
# registry here) and checks the Airbyte image contract:
#   - `spec` prints exactly one line, a JSON AirbyteMessage with "type":"SPEC",
#     with no network inside the container;
#   - the image runs as user `airbyte`, which can write to /airbyte;
#   - AIRBYTE_ENTRYPOINT is set and equals the image's ENTRYPOINT (absolute script path).
# Usage (from anywhere): bash .ci/container.sh      Prints "container: ok" on success.
# Env: IMAGE (default destination-rokt:dev), BUILD_NETWORK (extra podman build network
# mode, e.g. "host"; by default the script tries the default network, then host).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
IMAGE=${IMAGE:-destination-rokt:dev}
BASE_SCRIPT="$ROOT/../shared/container/local-base-image.sh"

fail() { echo "container: FAIL: $*" >&2; exit 1; }
step() { echo "container: $*"; }
now() { date +%s; }
t0=$(now)

LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT

# --- 1. podman + local base image -------------------------------------------
[ -f "$BASE_SCRIPT" ] || fail "missing $BASE_SCRIPT (shared/ must sit beside the repo root)"
base_env=$(bash "$BASE_SCRIPT") || fail "local-base-image.sh failed (exit $?)"
eval "$base_env"
[ -n "${BASE_IMAGE:-}" ] || fail "local-base-image.sh did not export BASE_IMAGE"
[ -n "${CONTAINERS_CONF:-}" ] || fail "local-base-image.sh did not export CONTAINERS_CONF"
export CONTAINERS_CONF BASE_IMAGE
step "base image $BASE_IMAGE ready ($(( $(now) - t0 ))s)"

# --- 2. build ------------------------------------------------------------------
for f in Dockerfile package.json package-lock.json; do
  [ -f "$f" ] || fail "missing $f in $ROOT"
done

build() {  # $1: network mode ("" = podman's default)
  local net=()
  [ -n "$1" ] && net=(--network "$1")
  timeout 1200 podman build --pull=never "${net[@]}" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" . </dev/null >"$LOGDIR/build.log" 2>&1
}

tb=$(now)
if [ -n "${BUILD_NETWORK:-}" ]; then
  build "$BUILD_NETWORK" || { tail -n 60 "$LOGDIR/build.log" >&2; fail "podman build (--network $BUILD_NETWORK) failed; last lines above"; }
elif ! build ""; then
  # npm ci needs the npm registry; if the default build network cannot reach it,
  # retry on the host's network.
  if grep -qiE 'E(AI_AGAIN|NOTFOUND|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network|netavark|cni|slirp' "$LOGDIR/build.log"; then
    step "build on default network failed, retrying with --network host"
    build host || { tail -n 60 "$LOGDIR/build.log" >&2; fail "podman build (--network host) failed; last lines above"; }
  else
    tail -n 60 "$LOGDIR/build.log" >&2
    fail "podman build failed; last lines above"
  fi
fi
step "built $IMAGE ($(( $(now) - tb ))s)"

# --- 3. spec: one JSON line with type SPEC, no network ---------------------------
set +e
timeout 120 podman run --rm -i --network none "$IMAGE" spec </dev/null >"$LOGDIR/spec.out" 2>"$LOGDIR/spec.err"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  cat "$LOGDIR/spec.err" >&2; head -c 2000 "$LOGDIR/spec.out" >&2
  fail "\`podman run $IMAGE spec\` exited $rc"
fi
node - "$LOGDIR/spec.out" <<'JS' || { cat "$LOGDIR/spec.err" >&2; fail "spec output is not one SPEC line"; }
const fs = require('node:fs');
const text = fs.readFileSync(process.argv[2], 'utf8');
const lines = text.split('\n');
if (lines.at(-1) === '') lines.pop();
const die = (m) => { console.error(`spec check: ${m}`); console.error(text.slice(0, 2000)); process.exit(1); };
if (lines.length !== 1) die(`expected exactly 1 stdout line, got ${lines.length}`);
let msg;
try { msg = JSON.parse(lines[0]); } catch (e) { die(`stdout is not JSON: ${e.message}`); }
if (msg?.type !== 'SPEC') die(`type is ${JSON.stringify(msg?.type)}, expected "SPEC"`);
if (typeof msg.spec !== 'object' || msg.spec === null) die('SPEC message has no "spec" object');
if (typeof msg.spec.connectionSpecification !== 'object') die('spec has no connectionSpecification');
JS
step "spec prints one SPEC line"

# --- 4. user airbyte, writable /airbyte ------------------------------------------
user=$(podman run --rm --network none --entrypoint id "$IMAGE" -un </dev/null) \
  || fail "could not run \`id -un\` in $IMAGE"
[ "$user" = airbyte ] || fail "image runs as '$user', expected 'airbyte'"
podman run --rm --network none --entrypoint sh "$IMAGE" \
  -c 'p=/airbyte/.write-test.$$ && touch "$p" && rm "$p" && [ "$(pwd)" = /airbyte ]' </dev/null \
  || fail "/airbyte is not writable by airbyte, or WORKDIR is not /airbyte"
step "runs as airbyte; /airbyte writable"

# --- 5. AIRBYTE_ENTRYPOINT ---------------------------------------------------------
inspect=$(podman image inspect "$IMAGE" --format '{{json .Config}}') || fail "podman image inspect $IMAGE failed"
node -e '
const c = JSON.parse(process.argv[1]);
const env = Object.fromEntries((c.Env || []).map((kv) => { const i = kv.indexOf("="); return [kv.slice(0, i), kv.slice(i + 1)]; }));
const ep = env.AIRBYTE_ENTRYPOINT;
const die = (m) => { console.error(`entrypoint check: ${m}`); process.exit(1); };
if (!ep) die("AIRBYTE_ENTRYPOINT is not set in the image");
const entry = (c.Entrypoint || []).join(" ");
if (ep !== entry) die(`AIRBYTE_ENTRYPOINT "${ep}" differs from ENTRYPOINT "${entry}"`);
const words = ep.split(/\s+/);
const script = words[0].startsWith("/") ? words[0] : words.slice(1).find((w) => !w.startsWith("-"));
if (!script || !script.startsWith("/")) die(`AIRBYTE_ENTRYPOINT "${ep}" does not name an absolute script path`);
' "$inspect" || fail "AIRBYTE_ENTRYPOINT check failed"
step "AIRBYTE_ENTRYPOINT matches ENTRYPOINT"

# --- 6. a real write in the image (dry run: no network), through the bundle's #! line ---
printf '%s' '{"account_id":"1234567890","public_key":"rpub-ci","secret_key":"rsec-ci","dry_run":true}' >"$LOGDIR/dry-run-config.json"
chmod 0755 "$LOGDIR"; chmod 0644 "$LOGDIR/dry-run-config.json"
podman run --rm -i --network none -v "$LOGDIR:/ci:ro" "$IMAGE" write --config /ci/dry-run-config.json --catalog /app/catalog.sample.json \
  <examples/data.jsonl >"$LOGDIR/write.out" 2>"$LOGDIR/write.err" \
  || { cat "$LOGDIR/write.err" >&2; tail -5 "$LOGDIR/write.out" >&2; fail "dry-run write in $IMAGE failed"; }
grep -q 'Sync summary: 7 records received, 5 accepted by Rokt, 2 rejected' "$LOGDIR/write.out" \
  || { tail -5 "$LOGDIR/write.out" >&2; fail "dry-run write in $IMAGE did not report the expected summary"; }
step "dry-run write of examples/data.jsonl: 7 received, 5 accepted, 2 rejected"

echo "container: ok ($IMAGE, $(( $(now) - t0 ))s)"
