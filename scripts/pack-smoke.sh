#!/usr/bin/env bash
# Pack the package, install the tarball into a fresh project, and use it the
# way a stranger would: ESM import, CJS require (one implementation behind
# both), type-check consumers without @types/node under nodenext and bundler
# resolution, import the JSON Schema, follow the docs' links, run the bin.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run build --silent >/dev/null
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball: $(du -k "$work/$tarball" | cut -f1) KiB, $(tar -tzf "$work/$tarball" | wc -l) files"
prebuilds=$(tar -tzf "$work/$tarball" | grep -oE 'prebuilds/[^/]+/eoip_netlink\.node' | sort)
echo "prebuilds: $(echo $prebuilds)"
for want in linux-x64 linux-x64-musl linux-arm64; do
  echo "$prebuilds" | grep -qx "prebuilds/$want/eoip_netlink.node" || { echo "the tarball lacks the $want prebuild"; exit 1; }
done
# The shipped binaries as a machine without a compiler meets them (musl's loader included).
mkdir -p "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"
bash "$root/scripts/check-prebuilds.sh" "$work/unpacked/package/prebuilds"

cd "$work"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --silent "./$tarball" >/dev/null
pkgdir="$work/node_modules/eoip-netlink"

# The runtime tree brings no @types/* that could shadow the consumer's own.
types_pkgs=$(find node_modules -path '*/node_modules/@types/*' -maxdepth 4 -name package.json -printf '%h\n' 2>/dev/null | sort -u)
if [ -n "$types_pkgs" ]; then
  echo "the package pulls type packages into consumers: $types_pkgs"
  exit 1
fi
echo "no @types/* in the consumer's tree"

node --input-type=module -e "
  import { createRequire } from 'node:module';
  import * as esm from 'eoip-netlink';
  const cjs = createRequire(import.meta.url)('eoip-netlink');
  if (typeof esm.createTunnel !== 'function' || typeof esm.EoipClient.open !== 'function') {
    console.error('the ESM entry lacks its exports'); process.exit(1);
  }
  if (esm.EoipError !== cjs.EoipError || esm.createTunnel !== cjs.createTunnel) {
    console.error('ESM and CJS entries are two copies'); process.exit(1);
  }
  const e = await cjs.createTunnel({ tunnelId: 70000, remote: '198.51.100.7' }).catch((x) => x);
  if (!(e instanceof esm.InvalidArgumentError) || e.field !== 'tunnelId') { console.error(e); process.exit(1); }
  const schema = createRequire(import.meta.url)('eoip-netlink/schema/tunnels.schema.json');
  const viaImport = (await import('eoip-netlink/schema/tunnels.schema.json', { with: { type: 'json' } })).default;
  if (typeof schema.title !== 'string' || JSON.stringify(viaImport) !== JSON.stringify(schema)) {
    console.error('the schema does not import'); process.exit(1);
  }
  console.log('esm import, cjs require: one implementation; schema import ok');
"

cat > consumer.ts <<'TS'
import { createTunnel, EoipClient, InvalidArgumentError, type Tunnel, type TunnelSpec } from 'eoip-netlink';
const spec: TunnelSpec = { tunnelId: 42, remote: '198.51.100.7', keepalive: { interval: 10, retries: 3 } };
export async function make(): Promise<Tunnel | undefined> {
  try {
    return await createTunnel(spec);
  } catch (e) {
    if (e instanceof InvalidArgumentError) console.log(e.field);
    return undefined;
  }
}
export async function list(): Promise<number> {
  const client = await EoipClient.open({ timeout: 1000 });
  try {
    return (await client.listTunnels()).length;
  } finally {
    client.close();
  }
}
TS
# Only typescript beside the package: no @types/node, library checking on.
mkdir -p tsc-only && cp -r "$root/node_modules/typescript" tsc-only/
for mode in nodenext bundler; do
  if [ "$mode" = nodenext ]; then
    opts='"module": "NodeNext", "moduleResolution": "NodeNext"'
  else
    opts='"module": "ESNext", "moduleResolution": "Bundler"'
  fi
  cat > "tsconfig.$mode.json" <<JSON
{ "compilerOptions": { "strict": true, $opts, "noEmit": true, "skipLibCheck": false, "types": [] }, "files": ["consumer.ts"] }
JSON
  node tsc-only/typescript/bin/tsc -p "tsconfig.$mode.json"
  echo "consumer type-check ok ($mode, strict, skipLibCheck false, no @types/node)"
done

# Every relative link of the shipped README and guides resolves inside the package.
node --input-type=module -e "
  import { existsSync, readdirSync, readFileSync } from 'node:fs';
  import { dirname, join } from 'node:path';
  const dir = process.argv[1];
  const docs = ['README.md', ...readdirSync(join(dir, 'docs')).filter((f) => f.endsWith('.md')).map((f) => 'docs/' + f)];
  let links = 0;
  const missing = [];
  for (const d of docs) {
    for (const m of readFileSync(join(dir, d), 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(m[1])) continue;
      links++;
      if (!existsSync(join(dir, dirname(d), m[1]))) missing.push(d + ': ' + m[1]);
    }
  }
  if (missing.length) { console.error('links to files the package lacks:', missing); process.exit(1); }
  console.log('docs links ok: ' + links + ' relative links in ' + docs.length + ' documents resolve in the package');
" "$pkgdir"

help=$(npx --no-install eoip --help)
echo "$help" | head -n 3
guides=$( (echo "$help"; npx --no-install eoip help apply) | grep -oE '/[^ )]*/docs/[a-z-]+\.md' | sort -u)
[ -n "$guides" ] || { echo "eoip --help names no guide"; exit 1; }
for f in $guides; do
  case "$f" in "$pkgdir"/*) ;; *) echo "eoip --help points outside the package: $f"; exit 1 ;; esac
  [ -f "$f" ] || { echo "eoip --help points at a missing file: $f"; exit 1; }
done
echo "eoip --help guides exist: $(echo $guides | tr '\n' ' ')"
if [ "$(id -u)" = "0" ] && unshare -n true 2>/dev/null; then
  out=$(unshare -n npx --no-install eoip list)
  [ -z "$out" ] || { echo "unexpected list output: $out"; exit 1; }
  echo "eoip list (empty namespace) ok"
else
  npx --no-install eoip list >/dev/null && echo "eoip list ok"
fi
echo "pack smoke test passed"
