// Arbitrary query strings never crash the target policy, and nothing it accepts is special.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { decideTarget } from '../../server/bridge/targets.ts';
import type { TargetPolicy } from '../../server/bridge/targets.ts';

// The "resolver" answers with the literal itself or a fixed public address: no network involved.
const policy: TargetPolicy = {
  allow: { entries: [], publicTlsPorts: true },
  lookup: async (host) => (ipaddr.isValid(host) ? [host] : ['93.184.216.34']),
};

const hostish = fc.oneof(
  fc.string(),
  fc.ipV4().map((a) => a),
  fc.ipV4Extended(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.domain(),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(String),
);

describe('decideTarget on arbitrary input', () => {
  it('always decides, with a well-formed refusal or a public address', async () => {
    await fc.assert(
      fc.asyncProperty(hostish, fc.oneof(fc.constant(443), fc.integer({ min: -5, max: 70000 })), async (host, port) => {
        const d = await decideTarget(new URLSearchParams({ target: `${host}:${port}` }), policy);
        if (d.ok) {
          for (const a of d.target.addresses) expect(ipaddr.parse(a).range()).toBe('unicast');
          expect(d.target.port).toBeGreaterThanOrEqual(1);
          expect(d.target.port).toBeLessThanOrEqual(65535);
        } else {
          expect(d.refusal.code).toMatch(/^[a-z0-9-]+$/);
          expect(d.refusal.close).toBeGreaterThanOrEqual(4400);
          expect(d.refusal.message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
