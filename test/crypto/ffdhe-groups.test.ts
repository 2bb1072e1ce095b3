// The RFC 7919 primes as ffdhe.ts builds them (from e's digits by the RFC's formula) are the ones OpenSSL knows by
// name: each group's parameters from `openssl genpkey -genparam`, read back as DER, must give the same p and g.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FFDHE_GROUPS, type FfdheGroupName } from '../../src/crypto/ffdhe.ts';

/** p and g of OpenSSL's named group, from the DHparameter SEQUENCE it writes (openssl asn1parse lists the INTEGERs). */
function opensslGroup(name: FfdheGroupName): { p: bigint; g: bigint } {
  const pem = execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', `group:${name}`]);
  const listing = execFileSync('openssl', ['asn1parse'], { input: pem }).toString();
  const integers = [...listing.matchAll(/prim: INTEGER\s+:([0-9A-F]+)/g)].map((m) => BigInt('0x' + m[1]));
  expect(integers.length).toBeGreaterThanOrEqual(2);
  return { p: integers[0], g: integers[1] };
}

describe('RFC 7919 groups', () => {
  for (const name of Object.keys(FFDHE_GROUPS) as FfdheGroupName[]) {
    it(`${name}: the same prime and generator as OpenSSL's`, () => {
      const ours = FFDHE_GROUPS[name];
      const theirs = opensslGroup(name);
      expect(ours.p.toString(16)).toBe(theirs.p.toString(16));
      expect(ours.g).toBe(theirs.g);
      expect(ours.byteLength).toBe(theirs.p.toString(16).length / 2);
    });
  }
});
