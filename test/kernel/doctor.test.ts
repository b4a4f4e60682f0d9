/**
 * Doctor against the real kernel (no eoip module here): the probes must
 * report both kinds missing with the modprobe fix, and create nothing.
 */
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { runDoctor } from '../../src/api/doctor.js';
import { canUseKernel, linkNames } from './helpers.js';

describe.skipIf(!canUseKernel)('doctor on the real kernel', () => {
  it('finds the privileges, reports both kinds missing, and creates nothing', async () => {
    const before = linkNames();
    const client = await EoipClient.open();
    try {
      const checks = await runDoctor(client);
      expect(checks[0]).toMatchObject({ id: 'privileges', status: 'pass' });
      expect(checks[1]).toMatchObject({ id: 'kind:eoip', status: 'fail' });
      expect(checks[1]!.fix).toContain('modprobe eoip');
      expect(checks[2]).toMatchObject({ id: 'kind:eoipv6', status: 'fail' });
      expect(checks).toHaveLength(3); // no tunnels to check
    } finally {
      client.close();
    }
    expect(linkNames()).toEqual(before);
  });
});
