#!/bin/sh
# `npm test`: the project's whole test suite on a fresh clone or a warm machine.
#   1. `npm ci` when node_modules is missing;
#   2. `sh harness/engines.sh up` (installs what is missing, starts the engines and registries, builds
#      the fixtures; a no-op of about a second when they already run);
#   3. `npx vitest run "$@"` (unit and integration projects), exiting with vitest's status.
# The engines are left running (developers keep them warm; CI stops them in its trap):
# `npm run engines:down` stops them.
cd "$(dirname "$0")/.." || exit 1
t0=$(date +%s)
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  echo "test: node_modules missing, running npm ci"
  npm ci --no-audit --no-fund || { echo "test: npm ci failed" >&2; exit 1; }
fi
if ! sh harness/engines.sh up; then
  echo "test: FAILED: the engine harness did not come up (logs: ${IBH_DIR:-/tmp/ibh}/logs)" >&2
  exit 1
fi
report="${TMPDIR:-/tmp}/imagebuild-vitest-$$.json"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
rc=$?
# The plain closing line CI reads: 'N passed, N failed, N skipped' (from vitest's JSON report).
if [ -f "$report" ]; then
  node -e 'const r=require(process.argv[1]);console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests+r.numTodoTests} skipped`)' "$report" || true
  rm -f "$report"
fi
if [ $rc -eq 0 ]; then verdict=PASSED; else verdict="FAILED (vitest exit status $rc)"; fi
echo "test: $verdict in $(( $(date +%s) - t0 )) s; engines left running (npm run engines:down stops them)"
exit $rc
