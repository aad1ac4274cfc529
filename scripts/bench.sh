#!/bin/sh
# Runs every bench/**/*.bench.ts in sequence with tsx; each prints a table and writes bench/results/.
# BENCH_SIZES (e.g. "256MiB" or "1GiB,4GiB") selects the sizes where a benchmark supports it.
set -e
cd "$(dirname "$0")/.."
for f in $(find bench -name '*.bench.ts' | sort); do
  echo "== $f"
  npx tsx --conditions=@imagebuild/source "$f"
done
