#!/bin/sh
# `npm run bench`: every bench/**/*.bench.ts in sequence with tsx; each prints a table and writes
# bench/results/. Does its own set-up: `npm ci` when node_modules is missing, the engine harness
# (engines and registries the benchmarks talk to), and a build of the packages (the OCI benchmark
# measures the built package under plain node, so no loader is in its memory figures).
# BENCH_SIZES (e.g. "256MiB" or "1GiB,4GiB") selects the sizes where a benchmark supports it.
set -e
cd "$(dirname "$0")/.."
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
sh harness/engines.sh up
node scripts/build.mjs
for f in $(find bench -name '*.bench.ts' | sort); do
  echo "== $f"
  npx tsx --conditions=@imagebuild/source "$f"
done
