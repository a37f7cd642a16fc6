#!/usr/bin/env sh
# Runs target-rokt from the Docker image, for Meltano's `executable`. Meltano passes
# `--config <file>`; the file's folder is mounted read-only so the container can read it.
set -eu
image=${TARGET_ROKT_IMAGE:-airbyte/destination-rokt:0.1.0}
args=""
mounts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config|--input)
      dir=$(cd "$(dirname "$2")" && pwd)
      mounts="$mounts -v $dir:$dir:ro"
      args="$args $1 $dir/$(basename "$2")"
      shift 2 ;;
    *) args="$args $1"; shift ;;
  esac
done
# -i: Singer messages arrive on stdin; TARGET_ROKT_* settings pass through from Meltano.
# shellcheck disable=SC2086
exec docker run --rm -i $mounts $(env | sed -n 's/^\(TARGET_ROKT_[A-Z_]*\)=.*/-e \1/p') \
  --entrypoint /app/dist/bin/target-rokt.mjs "$image" $args
