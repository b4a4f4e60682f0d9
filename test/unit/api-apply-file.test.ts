/**
 * The apply file loader: JSON and YAML, the two top-level shapes, and
 * errors that name the field at fault.
 */
import { describe, expect, it } from 'vitest';
import { parseApplyFile } from '../../src/api/apply.js';
import { InvalidArgumentError } from '../../src/api/errors.js';

async function fieldOf(text: string, format: 'json' | 'yaml'): Promise<string> {
  const err = await parseApplyFile(text, format).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  return err.field;
}

describe('parseApplyFile: JSON', () => {
  it('reads { tunnels: [...] } with a $schema key, keeping every value as written', async () => {
    const text = JSON.stringify({
      $schema: './node_modules/eoip-netlink/schema/tunnels.schema.json',
      tunnels: [
        {
          name: 'hq',
          tunnelId: 100,
          local: '192.0.2.1',
          remote: '198.51.100.7',
          ttl: 64,
          tos: 16,
          keepalive: 10,
        },
        {
          name: 'lab6',
          tunnelId: 4095,
          remote: '2001:db8::7',
          keepalive: { interval: 5, retries: 0 },
          up: true,
        },
      ],
    });
    expect(await parseApplyFile(text, 'json')).toEqual([
      {
        name: 'hq',
        tunnelId: 100,
        local: '192.0.2.1',
        remote: '198.51.100.7',
        ttl: 64,
        tos: 16,
        keepalive: 10,
      },
      {
        name: 'lab6',
        tunnelId: 4095,
        remote: '2001:db8::7',
        keepalive: { interval: 5, retries: 0 },
        up: true,
      },
    ]);
  });

  it('reads a bare list, and an empty one', async () => {
    expect(
      await parseApplyFile('[{"name":"e1","tunnelId":7,"remote":"10.0.0.2","mtu":1400}]', 'json'),
    ).toEqual([{ name: 'e1', tunnelId: 7, remote: '10.0.0.2', mtu: 1400 }]);
    expect(await parseApplyFile('{"tunnels":[]}', 'json')).toEqual([]);
  });

  it('names the field at fault', async () => {
    expect(
      await fieldOf(
        '{"tunnels":[{"name":"a","tunnelId":1,"remote":"10.0.0.2"},{"name":"b","tunnelId":65536,"remote":"10.0.0.3"}]}',
        'json',
      ),
    ).toBe('tunnels[1].tunnelId');
    expect(
      await fieldOf('[{"name":"a","tunnelId":1,"remote":"10.0.0.2","keepalive":{"interval":10}}]', 'json'),
    ).toBe('tunnels[0].keepalive.retries');
    expect(
      await fieldOf(
        '[{"name":"a","tunnelId":1,"remote":"10.0.0.2"},{"name":"a","tunnelId":2,"remote":"10.0.0.3"}]',
        'json',
      ),
    ).toBe('tunnels[1].name');
    expect(await fieldOf('[{"name":"tün","tunnelId":1,"remote":"10.0.0.2"}]', 'json')).toBe(
      'tunnels[0].name',
    );
    expect(await fieldOf('[{"name":"a","tunnelId":1,"remote":"10.0.0.2","master":"br 0"}]', 'json')).toBe(
      'tunnels[0].master',
    );
    expect(await fieldOf('{"tunnels":[],"prune":true}', 'json')).toBe('prune');
    expect(await fieldOf('{"tunnel":[]}', 'json')).toBe('tunnel');
    expect(await fieldOf('{}', 'json')).toBe('tunnels');
    expect(await fieldOf('{"tunnels":{"name":"a"}}', 'json')).toBe('tunnels');
    expect(await fieldOf('{"$schema":5,"tunnels":[]}', 'json')).toBe('$schema');
    expect(await fieldOf('"tunnels"', 'json')).toBe('file');
    expect(await fieldOf('null', 'json')).toBe('file');
  });

  it('refuses text that is not JSON, with the parser message', async () => {
    const err = await parseApplyFile('{"tunnels": [', 'json').catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('file');
    expect(err.allowed).toBe('a JSON document');
    expect(String(err.value)).toMatch(/JSON/);
  });

  it('refuses an unknown format', async () => {
    const err = await parseApplyFile('[]', 'toml' as 'json').catch((e) => e);
    expect(err).toMatchObject({ field: 'format', value: 'toml' });
  });
});

describe('parseApplyFile: YAML', () => {
  it('reads the same tunnels from YAML (1.2: 0x10 is 16, yes is a string)', async () => {
    const text = [
      '# desired tunnels',
      'tunnels:',
      '  - name: hq',
      '    tunnelId: 100',
      '    local: 192.0.2.1',
      '    remote: 198.51.100.7',
      '    tos: 0x10',
      '    keepalive: { interval: 10, retries: 3 }',
      '  - name: lab6',
      '    tunnelId: 7',
      '    remote: "2001:db8::7"',
      '    keepalive: none',
      '    master: br-lan',
      '    up: true',
    ].join('\n');
    expect(await parseApplyFile(text, 'yaml')).toEqual([
      {
        name: 'hq',
        tunnelId: 100,
        local: '192.0.2.1',
        remote: '198.51.100.7',
        tos: 16,
        keepalive: { interval: 10, retries: 3 },
      },
      { name: 'lab6', tunnelId: 7, remote: '2001:db8::7', keepalive: 'none', master: 'br-lan', up: true },
    ]);
    expect(await fieldOf('- name: a\n  tunnelId: 1\n  remote: 10.0.0.2\n  up: yes\n', 'yaml')).toBe(
      'tunnels[0].up',
    );
  });

  it('reads a bare YAML list and names the field at fault', async () => {
    expect(await parseApplyFile('- { name: e1, tunnelId: 7, remote: 10.0.0.2 }\n', 'yaml')).toEqual([
      { name: 'e1', tunnelId: 7, remote: '10.0.0.2' },
    ]);
    expect(await fieldOf('- { name: e1, tunnelId: 7, remote: "fd00::2", local: 10.0.0.1 }\n', 'yaml')).toBe(
      'tunnels[0].local',
    );
    expect(await fieldOf('- { name: e1, tunnelId: 5000, remote: "fd00::2" }\n', 'yaml')).toBe(
      'tunnels[0].tunnelId',
    );
    expect(await fieldOf('', 'yaml')).toBe('file'); // an empty document is null
  });

  it('refuses malformed YAML and duplicate keys, with the parser message', async () => {
    const bad = await parseApplyFile('tunnels: [ { name: a', 'yaml').catch((e) => e);
    expect(bad).toBeInstanceOf(InvalidArgumentError);
    expect(bad).toMatchObject({ field: 'file', allowed: 'a YAML document' });
    const dup = await parseApplyFile('tunnels: []\ntunnels: []\n', 'yaml').catch((e) => e);
    expect(dup).toMatchObject({ field: 'file' });
    expect(String(dup.value)).toMatch(/unique/i);
  });
});
