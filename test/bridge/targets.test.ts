// The target policy without any network traffic: address classes, odd literals, the allowlist,
// lab endpoints, and that every resolved address is checked.
import { describe, expect, it } from 'vitest';
import { checkAddress, isOddIpLiteral } from '../../server/bridge/address-policy.ts';
import { allowlistMatches, parseAllowEntry, parseAllowlist } from '../../server/bridge/allowlist.ts';
import { decideTarget, parseTarget } from '../../server/bridge/targets.ts';
import type { TargetPolicy } from '../../server/bridge/targets.ts';

const q = (s: string) => new URLSearchParams(s);
const publicPolicy: TargetPolicy = { allow: { entries: [], publicTlsPorts: true }, lookup: async () => ['93.184.216.34'] };

describe('address classes', () => {
  it.each([
    ['10.1.2.3', 'private-address'],
    ['172.16.0.1', 'private-address'],
    ['192.168.1.1', 'private-address'],
    ['127.0.0.1', 'loopback-address'],
    ['127.53.1.9', 'loopback-address'],
    ['169.254.169.254', 'cloud-metadata'],
    ['169.254.1.1', 'link-local-address'],
    ['100.64.0.1', 'carrier-grade-nat-address'],
    ['0.0.0.0', 'unspecified-address'],
    ['224.0.0.1', 'multicast-address'],
    ['255.255.255.255', 'broadcast-address'],
    ['::1', 'loopback-address'],
    ['::', 'unspecified-address'],
    ['fe80::1', 'link-local-address'],
    ['fc00::1', 'unique-local-address'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['ff02::1', 'multicast-address'],
    ['::ffff:127.0.0.1', 'ipv4-mapped-address'],
    ['::ffff:8.8.8.8', 'ipv4-mapped-address'],
    ['64:ff9b::7f00:1', 'rfc6052-address'],
    ['2002:7f00:1::1', '6to4-address'],
  ])('%s is refused as %s', (address, code) => {
    expect(checkAddress(address, 443)?.code).toBe(code);
  });

  it('passes public unicast addresses', () => {
    expect(checkAddress('93.184.216.34', 443)).toBeNull();
    expect(checkAddress('2606:2800:220:1:248:1893:25c8:1946', 443)).toBeNull();
  });

  it('lets loopback through only on the explicit test-only ports', () => {
    expect(checkAddress('127.0.0.1', 4000, { testOnlyLoopbackPorts: [4000] })).toBeNull();
    expect(checkAddress('127.0.0.1', 4001, { testOnlyLoopbackPorts: [4000] })?.code).toBe('loopback-address');
    expect(checkAddress('10.0.0.1', 4000, { testOnlyLoopbackPorts: [4000] })?.code).toBe('private-address');
  });

  it.each(['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '01.02.03.04', '0x7f.1', 'fe80::1%eth0'])('%s is an odd literal', (host) => {
    expect(isOddIpLiteral(host)).toBe(true);
  });
  it.each(['1.2.3.4', 'cafe.be', 'example.com', '::1'])('%s is not an odd literal', (host) => {
    expect(isOddIpLiteral(host)).toBe(false);
  });
});

describe('target parsing and the allowlist', () => {
  it('parses host:port and [v6]:port, rejects the rest', () => {
    expect(parseTarget('Example.COM.:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseTarget('[2001:db8::1]:8443')).toEqual({ host: '2001:db8::1', port: 8443 });
    for (const bad of ['example.com', 'example.com:0', 'example.com:65536', ':443', '2001:db8::1:443', 'a:b:c', 'example.com:44x']) expect(parseTarget(bad)).toBeNull();
  });

  it('matches exact names, subdomain wildcards and port sets', () => {
    const list = { entries: parseAllowlist('example.com:443, *.badssl.com:443|8443 mail.example.org:*'), publicTlsPorts: false };
    expect(allowlistMatches(list, 'example.com', 443)).toBe(true);
    expect(allowlistMatches(list, 'example.com', 80)).toBe(false);
    expect(allowlistMatches(list, 'www.example.com', 443)).toBe(false);
    expect(allowlistMatches(list, 'expired.badssl.com', 8443)).toBe(true);
    expect(allowlistMatches(list, 'badssl.com', 443)).toBe(false);
    expect(allowlistMatches(list, 'evilbadssl.com', 443)).toBe(false);
    expect(allowlistMatches(list, 'mail.example.org', 2525)).toBe(true);
    expect(() => parseAllowEntry('example.com')).toThrow(/bad allowlist entry/);
    expect(() => parseAllowEntry('example.com:99999')).toThrow(/bad port/);
  });

  it('is empty by default and the public TLS ports are opt-in', async () => {
    const none: TargetPolicy = { allow: { entries: [], publicTlsPorts: false }, lookup: async () => ['93.184.216.34'] };
    expect(await decideTarget(q('target=example.com:443'), none)).toMatchObject({ ok: false, refusal: { code: 'not-allowlisted', close: 4403 } });
    expect(await decideTarget(q('target=example.com:443'), publicPolicy)).toMatchObject({ ok: true, target: { addresses: ['93.184.216.34'], port: 443 } });
    expect(await decideTarget(q('target=example.com:22'), publicPolicy)).toMatchObject({ ok: false, refusal: { code: 'not-allowlisted' } });
  });
});

describe('decideTarget', () => {
  it('checks every resolved address: one private answer refuses the name', async () => {
    const policy: TargetPolicy = { ...publicPolicy, lookup: async () => ['93.184.216.34', '10.0.0.7'] };
    const d = await decideTarget(q('target=rebind.example:443'), policy);
    expect(d).toMatchObject({ ok: false, refusal: { code: 'private-address', close: 4403 } });
    if (!d.ok) expect(d.refusal.message).toContain('rebind.example resolves to');
  });

  it('connects to the checked addresses, not the name', async () => {
    const d = await decideTarget(q('target=two.example:443'), { ...publicPolicy, lookup: async () => ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    expect(d).toMatchObject({ ok: true, target: { host: 'two.example', addresses: ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] } });
  });

  it('reports DNS failures with their own code', async () => {
    const policy: TargetPolicy = { ...publicPolicy, lookup: async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })) };
    expect(await decideTarget(q('target=nothing.invalid:443'), policy)).toMatchObject({ ok: false, refusal: { code: 'dns-failed', close: 4503 } });
  });

  it('maps lab scenarios and lab ports to loopback, and nothing else on the lab name', async () => {
    const lab = { host: 'lab.tls-lens.test', address: '127.0.0.1', byId: (id: string) => (id === 'good' ? { id, port: 4100 } : undefined), byPort: (p: number) => (p === 4100 ? { id: 'good', port: p } : undefined) };
    const policy: TargetPolicy = { ...publicPolicy, lab };
    expect(await decideTarget(q('scenario=good'), policy)).toMatchObject({ ok: true, target: { addresses: ['127.0.0.1'], port: 4100, scenario: 'good' } });
    expect(await decideTarget(q('target=lab.tls-lens.test:4100'), policy)).toMatchObject({ ok: true, target: { addresses: ['127.0.0.1'], port: 4100 } });
    expect(await decideTarget(q('target=127.0.0.1:4100'), policy)).toMatchObject({ ok: true, target: { scenario: 'good' } });
    expect(await decideTarget(q('target=lab.tls-lens.test:4101'), policy)).toMatchObject({ ok: false, refusal: { code: 'not-a-lab-endpoint' } });
    expect(await decideTarget(q('target=127.0.0.1:4101'), policy)).toMatchObject({ ok: false, refusal: { code: 'loopback-address' } });
    expect(await decideTarget(q('scenario=nope'), policy)).toMatchObject({ ok: false, refusal: { code: 'unknown-scenario', close: 4404 } });
  });

  it('rejects malformed requests', async () => {
    expect(await decideTarget(q(''), publicPolicy)).toMatchObject({ ok: false, refusal: { code: 'missing-target', close: 4400 } });
    expect(await decideTarget(q('target=exa mple.com:443'), publicPolicy)).toMatchObject({ ok: false, refusal: { code: 'bad-target' } });
    expect(await decideTarget(q('target=-bad-.com:443'), publicPolicy)).toMatchObject({ ok: false, refusal: { code: 'bad-target' } });
  });
});
