// The Mozilla roots are decoded only when a chain needs them: a chain leading to the caller's extra anchor
// (the lab CA, a root trusted for the session) is verified without them. Its own file: the check reads
// process-wide state that other tests would set.
import { describe, expect, it } from 'vitest';
import type { NewTraceEvent } from '../../src/trace/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { mozillaTrustStore, mozillaTrustStoreDecoded } from '../../src/x509/mozillaStore.ts';
import { NOW, simpleChain } from './pki.ts';

describe('createVerifier with extra anchors', () => {
  it('verifies a chain to an extra anchor without decoding the Mozilla roots, then decodes them once for a chain that needs them', async () => {
    const lab = await simpleChain('lab.example');
    const other = await simpleChain('other.example');
    const verifier = createVerifier({ extraAnchors: [lab.root.der] });

    const events: NewTraceEvent[] = [];
    const ok = await verifier.verify({ chain: [lab.leaf.der, lab.inter.der], serverName: 'lab.example', purpose: 'server', now: NOW, emit: (e) => events.push(e) });
    expect(ok.ok).toBe(true);
    expect(ok.path.map((p) => p.source)).toEqual(['peer', 'peer', 'anchor']);
    expect(mozillaTrustStoreDecoded()).toBe(false);
    // One traced validation: a single cert-result after the checks.
    expect(events.filter((e) => e.kind === 'cert-result')).toHaveLength(1);
    expect(events[events.length - 1].kind).toBe('cert-result');

    const refused: NewTraceEvent[] = [];
    const out = await verifier.verify({ chain: [other.leaf.der, other.inter.der], serverName: 'other.example', purpose: 'server', now: NOW, emit: (e) => refused.push(e) });
    expect(out.error?.code).toBe('UNKNOWN_ISSUER');
    expect(mozillaTrustStoreDecoded()).toBe(true);
    // The failed try against the extra anchor alone is not traced: the events are those of one validation
    // against Mozilla's roots and the extra anchor together.
    const union: NewTraceEvent[] = [];
    const unionAnchors = [...mozillaTrustStore().anchors.map((a) => a.der), lab.root.der];
    await createVerifier({ anchors: unionAnchors }).verify({ chain: [other.leaf.der, other.inter.der], serverName: 'other.example', purpose: 'server', now: NOW, emit: (e) => union.push(e) });
    expect(refused.filter((e) => e.kind === 'cert-result')).toHaveLength(1);
    expect(refused).toEqual(union);

    // The same verifier keeps serving chains to the extra anchor.
    const again = await verifier.verify({ chain: [lab.leaf.der, lab.inter.der], serverName: 'lab.example', purpose: 'server', now: NOW, emit: () => {} });
    expect(again.ok).toBe(true);
  });

  it('reports a bad extra anchor when the verifier is made, as before', () => {
    expect(() => createVerifier({ extraAnchors: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])] })).toThrow();
  });
});
