#!/usr/bin/env bash
# Check the prebuilt bindings under DIR (default: prebuilds/) as a machine
# without a compiler would meet them:
#  - each is an ELF shared object for its architecture that needs the C
#    library only (no libstdc++), and the glibc ones need glibc 2.17 at most;
#  - the musl one refers to no glibc symbol version, every C library function
#    it calls is defined by musl's libc, and musl's dynamic loader loads it
#    with every symbol bound (RTLD_NOW), inside a small musl program that
#    stands in for Node (it defines the napi_* / uv_* functions the binding
#    imports; none is called).
# Needs readelf, nm and objdump (binutils) and, for the load, musl-gcc
# (Debian's musl-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-prebuilds}
fail() { echo "check-prebuilds: $*" >&2; exit 1; }

declare -A machine=([linux-x64]='X86-64' [linux-x64-musl]='X86-64' [linux-arm64]='AArch64')
declare -A libc=([linux-x64]='libc.so.6' [linux-x64-musl]='libc.so' [linux-arm64]='libc.so.6')

for plat in linux-x64 linux-x64-musl linux-arm64; do
  f="$dir/$plat/eoip_netlink.node"
  [ -f "$f" ] || fail "$f is missing"
  readelf -h "$f" | grep -q "Type:.*DYN" || fail "$f is not a shared object"
  readelf -h "$f" | grep -q "Machine:.*${machine[$plat]}" || fail "$f is not built for ${machine[$plat]}"
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  [ "$needed" = "${libc[$plat]} " ] || fail "$f needs '$needed', expected only ${libc[$plat]}"
  versions=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tr '\n' ' ' || true)
  if [ "$plat" = linux-x64-musl ]; then
    [ -z "$versions" ] || fail "$f (musl) refers to glibc symbol versions: $versions"
  else
    newest=$(echo "$versions" | tr ' ' '\n' | grep . | tail -n 1)
    [ "$(printf '%s\nGLIBC_2.17\n' "$newest" | sort -V | tail -n 1)" = GLIBC_2.17 ] ||
      fail "$f needs $newest, newer than glibc 2.17"
  fi
  echo "$plat: ${machine[$plat]}, needs $needed${versions:+(symbol versions up to ${newest:-none})}"
done

musl_libc=/lib/x86_64-linux-musl/libc.so
if ! command -v musl-gcc >/dev/null 2>&1 || [ ! -f "$musl_libc" ]; then
  echo "musl-gcc or $musl_libc missing: the musl load was not checked"
  exit 0
fi
f=$(realpath "$dir/linux-x64-musl/eoip_netlink.node")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Strong undefined symbols: the Node-API and libuv ones come from the host; the rest from musl's libc.
nm -D --undefined-only "$f" | awk '$1 == "U" { print $2 }' | sort -u >"$work/undefined"
nm -D --defined-only "$musl_libc" | awk '{ print $3 }' | sort -u >"$work/musl"
missing=$(grep -v -e '^napi_' -e '^uv_' "$work/undefined" | comm -23 - "$work/musl" | tr '\n' ' ')
[ -z "$missing" ] || fail "musl's libc lacks what the musl binding calls: $missing"
{
  echo '#include <dlfcn.h>'
  echo '#include <stdio.h>'
  grep -e '^napi_' -e '^uv_' "$work/undefined" | sed 's/.*/void &(void) {}/'
  cat <<'C'
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  if (!dlsym(h, "napi_register_module_v1")) { fprintf(stderr, "no napi_register_module_v1\n"); return 1; }
  puts("loaded by musl's loader, every symbol bound");
  return 0;
}
C
} >"$work/host.c"
musl-gcc -rdynamic -o "$work/host" "$work/host.c"
"$work/host" "$f" || fail "musl's loader refuses $f"
