#!/bin/sh
# Quick start on a fresh clone: installs dependencies if needed, brings up the harness
# (podman, dockerd, registries, fixtures), then builds, exports and downloads an image.
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then
  echo "installing dependencies (npm ci)…"
  npm ci
fi
sh harness/engines.sh up
exec npx tsx --conditions=@imagebuild/source scripts/quickstart.ts "$@"
