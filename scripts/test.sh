#!/usr/bin/env bash
# The test command: unit tests everywhere; real-kernel tests inside a private
# network namespace when run as root (they are skipped, with the reason, otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
# The CLI tests run the built bin.
npm run build --silent >/dev/null
results=".test-results.json"
rm -f "$results"
status=0
if [ "$(id -u)" = "0" ] && unshare -n true 2>/dev/null; then
  export EOIP_TEST_PRIVATE_NETNS=1
  # Everything runs in a namespace of its own: the host's interfaces are never touched.
  unshare -n -- npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
else
  echo "not root (or no network namespaces): real-kernel tests will be skipped"
  npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
fi
# A plain closing line that any CI reader understands.
node -e '
  const r = require("./'"$results"'");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit "$status"
