#!/usr/bin/env bash
# The native binding under AddressSanitizer: builds build-asan/eoip_netlink.node
# with -fsanitize=address, preloads libasan into node, and runs the native
# tests, the edge tests, every kernel test and the bin's kernel tests against
# it (the bins those start inherit the preload and the binding), one file at a
# time, each in a private network namespace. Any invalid read/write, use-after-free or
# double free in native/netlink.c aborts the run with ASan's report.
# Needs root (network namespaces) and gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build-native.mjs --sanitize=address
libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "libasan not found (gcc -print-file-name=libasan.so)" >&2; exit 2; }
export EOIP_NETLINK_NATIVE="$PWD/build-asan/eoip_netlink.node"
export EOIP_TEST_PRIVATE_NETNS=1
# Leak checking is off: node and V8 keep memory until exit by design.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0"
files=("$@")
if [ "${#files[@]}" -eq 0 ]; then
  files=(test/native/*.test.ts test/edges/*.test.ts test/kernel/*.test.ts test/cli/monitor.test.ts
    test/cli/bin.test.ts)
fi
status=0
for f in "${files[@]}"; do
  echo "== $f"
  LD_PRELOAD="$libasan" unshare -n -- node node_modules/vitest/vitest.mjs run "$f" || status=1
done
exit "$status"
