#!/usr/bin/env bash
# Pack the package, install the tarball into a fresh project, and use it the
# way a stranger would: ESM import, CJS require, type-check a consumer, run the bin.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run build --silent >/dev/null
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball: $(du -k "$work/$tarball" | cut -f1) KiB, $(tar -tzf "$work/$tarball" | wc -l) files"

cd "$work"
npm init -y >/dev/null
# A typical TypeScript consumer has Node's types (they declare Symbol.asyncDispose).
npm install --no-audit --no-fund --silent "./$tarball" @types/node@20 >/dev/null

node --input-type=module -e "
  import { createTunnel, listTunnels, EoipClient, formatTunnelLine } from 'eoip-netlink';
  if (typeof createTunnel !== 'function' || typeof EoipClient.open !== 'function') process.exit(1);
  console.log('esm import ok');
"
node -e "
  const m = require('eoip-netlink');
  if (typeof m.createTunnel !== 'function' || typeof m.decodeLinkMessage !== 'function') process.exit(1);
  console.log('cjs require ok');
"

cat > consumer.ts <<'TS'
import { createTunnel, InvalidArgumentError, type Tunnel, type TunnelSpec } from 'eoip-netlink';
const spec: TunnelSpec = { tunnelId: 42, remote: '198.51.100.7', keepalive: { interval: 10, retries: 3 } };
export async function make(): Promise<Tunnel | undefined> {
  try {
    return await createTunnel(spec);
  } catch (e) {
    if (e instanceof InvalidArgumentError) console.log(e.field);
    return undefined;
  }
}
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "files": ["consumer.ts"] }
JSON
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "consumer type-check ok"

npx --no-install eoip --help | head -n 3
if [ "$(id -u)" = "0" ] && unshare -n true 2>/dev/null; then
  out=$(unshare -n npx --no-install eoip list)
  [ -z "$out" ] || { echo "unexpected list output: $out"; exit 1; }
  echo "eoip list (empty namespace) ok"
else
  npx --no-install eoip list >/dev/null && echo "eoip list ok"
fi
echo "pack smoke test passed"
