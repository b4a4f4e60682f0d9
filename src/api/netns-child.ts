/**
 * Runs one operation inside a network namespace entered by nsenter, for the
 * operations the kernel cannot aim at another namespace over netlink (link
 * changes). Reads a JSON request on stdin, writes a JSON answer on stdout.
 */
import { toHex } from '../codec/bytes.js';
import { EoipClient } from './client.js';
import { encodeError, type NetnsChildRequest } from './netns-exec.js';

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input) as NetnsChildRequest;
  endWithParent();
  const client = await EoipClient.open();
  try {
    const opts = req.timeout !== undefined ? { timeout: req.timeout } : {};
    if (req.op === 'plan') {
      const plan = await client.planChangeTunnel(req.target, req.patch, opts);
      process.stdout.write(
        JSON.stringify({ ok: true, planHex: toHex(plan.bytes), interface: plan.interface }),
      );
    } else {
      const tunnel = await client.changeTunnel(req.target, req.patch, opts);
      process.stdout.write(JSON.stringify({ ok: true, tunnel }));
    }
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: encodeError(e) }));
  } finally {
    client.close();
  }
}

/**
 * End when the parent does: a helper whose caller died (killed, crashed)
 * must not linger with a request in flight. Re-parented means orphaned.
 */
function endWithParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(70);
  }, 250);
  timer.unref();
}

void main();
